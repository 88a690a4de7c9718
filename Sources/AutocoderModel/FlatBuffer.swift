// A bounds-checked, read-only view of a FlatBuffer.
//
// Every read checks its range against the buffer before touching memory, so a
// truncated or corrupt file produces a `FlatBufferError` rather than a crash.
// Offsets are followed only along the paths the caller asks for, so a cyclic
// or self-referencing corrupt file cannot make a reader loop.
//
// Values are immutable and may be used from any thread.

/// A problem found while walking a FlatBuffer; `message` says what and where.
public struct FlatBufferError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The bytes of a FlatBuffer, shared by every table and vector read from it.
struct FlatBuffer: Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    func checkRange(_ position: Int, _ length: Int, _ what: @autoclosure () -> String) throws {
        guard position >= 0, length >= 0, position <= bytes.count - length else {
            throw FlatBufferError(message: "\(what()) at byte \(position) (+\(length)) lies outside the \(bytes.count)-byte file")
        }
    }

    func load<T: FixedWidthInteger>(_ type: T.Type, at position: Int, _ what: @autoclosure () -> String) throws -> T {
        try checkRange(position, MemoryLayout<T>.size, what())
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
    }

    /// The root table, whose offset is the first 32-bit word of the buffer.
    func rootTable() throws -> FlatTable {
        let rootOffset = try load(UInt32.self, at: 0, "root table offset")
        return try FlatTable(buffer: self, position: Int(rootOffset), what: "model")
    }
}

/// A table: a position plus the vtable that says where its fields are.
struct FlatTable {
    let buffer: FlatBuffer
    let position: Int
    private let vtable: Int
    private let vtableSize: Int
    let what: String

    init(buffer: FlatBuffer, position: Int, what: String) throws {
        self.buffer = buffer
        self.position = position
        self.what = what
        let vtableDistance = try buffer.load(Int32.self, at: position, "\(what) vtable offset")
        let vtable = position - Int(vtableDistance)
        let vtableSize = Int(try buffer.load(UInt16.self, at: vtable, "\(what) vtable"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw FlatBufferError(message: "\(what) has a malformed vtable (size \(vtableSize))")
        }
        try buffer.checkRange(vtable, vtableSize, "\(what) vtable")
        self.vtable = vtable
        self.vtableSize = vtableSize
    }

    /// Absolute position of field `id`, or nil when the field is absent.
    func fieldPosition(_ id: Int) throws -> Int? {
        let entry = 4 + 2 * id
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try buffer.load(UInt16.self, at: vtable + entry, "\(what) field \(id) entry"))
        return offset == 0 ? nil : position + offset
    }

    func scalar<T: FixedWidthInteger>(_ id: Int, _ type: T.Type, default value: T) throws -> T {
        guard let field = try fieldPosition(id) else { return value }
        return try buffer.load(T.self, at: field, "\(what) field \(id)")
    }

    func table(_ id: Int, _ name: String) throws -> FlatTable? {
        guard let field = try fieldPosition(id) else { return nil }
        let target = field + Int(try buffer.load(UInt32.self, at: field, "\(what).\(name) offset"))
        return try FlatTable(buffer: buffer, position: target, what: "\(what).\(name)")
    }

    func vector(_ id: Int, _ name: String, elementSize: Int) throws -> FlatVector? {
        guard let field = try fieldPosition(id) else { return nil }
        let start = field + Int(try buffer.load(UInt32.self, at: field, "\(what).\(name) offset"))
        let count = Int(try buffer.load(UInt32.self, at: start, "\(what).\(name) length"))
        let label = "\(what).\(name)"
        try buffer.checkRange(start + 4, count * elementSize, "\(label) (\(count) elements)")
        return FlatVector(buffer: buffer, elements: start + 4, count: count, elementSize: elementSize, what: label)
    }

    func string(_ id: Int, _ name: String) throws -> String? {
        guard let vector = try vector(id, name, elementSize: 1) else { return nil }
        return String(decoding: buffer.bytes[vector.elements..<vector.elements + vector.count], as: UTF8.self)
    }

    /// A vector of 32-bit integers (tensor indices, shapes), empty when absent.
    func int32s(_ id: Int, _ name: String) throws -> [Int] {
        try optionalInt32s(id, name) ?? []
    }

    /// A vector of 32-bit integers, or nil when the field is absent (where that differs from empty).
    func optionalInt32s(_ id: Int, _ name: String) throws -> [Int]? {
        guard let vector = try vector(id, name, elementSize: 4) else { return nil }
        return try (0..<vector.count).map { Int(try vector.scalar($0, Int32.self)) }
    }

    /// The tables of a vector of tables, empty when absent.
    func tables(_ id: Int, _ name: String) throws -> [FlatTable] {
        guard let vector = try vector(id, name, elementSize: 4) else { return [] }
        return try (0..<vector.count).map { try vector.table($0) }
    }
}

/// A vector's element range; elements are read on demand.
struct FlatVector {
    let buffer: FlatBuffer
    let elements: Int
    let count: Int
    let elementSize: Int
    let what: String

    func scalar<T: FixedWidthInteger>(_ index: Int, _ type: T.Type) throws -> T {
        try buffer.load(T.self, at: elements + index * elementSize, "\(what)[\(index)]")
    }

    func table(_ index: Int) throws -> FlatTable {
        let slot = elements + index * 4
        let target = slot + Int(try buffer.load(UInt32.self, at: slot, "\(what)[\(index)] offset"))
        return try FlatTable(buffer: buffer, position: target, what: "\(what)[\(index)]")
    }

    var byteRange: Range<Int> { elements..<elements + count * elementSize }
}
