import Foundation
// Checks Trapeze's FPU against lines produced by the qemu-ppc generator (gen.c):
//   OP FPSCR_IN A B C RESULT FPSCR_OUT SIG
// Build: swiftc -O -module-name FPUCheck <repo>/Sources/E500/FloatingPoint/*.swift main.swift -o fpucheck
// Run:   ./fpucheck [MIN_CASES] < expected.txt
// Exit status 1 on any mismatch, on a line that does not parse or names an
// unknown operation, when an operation the generator covers is missing (in
// any rounding mode), or when fewer than MIN_CASES lines (default 100000)
// were checked: an empty or truncated reference must not pass.

let sentinel: UInt64 = 0x7ff4_dead_0000_beef

struct Tally {
    var pass = [Int](repeating: 0, count: 4)
    var fail = [Int](repeating: 0, count: 4)
}

var tallies: [String: Tally] = [:]
var order: [String] = []
var shownFailures: [String: Int] = [:]
var totalPass = 0
var totalFail = 0
var badLines = 0
let minimumCases = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
/// Every operation gen.c emits; each must be checked in every rounding mode.
let coveredOperations = [
    "fadd", "fadds", "fsub", "fsubs", "fmul", "fmuls", "fdiv", "fdivs", "fsqrt", "fsqrts",
    "fmadd", "fmadds", "fmsub", "fmsubs", "fnmadd", "fnmadds", "fnmsub", "fnmsubs",
    "fres", "frsqrte", "frsp", "fctiw", "fctiwz", "fcmpu", "fcmpo", "fsel", "fabs", "fnabs", "fneg", "fmr",
    "lfs", "stfs", "stfiwx", "mtfsf", "mtfsfi", "mtfsb0", "mtfsb1", "mcrfs", "mffs",
]

func reportBadLine(_ line: String, _ why: String) {
    badLines += 1
    if badLines <= 8 { print("BAD LINE (\(why)): \(line)") }
}

@inline(__always) func hex(_ v: UInt64, _ width: Int = 16) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

func initialFPSCR(_ fin: UInt32) -> UInt32 {
    // The generator loads FPSCR_IN with mtfsf 0xff, which recomputes FEX and VX.
    var f: UInt32 = 0
    var e = false
    FPU.mtfsf(fields: 0xFF, value: UInt64(fin), fpscr: &f, enabledException: &e)
    return f
}

