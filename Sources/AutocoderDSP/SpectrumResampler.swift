// A model's frame as a spectrum in Hz, heard through the bins of any FFT at
// any rate with its power kept.
//
// The frame's values are amplitudes at fixed frequencies ("knots"): a mel
// band's value at its centre (the peak of its triangle, with zeros at 0 Hz and
// at the top edge), a linear bin's at its own frequency. Between knots the
// amplitude is linear — which is what overlapping mel triangles describe — so
// the frame is a continuous amplitude A(f). Each running bin b takes the mean
// power of A over its own band of frequencies, [b − ½, b + ½] × rate / N:
//
//     |X_b|² = (1/Δ) ∫ A(f)² df,  Δ = rate / N
//
// which is exact for piecewise-linear A. The sum over bins is then ∫ A² / Δ
// at every FFT size and rate, so the level does not depend on either (the
// synthesis divides by the bin count and scales for the rate), and a band
// narrower than a bin — the low mel bands at small FFT sizes — adds its power
// to the bin it falls in rather than being sampled or added in amplitude, as
// the published inversion does. Where bins are much finer than the knots the
// result is the published linear interpolation of the band values.
//
// Threading: immutable after init (which allocates); `magnitudes` neither
// allocates nor locks, so the audio thread may call it.

import Foundation

public struct SpectrumResampler: Sendable {
    /// Values a frame holds.
    public let valueCount: Int
    /// Running bins: fftSize / 2.
    public let binCount: Int

    /// Bin b sums pieces pieceStart[b] ..< pieceStart[b + 1]. A piece is the
    /// part of one knot-to-knot segment inside the bin: the segment's values
    /// (indices, −1 for a fixed zero), where the piece starts and ends along
    /// it (0 … 1), and its width over the bin's.
    private let pieceStart: [Int32]
    private let lowValue: [Int32]
    private let highValue: [Int32]
    private let from: [Float]
    private let to: [Float]
    private let width: [Float]

    /// Knot i sits at `frequencies[i]` Hz (ascending) and takes the frame's
    /// value `values[i]` (an index, or −1 for a fixed zero); A is 0 outside.
    public init(frequencies: [Double], values: [Int], valueCount: Int, fftSize: Int, sampleRate: Double) {
        precondition(frequencies.count == values.count && frequencies.count >= 2 && fftSize >= 2 && fftSize % 2 == 0 && sampleRate > 0,
                     "invalid spectrum resampler")
        precondition(values.allSatisfy { $0 >= -1 && $0 < valueCount }, "knot value out of range")
        self.valueCount = valueCount
        binCount = fftSize / 2
        let spacing = sampleRate / Double(fftSize)
        var pieceStart: [Int32] = [0], lowValue: [Int32] = [], highValue: [Int32] = []
        var from: [Float] = [], to: [Float] = [], width: [Float] = []
        var segment = 0
        for b in 0..<binCount {
            let low = max(0, (Double(b) - 0.5) * spacing), high = (Double(b) + 0.5) * spacing
            // Segments end in ascending order: skip those that end before this bin.
            while segment < frequencies.count - 1, frequencies[segment + 1] <= low { segment += 1 }
            var s = segment
            while s < frequencies.count - 1, frequencies[s] < high {
                let start = frequencies[s], end = frequencies[s + 1]
                let x0 = max(start, low), x1 = min(end, high)
                if x1 > x0, end > start {
                    lowValue.append(Int32(values[s]))
                    highValue.append(Int32(values[s + 1]))
                    from.append(Float((x0 - start) / (end - start)))
                    to.append(Float((x1 - start) / (end - start)))
                    width.append(Float((x1 - x0) / spacing))
                }
                s += 1
            }
            pieceStart.append(Int32(lowValue.count))
        }
        self.pieceStart = pieceStart
        self.lowValue = lowValue
        self.highValue = highValue
        self.from = from
        self.to = to
        self.width = width
    }

    /// For a frame of `bands` mel values (SPEC §3's filterbank up to
    /// `highFrequency`): band j at the peak of its triangle.
    public static func mel(bands: Int, fftSize: Int, sampleRate: Double, highFrequency: Double = 22050) -> SpectrumResampler {
        let step = MelFilterbank.hzToMel(highFrequency) / Double(bands + 1)
        let centres = (1...bands).map { MelFilterbank.melToHz(Double($0) * step) }
        return SpectrumResampler(frequencies: [0] + centres + [highFrequency], values: [-1] + Array(0..<bands) + [-1],
                                 valueCount: bands, fftSize: fftSize, sampleRate: sampleRate)
    }

    /// For a frame of `bins` linear magnitudes, bin k at k × `spacing` Hz;
    /// silent from one spacing past the last.
    public static func linear(bins: Int, spacing: Double, fftSize: Int, sampleRate: Double) -> SpectrumResampler {
        SpectrumResampler(frequencies: (0...bins).map { Double($0) * spacing }, values: Array(0..<bins) + [-1],
                          valueCount: bins, fftSize: fftSize, sampleRate: sampleRate)
    }

    /// magnitude[0 ..< binCount] from frame[0 ..< valueCount] (negative values
    /// count as 0). Real-time safe.
    @inline(__always)
    public func magnitudes(of frame: UnsafePointer<Float>, into magnitude: UnsafeMutablePointer<Float>) {
        pieceStart.withUnsafeBufferPointer { start in
        lowValue.withUnsafeBufferPointer { lowValue in
        highValue.withUnsafeBufferPointer { highValue in
        from.withUnsafeBufferPointer { from in
        to.withUnsafeBufferPointer { to in
        width.withUnsafeBufferPointer { width in
            for b in 0..<binCount {
                var power: Float = 0
                for p in Int(start[b])..<Int(start[b + 1]) {
                    let l = lowValue[p], h = highValue[p]
                    let a = l < 0 ? 0 : max(frame[Int(l)], 0)
                    let c = h < 0 ? 0 : max(frame[Int(h)], 0)
                    let y0 = a + (c - a) * from[p], y1 = a + (c - a) * to[p]
                    // The mean of a line's square over the piece.
                    power += width[p] * (y0 * y0 + y0 * y1 + y1 * y1) * (1 / 3)
                }
                magnitude[b] = power.squareRoot()
            }
        }}}}}}
    }
}
