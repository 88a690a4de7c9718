// The OSC time tag (OSC 1.0): a 64-bit NTP timestamp, seconds since
// 1900-01-01 UTC in the high 32 bits and the fraction of a second in the low
// 32, with the value 1 meaning "immediately". Bundles carry one.
//
// A value; any thread. Times are NTP era 0 (1900 to 2036-02-07), as liblo and
// the common clients write them; conversions from Unix time clamp to it.

public struct OSCTimeTag: Hashable, Sendable, CustomStringConvertible {
    /// The tag as it travels, big-endian on the wire.
    public let value: UInt64

    /// "Now": a bundle to be acted on as soon as it arrives.
    public static let immediately = OSCTimeTag(1)

    /// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
    public static let unixEpochOffset: UInt64 = 2_208_988_800

    public init(_ value: UInt64) {
        self.value = value
    }

    public init(seconds: UInt32, fraction: UInt32) {
        value = UInt64(seconds) << 32 | UInt64(fraction)
    }

    /// The tag nearest `unixTime` (seconds since 1970, UTC), to 1/2³² s.
    public init(unixTime: Double) {
        // The whole seconds and the fraction apart: adding the epoch offset
        // first would cost the fraction a bit of its precision.
        let whole = unixTime.rounded(.down)
        let ntp = whole + Double(Self.unixEpochOffset)
        guard ntp.isFinite, ntp >= 0, ntp < 4_294_967_296 else {
            // Before 1900 (or NaN), or after the era's end: its first or last moment.
            self.init(ntp >= 4_294_967_296 ? UInt64.max : 0)
            return
        }
        let seconds = UInt64(ntp) << 32
        let fraction = UInt64(((unixTime - whole) * 4_294_967_296).rounded())
        // A fraction that rounds up to a whole second carries into the seconds
        // (past the era's last second, it stays at the end).
        let value = seconds &+ fraction
        self.init(value < seconds ? .max : value)
    }

    public var seconds: UInt32 { UInt32(truncatingIfNeeded: value >> 32) }
    public var fraction: UInt32 { UInt32(truncatingIfNeeded: value) }

    /// Whether it means "immediately" (OSC 1.0 gives the value 1 that sense).
    public var isImmediate: Bool { value == 1 }

    /// Seconds since 1970 (UTC); negative before 1970.
    public var unixTime: Double {
        Double(Int64(seconds) - Int64(Self.unixEpochOffset)) + Double(fraction) / 4_294_967_296
    }

    public var description: String { isImmediate ? "immediately" : "\(unixTime) s (Unix time)" }
}
