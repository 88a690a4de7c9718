// A blocking HTTP/1.1 client over one TCP connection to 127.0.0.1, small
// enough to see what goes over the wire: requests are written as given, and
// responses read by their Content-Length (none for HEAD and 204).
//
// One test thread.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class HTTPTestClient {
    struct Response {
        var status: Int
        /// By lowercased name.
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let socket: Int32
    private var buffered = Data()

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit {
        close(socket)
    }

    /// Sends `method target` with a Host header and `headers`, and reads the response.
    func request(_ method: String = "GET", _ target: String, headers: [String] = [], body: String = "") throws -> Response {
        var lines = ["\(method) \(target) HTTP/1.1", "Host: 127.0.0.1"] + headers
        if !body.isEmpty { lines.append("Content-Length: \(body.utf8.count)") }
        try send(lines.joined(separator: "\r\n") + "\r\n\r\n" + body)
        return try readResponse(hasBody: method != "HEAD")
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "write: errno \(errno)") }
            sent += n
        }
    }

    func readResponse(hasBody: Bool = true) throws -> Response {
        let separator = Data("\r\n\r\n".utf8)
        while buffered.range(of: separator) == nil {
            guard try fill() else { throw Failure(description: "connection closed before a response") }
        }
        let headEnd = buffered.range(of: separator)!
        let head = String(decoding: buffered[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        buffered = Data(buffered[headEnd.upperBound...])
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = hasBody && status != 204 ? Int(headers["content-length"] ?? "0") ?? 0 : 0
        while buffered.count < length {
            guard try fill() else { throw Failure(description: "connection closed inside a body") }
        }
        let body = Data(buffered.prefix(length))
        buffered = Data(buffered.dropFirst(length))
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the server has closed the connection (reads until end of file, or fails on a timeout).
    func isClosedByServer() throws -> Bool {
        while try fill() {}
        return true
    }

    /// Reads what is there; false at end of file.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
        if n < 0 { throw Failure(description: "read: errno \(errno)") }
        buffered.append(contentsOf: chunk[..<n])
        return n > 0
    }
}
