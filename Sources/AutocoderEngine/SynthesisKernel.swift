// Everything that depends on the FFT size, hop and sample rate: the FFT plan,
// the map from a model's frame to the bins (mel filterbank or linear bins,
// for the frame layout it was built for), window, tilt, and the overlap-add
// state.
//
// Built off the audio thread (FFTW planning, allocation), then handed to the
// render thread, which alone touches it until it hands it back for release.

import AutocoderDSP
import AutocoderModel
import Foundation

public final class SynthesisKernel: @unchecked Sendable {
    public let shape: SynthesisShape
    public let sampleRate: Double
    /// The frames of the models it plays.
    public let layout: FrameLayout
    let spectrumMap: SpectrumMap
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
    /// The same for the voice's second, decorrelated signal (its width).
    let secondAccumulator: UnsafeMutableBufferPointer<Float>
    /// Samples since the second signal started (it is heard once its
    /// overlap-add is full); 0 while it is off.
    var secondRunning = 0
    /// Phase-gradient heap integration at this shape, and the phases of the
    /// bin-centre baseline (two signals each).
    let phaseHeap: PhaseGradientHeap
    let coherentPhases: UnsafeMutableBufferPointer<Float>
    /// A filter voice's windows (its input's frames, and their resynthesis
    /// back to the input's level) and its auto-filter's running average.
    let inputWindow: UnsafeMutableBufferPointer<Float>
    let inputSynthesisWindow: UnsafeMutableBufferPointer<Float>
    let filterAverage: UnsafeMutableBufferPointer<Float>

    /// The spectral RMS magnitude that plays at full scale (RMS 1) at gain 1 at
    /// 44.1 kHz. The published chain (mel × maxin/32, tilt × 10) leaves typical
    /// models' spectra at an RMS magnitude of 1–3; the make-up gain of each
    /// model (`LevelCalibration`) then sets its loudest point at one level.
    public static let referenceMagnitude = 20.0
    public static let referenceSampleRate = 44100.0

    /// Output RMS per unit of spectral RMS magnitude (over all of the running
    /// FFT's bins). The bands stop at 22050 Hz at any rate, so at a higher rate
    /// more of the bins are empty and the mean power per bin falls by
    /// 44100 / rate; this factor gives it back, so the same spectrum in Hz
    /// plays at the same level at every rate.
    public static func levelScale(sampleRate: Double) -> Double {
        (sampleRate / referenceSampleRate).squareRoot() / referenceMagnitude
    }

    /// The published spectral tilt, (f / 22050)^0.1 × 10, at `hz`.
    public static func tilt(hz: Double) -> Float {
        Float(pow(min(hz / 22050, 1), 0.1) * 10)
    }

    /// Builds the kernel for `shape` at `sampleRate` for models whose frames are `layout`.
    public init(shape: SynthesisShape, sampleRate: Double, layout: FrameLayout) {
        self.shape = shape
        self.sampleRate = sampleRate
        self.layout = layout
        let n = shape.fftSize
        binCount = n / 2
        spectrumMap = SpectrumMap(layout: layout, fftSize: n, sampleRate: sampleRate)
        fft = RealFFT(size: n)

        // Overlap-add of periodic Hann windows at hop H sums to N / 2H; frames of
        // independent random phase add in power, which loses a further factor
        // sqrt(1.5 H / N) (the mean of Hann² is 3/8). Undo both, and divide by
        // sqrt(N) so the level follows the spectrum's RMS, not the FFT size; then
        // `levelScale` (see there) makes it independent of the sample rate.
        let h = Double(shape.hop), size = Double(n)
        let normalisation = Float((2 * h / size) / (1.5 * h / size).squareRoot() / size.squareRoot() * Self.levelScale(sampleRate: sampleRate))
        window = .allocate(capacity: n)
        _ = window.initialize(from: periodicHannWindow(n).map { $0 * normalisation })

        tilt = .allocate(capacity: binCount)
        for k in 0..<binCount { tilt[k] = Self.tilt(hz: Double(k) * sampleRate / size) }
        magnitude = .allocate(capacity: binCount)
        magnitude.initialize(repeating: 0)
        smoothed = .allocate(capacity: binCount)
        smoothed.initialize(repeating: 0)
        accumulator = .allocate(capacity: n)
        accumulator.initialize(repeating: 0)
        secondAccumulator = .allocate(capacity: n)
        secondAccumulator.initialize(repeating: 0)
        phaseHeap = PhaseGradientHeap(fftSize: n, hop: shape.hop, sampleRate: sampleRate)
        coherentPhases = .allocate(capacity: 2 * binCount)
        // Spread evenly (golden-ratio steps), so the baseline does not start as a click.
        for i in 0..<2 * binCount {
            let turns = (Double(i) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1)
            coherentPhases[i] = Float(2 * Double.pi * turns - Double.pi)
        }
        let windows = CrossSynthesis.windows(fftSize: n, hop: shape.hop)
        inputWindow = .allocate(capacity: n)
        _ = inputWindow.initialize(from: windows.analysis)
        inputSynthesisWindow = .allocate(capacity: n)
        _ = inputSynthesisWindow.initialize(from: windows.synthesis)
        filterAverage = .allocate(capacity: binCount)
        filterAverage.initialize(repeating: 0)
    }

