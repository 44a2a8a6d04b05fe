import PowerISA

/// Floating-point loads, stores and arithmetic: the glue between instruction
/// fields and the FPU (FloatingPoint/).
extension Core {
    func floatingPointLoadStore(_ op: Opcode, _ i: Instruction) {
        let update: Bool
        let ea: UInt32
        switch op {
        case .lfs, .lfd, .stfs, .stfd: ea = displacementEA(i); update = false
        case .lfsu, .lfdu, .stfsu, .stfdu: ea = gpr[i.rA] &+ UInt32(bitPattern: i.simm); update = true
        case .lfsux, .lfdux, .stfsux, .stfdux: ea = gpr[i.rA] &+ gpr[i.rB]; update = true
        default: ea = indexedEA(i); update = false
        }
        switch op {
        case .lfs, .lfsu, .lfsx, .lfsux:
            let v = load32(ea)
            guard pendingStop == nil else { return }
            fpr[i.rD] = singleToDouble(v)
        case .lfd, .lfdu, .lfdx, .lfdux:
            let v = load64(ea)
            guard pendingStop == nil else { return }
            fpr[i.rD] = v
        case .stfs, .stfsu, .stfsx, .stfsux:
            store32(ea, doubleToSingle(fpr[i.rS]))
        case .stfiwx:
            store32(ea, UInt32(truncatingIfNeeded: fpr[i.rS]))
        default /* stfd family */:
            store64(ea, fpr[i.rS])
        }
        if update && pendingStop == nil { gpr[i.rA] = ea }
    }

    /// FP arithmetic and FPSCR instructions; false if not implemented.
    func floatingPoint(_ op: Opcode, _ i: Instruction) -> Bool {
        switch op {
        case .fmr: fpr[i.rD] = fpr[i.rB]
        case .fneg: fpr[i.rD] = fpr[i.rB] ^ (1 << 63)
        case .fabs: fpr[i.rD] = fpr[i.rB] & ~(1 << 63)
        case .fnabs: fpr[i.rD] = fpr[i.rB] | (1 << 63)
        default: return false
        }
        if i.rc { setCR1() }
        return true
    }

    /// CR1 = FPSCR[FX, FEX, VX, OX] for the `.` forms.
    @inline(__always)
    func setCR1() { setCRField(1, fpscr >> 28) }

    // Placeholders for the FPU's exact conversions.
    func singleToDouble(_ s: UInt32) -> UInt64 { Double(Float(bitPattern: s)).bitPattern }
    func doubleToSingle(_ d: UInt64) -> UInt32 { Float(Double(bitPattern: d)).bitPattern }
}
