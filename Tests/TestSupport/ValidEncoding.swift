import PowerISA

extension InstructionSpec {
    /// Operand values that give the valid form of this row: distinct
    /// register numbers (so no rule such as update-form rA != rD fires),
    /// L = 0 and BO = 20 (branch always). The table tests encode these and
    /// expect the row back; the invalid-form tests set bits on top of them.
    public var validOperandValues: [Int64] {
        operands.enumerated().flatMap { k, operand -> [Int64] in
            switch operand {
            case .dispRA, .dispRA0: return [8, 3]
            case .bd, .li: return [8]
            case .l: return [0]
            case .bo: return [20]
            case .e: return [1]
            default: return [Int64(k + 1)]
            }
        }
    }
}

extension InstructionSpec {
    /// This load, store or cache row aimed at r10 plus `displacement` (D
    /// forms) or plus r11 (X forms), its data in r20 (r28 for lmw/stmw, so
    /// four registers) or f3; nil for a row with other operands.
    public func memoryAccess(displacement: Int64) -> UInt32? {
        var values: [Int64] = []
        for operand in operands {
            switch operand {
            case .rD, .rS: values.append(opcode == .lmw || opcode == .stmw ? 28 : 20)
            case .frD, .frS: values.append(3)
            case .dispRA, .dispRA0: values += [displacement, 10]
            case .rA, .rA0: values.append(10)
            case .rB: values.append(11)
            case .nb: values.append(8)
            case .mo: values.append(0)
            default: return nil
            }
        }
        return try? Encoder.encode(opcode, values, record: flags.contains(.setsCR0))
    }
}
