// The clients registered with /notify (scsynth's rule): each is known by the
// address its messages come from and heard at the address it registered — its
// host, at the port it named or else the port it sends from. They get every
// reply to their own requests there, the server's news (/loaded,
// /record/started, /record/stopped, /voice/new, /voice/freed), and a /status
// every `statusInterval` seconds. Network thread only.

import AutocoderOSC
import Foundation

struct NotifiedClients {
    /// At most this many are registered; a new one beyond replaces the oldest.
    static let capacity = 64

    private struct Client {
        let source: SocketAddress
        let destination: SocketAddress
    }

    /// Oldest first.
    private var registered: [Client] = []
    /// Seconds between the /status sent to every client (0: none).
    var statusInterval = 0.0
    /// When the last periodic /status went out.
    var lastStatus = Date.distantPast

    /// Registers the sender of a /notify 1, heard at `port` of its host (nil: the port it sent from).
    /// Returns the address it is heard at.
    @discardableResult
    mutating func register(_ sender: SocketAddress, port: Int?) -> SocketAddress {
        var destination = sender
        if let port { destination.setPort(port) }
        drop(sender)
        registered.append(Client(source: sender, destination: destination))
        if registered.count > Self.capacity { registered.removeFirst() }
        return destination
    }

    /// Drops the client that sends from `sender`; returns the address it was heard at.
    @discardableResult
    mutating func drop(_ sender: SocketAddress) -> SocketAddress? {
        let key = sender.description
        guard let index = registered.firstIndex(where: { $0.source.description == key }) else { return nil }
        return registered.remove(at: index).destination
    }

    /// Where replies to `sender` go when it is registered.
    func destination(of sender: SocketAddress) -> SocketAddress? {
        let key = sender.description
        return registered.first { $0.source.description == key }?.destination
    }

    /// Every registered client's address.
    var destinations: [SocketAddress] { registered.map(\.destination) }

    var isEmpty: Bool { registered.isEmpty }
}
