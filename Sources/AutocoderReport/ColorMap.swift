// Colour maps for the spectrograms, built from small tables of our own and
// interpolated linearly between their entries: `sequential` (dark violet
// through blue and green to yellow, lightness rising evenly, like viridis) for
// levels, `diverging` (blue, near-white at the middle, red) for signed
// differences. Values; any thread.

public struct ColorMap: Sendable {
    /// Entries at equal steps from 0 to 1.
    public let entries: [Color]

    public init(entries: [Color]) {
        precondition(entries.count >= 2, "a colour map needs two entries")
        self.entries = entries
    }

    /// The colour at `t` (clamped to [0,1]; NaN draws as the lowest).
    public func color(_ t: Double) -> Color {
        let t = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = t * Double(entries.count - 1)
        let i = min(Int(position), entries.count - 2)
        return entries[i].mixed(with: entries[i + 1], position - Double(i))
    }

    public static let sequential = ColorMap(entries: [
        Color(68, 1, 84), Color(72, 40, 120), Color(62, 73, 137), Color(49, 104, 142), Color(38, 130, 142),
        Color(31, 158, 137), Color(53, 183, 121), Color(110, 206, 88), Color(253, 231, 37),
    ])

    public static let diverging = ColorMap(entries: [
        Color(33, 102, 172), Color(103, 169, 207), Color(209, 229, 240), Color(247, 247, 247),
        Color(253, 219, 199), Color(239, 138, 98), Color(178, 24, 43),
    ])
}
