// OSC messages as Swift values, encoded and decoded by liblo; bundles (with
// their time tags, nested or not) laid out and taken apart here.
//
// Values and pure functions: any thread (never the audio thread: they allocate).

internal import CLibLo
import Foundation

public enum OSCArgument: Equatable, Sendable, CustomStringConvertible {
    case int(Int32)
    case float(Float)
    case double(Double)
    case int64(Int64)
    case string(String)
    case bool(Bool)
    case null
    /// Any other OSC type, by its type tag (blob, MIDI, timetag …).
    case other(Character)

    /// The argument as a number: Max and Pd send ints where floats are meant and vice versa.
    public var number: Double? {
        switch self {
        case let .int(v): Double(v)
        case let .float(v): Double(v)
        case let .double(v): v
        case let .int64(v): Double(v)
        case let .bool(v): v ? 1 : 0
        default: nil
        }
    }

    /// The argument's OSC type tag.
    public var tag: Character {
        switch self {
        case .int: "i"
        case .float: "f"
        case .double: "d"
        case .int64: "h"
        case .string: "s"
        case let .bool(v): v ? "T" : "F"
        case .null: "N"
        case let .other(tag): tag
        }
    }

    /// What the argument is, for error messages: "type tag 'N' (nil)".
    public var typeName: String { "type tag '\(tag)' (\(Self.kindNames[tag] ?? "unknown type"))" }

    private static let kindNames: [Character: String] = [
        "i": "int", "f": "float", "d": "double", "h": "int64", "s": "string", "S": "symbol", "T": "true", "F": "false",
        "N": "nil", "I": "impulse", "b": "blob", "t": "time tag", "c": "char", "r": "colour", "m": "MIDI message",
        "[": "array", "]": "array end",
    ]

    public var description: String {
        switch self {
        case let .int(v): "\(v)"
        case let .float(v): "\(v)"
        case let .double(v): "\(v)"
        case let .int64(v): "\(v)"
        case let .string(v): "\"\(v)\""
        case let .bool(v): "\(v)"
        case .null: "nil"
        case let .other(tag): "<\(tag)>"
        }
    }
}

public struct OSCMessage: Equatable, Sendable, CustomStringConvertible {
    public var address: String
    public var arguments: [OSCArgument]

    public init(_ address: String, _ arguments: [OSCArgument] = []) {
        self.address = address
        self.arguments = arguments
    }

    public var description: String { ([address] + arguments.map(\.description)).joined(separator: " ") }
}

public struct OSCDecodingError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public var description: String { reason }
}

public enum OSCCodec {
    private static let bundleMarker = Array("#bundle\0".utf8)

    /// The messages in one datagram: a message, or a bundle (nested bundles
    /// flattened, in order, their time tags dropped).
    public static func decode(_ datagram: [UInt8]) throws -> [OSCMessage] {
        try decodeTimed(datagram).map(\.message)
    }

    /// The messages in one datagram, in order, each with the time tag of the
    /// innermost bundle holding it (a message on its own: `.immediately`).
    /// A nested bundle keeps its own tag, as sent, even one earlier than its
    /// parent's (which OSC 1.0 forbids): what to make of that is the caller's.
    public static func decodeTimed(_ datagram: [UInt8]) throws -> [OSCTimedMessage] {
        if datagram.starts(with: bundleMarker) {
            var messages: [OSCTimedMessage] = []
            try decodeBundle(datagram[...], into: &messages)
            return messages
        }
        return [OSCTimedMessage(try decodeMessage(datagram))]
    }

    private static func decodeBundle(_ bytes: ArraySlice<UInt8>, into messages: inout [OSCTimedMessage]) throws {
        var position = bytes.startIndex + 16   // "#bundle\0" and the time tag
        guard position <= bytes.endIndex else { throw OSCDecodingError(reason: "bundle header is truncated") }
        let time = OSCTimeTag(bigEndian(bytes[bytes.startIndex + 8..<position]))
        while position < bytes.endIndex {
            guard position + 4 <= bytes.endIndex else { throw OSCDecodingError(reason: "bundle element size is truncated") }
            let size = Int(bigEndian(bytes[position..<position + 4]))
            position += 4
            guard size > 0, size % 4 == 0, position + size <= bytes.endIndex else {
                throw OSCDecodingError(reason: "bundle element of \(size) bytes does not fit the datagram")
            }
            let element = bytes[position..<position + size]
            if element.starts(with: bundleMarker) {
                try decodeBundle(element, into: &messages)
            } else {
                messages.append(OSCTimedMessage(try decodeMessage(Array(element)), time: time))
            }
            position += size
        }
    }

