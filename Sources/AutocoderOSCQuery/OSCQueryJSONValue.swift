// A JSON value, written by JSONEncoder: what OSCQueryJSON builds documents
// of. (JSONSerialization over Foundation objects took ten times as long on
// Linux: some 50 ms for the tree of 400 methods.)
//
// A value: any thread.

enum OSCQueryJSONValue: Encodable, Equatable, Sendable {
    case object([String: OSCQueryJSONValue])
    case array([OSCQueryJSONValue])
    case string(String)
    case int(Int)
    /// Written as null unless finite: JSON has no NaN or infinity.
    case double(Double)
    case bool(Bool)
    case null

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in members { try container.encode(value, forKey: Key(stringValue: key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .string(let s):
            var container = encoder.singleValueContainer()
            try container.encode(s)
        case .int(let i):
            var container = encoder.singleValueContainer()
            try container.encode(i)
        case .double(let d):
            var container = encoder.singleValueContainer()
            if d.isFinite { try container.encode(d) } else { try container.encodeNil() }
        case .bool(let b):
            var container = encoder.singleValueContainer()
            try container.encode(b)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}
