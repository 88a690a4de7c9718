// The OSCQuery HTTP server: serves the address space that `methods` returns,
// as JSON, on one event loop thread of its own, until `stop()`.
//
// Any thread may create, read `port` and stop it (but not the event loop
// thread itself, i.e. not from inside `methods`); `methods` is called on the
// event loop thread once per request.

import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

public final class OSCQueryService: Sendable {
    /// The bound TCP port (the one chosen when `port` was 0).
    public let port: Int

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let stopped = NIOLockedValueBox(false)

    /// Binds `host`:`port` (port 0: any free port) and serves. `methods` is called on the HTTP thread for
    /// each request and must be thread-safe (e.g. read a lock-protected snapshot). Throws if the address
    /// cannot be bound. `descriptions` gives containers a DESCRIPTION, by full path ("/" for the root).
    public init(
        host: String, port: Int, hostInfo: OSCQueryHostInfo, descriptions: [String: String] = [:],
        methods: @escaping @Sendable () -> [OSCQueryMethod]
    ) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let responder = OSCQueryResponder(hostInfo: hostInfo, descriptions: descriptions, methods: methods)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // A client that keeps a connection open and silent for a minute is let go.
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(OSCQueryHTTPHandler(responder: responder))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.port = channel.localAddress?.port ?? port
    }

    /// Closes the listening socket and every connection, and ends the HTTP thread. Idempotent.
    public func stop() {
        let wasStopped = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !wasStopped else { return }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    deinit {
        stop()
    }
}
