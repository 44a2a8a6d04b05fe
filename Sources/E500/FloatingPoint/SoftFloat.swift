// Software IEEE-754 binary64/binary32 arithmetic on integer parts.
//
// The semantics are those of QEMU 7.2's softfloat as configured for PowerPC,
// because qemu-ppc is Trapeze's behaviour oracle:
//  - tininess is detected before rounding;
//  - NaN propagation takes the first NaN operand (frA, then frB, then frC),
//    quietened; the default NaN is 0x7FF8000000000000;
//  - with FPSCR[OE] / FPSCR[UE] set, an overflowing / underflowing result is
//    delivered with its exponent adjusted by the format's re-bias (1536 for
//    double, 192 for single) instead of infinity / a denormal;
//  - single-precision arithmetic ("float64r32") takes double operands and
//    rounds once, directly to single precision, then re-expands to a double.
//
// A value in flight is `SFParts`: class, sign, unbiased exponent and a 64-bit
// fraction whose bit 63 is the integer bit, so value = frac * 2^(exp - 63).
// Lower fraction bits carry guard bits plus a sticky ("jam") bit, which is
// enough for every operation here to round exactly once.

enum SFClass: UInt8 {
    case zero, normal, inf, qnan, snan
}

struct SFParts {
    var cls: SFClass
    var sign: Bool
    var exp: Int
    var frac: UInt64

    @inline(__always) var isNaN: Bool { cls == .qnan || cls == .snan }
}

/// Exception flags raised by one softfloat operation.
enum SFFlag {
    static let invalid: UInt32 = 1 << 0
    static let invalidSNaN: UInt32 = 1 << 1
    static let invalidISI: UInt32 = 1 << 2
    static let invalidIMZ: UInt32 = 1 << 3
    static let invalidIDI: UInt32 = 1 << 4
    static let invalidZDZ: UInt32 = 1 << 5
    static let invalidSqrt: UInt32 = 1 << 6
    static let invalidCVI: UInt32 = 1 << 7
    static let divByZero: UInt32 = 1 << 8
    static let overflow: UInt32 = 1 << 9
    static let underflow: UInt32 = 1 << 10
    static let inexact: UInt32 = 1 << 11
}

/// Rounding environment derived from the FPSCR, plus the accumulated flags.
struct SFEnv {
    /// FPSCR[RN]: 0 nearest-even, 1 toward zero, 2 toward +inf, 3 toward -inf.
    var roundingMode: UInt32
    /// FPSCR[OE]: deliver overflowed results with the exponent re-biased.
    var rebiasOverflow: Bool
    /// FPSCR[UE]: deliver underflowed results with the exponent re-biased.
    var rebiasUnderflow: Bool
    var flags: UInt32 = 0

    @inline(__always) init(fpscr: UInt32) {
        roundingMode = fpscr & 3
        rebiasOverflow = fpscr & FPSCRBit.oe != 0
        rebiasUnderflow = fpscr & FPSCRBit.ue != 0
    }

    @inline(__always) init(roundingMode: UInt32) {
        self.roundingMode = roundingMode
        rebiasOverflow = false
        rebiasUnderflow = false
    }
}

enum SoftFloat {
    static let implicitBit: UInt64 = 1 << 63
    static let quietBit: UInt64 = 1 << 62  // quiet bit of a NaN in parts form
    static let fracMask52: UInt64 = (1 << 52) - 1

    @inline(__always) static var defaultNaN: SFParts {
        SFParts(cls: .qnan, sign: false, exp: 0, frac: quietBit)
    }

    // MARK: - Small integer helpers

    /// x >> c with every shifted-out 1 bit ORed into bit 0.
    @inline(__always) static func shiftRightJam(_ x: UInt64, _ c: Int) -> UInt64 {
        if c <= 0 { return x }
        if c < 64 { return (x &>> UInt64(c)) | ((x &<< UInt64(64 - c)) != 0 ? 1 : 0) }
        return x != 0 ? 1 : 0
    }

