import PowerISA

/// Integer loads and stores: plain, update, indexed, multiple, string and
/// reservation forms. A faulting access leaves registers and memory as they
/// were (the instruction does not retire).
extension Core {
    /// (rA|0) + d
    @inline(__always)
    package func displacementEA(_ i: Instruction) -> UInt32 {
        (i.rA == 0 ? 0 : gpr[i.rA]) &+ UInt32(bitPattern: i.simm)
    }

    /// (rA|0) + rB
    @inline(__always)
    package func indexedEA(_ i: Instruction) -> UInt32 {
        (i.rA == 0 ? 0 : gpr[i.rA]) &+ gpr[i.rB]
    }

    @inline(__always)
    func loadInt(_ i: Instruction, ea: UInt32, size: UInt32, update: Bool, signed: Bool = false) {
        if update && InvalidForm.updateRAZeroOrRD.rejects(i.word) {
            requestStop(.illegalInstruction(word: i.word))
            return
        }
        var v: UInt32
        switch size {
        case 1: v = load8(ea)
        case 2: v = load16(ea)
        default: v = load32(ea)
        }
        guard !stopPending else { return }
        if signed { v = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: v))) }
        if update { gpr[i.rA] = ea }
        gpr[i.rD] = v
    }

    @inline(__always)
    func storeInt(_ i: Instruction, ea: UInt32, size: UInt32, update: Bool) {
        if update && InvalidForm.updateRAZero.rejects(i.word) {
            requestStop(.illegalInstruction(word: i.word))
            return
        }
        let v = gpr[i.rS]
        switch size {
        case 1: store8(ea, v)
        case 2: store16(ea, v)
        default: store32(ea, v)
        }
        if update && !stopPending { gpr[i.rA] = ea }
    }

    func loadMultiple(_ i: Instruction) {
        let ea = displacementEA(i)
        let count = UInt32(32 - i.rD)
        guard canRead(ea, 4 * count) else { return }
        for k in 0..<count { gpr[i.rD + Int(k)] = load32(ea &+ 4 * k) }
    }

    func storeMultiple(_ i: Instruction) {
        let ea = displacementEA(i)
        let count = UInt32(32 - i.rS)
        guard canWrite(ea, 4 * count) else { return }
        for k in 0..<count { store32(ea &+ 4 * k, gpr[i.rS + Int(k)]) }
    }

    /// lswi/lswx: `count` bytes into consecutive registers from `first`,
    /// high byte first, wrapping from r31 to r0; the last register is zero-padded.
    func loadString(_ first: Int, ea: UInt32, count: UInt32) {
        guard count > 0 else { return }
        guard canRead(ea, count) else { return }
        var reg = first
        var k: UInt32 = 0
        while k < count {
            var word: UInt32 = 0
            for b in 0..<4 {
                let byte = k < count ? load8(ea &+ k) : 0
                word |= byte << UInt32(24 - 8 * b)
                k += 1
            }
            gpr[reg] = word
            reg = (reg + 1) & 31
        }
    }

    func storeString(_ first: Int, ea: UInt32, count: UInt32) {
        guard count > 0 else { return }
        guard canWrite(ea, count) else { return }
        var reg = first
        var k: UInt32 = 0
        while k < count {
            let word = gpr[reg]
            for b in 0..<4 where k < count {
                store8(ea &+ k, word >> UInt32(24 - 8 * b))
                k += 1
            }
            reg = (reg + 1) & 31
        }
    }

    /// stwcx.: stores only if this core's reservation covers `ea` and memory
    /// still holds what lwarx read; CR0 = 00 || success || XER[SO].
    func storeConditional(_ i: Instruction, _ ea: UInt32) {
        guard canWrite(ea, 4) else { return }
        var success = false
        if reservation == ea && load32(ea) == reservationValue {
            store32(ea, gpr[i.rS])
            success = true
        }
        reservation = nil
        setCRField(0, (success ? 2 : 0) | xerSO)
    }
}
