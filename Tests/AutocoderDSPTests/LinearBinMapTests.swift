// A linear spectrum of 4096 bins (the training notebook's `.fft.dec`: an
// 8192-point FFT at 44.1 kHz) played at other FFT sizes and rates: bands keep
// their frequencies, the mean power per bin is kept, a peak stays one peak,
// and nothing sounds above 22050 Hz.

import AutocoderDSP
import Foundation
import Testing

@Suite struct LinearBinMapTests {
    static let sourceCount = 4096
    static let spacing = 22050.0 / 4096
    static let shapes: [(Int, Double)] = [(256, 44100), (1024, 44100), (4096, 44100), (8192, 44100), (16384, 44100),
                                          (4096, 48000), (16384, 96000), (2048, 192_000)]

    static func map(_ source: [Float], fftSize: Int, sampleRate: Double) -> [Float] {
        let map = LinearBinMap(sourceCount: source.count, sourceSpacing: spacing, fftSize: fftSize, sampleRate: sampleRate)
        var target = [Float](repeating: -1, count: fftSize / 2)
        source.withUnsafeBufferPointer { s in target.withUnsafeMutableBufferPointer { map.map(s.baseAddress!, $0.baseAddress!) } }
        return target
    }

    @Test(arguments: shapes)
    func aFlatSpectrumStaysFlatUpTo22050Hz(fftSize: Int, sampleRate: Double) {
        let target = Self.map([Float](repeating: 1, count: Self.sourceCount), fftSize: fftSize, sampleRate: sampleRate)
        for (b, value) in target.enumerated() {
            let hz = Double(b) * sampleRate / Double(fftSize)
            #expect(hz > 22050 ? value == 0 : abs(value - 1) < 1e-5, "bin \(b) at \(hz) Hz: \(value)")
        }
    }

    @Test func atTheSameResolutionEachBinIsItself() {
        let source: [Float] = (0..<Self.sourceCount).map { Float(($0 * 37) % 101) / 100 }
        #expect(Self.map(source, fftSize: 8192, sampleRate: 44100) == source)
    }

    @Test(arguments: shapes)
    func theMeanPowerPerBinIsKept(fftSize: Int, sampleRate: Double) {
        var generator = SplitMix64(seed: UInt64(fftSize))
        let source: [Float] = (0..<Self.sourceCount).map { _ in Float(generator.next() % 1000) / 1000 }
        let target = Self.map(source, fftSize: fftSize, sampleRate: sampleRate)
        let audible = target.indices.filter { Double($0) * sampleRate / Double(fftSize) <= 22050 }
        let meanTarget = audible.reduce(0.0) { $0 + Double(target[$1] * target[$1]) } / Double(audible.count)
        let meanSource = source.reduce(0.0) { $0 + Double($1 * $1) } / Double(source.count)
        #expect(abs(10 * log10(meanTarget / meanSource)) < 0.3, "\(fftSize) at \(sampleRate): \(meanTarget) vs \(meanSource)")
    }

    @Test(arguments: shapes)
    func aPeakStaysAtItsFrequencyWithItsPowerPerHertz(fftSize: Int, sampleRate: Double) {
        for peak in [93, 1000, 3001] {
            var source = [Float](repeating: 0, count: Self.sourceCount)
            source[peak] = 1
            let target = Self.map(source, fftSize: fftSize, sampleRate: sampleRate)
            let binHz = sampleRate / Double(fftSize)
            let loudest = target.indices.max { target[$0] < target[$1] }!
            #expect(abs(Double(loudest) * binHz - Double(peak) * Self.spacing) <= max(binHz, Self.spacing),
                    "peak at \(Double(peak) * Self.spacing) Hz heard at \(Double(loudest) * binHz) Hz")
            let power = target.reduce(0.0) { $0 + Double($1 * $1) } * binHz
            #expect(abs(10 * log10(power / Self.spacing)) < 0.5, "\(fftSize) at \(sampleRate), peak \(peak): \(power / Self.spacing)")
        }
    }
}