    /// 128-bit (hi:lo) >> c with sticky bit.
    @inline(__always) static func shiftRightJam128(_ hi: UInt64, _ lo: UInt64, _ c: Int) -> (UInt64, UInt64) {
        if c <= 0 { return (hi, lo) }
        if c < 64 {
            let sticky: UInt64 = (lo &<< UInt64(64 - c)) != 0 ? 1 : 0
            return (hi &>> UInt64(c), (hi &<< UInt64(64 - c)) | (lo &>> UInt64(c)) | sticky)
        }
        if c == 64 { return (0, hi | (lo != 0 ? 1 : 0)) }
        if c < 128 {
            let s = c - 64
            let sticky: UInt64 = ((hi &<< UInt64(64 - s)) | lo) != 0 ? 1 : 0
            return (0, (hi &>> UInt64(s)) | sticky)
        }
        return (0, (hi | lo) != 0 ? 1 : 0)
    }

    // MARK: - Unpack / classify

    /// Splits a double bit pattern into parts; denormals are normalised.
    @inline(__always) static func unpack(_ bits: UInt64) -> SFParts {
        let sign = bits >> 63 != 0
        let e = Int((bits >> 52) & 0x7FF)
        let f = bits & fracMask52
        if e == 0 {
            if f == 0 { return SFParts(cls: .zero, sign: sign, exp: 0, frac: 0) }
            let shift = f.leadingZeroBitCount
            return SFParts(cls: .normal, sign: sign, exp: -1011 - shift, frac: f &<< UInt64(shift))
        }
        if e != 0x7FF {
            return SFParts(cls: .normal, sign: sign, exp: e - 1023, frac: (f &<< 11) | implicitBit)
        }
        if f == 0 { return SFParts(cls: .inf, sign: sign, exp: 0, frac: 0) }
        let fr = f &<< 11
        return SFParts(cls: fr & quietBit != 0 ? .qnan : .snan, sign: sign, exp: 0, frac: fr)
    }

    @inline(__always) static func isNaN(_ bits: UInt64) -> Bool {
        bits & 0x7FFF_FFFF_FFFF_FFFF > 0x7FF0_0000_0000_0000
    }

    @inline(__always) static func isSignalingNaN(_ bits: UInt64) -> Bool {
        isNaN(bits) && bits & (1 << 51) == 0
    }

    // MARK: - Rounding and packing

    /// Rounds a normal value to double (single == false) or single precision
    /// (single == true). Returns the class (normal may turn into inf or zero),
    /// the biased exponent in that format — possibly outside the field's range
    /// when re-biased, exactly as QEMU computes it — and the fraction field with
    /// the integer bit still present (bit 52 / bit 23) for normal results.
    @inline(__always)
    static func roundNormal(sign: Bool, exp: Int, frac: UInt64, single: Bool,
                            env: inout SFEnv) -> (SFClass, Int, UInt64) {
        let fracShift: UInt64 = single ? 40 : 11
        let roundMask: UInt64 = (1 &<< fracShift) &- 1
        let lsb = roundMask &+ 1
        let half = lsb >> 1
        let evenMask = roundMask | lsb
        let bias = single ? 127 : 1023
        let expMax = single ? 255 : 2047
        let reBias = single ? 192 : 1536

        var inc: UInt64
        var overflowToMax = false
        switch env.roundingMode {
        case 0: inc = (frac & evenMask) != half ? half : 0
        case 1: inc = 0; overflowToMax = true
        case 2: inc = sign ? 0 : roundMask; overflowToMax = sign
        default: inc = sign ? roundMask : 0; overflowToMax = !sign
        }

        var e = exp + bias
        var f = frac
        var cls = SFClass.normal
        var flags: UInt32 = 0
        if e > 0 {
            if f & roundMask != 0 {
                flags |= SFFlag.inexact
                let (sum, carry) = f.addingReportingOverflow(inc)
                f = carry ? implicitBit : sum
                if carry { e += 1 }
                f &= ~roundMask
            }
            if e >= expMax {
                flags |= SFFlag.overflow
                if env.rebiasOverflow {
                    e -= reBias
                } else if overflowToMax {
                    flags |= SFFlag.inexact
                    e = expMax - 1
                    f = ~roundMask
                } else {
                    flags |= SFFlag.inexact
                    cls = .inf
                    e = expMax
                    f = 0
                }
            }
            f >>= fracShift
        } else if env.rebiasUnderflow {
            // Enabled underflow: signalled whenever the exact result is tiny,
            // even when it is exact, and delivered scaled up into range.
            flags |= SFFlag.underflow
            e += reBias
            if f & roundMask != 0 {
                flags |= SFFlag.inexact
                let (sum, carry) = f.addingReportingOverflow(inc)
                f = carry ? implicitBit : sum
                if carry { e += 1 }
                f &= ~roundMask
            }
            f >>= fracShift
        } else {
            // Tiny (before rounding): denormalise, then round.
            f = shiftRightJam(f, 1 - e)
            if f & roundMask != 0 {
                if env.roundingMode == 0 {
                    inc = (f & evenMask) != half ? half : 0
                }
                flags |= SFFlag.inexact
                f = (f &+ inc) & ~roundMask
            }
            e = f & implicitBit != 0 ? 1 : 0
            f >>= fracShift
            if flags & SFFlag.inexact != 0 { flags |= SFFlag.underflow }
            if e == 0 && f == 0 { cls = .zero }
        }
        env.flags |= flags
        return (cls, e, f)
    }

