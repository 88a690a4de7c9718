// /train as a performer uses it: a sound trained while the server plays, its
// progress about once a second at a second registered client, a second
// /train refused naming the first, /train/stop keeping the best weights,
// `play` swapping the new model into voice 1 with no gap in a recording, the
// training child at SCHED_IDLE, a server killed mid-training (and a training
// that crashes) leaving the previous bundle as it was (and no training behind
// it), and bad requests refused with their reasons.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct TrainServerTests {
    /// A folder with the first `seconds` of the bundled model's training
    /// sound as SOUND (no model beside it), and, with `model`, the bundled
    /// model's files beside it as SOUND's bundle.
    static func folder(sound name: String, seconds: Double, model: Bool = false) throws -> (directory: String, sound: String) {
        let directory = temporaryDirectory()
        let sound = directory + "/" + name
        let samples = try AudioLoader.loadMono(try DroneSound.path(), sampleRate: 44100)
        try TestSoundFiles.writeFloatWAV(Array(samples.prefix(Int(seconds * 44100))), to: sound)
        if model { _ = try scratchModel(in: directory, named: name) }
        return (directory, sound)
    }

    /// Messages a second client hears, each with when it came.
    final class Watcher {
        let socket: UDPSocket
        let server: SocketAddress

        init(_ server: ServerProcess) throws {
            socket = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
            self.server = try SocketAddress(host: "127.0.0.1", port: server.listenPort)
            socket.send(OSCCodec.encode(OSCMessage("/notify", [.int(1)])), to: self.server)
            _ = take(until: "/done", timeout: 5)
        }

        /// Everything until a message at `address` (included) or the timeout.
        func take(until address: String, timeout: Double) -> [(time: Date, message: OSCMessage)] {
            var heard: [(Date, OSCMessage)] = []
            let deadline = Date().addingTimeInterval(timeout)
            while deadline.timeIntervalSinceNow > 0 {
                guard let (bytes, _) = socket.receive(timeout: deadline.timeIntervalSinceNow), let messages = try? OSCCodec.decode(bytes) else { continue }
                for message in messages {
                    heard.append((Date(), message))
                    if message.address == address { return heard }
                }
            }
            return heard
        }
    }

    static func files(of anchor: String) -> [String: Data] {
        Dictionary(uniqueKeysWithValues: [".dec", ".enc", ".mm"].compactMap { suffix in
            FileManager.default.contents(atPath: anchor + suffix).map { (suffix, $0) }
        })
    }

    @Test func progressReachesASecondClientAndStopKeepsTheBestWeights() throws {
        let (directory, sound) = try Self.folder(sound: "take.wav", seconds: 20)
        let server = try ServerProcess(["--null-output", "--root", directory])
        let watcher = try Watcher(server)
        #expect(server.request("/train", [.string("take.wav"), .string("epochs"), .int(5000), .string("patience"), .int(5000)],
                               reply: "/train")?.arguments == [.string(sound)])
        let heard = watcher.take(until: "never", timeout: 4.5)
        #expect(heard.first?.message.address == "/train", "the news of it: \(heard.map(\.message.address))")
        let progress = heard.filter { $0.message.address == "/train/progress" }
        let gaps = zip(progress, progress.dropFirst()).map { $1.time.timeIntervalSince($0.time) }
        let epochs = progress.compactMap { $0.message.arguments.first?.int }
        print("train/progress at a second client: \(progress.count) in 4.5 s, gaps \(gaps.map { String(format: "%.2f", $0) }), epochs \(epochs)")
        #expect(progress.count >= 3 && gaps.allSatisfy { (0.8...1.3).contains($0) })
        #expect(epochs == epochs.sorted() && Set(epochs).count == epochs.count)
        if let last = progress.last?.message.arguments {
            #expect(last[1] == .int(5000))
            #expect((last[2].float ?? 0) > 0 && (last[3].float ?? 0) > 0, "loss and seconds left: \(last)")
        }

        // One at a time.
        let refusal = server.expectError("/train", [.string("take.wav")])
        #expect(refusal.hasPrefix("a training is running: \(sound) (epoch "), "\(refusal)")

        // The child and its threads run below the audio.
        let policies = try Self.schedulingPolicies(ofChildrenOf: server.process.processIdentifier)
        #expect(!policies.isEmpty && policies.allSatisfy { $0 == "IDL" }, "\(policies)")

        server.send("/train/stop")
        let end = watcher.take(until: "/trained", timeout: 10)
        #expect(end.last?.message.arguments == [.string(sound)], "\(end.map(\.message))")
        #expect(server.expect("/trained", timeout: 10)?.arguments == [.string(sound)])
        #expect(server.expect("/done")?.arguments == [.string("/train")])
        // The best weights so far, written whole and loadable, with their history and picture.
        for suffix in [".npy", ".minmax", ".mm", ".dec", ".enc", ".training.json", ".report.png"] {
            #expect(FileManager.default.fileExists(atPath: sound + suffix), "\(suffix)")
        }
        let log = server.log
        #expect(log.contains("(stopped by request)") && log.contains("the best model, epoch"), "\(log)")
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sound + ".report.png")))
        func big(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && big(16) >= 1000 && big(20) >= 700, "a PNG of 1000 × 700 or more")
        #expect(server.request("/load", [.string("take.wav")], reply: "/loaded")?.arguments == [.string(sound)])
        #expect(server.expectError("/train/stop") == "no training is running")
    }

    @Test func playSwapsTheNewModelInWithNoGapInARecording() throws {
        let (directory, sound) = try Self.folder(sound: "short.wav", seconds: 8)
        let server = try ServerProcess(["--null-output", "--root", directory])
        _ = server.request("/record/start", [.string("set.wav")], reply: "/record/started")
        usleep(500_000)
        _ = server.request("/train", [.string("short.wav"), .string("epochs"), .float(40), .string("play")], reply: "/train")
        #expect(server.expect("/trained", timeout: 60)?.arguments == [.string(sound)])
        #expect(server.expect("/loaded", timeout: 20)?.arguments == [.string(sound)])
        usleep(700_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        #expect(server.status()["model"] == .string(sound))

        // What was played, in 10 ms windows: never a gap, through the swap.
        let take = try SoundFile(contentsOf: directory + "/set.wav").channel(0)
        let levels = stride(from: 0, to: take.count - 441, by: 441).map { rms(take[$0..<$0 + 441]) }
        let quietest = levels.dropFirst(5).min() ?? 0
        print("train … play: take of \(String(format: "%.1f", Double(take.count) / 44100)) s, quietest 10 ms \(String(format: "%.1f", decibels(quietest))) dBFS, median \(String(format: "%.1f", decibels(levels.sorted()[levels.count / 2]))) dBFS")
        #expect(quietest > 0.001, "a gap in the take")
    }

    @Test func aServerKilledWhileTrainingLeavesThePreviousBundleAsItWas() throws {
        let (directory, sound) = try Self.folder(sound: "drone.wav", seconds: 30, model: true)
        let before = Self.files(of: sound)
        #expect(before.count == 3)
        for signal in [SIGKILL, SIGTERM] {
            let server = try ServerProcess(["--null-output", "--root", directory])
            _ = server.request("/train", [.string("drone.wav"), .string("epochs"), .int(5000)], reply: "/train")
            _ = server.expect("/train/progress", timeout: 20)
            let children = try Self.children(of: server.process.processIdentifier)
            #expect(children.count == 1, "the training child: \(children)")
            kill(server.process.processIdentifier, signal)
            _ = server.waitForExit()
            // The child goes with it (killed, or stopping at its next epoch), writing nothing.
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, children.contains(where: { kill($0, 0) == 0 }) { usleep(50_000) }
            #expect(!children.contains { kill($0, 0) == 0 }, "a training outlived the server (signal \(signal))")
            #expect(Self.files(of: sound) == before, "the bundle changed (signal \(signal))")
        }
        // The training itself crashing (killed): the server says so, plays on, and the bundle stands.
        let server = try ServerProcess(["--null-output", "--root", directory])
        _ = server.request("/train", [.string("drone.wav"), .string("epochs"), .int(5000)], reply: "/train")
        _ = server.expect("/train/progress", timeout: 20)
        for child in try Self.children(of: server.process.processIdentifier) { kill(child, SIGKILL) }
        let error = server.expect("/error", timeout: 10)
        #expect(error?.arguments.first == .string("/train"))
        if case let .string(reason)? = error?.arguments.last { #expect(reason.hasPrefix("training on \(sound): ended by signal 9"), "\(reason)") }
        #expect(Self.files(of: sound) == before, "the bundle changed when the training crashed")
        #expect(server.status()["playing"] == .int(1))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func badRequestsAreRefusedWithTheirReasons() throws {
        let (directory, _) = try Self.folder(sound: "take.wav", seconds: 2)
        try Data("not a sound".utf8).write(to: URL(fileURLWithPath: directory + "/notes.wav"))
        let server = try ServerProcess(["--null-output", "--root", directory])
        #expect(server.expectError("/train", [.string("missing.wav")]) == "\(directory)/missing.wav: no such sound file")
        #expect(server.expectError("/train", [.string("take.wav"), .string("fast")])
            == "unknown option fast: expected deep, published, play, epochs N or patience N")
        #expect(server.expectError("/train", [.string("take.wav"), .string("epochs")]) == "epochs needs a number after it")
        #expect(server.expectError("/train", [.string("take.wav"), .string("epochs"), .int(0)]) == "epochs takes a whole number from 1 to 1000000, not 0")
        #expect(server.expectError("/train", [.string("take.wav"), .string("patience"), .float(2.5)]) == "patience takes a whole number from 1 to 1000000, not 2.5")
        #expect(server.expectError("/train", [.string("../outside.wav")]).contains("outside"))
        #expect(server.expectError("/train/stop") == "no training is running")
        // A file that is no sound: the analysis says why, and the server plays on.
        _ = server.request("/train", [.string("notes.wav")], reply: "/train")
        let error = server.expect("/error", timeout: 20)
        #expect(error?.arguments.first == .string("/train"))
        if case let .string(reason)? = error?.arguments.last {
            #expect(reason.hasPrefix("analysing \(directory)/notes.wav: exited with status") && reason.contains("notes.wav"), "\(reason)")
        }
        #expect(server.status()["playing"] == .int(1))
    }

    /// PIDs of the processes whose parent is `pid`.
    static func children(of pid: pid_t) throws -> [pid_t] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }.filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }

    /// `ps`'s scheduling class (TS, IDL, FF …) of every thread of every child of `pid`.
    static func schedulingPolicies(ofChildrenOf pid: pid_t) throws -> [String] {
        try children(of: pid).flatMap { child -> [String] in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/ps")
            process.arguments = ["-L", "-o", "cls=", "-p", String(child)]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }
}
