// An autocode voice as a slot of the engine plays it: the voice heard now and,
// after a new model, FFT size or input, its replacement crossfaded in
// (linearly: both follow the same input's phase), which carries on from the
// old one's input and place in the loop.
//
// Render thread only; a value in its slot.

struct AutocodeVoicePlayer {
    var voices: Handover<Unmanaged<AutocodeVoice>?>

    init(_ voice: Unmanaged<AutocodeVoice>?, crossfadeSamples: Int) {
        voices = Handover(voice, crossfadeSamples: crossfadeSamples, curve: .linear)
    }

    mutating func replace(with newVoice: Unmanaged<AutocodeVoice>?, retirement: Retirement) {
        // A voice that is not heard needs no warm-up or crossfade.
        let heard = voices.newest?.takeUnretainedValue().isSounding ?? false
        let warmup = heard ? newVoice?.takeUnretainedValue().shape.fftSize ?? 0 : 0
        if voices.replace(with: newVoice, warmup: warmup, retire: { Self.retire($0, retirement) }), let newVoice,
           let active = voices.active {
            newVoice.takeUnretainedValue().continueInput(of: active.takeUnretainedValue())
        }
        if !heard { voices.completeNow(retire: { Self.retire($0, retirement) }) }
    }

    /// Adds `count` samples to `output` (zeroed by the caller), using `scratch`
    /// (`count` floats) for the incoming voice.
    mutating func render(input: UnsafePointer<Float>?, adding output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         count: Int, retirement: Retirement, status: EngineStatus) {
        guard voices.active != nil || voices.incoming != nil else { return }
        if let active = voices.active {
            Self.process(active.takeUnretainedValue(), input: input, into: output, count: count, status: status, leading: true)
        }
        if let incoming = voices.incoming {
            scratch.update(repeating: 0, count: count)
            if let incoming {
                Self.process(incoming.takeUnretainedValue(), input: input, into: scratch, count: count, status: status,
                             leading: voices.active == nil)
            }
        }
        if voices.mix(current: output, next: scratch, into: output, count: count, retire: { Self.retire($0, retirement) }),
           let incoming = voices.incoming, let next = incoming {
            if let active = voices.active { next.takeUnretainedValue().continueInput(of: active.takeUnretainedValue()) }
        }
    }

    /// One voice's `count` samples into `output` (zeroed), silenced and reset if
    /// they are not finite. The leading voice (the one heard, or the one
    /// fading in from silence) leaves its latent values for a take's trajectory.
    @inline(__always)
    private static func process(_ voice: AutocodeVoice, input: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>,
                                count: Int, status: EngineStatus, leading: Bool) {
        voice.process(input: input, adding: output, count: count, played: leading ? status.playedLatents : nil)
        if !SynthesisEngine.isFinite(output, count: count) {
            output.update(repeating: 0, count: count)
            voice.reset()
            status.nonFiniteBlocks.wrappingIncrement(ordering: .relaxed)
        }
    }

    mutating func apply(_ command: VoiceCommand) {
        voices.forEach { voice in
            guard let voice = voice?.takeUnretainedValue() else { return }
            switch command {
            case let .play(on): voice.play(on)
            case let .autocodeMapping(mapping, values): voice.set(mapping, values)
            case .autocodeResetRange: voice.resetRange()
            default: break
            }
        }
    }

    var isSounding: Bool { voices.newest?.takeUnretainedValue().isSounding ?? false }

    private static func retire(_ voice: Unmanaged<AutocodeVoice>?, _ retirement: Retirement) {
        if let voice { retirement.retire(.autocode(voice)) }
    }
}
