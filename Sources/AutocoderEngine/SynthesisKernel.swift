// Everything that depends on the FFT size, hop and sample rate: the FFT plan,
// the filterbank, window, tilt, and the overlap-add state.
//
// Built off the audio thread (FFTW planning, allocation), then handed to the
// render thread, which alone touches it until it hands it back for release.

import AutocoderDSP
import AutocoderModel
import Foundation

public final class SynthesisKernel: @unchecked Sendable {
    public let shape: SynthesisShape
    public let sampleRate: Double
    public let melCount: Int
    let filterbank: MelFilterbank
    let fft: RealFFT
    let binCount: Int

    /// Hann window times the overlap-add normalisation (see `init`).
    let window: UnsafeMutableBufferPointer<Float>
    /// Published tilt (k / (N/2))^0.1 * 10, taken at each bin's frequency so it holds at any rate.
    let tilt: UnsafeMutableBufferPointer<Float>
    /// Magnitudes of this hop, then smoothed magnitudes across hops.
    let magnitude: UnsafeMutableBufferPointer<Float>
    let smoothed: UnsafeMutableBufferPointer<Float>
    /// Overlap-add accumulator: the next `fftSize` output samples.
    let accumulator: UnsafeMutableBufferPointer<Float>

    /// The spectral RMS magnitude that plays at full scale (RMS 1) at gain 1.
    public static let referenceMagnitude = 20.0

    /// Builds the kernel for `shape` at `sampleRate` for models with `melCount` mel bands.
    public init(shape: SynthesisShape, sampleRate: Double, melCount: Int) {
        self.shape = shape
        self.sampleRate = sampleRate
        self.melCount = melCount
        let n = shape.fftSize
        binCount = n / 2
        filterbank = MelFilterbank(filterCount: melCount, fftSize: n, sampleRate: sampleRate)
        fft = RealFFT(size: n)

        // Overlap-add of periodic Hann windows at hop H sums to N / 2H; frames of
        // independent random phase add in power, which loses a further factor
        // sqrt(1.5 H / N) (the mean of Hann² is 3/8). Undo both, and divide by
        // sqrt(N) so the level follows the spectrum's RMS, not the FFT size.
        // The published chain (mel × maxin/32, tilt × 10) leaves typical models'
        // spectra at an RMS magnitude of 1–3; `referenceMagnitude` puts them near
        // -20 dBFS RMS with their peaks below full scale at gain 1.
        let h = Double(shape.hop), size = Double(n)
        let normalisation = Float((2 * h / size) / (1.5 * h / size).squareRoot() / size.squareRoot() / Self.referenceMagnitude)
        window = .allocate(capacity: n)
        _ = window.initialize(from: periodicHannWindow(n).map { $0 * normalisation })

        tilt = .allocate(capacity: binCount)
        for k in 0..<binCount {
            let hz = Double(k) * sampleRate / size
            tilt[k] = Float(pow(min(hz / 22050, 1), 0.1) * 10)
        }
        magnitude = .allocate(capacity: binCount)
        magnitude.initialize(repeating: 0)
        smoothed = .allocate(capacity: binCount)
        smoothed.initialize(repeating: 0)
        accumulator = .allocate(capacity: n)
        accumulator.initialize(repeating: 0)
    }

    deinit {
        window.deallocate()
        tilt.deallocate()
        magnitude.deallocate()
        smoothed.deallocate()
        accumulator.deallocate()
    }
}

/// A loaded model as the render thread uses it: the decoder (render-owned) and
/// its mel working memory.
public final class Voice: @unchecked Sendable {
    public let decoder: Decoder
    /// maxin of the training data, for the whitening gain.
    public let maxIn: Float
    /// Display name (the anchor).
    public let name: String
    let mel: UnsafeMutableBufferPointer<Float>
    let previousMel: UnsafeMutableBufferPointer<Float>
    /// Per band: (i / mels) for the brightness curve.
    let bandPosition: UnsafeMutableBufferPointer<Float>

    public init(decoder: Decoder, maxIn: Double, name: String) {
        self.decoder = decoder
        self.maxIn = Float(maxIn)
        self.name = name
        let count = decoder.outputCount
        mel = .allocate(capacity: count)
        mel.initialize(repeating: 0)
        previousMel = .allocate(capacity: count)
        previousMel.initialize(repeating: 0)
        bandPosition = .allocate(capacity: count)
        for i in 0..<count { bandPosition[i] = Float(i) / Float(count) }
    }

    public var melCount: Int { decoder.outputCount }
    public var latentCount: Int { decoder.latentCount }

    deinit {
        mel.deallocate()
        previousMel.deallocate()
        bandPosition.deallocate()
    }
}

extension Voice {
    /// A voice for the render thread from a loaded bundle (its own decoder scratch).
    public convenience init(bundle: ModelBundle) throws {
        guard let decoder = bundle.decoder else {
            throw ModelFileError(path: bundle.anchor + ".dec", problem: "no decoder loaded")
        }
        guard decoder.latentCount <= LatentVector.capacity else {
            throw ModelFileError(path: decoder.path, problem: "\(decoder.latentCount) latent dimensions; at most \(LatentVector.capacity) are supported")
        }
        self.init(decoder: Decoder(sharing: decoder), maxIn: bundle.metadata.maxIn, name: bundle.anchor)
    }
}