    /// Rounds parts to double precision and returns the bit pattern.
    @inline(__always) static func packDouble(_ p: SFParts, env: inout SFEnv) -> UInt64 {
        let s: UInt64 = p.sign ? 1 << 63 : 0
        switch p.cls {
        case .normal:
            let (cls, e, f) = roundNormal(sign: p.sign, exp: p.exp, frac: p.frac, single: false, env: &env)
            if cls == .inf { return s | 0x7FF0_0000_0000_0000 }
            // The exponent is truncated to the field, as QEMU's pack does.
            return s | ((UInt64(truncatingIfNeeded: e) & 0x7FF) << 52) | (f & fracMask52)
        case .zero:
            return s
        case .inf:
            return s | 0x7FF0_0000_0000_0000
        case .qnan, .snan:
            return s | 0x7FF0_0000_0000_0000 | (p.frac >> 11)
        }
    }

    /// Rounds parts once to single precision and returns the result re-expanded
    /// to a double bit pattern (QEMU's float64r32 round-and-pack). NaN payloads
    /// lose their low 29 bits; a single-precision denormal becomes a normal double.
    @inline(__always) static func packR32(_ p: SFParts, env: inout SFEnv) -> UInt64 {
        let s: UInt64 = p.sign ? 1 << 63 : 0
        switch p.cls {
        case .normal:
            let (cls, e, f) = roundNormal(sign: p.sign, exp: p.exp, frac: p.frac, single: true, env: &env)
            switch cls {
            case .inf:
                return s | 0x7FF0_0000_0000_0000
            case .zero:
                return s
            default:
                if e == 0 {
                    // Single denormal: renormalise into double format.
                    let shift = f.leadingZeroBitCount
                    let de = 40 - 127 - shift + 1 + 1023
                    let df = (f &<< UInt64(shift)) >> 11
                    return s | (UInt64(de) << 52) | (df & fracMask52)
                }
                let de = e + (1023 - 127)
                return s | ((UInt64(truncatingIfNeeded: de) & 0x7FF) << 52) | ((f << 29) & fracMask52)
            }
        case .zero:
            return s
        case .inf:
            return s | 0x7FF0_0000_0000_0000
        case .qnan, .snan:
            return s | 0x7FF0_0000_0000_0000 | ((p.frac >> 40) << 29)
        }
    }

    /// Rounds parts to a binary32 bit pattern (QEMU float32 round-and-pack).
    @inline(__always) static func packSingle(_ p: SFParts, env: inout SFEnv) -> UInt32 {
        let s: UInt32 = p.sign ? 1 << 31 : 0
        switch p.cls {
        case .normal:
            let (cls, e, f) = roundNormal(sign: p.sign, exp: p.exp, frac: p.frac, single: true, env: &env)
            if cls == .inf { return s | 0x7F80_0000 }
            return s | ((UInt32(truncatingIfNeeded: e) & 0xFF) << 23) | (UInt32(truncatingIfNeeded: f) & 0x7F_FFFF)
        case .zero:
            return s
        case .inf:
            return s | 0x7F80_0000
        case .qnan, .snan:
            return s | 0x7F80_0000 | UInt32(truncatingIfNeeded: p.frac >> 40)
        }
    }

    // MARK: - NaN handling

