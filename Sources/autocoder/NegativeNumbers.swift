// Negative numbers as values: `decode A --extrapolate 5 -5`, `autocode … --offset -0.5 1`.
//
// ArgumentParser takes every word that starts with "-" for an option, so "-5"
// is refused as an unknown option unless it follows "--". `Autocoder.main`
// rewrites each word before a "--" that reads as a negative number with a
// Unicode minus sign (U+2212), which no option starts with, so the parser
// passes it on as a value; the numeric options parse both signs through the
// transforms here (which also accept a − typed by the user).

import ArgumentParser

enum NegativeNumbers {
    static let minus = "\u{2212}"

    /// `arguments` with negative numbers marked as values.
    static func protect(_ arguments: [String]) -> [String] {
        var protected: [String] = []
        for (index, word) in arguments.enumerated() {
            if word == "--" { return protected + arguments[index...] }
            let isNegativeNumber = word.count > 1 && word.hasPrefix("-") && Double(word) != nil
            protected.append(isNegativeNumber ? minus + word.dropFirst() : word)
        }
        return protected
    }

    static func float(_ text: String) throws -> Float {
        guard let value = Float(plain(text)) else { throw ValidationError("'\(text)' is not a number") }
        return value
    }

    static func double(_ text: String) throws -> Double {
        guard let value = Double(plain(text)) else { throw ValidationError("'\(text)' is not a number") }
        return value
    }

    static func int(_ text: String) throws -> Int {
        guard let value = Int(plain(text)) else { throw ValidationError("'\(text)' is not a whole number") }
        return value
    }

    private static func plain(_ text: String) -> String {
        text.hasPrefix(minus) ? "-" + text.dropFirst() : text
    }
}
