// Reads NumPy `.npy` files (format versions 1–3): training sets, encodings,
// similarity orders. Little-endian float32/float64/int32/int64, C order.
// Values; any thread.

import Foundation

public struct NumPyArray: Sendable, Equatable {
    public let shape: [Int]
    /// Elements in C order, widened to Double (exact for every supported dtype
    /// except int64 beyond 2^53, which no autocoder file holds).
    public let values: [Double]
    /// The dtype as written, e.g. `<f4`.
    public let dtype: String

    public var floats: [Float] { values.map { Float($0) } }

    public init(contentsOf path: String) throws {
        try self.init(bytes: ModelFileError.contents(of: path), path: path)
    }

    public init(bytes: [UInt8], path: String) throws {
        func fail(_ problem: String) -> ModelFileError { ModelFileError(path: path, problem: "not a readable .npy file: \(problem)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("bad magic") }
        let major = bytes[6]
        let headerLengthSize = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + headerLengthSize else { throw fail("unknown version \(major)") }
        let headerLength = (0..<headerLengthSize).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let headerStart = 8 + headerLengthSize
        guard bytes.count >= headerStart + headerLength else { throw fail("header runs past the end of the file") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)

        func value(of key: String) -> Substring? {
            guard let keyRange = header.range(of: "'\(key)':") else { return nil }
            return header[keyRange.upperBound...].drop { $0 == " " }
        }
        guard let descrField = value(of: "descr"), descrField.first == "'",
              let descrEnd = descrField.dropFirst().firstIndex(of: "'") else { throw fail("no dtype in header") }
        dtype = String(descrField[descrField.index(after: descrField.startIndex)..<descrEnd])
        guard let order = value(of: "fortran_order"), order.hasPrefix("False") else {
            throw fail("Fortran-ordered arrays are not supported")
        }
        guard let shapeField = value(of: "shape"), shapeField.first == "(", let close = shapeField.firstIndex(of: ")") else {
            throw fail("no shape in header")
        }
        shape = try shapeField[shapeField.index(after: shapeField.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { guard let n = Int($0), n >= 0 else { throw fail("bad dimension '\($0)'") }; return n }

        let elementSize: Int
        switch dtype {
        case "<f4", "<i4": elementSize = 4
        case "<f8", "<i8": elementSize = 8
        default: throw fail("unsupported dtype \(dtype) (supported: <f4, <f8, <i4, <i8)")
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let dataStart = headerStart + headerLength
        guard count <= (bytes.count - dataStart) / elementSize else {
            throw fail("shape \(shape) needs \(count) elements but the file holds \((bytes.count - dataStart) / elementSize)")
        }
        let dtype = self.dtype
        values = bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                let at = dataStart + i * elementSize
                switch dtype {
                case "<f4": return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
                case "<f8": return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                case "<i4": return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                default: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                }
            }
        }
    }

    /// Writes float64 values as a C-ordered `.npy` (format 1.0) that numpy loads.
    /// The file appears complete or not at all (written aside, then renamed).
    public static func write(float64 values: [Double], shape: [Int], to path: String) throws {
        try write(values.map { $0.bitPattern }, dtype: "<f8", shape: shape, to: path)
    }

    /// Writes int64 values (similarity orders) the same way.
    public static func write(int64 values: [Int64], shape: [Int], to path: String) throws {
        try write(values.map { UInt64(bitPattern: $0) }, dtype: "<i8", shape: shape, to: path)
    }

    private static func write(_ values: [UInt64], dtype: String, shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes = [UInt8](repeating: 0, count: 10 + header.utf8.count + 8 * values.count)
        bytes[0] = 0x93
        bytes.replaceSubrange(1..<6, with: Array("NUMPY".utf8))
        bytes[6] = 1
        bytes[8] = UInt8(header.utf8.count & 0xFF)
        bytes[9] = UInt8(header.utf8.count >> 8)
        bytes.replaceSubrange(10..<10 + header.utf8.count, with: Array(header.utf8))
        bytes.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: 10 + header.utf8.count + 8 * i, as: UInt64.self)
            }
        }
        try writeAtomically(Data(bytes), to: path)
    }
}

/// Writes `data` beside `path` and renames it into place, so readers never see
/// a half-written file; errors name the path.
public func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw ModelFileError(path: path, problem: "could not be written: \((error as NSError).localizedDescription)")
    }
}