    /// Quietens a signalling NaN (raising invalid), leaves a quiet NaN alone.
    @inline(__always) static func returnNaN(_ p: SFParts, env: inout SFEnv) -> SFParts {
        var r = p
        if r.cls == .snan {
            env.flags |= SFFlag.invalid | SFFlag.invalidSNaN
            r.cls = .qnan
            r.frac |= quietBit
        }
        return r
    }

    /// Quietens a NaN operand (as a format conversion does); other classes pass through.
    @inline(__always) static func returnNaNIfNaN(_ p: SFParts, env: inout SFEnv) -> SFParts {
        p.isNaN ? returnNaN(p, env: &env) : p
    }

    /// Two-operand NaN propagation: the first operand if it is a NaN, else the second.
    @inline(__always) static func pickNaN(_ a: SFParts, _ b: SFParts, env: inout SFEnv) -> SFParts {
        if a.cls == .snan || b.cls == .snan {
            env.flags |= SFFlag.invalid | SFFlag.invalidSNaN
        }
        var r = a.isNaN ? a : b
        if r.cls == .snan {
            r.cls = .qnan
            r.frac |= quietBit
        }
        return r
    }

    // MARK: - Add / subtract

    @inline(__always) static func addMagnitudes(_ a: inout SFParts, _ b: SFParts) {
        let d = a.exp - b.exp
        var bf = b.frac
        if d > 0 {
            bf = shiftRightJam(bf, d)
        } else if d < 0 {
            a.frac = shiftRightJam(a.frac, -d)
            a.exp = b.exp
        }
        let (sum, carry) = a.frac.addingReportingOverflow(bf)
        if carry {
            a.frac = (sum >> 1) | (sum & 1) | implicitBit
            a.exp += 1
        } else {
            a.frac = sum
        }
    }

    /// a - b on magnitudes (a.sign is the sign of the result's first operand).
    /// Returns false when the difference is exactly zero.
    @inline(__always) static func subMagnitudes(_ a: inout SFParts, _ b: SFParts) -> Bool {
        let d = a.exp - b.exp
        if d > 0 {
            a.frac = a.frac &- shiftRightJam(b.frac, d)
        } else if d < 0 {
            a.exp = b.exp
            a.sign.toggle()
            a.frac = b.frac &- shiftRightJam(a.frac, -d)
        } else {
            let (diff, borrow) = a.frac.subtractingReportingOverflow(b.frac)
            if borrow {
                a.frac = 0 &- diff
                a.sign.toggle()
            } else {
                a.frac = diff
            }
        }
        if a.frac == 0 {
            a.cls = .zero
            return false
        }
        let shift = a.frac.leadingZeroBitCount
        a.frac &<<= UInt64(shift)
        a.exp -= shift
        return true
    }

    static func addSub(_ aIn: SFParts, _ bIn: SFParts, subtract: Bool, env: inout SFEnv) -> SFParts {
        var a = aIn
        var b = bIn
        let bSign = b.sign != subtract
        if a.sign != bSign {
            if a.cls == .normal && b.cls == .normal {
                if subMagnitudes(&a, b) { return a }
                a.sign = env.roundingMode == 3
                return a
            }
            if a.cls == .zero && b.cls == .zero {
                a.sign = env.roundingMode == 3
                return a
            }
            if a.isNaN || b.isNaN { return pickNaN(a, b, env: &env) }
            if a.cls == .inf || b.cls == .inf {
                if a.cls != .inf {
                    b.sign = bSign
                    return b
                }
                if b.cls != .inf { return a }
                env.flags |= SFFlag.invalid | SFFlag.invalidISI
                return defaultNaN
            }
        } else {
            if a.cls == .normal && b.cls == .normal {
                addMagnitudes(&a, b)
                return a
            }
            if a.cls == .zero && b.cls == .zero { return a }
            if a.isNaN || b.isNaN { return pickNaN(a, b, env: &env) }
            if a.cls == .inf || b.cls == .inf {
                a.cls = .inf
                return a
            }
        }
        if b.cls == .zero { return a }
        b.sign = bSign
        return b
    }

    // MARK: - Multiply

