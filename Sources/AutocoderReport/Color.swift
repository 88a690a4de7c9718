// An opaque colour (components in [0,1]) and the few the report draws with.
// Values; any thread.

public struct Color: Equatable, Sendable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From 0–255 components.
    public init(_ red: Int, _ green: Int, _ blue: Int) {
        self.init(red: Double(red) / 255, green: Double(green) / 255, blue: Double(blue) / 255)
    }

    /// The colour a fraction `t` of the way from `self` to `other`.
    public func mixed(with other: Color, _ t: Double) -> Color {
        Color(red: red + (other.red - red) * t, green: green + (other.green - green) * t, blue: blue + (other.blue - blue) * t)
    }

    /// 0xFFRRGGBB, cairo's ARGB32 pixel of this colour.
    var pixel: UInt32 {
        func byte(_ v: Double) -> UInt32 { UInt32((min(max(v, 0), 1) * 255).rounded()) }
        return 0xFF00_0000 | byte(red) << 16 | byte(green) << 8 | byte(blue)
    }

    public static let white = Color(255, 255, 255)
    public static let black = Color(0, 0, 0)
    public static let text = Color(34, 34, 34)
    public static let secondaryText = Color(100, 100, 100)
    public static let axis = Color(60, 60, 60)
    public static let grid = Color(228, 228, 228)
    public static let panel = Color(246, 246, 246)
    /// The report's data lines: the model's (blue), the baseline's (orange), marks (red).
    public static let series = Color(31, 119, 180)
    public static let baseline = Color(230, 120, 20)
    public static let mark = Color(200, 30, 45)
}
