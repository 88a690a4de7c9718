// Phase reconstruction: how close each phase mode brings the output's own
// STFT magnitude to the magnitude the voice synthesises (spectral
// convergence, SC, lower is better) with the latent held, on the bundled model
// and the sung-voice fixture at three latent points each, and what each mode
// costs per hop (one voice, one channel, walking, 4096/512; and pghi at width 1
// on two channels, its second signal included).
//
// Bench main thread only.

import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation

extension Bench {
    static let phaseCases: [(name: String, anchor: String, points: [[Float]])] = [
        ("bundled", "/models/drone.wav", [[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
                                          [0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.1, 0.9],
                                          [0.9, 0.1, 0.7, 0.3, 0.8, 0.2, 0.6, 0.4]]),
        ("sung-voice", "/Tests/Fixtures/models/sung-voice", [[0.388, 0.705, 0.819, 0.503, 0.268, 0.291, 0.736, 0.554],
                                                             [0.433, 0.624, 0.443, 0.916, 0.189, 0.968, 0.622, 0.581],
                                                             [0.131, 0.601, 0.994, 0.259, 0.514, 0.323, 0.397, 0.628]]),
    ]

    static func phaseReconstruction() throws {
        for (name, anchor, points) in phaseCases {
            let bundle = try ModelBundle(anchor: root + anchor, parts: [.decoder])
            for (index, point) in points.enumerated() {
                let figures = try PhaseMode.allCases.map { mode in
                    String(format: "%@ %.1f", mode.rawValue, try heldConvergence(bundle, point, mode))
                }
                print(row("SC held, 4096/512, \(name) point \(index + 1), dB", figures.joined(separator: ", "), "pghi ≤ random − 4"))
            }
        }
        let bundle = try ModelBundle(anchor: root + "/models/drone.wav", parts: [.decoder])
        var costs: [PhaseMode: Double] = [:]
        for mode in PhaseMode.allCases { costs[mode] = try hopCost(bundle, mode, channels: 1) }
        let figures = PhaseMode.allCases.map { String(format: "%@ %.1f", $0.rawValue, costs[$0]!) }.joined(separator: ", ")
        print(row("cost per hop, one voice walking, 4096/512, µs", figures,
                  String(format: "pghi ≤ 2 × random (%.2f×)", costs[.pghi]! / costs[.random]!)))
        let wide = try PhaseMode.allCases.map { String(format: "%@ %.1f", $0.rawValue, try hopCost(bundle, $0, channels: 2)) }
        print(row("cost per hop, width 1 on 2 channels (2 signals), µs", wide.joined(separator: ", "), "—"))
    }

    /// SC (dB) of voice 1 held at `point` in `mode` (after a second of settling).
    private static func heldConvergence(_ bundle: ModelBundle, _ point: [Float], _ mode: PhaseMode) throws -> Double {
        let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), channels: 1, seed: 4, walking: false, tapSeconds: 0.1)
        engine.send(.latent(LatentVector(point)))
        engine.send(.parameter(.glide, 0))
        engine.send(.phase(mode))
        var out = [Float](repeating: 0, count: 4 * 44100)
        out.withUnsafeMutableBufferPointer { engine.render($0.baseAddress!, frames: $0.count) }
        let target = engine.synthesisedMagnitudes(ofVoice: 1)!
        return SpectralConvergence.decibels(Array(out[(44100 + engine.outputLatency)...]), target: target, fftSize: 4096, hop: 512)
    }

    /// CPU µs per hop of one walking voice in `mode` on `channels` channels (width 1).
    private static func hopCost(_ bundle: ModelBundle, _ mode: PhaseMode, channels: Int) throws -> Double {
        let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), channels: channels, seed: 4, walking: true, tapSeconds: 0.1)
        engine.send(.phase(mode))
        let block = 256, hops = 4000
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * channels)
        defer { buffer.deallocate() }
        for _ in 0..<200 { engine.render(buffer, frames: block) }   // warm
        let start = threadCPUSeconds()
        for _ in 0..<(hops * 512 / block) {
            engine.render(buffer, frames: block)
            engine.tap.discardAll()
        }
        return (threadCPUSeconds() - start) / Double(hops) * 1e6
    }
}
