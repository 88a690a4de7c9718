// How the engine scales with voices: the render callback's load at block 256
// (4096/512, the full-size shallow model) against the number of generative
// voices, each at its own walking latent point, all decoded together; and a
// real `autocoder serve` process (null output) with 64 voices, its CPU use as
// the system counts it (/proc/PID/stat, every thread of the process).

import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import Foundation
import Histogram

extension Bench {
    static func voiceScaling(model: String) throws {
        let bundle = try ModelBundle(anchor: model, parts: [.decoder])
        for count in [1, 8, 32, 64, 128, 256] {
            let first = try LoadedModel(bundle: bundle)
            let engine = SynthesisEngine(model: first, shape: .standard, sampleRate: 44100,
                                         channels: 2, walking: true, tapSeconds: 1, maxVoices: 256)
            // A first block tells the engine the device's block size, as a live server's would.
            let block = UnsafeMutablePointer<Float>.allocate(capacity: 256 * 2)
            engine.render(block, frames: 256)
            block.deallocate()
            for id in 2..<(count + 1) {
                try engine.addGenerativeVoice(id: id, model: try LoadedModel(bundle: bundle), out: 1 + id % 2)
                engine.send(.latent(LatentVector((0..<8).map { Float((id * 37 + $0 * 11) % 100) / 100 })), to: id)
            }
            let load = callbackLoad(engine, block: 256, seconds: count > 32 ? 4 : 10)
            print(row("render callback load, block 256, \(count) generative voice\(count == 1 ? "" : "s")",
                      String(format: "%.1f%% mean, p99 %.1f%%, max %.1f%%", load.mean, load.p99, load.max),
                      count == 64 ? "< 50% (64 voices)" : "—"))
        }
        if let cpu = try serverCPU(model: model, voices: 64) {
            print(row("autocoder serve, 64 voices, process CPU (system's count)", String(format: "%.0f%% of one core", cpu * 100), "< 50%"))
        }
    }

    /// Share of one core a null-output server with `voices` generative voices uses over 5 s.
    static func serverCPU(model: String, voices: Int) throws -> Double? {
        let binary = root + "/.build/release/autocoder"
        guard FileManager.default.isExecutableFile(atPath: binary) else { return nil }
        let client = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        let listen = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0)).port
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", String(client.port), String(listen), "--model", model, "--null-output"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        let server = try SocketAddress(host: "127.0.0.1", port: listen)
        func request(_ message: OSCMessage, reply: String) -> Bool {
            client.send(OSCCodec.encode(message), to: server)
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, let (bytes, _) = client.receive(timeout: 0.2) {
                if ((try? OSCCodec.decode(bytes)) ?? []).contains(where: { $0.address == reply }) { return true }
            }
            return false
        }
        var ready = false
        for _ in 0..<50 where !ready { ready = request(OSCMessage("/sanity/check"), reply: "/sanity") }
        guard ready else { return nil }
        for id in 2...voices {
            guard request(OSCMessage("/voice/new", [.int(Int32(id)), .string("generative")]), reply: "/voice/new") else { return nil }
        }
        Thread.sleep(forTimeInterval: 1)
        let before = processCPUSeconds(process.processIdentifier), start = Date()
        Thread.sleep(forTimeInterval: 5)
        let after = processCPUSeconds(process.processIdentifier)
        return (after - before) / Date().timeIntervalSince(start)
    }

    /// User + system CPU seconds of every thread of process `pid`.
    static func processCPUSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state (3), …, utime (14), stime (15); fields here start at state.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
