// The server's live granular and autocode voices under JACK's dummy backend,
// fed with inputs whose content is known, judged on what they recorded.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized, .enabled(if: JACK.isRunning, "needs a JACK server (scripts/test starts jackd -d dummy)"))
struct LiveGenerativeTests {
    /// Records `seconds` of the server's output (less the first fifth of a second).
    func record(_ server: ServerProcess, _ path: String, seconds: Double) throws -> [Float] {
        _ = server.request("/record/start", [.string(path)], reply: "/record/started")
        usleep(useconds_t(seconds * 1e6))
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: path)
        return stride(from: 0, to: take.frames, by: 1).map { take.samples[$0 * take.channels] }.dropFirst(8820).map { $0 }
    }

    @Test func granularVoicePlaysTheSourceSound() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A chord of three partials whose balance changes every second.
        let source = (0..<44100 * 4).map { i -> Float in
            let t = Float(i) / 44100, second = Float(i / 44100)
            return 0.2 * sinf(2 * .pi * 300 * t) + 0.05 * (1 + second) * sinf(2 * .pi * 1100 * t) + 0.1 * sinf(2 * .pi * 2500 * t)
        }
        let anchor = directory + "/chord.wav"
        try writeSound(source, to: anchor)
        let frames = 150, neighbours = 8
        try writeNumPyInt64((0..<frames * neighbours).map { Int64(($0 * 11 + 5) % frames) }, shape: [frames, neighbours], to: anchor + ".ord.npy")

        let server = try ServerProcess(["--silent", "--jack-name", "autocoder-granular-test"])
        #expect(server.status()["output"] == .string("jack"))
        #expect(server.request("/load/granular", [.string(anchor)], reply: "/loaded")?.arguments == [.string(anchor)])
        server.send("/granular/size", [.float(0.05)])
        server.send("/granular/rate", [.float(60)])
        server.send("/granular/pool", [.int(4)])
        server.send("/granular", [.int(1)])
        let played = try record(server, directory + "/granular.wav", seconds: 1.5)

        let heard = powerSpectrum(played).map { log10($0 + 1e-12) }
        let original = powerSpectrum(source).map { log10($0 + 1e-12) }
        let correlation = pearson(Array(heard[10..<700]), Array(original[10..<700]))
        print("live granular: log-spectrum correlation with the source \(correlation), rms \(rms(played))")
        #expect(rms(played) > 0.02)
        #expect(correlation > 0.8)
        let status = server.status()
        #expect(status["granular"] == .int(1))
        #expect((0..<frames).contains(status["granular_frame"]?.int ?? -1))

        server.send("/granular", [.int(0)])
        usleep(300_000)
        #expect(rms(try record(server, directory + "/after.wav", seconds: 0.6)) < 1e-4, "silent once stopped")
    }

    @Test func autocodeFollowsALoopedFile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Bursts: 0.2 s of a tone, 0.3 s of silence, repeated.
        let period = 22050
        let bursts = (0..<period * 4).map { i -> Float in
            let phase = i % period
            guard phase < 8820 else { return 0 }
            let edge = min(1, Float(min(phase, 8820 - phase)) / 441)
            return edge * 0.4 * (sinf(Float(i) * 2 * .pi * 440 / 44100) + 0.5 * sinf(Float(i) * 2 * .pi * 1320 / 44100))
        }
        let input = directory + "/bursts.wav"
        try writeSound(bursts, to: input)

        let server = try ServerProcess(["--silent", "--jack-name", "autocoder-loop-test"])
        #expect(server.request("/autocode/input", [.string(input)], reply: "/autocode/input")?.arguments == [.string(input)])
        server.send("/autocode", [.int(1)])
        let played = try record(server, directory + "/autocode.wav", seconds: 2.5)

        // Its loudness follows the bursts: compare envelopes at the best alignment,
        // measured over the synthesis window (4096 samples), which is as finely as
        // the voice can follow.
        let envelope = stride(from: 0, to: played.count - 4096, by: 441).map { Double(rms(played[$0..<$0 + 4096])) }
        let pattern = stride(from: 0, to: period * 3 - 4096, by: 441).map { Double(rms(bursts[$0..<$0 + 4096])) }
        let best = (0..<period / 441).map { lag in
            pearson(Array(envelope.prefix(pattern.count - lag)), Array(pattern[lag...].prefix(envelope.count)))
        }.max() ?? 0
        let loud = envelope.sorted()[envelope.count * 9 / 10], quiet = envelope.sorted()[envelope.count / 10]
        print("live autocode (looped file): envelope correlation \(best), on/off \(20 * log10(loud / max(quiet, 1e-9))) dB")
        #expect(best > 0.85)
        #expect(loud > 0.02 && loud > 30 * quiet)
        let status = server.status()
        #expect(status["autocode"] == .int(1) && status["autocode_input"] == .string(input))

        // Remapping is heard: a different mapping makes a different spectrum.
        let before = powerSpectrum(played)
        server.send("/autocode/invert", [.int(1), .int(1), .int(1), .int(1), .int(1), .int(1), .int(1), .int(1)])
        usleep(300_000)
        let inverted = powerSpectrum(try record(server, directory + "/inverted.wav", seconds: 1.5))
        print("live autocode: centroid \(centroid(before)) Hz, inverted \(centroid(inverted)) Hz")
        #expect(abs(centroid(before) - centroid(inverted)) > 100)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/jack_simple_client"), "needs jack_simple_client (jackd2)"))
    func autocodeHearsTheDeviceInput() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = "autocoder-input-test"
        let server = try ServerProcess(["--silent", "--input-channels", "1", "--jack-name", name])
        _ = server.request("/autocode/input", [.string("device")], reply: "/autocode/input")
        server.send("/autocode", [.int(1)])

        // jack_simple_client plays a sine; it reaches the server's input only while connected.
        let tone = Process()
        tone.executableURL = URL(fileURLWithPath: "/usr/bin/jack_simple_client")
        tone.standardOutput = FileHandle.nullDevice
        tone.standardError = FileHandle.nullDevice
        try tone.run()
        // It ignores SIGTERM.
        defer { kill(tone.processIdentifier, SIGKILL); tone.waitUntilExit() }
        usleep(500_000)
        func jack(_ tool: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
            process.arguments = ["jack_simple_client:output1", name + ":in_0"]
            try? process.run()
            process.waitUntilExit()
        }
        let unconnected = try record(server, directory + "/unconnected.wav", seconds: 0.8)
        jack("jack_connect")
        usleep(300_000)
        let connected = try record(server, directory + "/connected.wav", seconds: 1.0)
        jack("jack_disconnect")
        print("live autocode (device input): rms \(rms(unconnected)) unconnected, \(rms(connected)) connected")
        #expect(rms(unconnected) < 1e-4)
        #expect(rms(connected) > 0.01)
    }
}
