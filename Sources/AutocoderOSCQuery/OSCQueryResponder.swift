// The answer to one HTTP request, by the proposal's rules: the node at the
// URL's path (404 if none), or one attribute of it when the query names one
// (400 if it names none the server knows; 204 for the VALUE of what cannot be
// read; {} for an attribute the node lacks or a VALUE not set yet), or
// HOST_INFO whatever the path.
//
// Sendable: called on the HTTP event loop thread, which also calls `methods`.

import Foundation
import NIOHTTP1

struct OSCQueryResponder: Sendable {
    struct Response {
        var status: HTTPResponseStatus
        /// JSON, or plain text for an error; nil for a 204.
        var body: Data?
        var isJSON: Bool
        var allow: String?
    }

    let hostInfo: OSCQueryHostInfo
    let descriptions: [String: String]
    let methods: @Sendable () -> [OSCQueryMethod]

    func respond(to method: HTTPMethod, uri: String) -> Response {
        guard method == .GET || method == .HEAD else {
            return Response(status: .methodNotAllowed, body: Data("only GET and HEAD\n".utf8), isJSON: false, allow: "GET, HEAD")
        }
        guard let (path, attribute) = Self.parse(uri) else { return Self.error(.badRequest, "bad request target") }
        if attribute == "HOST_INFO" { return Self.json(OSCQueryJSON.object(for: hostInfo)) }
        if let attribute, !OSCQueryJSON.nodeAttributes.contains(attribute) {
            return Self.error(.badRequest, "unknown attribute \(attribute)")
        }
        guard let node = OSCQueryNode.tree(of: methods(), descriptions: descriptions).node(at: path) else {
            return Self.error(.notFound, "no OSC address \(path)")
        }
        guard let attribute else { return Self.json(OSCQueryJSON.object(for: node)) }
        if attribute == "VALUE", !(node.method?.access.isReadable ?? false) {
            return Response(status: .noContent, body: nil, isJSON: false)
        }
        let object = OSCQueryJSON.object(for: node)
        return Self.json(object[attribute].map { [attribute: $0] } ?? [:])
    }

    /// The OSC address (percent-decoded) and the attribute named by the query, if any, from an
    /// origin-form ("/a/b?VALUE") or absolute-form ("http://host/a/b?VALUE") target; the fragment is
    /// dropped. Nil for anything else, or a path that does not decode.
    static func parse(_ uri: String) -> (path: String, attribute: String?)? {
        var target = Substring(uri)
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        if !target.hasPrefix("/"), let scheme = target.range(of: "://") {
            let afterAuthority = target[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" }
            target = afterAuthority.map { target[$0...] } ?? "/"
            if target.hasPrefix("?") { target = "/" + target }
        }
        guard target.hasPrefix("/") else { return nil }
        let pathPart: Substring
        var attribute: String?
        if let question = target.firstIndex(of: "?") {
            pathPart = target[..<question]
            // "?VALUE", and as leniently "?VALUE=" or "?VALUE&…": the first name is the attribute.
            let query = target[target.index(after: question)...].prefix { $0 != "&" && $0 != "=" }
            if !query.isEmpty {
                guard let name = query.removingPercentEncoding else { return nil }
                attribute = name
            }
        } else {
            pathPart = target
        }
        guard let path = pathPart.removingPercentEncoding else { return nil }
        return (path, attribute)
    }

    private static func json(_ object: OSCQueryJSON.Object) -> Response {
        Response(status: .ok, body: OSCQueryJSON.data(object), isJSON: true)
    }

    private static func error(_ status: HTTPResponseStatus, _ message: String) -> Response {
        Response(status: status, body: Data((message + "\n").utf8), isJSON: false)
    }
}
