// Several clients flood the server with control messages while it plays and
// records (bounded: 4 × 3000 datagrams, loopback only), among them address
// patterns and timed bundles. The server must stay
// responsive, the latest value must win, the recording must have no dropouts,
// and /status must count what it received and rejected honestly.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct FloodTests {
    /// Datagrams the kernel dropped for the UDP socket bound to `port` (/proc/net/udp).
    static func kernelDrops(port: Int) throws -> Int {
        let table = try String(contentsOfFile: "/proc/net/udp", encoding: .utf8)
        let hex = String(format: ":%04X ", port)
        for line in table.split(separator: "\n") where line.contains(hex) {
            let fields = line.split(separator: " ")
            if fields.count > 1, fields[1].hasSuffix(hex.dropLast()) { return Int(fields.last!) ?? 0 }
        }
        return 0
    }

    @Test func floodFromSeveralClients() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--no-walk"])
        let port = Int(server.serverAddress.description.split(separator: ":").last!)!
        _ = server.request("/record/start", [.string(directory + "/flood.wav")], reply: "/record/started")
        let baseline = server.status()   // counts itself
        let receivedBefore = baseline["received"]?.int ?? 0, rejectedBefore = baseline["rejected"]?.int ?? 0
        let clients = 4, perClient = 3000
        let invalidEvery = 10   // every tenth message is refused (gain out of range)
        let started = Date()
        let address = server.serverAddress
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            let socket = try! UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
            var random = SystemRandomNumberGenerator()
            for n in 0..<perClient {
                let message: OSCMessage
                switch n % invalidEvery {
                case 0: message = OSCMessage("/gain", [.float(9)])
                case 1, 2: message = OSCMessage("/gain", [.float(Float.random(in: 0.5...1, using: &random))])
                case 3: message = OSCMessage("/latent/{\(client + 1),\(client + 5)}", [.float(Float.random(in: 0...1, using: &random))])
                case 4:
                    // Two messages, 20 ms ahead, on other dimensions than the one checked below
                    // (2400 timed commands in all: within the engine's 4096, so none is refused).
                    let bundle = OSCCodec.encodeBundle(time: OSCTimeTag(unixTime: Date().timeIntervalSince1970 + 0.02), elements: [
                        .message(OSCMessage("/gain", [.float(Float.random(in: 0.5...1, using: &random))])),
                        .message(OSCMessage("/latent/\(client + 5)", [.float(Float.random(in: 0...1, using: &random))])),
                    ])
                    socket.send(bundle, to: address)
                    continue
                default: message = OSCMessage("/latent/\(client + 1)", [.float(Float.random(in: 0...1, using: &random))])
                }
                socket.send(OSCCodec.encode(message), to: address)
            }
        }
        let sendSeconds = Date().timeIntervalSince(started)
        // Still responsive: /sanity answers promptly after the burst. It is asked again every
        // 0.1 s: while the socket's buffer is full the kernel drops datagrams before the server sees them.
        let asked = Date()
        var sanities = 0, answered = false
        while !answered, Date().timeIntervalSince(asked) < 5 {
            server.send("/sanity/check")
            sanities += 1
            let wait = Date().addingTimeInterval(0.1)
            while !answered, let reply = server.receive(timeout: wait.timeIntervalSinceNow) { answered = reply.address == "/sanity" }
        }
        #expect(answered && Date().timeIntervalSince(asked) < 2, "answered after \(Date().timeIntervalSince(asked)) s")
        // The latest value wins.
        server.send("/glide", [.float(0)])
        server.send("/latent/2", [.float(0.125)])
        usleep(300_000)
        let status = server.status()
        let latent = try #require(server.expect("/status/latent")).arguments.compactMap(\.float)
        #expect(abs(latent[1] - 0.125) < 1e-4, "the last /latent/2 wins: \(latent[1])")

        // Honest counts: what arrived was counted, and every refusal among it.
        let sent = clients * perClient
        // Each bundle holds two messages.
        let messages = sent + clients * perClient / invalidEvery
        let drops = try Self.kernelDrops(port: port)
        let received = (status["received"]?.int ?? 0) - receivedBefore
        let rejected = (status["rejected"]?.int ?? 0) - rejectedBefore
        // Besides the flood since the baseline: /glide, /latent/2, the /sanity/checks and this /status.
        let others = 3 + sanities
        if drops == 0 {
            #expect(received - others == messages, "received \(received), sent \(messages) messages in \(sent) datagrams")
        } else {
            #expect(received - others < messages && received - others + 2 * drops >= messages, "received \(received), kernel drops \(drops), sent \(messages)")
        }
        if drops == 0 { #expect(rejected == sent / invalidEvery) } else { #expect(rejected <= sent / invalidEvery) }
        #expect(status["dropped_commands"] == .int(0))
        let logged = server.log.components(separatedBy: "rejected /gain").count - 1
        #expect(logged <= 40, "\(logged) rejections logged: the log is rate-limited so it cannot stall the server")

        usleep(500_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: directory + "/flood.wav").channel(0)
        #expect(take.count > 44100 / 2)
        // No dropouts: no run of 32 exact zeros, and no step larger than the music makes.
        var zeros = 0, longest = 0
        for x in take { zeros = x == 0 ? zeros + 1 : 0; longest = max(longest, zeros) }
        #expect(longest < 32, "a run of \(longest) zero samples")
        let steps = zip(take.dropFirst(), take).map { abs($0 - $1) }
        #expect(steps.max()! < 0.25, "largest step \(steps.max()!)")
        print("flood: \(sent) messages from \(clients) clients in \(String(format: "%.2f", sendSeconds)) s; received \(received), kernel drops \(drops), rejected \(rejected)")
    }
}
