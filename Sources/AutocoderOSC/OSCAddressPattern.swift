// OSC 1.0 address patterns: `?` (any one character), `*` (any run of
// characters), `[abc]`, `[a-z]`, `[!…]` (one character of a set, or not of
// it) and `{foo,bar}` (one of several strings), each matched within one part
// of the address (between slashes), so `/voice/*/level` reaches every
// voice's level and `/latent/[1-4]` the first four dimensions.
//
// A value; any thread. Matching works on bytes; a malformed pattern (an
// unclosed bracket, a backwards range) matches nothing rather than failing.

public struct OSCAddressPattern: Sendable {
    private let parts: [[UInt8]]

    /// Characters that make an address a pattern.
    public static func isPattern(_ address: String) -> Bool {
        address.utf8.contains { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }
    }

    public init(_ pattern: String) {
        parts = pattern.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
    }

    /// Whether `address` (a plain address) matches, part by part.
    public func matches(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        let names = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard names.count == parts.count else { return false }
        for (part, name) in zip(parts, names) where !Self.match(part[...], name) { return false }
        return true
    }

    /// Whether the address's first part could be `name` (`/voice/*/level`
    /// and `/v*/2/pan` could reach a voice's address; `/latent/*` cannot).
    public func firstPartMatches(_ name: String) -> Bool {
        parts.count > 1 && Self.match(parts[1][...], Array(name.utf8)[...])
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        let rest = pattern.dropFirst()
        switch first {
        case UInt8(ascii: "*"):
            // The shortest run first, then longer ones.
            var tail = name
            while true {
                if match(rest, tail) { return true }
                guard !tail.isEmpty else { return false }
                tail = tail.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !name.isEmpty && match(rest, name.dropFirst())
        case UInt8(ascii: "["):
            guard let close = rest.firstIndex(of: UInt8(ascii: "]")), let character = name.first else { return false }
            var set = rest[rest.startIndex..<close]
            let negated = set.first == UInt8(ascii: "!")
            if negated { set = set.dropFirst() }
            var inSet = false, i = set.startIndex
            while i < set.endIndex {
                if i + 2 < set.endIndex, set[i + 1] == UInt8(ascii: "-") {
                    let low = set[i], high = set[i + 2]
                    if low <= high, (low...high).contains(character) { inSet = true }
                    i += 3
                } else {
                    if set[i] == character { inSet = true }
                    i += 1
                }
            }
            return inSet != negated && match(rest[(close + 1)...], name.dropFirst())
        case UInt8(ascii: "{"):
            guard let close = rest.firstIndex(of: UInt8(ascii: "}")) else { return false }
            let after = rest[(close + 1)...]
            for choice in rest[rest.startIndex..<close].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            where name.starts(with: choice) && match(after, name.dropFirst(choice.count)) {
                return true
            }
            return false
        default:
            return name.first == first && match(rest, name.dropFirst())
        }
    }
}
