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

    /// SC (dB) of a voice of `anchor` held at `point` in `mode`, 4096/512, default controls.
    static func convergence(_ anchor: String, _ point: [Float], _ mode: PhaseMode, seconds: Double = 3) throws -> Double {
        let bundle = try ModelBundle(anchor: EngineFixture.root + anchor, parts: [.decoder])
        let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), channels: 1, seed: 4, walking: false, tapSeconds: 0.1)
        engine.send(.latent(LatentVector(point)))
        engine.send(.parameter(.glide, 0))
        engine.send(.phase(mode))
        var out = [Float](repeating: 0, count: Int(seconds * 44100))
        out.withUnsafeMutableBufferPointer { engine.render($0.baseAddress!, frames: $0.count) }
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
                pghiTotal += pghi
                coherentTotal += coherent
            }
        }
        #expect(pghiTotal < coherentTotal)
    }
}
