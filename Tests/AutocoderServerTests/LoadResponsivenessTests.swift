// Slow requests do not hold up the controls (issue 13, item 8): loading a
// three-minute /autocode/input (reading it and learning its range takes
// seconds) runs off the network thread, so /status answers, /gain and /stop
// act, and /quit quits while it runs; a newer request supersedes an older
// one; an input already analysed is not analysed again.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import AutocoderOSC
import Foundation
import Testing

/// Sound files for the load tests.
enum LoadTestSounds {
    /// Three minutes of tones over noise, changing every few seconds: the
    /// range learning reads every hop of it (seconds of work).
    static func threeMinutes(in directory: String, name: String = "long.wav") throws -> String {
        var random = SplitMix64(seed: 21)
        let rate = 44100
        let samples = (0..<180 * rate).map { i -> Float in
            let noise = Float(random.next() >> 40) / Float(1 << 24) - 0.5
            let pitch = Float(110 << ((i / (rate * 3)) % 4))
            return 0.2 * sinf(2 * .pi * pitch * Float(i) / Float(rate)) + 0.05 * noise
        }
        let path = directory + "/" + name
        try writeSound(samples, to: path)
        return path
    }

    /// Two seconds of a tone.
    static func short(in directory: String, name: String) throws -> String {
        let path = directory + "/" + name
        try writeSound((0..<88200).map { 0.3 * sinf(Float($0) * 0.03) }, to: path)
        return path
    }
}

extension ServerProcess {
    /// Every message that arrives within `seconds`.
    func collect(for seconds: Double) -> [OSCMessage] {
        var messages: [OSCMessage] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, let message = receive(timeout: deadline.timeIntervalSinceNow) { messages.append(message) }
        return messages
    }

    /// Sends /status and returns its reply and the round trip in seconds;
    /// other messages that arrive meanwhile are appended to `others`.
    func timedStatus(others: inout [OSCMessage]) -> (reply: OSCMessage?, seconds: Double) {
        let sent = Date()
        send("/status")
        while let message = receive(timeout: 10 - Date().timeIntervalSince(sent)) {
            if message.address == "/status" { return (message, Date().timeIntervalSince(sent)) }
            others.append(message)
        }
        return (nil, Date().timeIntervalSince(sent))
    }

    /// Asks /status until its field `name` is `value` (the render thread applies
    /// a command at its next block); returns that reply and the seconds it took.
    func statusOnce(_ name: String, is value: OSCArgument, within seconds: Double, others: inout [OSCMessage]) -> (reply: OSCMessage?, seconds: Double) {
        let started = Date()
        var last: OSCMessage?
        while Date().timeIntervalSince(started) < seconds {
            last = timedStatus(others: &others).reply
            if LoadResponsivenessTests.field(last, name) == value { break }
            usleep(5_000)
        }
        return (last, Date().timeIntervalSince(started))
    }
}

@Suite(.serialized) struct LoadResponsivenessTests {
    /// The field `name` of a raw /status reply.
    static func field(_ reply: OSCMessage?, _ name: String) -> OSCArgument? {
        guard let reply else { return nil }
        return Dictionary(uniqueKeysWithValues: zip(ServerProcess.statusFieldNames, reply.arguments))[name]
    }

    @Test func controlsActWhileAThreeMinuteInputLoads() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = try LoadTestSounds.threeMinutes(in: directory)
        let server = try ServerProcess(["--null-output", "--no-walk"])
        _ = server.request("/record/start", [.string(directory + "/take.wav")], reply: "/record/started")
        usleep(300_000)

        server.send("/autocode/input", [.string(long)])
        server.send("/autocode", [.int(1)])   // depends on the input still loading: remembered, not refused
        var others: [OSCMessage] = []
        var worst = 0.0
        for _ in 0..<5 {
            let (reply, seconds) = server.timedStatus(others: &others)
            #expect(reply != nil)
            worst = max(worst, seconds)
        }
        server.send("/gain", [.float(0)])
        server.send("/stop")
        let (afterStop, stopSeconds) = server.statusOnce("playing", is: .int(0), within: 1, others: &others)
        let silentFrom = (Self.field(afterStop, "recorded_frames")?.int ?? 0) + 4410   // the 20 ms gain ramp, and then some
        #expect(Self.field(afterStop, "playing") == .int(0), "/stop acted within \(stopSeconds) s while the input loaded")
        #expect(!others.contains { $0.address == "/autocode/input" }, "the input loads for seconds: its reply comes after these")
        #expect(!others.contains { $0.address == "/error" }, "\(others)")
        print("load responsiveness: /status round trip at most \(String(format: "%.1f", worst * 1000)) ms while a 3-minute input loaded")
        #expect(worst < 0.5, "/status took \(worst) s while the input loaded")

