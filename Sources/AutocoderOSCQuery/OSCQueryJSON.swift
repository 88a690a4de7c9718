// The OSCQuery proposal's JSON: nodes, single attributes and HOST_INFO as
// JSON values, and their bytes.
//
// Pure functions: any thread (the HTTP thread calls them per request).

import Foundation

enum OSCQueryJSON {
    typealias Object = [String: OSCQueryJSONValue]

    /// The attributes a node can carry, which a query (`/gain?VALUE`) may name; HOST_INFO is answered apart.
    static let nodeAttributes: Set<String> = ["FULL_PATH", "CONTENTS", "TYPE", "ACCESS", "VALUE", "RANGE", "DESCRIPTION"]

    /// The optional attributes this server writes, and the ones it does not (listed as false so that
    /// a client need not guess, e.g. that there is no websocket to LISTEN on).
    static let extensions: Object = [
        "ACCESS": .bool(true), "VALUE": .bool(true), "RANGE": .bool(true), "DESCRIPTION": .bool(true),
        "TAGS": .bool(false), "EXTENDED_TYPE": .bool(false), "UNIT": .bool(false), "CRITICAL": .bool(false),
        "CLIPMODE": .bool(false), "OVERLOADS": .bool(false), "HTML": .bool(false), "LISTEN": .bool(false),
        "PATH_CHANGED": .bool(false),
    ]

    /// A node and everything below it.
    static func object(for node: OSCQueryNode) -> Object {
        var object: Object = ["FULL_PATH": .string(node.fullPath), "ACCESS": .int(node.method?.access.rawValue ?? 0)]
        if let description = node.method.map(\.description).flatMap({ $0.isEmpty ? nil : $0 }) ?? node.description {
            object["DESCRIPTION"] = .string(description)
        }
        if let method = node.method {
            if !method.typeTags.isEmpty { object["TYPE"] = .string(method.typeTags) }
            if method.ranges.contains(where: { $0 != .unbounded }) { object["RANGE"] = .array(method.ranges.map(json)) }
            if method.access.isReadable, let value = method.value { object["VALUE"] = .array(value.map(json)) }
        }
        if node.isContainer {
            object["CONTENTS"] = .object(node.contents.mapValues { .object(self.object(for: $0)) })
        }
        return object
    }

    static func object(for hostInfo: OSCQueryHostInfo) -> Object {
        var object: Object = [
            "NAME": .string(hostInfo.name),
            "OSC_PORT": .int(hostInfo.oscPort),
            "OSC_TRANSPORT": .string(hostInfo.oscTransport),
            "EXTENSIONS": .object(extensions),
        ]
        if let ip = hostInfo.oscIP { object["OSC_IP"] = .string(ip) }
        return object
    }

    /// Sorted keys, so that equal trees give equal bytes; "/" unescaped, since every FULL_PATH has some.
    static func data(_ object: Object) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, integers, finite doubles (the rest are written as null), booleans, null: nothing fails.
        return (try? encoder.encode(OSCQueryJSONValue.object(object))) ?? Data("{}".utf8)
    }

    private static func json(_ value: OSCQueryValue) -> OSCQueryJSONValue {
        switch value {
        case .int(let i): .int(i)
        case .float(let f): .double(f)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .null: .null
        }
    }

    /// {MIN, MAX} (an end that is not finite left out), {VALS}, or the null placeholder.
    private static func json(_ range: OSCQueryRange) -> OSCQueryJSONValue {
        switch range {
        case .unbounded:
            return .null
        case .values(let values):
            return .object(["VALS": .array(values.map(json))])
        case .bounds(let min, let max):
            var bounds: Object = [:]
            if min.isFinite { bounds["MIN"] = .double(min) }
            if max.isFinite { bounds["MAX"] = .double(max) }
            return .object(bounds)
        }
    }
}
