/// A 32-bit PowerPC instruction word with its named fields (bit numbers are
/// the ISA's, 0 = most significant). Accessors are `@inlinable` so the
/// interpreter in another module compiles them to single shifts and masks.
@frozen
public struct Instruction: Equatable, Sendable {
    public let word: UInt32
    @inlinable @inline(__always) public init(_ word: UInt32) { self.word = word }

    /// Primary opcode, bits 0-5.
    @inlinable @inline(__always) public var primary: UInt32 { word >> 26 }
    /// rD / rS / frD / frS / BO / TO field, bits 6-10.
    @inlinable @inline(__always) public var rD: Int { Int((word >> 21) & 31) }
    @inlinable @inline(__always) public var rS: Int { rD }
    /// rA / BI field, bits 11-15.
    @inlinable @inline(__always) public var rA: Int { Int((word >> 16) & 31) }
    /// rB / SH / NB field, bits 16-20.
    @inlinable @inline(__always) public var rB: Int { Int((word >> 11) & 31) }
    /// frC / MB field, bits 21-25.
    @inlinable @inline(__always) public var rC: Int { Int((word >> 6) & 31) }
    /// Sign-extended 16-bit immediate (SIMM, d).
    @inlinable @inline(__always) public var simm: Int32 { Int32(Int16(truncatingIfNeeded: word)) }
    /// Zero-extended 16-bit immediate (UIMM).
    @inlinable @inline(__always) public var uimm: UInt32 { word & 0xFFFF }
    /// 10-bit extended opcode, bits 21-30.
    @inlinable @inline(__always) public var xo10: Int { Int((word >> 1) & 0x3FF) }
    /// Record bit (Rc), bit 31: the `.` forms.
    @inlinable @inline(__always) public var rc: Bool { word & 1 != 0 }
    /// Overflow-enable bit (OE), bit 21: the `o` forms of XO-form arithmetic.
    @inlinable @inline(__always) public var oe: Bool { word & 0x400 != 0 }
    /// Link bit (LK), bit 31 of branches.
    @inlinable @inline(__always) public var lk: Bool { word & 1 != 0 }
    /// Absolute-address bit (AA), bit 30 of branches.
    @inlinable @inline(__always) public var aa: Bool { word & 2 != 0 }
    @inlinable @inline(__always) public var bo: UInt32 { (word >> 21) & 31 }
    @inlinable @inline(__always) public var bi: UInt32 { (word >> 16) & 31 }
    /// Branch displacement of `bc`, sign-extended, in bytes.
    @inlinable @inline(__always) public var bd: Int32 { Int32(Int16(truncatingIfNeeded: word & 0xFFFC)) }
    /// Branch displacement of `b`, sign-extended 26-bit, in bytes.
    @inlinable @inline(__always) public var li: Int32 { (Int32(bitPattern: word << 6) >> 6) & ~3 }
    /// Rotate fields of M-form instructions.
    @inlinable @inline(__always) public var sh: UInt32 { (word >> 11) & 31 }
    @inlinable @inline(__always) public var mb: UInt32 { (word >> 6) & 31 }
    @inlinable @inline(__always) public var me: UInt32 { (word >> 1) & 31 }
    /// CR field numbers (crfD bits 6-8, crfS bits 11-13).
    @inlinable @inline(__always) public var crfD: Int { Int((word >> 23) & 7) }
    @inlinable @inline(__always) public var crfS: Int { Int((word >> 18) & 7) }
    /// The L bit of compares (bit 10).
    @inlinable @inline(__always) public var l: UInt32 { (word >> 21) & 1 }
    /// SPR number with its two 5-bit halves swapped back.
    @inlinable @inline(__always) public var spr: Int { Int(((word >> 16) & 31) | ((word >> 6) & 0x3E0)) }
    /// CRM field of mtcrf (bits 12-19).
    @inlinable @inline(__always) public var crm: UInt32 { (word >> 12) & 0xFF }
    /// FLM field of mtfsf (bits 7-14).
    @inlinable @inline(__always) public var flm: UInt32 { (word >> 17) & 0xFF }
    /// IMM field of mtfsfi (bits 16-19).
    @inlinable @inline(__always) public var imm4: UInt32 { (word >> 12) & 0xF }
    /// E bit of wrteei (bit 16).
    @inlinable @inline(__always) public var e: UInt32 { (word >> 15) & 1 }
}
