// The classic PowerPC floating-point unit (as on e500mc), bit-exact with
// qemu-ppc 7.2 (Debian bookworm), which is Trapeze's behaviour oracle.
//
// Everything works on IEEE double bit patterns: FPRs hold doubles, and
// single-precision results are stored as doubles. Arithmetic functions update
// the FPSCR the way QEMU does (see the notes on each function) and report an
// enabled exception through `enabledException`, which they only ever set to
// true: the caller clears it, runs the instruction, and raises a program
// interrupt (floating-point enabled exception) when it is set and
// MSR[FE0|FE1] != 0 (qemu-ppc's user mode always raises it).
//
// A nil result means an enabled invalid-operation (VE) or zero-divide (ZE)
// exception suppressed the write: leave FRT (and, since FPRF is not touched
// either, nothing else) unchanged. Overflow/underflow/inexact exceptions
// (OE/UE/XE) still return a result (re-biased for OE/UE).
//
// Record forms (Rc=1): after the instruction, CR1 = fpscr >> 28 (FX FEX VX OX);
// qemu-ppc takes the interrupt before CR1 is written when the result is nil.
//
// Notable QEMU 7.2 behaviours reproduced on purpose (they differ from the ISA
// or from real hardware; the oracle wins):
//  - FPSCR[FR] is never set, only cleared (by invalid-operation and
//    zero-divide exceptions).
//  - FX is set whenever an exception bit is set, even when it was already set.
//  - FPRF of single-precision results is computed on the double image, so a
//    single denormal result is classified as a normal number.
//  - fnmadd/fnmsub negate before rounding, so directed rounding modes round
//    the negated value.
//  - For inf*0+SNaN only VXIMZ is set (not VXSNAN).
//  - fres of ±0 with ZE=0 returns ±0.5; frsqrte is computed as 1/sqrt(x) with
//    two double roundings; both are exact divisions, not table estimates.
//  - fctiw/fctiwz write the int32 result sign-extended to 64 bits; a NaN
//    operand gives 0x0000_0000_8000_0000.
//  - Single-precision ("s") results keep only the top 23 bits of a NaN payload.
//  - mtfsb1 cannot set NI (mtfsf can); FPSCR[NI] has no effect.

public enum FPU {
    /// The four fused multiply-add forms.
    public enum MultiplyAddKind: Sendable {
        /// frA*frC + frB
        case fmadd
        /// frA*frC - frB
        case fmsub
        /// -(frA*frC + frB)
        case fnmadd
        /// -(frA*frC - frB)
        case fnmsub
    }

    // MARK: - Arithmetic

