// The trajectory of a take (`TAKE.wav.latents.npy`): what the server writes
// while it records, as numpy reads it, rendered back offline with
// `render --trajectory` and compared with the take itself; two voices' rows in
// one file; a file under the trajectory's name never replaced; a server killed
// mid-take leaves a take and a trajectory that match.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import AutocoderModel
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct TakeTrajectoryTests {
    /// Records `seconds` of what `server` plays into `name` in its root `directory`.
    static func record(_ server: ServerProcess, _ directory: String, _ name: String, seconds: Double) throws -> String {
        _ = try #require(server.request("/record/start", [.string(name)], reply: "/record/started"))
        usleep(useconds_t(seconds * 1e6))
        _ = try #require(server.request("/record/stop", reply: "/record/stopped"))
        return directory + "/" + name
    }

    /// Mean over time of each band of the log-mel spectrogram (dB): 128 bands
    /// of 2048-sample frames every 1024 samples.
    static func bandMeans(_ samples: [Float]) -> [Double] {
        let analysis = MelAnalysis(melCount: 128, size: 2048)
        let bands = analysis.filterbank.filterCount
        var frame = [Float](repeating: 0, count: bands)
        var means = [Double](repeating: 0, count: bands)
        var frames = 0
        samples.withUnsafeBufferPointer { input in
            for start in stride(from: 0, through: samples.count - 2048, by: 1024) {
                _ = analysis.analyze(frame: input.baseAddress! + start, normalized: false, into: &frame)
                for b in 0..<bands { means[b] += 20 * log10(Double(frame[b]) + 1e-9) }
                frames += 1
            }
        }
        return means.map { $0 / Double(max(frames, 1)) }
    }

    @Test func aWalkingTakeRendersBackToTheSameSpectrum() throws {
        let directory = temporaryDirectory()
        let server = try ServerProcess(["--null-output", "--root", directory, "--seed", "7"])
        server.send("/walk", [.int(1)])
        server.send("/walk/step", [.float(0.3)])
        let take = try Self.record(server, directory, "take.wav", seconds: 10)
        let path = take + ".latents.npy"
        #expect(server.log.contains("latent trajectory: \(path)"))

        // The file: one row per hop of voice 1, from the take's first hops to its end.
        let trajectory = try LatentTrajectory(contentsOf: path)
        let sound = try SoundFile(contentsOf: take)
        let times = trajectory.times
        #expect(trajectory.voices == [1] && trajectory.latentCount == 8)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 512 }, "one row per 512-sample hop")
        #expect(times.first! >= 0 && times.first! <= 2048 + 512, "the first hops are there (\(times.first!))")
        #expect(abs(times.last! - Double(sound.frames)) < 2048, "rows to the take's end (\(times.last!) of \(sound.frames))")
        let first = trajectory.latents[0..<8], last = trajectory.latents[(trajectory.rowCount - 1) * 8..<trajectory.rowCount * 8]
        #expect(zip(first, last).map { abs($0 - $1) }.max()! > 0.1, "the walk moved")
        let loaded = try NumPyView.load(path)
        #expect(loaded.shape == [trajectory.rowCount, 10] && loaded.dtype == "<f4")
        let sidecar = try #require(try TrajectorySidecar.read(for: path))
        #expect(sidecar.sound == take && sidecar.analysis == "played" && sidecar.fft == 4096 && sidecar.hop == 512)

        // Rendered back: the same spectrum, band by band (the take's first channel
        // against the rendering, the same seed: random phases differ, the colour does not).
        let rendering = directory + "/rendered.wav"
        let result = try Binaries.runAutocoder(["render", Binaries.bundledModel, "--trajectory", path, "--out", rendering, "--seed", "7"])
        #expect(result.status == 0, "\(result.errors)")
        let rendered = try SoundFile(contentsOf: rendering).channel(0)
        let live = sound.channel(0)
        let length = min(live.count, rendered.count)
        let difference = zip(Self.bandMeans(Array(live[..<length])), Self.bandMeans(Array(rendered[..<length]))).map { abs($0 - $1) }
        let mean = difference.reduce(0, +) / Double(difference.count)
        print("take trajectory: \(trajectory.rowCount) rows; rendered back, per-band mean log-mel difference \(String(format: "%.3f", mean)) dB (largest \(String(format: "%.2f", difference.max()!)) dB)")
        #expect(mean <= 0.5)
    }

    @Test func twoVoicesLeaveTheirOwnRowsAndNoFileIsReplaced() throws {
        let directory = temporaryDirectory()
        let server = try ServerProcess(["--null-output", "--root", directory])
        // A trajectory under the take's name is never replaced: the take is refused.
        let stale = directory + "/kept.wav.latents.npy"
        try Data("someone's file".utf8).write(to: URL(fileURLWithPath: stale))
        #expect(server.expectError("/record/start", [.string("kept.wav")]) == "\(stale): already exists (the latent trajectory of an earlier take of that name; not overwritten)")
        #expect(try String(contentsOfFile: stale, encoding: .utf8) == "someone's file")
        #expect(!FileManager.default.fileExists(atPath: directory + "/kept.wav"))
        _ = try #require(server.request("/voice/new", [.int(2), .string("generative")], reply: "/voice/new"))
        server.send("/voice/2/walk", [.int(0)])
        server.send("/voice/2/glide", [.float(0)])
        server.send("/voice/2/latent", Array(repeating: .float(0.25), count: 8))
        let take = try Self.record(server, directory, "two.wav", seconds: 2)

        let trajectory = try LatentTrajectory(contentsOf: take + ".latents.npy")
        #expect(trajectory.voices == [1, 2])
        let held = try #require(trajectory.latentPath(ofVoice: 2))
        var value = [Float](repeating: 0, count: 8)
        held.value(at: held.times[held.times.count / 2], into: &value)
        #expect(value.allSatisfy { abs($0 - 0.25) < 1e-6 }, "voice 2 holds its point: \(value)")
        let walking = try #require(trajectory.latentPath(ofVoice: 1))
        #expect(held.times.count > 100 && abs(walking.times.count - held.times.count) <= 1)
        #expect(try TrajectorySidecar.read(for: take + ".latents.npy")?.sound == take)

        // Voices that play nothing decode nothing: their take has no trajectory.
        server.send("/voice/2/free")
        _ = server.expect("/voice/freed")
        server.send("/play", [.int(0)])
        usleep(200_000)
        _ = try Self.record(server, directory, "quiet.wav", seconds: 0.5)
        #expect(FileManager.default.fileExists(atPath: directory + "/quiet.wav"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/quiet.wav.latents.npy"))
    }

    @Test func aServerKilledMidTakeLeavesATrajectoryThatMatchesTheTake() throws {
        let directory = temporaryDirectory()
        let server = try ServerProcess(["--null-output", "--root", directory])
        _ = try #require(server.request("/record/start", [.string("killed.wav")], reply: "/record/started"))
        usleep(8_000_000)
        kill(server.process.processIdentifier, SIGKILL)
        _ = server.waitForExit()

        let take = directory + "/killed.wav"
        let sound = try SoundFile(contentsOf: take)
        let trajectory = try LatentTrajectory(contentsOf: take + ".latents.npy")
        let loaded = try NumPyView.load(take + ".latents.npy")
        #expect(loaded.shape == [trajectory.rowCount, 10] && loaded.dtype == "<f4")
        // Whole chunks of 256 rows (3 s of hops) are down; the rest was lost with the process.
        #expect(trajectory.rowCount % 256 == 0 && trajectory.rowCount >= 256, "\(trajectory.rowCount) rows")
        #expect(trajectory.times.last! < Double(sound.frames) + 2048)
        #expect(try TrajectorySidecar.read(for: take + ".latents.npy")?.sound == take)
    }
}
