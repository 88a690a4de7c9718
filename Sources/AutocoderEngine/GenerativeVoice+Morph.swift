// A generative or filter voice's morph (`Morph`): its latent targets and the
// controls the morph carries move from their values when it starts to the
// morph's, along its curve, one step per hop (or per render call while the
// voice is silent); the voice's own glide then follows the targets. At the
// last step everything lands exactly on the morph's values.
//
// The walk: turned off at the start (a walk running on would keep moving the
// targets away from where the morph is taking them), turned on at the end
// (the walk then starts from the remembered point instead of wandering off
// mid-glide). While a morph runs, the walk takes no steps either way.
//
// Render thread only; nothing here allocates.

extension GenerativeVoice {
    /// Starts `morph` from the values now; one of 0 frames lands at once.
    func start(_ morph: Morph) {
        if let running = self.morph {
            // A newer morph replaces one still under way: that one counts as ended.
            status.publishMorphEnded(running.serial)
        }
        for d in 0..<LatentVector.capacity { morphFromLatent[d] = target[d] }
        morphFromParameters = parameters
        let count = min(max(morph.latent.count, 0), LatentVector.capacity)
        morphLatentMask = count >= 32 ? ~0 : ~(~UInt32(0) << UInt32(count))
        morphParameterMask = morph.parameterMask
        morphSetsWalk = true
        morphElapsed = 0
        self.morph = morph
        if !morph.walking {
            walking = false
            status.publish(playing: playing, walking: false)
        }
        if morph.frames == 0 { stepMorph(by: 0) }
    }

    /// Moves the morph on by `frames`, ending it when they reach its length.
    func stepMorph(by frames: Int) {
        guard let morph else { return }
        morphElapsed += frames
        let ended = morphElapsed >= morph.frames
        let share = ended ? 1 : morph.curve.value(Float(morphElapsed) / Float(morph.frames))
        let to = morph.latent.values
        var mask = morphLatentMask
        while mask != 0 {
            let d = mask.trailingZeroBitCount
            mask &= mask - 1
            target[d] = ended ? to[d] : morphFromLatent[d] + (to[d] - morphFromLatent[d]) * share
            status.storeTarget(d, target[d])
        }
        var parameterMask = morphParameterMask
        while parameterMask != 0 {
            let o = parameterMask.trailingZeroBitCount
            parameterMask &= parameterMask - 1
            let from = morphFromParameters[o], end = morph.parameters[o]
            parameters[o] = ended ? end : from + (end - from) * share
        }
        guard ended else { return }
        if morphSetsWalk, morph.walking != walking {
            walking = morph.walking
            walkClock = 0
            status.publish(playing: playing, walking: walking)
        }
        self.morph = nil
        status.publishMorphEnded(morph.serial)
    }
}
