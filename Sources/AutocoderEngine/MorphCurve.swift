// How a morph (`Morph`) moves from where it starts to where it ends. Any
// thread; `value` is called on the render thread (a switch, no allocation).

public enum MorphCurve: String, CaseIterable, Sendable {
    /// Evenly: halfway in time is halfway there.
    case linear
    /// Smoothstep (3t² − 2t³): starts and ends at rest.
    case ease

    /// The share of the way covered at `t` (0…1) of the time.
    @inline(__always)
    func value(_ t: Float) -> Float {
        switch self {
        case .linear: t
        case .ease: t * t * (3 - 2 * t)
        }
    }
}
