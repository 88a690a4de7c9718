// What an address accepts: its arguments, their types, ranges and defaults.
// The one place a request's count, types and ranges are checked (the /error
// reasons come from here and from `Request`), and the source of the type tags
// and ranges that the README tables and the OSCQuery tree show.
// Values: any thread.

import AutocoderOSC

/// One argument of an address.
struct OSCParameter: Sendable {
    enum Kind: Sendable {
        case float(ClosedRange<Float>)
        case integer(ClosedRange<Int>)
        /// Any finite number (its handler checks it against what is loaded).
        case number
        /// A string; one of `choices` when there are any.
        case string(choices: [String])
        /// A file's path (inside `--root`).
        case path
        /// 0 or 1 (`T` and `F` count).
        case flag
        /// A string or a number, which its handler reads as a word (Pd and Max
        /// send a typed 24 as a number).
        case word
    }

    /// What the argument is, in a word or two ("seconds", "anchor"); may be empty.
    let name: String
    let kind: Kind
    /// An absent argument's meaning, or the setting's value at start (for the tables).
    let defaultValue: String?

    static func float(_ name: String = "", _ range: ClosedRange<Float>, default defaultValue: Float? = nil) -> OSCParameter {
        OSCParameter(name: name, kind: .float(range), defaultValue: defaultValue.map { OSCParameter.number($0) })
    }

    static func integer(_ name: String = "", _ range: ClosedRange<Int>, default defaultValue: String? = nil) -> OSCParameter {
        OSCParameter(name: name, kind: .integer(range), defaultValue: defaultValue)
    }

    static func number(_ name: String) -> OSCParameter { OSCParameter(name: name, kind: .number, defaultValue: nil) }

    static func string(_ name: String, choices: [String] = [], default defaultValue: String? = nil) -> OSCParameter {
        OSCParameter(name: name, kind: .string(choices: choices), defaultValue: defaultValue)
    }

    static func path(_ name: String, default defaultValue: String? = nil) -> OSCParameter {
        OSCParameter(name: name, kind: .path, defaultValue: defaultValue)
    }

    static func word(_ name: String, default defaultValue: String? = nil) -> OSCParameter {
        OSCParameter(name: name, kind: .word, defaultValue: defaultValue)
    }

    static func flag(default defaultValue: String = "1 when absent") -> OSCParameter {
        OSCParameter(name: "", kind: .flag, defaultValue: defaultValue)
    }

    /// Its OSC type tag.
    var typeTag: Character {
        switch kind {
        case .float, .number: "f"
        case .integer, .flag: "i"
        case .string, .path, .word: "s"
        }
    }

    /// "f seconds in [0,10]", "s: random, pghi or coherent", "0/1".
    var summary: String {
        let named = name.isEmpty ? "" : " " + name
        switch kind {
        case let .float(range): return "f\(named) in [\(Self.number(range.lowerBound)),\(Self.number(range.upperBound))]"
        case let .integer(range): return "i\(named) in [\(range.lowerBound),\(range.upperBound)]"
        case .number: return "\(name.isEmpty ? "number" : name)"
        case let .string(choices) where !choices.isEmpty: return "s: " + choices.map { "`\($0)`" }.joined(separator: ", ")
        case .string, .path, .word: return "s: \(name)"
        case .flag: return "0/1"
        }
    }

    /// Checks argument `index` of `request` against this declaration.
    func check(_ request: Request, at index: Int) throws {
        switch kind {
        case let .float(range): _ = try request.float(index, in: range)
        case let .integer(range): _ = try request.integer(index, in: range)
        case .number: _ = try request.number(index)
        case .flag: _ = try request.integer(index, in: 0...1)
        case .path: _ = try request.string(index)
        case .word:
            if request.message.arguments[index].number == nil { _ = try request.string(index) }
        case let .string(choices):
            let value = try request.string(index)
            guard choices.isEmpty || choices.contains(value) else {
                throw Rejection("\(name) must be \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(value)\"")
            }
        }
    }

    /// 0.05, 4, −16: the shortest form that reads back as the same Float.
    static func number(_ value: Float) -> String {
        let text = value == value.rounded() && abs(value) < 1e7 ? String(Int(value)) : "\(value)"
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }
}

/// Every argument an address accepts.
struct OSCSignature: Sendable {
    /// The arguments in order; for a repeated signature, the run that repeats.
    let parameters: [OSCParameter]
    /// How many arguments are accepted.
    let counts: ClosedRange<Int>
    /// Whether the run of `parameters` repeats, whole, to `counts` arguments.
    let repeats: Bool
    /// Whether the first parameter comes once and the second repeats after it.
    var repeatsAfterFirst = false
    /// Any arguments at all, unchecked (`/sanity/check`).
    let unchecked: Bool