    deinit {
        window.deallocate()
        tilt.deallocate()
        magnitude.deallocate()
        smoothed.deallocate()
        accumulator.deallocate()
        secondAccumulator.deallocate()
        coherentPhases.deallocate()
        inputWindow.deallocate()
        inputSynthesisWindow.deallocate()
        filterAverage.deallocate()
    }

    /// A model's decoded frame (after feedback, brightness and whitening) →
    /// the magnitudes of this kernel's `binCount` bins, before clipping, tilt
    /// and smoothing. Real-time safe.
    @inline(__always)
    func binMagnitudes(of frame: UnsafePointer<Float>, into magnitude: UnsafeMutablePointer<Float>) {
        spectrumMap.magnitudes(of: frame, into: magnitude)
    }
}

/// A loaded model as the render thread uses it: the decoder (render-owned) and
/// the working memory of its frames (mel bands, or linear bins).
public final class LoadedModel: @unchecked Sendable {
    public let decoder: Decoder
    /// maxin of the training data, for the whitening gain.
    public let maxIn: Float
    /// Display name (the anchor).
    public let name: String
    /// The model's level calibration, when it was measured; its make-up gain
    /// scales every frame (1 without one).
    public let calibration: LevelCalibration?
    let makeUpGain: Float
    let mel: UnsafeMutableBufferPointer<Float>
    let previousMel: UnsafeMutableBufferPointer<Float>
    /// Per value: where its frequency lies on the mel scale, 0 … 1 (i / bands
    /// for band i), for the brightness curve; a linear bin takes the position
    /// of the band centred at its frequency, so brightness bends both alike.
    let bandPosition: UnsafeMutableBufferPointer<Float>

    public init(decoder: Decoder, maxIn: Double, name: String, calibration: LevelCalibration? = nil) {
        self.decoder = decoder
        self.maxIn = Float(maxIn)
        self.name = name
        self.calibration = calibration
        makeUpGain = calibration?.makeUpGain ?? 1
        let count = decoder.outputCount
        mel = .allocate(capacity: count)
        mel.initialize(repeating: 0)
        previousMel = .allocate(capacity: count)
        previousMel.initialize(repeating: 0)
        bandPosition = .allocate(capacity: count)
        switch decoder.layout {
        case .mel:
            for i in 0..<count { bandPosition[i] = Float(i) / Float(count) }
        case let .linear(bins):
            // Band i of 512 is centred at mel (i + 1) · top / 513.
            let top = MelFilterbank.hzToMel(22050), bands = 512.0
            for k in 0..<count {
                let mel = MelFilterbank.hzToMel(FrameLayout.linearBinFrequency(k, bins: bins))
                bandPosition[k] = Float(max(0, (mel / top * (bands + 1) - 1) / bands))
            }
        }
    }

    /// What the decoder's frames are.
    public var layout: FrameLayout { decoder.layout }
    public var latentCount: Int { decoder.latentCount }

    deinit {
        mel.deallocate()
        previousMel.deallocate()
        bandPosition.deallocate()
    }
}

extension LoadedModel {
    /// A voice for the render thread from a loaded bundle (its own decoder
    /// scratch): its `.dec`, else its `.fft.dec` by the path it takes, with its
    /// level calibrated at `shape` and `sampleRate` (the running ones).
    public convenience init(bundle: ModelBundle, shape: SynthesisShape = .standard,
                            sampleRate: Double = SynthesisKernel.referenceSampleRate) throws {
        let decoder = try Self.playableDecoder(of: bundle)
        let calibration = LevelCalibration(decoder: decoder, maxIn: bundle.metadata.maxIn, shape: shape, sampleRate: sampleRate)
        self.init(decoder: Decoder(sharing: decoder), maxIn: bundle.metadata.maxIn, name: bundle.anchor, calibration: calibration)
    }

    /// The decoder a bundle plays, or the reason it cannot be played (no
    /// decoder, too many latent dimensions); cheap, for checking a model before
    /// anything else is opened.
    public static func playableDecoder(of bundle: ModelBundle) throws -> Decoder {
        guard let decoder = bundle.synthesis?.decoder else {
            throw ModelFileError(path: bundle.anchor + ".dec", problem: "no decoder loaded")
        }
        guard decoder.latentCount <= LatentVector.capacity else {
            throw ModelFileError(path: decoder.path, problem: "\(decoder.latentCount) latent dimensions; at most \(LatentVector.capacity) are supported")
        }
        return decoder
    }
}
