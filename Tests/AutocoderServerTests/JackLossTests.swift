// When JACK goes away under the server (issue 13, item 10): the loss is
// noticed, logged, reported in /status ("lost") and to the client, the null
// output renders instead so the recording and OSC go on, and the server is
// back on JACK once JACK returns. Each test kills its own JACK server
// (PrivateJackServer), never the shared one. Part of the JackOutputTests suite.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

extension JackOutputTests {
    /// Polls /status until `output` is `expected`; returns that status and the
    /// /error and /output notifications that came meanwhile, or nil after `timeout` seconds.
    func waitForOutput(_ server: ServerProcess, _ expected: String, timeout: Double) -> (status: [String: OSCArgument], notices: [OSCMessage])? {
        let names = ["output": 15, "recorded_frames": 12]
        var notices: [OSCMessage] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            server.send("/status")
            while let message = server.receive(timeout: 0.5) {
                if message.address == "/error" || message.address == "/output" { notices.append(message) }
                guard message.address == "/status", message.arguments.count > 15 else { continue }
                if message.arguments[15] == .string(expected) {
                    return (names.mapValues { message.arguments[$0] }, notices)
                }
                break
            }
            usleep(100_000)
        }
        return nil
    }

    /// Records while `interrupt` takes JACK away (and `resume` brings it back);
    /// checks every step and the take.
    func recordThroughLoss(_ jackName: String, interrupt: (PrivateJackServer) -> Void, resume: (PrivateJackServer) throws -> Void,
                           expectedReason: String) throws {
        let jack = try PrivateJackServer(jackName)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = "loss"
        let server = try ServerProcess(["--jack-name", name], environment: jack.environment)
        #expect(server.status()["output"] == .string("jack"))
        let path = directory + "/through.wav"
        _ = server.request("/record/start", [.string(path)], reply: "/record/started")
        let started = Date()
        usleep(1_000_000)

        interrupt(jack)
        let lost = waitForOutput(server, "lost", timeout: 10)
        #expect(lost != nil, "the loss is noticed")
        let error = lost?.notices.first { $0.address == "/error" } ?? server.expect("/error", timeout: 2)
        #expect(error?.arguments.first == .string("/output"))
        if case let .string(reason) = error?.arguments.last {
            #expect(reason.contains(expectedReason) && reason.contains("null output"), "\(reason)")
        }
        #expect(server.log.split(separator: "\n").contains { $0.contains("error autocoder") && $0.contains("audio: ") && $0.contains(expectedReason) },
                "\(server.log)")
        // The null output renders meanwhile: the take grows at the pace of the clock; OSC answers.
        let framesWhileLost = lost?.status["recorded_frames"]?.int ?? 0
        usleep(1_000_000)
        let later = server.status()
        #expect(later["output"] == .string("lost"))
        let grown = (later["recorded_frames"]?.int ?? 0) - framesWhileLost
        #expect(grown > 22050 && grown < 88200, "\(grown) frames in a second while JACK is away")

        try resume(jack)
        let back = waitForOutput(server, "jack", timeout: 15)
        #expect(back != nil, "back on JACK")
        let restored = back?.notices.first { $0.address == "/output" } ?? server.expect("/output", timeout: 2)
        #expect(restored?.arguments.first == .string("jack"))
        if case let .string(description) = restored?.arguments.last { #expect(description.hasPrefix("JACK: \(name) on server"), "\(description)") }
        #expect(jack.ports.contains("\(name):out_0") && jack.ports.contains("\(name):out_1"), "\(jack.ports)")
        #expect(jack.run("jack_lsp", ["-c", "\(name):out_0"]).output.contains("system:playback_1"), "connected again")
        let framesBack = back?.status["recorded_frames"]?.int ?? 0
        usleep(1_000_000)
        let afterReturn = server.status()
        #expect((afterReturn["recorded_frames"]?.int ?? 0) - framesBack > 22050, "JACK's callbacks drive the take again")

        let stopped = server.request("/record/stop", reply: "/record/stopped")
        let wallSeconds = Date().timeIntervalSince(started)
        let take = try SoundFile(contentsOf: path)
        #expect(take.frames == stopped?.arguments.last?.int, "the take is whole and playable")
        // Nothing is rendered between the loss and its detection: that time is missing from the take (the
        // documented gap); whatever was rendered is in it, without holes.
        let gap = wallSeconds - Double(take.frames) / 44100
        print("JACK loss (\(expectedReason)): take \(String(format: "%.2f", Double(take.frames) / 44100)) s of "
              + "\(String(format: "%.2f", wallSeconds)) s, gap \(String(format: "%.2f", gap)) s")
        #expect(gap < 5, "gap \(gap) s")
        let left = take.channel(0)
        let silentWindows = stride(from: 0, to: take.frames - 4410, by: 4410).filter { rms(left[$0..<$0 + 4410]) <= 0.001 }
        #expect(silentWindows.isEmpty, "silent 100 ms windows at frames \(silentWindows)")
        #expect(take.samples.allSatisfy { $0.isFinite })

        server.send("/quit")
        #expect(server.waitForExit() == 0)
    }

    @Test func aKilledJackServerFallsBackToTheNullOutputAndIsRejoined() throws {
        try recordThroughLoss("killed", interrupt: { $0.stop(signal: SIGKILL) }, resume: { try $0.start() },
                              expectedReason: "shut the client")
    }

    @Test func aStalledJackServerIsCaughtByTheWatchdog() throws {
        // A stopped jackd never calls back and never says so: only the rendered-frames watchdog sees it.
        var stoppedPid: pid_t = 0
        try recordThroughLoss("stalled", interrupt: { jack in
            stoppedPid = jack.pid
            kill(stoppedPid, SIGSTOP)
        }, resume: { _ in
            kill(stoppedPid, SIGCONT)
        }, expectedReason: "no audio callback for 2 s")
    }
}
