// The on/off ramp of the granular and autocode voices. A value owned by the
// voice, advanced by whichever thread renders it; no allocation.

struct VoiceFade {
    /// Whether the voice is switched on (it may still be fading either way).
    var isOn = false
    private(set) var level: Float = 0
    private var step: Float = 0

    /// Switches on or off over `seconds` (0: at once).
    mutating func set(_ on: Bool, seconds: Double, sampleRate: Double) {
        isOn = on
        if seconds <= 0 {
            level = on ? 1 : 0
            step = 0
        } else {
            step = Float((on ? 1 : -1) / (seconds * sampleRate))
        }
    }

    /// Whether anything can be heard: on, or still fading out.
    var isSounding: Bool { isOn || level > 0 }

    /// The level of the next sample.
    @inline(__always)
    mutating func next() -> Float {
        if step != 0 {
            level = max(0, min(1, level + step))
            if level == 0 || level == 1 { step = 0 }
        }
        return level
    }
}
