// What the values a decoder makes stand for, so that synthesis knows how to
// turn them into the magnitudes of its FFT bins. Values; any thread.

public enum FrameLayout: Hashable, Sendable {
    /// Mel bands of the published filterbank (0–22050 Hz): a `.dec`.
    case mel(bands: Int)
    /// Linear-frequency magnitudes, value k at k × 22050 / bins Hz: the bins of
    /// a (2 × bins)-point FFT at 44.1 kHz, as the training notebook's `.fft.dec` makes them.
    case linear(bins: Int)

    /// Values in a frame.
    public var count: Int {
        switch self {
        case let .mel(bands): bands
        case let .linear(bins): bins
        }
    }

    /// Frequency of linear bin `k` in Hz.
    public static func linearBinFrequency(_ k: Int, bins: Int) -> Double { Double(k) * 22050 / Double(bins) }
}