    static func mul(_ aIn: SFParts, _ b: SFParts, env: inout SFEnv) -> SFParts {
        var a = aIn
        let sign = a.sign != b.sign
        if a.cls == .normal && b.cls == .normal {
            let (hi, lo) = a.frac.multipliedFullWidth(by: b.frac)
            var h = hi
            var l = lo
            a.exp = a.exp + b.exp + 1
            if h & implicitBit == 0 {
                h = (h << 1) | (l >> 63)
                l <<= 1
                a.exp -= 1
            }
            a.frac = h | (l != 0 ? 1 : 0)
            a.sign = sign
            return a
        }
        if (a.cls == .inf && b.cls == .zero) || (a.cls == .zero && b.cls == .inf) {
            env.flags |= SFFlag.invalid | SFFlag.invalidIMZ
            return defaultNaN
        }
        if a.isNaN || b.isNaN { return pickNaN(a, b, env: &env) }
        a.cls = (a.cls == .inf || b.cls == .inf) ? .inf : .zero
        a.sign = sign
        return a
    }

    // MARK: - Divide

    static func div(_ aIn: SFParts, _ b: SFParts, env: inout SFEnv) -> SFParts {
        var a = aIn
        let sign = a.sign != b.sign
        if a.cls == .normal && b.cls == .normal {
            let smaller = a.frac < b.frac
            let dividend: (high: UInt64, low: UInt64) = smaller ? (a.frac, 0) : (a.frac >> 1, a.frac << 63)
            let (q, r) = b.frac.dividingFullWidth(dividend)
            a.frac = q | (r != 0 ? 1 : 0)
            a.exp = a.exp - b.exp - (smaller ? 1 : 0)
            a.sign = sign
            return a
        }
        if a.cls == .zero && b.cls == .zero {
            env.flags |= SFFlag.invalid | SFFlag.invalidZDZ
            return defaultNaN
        }
        if a.cls == .inf && b.cls == .inf {
            env.flags |= SFFlag.invalid | SFFlag.invalidIDI
            return defaultNaN
        }
        if a.isNaN || b.isNaN { return pickNaN(a, b, env: &env) }
        a.sign = sign
        if a.cls == .inf || a.cls == .zero { return a }
        if b.cls == .inf {
            a.cls = .zero
            return a
        }
        env.flags |= SFFlag.divByZero
        a.cls = .inf
        return a
    }

    // MARK: - Square root