    static let none = OSCSignature(parameters: [], counts: 0...0, repeats: false, unchecked: false)
    static let anything = OSCSignature(parameters: [], counts: 0...AutocoderServer.maximumArguments, repeats: false, unchecked: true)

    /// `required`, then any prefix of `optional`.
    static func arguments(_ required: OSCParameter..., optional: [OSCParameter] = []) -> OSCSignature {
        OSCSignature(parameters: required + optional, counts: required.count...required.count + optional.count, repeats: false, unchecked: false)
    }

    /// `parameter`, `counts` times.
    static func repeated(_ parameter: OSCParameter, _ counts: ClosedRange<Int>) -> OSCSignature {
        OSCSignature(parameters: [parameter], counts: counts, repeats: true, unchecked: false)
    }

    /// The pair `first`, `second`, `times` times (`s:A f:wA s:B f:wB …`).
    static func pairs(_ first: OSCParameter, _ second: OSCParameter, _ times: ClosedRange<Int>) -> OSCSignature {
        OSCSignature(parameters: [first, second], counts: 2 * times.lowerBound...2 * times.upperBound, repeats: true, unchecked: false)
    }

    /// `first`, then up to `most` of `rest` (`s:SOUND s:deep s:epochs i:100 …`).
    static func leading(_ first: OSCParameter, then rest: OSCParameter, upTo most: Int) -> OSCSignature {
        OSCSignature(parameters: [first, rest], counts: 1...1 + most, repeats: false, repeatsAfterFirst: true, unchecked: false)
    }

    /// The declaration argument `index` is checked against.
    func parameter(at index: Int) -> OSCParameter {
        if repeatsAfterFirst { return parameters[min(index, 1)] }
        return repeats ? parameters[index % parameters.count] : parameters[index]
    }

    /// Checks the count, then every argument's type and range.
    func check(_ request: Request) throws {
        do {
            try request.expect(arguments: counts)
        } catch let rejection as Rejection {
            // More strings than a path takes usually mean a client split the
            // path at its spaces (Pd does, for a path typed into a message box).
            guard request.count > counts.upperBound, case .path? = parameters.first?.kind, case .string = request.message.arguments[0] else {
                throw rejection
            }
            throw Rejection(rejection.reason + "; " + AutocoderServer.splitPathHint)
        }
        guard !unchecked else { return }
        if repeats, request.count % parameters.count != 0 {
            throw Rejection("the arguments come in runs of \(parameters.count) (\(typeTags(count: parameters.count)))")
        }
        for index in 0..<request.count {
            try parameter(at: index).check(request, at: index)
        }
    }

    /// The OSC type tags of the longest message accepted ("ffffffff", "is",
    /// ""), with `count` repetitions of a repeated argument (nil: the most).
    func typeTags(count: Int? = nil) -> String {
        repeats || repeatsAfterFirst ? String((0..<(count ?? counts.upperBound)).map { parameter(at: $0).typeTag }) : String(parameters.map(\.typeTag))
    }

    /// The arguments column of the README tables.
    var summary: String {
        if unchecked { return "anything" }
        if parameters.isEmpty { return "—" }
        if repeatsAfterFirst {
            let rest = parameters[1].summary + (parameters[1].defaultValue.map { " (\($0))" } ?? "")
            return parameters[0].summary + ", [up to \(counts.upperBound - 1) × \(rest)]"
        }
        if repeats {
            let run = parameters.count
            let amount = counts.lowerBound == 0 ? "up to \(counts.upperBound / run)" : "\(counts.lowerBound / run)–\(counts.upperBound / run)"
            let each = parameters.map { $0.summary + ($0.defaultValue.map { " (\($0))" } ?? "") }.joined(separator: ", ")
            return "\(amount) × " + (run == 1 ? each : "(\(each))")
        }
        let required = counts.lowerBound
        return parameters.enumerated().map { index, parameter in
            let text = parameter.summary + (parameter.defaultValue.map { " (\($0))" } ?? "")
            return index >= required ? "[\(text)]" : text
        }.joined(separator: ", ")
    }
}

extension OSCSignature {
    /// `arguments` as their declared types: a setting's value as OSCQuery shows it
    /// (an int sent for a float is the float).
    func normalised(_ arguments: [OSCArgument]) -> [OSCArgument] {
        arguments.enumerated().map { index, argument in
            guard !unchecked, let number = argument.number else { return argument }
            switch parameter(at: index).kind {
            case .float, .number: return .float(Float(number))
            case .integer, .flag: return .int(Int32(clamping: Int(number)))
            case .string, .path, .word: return argument
            }
        }
    }
}
