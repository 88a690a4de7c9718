// Trajectories end to end: `encode-sound` of the bundled model's training
// sound, the file as numpy and `encode-set` see it, `render --trajectory` back
// (its --report against the mean-frame baseline, other shapes and phase), and
// a writer killed part-way.

import AudioTestSupport
import AutocoderModel
import Foundation
import Testing

@Suite struct TrajectoryCLITests {
    static let anchor = CLI.root + "/models/drone.wav"

    static func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "autocoder-trajectory-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    static func run(_ arguments: [String]) throws -> String {
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// The two figures of a --report: (rendering, mean-frame baseline).
    static func report(_ stdout: String) throws -> (rendering: Double, baseline: Double) {
        func figure(_ label: String) throws -> Double {
            let line = try #require(stdout.split(separator: "\n").first { $0.hasPrefix(label) }, "no '\(label)' in \(stdout)")
            return try #require(Double(line.dropFirst(label.count).split(separator: " ").first ?? ""))
        }
        return (try figure("spectral RMSE, rendering vs source:"), try figure("spectral RMSE, mean-frame baseline vs source:"))
    }

    @Test func theTrainingSoundRendersBackCloserThanItsMeanFrame() throws {
        let sound = try DroneSound.path()
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var figures: [String: (rendering: Double, baseline: Double)] = [:]
        for analysis in ["training", "autocode"] {
            let trajectory = directory + "/\(analysis).latents.npy"
            _ = try Self.run(["encode-sound", Self.anchor, sound, "--analysis", analysis, "--out", trajectory])
            let stdout = try Self.run(["render", Self.anchor, "--trajectory", trajectory, "--out", directory + "/\(analysis).wav", "--report"])
            figures[analysis] = try Self.report(stdout)
            print("\(analysis) analysis: rendering \(figures[analysis]!.rendering), mean-frame baseline \(figures[analysis]!.baseline)")
        }
        let training = try #require(figures["training"]), autocode = try #require(figures["autocode"])
        // The frames as the model was trained on them come back closer than their average does.
        #expect(training.rendering < training.baseline * 0.9)
        // Peak-normalised frames lose each frame's level (and the range rescaling bends the
        // space), so that trajectory does not beat the average; the baseline is the same file's.
        #expect(autocode.rendering.isFinite && autocode.rendering > training.rendering)
        #expect(abs(autocode.baseline - training.baseline) < 1e-9)
    }

    @Test func theFileIsWhatNumPyAndEncodeSetSee() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A copy of the sound with the model beside it, so analyze and encode-set can write there.
        let anchor = directory + "/drone.wav"
        try FileManager.default.copyItem(atPath: try DroneSound.path(), toPath: anchor)
        for part in [".mm", ".dec", ".enc", ".minmax"] { try FileManager.default.copyItem(atPath: Self.anchor + part, toPath: anchor + part) }
        let samples = DroneSound.sampleCount
        let hops = (samples + 511) / 512

