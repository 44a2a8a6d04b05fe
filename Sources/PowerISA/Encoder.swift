/// Builds instruction words from an opcode and operand values, the inverse of
/// decoding; the binary translator and the random-sequence tests use it.
public enum Encoder {
    public enum EncodeError: Error, Equatable {
        case unknownOpcode(Opcode)
        case operandCount(Opcode, expected: Int, got: Int)
        case operandRange(Opcode, Operand, Int64)
    }

    /// Encodes `op` with `values` in the table's operand order. `dispRA`
    /// operands take two values: the displacement, then rA. Branch targets are
    /// byte displacements (or absolute addresses with `aa`).
    public static func encode(_ op: Opcode, _ values: [Int64], record: Bool = false, overflow: Bool = false,
                              link: Bool = false, absolute: Bool = false) throws -> UInt32 {
        guard let spec = InstructionTable.spec(op) else { throw EncodeError.unknownOpcode(op) }
        let expected = spec.operands.reduce(0) { $0 + ($1 == .dispRA || $1 == .dispRA0 ? 2 : 1) }
        guard values.count == expected else { throw EncodeError.operandCount(op, expected: expected, got: values.count) }
        var word = spec.primary << 26
        if let xo = spec.extended { word |= xo << 1 }
        if spec.form == .SC { word |= 2 }
        if record { word |= 1 }
        if overflow { word |= 0x400 }
        if link { word |= 1 }
        if absolute { word |= 2 }
        var i = 0
        for operand in spec.operands {
            switch operand {
            case .dispRA, .dispRA0:
                word |= try place(op, .simm, values[i])
                word |= try place(op, .rA, values[i + 1])
                i += 2
            case .spr, .tbr, .dcr, .pmr:
                let n = values[i]
                guard (0..<1024).contains(n) else { throw EncodeError.operandRange(op, operand, n) }
                word |= UInt32(n & 31) << 16 | UInt32(n >> 5) << 11
                i += 1
            case .bd, .li:
                let bits: Int64 = operand == .bd ? 16 : 26
                let v = values[i]
                let limit = Int64(1) << (bits - 1)
                guard v & 3 == 0, (absolute ? (v >= -limit && v < limit) || (v >= 0 && v < 2 * limit) : (v >= -limit && v < limit)) else {
                    throw EncodeError.operandRange(op, operand, v)
                }
                word |= UInt32(truncatingIfNeeded: v) & UInt32((1 << bits) - 4)
                i += 1
            default:
                word |= try place(op, operand, values[i])
                i += 1
            }
        }
        return word
    }

    private static func place(_ op: Opcode, _ operand: Operand, _ value: Int64) throws -> UInt32 {
        let (shift, width) = operand.field
        let signed = operand == .simm
        let low: Int64 = signed ? -(1 << (width - 1)) : 0
        let high: Int64 = signed ? (1 << (width - 1)) - 1 : (1 << width) - 1
        // 16-bit immediates may be given either signed or unsigned.
        let ok = (low...high).contains(value) || (width == 16 && (-(1 << 15)...0xFFFF).contains(value))
        guard ok else { throw EncodeError.operandRange(op, operand, value) }
        return (UInt32(truncatingIfNeeded: value) & UInt32((1 << width) - 1)) << shift
    }
}
