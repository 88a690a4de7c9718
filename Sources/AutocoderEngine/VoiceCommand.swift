// What a voice can be told, whatever its kind, and the kinds of voice. A
// command carries values only (no objects), so any thread may build one; the
// engine delivers it to the voice with that ID on the render thread. A command
// a voice's kind does not take is ignored there (the server refuses it first).

/// The kinds of voice the engine mixes.
public enum VoiceKind: String, CaseIterable, Sendable {
    /// The model's latent space played as a spectrum (SPEC §3).
    case generative
    /// Grains of the model's source sound in its similarity order.
    case granular
    /// An input (the device's or a looped file) re-synthesised through the model.
    case autocode
    /// Another sound (the device's input, a looped file or another voice)
    /// filtered by the model's spectrum at the voice's latent point, with the
    /// input's own phase: a generative voice with a `FilterStage`.
    case filter

    /// Whether it plays a model's latent space (generative and filter voices:
    /// latent controls, walk, models, the FFT size and hop).
    public var playsModel: Bool { self == .generative || self == .filter }
}

/// How a generative voice gives its spectrum a phase.
public enum PhaseMode: String, CaseIterable, Sendable {
    /// A fresh random phase per bin and hop (the published method).
    case random
    /// Real-time phase-gradient heap integration from the magnitudes (`PhaseGradientHeap`).
    case pghi
    /// Each bin advancing by its centre frequency every hop: the simplest coherent
    /// phase, a baseline to measure the others against.
    case coherent
}

public enum VoiceCommand: Sendable {
    /// Sets the first `count` latent targets.
    case latent(LatentVector)
    case latentDimension(index: Int, value: Float)
    /// A generative control; `.gain` is the engine's master gain, not a voice's.
    case parameter(EngineParameter, Float)
    case walk(Bool)
    case phase(PhaseMode)
    /// Fades in or out over 50 ms.
    case play(Bool)
    /// Latent targets back to 0.5 and the mel feedback memory cleared.
    case reset
    /// The voice's own level, 0…4 (ramped over 20 ms).
    case level(Float)
    /// A glide of a generative or filter voice's latent targets, controls,
    /// walk and level to the values `Morph` carries. A later command for any
    /// of them takes that one out of the glide.
    case morph(Morph)
    /// Output routing: channel `out` (0 = every channel, else 1…channels) and
    /// pan −1…1 (0: channel `out` alone; towards +1 the next channel, towards
    /// −1 the previous one, equal power; channels wrap around).
    case route(out: Int, pan: Float)
    case granular(GranularParameter, Float)
    /// The next grain comes from this training frame.
    case granularJump(Int)
    case autocodeMapping(AutocodeMapping, LatentVector)
    /// The autocode voice learns its input's range afresh.
    case autocodeResetRange
}
