// Reads NumPy `.npy` files (format versions 1–3): training sets, encodings,
// similarity orders. Little-endian float32/float64/int32/int64, in C order or
// Fortran order (what np.save writes for a transposed array), always handed
// out in C order.
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
        let bytes = try ModelFileError.contents(of: path) { start in
            start.count >= 6 && start[0] == 0x93 && Array(start[1...5]) == Array("NUMPY".utf8) ? nil : "not a readable .npy file: bad magic"
        }
        try self.init(bytes: bytes, path: path)
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
        guard let order = value(of: "fortran_order"), order.hasPrefix("False") || order.hasPrefix("True") else {
            throw fail("no fortran_order in header")
        }
        let fortranOrder = order.hasPrefix("True")
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
        let stored = bytes.withUnsafeBytes { raw in
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
        values = fortranOrder ? Self.cOrder(fortranOrdered: stored, shape: shape) : stored
    }

    /// The elements of a Fortran-ordered array (first index fastest) in C order (last index fastest).
    static func cOrder(fortranOrdered values: [Double], shape: [Int]) -> [Double] {
        guard shape.count > 1 else { return values }
        var strides = [Int](repeating: 1, count: shape.count)
        for k in 1..<shape.count { strides[k] = strides[k - 1] * shape[k - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        return values.indices.map { _ in
            let value = values[zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }]
            var k = shape.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
            return value
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
        var bytes = header(dtype: dtype, shape: shape)
        let start = bytes.count
        bytes += [UInt8](repeating: 0, count: 8 * values.count)
        bytes.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: start + 8 * i, as: UInt64.self)
            }
        }
        try writeAtomically(Data(bytes), to: path)
    }

    /// The bytes before the data of a C-ordered `.npy` (format 1.0), for writers
    /// that stream the data after it; `dtype` is e.g. "<i8". With `length`
    /// (a multiple of 64 that the header fits in), exactly that many bytes, so a
    /// writer can rewrite the shape in place as the array grows.
    public static func header(dtype: String, shape: [Int], length: Int? = nil) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 || 10 + header.utf8.count + 1 < (length ?? 0) { header += " " }
        header += "\n"
        let length = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }
}
