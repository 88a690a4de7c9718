// A frame heard through any FFT at any rate: a flat frame stays flat, the
// power in Hz (the sum over bins × bin width) is the same at every FFT size
// and rate, mel bands narrower than a bin add their power to it, a peak stays
// at its frequency, nothing sounds above the top knot, and where bins are fine
// the bins follow the band values (the published inversion).

import AutocoderDSP
import Foundation
import Testing

@Suite struct SpectrumResamplerTests {
    static let shapes: [(Int, Double)] = [(256, 44100), (1024, 44100), (4096, 44100), (8192, 44100), (16384, 44100),
                                          (4096, 48000), (4096, 96000), (4096, 192_000), (16384, 96000), (1024, 192_000)]

    static func play(_ resampler: SpectrumResampler, _ frame: [Float]) -> [Float] {
        var bins = [Float](repeating: -1, count: resampler.binCount)
        resampler.magnitudes(of: frame, into: &bins)
        return bins
    }

    /// The frame's power in Hz as heard: Σ |X_b|² × bin width.
    static func power(_ bins: [Float], fftSize: Int, sampleRate: Double) -> Double {
        bins.reduce(0.0) { $0 + Double($1) * Double($1) } * sampleRate / Double(fftSize)
    }

    @Test(arguments: shapes)
    func aFlatFrameStaysFlat(fftSize: Int, sampleRate: Double) {
        let mel = Self.play(.mel(bands: 512, fftSize: fftSize, sampleRate: sampleRate), [Float](repeating: 1, count: 512))
        let linear = Self.play(.linear(bins: 4096, spacing: 22050.0 / 4096, fftSize: fftSize, sampleRate: sampleRate), [Float](repeating: 1, count: 4096))
        let spacing = sampleRate / Double(fftSize)
        for b in 0..<fftSize / 2 {
            let hz = Double(b) * spacing
            // Between the lowest band's centre (4.7 Hz) and the highest's (21.9 kHz), a bin away from either.
            if hz - spacing > 5, hz + spacing < 21_800 {
                #expect(abs(mel[b] - 1) < 1e-4, "mel, bin \(b) at \(hz) Hz: \(mel[b])")
                #expect(abs(linear[b] - 1) < 1e-4, "linear, bin \(b) at \(hz) Hz: \(linear[b])")
            }
            if hz - spacing / 2 >= 22050 {
                #expect(mel[b] == 0 && linear[b] == 0, "bin \(b) at \(hz) Hz sounds above 22050 Hz")
            }
        }
    }

    @Test func thePowerInHertzIsTheSameAtEveryShape() {
        var random = SplitMix64(seed: 5)
        // Peaky frames: a few loud bands over a quiet floor, as a drone's are.
        let mel: [Float] = (0..<512).map { _ in random.next() % 13 == 0 ? 1 : 0.02 }
        let linear: [Float] = (0..<4096).map { _ in random.next() % 29 == 0 ? 1 : 0.02 }
        let melReference = Self.power(Self.play(.mel(bands: 512, fftSize: 4096, sampleRate: 44100), mel), fftSize: 4096, sampleRate: 44100)
        let linearReference = Self.power(Self.play(.linear(bins: 4096, spacing: 22050.0 / 4096, fftSize: 4096, sampleRate: 44100), linear),
                                         fftSize: 4096, sampleRate: 44100)
        for (fftSize, sampleRate) in Self.shapes {
            let m = Self.power(Self.play(.mel(bands: 512, fftSize: fftSize, sampleRate: sampleRate), mel), fftSize: fftSize, sampleRate: sampleRate)
            let l = Self.power(Self.play(.linear(bins: 4096, spacing: 22050.0 / 4096, fftSize: fftSize, sampleRate: sampleRate), linear),
                               fftSize: fftSize, sampleRate: sampleRate)
            #expect(abs(10 * log10(m / melReference)) < 0.01, "mel at \(fftSize), \(sampleRate): \(10 * log10(m / melReference)) dB")
            #expect(abs(10 * log10(l / linearReference)) < 0.01, "linear at \(fftSize), \(sampleRate): \(10 * log10(l / linearReference)) dB")
        }
    }

    @Test(arguments: shapes)
    func aPeakStaysAtItsFrequency(fftSize: Int, sampleRate: Double) {
        let spacing = sampleRate / Double(fftSize)
        for band in [40, 200, 450] {
            var mel = [Float](repeating: 0, count: 512)
            mel[band] = 1
            let bins = Self.play(.mel(bands: 512, fftSize: fftSize, sampleRate: sampleRate), mel)
            let loudest = bins.indices.max { bins[$0] < bins[$1] }!
            let centre = MelFilterbank.melToHz(Double(band + 1) * MelFilterbank.hzToMel(22050) / 513)
            #expect(abs(Double(loudest) * spacing - centre) <= spacing, "band \(band) at \(centre) Hz heard at \(Double(loudest) * spacing) Hz")
        }
    }

    @Test func whereBinsAreFineTheyFollowThePublishedInversion() {
        // At 16384 the mel bands above 2 kHz span many bins: the bins are the
        // band values interpolated, as python_speech_features' triangles give.
        var random = SplitMix64(seed: 11)
        let mel: [Float] = (0..<512).map { _ in 0.5 + Float(random.next() % 1000) / 2000 }
        let bank = MelFilterbank(fftSize: 16384)
        var published = [Float](repeating: 0, count: 8192)
        bank.melToSpectrum(mel, &published)
        let ours = Self.play(.mel(bands: 512, fftSize: 16384, sampleRate: 44100), mel)
        let spacing = 44100.0 / 16384
        let high = (0..<8192).filter { Double($0) * spacing > 2000 && Double($0) * spacing < 21_000 }
        // They differ only where python_speech_features rounds a triangle's edges to whole bins.
        let differences = high.map { Double(abs(ours[$0] - published[$0]) / published[$0]) }
        let mean = differences.reduce(0, +) / Double(differences.count)
        #expect(mean < 0.01 && differences.max()! < 0.1, "relative difference above 2 kHz: mean \(mean), largest \(differences.max()!)")
    }
}
