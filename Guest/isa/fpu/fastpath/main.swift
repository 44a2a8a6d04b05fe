// Differential test of the host-arithmetic fast path (FastPath.swift) against the
// exact software path, in round-to-nearest with no enables (where the fast path
// applies). Needs no qemu. Usage: fpufast [cases] [seed]; prints "N passed, N failed".
// Differential test: public API (fast path) vs. the software path, RN, no enables.
var rng: UInt64 = CommandLine.arguments.count > 2 ? UInt64(CommandLine.arguments[2])! : 0xDEAD_BEEF_1234_5678
@inline(__always) func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
func rndDouble() -> UInt64 {
    let sign = (next() & 1) << 63
    var e: UInt64
    switch next() % 12 {
    case 0: e = 0
    case 1: e = 1 + next() % 3
    case 2: e = 2046 - next() % 3
    case 3, 4: e = 896 + (next() % 60) - 30
    case 5: e = 1150 + (next() % 8) - 4
    default: e = 1023 + (next() % 41) - 20
    }
    var f = next() & 0xF_FFFF_FFFF_FFFF
    switch next() % 8 {
    case 0: f &= ~((1 << 29) - 1)
    case 1: f &= ~((1 << 29) - 1); f |= 1 << 28
    case 2: f &= ~((1 << UInt64(next() % 53)) - 1)   // few significant bits: exact products/quotients
    case 3: f = 0
    default: break
    }
    return sign | (e << 52) | f
}
func soft(_ op: Int, _ a: UInt64, _ b: UInt64, _ single: Bool, _ fpscr: inout UInt32) -> UInt64? {
    var env = SFEnv(fpscr: fpscr)
    let pa = SoftFloat.unpack(a), pb = SoftFloat.unpack(b)
    let p: SFParts
    let kind: FPU.InvalidKind
    switch op {
    case 0: p = SoftFloat.addSub(pa, pb, subtract: false, env: &env); kind = .addSub
    case 1: p = SoftFloat.addSub(pa, pb, subtract: true, env: &env); kind = .addSub
    case 2: p = SoftFloat.mul(pa, pb, env: &env); kind = .mul
    default: p = SoftFloat.div(pa, pb, env: &env); kind = .div
    }
    let r = single ? SoftFloat.packR32(p, env: &env) : SoftFloat.packDouble(p, env: &env)
    var e = false
    return FPU.complete(r, flags: env.flags, invalid: kind, fpscr: &fpscr, enabledException: &e)
}
var fails = 0, total = 0, fastTaken = 0
let count = Int(CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "2000000")!
for i in 0..<count {
    var a = rndDouble(), b = rndDouble()
    if i % 5 == 0 {  // make b a divisor/factor with few bits, or a = q*b for exact quotients
        let q = rndDouble() & ~((1 << 40) - 1)
        let prod = Double(bitPattern: q) * Double(bitPattern: b)
        if prod.isFinite { a = prod.bitPattern }
    }
    if i % 7 == 0 { b = (a ^ (next() & 1) << 63) ^ (next() & 0xFF) }
    let single = next() & 1 == 0
    for op in 0..<4 {
        let fin: UInt32 = next() % 4 == 0 ? UInt32(truncatingIfNeeded: next()) & 0x8FF7_F000 : 0
        var f1 = fin, f2 = fin, e = false
        let r1: UInt64?
        switch op {
        case 0: r1 = FPU.add(a, b, single: single, fpscr: &f1, enabledException: &e)
        case 1: r1 = FPU.sub(a, b, single: single, fpscr: &f1, enabledException: &e)
        case 2: r1 = FPU.mul(a, b, single: single, fpscr: &f1, enabledException: &e)
        default: r1 = FPU.div(a, b, single: single, fpscr: &f1, enabledException: &e)
        }
        let r2 = soft(op, a, b, single, &f2)
        var dummy: (UInt64, Bool)? = nil
        switch op {
        case 0: dummy = FastPath.addSub(a, b, negateB: false, single: single)
        case 1: dummy = FastPath.addSub(a, b, negateB: true, single: single)
        case 2: dummy = FastPath.mul(a, b, single: single)
        default: dummy = FastPath.div(a, b, single: single)
        }
        if dummy != nil { fastTaken += 1 }
        total += 1
        if r1 != r2 || f1 != f2 {
            fails += 1
            if fails < 20 { print("op \(op) single \(single) a \(String(a, radix: 16)) b \(String(b, radix: 16)) fast \(String(r1 ?? 0, radix: 16)) \(String(f1, radix: 16)) soft \(String(r2 ?? 0, radix: 16)) \(String(f2, radix: 16))") }
        }
    }
}
print("fast path taken in \(fastTaken) of \(total) cases")
print("fastpath: \(total - fails) passed, \(fails) failed")
if fails != 0 { fatalError("fast path diverges from the software path") }
