#if canImport(Glibc)
import Glibc
#endif
/// Builds a guest (big-endian) structure field by field at explicit offsets,
/// so layouts read like the C declarations they copy.
package struct BigEndianWriter {
    package private(set) var bytes: [UInt8]

    package init(size: Int) { bytes = [UInt8](repeating: 0, count: size) }

    package mutating func put8(_ value: UInt8, at offset: Int) { bytes[offset] = value }

    package mutating func put16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    package mutating func put32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
    }

    package mutating func put64(_ value: UInt64, at offset: Int) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(i))) }
    }

    /// Stores a signed host value into a 32-bit guest field (truncating, as a C cast would).
    package mutating func putInt32<T: BinaryInteger>(_ value: T, at offset: Int) {
        put32(UInt32(truncatingIfNeeded: value), at: offset)
    }

    package mutating func putInt64<T: BinaryInteger>(_ value: T, at offset: Int) {
        put64(UInt64(truncatingIfNeeded: value), at: offset)
    }

    package mutating func putBytes(_ source: some Collection<UInt8>, at offset: Int) {
        var i = offset
        for b in source { bytes[i] = b; i += 1 }
    }
}

/// Reads fields of a guest (big-endian) structure copied out of guest memory.
package struct BigEndianReader {
    package let bytes: [UInt8]

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package func u8(at offset: Int) -> UInt8 { bytes[offset] }

    package func u16(at offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }

    package func u32(at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    package func u64(at offset: Int) -> UInt64 { UInt64(u32(at: offset)) << 32 | UInt64(u32(at: offset + 4)) }

    package func i32(at offset: Int) -> Int32 { Int32(bitPattern: u32(at: offset)) }

    package func i64(at offset: Int) -> Int64 { Int64(bitPattern: u64(at: offset)) }
}
