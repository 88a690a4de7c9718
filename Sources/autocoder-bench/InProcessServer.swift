// A server running in the bench's own process (null output, loopback UDP),
// with a client socket its replies go to. For the control-latency figures.

import AutocoderOSC
import AutocoderServer
import Foundation

final class InProcessServer {
    let server: AutocoderServer
    let client: UDPSocket
    /// Where the server listens.
    let address: SocketAddress
    private let done = DispatchSemaphore(value: 0)

    /// Starts `model` on a free port; `configure` adjusts the configuration first.
    init(model: String, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        client = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        let listen = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0)).port
        var configuration = ServerConfiguration(model: model)
        configuration.listenPort = listen
        configuration.replyPort = client.port
        configuration.output.nullOutput = true
        configure(&configuration)
        server = try AutocoderServer(configuration: configuration)
        address = try SocketAddress(host: "127.0.0.1", port: listen)
        let (server, done) = (server, done)
        Thread { server.run(); done.signal() }.start()
    }

    func send(_ message: OSCMessage) { client.send(OSCCodec.encode(message), to: address) }

    /// Stops the server and waits for its network thread to finish.
    func stop() {
        server.requestStop()
        done.wait()
    }
}