    /// fadd / fadds: a + b.
    public static func add(_ a: UInt64, _ b: UInt64, single: Bool,
                           fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        if fpscr & 0xFB == 0, let r = FastPath.addSub(a, b, negateB: false, single: single) {
            return FastPath.finish(r, fpscr: &fpscr)
        }
        var env = SFEnv(fpscr: fpscr)
        let p = SoftFloat.addSub(SoftFloat.unpack(a), SoftFloat.unpack(b), subtract: false, env: &env)
        let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .addSub, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// fsub / fsubs: a - b.
    public static func sub(_ a: UInt64, _ b: UInt64, single: Bool,
                           fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        if fpscr & 0xFB == 0, let r = FastPath.addSub(a, b, negateB: true, single: single) {
            return FastPath.finish(r, fpscr: &fpscr)
        }
        var env = SFEnv(fpscr: fpscr)
        let p = SoftFloat.addSub(SoftFloat.unpack(a), SoftFloat.unpack(b), subtract: true, env: &env)
        let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .addSub, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// fmul / fmuls: a * c.
    public static func mul(_ a: UInt64, _ c: UInt64, single: Bool,
                           fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        if fpscr & 0xFB == 0, let r = FastPath.mul(a, c, single: single) {
            return FastPath.finish(r, fpscr: &fpscr)
        }
        var env = SFEnv(fpscr: fpscr)
        let p = SoftFloat.mul(SoftFloat.unpack(a), SoftFloat.unpack(c), env: &env)
        let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .mul, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// fdiv / fdivs: a / b.
    public static func div(_ a: UInt64, _ b: UInt64, single: Bool,
                           fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        if fpscr & 0xFB == 0, let r = FastPath.div(a, b, single: single) {
            return FastPath.finish(r, fpscr: &fpscr)
        }
        var env = SFEnv(fpscr: fpscr)
        let p = SoftFloat.div(SoftFloat.unpack(a), SoftFloat.unpack(b), env: &env)
        let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .div, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// fsqrt / fsqrts: sqrt(b).
    public static func sqrt(_ b: UInt64, single: Bool,
                            fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        var env = SFEnv(fpscr: fpscr)
        let p = SoftFloat.sqrt(SoftFloat.unpack(b), env: &env)
        let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .sqrt, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// fmadd(s) / fmsub(s) / fnmadd(s) / fnmsub(s): a*c ± b with a single rounding.
    public static func multiplyAdd(_ a: UInt64, _ c: UInt64, _ b: UInt64, kind: MultiplyAddKind, single: Bool,
                                   fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        var env = SFEnv(fpscr: fpscr)
        let negateC = kind == .fmsub || kind == .fnmsub
        let negateResult = kind == .fnmadd || kind == .fnmsub
        let p = SoftFloat.mulAdd(SoftFloat.unpack(a), SoftFloat.unpack(c), SoftFloat.unpack(b),
                                 negateC: negateC, negateResult: negateResult, env: &env)
        let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .mulAdd, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// fres: single-precision 1/b. QEMU divides exactly; ±0 gives ±0.5 (with ZX) when ZE=0.
    public static func reciprocalEstimate(_ b: UInt64, fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        var env = SFEnv(fpscr: fpscr)
        let p = SoftFloat.div(SoftFloat.unpack(0x3FF0_0000_0000_0000), SoftFloat.unpack(b), env: &env)
        var r = SoftFloat.packR32(p, env: &env)
        if env.flags & SFFlag.invalidSNaN != 0, invalidSNaN(&fpscr) {
            enabledException = true
            return nil
        }
        if env.flags & SFFlag.divByZero != 0 {
            if zeroDivide(&fpscr) {
                enabledException = true
                return nil
            }
            // QEMU 7.2 replaces the infinity by ±0.5 here.
            r = (b & (1 << 63)) | 0x3FE0_0000_0000_0000
        }
        setFPRF(r, &fpscr)
        checkStatus(env.flags, &fpscr, &enabledException)
        return r
    }

    /// frsqrte: double-precision 1/sqrt(b), computed as two correctly rounded operations (QEMU).
    public static func reciprocalSqrtEstimate(_ b: UInt64, fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        var env = SFEnv(fpscr: fpscr)
        let root = SoftFloat.packDouble(SoftFloat.sqrt(SoftFloat.unpack(b), env: &env), env: &env)
        let p = SoftFloat.div(SoftFloat.unpack(0x3FF0_0000_0000_0000), SoftFloat.unpack(root), env: &env)
        let r = SoftFloat.packDouble(p, env: &env)
        return complete(r, flags: env.flags, invalid: .sqrt, fpscr: &fpscr, enabledException: &enabledException)
    }

    /// frsp: round b to single precision (result as a double).
    public static func roundToSingle(_ b: UInt64, fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        var env = SFEnv(fpscr: fpscr)
        // QEMU: float64_to_float32 (rounding, with OE/UE re-bias on the 8-bit
        // exponent field) and then the exact single -> double expansion.
        let p = SoftFloat.returnNaNIfNaN(SoftFloat.unpack(b), env: &env)
        let r = loadSingle(SoftFloat.packSingle(p, env: &env))
        if env.flags & SFFlag.invalidSNaN != 0, invalidSNaN(&fpscr) {
            enabledException = true
            return nil
        }
        setFPRF(r, &fpscr)
        checkStatus(env.flags, &fpscr, &enabledException)
        return r
    }

    /// fctiw / fctiwz: convert b to int32 (rounding per FPSCR[RN], or toward zero);
    /// returns the 64-bit FPR image QEMU writes (int32 sign-extended). FPRF is left
    /// alone except that an invalid conversion with VE=0 sets it to C|FU.
    public static func convertToInt32(_ b: UInt64, roundTowardZero: Bool,
                                      fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        var env = SFEnv(fpscr: fpscr)
        let value = SoftFloat.toInt32(SoftFloat.unpack(b), roundingMode: roundTowardZero ? 1 : fpscr & 3, env: &env)
        var r = UInt64(bitPattern: value)
        if env.flags & SFFlag.invalid != 0 {
            // VXCVI, plus VXSNAN for a signalling NaN.
            if env.flags & SFFlag.invalidSNaN != 0 { fpscr |= FPSCRBit.vxsnan }
            fpscr |= FPSCRBit.vxcvi
            fpscr &= ~(FPSCRBit.fr | FPSCRBit.fi)
            if fpscr & FPSCRBit.ve == 0 {
                fpscr = (fpscr & ~FPSCRBit.fpcc) | FPSCRBit.c | FPSCRBit.fu
            }
            if finishInvalid(&fpscr) {
                enabledException = true
                return nil
            }
            if env.flags & SFFlag.invalidCVI == 0 { r = 0x8000_0000 }  // NaN operand
        }
        checkStatus(env.flags, &fpscr, &enabledException)
        return r
    }

    /// fsel: c if a >= 0 (including -0), else b; a NaN selects b. No FPSCR change.
    @inline(__always)
    public static func select(_ a: UInt64, _ c: UInt64, _ b: UInt64) -> UInt64 {
        let nonNegative = a >> 63 == 0 || a << 1 == 0
        return nonNegative && !SoftFloat.isNaN(a) ? c : b
    }

    /// fcmpu / fcmpo: returns the CR field (8 LT, 4 GT, 2 EQ, 1 UN) and sets FPCC.
    /// The CR field is written even when an enabled exception is reported.
    public static func compare(_ a: UInt64, _ b: UInt64, ordered: Bool,
                               fpscr: inout UInt32, enabledException: inout Bool) -> UInt32 {
        let unordered = SoftFloat.isNaN(a) || SoftFloat.isNaN(b)
        let field: UInt32
        if unordered {
            field = 1
        } else if a << 1 == 0 && b << 1 == 0 {
            field = 2
        } else {
            // Sign-magnitude to an ordered integer key.
            let ka = a >> 63 != 0 ? ~a : a | (1 << 63)
            let kb = b >> 63 != 0 ? ~b : b | (1 << 63)
            field = ka < kb ? 8 : (ka > kb ? 4 : 2)
        }
        fpscr = (fpscr & ~FPSCRBit.fpcc) | (field << 12)
        if unordered {
            let snan = SoftFloat.isSignalingNaN(a) || SoftFloat.isSignalingNaN(b)
            if ordered {
                // VXVC is a deferred exception: FPSCR is finished first.
                fpscr |= FPSCRBit.vxvc
                fpscr = (fpscr & ~FPSCRBit.fpcc) | FPSCRBit.c | FPSCRBit.fu
                fpscr |= FPSCRBit.vx | FPSCRBit.fx
                var deferred = false
                if fpscr & FPSCRBit.ve != 0 {
                    fpscr |= FPSCRBit.fex
                    deferred = true
                }
                if snan, invalidSNaN(&fpscr) {
                    // Raised at once: FI keeps its old value.
                    enabledException = true
                    return field
                }
                fpscr &= ~FPSCRBit.fi
                if deferred { enabledException = true }
                return field
            }
            if snan, invalidSNaN(&fpscr) {
                enabledException = true
                return field
            }
        }
        // QEMU's status check after a compare clears FI.
        fpscr &= ~FPSCRBit.fi
        return field
    }

    // MARK: - Moves (no FPSCR change)

    /// fabs: clear the sign bit.
    @inline(__always) public static func absolute(_ b: UInt64) -> UInt64 { b & ~(1 << 63) }
    /// fnabs: set the sign bit.
    @inline(__always) public static func negativeAbsolute(_ b: UInt64) -> UInt64 { b | (1 << 63) }
    /// fneg: flip the sign bit.
    @inline(__always) public static func negate(_ b: UInt64) -> UInt64 { b ^ (1 << 63) }

    // MARK: - Loads and stores

    /// lfs: exact single -> double expansion (the ISA's DOUBLE); SNaNs stay signalling.
    @inline(__always)
    public static func loadSingle(_ bits: UInt32) -> UInt64 {
        let magnitude = bits & 0x7FFF_FFFF
        let sign = UInt64(bits >> 31) << 63
        if magnitude >= 0x0080_0000 {
            if magnitude >= 0x7F80_0000 {
                return sign | 0x7FF0_0000_0000_0000 | (UInt64(bits & 0x7F_FFFF) << 29)
            }
            // Normal: the top exponent bit is kept, the next three become
            // copies of its complement (rebias 127 -> 1023).
            let top = UInt64(bits >> 30) & 1
            return (UInt64(bits >> 30) << 62) | ((top ^ 1) * 7) << 59 | (UInt64(bits & 0x3FFF_FFFF) << 29)
        }
        if magnitude == 0 { return sign }
        // Single denormal: normalise.
        let shift = magnitude.leadingZeroBitCount - 8
        let exp = UInt64(-126 - shift + 1023 - 1)
        return (sign | (exp << 52)) &+ (UInt64(magnitude) << UInt64(52 - 23 + shift))
    }

    /// stfs: double -> single without rounding (the ISA's SINGLE): bits are
    /// truncated; values below the single normal range are denormalised by
    /// shifting (truncating) and anything smaller than that becomes ±0.
    @inline(__always)
    public static func storeSingle(_ bits: UInt64) -> UInt32 {
        let exp = Int((bits >> 52) & 0x7FF)
        if exp > 896 {
            return UInt32(truncatingIfNeeded: (bits >> 62) << 30) | UInt32(truncatingIfNeeded: (bits >> 29) & 0x3FFF_FFFF)
        }
        var r = UInt32(truncatingIfNeeded: bits >> 63) << 31
        if exp >= 874 {
            r |= UInt32(truncatingIfNeeded: ((1 << 52) | (bits & SoftFloat.fracMask52)) >> UInt64(896 + 30 - exp))
        }
        return r
    }

    /// stfiwx: the low word of the FPR.
    @inline(__always)
    public static func storeIntegerWord(_ bits: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: bits) }

    // MARK: - FPSCR instructions

    /// mtfsf: `fields` is the 8-bit FLM as encoded (its MSB selects FPSCR field 0,
    /// i.e. bits 0-3); for L=1 pass 0xFF (there is no W bit on e500mc).
    /// FEX and VX are recomputed, never copied.
    public static func mtfsf(fields: UInt32, value: UInt64, fpscr: inout UInt32, enabledException: inout Bool) {
        var mask: UInt32 = 0
        for i in 0..<8 where fields & (1 << i) != 0 {
            mask |= 0xF << (4 * i)
        }
        storeFPSCR((UInt32(truncatingIfNeeded: value) & mask) | (fpscr & ~mask), &fpscr)
        checkFPSCRStatus(&fpscr, &enabledException)
    }

    /// mtfsfi: FPSCR field `field` (0 = bits 0-3) = the 4-bit `immediate`.
    public static func mtfsfi(field: UInt32, immediate: UInt32, fpscr: inout UInt32, enabledException: inout Bool) {
        let shift = 4 * (7 - (field & 7))
        let mask: UInt32 = 0xF << shift
        storeFPSCR(((immediate & 0xF) << shift) | (fpscr & ~mask), &fpscr)
        checkFPSCRStatus(&fpscr, &enabledException)
    }

    /// mtfsb0: clear FPSCR bit `bit` (0 = MSB). FEX and VX cannot be cleared this way.
    public static func mtfsb0(bit: UInt32, fpscr: inout UInt32) {
        let mask: UInt32 = 1 << (31 - (bit & 31))
        if mask == FPSCRBit.fex || mask == FPSCRBit.vx { return }
        if fpscr & mask != 0 { storeFPSCR(fpscr & ~mask, &fpscr) }
    }

    /// mtfsb1: set FPSCR bit `bit` (0 = MSB). FEX, VX and (as in QEMU) NI cannot be set this way.
    public static func mtfsb1(bit: UInt32, fpscr: inout UInt32, enabledException: inout Bool) {
        let mask: UInt32 = 1 << (31 - (bit & 31))
        if mask != FPSCRBit.fex && mask != FPSCRBit.vx && mask != FPSCRBit.ni && fpscr & mask == 0 {
            storeFPSCR(fpscr | mask, &fpscr)
        }
        checkFPSCRStatus(&fpscr, &enabledException)
    }

    /// mcrfs: returns FPSCR field `field` (0 = bits 0-3) and clears the exception
    /// bits among those copied (FEX and VX are then recomputed). Never raises.
    public static func mcrfs(field: UInt32, fpscr: inout UInt32) -> UInt32 {
        let shift = 4 * (7 - (field & 7))
        let value = (fpscr >> shift) & 0xF
        storeFPSCR(fpscr & ~((0xF << shift) & FPSCRBit.mcrfsClearable), &fpscr)
        return value
    }

    /// mffs: the FPR image, the FPSCR zero-extended to 64 bits (as QEMU writes it).
    @inline(__always)
    public static func mffs(_ fpscr: UInt32) -> UInt64 { UInt64(fpscr) }

    // MARK: - FPSCR bookkeeping (QEMU's helpers)

    /// Writes an FPSCR value as mtfsf does: bit 20 is reserved, VX is the OR of
    /// the invalid bits and FEX the OR of the enabled exceptions.
    @inline(__always)
    static func storeFPSCR(_ value: UInt32, _ fpscr: inout UInt32) {
        var v = value & ~(FPSCRBit.fex | FPSCRBit.vx | 0x800)
        if v & FPSCRBit.allInvalid != 0 { v |= FPSCRBit.vx }
        if (v >> 25) & (v >> 3) & 0x1F != 0 { v |= FPSCRBit.fex }
        fpscr = v
    }

    /// After mtfsf/mtfsfi/mtfsb1: raise if any exception is set together with its enable.
    @inline(__always)
    static func checkFPSCRStatus(_ fpscr: inout UInt32, _ enabledException: inout Bool) {
        let f = fpscr
        let raise = (f & FPSCRBit.ox != 0 && f & FPSCRBit.oe != 0)
            || (f & FPSCRBit.ux != 0 && f & FPSCRBit.ue != 0)
            || (f & FPSCRBit.xx != 0 && f & FPSCRBit.xe != 0)
            || (f & FPSCRBit.zx != 0 && f & FPSCRBit.ze != 0)
            || (f & FPSCRBit.ve != 0 && f & FPSCRBit.allInvalid != 0)
        if raise {
            fpscr |= FPSCRBit.fex
            enabledException = true
        }
    }

    /// Which invalid-operation bit an operation's invalid flags map to.
    enum InvalidKind {
        case addSub, mul, div, mulAdd, sqrt
    }

    /// Finishes an arithmetic instruction as QEMU's helper + FPRF + status check do.
    @inline(__always)
    static func complete(_ result: UInt64, flags: UInt32, invalid kind: InvalidKind,
                         fpscr: inout UInt32, enabledException: inout Bool) -> UInt64? {
        if flags & SFFlag.invalid != 0 {
            let raised: Bool
            let snan = flags & SFFlag.invalidSNaN != 0
            switch kind {
            case .addSub:
                if flags & SFFlag.invalidISI != 0 {
                    raised = invalidArith(FPSCRBit.vxisi, &fpscr)
                } else {
                    raised = snan && invalidSNaN(&fpscr)
                }
            case .mul:
                if flags & SFFlag.invalidIMZ != 0 {
                    raised = invalidArith(FPSCRBit.vximz, &fpscr)
                } else {
                    raised = snan && invalidSNaN(&fpscr)
                }
            case .div:
                if flags & SFFlag.invalidIDI != 0 {
                    raised = invalidArith(FPSCRBit.vxidi, &fpscr)
                } else if flags & SFFlag.invalidZDZ != 0 {
                    raised = invalidArith(FPSCRBit.vxzdz, &fpscr)
                } else {
                    raised = snan && invalidSNaN(&fpscr)
                }
            case .mulAdd:
                if flags & SFFlag.invalidIMZ != 0 {
                    raised = invalidArith(FPSCRBit.vximz, &fpscr)
                } else if flags & SFFlag.invalidISI != 0 {
                    raised = invalidArith(FPSCRBit.vxisi, &fpscr)
                } else {
                    raised = snan && invalidSNaN(&fpscr)
                }
            case .sqrt:
                if flags & SFFlag.invalidSqrt != 0 {
                    raised = invalidArith(FPSCRBit.vxsqrt, &fpscr)
                } else {
                    raised = snan && invalidSNaN(&fpscr)
                }
            }
            if raised {
                enabledException = true
                return nil
            }
        }
        if flags & SFFlag.divByZero != 0 && zeroDivide(&fpscr) {
            enabledException = true
            return nil
        }
        setFPRF(result, &fpscr)
        checkStatus(flags, &fpscr, &enabledException)
        return result
    }

    /// Sets VX and FX; with VE set also FEX, and returns true (the exception is
    /// raised at once, so the target FPR is not written).
    @inline(__always)
    static func finishInvalid(_ fpscr: inout UInt32) -> Bool {
        fpscr |= FPSCRBit.vx | FPSCRBit.fx
        if fpscr & FPSCRBit.ve != 0 {
            fpscr |= FPSCRBit.fex
            return true
        }
        return false
    }

    /// Invalid operation producing a default NaN (VXISI, VXIDI, VXZDZ, VXIMZ, VXSQRT).
    @inline(__always)
    static func invalidArith(_ bit: UInt32, _ fpscr: inout UInt32) -> Bool {
        fpscr |= bit
        fpscr &= ~(FPSCRBit.fr | FPSCRBit.fi)
        if fpscr & FPSCRBit.ve == 0 {
            fpscr = (fpscr & ~FPSCRBit.fpcc) | FPSCRBit.c | FPSCRBit.fu
        }
        return finishInvalid(&fpscr)
    }

    @inline(__always)
    static func invalidSNaN(_ fpscr: inout UInt32) -> Bool {
        fpscr |= FPSCRBit.vxsnan
        return finishInvalid(&fpscr)
    }

    /// Zero divide: ZX, FX, clears FR/FI; with ZE set also FEX and returns true
    /// (raised at once, target not written).
    @inline(__always)
    static func zeroDivide(_ fpscr: inout UInt32) -> Bool {
        fpscr |= FPSCRBit.zx | FPSCRBit.fx
        fpscr &= ~(FPSCRBit.fr | FPSCRBit.fi)
        if fpscr & FPSCRBit.ze != 0 {
            fpscr |= FPSCRBit.fex
            return true
        }
        return false
    }

    /// QEMU's float_check_status: overflow, underflow, inexact and FI. Enabled
    /// ones are deferred exceptions: the result is still written.
    @inline(__always)
    static func checkStatus(_ flags: UInt32, _ fpscr: inout UInt32, _ enabledException: inout Bool) {
        var status = flags
        var deferred = false
        if status & SFFlag.overflow != 0 {
            fpscr |= FPSCRBit.ox | FPSCRBit.fx
            if fpscr & FPSCRBit.oe != 0 {
                fpscr |= FPSCRBit.fex
                deferred = true
            } else {
                status |= SFFlag.inexact
            }
        } else if status & SFFlag.underflow != 0 {
            fpscr |= FPSCRBit.ux | FPSCRBit.fx
            if fpscr & FPSCRBit.ue != 0 {
                fpscr |= FPSCRBit.fex
                deferred = true
            }
        }
        if status & SFFlag.inexact != 0 {
            fpscr |= FPSCRBit.xx | FPSCRBit.fx | FPSCRBit.fi
            if fpscr & FPSCRBit.xe != 0 {
                fpscr |= FPSCRBit.fex
                deferred = true
            }
        } else {
            fpscr &= ~FPSCRBit.fi
        }
        if deferred { enabledException = true }
    }

    /// FPRF (C + FPCC) from the class of a double result.
    @inline(__always)
    static func setFPRF(_ bits: UInt64, _ fpscr: inout UInt32) {
        let negative = bits >> 63 != 0
        let exp = (bits >> 52) & 0x7FF
        let frac = bits & SoftFloat.fracMask52
        let v: UInt32
        if exp == 0x7FF {
            if frac == 0 {
                v = negative ? 0x09 : 0x05
            } else {
                v = frac & (1 << 51) != 0 ? 0x11 : 0x00
            }
        } else if exp == 0 {
            if frac == 0 {
                v = negative ? 0x12 : 0x02
            } else {
                v = negative ? 0x18 : 0x14
            }
        } else {
            v = negative ? 0x08 : 0x04
        }
        fpscr = (fpscr & ~FPSCRBit.fprf) | (v << 12)
    }
}
