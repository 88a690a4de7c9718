// SIGINT and SIGTERM as a terminal, systemd or `timeout` send them: to the
// whole process group (the binary runs in a group of its own), at any moment
// from the first instant the program can catch them until it is serving and
// recording, with the null output and on JACK. Every one must end `serve`
// with exit 0 and a playable recording, and make `train` keep its best model
// (a second one aborts, writing nothing).

import AudioTestSupport
import AutocoderAudio
import AutocoderModel
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct SignalTests {
    enum Output: String, CustomStringConvertible {
        case null, jack
        var arguments: [String] { self == .null ? ["--null-output"] : [] }
        var description: String { rawValue }
    }

    /// `autocoder serve` in its own process group, with a client to talk to it.
    final class Serve {
        let process: SpawnedProcess
        let client: UDPSocket
        let server: SocketAddress

        init(_ output: Output, directory: String) throws {
            client = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
            let port = try freePort()
            server = try SocketAddress(host: "127.0.0.1", port: port)
            process = try SpawnedProcess(try Binaries.release("autocoder"),
                                         ["serve", String(client.port), String(port), "--model", Binaries.bundledModel] + output.arguments,
                                         directory: directory)
        }

        /// Whether the process catches both signals yet (StopSignals.watch has run).
        var catchesSignals: Bool {
            let caught = SpawnedProcess.statusMask("SigCgt", path: "/proc/\(process.pid)/status") ?? 0
            return caught & SpawnedProcess.bit(SIGINT) != 0 && caught & SpawnedProcess.bit(SIGTERM) != 0
        }

        /// Polls until the signal handler is in place; false after `timeout`.
        func waitUntilCatching(timeout: Double = 10) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline, process.wait(timeout: 0) == nil {
                if catchesSignals { return true }
                usleep(200)
            }
            return false
        }

        func request(_ address: String, _ arguments: [OSCArgument] = [], reply: String, timeout: Double = 10) -> OSCMessage? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline, process.wait(timeout: 0) == nil {
                client.send(OSCCodec.encode(OSCMessage(address, arguments)), to: server)
                if let (bytes, _) = client.receive(timeout: 0.2), let message = try? OSCCodec.decode(bytes).first,
                   message.address == reply || message.address == "/error" {
                    return message
                }
            }
            return nil
        }
    }

    static let startupDelays = [0, 0.002, 0.01, 0.05, 0.15, 0.4, 0.8, 1.5]
    static let recordingDelays = [0, 0.3, 1.0]

    func signalsAtEveryMoment(_ output: Output) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // From the first instant the program catches them, through start-up (no server yet).
        for (run, delay) in Self.startupDelays.enumerated() {
            let signal = run % 2 == 0 ? SIGINT : SIGTERM
            let serve = try Serve(output, directory: directory)
            #expect(serve.waitUntilCatching(), "\(output): the signals are not caught (\(serve.process.errors))")
            if delay > 0 { usleep(UInt32(delay * 1e6)) }
            serve.process.signalGroup(signal)
            let ending = serve.process.wait(timeout: 20)
            #expect(ending == .exited(0), "\(output), signal \(signal) \(delay) s after start: \(ending?.description ?? "still running") — \(serve.process.errors)")
            #expect(serve.process.output.contains("autocoder: stopped") || delay < 0.5, "\(serve.process.output)")
        }
        // While recording.
        for (run, delay) in Self.recordingDelays.enumerated() {
            let signal = run % 2 == 0 ? SIGTERM : SIGINT
            let serve = try Serve(output, directory: directory)
            let path = directory + "/take-\(output)-\(run).wav"
            let started = serve.request("/record/start", [.string(path)], reply: "/record/started")
            #expect(started?.address == "/record/started", "\(started.map { "\($0)" } ?? "no reply") — \(serve.process.errors)")
            if delay > 0 { usleep(UInt32(delay * 1e6)) }
            serve.process.signalGroup(signal)
            let ending = serve.process.wait(timeout: 20)
            #expect(ending == .exited(0), "\(output), signal \(signal) \(delay) s into a recording: \(ending?.description ?? "still running") — \(serve.process.errors)")
            #expect(serve.process.output.contains("recording finished: \(path)"), "\(serve.process.output)")
            let take = try SoundFile(contentsOf: path)
            #expect(take.channels == 2 && take.warning == nil)
            #expect(Double(take.frames) / 44100 >= delay * 0.5, "\(take.frames) frames after \(delay) s")
        }
    }

    @Test func signalsAtEveryMomentStopServeCleanlyWithTheNullOutput() throws {
        try signalsAtEveryMoment(.null)
    }

    @Test(.enabled(if: JACK.isRunning, "needs a JACK server (scripts/test starts jackd -d dummy)"))
    func signalsAtEveryMomentStopServeCleanlyOnJACK() throws {
        try signalsAtEveryMoment(.jack)
    }

    /// What the design guarantees: the process catches both signals (so a
    /// thread that does not block them, like OpenBLAS's, started before main,
    /// runs the handler instead of dying), and every thread the program starts
    /// after installing it blocks them; only the watcher takes them.
    func threadsBlockTheSignals(_ output: Output) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let serve = try Serve(output, directory: directory)
        #expect(serve.request("/record/start", [.string(directory + "/threads.wav")], reply: "/record/started")?.address == "/record/started")
        usleep(300_000)
        #expect(serve.catchesSignals)
        let tasks = "/proc/\(serve.process.pid)/task"
        let threads = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap(Int32.init).sorted()
        let names = Dictionary(uniqueKeysWithValues: threads.map { tid in
            (tid, ((try? String(contentsOfFile: "\(tasks)/\(tid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        })
        let watchers = threads.filter { names[$0] == "stop-signals" }
        #expect(watchers.count == 1, "threads: \(names)")
        let both = SpawnedProcess.bit(SIGINT) | SpawnedProcess.bit(SIGTERM)
        func blocks(_ tid: Int32) -> Bool { (SpawnedProcess.statusMask("SigBlk", path: "\(tasks)/\(tid)/status") ?? 0) & both == both }
        #expect(blocks(serve.process.pid), "the main thread blocks both")
        if let watcher = watchers.first {
            let later = threads.filter { $0 > watcher }
            #expect(later.count >= 2, "the render and recorder threads at least: \(names)")
            for tid in later {
                #expect(blocks(tid), "thread \(tid) '\(names[tid] ?? "")', started by the program, does not block SIGINT and SIGTERM")
            }
        }
        serve.process.signalGroup(SIGTERM)
        #expect(serve.process.wait(timeout: 20) == .exited(0))
    }

    @Test func threadsBlockTheSignalsWithTheNullOutput() throws { try threadsBlockTheSignals(.null) }

    @Test(.enabled(if: JACK.isRunning, "needs a JACK server (scripts/test starts jackd -d dummy)"))
    func threadsBlockTheSignalsOnJACK() throws { try threadsBlockTheSignals(.jack) }

    /// A training set of the alarm recording in a fresh folder; returns its anchor.
    func analysedAlarm(in directory: String) throws -> String {
        let sound = directory + "/alarm.oga"
        try FileManager.default.copyItem(atPath: Binaries.root + "/Tests/Fixtures/sounds/alarm-clock-elapsed.oga", toPath: sound)
        #expect(try Binaries.runAutocoder(["analyze", sound]).status == 0)
        return sound
    }

    func waitForOutput(_ process: SpawnedProcess, containing text: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.wait(timeout: 0) == nil {
            if process.output.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalDuringTrainingWritesTheBestModelAndExitsZero(signal: Int32) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sound = try analysedAlarm(in: directory)
        let train = try SpawnedProcess(try Binaries.release("autocoder"), ["train", sound, "--epochs", "100000", "--patience", "100000"])
        #expect(waitForOutput(train, containing: "epoch 25 "), "\(train.output) \(train.errors)")
        train.signalGroup(signal)
        let ending = train.wait(timeout: 60)
        #expect(ending == .exited(0), "\(ending?.description ?? "still running"): \(train.errors)")
        #expect(train.output.contains("(stopped by request)"), "\(train.output)")
        let name = signal == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM"
        #expect(train.output.contains("\(name): stopped after epoch"), "\(train.output)")
        #expect(train.output.contains("wrote \(sound).mm, .dec, .enc (the best model, epoch"), "\(train.output)")
        let bundle = try ModelBundle(anchor: sound, parts: [.decoder, .encoder])
        #expect(bundle.metadata.encodedDim == 8 && bundle.metadata.scaleMult.allSatisfy { $0 > 0 })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".partial") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func aSecondSignalAbortsTrainingWithoutWriting() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sound = try analysedAlarm(in: directory)
        // Deep, one frame per step: an epoch lasts long enough for the second signal to land in it.
        let train = try SpawnedProcess(try Binaries.release("autocoder"), ["train", sound, "--deep", "--batch-size", "1", "--epochs", "100000"])
        #expect(waitForOutput(train, containing: "training deep VAE"), "\(train.output) \(train.errors)")
        usleep(200_000)
        train.signalGroup(SIGINT)
        usleep(20_000)
        train.signalGroup(SIGINT)
        let ending = train.wait(timeout: 60)
        #expect(ending != nil && ending != .exited(0), "\(ending?.description ?? "still running")")
        #expect(train.errors.contains("SIGINT (Ctrl-C) again: training aborted, no model written"), "\(train.errors)")
        let written = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".dec") || $0.hasSuffix(".enc") || $0.hasSuffix(".mm") || $0.contains(".partial") }
        #expect(written.isEmpty, "\(written)")
    }
}
