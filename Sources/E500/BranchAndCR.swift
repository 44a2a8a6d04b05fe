import PowerISA

/// Branch conditions and the condition-register instructions.
extension Core {
    /// Evaluates BO/BI, decrementing CTR when BO says so.
    @inline(__always)
    func branchTaken(_ bo: UInt32, _ bi: UInt32) -> Bool {
        var ctrOK = true
        if bo & 4 == 0 {
            ctr &-= 1
            ctrOK = (ctr != 0) != (bo & 2 != 0)
        }
        let condOK = bo & 0x10 != 0 || ((cr >> (31 - bi)) & 1) == ((bo >> 3) & 1)
        return ctrOK && condOK
    }

    /// Replaces 4-bit field `n` (0 = CR0, the most significant).
    @inline(__always)
    func setCRField(_ n: Int, _ value: UInt32) {
        let shift = UInt32(28 - 4 * n)
        cr = (cr & ~(0xF << shift)) | ((value & 0xF) << shift)
    }

    /// Expands an 8-bit field mask (mtcrf's CRM, bit 7 = CR0) to a 32-bit mask.
    @inline(__always)
    func fieldMask(_ fields: UInt32) -> UInt32 {
        var mask: UInt32 = 0
        for n in 0..<8 where fields & (0x80 >> UInt32(n)) != 0 { mask |= 0xF000_0000 >> UInt32(4 * n) }
        return mask
    }

    func conditionRegisterLogical(_ op: Opcode, _ i: Instruction) {
        let a = (cr >> (31 - UInt32(i.rA))) & 1
        let b = (cr >> (31 - UInt32(i.rB))) & 1
        let r: UInt32
        switch op {
        case .crand: r = a & b
        case .cror: r = a | b
        case .crxor: r = a ^ b
        case .crnand: r = ~(a & b) & 1
        case .crnor: r = ~(a | b) & 1
        case .creqv: r = ~(a ^ b) & 1
        case .crandc: r = a & ~b & 1
        default /* .crorc */: r = (a | ~b) & 1
        }
        let bit: UInt32 = 1 << (31 - UInt32(i.rD))
        cr = r != 0 ? cr | bit : cr & ~bit
    }
}
