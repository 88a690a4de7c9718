// A glide of a generative or filter voice to a remembered state (a snapshot):
// its latent targets, some of its controls, its walk and its level. Values
// only (fixed-size), so any thread may build one and it crosses to the render
// thread inside a `VoiceCommand`. There the voice moves its latent targets and
// controls a hop at a time from their values when the morph starts, along
// `curve`, and its slot moves the level a sample at a time.

public struct Morph: Sendable {
    /// The latent targets to reach (the voice's own glide follows them).
    public var latent: LatentVector
    /// The controls to reach, by `EngineParameter.ordinal`; only those in `parameterMask` move.
    var parameters = SIMD16<Float>(repeating: 0)
    var parameterMask: UInt16 = 0
    /// The walk at the end (turning it off happens at the start).
    public var walking: Bool
    /// The voice's level at the end.
    public var level: Float
    /// How long it takes, in frames (0: at once).
    public var frames: Int
    public var curve: MorphCurve
    /// Published by the voice when it ends (`VoiceStatus.morphsEnded`), so the
    /// control side can tell whoever asked.
    public var serial: Int

    public init(latent: LatentVector, controls: [(EngineParameter, Float)], walking: Bool, level: Float, frames: Int,
                curve: MorphCurve, serial: Int) {
        self.latent = latent
        self.walking = walking
        self.level = level
        self.frames = max(0, frames)
        self.curve = curve
        self.serial = serial
        for (parameter, value) in controls where parameter != .gain {
            parameters[parameter.ordinal] = value
            parameterMask |= 1 << UInt16(parameter.ordinal)
        }
    }
}
