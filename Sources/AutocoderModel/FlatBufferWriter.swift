// Writes FlatBuffers front to back: each table's vtable just before it, its
// children after it, offsets patched once a child's position is known (every
// offset then points forward, as the format requires). Enough of FlatBuffers
// for the TensorFlow Lite writer; values in, bytes out; any thread.

struct FlatNode {
    enum Field {
        case uint8(UInt8)
        case int8(Int8)
        case uint32(UInt32)
        case int32(Int32)
        case child(FlatNode)
    }

    enum Kind {
        /// Fields by id; absent ids are left out of the vtable.
        case table([(id: Int, field: Field)])
        case tables([FlatNode])
        case int32s([Int32])
        /// Raw bytes, the data 16-byte aligned (tensor buffers).
        case bytes([UInt8])
        case string(String)
    }

    let kind: Kind

    static func table(_ fields: [(id: Int, field: Field)]) -> FlatNode { FlatNode(kind: .table(fields)) }
    static func tables(_ nodes: [FlatNode]) -> FlatNode { FlatNode(kind: .tables(nodes)) }
    static func int32s(_ values: [Int]) -> FlatNode { FlatNode(kind: .int32s(values.map { Int32($0) })) }
    static func bytes(_ values: [UInt8]) -> FlatNode { FlatNode(kind: .bytes(values)) }
    static func string(_ value: String) -> FlatNode { FlatNode(kind: .string(value)) }
}

struct FlatBufferWriter {
    private(set) var bytes: [UInt8] = []

    /// The buffer for `root`, with a 4-byte file identifier.
    static func buffer(root: FlatNode, identifier: String) -> [UInt8] {
        var writer = FlatBufferWriter()
        writer.bytes = [0, 0, 0, 0] + Array(identifier.utf8.prefix(4))
        let position = writer.write(root)
        writer.patch(at: 0, to: position)
        return writer.bytes
    }

    private mutating func align(_ boundary: Int, offset: Int = 0) {
        while (bytes.count + offset) % boundary != 0 { bytes.append(0) }
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private mutating func set<T: FixedWidthInteger>(_ value: T, at position: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, byte) in raw.enumerated() { bytes[position + i] = byte }
        }
    }

    /// Makes the uoffset at `field` point at `target`.
    private mutating func patch(at field: Int, to target: Int) {
        set(UInt32(target - field), at: field)
    }

    /// Writes `node` (and everything under it); returns where it starts.
    private mutating func write(_ node: FlatNode) -> Int {
        switch node.kind {
        case let .table(fields):
            return writeTable(fields)
        case let .tables(nodes):
            align(4)
            let start = bytes.count
            append(UInt32(nodes.count))
            let slots = (0..<nodes.count).map { _ -> Int in append(UInt32(0)); return bytes.count - 4 }
            for (slot, child) in zip(slots, nodes) { patch(at: slot, to: write(child)) }
            return start
        case let .int32s(values):
            align(4)
            let start = bytes.count
            append(UInt32(values.count))
            for value in values { append(value) }
            return start
        case let .bytes(values):
            align(16, offset: 4)
            let start = bytes.count
            append(UInt32(values.count))
            bytes += values
            return start
        case let .string(value):
            align(4)
            let start = bytes.count
            append(UInt32(value.utf8.count))
            bytes += Array(value.utf8) + [0]
            return start
        }
    }

    private mutating func writeTable(_ fields: [(id: Int, field: FlatNode.Field)]) -> Int {
        let sorted = fields.sorted { $0.id < $1.id }
        // Inline layout: the soffset, then each field at its natural alignment.
        var layout: [(id: Int, offset: Int, size: Int)] = []
        var size = 4
        for (id, field) in sorted {
            let width: Int
            switch field {
            case .uint8, .int8: width = 1
            case .uint32, .int32, .child: width = 4
            }
            size = (size + width - 1) / width * width
            layout.append((id, size, width))
            size += width
        }
        let slotCount = (sorted.last?.id ?? -1) + 1
        let vtableSize = 4 + 2 * slotCount
        align(4, offset: vtableSize)
        let vtable = bytes.count
        append(UInt16(vtableSize))
        append(UInt16((size + 3) / 4 * 4))
        for id in 0..<slotCount { append(UInt16(layout.first { $0.id == id }?.offset ?? 0)) }
        let table = bytes.count
        append(Int32(table - vtable))
        bytes += [UInt8](repeating: 0, count: (size + 3) / 4 * 4 - 4)
        var children: [(slot: Int, node: FlatNode)] = []
        for ((_, field), place) in zip(sorted, layout) {
            let at = table + place.offset
            switch field {
            case let .uint8(v): bytes[at] = v
            case let .int8(v): bytes[at] = UInt8(bitPattern: v)
            case let .uint32(v): set(v, at: at)
            case let .int32(v): set(v, at: at)
            case let .child(node): children.append((at, node))
            }
        }
        for (slot, node) in children { patch(at: slot, to: write(node)) }
        return table
    }
}
