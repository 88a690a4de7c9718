// The `.mm` file written next to every model: latent scaling and dimensions.
//
//   row 0: scale_mult      (one value per latent dimension)
//   row 1: scale_subtract  (one value per latent dimension)
//   row 2: minin, maxin, input_dim, intermediate_dim, encoded_dim, deep, 0, 0 …
//
// Real files vary: separators ", " or "," or spaces, and more than 8 columns
// when encoded_dim > 8. Values; any thread.

import Foundation

public struct ModelMetadata: Sendable, Equatable {
    /// z = v * scaleMult + scaleSubtract maps latent values in [0,1] to model units.
    public var scaleMult: [Double]
    public var scaleSubtract: [Double]
    /// Range of the unscaled mel data the model was trained on.
    public var minIn: Double
    public var maxIn: Double
    public var inputDim: Int
    public var intermediateDim: Int
    public var encodedDim: Int
    public var deep: Bool

    /// (minIn, maxIn) in single precision: how the training frames were scaled.
    public var trainingRange: (minIn: Float, maxIn: Float) { (Float(minIn), Float(maxIn)) }

    public init(scaleMult: [Double], scaleSubtract: [Double], minIn: Double, maxIn: Double,
                inputDim: Int, intermediateDim: Int, encodedDim: Int, deep: Bool) {
        self.scaleMult = scaleMult
        self.scaleSubtract = scaleSubtract
        self.minIn = minIn
        self.maxIn = maxIn
        self.inputDim = inputDim
        self.intermediateDim = intermediateDim
        self.encodedDim = encodedDim
        self.deep = deep
    }

    public init(contentsOf path: String) throws {
        // Three lines of numbers: anything past a megabyte is not a .mm file.
        let bytes = try ModelFileError.contents(of: path, maximumSize: 1 << 20, what: "a .mm file")
        try self.init(text: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses `.mm` text; `path` is used in error messages.
    public init(text: String, path: String) throws {
        func fail(_ problem: String) -> ModelFileError { ModelFileError(path: path, problem: problem) }
        let separators = CharacterSet(charactersIn: ", \t\r")
        var rows: [[Double]] = []
        for (lineNumber, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.components(separatedBy: separators).filter { !$0.isEmpty }
            if fields.isEmpty { continue }
            rows.append(try fields.map { field in
                guard let value = Double(field), value.isFinite else {
                    throw fail("line \(lineNumber + 1): '\(field.prefix(40))' is not a finite number")
                }
                return value
            })
        }
        guard rows.count == 3 else { throw fail("expected 3 rows (scale_mult, scale_subtract, dims), found \(rows.count)") }
        guard rows[2].count >= 6 else { throw fail("row 3 has \(rows[2].count) values; expected minin, maxin, input_dim, intermediate_dim, encoded_dim, deep") }

        func dimension(_ column: Int, _ name: String) throws -> Int {
            let value = rows[2][column]
            guard value >= 1, value <= 1_048_576, value == value.rounded() else {
                throw fail("\(name) is \(value); expected a positive whole number")
            }
            return Int(value)
        }
        inputDim = try dimension(2, "input_dim")
        intermediateDim = try dimension(3, "intermediate_dim")
        encodedDim = try dimension(4, "encoded_dim")
        guard rows[0].count >= encodedDim, rows[1].count >= encodedDim else {
            throw fail("encoded_dim is \(encodedDim) but the scale rows have \(rows[0].count) and \(rows[1].count) values")
        }
        // Rows are padded to at least 8 columns; values past encoded_dim must be that padding.
        for row in 0..<2 where rows[row][encodedDim...].contains(where: { $0 != 0 }) {
            throw fail("row \(row + 1) has \(rows[row].count) values but encoded_dim is \(encodedDim)")
        }
        scaleMult = Array(rows[0].prefix(encodedDim))
        scaleSubtract = Array(rows[1].prefix(encodedDim))
        minIn = rows[2][0]
        maxIn = rows[2][1]
        deep = rows[2][5] != 0
    }

    /// The file text in the published format (`%1.6f`, ", " separated, at least 8 columns).
    public var text: String {
        let columns = max(8, encodedDim)
        func row(_ values: [Double]) -> String {
            (values + Array(repeating: 0, count: columns - values.count)).map { String(format: "%1.6f", $0) }.joined(separator: ", ")
        }
        let dims = [minIn, maxIn, Double(inputDim), Double(intermediateDim), Double(encodedDim), deep ? 1 : 0]
        return [row(scaleMult), row(scaleSubtract), row(dims)].joined(separator: "\n") + "\n"
    }
}
