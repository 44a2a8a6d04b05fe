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
        if update && InvalidForm.updateRAZero.rejects(i.word) {
            requestStop(.illegalInstruction(word: i.word))
            return
        }
        switch op {
        case .lfs, .lfsu, .lfsx, .lfsux:
            let v = load32(ea)
            guard !stopPending else { return }
            fpr[i.rD] = singleToDouble(v)
        case .lfd, .lfdu, .lfdx, .lfdux:
            let v = load64(ea)
            guard !stopPending else { return }
            fpr[i.rD] = v
        case .stfs, .stfsu, .stfsx, .stfsux:
            store32(ea, doubleToSingle(fpr[i.rS]))
        case .stfiwx:
            store32(ea, UInt32(truncatingIfNeeded: fpr[i.rS]))
        default /* stfd family */:
            store64(ea, fpr[i.rS])
        }
        if update && !stopPending { gpr[i.rA] = ea }
    }

    /// FP arithmetic and FPSCR instructions; false if not implemented.
    func floatingPoint(_ op: Opcode, _ i: Instruction) -> Bool {
        let a = fpr[i.rA], b = fpr[i.rB], c = fpr[i.rC]
        var enabled = false
        var result: UInt64? = nil
        switch op {
        case .fadd, .fadds: result = FPU.add(a, b, single: op == .fadds, fpscr: &fpscr, enabledException: &enabled)
        case .fsub, .fsubs: result = FPU.sub(a, b, single: op == .fsubs, fpscr: &fpscr, enabledException: &enabled)
        case .fmul, .fmuls: result = FPU.mul(a, c, single: op == .fmuls, fpscr: &fpscr, enabledException: &enabled)
        case .fdiv, .fdivs: result = FPU.div(a, b, single: op == .fdivs, fpscr: &fpscr, enabledException: &enabled)
        case .fmadd, .fmadds:
            result = FPU.multiplyAdd(a, c, b, kind: .fmadd, single: op == .fmadds, fpscr: &fpscr, enabledException: &enabled)
        case .fmsub, .fmsubs:
            result = FPU.multiplyAdd(a, c, b, kind: .fmsub, single: op == .fmsubs, fpscr: &fpscr, enabledException: &enabled)
        case .fnmadd, .fnmadds:
            result = FPU.multiplyAdd(a, c, b, kind: .fnmadd, single: op == .fnmadds, fpscr: &fpscr, enabledException: &enabled)
        case .fnmsub, .fnmsubs:
            result = FPU.multiplyAdd(a, c, b, kind: .fnmsub, single: op == .fnmsubs, fpscr: &fpscr, enabledException: &enabled)
        case .fres: result = FPU.reciprocalEstimate(b, fpscr: &fpscr, enabledException: &enabled)
        case .frsqrte: result = FPU.reciprocalSqrtEstimate(b, fpscr: &fpscr, enabledException: &enabled)
        case .frsp: result = FPU.roundToSingle(b, fpscr: &fpscr, enabledException: &enabled)
        case .fctiw, .fctiwz:
            result = FPU.convertToInt32(b, roundTowardZero: op == .fctiwz, fpscr: &fpscr, enabledException: &enabled)
        case .fsel: result = FPU.select(a, c, b)
        case .fmr: result = b
        case .fneg: result = FPU.negate(b)
        case .fabs: result = FPU.absolute(b)
        case .fnabs: result = FPU.negativeAbsolute(b)
        case .fcmpu, .fcmpo:
            let field = FPU.compare(a, b, ordered: op == .fcmpo, fpscr: &fpscr, enabledException: &enabled)
            setCRField(i.crfD, field)
        case .mffs: result = FPU.mffs(fpscr)
        case .mtfsf:
            // L = 1 (bit 6) writes all fields. (W = 1, bit 15, is a reserved bit
            // in the table: such words never get here.)
            let fields = i.word & 0x0200_0000 != 0 ? 0xFF : i.flm
            FPU.mtfsf(fields: fields, value: b, fpscr: &fpscr, enabledException: &enabled)
        case .mtfsfi: FPU.mtfsfi(field: UInt32(i.crfD), immediate: i.imm4, fpscr: &fpscr, enabledException: &enabled)
        case .mtfsb0: FPU.mtfsb0(bit: UInt32(i.rD), fpscr: &fpscr)
        case .mtfsb1: FPU.mtfsb1(bit: UInt32(i.rD), fpscr: &fpscr, enabledException: &enabled)
        case .mcrfs: setCRField(i.crfD, FPU.mcrfs(field: UInt32(i.crfS), fpscr: &fpscr))
        default: return false
        }
        if let result { fpr[i.rD] = result }
        if i.rc && op != .fcmpu && op != .fcmpo && op != .mcrfs { setCR1() }
        if enabled { requestStop(.floatingPointException) }
        return true
    }

    /// CR1 = FPSCR[FX, FEX, VX, OX] for the `.` forms.
    @inline(__always)
    func setCR1() { setCRField(1, fpscr >> 28) }

    func singleToDouble(_ s: UInt32) -> UInt64 { FPU.loadSingle(s) }
    func doubleToSingle(_ d: UInt64) -> UInt32 { FPU.storeSingle(d) }
}
