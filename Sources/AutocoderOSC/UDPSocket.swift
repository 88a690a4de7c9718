// A UDP socket bound to one address, for OSC.
//
// Owned by one thread at a time (the server's network thread); `receive`
// waits at most its timeout, so that thread can notice a stop request.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct SocketError: Error, CustomStringConvertible {
    public let description: String
}

/// A resolved IPv4 or IPv6 address and port.
public struct SocketAddress: Sendable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    /// Resolves `host` (a name or a numeric address) and `port`.
    public init(host: String, port: Int) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw SocketError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        storage = sockaddr_storage()
        length = info.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen))) }
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    var family: Int32 { Int32(storage.ss_family) }

    /// The same host at another port.
    public mutating func setPort(_ port: Int) {
        let family = self.family
        withUnsafeMutableBytes(of: &storage) { raw in
            if family == AF_INET {
                raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = in_port_t(UInt16(port).bigEndian)
            } else if family == AF_INET6 {
                raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
            }
        }
    }

    public var description: String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        var copy = storage
        let status = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        return status == 0 ? "\(String(cString: host)):\(String(cString: service))" : "?"
    }
}

public final class UDPSocket {
    private let descriptor: Int32
    public let localAddress: SocketAddress

    /// Binds to `address`. `receiveBuffer` asks the kernel for that many bytes of
    /// queue, so bursts of control messages wait instead of being dropped.
    public init(binding address: SocketAddress, receiveBuffer: Int = 4 << 20) throws {
        let descriptor = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(description: "cannot create a UDP socket: \(String(cString: strerror(errno)))") }
        // SO_RCVBUF is capped by net.core.rmem_max (often 208 KB); a privileged
        // process may go past it with SO_RCVBUFFORCE.
        var size = Int32(receiveBuffer)
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, address.length) }
        }
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw SocketError(description: "cannot listen on \(address): \(reason)")
        }
        self.descriptor = descriptor
        localAddress = address
    }

    deinit { close(descriptor) }

    /// The next datagram, or nil when none arrives within `timeout` seconds (0 or
    /// less: only one already waiting), or
    /// as soon as `wakeDescriptor` (another thread's wake-up pipe) becomes readable.
    public func receive(timeout: Double, maximumSize: Int = 65536, wakeDescriptor: Int32? = nil) -> (bytes: [UInt8], sender: SocketAddress)? {
        var pollers = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        if let wakeDescriptor { pollers.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)) }
        // poll waits forever for any negative timeout: a deadline already past means "do not wait".
        let milliseconds = Int32(min(max(timeout, 0) * 1000, Double(Int32.max)).rounded(.up))
        guard poll(&pollers, nfds_t(pollers.count), milliseconds) > 0, pollers[0].revents & Int16(POLLIN) != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: maximumSize)
        var sender = sockaddr_storage()
        var senderLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = withUnsafeMutablePointer(to: &sender) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, &buffer, buffer.count, 0, $0, &senderLength) }
        }
        guard count >= 0 else { return nil }
        return (Array(buffer.prefix(count)), SocketAddress(storage: sender, length: senderLength))
    }

    /// Sends one datagram; returns false when the kernel refused it.
    @discardableResult
    public func send(_ bytes: [UInt8], to address: SocketAddress) -> Bool {
        var storage = address.storage
        let sent = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, bytes, bytes.count, 0, $0, address.length) }
        }
        return sent == bytes.count
    }

    /// The port the socket is bound to (the one the kernel chose, when bound to port 0).
    public var port: Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw in
            Int(UInt16(bigEndian: family == AF_INET6
                ? raw.load(as: sockaddr_in6.self).sin6_port : raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// The receive buffer the kernel actually granted, in bytes.
    public var receiveBufferSize: Int {
        var size: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, &length)
        return Int(size)
    }
}
