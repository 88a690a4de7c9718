// The socket's receive honours a deadline that has already passed (a caller
// computing `deadline - now` can get a negative timeout): it returns what is
// waiting, or nil, and never blocks.

import AutocoderOSC
import Foundation
import Testing

@Suite struct UDPSocketTests {
    @Test func aPastDeadlineDoesNotWait() throws {
        let socket = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        let started = Date()
        #expect(socket.receive(timeout: -0.002) == nil)
        #expect(socket.receive(timeout: 0) == nil)
        #expect(Date().timeIntervalSince(started) < 2, "returned at once instead of waiting for a datagram")

        let sender = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        sender.send([1, 2, 3, 4], to: try SocketAddress(host: "127.0.0.1", port: socket.port))
        usleep(50_000)
        #expect(socket.receive(timeout: -1)?.bytes == [1, 2, 3, 4], "a datagram already waiting is still taken")
    }
}
