// `analyze` against the published analysis (librosa load + python_speech_features,
// recorded in Tests/Fixtures/sounds), on real recordings: one at 48 kHz stereo
// (mixed down and resampled) and one at 44.1 kHz.

import AutocoderAudio
import AutocoderModel
import AutocoderTraining
import Foundation
import Testing

enum Sounds {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sounds").path
    static let names = ["alarm-clock-elapsed.oga", "complete.oga"]

    /// A scratch folder holding copies of the given sounds.
    static func scratch(_ names: [String] = names) throws -> String {
        let directory = NSTemporaryDirectory() + "autocoder-analysis-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in names { try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: directory + "/" + name) }
        return directory
    }

    static func minmax(_ path: String) throws -> [Double] {
        try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: { $0 == "," || $0.isWhitespace }).map { Double($0)! }
    }
}

@Suite struct AnalysisTests {
    @Test(arguments: Sounds.names, [false, true])
    func matchesThePublishedAnalysis(name: String, normalized: Bool) throws {
        let directory = try Sounds.scratch([name])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let set = try TrainingSetAnalysis.analyze(file: directory + "/" + name, normalized: normalized)
        let reference = try NumPyArray(contentsOf: Sounds.folder + "/\(name)\(normalized ? ".normalized" : "").reference.npy")
        let ours = try NumPyArray(contentsOf: directory + "/\(name).npy")
        #expect(ours.dtype == "<f8")
        #expect(ours.shape == reference.shape, "frame count")
        #expect(set.rows == reference.shape[0])
        let worst = zip(ours.values, reference.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4, "\(name): differs by \(worst)")
        #expect(ours.values.suffix(512).allSatisfy { $0 == 0 }, "the published trailing zero row")
        let expectedRange = try Sounds.minmax(Sounds.folder + "/\(name)\(normalized ? ".normalized" : "").reference.minmax")
        let range = try Sounds.minmax(directory + "/\(name).minmax")
        #expect(abs(range[1] - expectedRange[1]) <= 1e-5 * expectedRange[1] && range[0] == expectedRange[0])
    }

    @Test func folderModes() throws {
        let directory = try Sounds.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/notes.txt", contents: Data("not a sound".utf8))
        for (mode, rows) in [(FolderMode.first, 2), (.average, 2), (.framesPerFile(5), 10)] {
            let set = try TrainingSetAnalysis.analyze(folder: directory, mode: mode)
            let data = try NumPyArray(contentsOf: directory + "/combined.wav.npy")
            #expect(set.rows == rows && data.shape == [rows, 512], "\(mode)")
            #expect(data.values.min() == 0 && data.values.max() == 1)
            #expect(set.sources == Sounds.names)
            #expect(FileManager.default.fileExists(atPath: directory + "/combined.wav"))
            let listing = try String(contentsOfFile: directory + "/combined.wav.txt", encoding: .utf8)
            #expect(listing == "0, alarm-clock-elapsed.oga;\n1, complete.oga;\n")
        }
        // The first frame of each file, rescaled: row 0 is the alarm's first frame's shape.
        _ = try TrainingSetAnalysis.analyze(folder: directory, mode: .first)
        let first = try NumPyArray(contentsOf: directory + "/combined.wav.npy")
        let alarm = try NumPyArray(contentsOf: Sounds.folder + "/alarm-clock-elapsed.oga.reference.npy")
        let a = Array(first.values[0..<512]), b = Array(alarm.values[0..<512])
        let ratio = (a.max() ?? 0) / (b.max() ?? 1)
        #expect(zip(a, b).allSatisfy { abs($0 - $1 * ratio) < 1e-4 })
    }

    @Test func badInputIsNamed() throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let short = try SoundFileWriter(path: directory + "/short.wav", channels: 1, sampleRate: 44100)
        try short.write((0..<8000).map { sin(Float($0) * 0.1) })
        try short.close()
        let silent = try SoundFileWriter(path: directory + "/silent.wav", channels: 1, sampleRate: 44100)
        try silent.write([Float](repeating: 0, count: 44100))
        try silent.close()
        FileManager.default.createFile(atPath: directory + "/fake.wav", contents: Data("RIFF nonsense".utf8))

        func problem(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(problem { try TrainingSetAnalysis.analyze(file: directory + "/short.wav") }.contains("is 0.18 s long; the analysis needs more than 0.38 s"))
        #expect(problem { try TrainingSetAnalysis.analyze(file: directory + "/silent.wav") }.contains("is silent"))
        #expect(problem { try TrainingSetAnalysis.analyze(file: directory + "/fake.wav") }.contains("not a readable sound file"))
        #expect(problem { try TrainingSetAnalysis.analyze(file: directory + "/none.wav") }.contains("no such file"))
        let empty = directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(problem { try TrainingSetAnalysis.analyze(folder: empty, mode: .first) }.contains("holds no sound files"))
    }
}
