// The output limiter: below its ceiling it is a pure delay; above, nothing
// leaves it at or over the ceiling, with no flat tops; on a steady drone at
// +12 dB its gain holds steady (no pumping); it recovers after a peak; and it
// counts the samples it had to reduce.

import AutocoderDSP
import Foundation
import Testing

@Suite struct PeakLimiterTests {
    /// Gaussian-like noise (sum of four uniforms) at `level` RMS.
    static func noise(_ count: Int, level: Float, seed: UInt64 = 3) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let sum = (0..<4).reduce(Float(0)) { s, _ in s + Float(random.next() >> 40) / Float(1 << 24) - 0.5 }
            return sum * level * Float(3).squareRoot()
        }
    }

    static func limit(_ input: [Float], rate: Double = 44100, block: Int = 256) -> (output: [Float], limiter: PeakLimiter) {
        let limiter = PeakLimiter(sampleRate: rate)
        var output = input
        output.withUnsafeMutableBufferPointer { buffer in
            var done = 0
            while done < buffer.count {
                let n = min(block, buffer.count - done)
                limiter.process(buffer.baseAddress! + done, count: n)
                done += n
            }
        }
        return (output, limiter)
    }

    @Test(arguments: [44100.0, 48000, 96000, 192_000])
    func belowTheCeilingItIsAPureDelay(rate: Double) {
        let input = Self.noise(20000, level: 0.2).map { max(-0.89, min(0.89, $0)) }
        let (output, limiter) = Self.limit(input, rate: rate)
        #expect(limiter.latency == Int((0.002 * rate).rounded()))
        #expect(Array(output[limiter.latency...]) == Array(input[..<(input.count - limiter.latency)]))
        #expect(output[..<limiter.latency].allSatisfy { $0 == 0 })
        #expect(limiter.limitedSamples == 0)
        #expect(limiter.takeGainReduction() == 0)
    }

    @Test(arguments: [1, 64, 256, 1024], [1.0, 4.0, 16.0])
    func nothingLeavesAtOrAboveTheCeiling(block: Int, level: Float) {
        var input = Self.noise(44100, level: 0.25 * level)
        input[20000] = 40 // a lone spike
        input[20001] = -40
        let (output, limiter) = Self.limit(input, block: block)
        let peak = output.map(abs).max()!
        #expect(peak <= PeakLimiter.defaultCeiling, "peak \(peak)")
        #expect(peak > 0.85, "the loud parts reach the ceiling: \(peak)")
        let flat = (1..<output.count).filter { abs(output[$0]) > 0.25 && output[$0] == output[$0 - 1] }.count
        #expect(flat == 0, "\(flat) flat-top samples")
        #expect(limiter.limitedSamples == input.filter { abs($0) > PeakLimiter.defaultCeiling }.count)
    }

    @Test func onASteadyDroneTheGainHoldsSteady() {
        // A drone 12 dB over what fits (peaks about +6 dBFS): the limiter's gain,
        // as the output's 50 ms level over the input's, varies by under 1 dB.
        let input = Self.noise(5 * 44100, level: 0.5)
        let (output, _) = Self.limit(input)
        let latency = Int(0.002 * 44100)
        let window = 2205
        var ratios: [Double] = []
        for start in stride(from: 44100, to: input.count - window - latency, by: window) {
            let inLevel = input[start..<start + window].reduce(0.0) { $0 + Double($1 * $1) }
            let outLevel = output[start + latency..<start + latency + window].reduce(0.0) { $0 + Double($1 * $1) }
            ratios.append(10 * log10(outLevel / inLevel))
        }
        let spread = ratios.max()! - ratios.min()!
        print(String(format: "limiter on a +12 dB drone: gain %.2f … %.2f dB over 50 ms windows (spread %.2f dB)", ratios.min()!, ratios.max()!, spread))
        #expect(spread < 1, "gain spread \(spread) dB")
    }

    @Test func itRecoversAfterAPeak() {
        var input = Self.noise(4 * 44100, level: 0.1)
        input[44100] = 8
        let (output, limiter) = Self.limit(input)
        #expect(limiter.takeGainReduction() > 18)
        let latency = limiter.latency
        // Two seconds after the peak the gain is back within 0.1 dB of unity.
        let late = 3 * 44100
        let worst = (late..<late + 1000).map { abs(output[$0 + latency] - input[$0]) / max(abs(input[$0]), 1e-3) }.max()!
        #expect(worst < 0.012, "relative difference \(worst)")
        #expect(limiter.limitedSamples == 1)
    }
}
