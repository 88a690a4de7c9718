// `autocoder serve` over real UDP: the addresses kept from autocoder_remote.py,
// this server's own controls, rejected messages, recording, and clean stops.

import AudioTestSupport
import AutocoderAudio
import AutocoderModel
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct ServerTests {
    @Test func compatibilityAddressesAnswerAsThePythonServerDid() throws {
        let server = try ServerProcess()
        let sanity = server.request("/sanity/check", [.int(1)], reply: "/sanity")
        #expect(sanity?.arguments == [.string("checked")])

        // /decode: up to 8 values, ints or floats, missing ones 0; 512 floats back.
        let bundle = try ModelBundle(anchor: Binaries.bundledModel, parts: [.decoder, .encoder])
        let decoded = server.request("/decode", [.float(0.25), .int(1), .float(0.5)], reply: "/decoded")
        let expected = bundle.decoder!.decode([0.25, 1, 0.5, 0, 0, 0, 0, 0])
        #expect(decoded?.arguments.count == 512)
        #expect(zip(decoded?.arguments.compactMap(\.float) ?? [], expected).allSatisfy { abs($0 - $1) <= 1e-6 })

        // /encode: up to 512 values; 8 floats back.
        let encoded = server.request("/encode", expected.map { .float($0) }, reply: "/encoded")
        let reference = bundle.encoder!.encode(expected)
        #expect(encoded?.arguments.count == 8)
        #expect(zip(encoded?.arguments.compactMap(\.float) ?? [], reference).allSatisfy { abs($0 - $1) <= 1e-6 })

        // /load/decoder swaps the model /decode answers with.
        let deep = Binaries.fixtures + "/new-full-deep"
        #expect(server.request("/load/decoder", [.string(deep)], reply: "/loaded")?.arguments == [.string(deep)])
        let deepDecoder = try ModelBundle(anchor: deep, parts: [.decoder]).decoder!
        let afterLoad = server.request("/decode", [.float(0.3)], reply: "/decoded")
        #expect(zip(afterLoad?.arguments.compactMap(\.float) ?? [], deepDecoder.decode([0.3, 0, 0, 0, 0, 0, 0, 0])).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(server.request("/load/encoder", [.string(deep)], reply: "/loaded") != nil)
        #expect(server.request("/load", [.string(Binaries.bundledModel)], reply: "/loaded") != nil)

        // /load/distance and the /distance/* family, with a table written here.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let order: [Int64] = [1, 2, 3, 0, 2, 3, 3, 0, 1, 0, 1, 2]
        try writeNumPyInt64(order, shape: [4, 3], to: directory + "/sound.wav.ord.npy")
        #expect(server.request("/load/distance", [.string(directory + "/sound.wav")], reply: "/loaded") != nil)
        server.send("/distance/windowskip", [.int(512)])
        for _ in 0..<20 {
            server.send("/distance/get_index", [.int(2), .int(2), .float(2)])
            let frame = server.expect("/distance/frame_index")?.arguments.first?.int
            let sample = server.expect("/distance/sample_index")?.arguments.first?.int
            #expect(frame == 3 || frame == 0, "row 2's two nearest are 3 and 0")
            #expect(sample == frame.map { $0 * 512 })
        }
        #expect(server.request("/distance/get_indexes", [.int(1)], reply: "/distance/indexes")?.arguments == [.int(0), .int(2), .int(3)])

        // /deep and /reset are accepted silently, as the Max patch sends them.
        server.send("/deep", [.int(1)])
        server.send("/reset")
        let status = server.status()
        #expect(status["rejected"] == .int(0))

        server.send("/quit")
        #expect(server.waitForExit() == 0)
    }

    @Test func rejectedMessagesGetErrorsAndTheSoundKeepsPlaying() throws {
        let server = try ServerProcess()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let truncated = directory + "/broken.wav"
        try Data(Array(FileManager.default.contents(atPath: Binaries.bundledModel + ".dec")!.prefix(3000))).write(to: URL(fileURLWithPath: truncated + ".dec"))
        try FileManager.default.copyItem(atPath: Binaries.bundledModel + ".mm", toPath: truncated + ".mm")
        FileManager.default.createFile(atPath: directory + "/exists.wav", contents: Data())

        let cases: [(String, [OSCArgument], String)] = [
            ("/no/such/address", [], "unknown address"),
            ("/gain", [.string("loud")], "argument 1 has type tag 's' (string); expected a number"),
            ("/gain", [.float(.nan)], "argument 1 is nan; expected a finite number"),
            ("/gain", [.float(9)], "argument 1 is 9.0; expected 0.0 to 4.0"),
            ("/gain", [], "expected 1 argument, got 0"),
            ("/latent", (0..<9).map { _ in .float(0.5) }, "expected 1 to 8 arguments, got 9"),
            ("/latent/3", [.float(-0.1)], "argument 1 is -0.1; expected 0.0 to 1.0"),
            ("/latent/9", [.float(0.1)], "the model has 8 latent dimensions"),
            ("/decode", (0..<9).map { _ in .float(0.5) }, "expected at most 8 values, got 9"),
            ("/decode", [.float(.infinity)], "argument 1 is inf; expected a finite number"),
            ("/fft", [.int(1000)], "FFT size 1000 must be a power of two from 256 to 16384"),
            ("/hop", [.int(4096)], "hop 4096 must be a power of two from 32 to half the FFT size (2048)"),
            ("/walk", [.int(2)], "argument 1 is 2.0; expected a whole number from 0 to 1"),
            ("/load/decoder", [.string("/nonexistent/song.wav")], "/nonexistent/song.wav.mm: no such file; the current model stays loaded"),
            ("/load/decoder", [.string(truncated)], "corrupt or truncated TensorFlow Lite file"),
            ("/load/decoder", [.int(3)], "argument 1 has type tag 'i' (int); expected a string"),
            ("/load/distance", [.string(directory + "/none.wav")], "no such file"),
            ("/distance/get_index", [.int(0), .int(1), .float(1)], "no distance table loaded (send /load/distance first)"),
            ("/record/stop", [], "no recording is running"),
            ("/record/start", [.string(directory + "/exists.wav")], "already exists (not overwritten)"),
            ("/record/start", [.string(directory + "/missing/dir/take.wav")], "cannot be created"),
            ("/record/start", [.string(directory + "/take.wav"), .string("mp3")], "format must be \"float\" or \"24\""),
            ("/record/start", [.string(directory)], "is a directory"),
            ("/load", [.string(directory)], ".mm: no such file; the current model stays loaded"),
        ]
        for (address, arguments, reason) in cases {
            let got = server.expectError(address, arguments)
            #expect(got.contains(reason), "\(address): got \"\(got)\", expected \"\(reason)\"")
        }
        // A datagram that is not OSC at all.
        server.sendRaw(Array("hello".utf8))
        let malformed = server.expect("/error")
        #expect(malformed?.arguments.first == .string(""))

        // The model is still the bundled one, the server still plays and counts honestly.
        let status = server.status()
        #expect(status["model"] == .string(Binaries.bundledModel))
        #expect(status["rejected"] == .int(Int32(cases.count + 1)))
        #expect(status["playing"] == .int(1))
        #expect(server.request("/record/start", [.string(directory + "/after.wav")], reply: "/record/started") != nil)
        usleep(500_000)
        #expect(server.request("/record/stop", reply: "/record/stopped") != nil)
        let take = try SoundFile(contentsOf: directory + "/after.wav")
        #expect(rms(take.samples) > 0.01, "still playing after every rejection")
    }

    @Test func recordingCapturesWhatTheLatentPlays() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--no-walk", "--glide", "0.02"], workingDirectory: directory)
        server.send("/latent", (0..<8).map { _ in .float(0) })
        // Width 0: both channels play the one signal.
        server.send("/width", [.float(0)])
        usleep(300_000)
        let started = server.request("/record/start", [.string("take.wav"), .string("24")], reply: "/record/started")
        #expect(started?.arguments == [.string(directory + "/take.wav")])
        usleep(1_500_000)
        server.send("/latent", (0..<8).map { _ in .float(1) })
        usleep(1_500_000)
        server.send("/stop")
        usleep(800_000)
        let stopped = server.request("/record/stop", reply: "/record/stopped")
        let frames = stopped?.arguments.last?.int ?? 0

        let take = try SoundFile(contentsOf: directory + "/take.wav")
        #expect(take.channels == 2 && take.sampleRate == 44100)
        #expect(take.frames == frames, "the reply's frame count is the file's")
        #expect(Double(frames) / 44100 > 3.3 && Double(frames) / 44100 < 4.5)
        let left = take.channel(0)
        #expect(left == take.channel(1), "stereo duplicated")
        #expect(left.allSatisfy { $0.isFinite })
        let second = 44100
        let first = Array(left[second / 4..<second * 5 / 4])
        let later = Array(left[second * 7 / 4..<second * 11 / 4])
        #expect(rms(first) > 0.01 && rms(later) > 0.01)
        let low = centroid(powerSpectrum(first)), high = centroid(powerSpectrum(later))
        #expect(abs(low - high) > 200, "centroid \(low) Hz with latent 0, \(high) Hz with latent 1")
        let tail = left.suffix(Int(0.5 * Double(second)))
        #expect(tail.allSatisfy { $0 == 0 }, "silence after /stop")
    }

    @Test func sigkillLeavesAPlayableRecording() throws {
        // The header is rewritten after every write, so even an unclean death
        // leaves a WAV that reads up to the last write (20 ms before).
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess()
        _ = server.request("/record/start", [.string(directory + "/killed.wav")], reply: "/record/started")
        usleep(1_500_000)
        kill(server.process.processIdentifier, SIGKILL)
        _ = server.waitForExit()
        let take = try SoundFile(contentsOf: directory + "/killed.wav")
        #expect(Double(take.frames) / 44100 > 1.2, "\(take.frames) frames survived")
        #expect(rms(take.samples) > 0.01)
    }

    @Test func aSignalRightAfterStartIsNotLost() throws {
        for _ in 0..<3 {
            let server = try ServerProcess()
            server.process.terminate()
            #expect(server.waitForExit() == 0)
        }
    }

    @Test func loadingAModelWhilePlayingLeavesNoGap() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess()
        _ = server.request("/record/start", [.string(directory + "/swap.wav")], reply: "/record/started")
        usleep(700_000)
        _ = server.request("/load/decoder", [.string(Binaries.fixtures + "/new-full-deep")], reply: "/loaded")
        usleep(700_000)
        _ = server.request("/load/decoder", [.string(Binaries.bundledModel)], reply: "/loaded")
        usleep(700_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let left = try SoundFile(contentsOf: directory + "/swap.wav").channel(0)
        #expect(left.count > 44100)
        for start in stride(from: 0, to: left.count - 441, by: 441) {
            #expect(rms(left[start..<start + 441]) > 1e-4, "a silent 10 ms at \(Double(start) / 44100) s")
        }
    }

    @Test func controlsChangeWhatStatusReports() throws {
        let server = try ServerProcess()
        server.send("/fft", [.float(8192), .float(1024)])   // Max number boxes send floats
        server.send("/walk", [.int(0)])
        server.send("/stop")
        usleep(300_000)
        var status = server.status()
        #expect(status["fft"] == .int(8192) && status["hop"] == .int(1024))
        #expect(status["walking"] == .int(0) && status["playing"] == .int(0))
        #expect(status["output"] == .string("null"))
        server.send("/hop", [.int(256)])
        server.send("/play")
        server.send("/latent/2", [.float(0.9)])
        server.send("/glide", [.int(0)])
        usleep(300_000)
        status = server.status()
        #expect(status["hop"] == .int(256) && status["playing"] == .int(1))
        let latent = server.expect("/status/latent")
        #expect(latent?.arguments.count == 8)
        #expect(abs((latent?.arguments[1].float ?? 0) - 0.9) < 1e-3)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalFinishesTheRecordingAndExitsCleanly(signal: Int32) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess()
        _ = server.request("/record/start", [.string(directory + "/cut.wav")], reply: "/record/started")
        usleep(1_000_000)
        kill(server.process.processIdentifier, signal)
        #expect(server.waitForExit() == 0)
        #expect(server.standardOutput.contains("recording finished: \(directory)/cut.wav"))
        let take = try SoundFile(contentsOf: directory + "/cut.wav")
        #expect(Double(take.frames) / 44100 > 0.8)
        #expect(rms(take.samples) > 0.01)
    }

    @Test func theRenderThreadNeverAllocates() throws {
        // malloc-interposer counts every allocation made on the render thread
        // while the control thread sends every kind of command.
        let (text, callbacks) = try Binaries.runAllocationProbe(null: !JACK.isRunning)
        #expect(callbacks > 300, "\(text)")
        #expect(text.contains("render-thread allocations: 0 (0 bytes)"), "\(text)")
        #expect(text.contains("batched-decode allocations: 0 (0 bytes)"), "\(text)")
        #expect(!text.contains("limiter: 0 samples reduced"), "the limiter was driven: \(text)")
        // Every voice that decodes left its played latents (a take's trajectory) all along.
        let played = text.split(separator: "\n").first { $0.hasPrefix("played-latent rows: ") } ?? ""
        #expect((played.split { !$0.isNumber }.compactMap { Int($0) }.first ?? 0) > 1000, "\(text)")
        // Scheduled commands went through it too: some late, and the schedule filled up.
        let line = text.split(separator: "\n").first { $0.hasPrefix("scheduled commands: ") } ?? ""
        let counts = line.split { !$0.isNumber }.compactMap { Int($0) }
        #expect(counts.count == 3 && counts[0] > 4096 && counts[1] > 0 && counts[2] > 0, "\(text)")
    }

    @Test(.enabled(if: JACK.isRunning, "needs a JACK server (scripts/test starts jackd -d dummy)"))
    func playsThroughJACK() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess([])
        let status = server.status()
        #expect(status["output"] == .string("jack"))
        _ = server.request("/record/start", [.string(directory + "/jack.wav")], reply: "/record/started")
        usleep(1_000_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: directory + "/jack.wav")
        #expect(Double(take.frames) / 44100 > 0.8, "JACK's clock drove the callbacks")
        #expect(rms(take.samples) > 0.01)
        #expect(server.status()["xruns"].flatMap(\.int) ?? 99 < 5)
    }

    @Test func aNewSoundGoesFromAnalysisToTheServer() throws {
        // The README's flow with the built binary: analyze → train → serve.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sound = directory + "/chime.oga"
        try FileManager.default.copyItem(atPath: Binaries.root + "/Tests/Fixtures/sounds/complete.oga", toPath: sound)
        let analysis = try Binaries.runAutocoder(["analyze", sound])
        #expect(analysis.status == 0 && analysis.output.contains("32 frames"), "\(analysis.output)")
        let training = try Binaries.runAutocoder(["train", sound, "--epochs", "30", "--batch-size", "16"])
        #expect(training.status == 0 && training.output.contains("wrote \(sound).mm, .dec, .enc"), "\(training.output)")

        let server = try ServerProcess(["--null-output"])
        #expect(server.request("/load", [.string(sound)], reply: "/loaded")?.arguments == [.string(sound)])
        let decoded = server.request("/decode", [.float(0.5)], reply: "/decoded")
        let expected = try ModelBundle(anchor: sound, parts: [.decoder]).decoder!.decode([0.5, 0, 0, 0, 0, 0, 0, 0])
        #expect(zip(decoded?.arguments.compactMap(\.float) ?? [], expected).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(server.status()["model"] == .string(sound))
    }

    @Test func ctrlCDuringTrainingKeepsTheBestModel() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sound = directory + "/alarm.oga"
        try FileManager.default.copyItem(atPath: Binaries.root + "/Tests/Fixtures/sounds/alarm-clock-elapsed.oga", toPath: sound)
        #expect(try Binaries.runAutocoder(["analyze", sound]).status == 0)
        // train runs by hand: the test has to signal the running process.
        let train = Process()
        train.executableURL = URL(fileURLWithPath: try Binaries.release("autocoder"))
        train.arguments = ["train", sound, "--epochs", "100000", "--patience", "100000"]
        let output = Pipe()
        train.standardOutput = output
        try train.run()
        usleep(2_000_000)
        kill(train.processIdentifier, SIGINT)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        train.waitUntilExit()
        #expect(train.terminationStatus == 0)
        #expect(text.contains("(stopped by request)"), "\(text)")
        let bundle = try ModelBundle(anchor: sound, parts: [.decoder, .encoder])
        #expect(bundle.metadata.inputDim == 512)
    }

    @Test func renderIsDeterministicForASeed() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func render(_ name: String, seed: Int) throws -> Data {
            let run = try Binaries.runAutocoder(["render", Binaries.bundledModel, "--frames", "200", "--seed", String(seed), "--out", directory + "/" + name])
            #expect(run.status == 0)
            return FileManager.default.contents(atPath: directory + "/" + name) ?? Data()
        }
        let a = try render("a.wav", seed: 3), b = try render("b.wav", seed: 3), c = try render("c.wav", seed: 4)
        #expect(a == b && a != c)
        let take = try SoundFile(contentsOf: directory + "/a.wav")
        #expect(take.frames == 200 * 512 && take.channels == 1)
    }
}

enum JACK {
    /// Whether a JACK server answers (jack_lsp comes with jackd2).
    static let isRunning: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/jack_lsp")
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}
