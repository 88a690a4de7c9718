// Where training and its inputs stop: sets too small to learn a latent range
// from, a range with nothing in it, weights gone non-finite (never written),
// training values reported by frame and band, sounds holding NaN or less than
// their header promises, and the similarity order worked out block by block
// giving exactly the plain pairwise result.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import AutocoderModel
@testable import AutocoderTraining
import Foundation
import Testing

@Suite struct TrainingLimitTests {
    func problem(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func writeSet(_ values: [Double], rows: Int, anchor: String) throws {
        try NumPyArray.write(float64: values, shape: [rows, 512], to: anchor + ".npy")
        try Data("0.0, 1.0\n".utf8).write(to: URL(fileURLWithPath: anchor + ".minmax"))
    }

    func modelFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".dec") || $0.hasSuffix(".enc") || $0.hasSuffix(".mm") || $0.contains(".partial") }
    }

    @Test(arguments: [1, 2, Trainer.minimumFrames - 1])
    func aSetOfTooFewFramesIsRefused(rows: Int) throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/short.wav"
        try writeSet((0..<rows * 512).map { Double($0 % 7) / 7 }, rows: rows, anchor: anchor)
        let message = problem { _ = try Trainer(anchor: anchor, options: TrainingOptions()) }
        #expect(message.contains("\(anchor).npy: has \(rows) frame\(rows == 1 ? "" : "s"); training needs at least 16 (0.4 s of sound)"), "\(message)")
    }

    @Test func identicalFramesGiveADegenerateRangeAndNoModel() throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/flat.wav"
        let frame = (0..<512).map { Double($0) / 512 }
        try writeSet((0..<Trainer.minimumFrames).flatMap { _ in frame }, rows: Trainer.minimumFrames, anchor: anchor)
        var options = TrainingOptions()
        options.epochs = 3
        let message = problem { _ = try Trainer(anchor: anchor, options: options).train() }
        #expect(message.contains("the trained model's latent range is degenerate: dimension 1 spans "), "\(message)")
        #expect(message.contains("over the 16 training frames, which the .mm file holds as 0.0"), "\(message)")
        #expect(message.hasSuffix("nothing written"))
        #expect(try modelFiles(directory).isEmpty)
    }

    @Test func aModelWithNonFiniteWeightsIsNeverWritten() throws {
        let directory = try Sounds.scratch(["complete.oga"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/complete.oga"
        _ = try TrainingSetAnalysis.analyze(file: anchor)
        let trainer = try Trainer(anchor: anchor, options: TrainingOptions())
        var vae = VAE(shape: VAEShape(), seed: 1)
        vae.decoder[1].layer.weights[7] = .nan
        let message = problem { _ = try trainer.write(vae) }
        #expect(message.contains("training diverged: \(anchor).dec: tensor '"), "\(message)")
        #expect(message.contains("holds 1 non-finite value (NaN) — a diverged training run?; nothing written"), "\(message)")
        #expect(try modelFiles(directory).isEmpty)
    }

    @Test func aNaNInATrainingSetIsReportedByFrameAndBand() throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/nan.wav"
        var values = [Double](repeating: 0.5, count: 20 * 512)
        values[10 * 512] = .nan
        try writeSet(values, rows: 20, anchor: anchor)
        let message = problem { _ = try Trainer(anchor: anchor, options: TrainingOptions()) }
        #expect(message == "\(anchor).npy: frame 10, band 0 is NaN; a training set holds values in [0,1]")
    }

    @Test func aSoundWithNonFiniteSamplesIsRefusedByTheAnalysis() throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/broken.wav"
        var samples = TestSoundFiles.tone(seconds: 2)
        samples[44100] = .nan
        samples[44101] = .infinity
        try TestSoundFiles.writeFloatWAV(samples, to: path)
        #expect(problem { _ = try TrainingSetAnalysis.analyze(file: path) } == "\(path): contains 2 non-finite samples (first at 1.000 s); a sound holds finite values")
        #expect(!FileManager.default.fileExists(atPath: path + ".npy"))
    }

    @Test func aTruncatedSoundIsReadWithAWarning() throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cut.wav"
        try TestSoundFiles.writeFloatWAV(TestSoundFiles.tone(seconds: 1.1), declaredFrames: 30 * 44100, to: path)
        let file = try SoundFile(contentsOf: path)
        #expect(file.frames == 48510)
        #expect(file.warning == "header promises 30.0 s, the file holds 1.1 s (truncated?)")
        var warnings: [String] = []
        _ = try AudioLoader.loadMono(path, warn: { warnings.append($0) })
        #expect(warnings == ["\(path): header promises 30.0 s, the file holds 1.1 s (truncated?)"])
        try TestSoundFiles.writeFloatWAV(TestSoundFiles.tone(seconds: 1.1), to: directory + "/whole.wav")
        #expect(try SoundFile(contentsOf: directory + "/whole.wav").warning == nil)
    }

    /// The similarity order as it was first written: every pair, sorted by (distance, index).
    func plainOrder(_ values: [Double], frames: Int, width: Int, n: Int) -> [Int64] {
        var order: [Int64] = []
        for i in 0..<frames {
            var distances = [Double](repeating: 0, count: frames)
            for j in 0..<frames {
                var sum = 0.0
                for d in 0..<width { sum += abs(values[i * width + d] - values[j * width + d]) }
                distances[j] = sum
            }
            order += (0..<frames).filter { $0 != i }.sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(n).map { Int64($0) }
        }
        return order
    }

    @Test(arguments: [1, 9, 140, 299])
    func theBlockwiseOrderIsThePairwiseOrder(n: Int) throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/set.wav"
        let (frames, width) = (300, 8)
        var generator = SplitMix64(seed: UInt64(n))
        // Coarse values: many exact ties, which must go by index.
        let values = (0..<frames * width).map { _ in Double(Int.random(in: 0..<4, using: &generator)) / 4 }
        try NumPyArray.write(float64: values, shape: [frames, width], to: anchor + ".enc.npy")
        var announced: (Int, Int, Int)?
        // Blocks of a few rows, so the table is written in many pieces.
        _ = try Distances.order(anchor: anchor, neighbours: n, blockBytes: 7 * n * 8) { announced = ($0, $1, $2) }
        let order = try NumPyArray(contentsOf: anchor + ".ord.npy")
        #expect(order.shape == [frames, n] && order.dtype == "<i8")
        #expect(order.values.map { Int64($0) } == plainOrder(values, frames: frames, width: width, n: n))
        let size = try FileManager.default.attributesOfItem(atPath: anchor + ".ord.npy")[.size] as? Int
        #expect(announced?.0 == frames && announced?.1 == n && announced?.2 == size)
    }
}

