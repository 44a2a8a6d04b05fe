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
