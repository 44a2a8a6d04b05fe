/// The lookup table derived from `InstructionTable.specs`: 64 primary opcodes
/// times 1024 values of bits 21-30, one `Opcode` byte each (64 KB). Primary
/// opcodes without an extended opcode fill all 1024 slots; forms whose
/// extended opcode is narrower than 10 bits (XO: 9 bits plus OE, A: 5 bits)
/// fill every slot they match. Decoding is then a single load.
///
/// Invalid forms come from the table too: a reserved or required bit inside
/// bits 21-30 leaves its slots `.invalid` (sc with bit 30 clear), the
/// reserved bits outside them are one mask per opcode (`residualReserved`,
/// one AND in the interpreter loop), and the operand rules
/// (`InvalidForm`: update forms, lswx, bcctr) are checked by the few
/// handlers they concern. `decode(_:)` applies all three.
public final class DecodeTable: @unchecked Sendable {
    public static let shared = DecodeTable()
    /// The shared table's storage: a plain pointer, so the interpreter's
    /// entry does not retain and release the table object on every call.
    nonisolated(unsafe) public static let sharedTable: UnsafeMutablePointer<Opcode> = shared.table

    public let table: UnsafeMutablePointer<Opcode>
    /// Per opcode (by raw value): its reserved bits outside bits 21-30 (the
    /// ones the slot cannot encode). A word with any of them set is illegal.
    public let residualReserved: UnsafeMutablePointer<UInt32>
    nonisolated(unsafe) public static let sharedResidualReserved: UnsafeMutablePointer<UInt32> = shared.residualReserved

    private init() {
        table = .allocate(capacity: 64 * 1024)
        table.initialize(repeating: .invalid, count: 64 * 1024)
        residualReserved = .allocate(capacity: Opcode.allCases.count)
        residualReserved.initialize(repeating: 0, count: Opcode.allCases.count)
        for spec in InstructionTable.specs {
            residualReserved[Int(spec.opcode.rawValue)] = spec.reserved & ~0x7FE
        }
        func put(_ primary: UInt32, _ index: Int, _ op: Opcode) {
            // Bits 21-30 of the slot against the row's reserved / required bits.
            let spec = InstructionTable.spec(op)!
            let bits = UInt32(index) << 1
            if bits & spec.reserved != 0 || bits & spec.required & 0x7FE != spec.required & 0x7FE { return }
            let slot = Int(primary) << 10 | index
            precondition(table[slot] == .invalid, "decode table conflict: \(op) and \(table[slot]) at \(primary)/\(index)")
            table[slot] = op
        }
        for spec in InstructionTable.specs {
            guard let xo = spec.extended else {
                for index in 0..<1024 { put(spec.primary, index, spec.opcode) }
                continue
            }
            switch spec.form {
            case .XO:
                put(spec.primary, Int(xo), spec.opcode)
                if spec.flags.contains(.oe) { put(spec.primary, Int(xo) | 0x200, spec.opcode) }
            case .A:
                // A-form: the 5 bits above the extended opcode are register fields.
                for high in 0..<32 { put(spec.primary, high << 5 | Int(xo), spec.opcode) }
            default:
                put(spec.primary, Int(xo), spec.opcode)
            }
        }
    }

    /// The opcode of `word`: `.invalid` if the table has no row for it or
    /// the word is an invalid form of its row (what the core raises an
    /// illegal-instruction exception for).
    public func decode(_ word: UInt32) -> Opcode {
        let op = slotOpcode(word)
        guard let spec = InstructionTable.spec(op), !spec.isInvalid(word) else { return .invalid }
        return op
    }

    /// The opcode of `word`'s slot, before the reserved bits outside bits
    /// 21-30 and the operand rules are looked at.
    @inlinable @inline(__always)
    public func slotOpcode(_ word: UInt32) -> Opcode {
        table[Int(word >> 26) << 10 | Int((word >> 1) & 0x3FF)]
    }
}
