// Host-arithmetic fast path for the common case of fadd/fsub/fmul/fdiv(s):
// FPSCR[RN] = nearest, no exception enabled, and a result that is a finite
// normal number comfortably above the underflow threshold. Anything else
// (NaN, infinity, zero or tiny results, overflow, directed rounding, enables)
// returns nil and the caller takes the exact software path.
//
// Why this is exact:
//  - The host (x86-64 SSE2 / AArch64) performs IEEE binary64 arithmetic in
//    round-to-nearest; Trapeze never changes the host rounding mode.
//  - Inexactness is detected exactly: TwoSum for add/sub, the 106-bit integer
//    product of the significands for mul, and "quotient * divisor == dividend"
//    (compared as odd parts of integer significands) for div.
//  - Single precision (the "s" forms) is only taken when both operands are
//    exactly representable as single normals (or zero). Then computing in
//    binary64 and rounding to binary32 equals one rounding of the exact
//    result, because 53 >= 2*24 + 2 makes double rounding innocuous for
//    +, -, *, / (Figueroa, 1995).
//  - |result| > the smallest normal of the target format means the exact result
//    was not tiny (tininess is detected before rounding), so no underflow;
//    a finite result in round-to-nearest means no overflow.

enum FastPath {
    static let magnitudeMask: UInt64 = 0x7FFF_FFFF_FFFF_FFFF
    static let doubleMinNormal: UInt64 = 0x0010_0000_0000_0000
    static let singleMinNormal: UInt64 = 0x3810_0000_0000_0000  // 2^-126 as a double
    static let infinity: UInt64 = 0x7FF0_0000_0000_0000

    /// True when the double is ±0 or exactly a normal single-precision value.
    @inline(__always) static func isSingleOperand(_ bits: UInt64) -> Bool {
        if bits << 1 == 0 { return true }
        let e = (bits >> 52) & 0x7FF
        return bits & 0x1FFF_FFFF == 0 && e > 896 && e < 1151
    }

    /// Integer significand of a finite double (integer bit included for normals).
    @inline(__always) static func significand(_ bits: UInt64) -> UInt64 {
        let f = bits & SoftFloat.fracMask52
        return bits & 0x7FF0_0000_0000_0000 != 0 ? f | (1 << 52) : f
    }

    /// Rounds a binary64 intermediate to single precision; nil unless the single
    /// result is a normal comfortably clear of underflow and overflow.
    @inline(__always) static func toSingle(_ d: Double) -> (bits: UInt64, exact: Bool)? {
        let r = Double(Float(d))
        let mag = r.bitPattern & magnitudeMask
        guard mag > singleMinNormal && mag < infinity else { return nil }
        return (r.bitPattern, r == d)
    }

    @inline(__always) static func addSub(_ a: UInt64, _ b: UInt64, negateB: Bool, single: Bool) -> (UInt64, Bool)? {
        if single && !(isSingleOperand(a) && isSingleOperand(b)) { return nil }
        let x = Double(bitPattern: a)
        let y = negateB ? -Double(bitPattern: b) : Double(bitPattern: b)
        let s = x + y
        let mag = s.bitPattern & magnitudeMask
        // Excludes NaN/inf operands too: they make s NaN or infinite.
        guard mag > doubleMinNormal && mag < infinity else { return nil }
        // TwoSum: err is the exact rounding error of x + y.
        let bv = s - x
        let err = (x - (s - bv)) + (y - bv)
        if single {
            guard let (r, exact) = toSingle(s) else { return nil }
            return (r, !(exact && err == 0))
        }
        return (s.bitPattern, err != 0)
    }

    @inline(__always) static func mul(_ a: UInt64, _ b: UInt64, single: Bool) -> (UInt64, Bool)? {
        if single && !(isSingleOperand(a) && isSingleOperand(b)) { return nil }
        let p = Double(bitPattern: a) * Double(bitPattern: b)
        let mag = p.bitPattern & magnitudeMask
        guard mag > doubleMinNormal && mag < infinity else { return nil }
        if single {
            // The product of two singles is exact in binary64.
            guard let (r, exact) = toSingle(p) else { return nil }
            return (r, !exact)
        }
        // Exact iff the exact significand product has at most 53 significant bits.
        let (hi, lo) = significand(a).multipliedFullWidth(by: significand(b))
        let length = hi != 0 ? 128 - hi.leadingZeroBitCount : 64 - lo.leadingZeroBitCount
        let trailing = lo != 0 ? lo.trailingZeroBitCount : 64 + hi.trailingZeroBitCount
        return (p.bitPattern, length - trailing > 53)
    }

    @inline(__always) static func div(_ a: UInt64, _ b: UInt64, single: Bool) -> (UInt64, Bool)? {
        if single && !(isSingleOperand(a) && isSingleOperand(b)) { return nil }
        let q = Double(bitPattern: a) / Double(bitPattern: b)
        let mag = q.bitPattern & magnitudeMask
        guard mag > doubleMinNormal && mag < infinity else { return nil }
        // q is exact iff q * b == a exactly. Both sides are significand * 2^k;
        // since q * b is within a relative 2^-53 of a, they are equal iff the odd
        // parts of the integer significands agree.
        let (hi, lo) = significand(q.bitPattern).multipliedFullWidth(by: significand(b))
        let ma = significand(a)
        let oddA = ma >> UInt64(ma.trailingZeroBitCount)
        let exactQ: Bool
        if lo == 0 {
            exactQ = hi >> UInt64(hi.trailingZeroBitCount) == oddA
        } else {
            let t = UInt64(lo.trailingZeroBitCount)
            exactQ = t == 0
                ? hi == 0 && lo == oddA
                : hi >> t == 0 && ((hi << (64 - t)) | (lo >> t)) == oddA
        }
        if single {
            guard let (r, exact) = toSingle(q) else { return nil }
            return (r, !(exact && exactQ))
        }
        return (q.bitPattern, !exactQ)
    }

    /// FPSCR update for a fast-path result: FPRF of a normal number, XX/FX/FI
    /// when inexact, FI cleared otherwise (no enables are set on this path).
    @inline(__always) static func finish(_ r: (UInt64, Bool), fpscr: inout UInt32) -> UInt64 {
        let (bits, inexact) = r
        // Branch-free: whether a result is inexact is data-dependent and
        // mispredicts badly otherwise.
        var f = fpscr & ~(FPSCRBit.fprf | FPSCRBit.fi)
        f |= 0x4000 << UInt32(truncatingIfNeeded: bits >> 63)  // FG, or FL when negative
        f |= (FPSCRBit.xx | FPSCRBit.fx | FPSCRBit.fi) & (0 &- UInt32(inexact ? 1 : 0))
        fpscr = f
        return bits
    }
}