        for analysis in ["autocode", "training"] {
            let trajectory = directory + "/\(analysis).latents.npy"
            let stdout = try Self.run(["encode-sound", anchor, anchor, "--analysis", analysis, "--out", trajectory])
            #expect(stdout.contains("\(hops) rows (one per hop of 512 samples"))
            let array = try NumPyView.load(trajectory)
            #expect(array.shape == [hops, 10] && array.dtype == "<f4", "\(array.shape) \(array.dtype)")
            #expect(array.rows.enumerated().allSatisfy { $0.element[0] == Double($0.offset * 512) && $0.element[1] == 1 })
            let latents = array.rows.flatMap { $0.dropFirst(2) }
            #expect(latents.allSatisfy { (-0.05...1.05).contains($0) }, "\(analysis): \(latents.min()!)…\(latents.max()!)")
            if analysis == "autocode" { #expect(latents.allSatisfy { (0...1).contains($0) }) }
            let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trajectory + ".json"))) as? [String: Any]
            #expect(sidecar?["sound"] as? String == anchor && sidecar?["fft"] as? Int == 4096 && sidecar?["hop"] as? Int == 512
                    && sidecar?["sampleRate"] as? Int == 44100 && sidecar?["anchor"] as? String == anchor)
        }

        // Where the frames are the training set's (time i × 1024 + 8192), the rows are encode-set's.
        _ = try Self.run(["analyze", anchor])
        _ = try Self.run(["encode-set", anchor])
        let encoded = try NumPyArray(contentsOf: anchor + ".enc.npy")
        let trajectory = try LatentTrajectory(contentsOf: directory + "/training.latents.npy")
        var compared = 0, worst = 0.0
        for i in 0..<encoded.shape[0] - 1 {   // the last row is the published trailing zero frame's
            let row = (i * 1024 + 8192) / 512
            guard row < trajectory.rowCount else { break }
            for d in 0..<8 { worst = max(worst, abs(Double(trajectory.latents[row * 8 + d]) - encoded.values[i * 8 + d])) }
            compared += 1
        }
        #expect(compared == encoded.shape[0] - 1 && worst < 1e-4, "\(compared) frames, largest difference \(worst)")
    }

    @Test func rendersAtAnotherShapeAndWithPhaseGradients() throws {
        let sound = try DroneSound.path()
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trajectory = directory + "/d.latents.npy"
        _ = try Self.run(["encode-sound", Self.anchor, sound, "--analysis", "training", "--out", trajectory])
        let samples = DroneSound.sampleCount
        for (fft, hop, phase) in [("2048", 256, "pghi"), ("4096", 512, "pghi"), ("8192", 1024, "coherent")] {
            let out = directory + "/\(fft)-\(phase).wav"
            let stdout = try Self.run(["render", Self.anchor, "--trajectory", trajectory, "--fft", fft, "--hop", String(hop), "--phase", phase,
                                       "--out", out, "--report"])
            let audio = try #require(TestSoundFiles.readFloatWAV(out)).samples
            #expect(audio.count >= samples && audio.count < samples + hop && audio.count % hop == 0)
            #expect(audio.allSatisfy { $0.isFinite })
            let peak = audio.reduce(0) { max($0, abs($1)) }
            #expect(peak < 1 && rms(audio) > 0.01, "peak \(peak), rms \(rms(audio))")
            let figures = try Self.report(stdout)
            print("fft \(fft)/\(hop) \(phase): rendering \(figures.rendering), mean-frame baseline \(figures.baseline)")
            #expect(figures.rendering < figures.baseline)
        }
    }

    @Test func aKilledEncoderLeavesAValidTemporary() throws {
        let sound = try DroneSound.path()
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A hop of 32: about 82 000 rows, several seconds of work, written 256 rows at a time.
        let process = try SpawnedProcess(CLI.executable, ["encode-sound", Self.anchor, sound, "--analysis", "training", "--hop", "32",
                                                          "--out", directory + "/long.latents.npy"])
        let temporary = directory + "/.long.latents.npy.partial-\(process.pid)"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? LatentTrajectory(contentsOf: temporary))?.rowCount ?? 0) < 1024, process.wait(timeout: 0) == nil {
            usleep(2_000)
        }
        process.signalGroup(SIGKILL)
        #expect(process.wait(timeout: 10) == .signalled(SIGKILL), "it finished first: \(process.output)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/long.latents.npy"))
        let left = try LatentTrajectory(contentsOf: temporary)
        #expect(left.rowCount >= 1024 && left.rowCount % 256 == 0, "\(left.rowCount) rows")
        #expect(left.times.enumerated().allSatisfy { $0.element == Double($0.offset * 32) })
        let array = try NumPyView.load(temporary)
        #expect(array.shape == [left.rowCount, 10] && array.dtype == "<f4")
    }

    @Test func badTrajectoriesAreRefusedWithTheFileAndTheProblem() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let narrow = directory + "/narrow.latents.npy"
        let writer = try LatentTrajectoryWriter(path: narrow, latentCount: 3)
        try writer.append(time: 0, voice: 1, latent: [0.5, 0.5, 0.5])
        try writer.finish()
        var result = try CLI.run(["render", Self.anchor, "--trajectory", narrow, "--out", directory + "/x.wav"])
        #expect(result.status != 0 && result.stderr.contains("\(narrow): holds 3 latent values per row; the model has 8 dimensions"), "\(result.stderr)")
        result = try CLI.run(["render", Self.anchor, "--trajectory", narrow, "--trajectory-voice", "2", "--out", directory + "/x.wav"])
        #expect(result.status != 0 && result.stderr.contains("\(narrow): holds 3 latent values"), "\(result.stderr)")

        let plain = directory + "/plain.latents.npy"
        let eight = try LatentTrajectoryWriter(path: plain, latentCount: 8)
        try eight.append(time: 0, voice: 1, latent: [Float](repeating: 0.5, count: 8))
        try eight.finish()
        result = try CLI.run(["render", Self.anchor, "--trajectory", plain, "--trajectory-voice", "2", "--out", directory + "/x.wav"])
        #expect(result.status != 0 && result.stderr.contains("\(plain): has no rows for voice 2 (its voices: 1)"), "\(result.stderr)")
        result = try CLI.run(["render", Self.anchor, "--trajectory", plain, "--report", "--out", directory + "/x.wav"])
        #expect(result.status != 0 && result.stderr.contains("--report needs \(plain).json"), "\(result.stderr)")
        // Without a sidecar the trajectory plays at the render's rate: one row holds for 10 hops.
        result = try CLI.run(["render", Self.anchor, "--trajectory", plain, "--frames", "10", "--out", directory + "/x.wav"])
        #expect(result.status == 0 && result.stdout.contains("5120 frames"), "\(result.stderr)")

        let truncated = directory + "/cut.latents.npy"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        try bytes.dropLast(4).write(to: URL(fileURLWithPath: truncated))
        result = try CLI.run(["render", Self.anchor, "--trajectory", truncated, "--out", directory + "/x.wav"])
        #expect(result.status != 0 && result.stderr.contains("\(truncated): not a readable .npy file: shape [1, 10] needs 10 elements but the file holds 9"),
                "\(result.stderr)")
    }
}
