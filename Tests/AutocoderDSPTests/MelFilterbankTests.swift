// The filterbank must equal python_speech_features' get_filterbanks (recorded in
// Tests/Fixtures/filterbanks) to 1e-6, at every FFT size and sample rate recorded.

import Foundation
import Testing
import AutocoderDSP
import AutocoderModel

@Suite struct MelFilterbankTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/filterbanks").path

    static let cases: [(Int, Double)] = [(512, 44100), (1024, 44100), (4096, 44100), (16384, 44100), (4096, 48000), (2048, 96000)]

    /// The reference inversion matrix, dense, filters x bins.
    static func reference(fftSize: Int, sampleRate: Double) throws -> [[Double]] {
        let triples = try NumPyArray(contentsOf: directory + "/fbank-\(fftSize)-\(Int(sampleRate)).npy")
        var dense = Array(repeating: Array(repeating: 0.0, count: fftSize / 2), count: 512)
        for t in 0..<triples.shape[0] {
            dense[Int(triples.values[3 * t])][Int(triples.values[3 * t + 1])] = triples.values[3 * t + 2]
        }
        return dense
    }

    @Test(arguments: cases)
    func inversionMatrixMatchesPythonSpeechFeatures(fftSize: Int, sampleRate: Double) throws {
        let bank = MelFilterbank(fftSize: fftSize, sampleRate: sampleRate)
        let reference = try Self.reference(fftSize: fftSize, sampleRate: sampleRate)
        var worst = 0.0
        var nonZero = 0
        for j in 0..<512 {
            for i in 0..<fftSize / 2 {
                let got = Double(bank.inversionWeight(filter: j, bin: i))
                worst = max(worst, abs(got - reference[j][i]))
                if reference[j][i] != 0 { nonZero += 1 }
            }
        }
        #expect(worst <= 1e-6, "N=\(fftSize) @ \(sampleRate): differs by \(worst)")
        #expect(bank.nonZeroCount >= nonZero && bank.nonZeroCount <= fftSize + 512)
    }

    @Test(arguments: cases)
    func sparseProductsEqualTheDenseMatrices(fftSize: Int, sampleRate: Double) throws {
        let bank = MelFilterbank(fftSize: fftSize, sampleRate: sampleRate)
        let reference = try Self.reference(fftSize: fftSize, sampleRate: sampleRate)
        let bins = fftSize / 2
        let mel = (0..<512).map { Float(sin(Double($0) * 0.37) * 0.5 + 0.5) }
        var spectrum = [Float](repeating: -1, count: bins)
        bank.melToSpectrum(mel, &spectrum)
        for i in stride(from: 0, to: bins, by: max(1, bins / 257)) {
            let expected = (0..<512).reduce(0.0) { $0 + Double(mel[$1]) * reference[$1][i] }
            #expect(abs(Double(spectrum[i]) - expected) <= 1e-5 * max(1, expected), "bin \(i)")
        }

        // Analysis: each filter divided by its sum; an empty filter gives 0, not NaN.
        let input = (0..<bins).map { Float(1 + cos(Double($0) * 0.01)) }
        var melOut = [Float](repeating: -1, count: 512)
        bank.spectrumToMel(input, &melOut)
        for j in 0..<512 {
            let sum = reference[j].reduce(0, +)
            let expected = sum == 0 ? 0 : (0..<bins).reduce(0.0) { $0 + Double(input[$1]) * reference[j][$1] } / sum
            #expect(abs(Double(melOut[j]) - expected) <= 1e-5 * max(1, expected), "filter \(j)")
            #expect(melOut[j].isFinite)
        }
    }

    @Test func smallFFTHasEmptyLowFilters() {
        let bank = MelFilterbank(fftSize: 512)
        #expect(bank.analysisWeight(bin: 0, filter: 0) == 0)
        #expect((0..<256).allSatisfy { bank.inversionWeight(filter: 1, bin: $0) == 0 })
    }

    @Test func bandsKeepTheirFrequenciesAtOtherSampleRates() {
        // Filter 300's peak lies at the same frequency in Hz at 44.1 and 96 kHz (to within a bin).
        func peakHz(_ bank: MelFilterbank) -> Double {
            let peak = (0..<bank.binCount).max { bank.inversionWeight(filter: 300, bin: $0) < bank.inversionWeight(filter: 300, bin: $1) }!
            return Double(peak) * bank.sampleRate / Double(bank.fftSize)
        }
        let a = MelFilterbank(fftSize: 8192, sampleRate: 44100)
        let b = MelFilterbank(fftSize: 16384, sampleRate: 96000)
        #expect(abs(peakHz(a) - peakHz(b)) <= 96000.0 / 16384 + 44100.0 / 8192)
    }
}