        let loaded = server.expect("/autocode/input", timeout: 120)
        #expect(loaded?.arguments == [.string(long)])
        let status = server.status()
        #expect(status["autocode_input"] == .string(long) && status["autocode"] == .int(1), "\(status)")
        usleep(200_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: directory + "/take.wav").channel(0)
        #expect(rms(take[0..<13230]) > 0.01, "it played before /gain 0")
        #expect(take.count > silentFrom + 44100 && take[silentFrom...].allSatisfy { $0 == 0 }, "/gain 0 silenced every voice while the input loaded")
    }

    @Test func aNewerInputSupersedesOneStillLoading() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = try LoadTestSounds.threeMinutes(in: directory)
        let short = try LoadTestSounds.short(in: directory, name: "short.wav")
        let server = try ServerProcess(["--null-output"])
        server.send("/autocode/input", [.string(long)])
        usleep(100_000)
        let asked = Date()
        server.send("/autocode/input", [.string(short)])
        let superseded = server.expect("/error", timeout: 5)
        #expect(superseded?.arguments == [.string("/autocode/input"), .string("superseded by a newer /autocode/input")])
        #expect(server.expect("/autocode/input", timeout: 30)?.arguments == [.string(short)])
        // The three-minute analysis stopped: the short input did not wait for it.
        #expect(Date().timeIntervalSince(asked) < 2.5, "the newer input waited \(Date().timeIntervalSince(asked)) s")
        // Only the newer input's /done follows: the superseded one is never applied.
        #expect(server.collect(for: 1) == [OSCMessage("/done", [.string("/autocode/input")])], "the superseded input is never applied")
        #expect(server.status()["autocode_input"] == .string(short))
        #expect(!server.log.contains("autocode input \(long):"), "\(server.log)")
    }

    @Test func aStormOfInputsThenStopActsPromptlyAndTheNewestWins() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = try LoadTestSounds.threeMinutes(in: directory)
        let last = try LoadTestSounds.short(in: directory, name: "last.wav")
        let server = try ServerProcess(["--null-output"])
        var answers: [OSCMessage] = []
        // 100 requests at 20 a second: 99 of the same three-minute file, then another.
        for n in 0..<100 {
            server.send("/autocode/input", [.string(n == 99 ? last : long)])
            answers += server.collect(for: 0.05)
        }
        var others: [OSCMessage] = []
        server.send("/stop")
        let (status, seconds) = server.statusOnce("playing", is: .int(0), within: 1, others: &others)
        #expect(Self.field(status, "playing") == .int(0), "/stop acted within \(seconds) s of the storm")
        answers += others
        let deadline = Date().addingTimeInterval(60)
        while !answers.contains(where: { $0.arguments == [.string(last)] }), Date() < deadline { answers += server.collect(for: 0.2) }
        answers += server.collect(for: 1)

        // Every request answered once: applied, or superseded by a newer one.
        let applied = answers.filter { $0.address == "/autocode/input" }
        let supersededCount = answers.filter { $0.arguments == [.string("/autocode/input"), .string("superseded by a newer /autocode/input")] }.count
        #expect(applied.count + supersededCount == 100, "\(applied.count) applied, \(supersededCount) superseded: \(answers)")
        #expect(applied.last?.arguments == [.string(last)], "the newest input is applied last")
        #expect(server.status()["autocode_input"] == .string(last))
        // The three-minute file was read and measured once at most, however often it was asked for.
        let analyses = server.log.components(separatedBy: "autocode input \(long): read and measured").count - 1
        #expect(analyses <= 1, "\(analyses) analyses: \(server.log)")
    }

    @Test func quitActsPromptlyInTheMiddleOfAStormOfLoads() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inputs = try (0..<3).map { try LoadTestSounds.threeMinutes(in: directory, name: "long\($0).wav") }
        let server = try ServerProcess(["--null-output"])
        for n in 0..<30 {
            server.send("/autocode/input", [.string(inputs[n % 3])])
            server.send(n % 2 == 0 ? "/load" : "/load/decoder", [.string(n % 4 < 2 ? Binaries.fixtures + "/new-full-deep" : Binaries.bundledModel)])
            server.send("/load/granular")
            usleep(20_000)
        }
        let asked = Date()
        server.send("/quit")
        let status = server.waitForExit(timeout: 20)
        #expect(status == 0)
        #expect(Date().timeIntervalSince(asked) < 3, "/quit took \(Date().timeIntervalSince(asked)) s")
    }

    @Test func aNewModelRebuildsTheAutocodeVoiceWithoutReadingTheInputAgain() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = try LoadTestSounds.threeMinutes(in: directory)
        let server = try ServerProcess(["--null-output"])
        #expect(server.request("/autocode/input", [.string(long)], reply: "/autocode/input", timeout: 120)?.arguments == [.string(long)])
        server.send("/autocode", [.int(1)])

        // A new encoder: the range is learnt again, off the network thread.
        #expect(server.request("/load/encoder", [.string(Binaries.fixtures + "/new-full-deep")], reply: "/loaded") != nil)
        var others: [OSCMessage] = []
        let (reply, seconds) = server.timedStatus(others: &others)
        #expect(Self.field(reply, "autocode") == .int(1) && seconds < 0.5, "/status took \(seconds) s while the range was learnt again")
        func waitForLog(_ text: String, count: Int = 1) -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while server.log.components(separatedBy: text).count - 1 < count, Date() < deadline { usleep(100_000) }
            return server.log.components(separatedBy: text).count - 1 == count
        }
        #expect(waitForLog("autocode input \(long): measured through the new encoder"), "\(server.log)")
        // A new FFT size, then a new decoder: the sound and its range are reused.
        server.send("/fft", [.int(2048)])
        #expect(waitForLog("autocode input \(long): known: neither read nor measured again"), "\(server.log)")
        #expect(server.request("/load/decoder", [.string(Binaries.fixtures + "/new-full-deep")], reply: "/loaded") != nil)
        #expect(waitForLog("autocode input \(long): known: neither read nor measured again", count: 2), "\(server.log)")
        #expect(server.log.components(separatedBy: "autocode input \(long): read and measured").count - 1 == 1, "\(server.log)")
        let status = server.status()
        #expect(status["autocode"] == .int(1) && status["autocode_input"] == .string(long) && status["fft"] == .int(2048), "\(status)")
    }
}
