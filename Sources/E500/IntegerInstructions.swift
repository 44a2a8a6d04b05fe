import PowerISA

/// Fixed-point instructions: arithmetic with XER[CA, OV, SO], logical,
/// rotate and shift, compare and trap.
extension Core {
    /// Sets CR0 from a result: LT, GT, EQ from its sign, SO from XER[SO].
    @inline(__always)
    func setCR0(_ result: UInt32) {
        let v = Int32(bitPattern: result)
        let bits: UInt32 = v < 0 ? 8 : (v > 0 ? 4 : 2)
        cr = (cr & 0x0FFF_FFFF) | ((bits | xerSO) << 28)
    }

    @inline(__always)
    func setOverflow(_ overflow: Bool) {
        xerOV = overflow ? 1 : 0
        xerSO |= xerOV
    }

    /// a + b + carryIn, setting XER[CA] from the carry out.
    @inline(__always)
    func addCarrying(_ a: UInt32, _ b: UInt32, _ carryIn: UInt32) -> UInt32 {
        let sum = UInt64(a) &+ UInt64(b) &+ UInt64(carryIn)
        xerCA = UInt32(truncatingIfNeeded: sum >> 32)
        return UInt32(truncatingIfNeeded: sum)
    }

    /// Writes a logical/rotate result to rA, setting CR0 for the `.` form.
    @inline(__always)
    func logical(_ i: Instruction, _ value: UInt32) {
        gpr[i.rA] = value
        if i.rc { setCR0(value) }
    }

    /// XO-form add and subtract. Each is a + b + c for some choice of
    /// operands, which gives carry and overflow uniformly.
    @inline(__always)
    func arithmetic(_ op: Opcode, _ i: Instruction) {
        let a = gpr[i.rA], b = gpr[i.rB]
        let x: UInt32, y: UInt32, carryIn: UInt32
        var setsCarry = true
        switch op {
        case .add: (x, y, carryIn) = (a, b, 0); setsCarry = false
        case .addc: (x, y, carryIn) = (a, b, 0)
        case .adde: (x, y, carryIn) = (a, b, xerCA)
        case .addme: (x, y, carryIn) = (a, 0xFFFF_FFFF, xerCA)
        case .addze: (x, y, carryIn) = (a, 0, xerCA)
        case .subf: (x, y, carryIn) = (~a, b, 1); setsCarry = false
        case .subfc: (x, y, carryIn) = (~a, b, 1)
        case .subfe: (x, y, carryIn) = (~a, b, xerCA)
        case .subfme: (x, y, carryIn) = (~a, 0xFFFF_FFFF, xerCA)
        case .subfze: (x, y, carryIn) = (~a, 0, xerCA)
        default /* .neg */: (x, y, carryIn) = (~a, 0, 1); setsCarry = false
        }
        let sum = UInt64(x) &+ UInt64(y) &+ UInt64(carryIn)
        let result = UInt32(truncatingIfNeeded: sum)
        if setsCarry { xerCA = UInt32(truncatingIfNeeded: sum >> 32) }
        if i.oe {
            // Signed overflow: both addends have the same sign and the result's differs.
            setOverflow(((x ^ result) & (y ^ result)) >> 31 != 0)
        }
        gpr[i.rD] = result
        if i.rc { setCR0(result) }
    }

    @inline(__always)
    func multiplyDivide(_ op: Opcode, _ i: Instruction) {
        let a = gpr[i.rA], b = gpr[i.rB]
        let sa = Int32(bitPattern: a), sb = Int32(bitPattern: b)
        var result: UInt32
        var overflow = false
        switch op {
        case .mullw:
            let p = Int64(sa) * Int64(sb)
            result = UInt32(truncatingIfNeeded: p)
            overflow = p != Int64(Int32(truncatingIfNeeded: p))
        case .mulhw:
            result = UInt32(truncatingIfNeeded: (Int64(sa) * Int64(sb)) >> 32)
        case .mulhwu:
            result = UInt32(truncatingIfNeeded: (UInt64(a) * UInt64(b)) >> 32)
        case .divw:
            // Division by zero and INT_MIN / -1 are undefined; like QEMU we
            // divide by 1 instead, so rD gets the dividend.
            overflow = sb == 0 || (sa == Int32.min && sb == -1)
            result = overflow ? a : UInt32(bitPattern: sa / sb)
        default /* .divwu */:
            overflow = b == 0
            result = overflow ? a : a / b
        }
        if i.oe && op != .mulhw && op != .mulhwu { setOverflow(overflow) }
        gpr[i.rD] = result
        if i.rc { setCR0(result) }
    }

    @inline(__always)
    func rotateLeft(_ v: UInt32, _ n: UInt32) -> UInt32 {
        (v << (n & 31)) | (v >> ((32 &- n) & 31))
    }

    /// The MASK(mb, me) of the rotate instructions, bits numbered from the MSB; wraps when mb > me.
    @inline(__always)
    func rotateMask(_ mb: UInt32, _ me: UInt32) -> UInt32 {
        let fromMB = UInt32.max >> mb
        let toME = UInt32.max << (31 - me)
        return mb <= me ? fromMB & toME : fromMB | toME
    }

    /// sraw/srawi: CA is set when the source is negative and 1 bits are shifted out.
    @inline(__always)
    func shiftRightAlgebraic(_ v: UInt32, _ n: UInt32) -> UInt32 {
        let s = Int32(bitPattern: v)
        if n >= 32 {
            xerCA = s < 0 ? 1 : 0
            return s < 0 ? UInt32.max : 0
        }
        let lost = n == 0 ? 0 : v & ((1 << n) - 1)
        xerCA = (s < 0 && lost != 0) ? 1 : 0
        return UInt32(bitPattern: s >> Int32(n))
    }

    @inline(__always)
    func compare(_ field: Int, _ less: Bool, _ greater: Bool) {
        let bits: UInt32 = less ? 8 : (greater ? 4 : 2)
        setCRField(field, bits | xerSO)
    }

    /// tw/twi: TO bits are lt, gt, eq, logical lt, logical gt.
    func trapCondition(_ to: UInt32, _ a: UInt32, _ b: UInt32) -> Bool {
        let sa = Int32(bitPattern: a), sb = Int32(bitPattern: b)
        return (to & 16 != 0 && sa < sb) || (to & 8 != 0 && sa > sb) || (to & 4 != 0 && a == b)
            || (to & 2 != 0 && a < b) || (to & 1 != 0 && a > b)
    }

    func populationCountPerByte(_ v: UInt32) -> UInt32 {
        var r: UInt32 = 0
        for k in stride(from: 0, to: 32, by: 8) {
            r |= UInt32(((v >> UInt32(k)) & 0xFF).nonzeroBitCount) << UInt32(k)
        }
        return r
    }
}
