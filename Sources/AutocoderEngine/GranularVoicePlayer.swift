// A granular voice as a slot of the engine plays it: the voice, and a replaced
// one whose sounding grains play out (a new source sound comes in without
// cutting the grains of the old one).
//
// Render thread only; a value in its slot.

struct GranularVoicePlayer {
    var voice: Unmanaged<GranularVoice>?
    /// A replaced voice whose sounding grains play out.
    var finishing: Unmanaged<GranularVoice>?

    /// A new source: the current voice finishes its grains.
    mutating func replace(with newVoice: Unmanaged<GranularVoice>?, retirement: Retirement) {
        if let old = voice {
            if let older = finishing { retirement.retire(.granular(older)) }
            old.takeUnretainedValue().finish()
            finishing = old
        }
        voice = newVoice
    }

    /// Adds `count` samples to `output` (zeroed by the caller); a voice whose
    /// samples are not finite is reset and the event counted (its samples are
    /// then dropped: returns false).
    mutating func render(adding output: UnsafeMutablePointer<Float>, count: Int, retirement: Retirement, status: EngineStatus) -> Bool {
        var finite = true
        if let finishing {
            let old = finishing.takeUnretainedValue()
            old.render(adding: output, count: count)
            if !old.isSounding {
                retirement.retire(.granular(finishing))
                self.finishing = nil
            }
        }
        if let voice {
            voice.takeUnretainedValue().render(adding: output, count: count)
            status.granularFrame.store(voice.takeUnretainedValue().index, ordering: .relaxed)
        }
        if !SynthesisEngine.isFinite(output, count: count) {
            finishing?.takeUnretainedValue().reset()
            voice?.takeUnretainedValue().reset()
            status.nonFiniteBlocks.wrappingIncrement(ordering: .relaxed)
            finite = false
        }
        return finite
    }

    func apply(_ command: VoiceCommand) {
        guard let voice = voice?.takeUnretainedValue() else { return }
        switch command {
        case let .play(on): voice.play(on)
        case let .granular(parameter, value): voice.set(parameter, value)
        case let .granularJump(frame): voice.jump(to: frame)
        default: break
        }
    }

    var isSounding: Bool {
        (voice?.takeUnretainedValue().isSounding ?? false) || finishing != nil
    }
}
