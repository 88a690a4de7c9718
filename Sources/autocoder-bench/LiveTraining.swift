// `autocoder-bench train`: training on stage. The bundled model's one-minute
// sound is analysed and trained by `autocoder analyze` + `autocoder train` on
// the otherwise idle machine, then by a server's `/train` while the server
// plays two generative voices through JACK's dummy backend at block 256 (a
// jackd of its own, real-time as jackd is by default, or `no-realtime`). The server's render callback load (`/status/load`: mean,
// p99, max) and its xruns are measured for 45 s before the training and over
// the whole training (about as long), and what jackd said of late cycles is shown; the two training times are compared. Each side trains a
// copy of the bundle in a scratch folder.

import AutocoderOSC
import Foundation

extension Bench {
    /// `threads`: `serve --training-threads` (nil: the server's default);
    /// `realtime`: jackd's own default, its threads and its clients' process
    /// threads at SCHED_FIFO (a performer's setup), or `--no-realtime` (a
    /// headless machine's).
    static func liveTraining(threads: Int?, realtime: Bool) throws {
        let binary = root + "/.build/release/autocoder"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("build first: swift build -c release") }
        let scratch = NSTemporaryDirectory() + "autocoder-bench-train-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let sound = try trainingSound(in: scratch)
        func bundle(_ name: String) throws -> String {
            let folder = scratch + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: sound, toPath: folder + "/drone.wav")
            for suffix in [".dec", ".enc", ".mm", ".minmax"] {
                try FileManager.default.copyItem(atPath: root + "/models/drone.wav" + suffix, toPath: folder + "/drone.wav" + suffix)
            }
            return folder + "/drone.wav"
        }

        // The command line, nothing else running.
        let offline = try bundle("offline")
        let started = Date()
        for arguments in [["analyze", offline], ["train", offline]] {
            guard try run(binary, arguments) == 0 else { throw BenchError("autocoder \(arguments[0]) failed") }
        }
        let offlineSeconds = Date().timeIntervalSince(started)

        // The server, playing, under JACK.
        let jack = try PrivateJack(name: "autocoder-bench-\(getpid())", block: 256, realtime: realtime, log: scratch + "/jackd.log")
        defer { jack.stop() }
        let client = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        let listen = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0)).port
        let address = try SocketAddress(host: "127.0.0.1", port: listen)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", String(client.port), String(listen), "--model", try bundle("playing")]
            + (threads.map { ["--training-threads", String($0)] } ?? [])
        server.environment = ProcessInfo.processInfo.environment.merging(["JACK_DEFAULT_SERVER": jack.name]) { $1 }
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        func send(_ message: OSCMessage) { _ = client.send(OSCCodec.encode(message), to: address) }
        func expect(_ reply: String, timeout: Double) -> OSCMessage? {
            let deadline = Date().addingTimeInterval(timeout)
            while deadline.timeIntervalSinceNow > 0 {
                guard let (bytes, _) = client.receive(timeout: min(1, deadline.timeIntervalSinceNow)) else { continue }
                if let message = (try? OSCCodec.decode(bytes))?.first(where: { $0.address == reply }) { return message }
            }
            return nil
        }
        func status() throws -> (output: String, xruns: Int) {
            send(OSCMessage("/status"))
            guard let reply = expect("/status", timeout: 5), case let .string(output) = reply.arguments[15] else { throw BenchError("no /status reply") }
            return (output, Int(reply.arguments[7].number ?? -1))
        }
        func load() throws -> (mean: Float, p99: Float, max: Float, calls: Int) {
            send(OSCMessage("/status/load", [.int(1)]))
            guard let reply = expect("/status/load", timeout: 5) else { throw BenchError("no /status/load reply") }
            let figures = reply.arguments.compactMap(\.number).map(Float.init)
            return (figures[0], figures[2], figures[3], Int(figures[4]))
        }
        var ready = false
        for _ in 0..<100 where !ready {
            send(OSCMessage("/sanity/check"))
            ready = expect("/sanity", timeout: 0.1) != nil
        }
        guard ready, try status().output == "jack" else { throw BenchError("the server did not start on JACK") }
        send(OSCMessage("/voice/new", [.int(2), .string("generative")]))
        guard expect("/voice/new", timeout: 10) != nil else { throw BenchError("no second voice") }
        Thread.sleep(forTimeInterval: 2)
        _ = try load()
        let xrunsBefore = try status().xruns
        Thread.sleep(forTimeInterval: 45)
        let quiet = try load()
        let xrunsQuiet = try status().xruns - xrunsBefore

        let stage = try bundle("stage")
        let trainStart = Date()
        send(OSCMessage("/train", [.string(stage)]))
        guard expect("/trained", timeout: 900) != nil else { throw BenchError("no /trained") }
        let stageSeconds = Date().timeIntervalSince(trainStart)
        let training = try load()
        let xrunsTraining = try status().xruns - xrunsBefore - xrunsQuiet

        func figures(_ load: (mean: Float, p99: Float, max: Float, calls: Int), _ xruns: Int) -> String {
            String(format: "mean %.2f%%, p99 %.1f%%, max %.0f%%, %d xr", load.mean, load.p99, load.max, xruns)
        }
        let jackSaid = jack.lateCycles()
        print(row("callback load, JACK 256 \(realtime ? "real-time" : "--no-realtime"), 2 voices: 45 s before", figures(quiet, xrunsQuiet), "—"))
        let using = threads.map { "\($0) thread\($0 == 1 ? "" : "s")" } ?? "default threads"
        print(row("the same, all through /train (\(using))", figures(training, xrunsTraining), "0 xruns"))
        print(row("p99 during /train − before", String(format: "%+.1f percentage points", training.p99 - quiet.p99), "≤ 2"))
        print(row("analyse + train 1 min: train idle / /train playing", String(format: "%.1f s / %.1f s: %.2f×", offlineSeconds, stageSeconds,
                                                                        stageSeconds / offlineSeconds), "≤ 1.5×"))
        for line in jackSaid { print("  jackd: " + line) }
    }

    /// The bundled model's training sound (models/make_source.py), made in `folder`.
    static func trainingSound(in folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/drone.wav"
        for python in [root + "/.venv-litert/bin/python", "/usr/bin/python3"] where FileManager.default.isExecutableFile(atPath: python) {
            if try run(python, [root + "/models/make_source.py", path]) == 0 { return path }
        }
        throw BenchError("models/make_source.py could not make the training sound (it needs numpy: scripts/test makes .venv-litert)")
    }

    /// Runs `executable arguments` to its end, quietly; returns its exit status.
    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A jackd of the bench's own, with the dummy backend (a real callback-driven device, no sound card).
struct PrivateJack {
    let name: String
    private let process = Process()

    let log: String

    init(name: String, block: Int, realtime: Bool, log: String) throws {
        self.name = name
        self.log = log
        process.executableURL = URL(fileURLWithPath: "/usr/bin/jackd")
        process.arguments = ["-n", name, realtime ? "--realtime" : "--no-realtime", "-d", "dummy", "-r", "44100", "-p", String(block)]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        guard process.isRunning else { throw Bench.BenchError("jackd did not start (install jackd2)") }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// What jackd logged of cycles that came late (xruns, delays).
    func lateCycles() -> [String] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.range(of: "xrun|delay|late|exceed", options: [.regularExpression, .caseInsensitive]) != nil }
    }
}
