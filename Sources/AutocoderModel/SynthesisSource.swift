// What synthesis plays from a decoder, and by which path.
//
// A `.dec` is a mel decoder: its bands go through the mel inversion at the
// running FFT size. A `.fft.dec` (the training notebook's) is a mel decoder
// followed by a constant linear map, Dot(mel, M): when M is the standard
// inversion matrix (SPEC §3: python_speech_features' filterbank at FFT 2B,
// 44.1 kHz, 0–22050 Hz, first B columns, for B output bins; 8192 and 4096 for
// the notebook's model), synthesis plays the mel values before the map,
// exactly like a `.dec`: exact at every FFT size and sample rate, and far
// cheaper than the dense product. Any other linear-spectrum model plays its
// own B bins, taken at k × 22050 / B Hz and mapped onto the running FFT's
// bins by frequency. `decode` and /decoded always give the model's own output.
//
// Built off the audio thread when a bundle loads; immutable; any thread.

import AutocoderDSP

public struct SynthesisSource: @unchecked Sendable {
    public enum Path: Equatable, Sendable {
        /// A mel decoder of `bands` bands.
        case melDecoder(bands: Int)
        /// `bins` linear bins made from `bands` mel values by the standard inversion matrix at `fftSize`.
        case standardInversion(bins: Int, bands: Int, fftSize: Int)
        /// `bins` linear bins mapped onto the running FFT's bins by frequency.
        case linearBins(bins: Int)
    }

    public let path: Path
    /// The decoder synthesis runs: the model's own, or its plan cut before the inversion matrix.
    public let decoder: Decoder

    /// Largest difference from our filterbank's weights (which lie in [0, 1])
    /// that still counts as the standard matrix: float32 rounding of the
    /// notebook's float64 matrix is below 1e-7; one filter edge a bin away is 0.5 or more.
    public static let matrixTolerance: Float = 1e-4

    /// Recognises the path `decoder` takes.
    public init(_ decoder: Decoder) {
        guard case let .linear(bins) = decoder.layout else {
            path = .melDecoder(bands: decoder.outputCount)
            self.decoder = decoder
            return
        }
        if let map = decoder.plan.trailingLinearMap, map.outputs == bins, Self.isStandardInversion(map.weights, bands: map.inputs, bins: bins),
           let melPlan = decoder.plan.droppingTrailingLinearMap() {
            path = .standardInversion(bins: bins, bands: map.inputs, fftSize: 2 * bins)
            self.decoder = Decoder(sharing: decoder, plan: melPlan, layout: .mel(bands: map.inputs))
        } else {
            path = .linearBins(bins: bins)
            self.decoder = decoder
        }
    }

    /// Whether `weights` ([bins, bands], row-major: the map's matrix stored
    /// transposed) is the inversion matrix of `bands` filters at FFT 2 × bins.
    static func isStandardInversion(_ weights: UnsafeBufferPointer<Float>, bands: Int, bins: Int) -> Bool {
        let bank = MelFilterbank(filterCount: bands, fftSize: 2 * bins)
        for bin in 0..<bins {
            for band in 0..<bands where abs(weights[bin * bands + band] - bank.inversionWeight(filter: band, bin: bin)) > matrixTolerance {
                return false
            }
        }
        return true
    }

    /// One line for `autocoder info`.
    public var summary: String {
        switch path {
        case let .melDecoder(bands):
            "mel decoder: \(bands) bands through the mel inversion at the running FFT size"
        case let .standardInversion(bins, bands, fftSize):
            "linear spectrum \(bins) bins: standard inversion matrix at \(fftSize) → plays from its \(bands) mel values"
        case let .linearBins(bins):
            "linear spectrum \(bins) bins: maps \(bins) bins by frequency (bin k at k × 22050 / \(bins) Hz) onto the running FFT's bins"
        }
    }
}
