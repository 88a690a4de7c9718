// Phase that fits the spectrum: with the latent held, phase-gradient heap
// integration (pghi) brings the output's own STFT magnitude much closer to the
// magnitude the voice synthesises than random phases do, and closer on
// average than the bin-centre baseline, on the bundled model and a fixture
// model at three latent points each; the modes switch while playing without a
// click; with two channels, width 1 decorrelates them (same spectrum, low
// coherence), width 0 keeps them identical.

import AudioTestSupport
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum PhaseFixture {
    /// The bundled model at three points, and a model of a sung vowel
    /// (Tests/Fixtures/models/sung-voice, see its README) at the encodings of
    /// three of its training frames, where it decodes notes.
    static let cases: [(anchor: String, points: [[Float]])] = [
        ("/models/drone.wav", [[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
                               [0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.1, 0.9],
                               [0.9, 0.1, 0.7, 0.3, 0.8, 0.2, 0.6, 0.4]]),
        ("/Tests/Fixtures/models/sung-voice", [[0.388, 0.705, 0.819, 0.503, 0.268, 0.291, 0.736, 0.554],
                                               [0.433, 0.624, 0.443, 0.916, 0.189, 0.968, 0.622, 0.581],
                                               [0.131, 0.601, 0.994, 0.259, 0.514, 0.323, 0.397, 0.628]]),
    ]

    /// SC (dB) of a voice of `anchor` held at `point` in `mode`, 4096/512, default
    /// controls: of its only channel, or with `channel` 1 of the second of two.
    static func convergence(_ anchor: String, _ point: [Float], _ mode: PhaseMode, channel: Int = 0, seconds: Double = 3) throws -> Double {
        let bundle = try ModelBundle(anchor: EngineFixture.root + anchor, parts: [.decoder])
        let channels = channel + 1
        let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), channels: channels, seed: 4, walking: false, tapSeconds: 0.1)
        engine.send(.latent(LatentVector(point)))
        engine.send(.parameter(.glide, 0))
        engine.send(.phase(mode))
        var frames = [Float](repeating: 0, count: Int(seconds * 44100) * channels)
        frames.withUnsafeMutableBufferPointer { engine.render($0.baseAddress!, frames: $0.count / channels) }
        let out = stride(from: channel, to: frames.count, by: channels).map { frames[$0] }
        let target = engine.synthesisedMagnitudes(ofVoice: 1)!
        // After a second: the smoothing has settled and the limiter's delay does not matter.
        return SpectralConvergence.decibels(Array(out[(44100 + 88)...]), target: target, fftSize: 4096, hop: 512)
    }
}

@Suite struct PhaseTests {
    @Test func phaseGradientIntegrationFitsTheSpectrum() throws {
        var pghiTotal = 0.0, coherentTotal = 0.0
        for (anchor, points) in PhaseFixture.cases {
            for point in points {
                let random = try PhaseFixture.convergence(anchor, point, .random)
                let pghi = try PhaseFixture.convergence(anchor, point, .pghi)
                let coherent = try PhaseFixture.convergence(anchor, point, .coherent)
                print(String(format: "phase: SC %@ %@: random %.2f dB, pghi %.2f dB, coherent %.2f dB", anchor, "\(point)", random, pghi, coherent))
                #expect(pghi < random - 4)
                // The second channel (width 1: other starting phases, detuned) fits as well.
                let second = try PhaseFixture.convergence(anchor, point, .pghi, channel: 1)
                print(String(format: "phase: SC, second channel at width 1: pghi %.2f dB", second))
                #expect(second < random - 4)
                pghiTotal += pghi
                coherentTotal += coherent
            }
        }
        #expect(pghiTotal < coherentTotal)
    }
}

enum StereoFixture {
    /// Two channels of voice 1 held at the bundled model's centre in `phase`
    /// mode at `width`; changes after each second, when given.
    static func render(phase: PhaseMode, width: Float, seconds: Int = 5, walking: Bool = false,
                       changes: [(PhaseMode, Float)] = []) -> (left: [Float], right: [Float]) {
        let engine = EngineFixture.engine(walking: walking, channels: 2)
        if !walking {
            engine.send(.latent(LatentVector(PhaseFixture.cases[0].points[0])))
            engine.send(.parameter(.glide, 0))
        }
        engine.send(.phase(phase))
        engine.send(.parameter(.width, width))
        var frames: [Float] = []
        for second in 0..<seconds {
            if second > 0, second <= changes.count {
                engine.send(.phase(changes[second - 1].0))
                engine.send(.parameter(.width, changes[second - 1].1))
            }
            frames += EngineFixture.render(engine, frames: 44100)
        }
        return (stride(from: 0, to: frames.count, by: 2).map { frames[$0] }, stride(from: 1, to: frames.count, by: 2).map { frames[$0] })
    }

