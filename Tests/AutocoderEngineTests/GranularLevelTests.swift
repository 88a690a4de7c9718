// The granular voice's loudness does not depend on how dense its grains are:
// uncorrelated grains add in power, and the voice divides by the square root.

import AudioTestSupport
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

@Suite struct GranularLevelTests {
    @Test func loudnessHoldsFromTenToAThousandGrainsPerSecond() throws {
        // A source of partials and noise, 20 s of 1024-sample frames, walked at random.
        let frames = 860
        var random = SystemRandomNumberGenerator()
        let source = (0..<frames * 1024 + 44100).map { i -> Float in
            let t = Float(i) / 44100
            return 0.02 * (sinf(2 * .pi * 220 * t) + 0.5 * sinf(2 * .pi * 1375 * t)) + 0.02 * Float.random(in: -1...1, using: &random)
        }
        let table = try DistanceTable(order: (0..<frames * 8).map { ($0 * 7919 + 13) % frames }, neighbours: 8)
        let sourceLevel = rms(source)
        var levels: [Float: Float] = [:]
        for rate: Float in [10, 100, 1000] {
            let voice = GranularVoice(source: source, sampleRate: 44100, table: table, seed: 5)
            voice.set(.size, 0.5)
            voice.set(.rate, rate)
            voice.play(true, fadeSeconds: 0)
            var out = [Float](repeating: 0, count: 3 * 44100)
            out.withUnsafeMutableBufferPointer { buffer in
                for start in stride(from: 0, to: buffer.count, by: 1024) {
                    voice.render(adding: buffer.baseAddress! + start, count: min(1024, buffer.count - start))
                }
            }
            levels[rate] = rms(out[44100...])   // after the first grains have built up
        }
        let decibels = levels.mapValues { 20 * log10f($0 / sourceLevel) }
        for (rate, level) in decibels {
            #expect(abs(level) < 3, "\(rate) grains/s: \(level) dB against the source")
        }
        #expect(abs(decibels[10]! - decibels[1000]!) < 3, "\(decibels)")
    }
}
