/// Lookup tables derived from `InstructionTable.specs`: one entry per primary
/// opcode and, for the four primary opcodes with extended opcodes (19, 31, 59,
/// 63), a 1024-entry table indexed by bits 21-30. Forms whose extended opcode
/// is narrower (XO: 9 bits plus OE, A: 5 bits) fill every index they match.
///
/// The tables are plain memory so the interpreter decodes with two loads.
public final class DecodeTable: @unchecked Sendable {
    public static let shared = DecodeTable()

    /// Opcode raw value, or `secondaryFlag | tableNumber` for primaries 19/31/59/63.
    public let primary: UnsafeMutablePointer<UInt16>
    /// Four tables of 1024 opcode raw values.
    public let secondary: UnsafeMutablePointer<UInt16>
    public static let secondaryFlag: UInt16 = 0x8000

    private init() {
        primary = .allocate(capacity: 64)
        primary.initialize(repeating: Opcode.invalid.rawValue, count: 64)
        secondary = .allocate(capacity: 4 * 1024)
        secondary.initialize(repeating: Opcode.invalid.rawValue, count: 4 * 1024)
        let extendedPrimaries: [UInt32] = [19, 31, 59, 63]
        for (n, p) in extendedPrimaries.enumerated() {
            primary[Int(p)] = DecodeTable.secondaryFlag | UInt16(n)
        }
        func put(_ table: Int, _ index: Int, _ op: Opcode) {
            let slot = table * 1024 + index
            precondition(secondary[slot] == Opcode.invalid.rawValue,
                         "decode table conflict: \(op) and \(Opcode(rawValue: secondary[slot])!) at \(index)")
            secondary[slot] = op.rawValue
        }
        for spec in InstructionTable.specs {
            guard let xo = spec.extended else {
                precondition(primary[Int(spec.primary)] == Opcode.invalid.rawValue, "primary opcode \(spec.primary) used twice")
                primary[Int(spec.primary)] = spec.opcode.rawValue
                continue
            }
            let table = extendedPrimaries.firstIndex(of: spec.primary)!
            switch spec.form {
            case .XO:
                put(table, Int(xo), spec.opcode)
                if spec.flags.contains(.oe) { put(table, Int(xo) | 0x200, spec.opcode) }
            case .A:
                // A-form: the 5 bits above the extended opcode are register fields.
                for high in 0..<32 { put(table, high << 5 | Int(xo), spec.opcode) }
            default:
                put(table, Int(xo), spec.opcode)
            }
        }
    }

    /// The opcode of `word` (`.invalid` if the table has no row for it).
    @inlinable
    public func decode(_ word: UInt32) -> Opcode {
        let entry = primary[Int(word >> 26)]
        let raw = entry & DecodeTable.secondaryFlag == 0
            ? entry
            : secondary[Int(entry & 3) << 10 | Int((word >> 1) & 0x3FF)]
        return Opcode(rawValue: raw).unsafelyUnwrapped
    }
}