while let line = readLine() {
    let parts = line.split(separator: " ")
    guard parts.count == 8 else { reportBadLine(line, "expected 8 fields"); continue }
    let op = String(parts[0])
    guard let fin = UInt32(parts[1], radix: 16), let a = UInt64(parts[2], radix: 16),
          let b = UInt64(parts[3], radix: 16), let c = UInt64(parts[4], radix: 16),
          let expResult = UInt64(parts[5], radix: 16), let expFPSCR = UInt32(parts[6], radix: 16),
          let sig = Int(parts[7]) else { reportBadLine(line, "a field is not a number"); continue }
    var fpscr = initialFPSCR(fin)
    var exc = false
    var result: UInt64? = nil
    var checkFPSCR = true
    var checkResult = true
    switch op {
    case "fadd", "fadds":
        result = FPU.add(a, b, single: op == "fadds", fpscr: &fpscr, enabledException: &exc)
    case "fsub", "fsubs":
        result = FPU.sub(a, b, single: op == "fsubs", fpscr: &fpscr, enabledException: &exc)
    case "fmul", "fmuls":
        result = FPU.mul(a, c, single: op == "fmuls", fpscr: &fpscr, enabledException: &exc)
    case "fdiv", "fdivs":
        result = FPU.div(a, b, single: op == "fdivs", fpscr: &fpscr, enabledException: &exc)
    case "fsqrt", "fsqrts":
        result = FPU.sqrt(b, single: op == "fsqrts", fpscr: &fpscr, enabledException: &exc)
    case "fmadd", "fmadds", "fmsub", "fmsubs", "fnmadd", "fnmadds", "fnmsub", "fnmsubs":
        let single = op.hasSuffix("s") && op != "fmsub" && op != "fnmsub"
        let base = single ? String(op.dropLast()) : op
        let kind: FPU.MultiplyAddKind =
            base == "fmadd" ? .fmadd : base == "fmsub" ? .fmsub : base == "fnmadd" ? .fnmadd : .fnmsub
        result = FPU.multiplyAdd(a, c, b, kind: kind, single: single, fpscr: &fpscr, enabledException: &exc)
    case "fres":
        result = FPU.reciprocalEstimate(b, fpscr: &fpscr, enabledException: &exc)
    case "frsqrte":
        result = FPU.reciprocalSqrtEstimate(b, fpscr: &fpscr, enabledException: &exc)
    case "frsp":
        result = FPU.roundToSingle(b, fpscr: &fpscr, enabledException: &exc)
    case "fctiw", "fctiwz":
        result = FPU.convertToInt32(b, roundTowardZero: op == "fctiwz", fpscr: &fpscr, enabledException: &exc)
    case "fcmpu", "fcmpo":
        result = UInt64(FPU.compare(a, b, ordered: op == "fcmpo", fpscr: &fpscr, enabledException: &exc))
    case "fsel":
        result = FPU.select(a, c, b)
    case "fabs": result = FPU.absolute(b)
    case "fnabs": result = FPU.negativeAbsolute(b)
    case "fneg": result = FPU.negate(b)
    case "fmr": result = b
    case "lfs":
        result = FPU.loadSingle(UInt32(truncatingIfNeeded: a))
        checkFPSCR = false
    case "stfs":
        result = UInt64(FPU.storeSingle(b))
        checkFPSCR = false
    case "stfiwx":
        result = UInt64(FPU.storeIntegerWord(b))
        checkFPSCR = false
    case "mtfsf":
        FPU.mtfsf(fields: UInt32(b), value: a, fpscr: &fpscr, enabledException: &exc)
        checkResult = false
    case "mtfsfi":
        FPU.mtfsfi(field: UInt32(b >> 4), immediate: UInt32(b & 0xF), fpscr: &fpscr, enabledException: &exc)
        checkResult = false
    case "mtfsb0":
        FPU.mtfsb0(bit: UInt32(b), fpscr: &fpscr)
        checkResult = false
    case "mtfsb1":
        FPU.mtfsb1(bit: UInt32(b), fpscr: &fpscr, enabledException: &exc)
        checkResult = false
    case "mcrfs":
        result = UInt64(FPU.mcrfs(field: UInt32(b), fpscr: &fpscr))
    case "mffs":
        result = FPU.mffs(fpscr)
    default:
        reportBadLine(line, "unknown operation")
        continue
    }
    let expectNil = expResult == sentinel
    var ok = true
    if checkResult {
        if expectNil { ok = ok && result == nil } else { ok = ok && result == expResult }
    }
    if checkFPSCR {
        ok = ok && fpscr == expFPSCR
        ok = ok && exc == (sig != 0)
    }
    if tallies[op] == nil {
        tallies[op] = Tally()
        order.append(op)
    }
    let rn = Int(fin & 3)
    if ok {
        tallies[op]!.pass[rn] += 1
        totalPass += 1
    } else {
        tallies[op]!.fail[rn] += 1
        totalFail += 1
        let shown = shownFailures[op, default: 0]
        if shown < 8 {
            shownFailures[op] = shown + 1
            let got = result.map { hex($0) } ?? "nil(unwritten)"
            print("MISMATCH \(line)\n     got result \(got) fpscr \(hex(UInt64(fpscr), 8)) exc \(exc)")
        }
    }
}

print("op        RN0(pass/fail)  RN1            RN2            RN3")
for op in order {
    let t = tallies[op]!
    var row = op.padding(toLength: 9, withPad: " ", startingAt: 0)
    for rn in 0..<4 {
        row += " " + "\(t.pass[rn])/\(t.fail[rn])".padding(toLength: 14, withPad: " ", startingAt: 0)
    }
    print(row)
}
var missing: [String] = []
// gen.c runs the loads and stores (no rounding) with FPSCR 0 only.
let roundingFree: Set<String> = ["lfs", "stfs", "stfiwx"]
for op in coveredOperations {
    for rn in 0..<(roundingFree.contains(op) ? 1 : 4) where (tallies[op]?.pass[rn] ?? 0) + (tallies[op]?.fail[rn] ?? 0) == 0 {
        missing.append("\(op) RN\(rn)")
    }
}
if !missing.isEmpty { print("MISSING from the reference: \(missing.prefix(12).joined(separator: ", "))\(missing.count > 12 ? ", ..." : "")") }
if badLines > 0 { print("\(badLines) reference lines did not parse") }
let checked = totalPass + totalFail
if checked < minimumCases { print("only \(checked) cases checked, at least \(minimumCases) required") }
print("fpu: \(totalPass) passed, \(totalFail) failed")
if totalFail != 0 || badLines != 0 || !missing.isEmpty || checked < minimumCases { exit(1) }
