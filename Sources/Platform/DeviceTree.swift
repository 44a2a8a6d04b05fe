/// A property value in device-tree encoding: big-endian cells, NUL-terminated
/// strings, raw bytes.
public struct DeviceTreeValue: Equatable, Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A boolean property (`interrupt-controller;`).
    public static let empty = DeviceTreeValue(bytes: [])
    public static func string(_ s: String) -> DeviceTreeValue { DeviceTreeValue(bytes: Array(s.utf8) + [0]) }
    /// A string list (`compatible = "a", "b";`).
    public static func strings(_ list: String...) -> DeviceTreeValue { strings(list) }
    public static func strings(_ list: [String]) -> DeviceTreeValue {
        DeviceTreeValue(bytes: list.flatMap { Array($0.utf8) + [0] })
    }
    public static func cells(_ list: UInt32...) -> DeviceTreeValue { cells(list) }
    public static func cells(_ list: [UInt32]) -> DeviceTreeValue {
        DeviceTreeValue(bytes: list.flatMap { bigEndianBytes($0) })
    }
    /// A 64-bit number as two cells, high first (an address or size with `#…-cells = <2>`).
    public static func u64(_ v: UInt64) -> DeviceTreeValue {
        cells(UInt32(truncatingIfNeeded: v >> 32), UInt32(truncatingIfNeeded: v))
    }
    public static func byteArray(_ b: [UInt8]) -> DeviceTreeValue { DeviceTreeValue(bytes: b) }
}

/// A node of a device tree being built. Properties and children keep the
/// order they were added in, which is the order in the blob and in `dtc`'s
/// output.
public final class DeviceTreeNode {
    public let name: String
    public private(set) var properties: [(name: String, value: DeviceTreeValue)] = []
    public private(set) var children: [DeviceTreeNode] = []

    public init(_ name: String) { self.name = name }

    /// Sets a property, replacing an earlier value of the same name in place.
    @discardableResult
    public func set(_ property: String, _ value: DeviceTreeValue) -> DeviceTreeNode {
        if let i = properties.firstIndex(where: { $0.name == property }) {
            properties[i].value = value
        } else {
            properties.append((property, value))
        }
        return self
    }

    public func property(_ name: String) -> DeviceTreeValue? {
        properties.first { $0.name == name }?.value
    }

    /// Adds a child node and returns it.
    @discardableResult
    public func addChild(_ name: String) -> DeviceTreeNode {
        precondition(!children.contains { $0.name == name }, "duplicate node \(name) under \(self.name)")
        let node = DeviceTreeNode(name)
        children.append(node)
        return node
    }

    public func child(_ name: String) -> DeviceTreeNode? { children.first { $0.name == name } }

    /// The node at an absolute path below this one ("/soc@fe0000000/serial@4500").
    public func node(at path: String) -> DeviceTreeNode? {
        var node: DeviceTreeNode? = self
        for part in path.split(separator: "/") { node = node?.child(String(part)) }
        return node
    }
}

/// A whole tree and its blob header fields, serialized as a flattened device
/// tree (DTB) version 17, last compatible version 16, the format
/// `dtc -O dtb` writes and Linux's `early_init_dt_verify` accepts.
///
/// Layout: 40-byte header, memory reservation block (8-byte aligned; pairs
/// of u64 ending in 0,0), structure block (4-byte tokens; node names and
/// property values padded to 4), strings block (property names, each stored
/// once). All big-endian.
public struct FlattenedDeviceTree {
    public static let magic: UInt32 = 0xD00D_FEED
    static let beginNode: UInt32 = 1
    static let endNode: UInt32 = 2
    static let propertyToken: UInt32 = 3
    static let end: UInt32 = 9

    public var root: DeviceTreeNode
    /// Must equal the boot CPU node's `reg` or Linux finds no boot CPU.
    public var bootCPU: UInt32 = 0
    public var reservations: [(address: UInt64, size: UInt64)] = []

    public init(root: DeviceTreeNode, bootCPU: UInt32 = 0, reservations: [(address: UInt64, size: UInt64)] = []) {
        self.root = root
        self.bootCPU = bootCPU
        self.reservations = reservations
    }

    public func serialized() -> [UInt8] {
        var strings: [UInt8] = []
        var stringOffsets: [String: UInt32] = [:]
        var structure: [UInt8] = []

        func nameOffset(_ name: String) -> UInt32 {
            if let o = stringOffsets[name] { return o }
            let o = UInt32(strings.count)
            strings += Array(name.utf8) + [0]
            stringOffsets[name] = o
            return o
        }
        func pad4() { while structure.count % 4 != 0 { structure.append(0) } }
        func emit(_ node: DeviceTreeNode) {
            structure += bigEndianBytes(FlattenedDeviceTree.beginNode)
            structure += Array(node.name.utf8) + [0]
            pad4()
            for (name, value) in node.properties {
                structure += bigEndianBytes(FlattenedDeviceTree.propertyToken)
                structure += bigEndianBytes(UInt32(value.bytes.count))
                structure += bigEndianBytes(nameOffset(name))
                structure += value.bytes
                pad4()
            }
            for child in node.children { emit(child) }
            structure += bigEndianBytes(FlattenedDeviceTree.endNode)
        }
        emit(root)
        structure += bigEndianBytes(FlattenedDeviceTree.end)

        let headerSize = 40
        let reservationOffset = (headerSize + 7) & ~7
        var reservationBlock: [UInt8] = []
        for r in reservations + [(0, 0)] {
            reservationBlock += bigEndianBytes(UInt32(truncatingIfNeeded: r.address >> 32)) + bigEndianBytes(UInt32(truncatingIfNeeded: r.address))
            reservationBlock += bigEndianBytes(UInt32(truncatingIfNeeded: r.size >> 32)) + bigEndianBytes(UInt32(truncatingIfNeeded: r.size))
        }
        let structureOffset = reservationOffset + reservationBlock.count
        let stringsOffset = structureOffset + structure.count
        let total = stringsOffset + strings.count

        var blob: [UInt8] = []
        blob.reserveCapacity(total)
        for field in [FlattenedDeviceTree.magic, UInt32(total), UInt32(structureOffset), UInt32(stringsOffset),
                      UInt32(reservationOffset), 17, 16, bootCPU, UInt32(strings.count), UInt32(structure.count)] {
            blob += bigEndianBytes(field)
        }
        blob += [UInt8](repeating: 0, count: reservationOffset - headerSize)
        blob += reservationBlock
        blob += structure
        blob += strings
        return blob
    }
}

@inline(__always)
func bigEndianBytes(_ v: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
}