    /// The unsigned big-endian number in `bytes` (at most 8 of them).
    private static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func decodeMessage(_ bytes: [UInt8]) throws -> OSCMessage {
        guard bytes.first == UInt8(ascii: "/") else {
            throw OSCDecodingError(reason: "not an OSC message (it must start with '/')")
        }
        var copy = bytes
        var result: Int32 = 0
        guard let message = copy.withUnsafeMutableBytes({ lo_message_deserialise($0.baseAddress, $0.count, &result) }) else {
            throw OSCDecodingError(reason: "malformed OSC message (liblo error \(result))")
        }
        defer { lo_message_free(message) }
        let address = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        let count = Int(lo_message_get_argc(message))
        let types = lo_message_get_types(message)!
        let argv = lo_message_get_argv(message)!
        var arguments: [OSCArgument] = []
        arguments.reserveCapacity(count)
        for i in 0..<count {
            let tag = UInt8(bitPattern: types[i])
            // T, F, N and I carry no data: liblo gives them no argument pointer.
            switch tag {
            case UInt8(ascii: "T"): arguments.append(.bool(true)); continue
            case UInt8(ascii: "F"): arguments.append(.bool(false)); continue
            case UInt8(ascii: "N"): arguments.append(.null); continue
            default: break
            }
            guard let pointer = argv[i] else {
                arguments.append(.other(Character(UnicodeScalar(tag))))
                continue
            }
            // Load exactly the argument's own bytes: lo_arg is a union wider than
            // an int or a float, and the message buffer ends right after the last one.
            let value = UnsafeRawPointer(pointer)
            switch tag {
            case UInt8(ascii: "i"): arguments.append(.int(value.loadUnaligned(as: Int32.self)))
            case UInt8(ascii: "f"): arguments.append(.float(value.loadUnaligned(as: Float.self)))
            case UInt8(ascii: "d"): arguments.append(.double(value.loadUnaligned(as: Double.self)))
            case UInt8(ascii: "h"): arguments.append(.int64(value.loadUnaligned(as: Int64.self)))
            case UInt8(ascii: "s"), UInt8(ascii: "S"):
                arguments.append(.string(String(cString: value.assumingMemoryBound(to: CChar.self))))
            default: arguments.append(.other(Character(UnicodeScalar(tag))))
            }
        }
        return OSCMessage(address, arguments)
    }

    /// The datagram for `message`.
    public static func encode(_ message: OSCMessage) -> [UInt8] {
        let m = lo_message_new()!
        defer { lo_message_free(m) }
        for argument in message.arguments {
            switch argument {
            case let .int(v): lo_message_add_int32(m, v)
            case let .float(v): lo_message_add_float(m, v)
            case let .double(v): lo_message_add_double(m, v)
            case let .int64(v): lo_message_add_int64(m, v)
            case let .string(v): lo_message_add_string(m, v)
            case let .bool(v): v ? lo_message_add_true(m) : lo_message_add_false(m)
            case .null, .other: lo_message_add_nil(m)
            }
        }
        let length = lo_message_length(m, message.address)
        var bytes = [UInt8](repeating: 0, count: length)
        bytes.withUnsafeMutableBytes { _ = lo_message_serialise(m, message.address, $0.baseAddress, nil) }
        return bytes
    }

    /// The datagram of a bundle for `time` holding `elements` (messages, and
    /// bundles with their own tags), each preceded by its size.
    public static func encodeBundle(time: OSCTimeTag, elements: [OSCBundleElement]) -> [UInt8] {
        var bytes = bundleMarker + word(UInt32(truncatingIfNeeded: time.value >> 32)) + word(UInt32(truncatingIfNeeded: time.value))
        for element in elements {
            let encoded = switch element {
            case let .message(message): encode(message)
            case let .bundle(time, elements): encodeBundle(time: time, elements: elements)
            }
            bytes += word(UInt32(encoded.count)) + encoded
        }
        return bytes
    }

    /// Four big-endian bytes.
    private static func word(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
}
