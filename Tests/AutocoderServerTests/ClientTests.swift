// Several clients at once, as scsynth serves them: a client that sent
// /notify 1 hears the news another client's requests make (/record/stopped,
// /voice/new, /voice/freed, /loaded) and a /status every /notify/interval,
// and stops hearing after /notify 0; a Pd-style client that listens on
// another port than it sends from names that port. /sync answers after the
// /loaded of a load sent before it, /done follows slow commands, /version answers.

import AudioTestSupport
import AutocoderOSC
import Foundation
import Testing

/// A second OSC client on its own socket.
private final class Listener {
    let socket: UDPSocket
    let server: SocketAddress

    init(server port: Int) throws {
        socket = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        server = try SocketAddress(host: "127.0.0.1", port: port)
    }

    func send(_ address: String, _ arguments: [OSCArgument] = [], from other: UDPSocket? = nil) {
        (other ?? socket).send(OSCCodec.encode(OSCMessage(address, arguments)), to: server)
    }

    /// Every message arriving within `seconds`.
    func collect(for seconds: Double, on other: UDPSocket? = nil) -> [OSCMessage] {
        var messages: [OSCMessage] = []
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            if let (bytes, _) = (other ?? socket).receive(timeout: deadline.timeIntervalSinceNow), let decoded = try? OSCCodec.decode(bytes) {
                messages += decoded
            }
        }
        return messages
    }

    /// The first message at `address` within `timeout`.
    func expect(_ address: String, timeout: Double = 5, on other: UDPSocket? = nil) -> OSCMessage? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            if let (bytes, _) = (other ?? socket).receive(timeout: deadline.timeIntervalSinceNow),
               let message = (try? OSCCodec.decode(bytes))?.first(where: { $0.address == address }) {
                return message
            }
        }
        return nil
    }
}

@Suite struct ClientTests {
    @Test func aRegisteredClientHearsWhatAnotherDoesUntilItLeaves() throws {
        let directory = temporaryDirectory()
        let server = try ServerProcess(["--null-output", "--root", directory])
        let watcher = try Listener(server: server.listenPort)
        watcher.send("/notify", [.int(1)])
        #expect(watcher.expect("/done")?.arguments == [.string("/notify")])

        _ = server.request("/record/start", [.string("take.wav")], reply: "/record/started")
        #expect(server.expect("/done")?.arguments == [.string("/record/start")])
        #expect(watcher.expect("/record/started")?.arguments == [.string(directory + "/take.wav")])
        usleep(200_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let stopped = watcher.expect("/record/stopped")
        #expect(stopped?.arguments.first == .string(directory + "/take.wav"))
        #expect((stopped?.arguments.last?.int ?? 0) > 0)

        _ = server.request("/voice/new", [.int(2), .string("generative")], reply: "/voice/new")
        #expect(watcher.expect("/voice/new")?.arguments == [.int(2), .string("generative")])
        server.send("/voice/2/free")
        #expect(server.expect("/voice/freed")?.arguments == [.int(2)])
        #expect(watcher.expect("/voice/freed")?.arguments == [.int(2)])

        // Its own errors go to it alone; the other client's errors never reach it.
        #expect(server.expectError("/gain", [.float(9)]).contains("expected 0.0 to 4.0"))
        watcher.send("/gain", [.float(9)])
        #expect(watcher.expect("/error")?.arguments.first == .string("/gain"))

        watcher.send("/notify", [.int(0)])
        #expect(watcher.expect("/done")?.arguments == [.string("/notify")])
        _ = server.request("/record/start", [.string("second.wav")], reply: "/record/started")
        _ = server.request("/record/stop", reply: "/record/stopped")
        let after = watcher.collect(for: 0.5).map(\.address)
        #expect(!after.contains("/record/started") && !after.contains("/record/stopped"), "\(after)")
    }

    @Test func aClientListeningOnAnotherPortNamesItAndGetsItsRepliesThere() throws {
        let server = try ServerProcess()
        let client = try Listener(server: server.listenPort)
        let inbox = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        // Like Pd: [netsend] sends from one port, [netreceive] listens on another.
        client.send("/notify", [.int(1), .int(Int32(inbox.port))])
        #expect(client.expect("/done", on: inbox)?.arguments == [.string("/notify")])
        client.send("/version")
        let version = client.expect("/version.reply", on: inbox)
        #expect(version?.arguments.first == .string("autocoder"))
        #expect(version?.arguments.count == 5)
        if case let .string(commit)? = version?.arguments.last {
            #expect(commit == "unknown" || (commit.count == 12 && commit.allSatisfy(\.isHexDigit)), "\(commit)")
        }

        client.send("/notify/interval", [.float(0.2)])
        let messages = client.collect(for: 1.1, on: inbox)
        let statuses = messages.filter { $0.address == "/status" }.count
        #expect((4...7).contains(statuses), "\(statuses) /status in 1.1 s at 0.2 s")
        #expect(messages.contains { $0.address == "/status/latent" })
        client.send("/notify/interval", [.float(0)])
        _ = client.collect(for: 0.3, on: inbox)
        #expect(client.collect(for: 0.6, on: inbox).filter { $0.address == "/status" }.isEmpty)
    }

    @Test func syncAnswersAfterTheLoadsAndCommandsBeforeIt() throws {
        let server = try ServerProcess()
        server.send("/load", [.string(Binaries.fixtures + "/new-tiny-deep")])
        server.send("/fft", [.int(2048)])
        server.send("/sync", [.int(42)])
        var order: [String] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !order.contains("/synced"), let message = server.receive(timeout: deadline.timeIntervalSinceNow) {
            order.append(message.address + (message.address == "/done" ? " " + "\(message.arguments[0])" : ""))
            if message.address == "/synced" { #expect(message.arguments == [.int(42)]) }
        }
        #expect(order.firstIndex(of: "/loaded") != nil && order.firstIndex(of: "/synced")! > order.firstIndex(of: "/loaded")!, "\(order)")
        #expect(order.contains("/done \"/fft\"") && order.contains("/done \"/load\""), "\(order)")
        #expect(server.status()["fft"]?.int == 2048)
        // With nothing pending it answers at once.
        #expect(server.request("/sync", [.int(-7)], reply: "/synced", timeout: 2)?.arguments == [.int(-7)])
    }
}