    /// Magnitude-squared coherence of two signals (Welch, Hann frames of 2048,
    /// half-overlapping) averaged over 100 Hz–8 kHz.
    static func coherence(_ x: [Float], _ y: [Float], size: Int = 2048) -> Double {
        let fft = RealFFT(size: size)
        let window = periodicHannWindow(size)
        let bins = (0..<size / 2).filter { (100...8000).contains(Double($0) * 44100 / Double(size)) }
        var cross = [(re: Double, im: Double)](repeating: (0, 0), count: size / 2)
        var px = [Double](repeating: 0, count: size / 2), py = px
        for start in stride(from: 0, through: x.count - size, by: size / 2) {
            func spectrum(_ s: [Float]) -> [(Double, Double)] {
                for i in 0..<size { fft.samples[i] = s[start + i] * window[i] }
                fft.forward()
                return (0..<size / 2).map { (Double(fft.spectrum[2 * $0]), Double(fft.spectrum[2 * $0 + 1])) }
            }
            let a = spectrum(x), b = spectrum(y)
            for k in bins {
                cross[k].re += a[k].0 * b[k].0 + a[k].1 * b[k].1
                cross[k].im += a[k].1 * b[k].0 - a[k].0 * b[k].1
                px[k] += a[k].0 * a[k].0 + a[k].1 * a[k].1
                py[k] += b[k].0 * b[k].0 + b[k].1 * b[k].1
            }
        }
        return bins.map { (cross[$0].re * cross[$0].re + cross[$0].im * cross[$0].im) / (px[$0] * py[$0]) }.reduce(0, +) / Double(bins.count)
    }

    /// Largest difference, in dB, between two signals' long-term spectra in third-octave bands from 100 Hz to 8 kHz.
    static func bandDifference(_ x: [Float], _ y: [Float]) -> Double {
        let a = powerSpectrum(x, size: 4096), b = powerSpectrum(y, size: 4096)
        var worst = 0.0, low = 100.0
        while low < 8000 {
            let high = low * pow(2, 1.0 / 3)
            let bins = (0..<2048).filter { (low..<high).contains(Double($0) * 44100 / 4096) }
            if !bins.isEmpty {
                let pa = bins.map { a[$0] }.reduce(0, +), pb = bins.map { b[$0] }.reduce(0, +)
                worst = max(worst, abs(10 * log10(pa / pb)))
            }
            low = high
        }
        return worst
    }

    /// Level (dB) of each 10 ms window over its 0.5 s surroundings' median: a
    /// burst of phasiness or a dropout stands out of it.
    static func excursions(_ x: [Float]) -> (up: Double, down: Double) {
        let window = 441
        let levels = stride(from: 0, to: x.count - window, by: window).map { decibels(rms(x[$0..<$0 + window])) }
        var up = -Double.infinity, down = Double.infinity
        for i in 25..<(levels.count - 25) {
            let median = levels[(i - 25)...(i + 25)].sorted()[25]
            up = max(up, levels[i] - median)
            down = min(down, levels[i] - median)
        }
        return (up, down)
    }
}

@Suite struct StereoPhaseTests {
    @Test(arguments: [PhaseMode.random, .pghi])
    func widthDecorrelatesTheChannelsAndKeepsTheirSpectrum(phase: PhaseMode) {
        let wide = StereoFixture.render(phase: phase, width: 1)
        let narrow = StereoFixture.render(phase: phase, width: 0)
        let settled = 44100...
        let (l, r) = (Array(wide.left[settled]), Array(wide.right[settled]))
        let coherence = StereoFixture.coherence(l, r), narrowCoherence = StereoFixture.coherence(Array(narrow.left[settled]), Array(narrow.right[settled]))
        let difference = StereoFixture.bandDifference(l, r)
        print(String(format: "stereo %@: coherence %.3f at width 1, %.4f at width 0; bands within %.2f dB", phase.rawValue, coherence, narrowCoherence, difference))
        #expect(coherence < 0.3)
        #expect(narrowCoherence > 0.99)
        #expect(difference < 1)
        #expect(narrow.left == narrow.right)
    }

    @Test func modesAndWidthChangeWhilePlayingWithoutAClick() {
        let played = StereoFixture.render(phase: .random, width: 1, seconds: 6, walking: true,
                                          changes: [(.pghi, 1), (.pghi, 0), (.random, 0), (.pghi, 0.5), (.random, 1)])
        for channel in [played.left, played.right] {
            let excursion = StereoFixture.excursions(Array(channel[22050...]))
            print(String(format: "stereo: phase and width changes: 10 ms windows %.1f dB over / %.1f dB under their surroundings", excursion.up, excursion.down))
            #expect(excursion.up < 6)
            #expect(excursion.down > -10)
        }
    }

    /// Phasiness would come as bursts: short stretches much louder than what
    /// surrounds them. The random phases of the published method have some
    /// (measured, not asserted); pghi must have none.
    @Test(arguments: PhaseMode.allCases)
    func aWalkingLatentHasNoBursts(phase: PhaseMode) {
        let played = StereoFixture.render(phase: phase, width: 1, seconds: 8, walking: true)
        let excursion = StereoFixture.excursions(Array(played.left[22050...]))
        print(String(format: "stereo: walking in %@: 10 ms windows at most %.1f dB over their surroundings, %.1f under", phase.rawValue, excursion.up, excursion.down))
        if phase == .pghi { #expect(excursion.up < 4) }
    }
}
