// What a report measures: a bundle's training sound analysed as `analyze`
// does (MelAnalysis, every frame scaled to [0,1] by the `.mm` minIn and maxIn,
// the units the model learns in), every frame encoded (the `.mm` latent
// scaling: training frames fall in [0,1]) and decoded back into 512 mel values
// — the `.dec`'s, or a `.fft.dec`'s: the mel values before its matrix when
// that is the standard inversion matrix, else its linear bins through the mel
// filterbank's analysis matrix (bin k at k × 22050 / bins Hz) — and the
// spectral RMSE of each frame against the source (SpectralRMSE.perFrame) and
// against the source's mean frame.
//
// Any thread but the audio thread; allocates, batched inference (BLAS).

import AutocoderDSP
import AutocoderModel
import Foundation

public struct Reconstruction: Sendable {
    /// Frames, and values per frame (the mel bands: the encoder's inputs).
    public let frames: Int
    public let bands: Int
    /// Frames row after row on the model's [0,1] scale.
    public let source: [Float]
    public let reconstruction: [Float]
    /// `frames` rows of `latentCount` values, scaled by the `.mm` (training frames in [0,1]).
    public let latents: [Float]
    public let latentCount: Int
    /// Per frame: the reconstruction's spectral RMSE against the source, and the mean frame's.
    public let errors: [Double]
    public let baselineErrors: [Double]
    /// How the decoded frames became mel values, in words.
    public let decoderPath: String
    /// The file that decoded.
    public let decoderFile: String

    /// Mean over the frames of the per-frame RMSE.
    public var meanRMSE: Double { Self.mean(errors) }
    public var baselineRMSE: Double { Self.mean(baselineErrors) }
    /// sqrt(mean over frames and bands of the squared difference): the figure `render --report` gives.
    public var pooledRMSE: Double { Self.rootMeanSquare(errors) }
    public var pooledBaselineRMSE: Double { Self.rootMeanSquare(baselineErrors) }

    /// Centre of frame `i` in seconds (44.1 kHz, the analysis window's middle).
    public static func time(frame i: Int) -> Double { Double(i * MelAnalysis.hop + MelAnalysis.fftSize / 2) / 44100 }

    /// `samples`: the training sound, mono at 44.1 kHz. `bundle` holds a decoder and its encoder.
    public init(bundle: ModelBundle, samples: [Float], soundPath: String) throws {
        guard let encoder = bundle.encoder else {
            throw ModelFileError(path: bundle.anchor + ModelBundle.Part.encoder.rawValue, problem: "the report encodes the training sound; this bundle has no encoder")
        }
        guard let synthesis = bundle.synthesis else {
            throw ModelFileError(path: bundle.anchor + ModelBundle.Part.decoder.rawValue, problem: "the report decodes the training frames; this bundle has no decoder (.dec or .fft.dec)")
        }
        let bands = encoder.inputCount
        let count = MelAnalysis.frameCount(sampleCount: samples.count)
        guard count > 0 else {
            throw ModelFileError(path: soundPath, problem: String(format: "is %.2f s long: too short for one training frame (%.2f s)",
                                                                  Double(samples.count) / 44100, Double(MelAnalysis.fftSize + MelAnalysis.hop / 2) / 44100))
        }
        let metadata = bundle.metadata
        let scale = Float(1 / (metadata.maxIn - metadata.minIn)), low = Float(metadata.minIn)
        var source = MelAnalysis(melCount: bands).frames(of: samples)
        for i in source.indices { source[i] = (source[i] - low) * scale }

        let latents = encoder.encode(batch: source)
        let decoded = synthesis.decoder.decode(batch: latents)
        let reconstruction: [Float]
        switch synthesis.decoder.layout {
        case let .mel(decodedBands):
            guard decodedBands == bands else {
                throw ModelFileError(path: synthesis.decoder.path, problem: "decodes \(decodedBands) mel bands but the encoder takes \(bands)")
            }
            reconstruction = decoded
        case let .linear(bins):
            let bank = MelFilterbank(filterCount: bands, fftSize: 2 * bins)
            var mel = [Float](repeating: 0, count: count * bands)
            decoded.withUnsafeBufferPointer { spectrum in
                mel.withUnsafeMutableBufferPointer { out in
                    for f in 0..<count { bank.spectrumToMel(spectrum.baseAddress! + f * bins, out.baseAddress! + f * bands) }
                }
            }
            reconstruction = mel
        }
        switch synthesis.path {
        case .melDecoder: decoderPath = "mel decoder"
        case let .standardInversion(bins, melBands, _): decoderPath = "\(bins) linear bins by the standard matrix: its \(melBands) mel values"
        case let .linearBins(bins): decoderPath = "\(bins) linear bins mapped to \(bands) mel bands by frequency"
        }
        decoderFile = synthesis.decoder.path
        let (errors, baseline) = SpectralRMSE.perFrame(source: source, reconstruction: reconstruction, bands: bands)
        self.frames = count
        self.bands = bands
        self.source = source
        self.reconstruction = reconstruction
        self.latents = latents
        self.latentCount = encoder.latentCount
        self.errors = errors
        self.baselineErrors = baseline
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
    static func rootMeanSquare(_ values: [Double]) -> Double { values.isEmpty ? 0 : (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot() }
}
