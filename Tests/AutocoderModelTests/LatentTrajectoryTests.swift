// The trajectory file: the writer keeps a valid .npy on disk after every chunk
// and renames it into place when finished; the reader refuses bad files with
// the file and the problem; a voice's path interpolates between rows.

import Foundation
import Testing
import AutocoderModel

@Suite struct LatentTrajectoryTests {
    static func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "autocoder-trajectory-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A float32 .npy of `rows` as they are (no checks), for files a writer would refuse.
    static func writeFloat32(_ rows: [[Float]], to path: String, dropLast: Int = 0, shape: [Int]? = nil) throws {
        var bytes = NumPyArray.header(dtype: "<f4", shape: shape ?? [rows.count, rows.first?.count ?? 0])
        for value in rows.joined() { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes.dropLast(dropLast)).write(to: URL(fileURLWithPath: path))
    }

    @Test func everyChunkLeavesAValidFileAndFinishRenamesIt() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/take.latents.npy"
        let writer = try LatentTrajectoryWriter(path: path, latentCount: 3, chunkRows: 4)
        #expect(writer.temporaryPath.hasPrefix(directory + "/.take.latents.npy.partial-"))
        #expect(try LatentTrajectory(contentsOf: writer.temporaryPath).rowCount == 0)
        for r in 0..<10 {
            for voice in [1, 2] {
                try writer.append(time: Double(r * 512), voice: voice, latent: [Float(r) / 10, Float(voice) / 10, 0.5])
            }
            let onDisk = try LatentTrajectory(contentsOf: writer.temporaryPath)
            #expect(onDisk.rowCount == (2 * (r + 1)) / 4 * 4, "after row pair \(r)")
            #expect(onDisk.rowCount == writer.rowsWritten)
            for row in 0..<onDisk.rowCount {
                #expect(onDisk.times[row] == Double(row / 2 * 512) && onDisk.voiceIDs[row] == row % 2 + 1)
                #expect(Array(onDisk.latents[row * 3..<row * 3 + 3]) == [Float(row / 2) / 10, Float(row % 2 + 1) / 10, 0.5])
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: writer.temporaryPath))
        let finished = try LatentTrajectory(contentsOf: path)
        #expect(finished.rowCount == 20 && finished.latentCount == 3 && finished.voices == [1, 2])
        let array = try NumPyArray(contentsOf: path)
        #expect(array.dtype == "<f4" && array.shape == [20, 5])
    }

    @Test func rowsOutOfOrderAreRefused() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try LatentTrajectoryWriter(path: directory + "/t.latents.npy", latentCount: 2)
        try writer.append(time: 1024, voice: 2, latent: [0, 0])
        #expect(throws: ModelFileError.self) { try writer.append(time: 512, voice: 1, latent: [0, 0]) }
        #expect(throws: ModelFileError.self) { try writer.append(time: 1024, voice: 2, latent: [0, 0]) }
        try writer.append(time: 1024, voice: 3, latent: [0, 0])
        #expect(writer.rowsAppended == 2)
    }

    @Test func badFilesNameTheFileAndTheProblem() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good: [[Float]] = [[0, 1, 0.1, 0.2], [512, 1, 0.3, 0.4]]
        let cases: [(String, () throws -> Void, String)] = [
            ("truncated", { try Self.writeFloat32(good, to: directory + "/truncated.npy", dropLast: 3) },
             "not a readable .npy file: shape [2, 4] needs 8 elements but the file holds 7"),
            ("nan", { try Self.writeFloat32([[0, 1, 0.1, .nan]], to: directory + "/nan.npy") },
             "not a latent trajectory: row 0, column 3 is nan (every value must be finite)"),
            ("unsorted", { try Self.writeFloat32(good.reversed(), to: directory + "/unsorted.npy") },
             "not a latent trajectory: row 1 (time 0.0, voice 1) comes before row 0 (time 512.0, voice 1); rows must be sorted by time, then voice"),
            ("narrow", { try Self.writeFloat32([[0, 1], [512, 1]], to: directory + "/narrow.npy") },
             "not a latent trajectory: its rows have 2 values; a row is time, voice and at least one latent value"),
            ("float64", { try NumPyArray.write(float64: [0, 1, 0.5], shape: [1, 3], to: directory + "/float64.npy") },
             "not a latent trajectory: its dtype is <f8; a trajectory is float32 ('<f4')"),
            ("flat", { try Self.writeFloat32([[0, 1, 0.5]], to: directory + "/flat.npy", shape: [3]) },
             "not a latent trajectory: its shape is [3]; a trajectory is 2-D, [rows, 2 + latent values]"),
        ]
        for (name, make, problem) in cases {
            try make()
            let path = directory + "/\(name).npy"
            #expect(throws: ModelFileError(path: path, problem: problem), "\(name)") { try LatentTrajectory(contentsOf: path) }
        }
        try Self.writeFloat32([[0, 1.5, 0.1]], to: directory + "/voice.npy")
        #expect(throws: ModelFileError(path: directory + "/voice.npy", problem: "not a latent trajectory: row 0 names voice 1.5, not a whole number")) {
            try LatentTrajectory(contentsOf: directory + "/voice.npy")
        }
    }

    @Test func aVoicePathInterpolatesAndHoldsItsEnds() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.writeFloat32([[0, 1, 0, 1], [0, 2, 0.9, 0.9], [100, 1, 1, 0], [300, 1, 0.5, 0.5]], to: directory + "/t.npy")
        let trajectory = try LatentTrajectory(contentsOf: directory + "/t.npy")
        #expect(trajectory.voices == [1, 2] && trajectory.latentPath(ofVoice: 3) == nil)
        let path = try #require(trajectory.latentPath(ofVoice: 1))
        var value: [Float] = [0, 0]
        for (time, expected) in [(-50.0, [Float(0), 1]), (25, [0.25, 0.75]), (100, [1, 0]), (200, [0.75, 0.25]), (1e6, [0.5, 0.5])] {
            path.value(at: time, into: &value)
            #expect(zip(value, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "at \(time): \(value)")
        }
    }
}
