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
    /// part of one knot-to-knot segment inside the bin; its mean power is a
    /// quadratic form in the segment's two values a = frame[lowIndex], c = frame[highIndex]:
    /// `aa·a² + ac·a·c + cc·c²` (a fixed zero knot has its terms at 0).
    private let pieceStart: [Int32]
    private let lowIndex: [Int32]
    private let highIndex: [Int32]
    private let aa: [Float]
    private let ac: [Float]
    private let cc: [Float]

    /// Knot i sits at `frequencies[i]` Hz (ascending) and takes the frame's
    /// value `values[i]` (an index, or −1 for a fixed zero); A is 0 outside.
    public init(frequencies: [Double], values: [Int], valueCount: Int, fftSize: Int, sampleRate: Double) {
        precondition(frequencies.count == values.count && frequencies.count >= 2 && fftSize >= 2 && fftSize % 2 == 0 && sampleRate > 0,
                     "invalid spectrum resampler")
        precondition(values.allSatisfy { $0 >= -1 && $0 < valueCount }, "knot value out of range")
        self.valueCount = valueCount
        binCount = fftSize / 2
        let spacing = sampleRate / Double(fftSize)
        var pieceStart: [Int32] = [0], lowIndex: [Int32] = [], highIndex: [Int32] = []
        var aa: [Float] = [], ac: [Float] = [], cc: [Float] = []
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
                    // Along the segment y = a(1 − u) + c·u; over the piece u runs
                    // from f to t, and the mean of y² is (y(f)² + y(f)y(t) + y(t)²) / 3.
                    let f = (x0 - start) / (end - start), t = (x1 - start) / (end - start)
                    let w = (x1 - x0) / spacing / 3
                    let (lowZero, highZero) = (values[s] < 0, values[s + 1] < 0)
                    lowIndex.append(Int32(max(values[s], 0)))
                    highIndex.append(Int32(max(values[s + 1], 0)))
                    let a2 = (1 - f) * (1 - f) + (1 - f) * (1 - t) + (1 - t) * (1 - t)
                    let a1c1 = 2 * (1 - f) * f + (1 - f) * t + f * (1 - t) + 2 * (1 - t) * t
                    let c2 = f * f + f * t + t * t
                    aa.append(lowZero ? 0 : Float(w * a2))
                    ac.append(lowZero || highZero ? 0 : Float(w * a1c1))
                    cc.append(highZero ? 0 : Float(w * c2))
                }
                s += 1
            }
            pieceStart.append(Int32(lowIndex.count))
        }
        self.pieceStart = pieceStart
        self.lowIndex = lowIndex
        self.highIndex = highIndex
        self.aa = aa
        self.ac = ac
        self.cc = cc
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
        lowIndex.withUnsafeBufferPointer { low in
        highIndex.withUnsafeBufferPointer { high in
        aa.withUnsafeBufferPointer { aa in
        ac.withUnsafeBufferPointer { ac in
        cc.withUnsafeBufferPointer { cc in
            for b in 0..<binCount {
                var power: Float = 0
                for p in Int(start[b])..<Int(start[b + 1]) {
                    let a = max(frame[Int(low[p])], 0), c = max(frame[Int(high[p])], 0)
                    power += aa[p] * a * a + ac[p] * a * c + cc[p] * c * c
                }
                magnitude[b] = max(power, 0).squareRoot()
            }
        }}}}}}
    }
}
