// The OSCQuery proposal's JSON: nodes, single attributes and HOST_INFO as
// Foundation objects for JSONSerialization, and their bytes.
//
// Pure functions: any thread (the HTTP thread calls them per request).

import Foundation

enum OSCQueryJSON {
    /// The attributes a node can carry, which a query (`/gain?VALUE`) may name; HOST_INFO is answered apart.
    static let nodeAttributes: Set<String> = ["FULL_PATH", "CONTENTS", "TYPE", "ACCESS", "VALUE", "RANGE", "DESCRIPTION"]

    /// The optional attributes this server writes, and the ones it does not (listed as false so that
    /// a client need not guess, e.g. that there is no websocket to LISTEN on).
    static let extensions: [String: Bool] = [
        "ACCESS": true, "VALUE": true, "RANGE": true, "DESCRIPTION": true,
        "TAGS": false, "EXTENDED_TYPE": false, "UNIT": false, "CRITICAL": false, "CLIPMODE": false,
        "OVERLOADS": false, "HTML": false, "LISTEN": false, "PATH_CHANGED": false,
    ]

    /// A node and everything below it.
    static func object(for node: OSCQueryNode) -> [String: Any] {
        var object: [String: Any] = ["FULL_PATH": node.fullPath, "ACCESS": node.method?.access.rawValue ?? 0]
        if let description = node.method.map(\.description).flatMap({ $0.isEmpty ? nil : $0 }) ?? node.description {
            object["DESCRIPTION"] = description
        }
        if let method = node.method {
            if !method.typeTags.isEmpty { object["TYPE"] = method.typeTags }
            if method.ranges.contains(where: { $0 != .unbounded }) { object["RANGE"] = ranges(of: method) }
            if method.access.isReadable, let value = method.value { object["VALUE"] = value.map(json) }
        }
        if node.isContainer {
            object["CONTENTS"] = node.contents.mapValues(object(for:))
        }
        return object
    }

    static func object(for hostInfo: OSCQueryHostInfo) -> [String: Any] {
        var object: [String: Any] = [
            "NAME": hostInfo.name,
            "OSC_PORT": hostInfo.oscPort,
            "OSC_TRANSPORT": hostInfo.oscTransport,
            "EXTENSIONS": extensions,
        ]
        if let ip = hostInfo.oscIP { object["OSC_IP"] = ip }
        return object
    }

    /// Sorted keys, so that equal trees give equal bytes; "/" unescaped, since every FULL_PATH has some.
    static func data(_ object: [String: Any]) -> Data {
        // Every leaf is a String, Int, Double (finite), Bool or NSNull: serialization cannot fail.
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    private static func json(_ value: OSCQueryValue) -> Any {
        switch value {
        case .int(let i): i
        case .float(let f): f.isFinite ? f : NSNull()
        case .string(let s): s
        case .bool(let b): b
        case .null: NSNull()
        }
    }

    private static func ranges(of method: OSCQueryMethod) -> [Any] {
        method.ranges.map { range in
            switch range {
            case .unbounded:
                return NSNull()
            case .values(let values):
                return ["VALS": values.map(json)]
            case .bounds(let min, let max):
                var bounds: [String: Any] = [:]
                if min.isFinite { bounds["MIN"] = min }
                if max.isFinite { bounds["MAX"] = max }
                return bounds
            }
        }
    }
}