    /// floor(sqrt(n)) for n = hi:lo < 2^126, and whether it was exact.
    @inline(__always) static func isqrt128(_ hi: UInt64, _ lo: UInt64) -> (UInt64, Bool) {
        // Estimate in host doubles (good to ~2^-50 relative), one integer
        // Newton step (error becomes < 2), then correct by single steps.
        // Double.squareRoot() is avoided: on Linux it can become a libm call,
        // and this module does not link libm.
        let x = Double(hi) * 0x1p64 + Double(lo)
        // 1/sqrt(x) from the classic bit-pattern guess plus four Newton steps.
        var y = Double(bitPattern: 0x5FE6_EB50_C7B5_37A9 &- (x.bitPattern >> 1))
        let halfX = 0.5 * x
        y = y * (1.5 - halfX * y * y)
        y = y * (1.5 - halfX * y * y)
        y = y * (1.5 - halfX * y * y)
        y = y * (1.5 - halfX * y * y)
        var r = UInt64(min(x * y, 0x1p63))
        if r == 0 { r = 1 }
        let (q, _) = r.dividingFullWidth((high: hi, low: lo))
        r = (r >> 1) &+ (q >> 1) &+ (r & q & 1)
        @inline(__always) func square(_ x: UInt64) -> (UInt64, UInt64) {
            let (h, l) = x.multipliedFullWidth(by: x)
            return (h, l)
        }
        @inline(__always) func greater(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> Bool {
            a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
        }
        while greater(square(r), (hi, lo)) { r -= 1 }
        while !greater(square(r + 1), (hi, lo)) { r += 1 }
        let sq = square(r)
        return (r, sq.0 == hi && sq.1 == lo)
    }

    static func sqrt(_ aIn: SFParts, env: inout SFEnv) -> SFParts {
        var a = aIn
        switch a.cls {
        case .qnan, .snan:
            return returnNaN(a, env: &env)
        case .zero:
            return a
        case .inf:
            if a.sign {
                env.flags |= SFFlag.invalid | SFFlag.invalidSqrt
                return defaultNaN
            }
            return a
        case .normal:
            break
        }
        if a.sign {
            env.flags |= SFFlag.invalid | SFFlag.invalidSqrt
            return defaultNaN
        }
        // value = frac * 2^E with E = exp - 63. Scale frac by 2^s (s = 62 or 61)
        // so that E - s is even; then sqrt = isqrt(frac << s) * 2^((E - s) / 2),
        // and the integer root has its top bit at 62.
        let e = a.exp - 63
        let s = (e & 1) == 0 ? 62 : 61
        let hi = a.frac >> UInt64(64 - s)
        let lo = a.frac << UInt64(s)
        let (root, exact) = isqrt128(hi, lo)
        a.frac = (root << 1) | (exact ? 0 : 1)
        a.exp = ((e - s) >> 1) + 62
        return a
    }

    // MARK: - Fused multiply-add

    /// (a * b) + c with one rounding (applied later by the pack functions).
    /// negateC flips the addend (fmsub); negateResult flips the sign of the
    /// unrounded result (fnmadd/fnmsub), so rounding sees the negated value, as
    /// in QEMU. NaN operands: a, then c, then b (PowerPC frA, frB, frC).
    static func mulAdd(_ aIn: SFParts, _ b: SFParts, _ cIn: SFParts, negateC: Bool, negateResult: Bool,
                       env: inout SFEnv) -> SFParts {
        let a = aIn
        var c = cIn
        let infZero = (a.cls == .inf && b.cls == .zero) || (a.cls == .zero && b.cls == .inf)
        if a.isNaN || b.isNaN || c.isNaN {
            if a.cls == .snan || b.cls == .snan || c.cls == .snan {
                env.flags |= SFFlag.invalid | SFFlag.invalidSNaN
            }
            var r: SFParts
            if infZero {
                // inf * 0 + NaN: invalid, but the addend NaN is returned.
                env.flags |= SFFlag.invalid | SFFlag.invalidIMZ
                r = c
            } else if a.isNaN {
                r = a
            } else if c.isNaN {
                r = c
            } else {
                r = b
            }
            if r.cls == .snan {
                r.cls = .qnan
                r.frac |= quietBit
            }
            return r
        }
        if negateC { c.sign.toggle() }
        let pSign = a.sign != b.sign
        var result: SFParts
        compute: do {
            if !(a.cls == .normal && b.cls == .normal) {
                if infZero {
                    env.flags |= SFFlag.invalid | SFFlag.invalidIMZ
                    return defaultNaN
                }
                if a.cls == .inf || b.cls == .inf {
                    if c.cls == .inf && pSign != c.sign {
                        env.flags |= SFFlag.invalid | SFFlag.invalidISI
                        return defaultNaN
                    }
                    result = SFParts(cls: .inf, sign: pSign, exp: 0, frac: 0)
                    break compute
                }
                // The product is zero.
                if c.cls == .normal {
                    result = c
                    break compute
                }
                if c.cls == .zero {
                    let sign = pSign != c.sign ? env.roundingMode == 3 : pSign
                    result = SFParts(cls: .zero, sign: sign, exp: 0, frac: 0)
                    break compute
                }
                // c is infinite: handled below.
            }
            if c.cls == .inf {
                result = SFParts(cls: .inf, sign: c.sign, exp: 0, frac: 0)
                break compute
            }
            // Exact 128-bit product.
            var (ph, pl) = a.frac.multipliedFullWidth(by: b.frac)
            var pExp = a.exp + b.exp + 1
            var sign = pSign
            if ph & implicitBit == 0 {
                ph = (ph << 1) | (pl >> 63)
                pl <<= 1
                pExp -= 1
            }
            if c.cls != .zero {
                var ch = c.frac
                var cl: UInt64 = 0
                let d = pExp - c.exp
                if sign == c.sign {
                    if d > 0 {
                        (ch, cl) = shiftRightJam128(ch, cl, d)
                    } else if d < 0 {
                        (ph, pl) = shiftRightJam128(ph, pl, -d)
                        pExp = c.exp
                    }
                    let (l, carryLo) = pl.addingReportingOverflow(cl)
                    var (h, carryHi) = ph.addingReportingOverflow(ch)
                    if carryLo {
                        let (h2, c2) = h.addingReportingOverflow(1)
                        h = h2
                        carryHi = carryHi || c2
                    }
                    ph = h
                    pl = l
                    if carryHi {
                        (ph, pl) = shiftRightJam128(ph, pl, 1)
                        ph |= implicitBit
                        pExp += 1
                    }
                } else {
                    // Subtract magnitudes: (p - c), flipping the sign if c is larger.
                    var xh = ph, xl = pl, yh = ch, yl = cl
                    if d > 0 {
                        (yh, yl) = shiftRightJam128(yh, yl, d)
                    } else if d < 0 {
                        pExp = c.exp
                        sign.toggle()
                        (xh, xl) = shiftRightJam128(xh, xl, -d)
                        swap(&xh, &yh)
                        swap(&xl, &yl)
                    }
                    // x - y
                    var (l, borrowLo) = xl.subtractingReportingOverflow(yl)
                    var (h, borrowHi) = xh.subtractingReportingOverflow(yh)
                    if borrowLo {
                        let (h2, b2) = h.subtractingReportingOverflow(1)
                        h = h2
                        borrowHi = borrowHi || b2
                    }
                    if d == 0 && borrowHi {
                        // Negate the 128-bit difference.
                        l = 0 &- l
                        h = ~h &+ (l == 0 ? 1 : 0)
                        sign.toggle()
                    }
                    if h == 0 && l == 0 {
                        result = SFParts(cls: .zero, sign: env.roundingMode == 3, exp: 0, frac: 0)
                        break compute
                    }
                    let shift = h != 0 ? h.leadingZeroBitCount : 64 + l.leadingZeroBitCount
                    if shift >= 64 {
                        h = l &<< UInt64(shift - 64)
                        l = 0
                    } else if shift > 0 {
                        h = (h &<< UInt64(shift)) | (l &>> UInt64(64 - shift))
                        l = l &<< UInt64(shift)
                    }
                    ph = h
                    pl = l
                    pExp -= shift
                }
            }
            result = SFParts(cls: .normal, sign: sign, exp: pExp, frac: ph | (pl != 0 ? 1 : 0))
        }
        if negateResult { result.sign.toggle() }
        return result
    }

    // MARK: - Conversion to integer

    /// Converts to a signed 32-bit integer in the given rounding mode, QEMU
    /// float_to_sint semantics: NaN -> INT32_MAX with invalid (no CVI flag),
    /// out of range -> saturated with invalid + CVI (and no inexact).
    static func toInt32(_ p: SFParts, roundingMode: UInt32, env: inout SFEnv) -> Int64 {
        let minValue: Int64 = -0x8000_0000
        let maxValue: Int64 = 0x7FFF_FFFF
        switch p.cls {
        case .snan:
            env.flags |= SFFlag.invalid | SFFlag.invalidSNaN
            return maxValue
        case .qnan:
            env.flags |= SFFlag.invalid
            return maxValue
        case .inf:
            env.flags |= SFFlag.invalid | SFFlag.invalidCVI
            return p.sign ? minValue : maxValue
        case .zero:
            return 0
        case .normal:
            break
        }
        var e = p.exp
        var f = p.frac
        var inexact = false
        if e < 0 {
            let one: Bool
            switch roundingMode {
            case 0: one = e == -1 && (f << 1) != 0
            case 1: one = false
            case 2: one = !p.sign
            default: one = p.sign
            }
            inexact = true
            e = 0
            f = one ? implicitBit : 0
        } else if e < 62 {
            let lsb = implicitBit >> UInt64(e)
            let half = lsb >> 1
            let mask = lsb - 1
            if f & mask != 0 {
                let inc: UInt64
                switch roundingMode {
                case 0: inc = (f & (mask | lsb)) != half ? half : 0
                case 1: inc = 0
                case 2: inc = p.sign ? 0 : mask
                default: inc = p.sign ? mask : 0
                }
                let (sum, carry) = f.addingReportingOverflow(inc)
                if carry {
                    f = implicitBit
                    e += 1
                } else {
                    f = sum
                }
                f &= ~mask
                inexact = true
            }
        }
        let r: UInt64 = e <= 63 ? f >> UInt64(63 - e) : UInt64.max
        if p.sign {
            if r <= 0x8000_0000 {
                if inexact { env.flags |= SFFlag.inexact }
                return -Int64(r)
            }
        } else if r <= UInt64(maxValue) {
            if inexact { env.flags |= SFFlag.inexact }
            return Int64(r)
        }
        env.flags |= SFFlag.invalid | SFFlag.invalidCVI
        return p.sign ? minValue : maxValue
    }
}
