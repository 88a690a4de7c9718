// Reading and checking the arguments of one OSC request. Every failure is a
// `Rejection` whose reason the client gets back in an /error reply.

import AutocoderOSC

/// Why a message was refused; sent back as `/error address reason`.
struct Rejection: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

struct Request {
    let message: OSCMessage

    var address: String { message.address }
    var count: Int { message.arguments.count }

    func expect(arguments range: ClosedRange<Int>) throws {
        guard range.contains(count) else {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw Rejection("expected \(expected) argument\(range == 1...1 ? "" : "s"), got \(count)")
        }
    }

    /// Argument `index` as a finite number (int, float, double or bool).
    func number(_ index: Int) throws -> Double {
        let argument = message.arguments[index]
        guard let value = argument.number else {
            throw Rejection("argument \(index + 1) has \(argument.typeName); expected a number")
        }
        guard value.isFinite else { throw Rejection("argument \(index + 1) is \(value); expected a finite number") }
        return value
    }

    func float(_ index: Int, in range: ClosedRange<Float>) throws -> Float {
        let value = Float(try number(index))
        guard range.contains(value) else {
            throw Rejection("argument \(index + 1) is \(value); expected \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A whole number (a float like 512.0 counts: Max sends floats from number boxes).
    func integer(_ index: Int, in range: ClosedRange<Int>) throws -> Int {
        let value = try number(index)
        guard value == value.rounded(), let whole = Int(exactly: value), range.contains(whole) else {
            throw Rejection("argument \(index + 1) is \(value); expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return whole
    }

    /// Argument `index` as a float, once its declaration has checked its range.
    func float(_ index: Int) throws -> Float { Float(try number(index)) }

    /// Argument `index` as a whole number, once its declaration has checked its range.
    func integer(_ index: Int) throws -> Int { try integer(index, in: Int.min...Int.max) }

    func string(_ index: Int) throws -> String {
        guard case let .string(value) = message.arguments[index] else {
            throw Rejection("argument \(index + 1) has \(message.arguments[index].typeName); expected a string")
        }
        guard !value.isEmpty else { throw Rejection("argument \(index + 1) is an empty string") }
        return value
    }

    /// Every argument as a finite number, at most `maximum` of them.
    func numbers(maximum: Int) throws -> [Float] {
        guard count <= maximum else { throw Rejection("expected at most \(maximum) values, got \(count)") }
        return try (0..<count).map { Float(try number($0)) }
    }

    /// 0/1 flag (T/F count as 1/0), or 1 when absent.
    func flag(_ index: Int) throws -> Bool {
        index < count ? try integer(index, in: 0...1) == 1 : true
    }
}
