/// Instruction formats of the 32-bit Power ISA (Book E) that the table uses.
/// The form says which extended-opcode field selects the instruction:
/// X, XL, XFX, XFL: 10 bits (21-30); XO: 9 bits (22-30) plus OE; A: 5 bits (26-30).
public enum Form: UInt8, Sendable {
    case I, B, SC, D, X, XL, XFX, XFL, XO, A, M
}

/// What an instruction is, for decoding, tracing and (later) the VMM and binary translator.
public struct InstructionFlags: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Has a Record bit: the `.` form sets CR0 (CR1 for floating point).
    public static let rc = InstructionFlags(rawValue: 1 << 0)
    /// Has an OE bit: the `o` form sets XER[OV, SO].
    public static let oe = InstructionFlags(rawValue: 1 << 1)
    /// Always sets CR0 (andi., stwcx., ...): the mnemonic carries the dot.
    public static let setsCR0 = InstructionFlags(rawValue: 1 << 2)
    /// Traps to supervisor when executed with MSR[PR] = 1.
    public static let privileged = InstructionFlags(rawValue: 1 << 3)
    public static let load = InstructionFlags(rawValue: 1 << 4)
    public static let store = InstructionFlags(rawValue: 1 << 5)
    public static let branch = InstructionFlags(rawValue: 1 << 6)
    public static let floatingPoint = InstructionFlags(rawValue: 1 << 7)
    /// Writes back the effective address to rA (update forms).
    public static let update = InstructionFlags(rawValue: 1 << 8)
    /// Has an LK bit (`l` suffix) and, for b/bc, an AA bit (`a` suffix).
    public static let link = InstructionFlags(rawValue: 1 << 9)
    /// mfspr/mtspr: privileged depending on the SPR number (bit 5 of it).
    public static let sprPrivilege = InstructionFlags(rawValue: 1 << 10)
}

/// One row of the instruction table.
public struct InstructionSpec: Sendable {
    public let opcode: Opcode
    public let mnemonic: String
    public let primary: UInt32
    /// Extended opcode in the field the form names (nil for primary-only forms).
    public let extended: UInt32?
    public let form: Form
    public let operands: [Operand]
    public let flags: InstructionFlags
}

/// Every instruction the e500 core knows, once. The enum is the interpreter's
/// dispatch key; `InstructionTable.specs` holds what each one looks like.
public enum Opcode: UInt16, CaseIterable, Sendable {
    case invalid
    // Integer arithmetic
    case addi, addis, addic, addicRecord, subfic, mulli
    case add, addc, adde, addme, addze, subf, subfc, subfe, subfme, subfze, neg
    case mullw, mulhw, mulhwu, divw, divwu
    // Logical
    case andiRecord, andisRecord, ori, oris, xori, xoris
    case and, andc, or, orc, xor, nand, nor, eqv, extsb, extsh, cntlzw, popcntb, cmpb
    // Rotate and shift
    case rlwimi, rlwinm, rlwnm, slw, srw, sraw, srawi
    // Compare and trap
    case cmpi, cmpli, cmp, cmpl, twi, tw, isel
    // Branch and system call
    case bc, b, bclr, bcctr, sc
    // Condition register
    case mcrf, crand, cror, crxor, crnand, crnor, creqv, crandc, crorc
    case mfcr, mtcrf, mcrxr
    // Loads and stores
    case lwz, lwzu, lbz, lbzu, lhz, lhzu, lha, lhau
    case stw, stwu, stb, stbu, sth, sthu, lmw, stmw
    case lwzx, lwzux, lbzx, lbzux, lhzx, lhzux, lhax, lhaux
    case stwx, stwux, stbx, stbux, sthx, sthux
    case lhbrx, lwbrx, sthbrx, stwbrx
    case lswi, lswx, stswi, stswx
    case lwarx, stwcxRecord
    // Memory barriers and caches
    case sync, isync, mbar, dcbz, dcbf, dcbst, dcbt, dcbtst, icbi, dcbi, icbt, dcba
    // Special-purpose registers and time base
    case mfspr, mtspr, mftb
    // Floating-point loads and stores
    case lfs, lfsu, lfd, lfdu, stfs, stfsu, stfd, stfdu
    case lfsx, lfsux, lfdx, lfdux, stfsx, stfsux, stfdx, stfdux, stfiwx
    // Floating-point arithmetic
    case fadd, fadds, fsub, fsubs, fmul, fmuls, fdiv, fdivs, fsqrt, fsqrts
    case fmadd, fmadds, fmsub, fmsubs, fnmadd, fnmadds, fnmsub, fnmsubs
    case fres, frsqrte, fsel, frsp, fctiw, fctiwz, fcmpu, fcmpo
    case fmr, fneg, fabs, fnabs
    case mffs, mtfsf, mtfsfi, mtfsb0, mtfsb1, mcrfs
    // Supervisor (Book E / e500)
    case mfmsr, mtmsr, wrtee, wrteei, rfi, rfci, rfmci, rfdi
    case mfdcr, mtdcr, mfpmr, mtpmr
    case tlbwe, tlbre, tlbsx, tlbivax, tlbilx, tlbsync
    case wait, msgsnd, msgclr
    case dcbtls, dcbtstls, icbtls, icblc, dcblc
}

public enum InstructionTable {
    /// The table. Decoding, disassembly and encoding are all derived from it.
    public static let specs: [InstructionSpec] = {
        typealias F = InstructionFlags
        var t: [InstructionSpec] = []
        func add(_ op: Opcode, _ m: String, _ p: UInt32, _ x: UInt32?, _ f: Form, _ o: [Operand], _ fl: F = []) {
            t.append(InstructionSpec(opcode: op, mnemonic: m, primary: p, extended: x, form: f, operands: o, flags: fl))
        }
        // Integer arithmetic: D-form immediates and XO-form register forms.
        let arith: F = [.rc, .oe]
        add(.twi, "twi", 3, nil, .D, [.to, .rA, .simm])
        add(.mulli, "mulli", 7, nil, .D, [.rD, .rA, .simm])
        add(.subfic, "subfic", 8, nil, .D, [.rD, .rA, .simm])
        add(.cmpli, "cmpli", 10, nil, .D, [.crfD, .l, .rA, .uimm])
        add(.cmpi, "cmpi", 11, nil, .D, [.crfD, .l, .rA, .simm])
        add(.addic, "addic", 12, nil, .D, [.rD, .rA, .simm])
        add(.addicRecord, "addic.", 13, nil, .D, [.rD, .rA, .simm], .setsCR0)
        add(.addi, "addi", 14, nil, .D, [.rD, .rA0, .simm])
        add(.addis, "addis", 15, nil, .D, [.rD, .rA0, .simm])
        add(.add, "add", 31, 266, .XO, [.rD, .rA, .rB], arith)
        add(.addc, "addc", 31, 10, .XO, [.rD, .rA, .rB], arith)
        add(.adde, "adde", 31, 138, .XO, [.rD, .rA, .rB], arith)
        add(.addme, "addme", 31, 234, .XO, [.rD, .rA], arith)
        add(.addze, "addze", 31, 202, .XO, [.rD, .rA], arith)
        add(.subf, "subf", 31, 40, .XO, [.rD, .rA, .rB], arith)
        add(.subfc, "subfc", 31, 8, .XO, [.rD, .rA, .rB], arith)
        add(.subfe, "subfe", 31, 136, .XO, [.rD, .rA, .rB], arith)
        add(.subfme, "subfme", 31, 232, .XO, [.rD, .rA], arith)
        add(.subfze, "subfze", 31, 200, .XO, [.rD, .rA], arith)
        add(.neg, "neg", 31, 104, .XO, [.rD, .rA], arith)
        add(.mullw, "mullw", 31, 235, .XO, [.rD, .rA, .rB], arith)
        add(.mulhw, "mulhw", 31, 75, .XO, [.rD, .rA, .rB], .rc)
        add(.mulhwu, "mulhwu", 31, 11, .XO, [.rD, .rA, .rB], .rc)
        add(.divw, "divw", 31, 491, .XO, [.rD, .rA, .rB], arith)
        add(.divwu, "divwu", 31, 459, .XO, [.rD, .rA, .rB], arith)
        // Logical
        add(.ori, "ori", 24, nil, .D, [.rA, .rS, .uimm])
        add(.oris, "oris", 25, nil, .D, [.rA, .rS, .uimm])
        add(.xori, "xori", 26, nil, .D, [.rA, .rS, .uimm])
        add(.xoris, "xoris", 27, nil, .D, [.rA, .rS, .uimm])
        add(.andiRecord, "andi.", 28, nil, .D, [.rA, .rS, .uimm], .setsCR0)
        add(.andisRecord, "andis.", 29, nil, .D, [.rA, .rS, .uimm], .setsCR0)
        add(.and, "and", 31, 28, .X, [.rA, .rS, .rB], .rc)
        add(.andc, "andc", 31, 60, .X, [.rA, .rS, .rB], .rc)
        add(.or, "or", 31, 444, .X, [.rA, .rS, .rB], .rc)
        add(.orc, "orc", 31, 412, .X, [.rA, .rS, .rB], .rc)
        add(.xor, "xor", 31, 316, .X, [.rA, .rS, .rB], .rc)
        add(.nand, "nand", 31, 476, .X, [.rA, .rS, .rB], .rc)
        add(.nor, "nor", 31, 124, .X, [.rA, .rS, .rB], .rc)
        add(.eqv, "eqv", 31, 284, .X, [.rA, .rS, .rB], .rc)
        add(.extsb, "extsb", 31, 954, .X, [.rA, .rS], .rc)
        add(.extsh, "extsh", 31, 922, .X, [.rA, .rS], .rc)
        add(.cntlzw, "cntlzw", 31, 26, .X, [.rA, .rS], .rc)
        add(.popcntb, "popcntb", 31, 122, .X, [.rA, .rS])
        add(.cmpb, "cmpb", 31, 508, .X, [.rA, .rS, .rB])
        // Rotate and shift
        add(.rlwimi, "rlwimi", 20, nil, .M, [.rA, .rS, .sh, .mb, .me], .rc)
        add(.rlwinm, "rlwinm", 21, nil, .M, [.rA, .rS, .sh, .mb, .me], .rc)
        add(.rlwnm, "rlwnm", 23, nil, .M, [.rA, .rS, .rB, .mb, .me], .rc)
        add(.slw, "slw", 31, 24, .X, [.rA, .rS, .rB], .rc)
        add(.srw, "srw", 31, 536, .X, [.rA, .rS, .rB], .rc)
        add(.sraw, "sraw", 31, 792, .X, [.rA, .rS, .rB], .rc)
        add(.srawi, "srawi", 31, 824, .X, [.rA, .rS, .sh], .rc)
        // Compare and trap
        add(.cmp, "cmp", 31, 0, .X, [.crfD, .l, .rA, .rB])
        add(.cmpl, "cmpl", 31, 32, .X, [.crfD, .l, .rA, .rB])
        add(.tw, "tw", 31, 4, .X, [.to, .rA, .rB])
        add(.isel, "isel", 31, 15, .A, [.rD, .rA0, .rB, .crbC])
        // Branch and system call
        add(.bc, "bc", 16, nil, .B, [.bo, .bi, .bd], [.branch, .link])
        add(.sc, "sc", 17, nil, .SC, [])
        add(.b, "b", 18, nil, .I, [.li], [.branch, .link])
        add(.bclr, "bclr", 19, 16, .XL, [.bo, .bi], [.branch, .link])
        add(.bcctr, "bcctr", 19, 528, .XL, [.bo, .bi], [.branch, .link])
        // Condition register
        add(.mcrf, "mcrf", 19, 0, .XL, [.crfD, .crfS])
        add(.crnor, "crnor", 19, 33, .XL, [.crbD, .crbA, .crbB])
        add(.crandc, "crandc", 19, 129, .XL, [.crbD, .crbA, .crbB])
        add(.crxor, "crxor", 19, 193, .XL, [.crbD, .crbA, .crbB])
        add(.crnand, "crnand", 19, 225, .XL, [.crbD, .crbA, .crbB])
        add(.crand, "crand", 19, 257, .XL, [.crbD, .crbA, .crbB])
        add(.creqv, "creqv", 19, 289, .XL, [.crbD, .crbA, .crbB])
        add(.crorc, "crorc", 19, 417, .XL, [.crbD, .crbA, .crbB])
        add(.cror, "cror", 19, 449, .XL, [.crbD, .crbA, .crbB])
        add(.mfcr, "mfcr", 31, 19, .XFX, [.rD])
        add(.mtcrf, "mtcrf", 31, 144, .XFX, [.crm, .rS])
        add(.mcrxr, "mcrxr", 31, 512, .X, [.crfD])
        // Loads and stores, D-form
        add(.lwz, "lwz", 32, nil, .D, [.rD, .dispRA0], .load)
        add(.lwzu, "lwzu", 33, nil, .D, [.rD, .dispRA], [.load, .update])
        add(.lbz, "lbz", 34, nil, .D, [.rD, .dispRA0], .load)
        add(.lbzu, "lbzu", 35, nil, .D, [.rD, .dispRA], [.load, .update])
        add(.stw, "stw", 36, nil, .D, [.rS, .dispRA0], .store)
        add(.stwu, "stwu", 37, nil, .D, [.rS, .dispRA], [.store, .update])
        add(.stb, "stb", 38, nil, .D, [.rS, .dispRA0], .store)
        add(.stbu, "stbu", 39, nil, .D, [.rS, .dispRA], [.store, .update])
        add(.lhz, "lhz", 40, nil, .D, [.rD, .dispRA0], .load)
        add(.lhzu, "lhzu", 41, nil, .D, [.rD, .dispRA], [.load, .update])
        add(.lha, "lha", 42, nil, .D, [.rD, .dispRA0], .load)
        add(.lhau, "lhau", 43, nil, .D, [.rD, .dispRA], [.load, .update])
        add(.sth, "sth", 44, nil, .D, [.rS, .dispRA0], .store)
        add(.sthu, "sthu", 45, nil, .D, [.rS, .dispRA], [.store, .update])
        add(.lmw, "lmw", 46, nil, .D, [.rD, .dispRA0], .load)
        add(.stmw, "stmw", 47, nil, .D, [.rS, .dispRA0], .store)
        // Loads and stores, X-form
        add(.lwarx, "lwarx", 31, 20, .X, [.rD, .rA0, .rB], .load)
        add(.lwzx, "lwzx", 31, 23, .X, [.rD, .rA0, .rB], .load)
        add(.lwzux, "lwzux", 31, 55, .X, [.rD, .rA, .rB], [.load, .update])
        add(.lbzx, "lbzx", 31, 87, .X, [.rD, .rA0, .rB], .load)
        add(.lbzux, "lbzux", 31, 119, .X, [.rD, .rA, .rB], [.load, .update])
        add(.stwcxRecord, "stwcx.", 31, 150, .X, [.rS, .rA0, .rB], [.store, .setsCR0])
        add(.stwx, "stwx", 31, 151, .X, [.rS, .rA0, .rB], .store)
        add(.stwux, "stwux", 31, 183, .X, [.rS, .rA, .rB], [.store, .update])
        add(.stbx, "stbx", 31, 215, .X, [.rS, .rA0, .rB], .store)
        add(.stbux, "stbux", 31, 247, .X, [.rS, .rA, .rB], [.store, .update])
        add(.lhzx, "lhzx", 31, 279, .X, [.rD, .rA0, .rB], .load)
        add(.lhzux, "lhzux", 31, 311, .X, [.rD, .rA, .rB], [.load, .update])
        add(.lhax, "lhax", 31, 343, .X, [.rD, .rA0, .rB], .load)
        add(.lhaux, "lhaux", 31, 375, .X, [.rD, .rA, .rB], [.load, .update])
        add(.sthx, "sthx", 31, 407, .X, [.rS, .rA0, .rB], .store)
        add(.sthux, "sthux", 31, 439, .X, [.rS, .rA, .rB], [.store, .update])
        add(.lswx, "lswx", 31, 533, .X, [.rD, .rA0, .rB], .load)
        add(.lwbrx, "lwbrx", 31, 534, .X, [.rD, .rA0, .rB], .load)
        add(.lswi, "lswi", 31, 597, .X, [.rD, .rA0, .nb], .load)
        add(.stswx, "stswx", 31, 661, .X, [.rS, .rA0, .rB], .store)
        add(.stwbrx, "stwbrx", 31, 662, .X, [.rS, .rA0, .rB], .store)
        add(.stswi, "stswi", 31, 725, .X, [.rS, .rA0, .nb], .store)
        add(.lhbrx, "lhbrx", 31, 790, .X, [.rD, .rA0, .rB], .load)
        add(.sthbrx, "sthbrx", 31, 918, .X, [.rS, .rA0, .rB], .store)
        // Barriers and cache management
        add(.isync, "isync", 19, 150, .XL, [])
        add(.sync, "sync", 31, 598, .X, [.l])
        add(.mbar, "mbar", 31, 854, .X, [.mo])
        add(.dcbst, "dcbst", 31, 54, .X, [.rA0, .rB])
        add(.dcbf, "dcbf", 31, 86, .X, [.rA0, .rB])
        add(.dcbtst, "dcbtst", 31, 246, .X, [.rA0, .rB])
        add(.dcbt, "dcbt", 31, 278, .X, [.rA0, .rB])
        add(.dcbi, "dcbi", 31, 470, .X, [.rA0, .rB], .privileged)
        add(.icbi, "icbi", 31, 982, .X, [.rA0, .rB])
        add(.dcbz, "dcbz", 31, 1014, .X, [.rA0, .rB], .store)
        // Cache touch and allocate hints: glibc's memcpy uses icbt/dcba on e500mc.
        add(.icbt, "icbt", 31, 22, .X, [.rA0, .rB])
        add(.dcba, "dcba", 31, 758, .X, [.rA0, .rB])
        // SPRs and time base
        add(.mfspr, "mfspr", 31, 339, .XFX, [.rD, .spr], .sprPrivilege)
        add(.mtspr, "mtspr", 31, 467, .XFX, [.spr, .rS], .sprPrivilege)
        add(.mftb, "mftb", 31, 371, .XFX, [.rD, .tbr])
        // Floating-point loads and stores
        let fl: F = [.floatingPoint, .load], fs: F = [.floatingPoint, .store]
        add(.lfs, "lfs", 48, nil, .D, [.frD, .dispRA0], fl)
        add(.lfsu, "lfsu", 49, nil, .D, [.frD, .dispRA], fl.union(.update))
        add(.lfd, "lfd", 50, nil, .D, [.frD, .dispRA0], fl)
        add(.lfdu, "lfdu", 51, nil, .D, [.frD, .dispRA], fl.union(.update))
        add(.stfs, "stfs", 52, nil, .D, [.frS, .dispRA0], fs)
        add(.stfsu, "stfsu", 53, nil, .D, [.frS, .dispRA], fs.union(.update))
        add(.stfd, "stfd", 54, nil, .D, [.frS, .dispRA0], fs)
        add(.stfdu, "stfdu", 55, nil, .D, [.frS, .dispRA], fs.union(.update))
        add(.lfsx, "lfsx", 31, 535, .X, [.frD, .rA0, .rB], fl)
        add(.lfsux, "lfsux", 31, 567, .X, [.frD, .rA, .rB], fl.union(.update))
        add(.lfdx, "lfdx", 31, 599, .X, [.frD, .rA0, .rB], fl)
        add(.lfdux, "lfdux", 31, 631, .X, [.frD, .rA, .rB], fl.union(.update))
        add(.stfsx, "stfsx", 31, 663, .X, [.frS, .rA0, .rB], fs)
        add(.stfsux, "stfsux", 31, 695, .X, [.frS, .rA, .rB], fs.union(.update))
        add(.stfdx, "stfdx", 31, 727, .X, [.frS, .rA0, .rB], fs)
        add(.stfdux, "stfdux", 31, 759, .X, [.frS, .rA, .rB], fs.union(.update))
        add(.stfiwx, "stfiwx", 31, 983, .X, [.frS, .rA0, .rB], fs)
        // Floating-point arithmetic (A-form; primary 59 = single, 63 = double)
        let fp: F = [.floatingPoint, .rc]
        for (double, single, xo, ops) in [
            (Opcode.fdiv, Opcode.fdivs, UInt32(18), [Operand.frD, .frA, .frB]),
            (.fsub, .fsubs, 20, [.frD, .frA, .frB]),
            (.fadd, .fadds, 21, [.frD, .frA, .frB]),
            (.fsqrt, .fsqrts, 22, [.frD, .frB]),
            (.fmul, .fmuls, 25, [.frD, .frA, .frC]),
            (.fmsub, .fmsubs, 28, [.frD, .frA, .frC, .frB]),
            (.fmadd, .fmadds, 29, [.frD, .frA, .frC, .frB]),
            (.fnmsub, .fnmsubs, 30, [.frD, .frA, .frC, .frB]),
            (.fnmadd, .fnmadds, 31, [.frD, .frA, .frC, .frB]),
        ] {
            add(double, "\(double)", 63, xo, .A, ops, fp)
            add(single, "\(single)", 59, xo, .A, ops, fp)
        }
        add(.fres, "fres", 59, 24, .A, [.frD, .frB], fp)
        add(.fsel, "fsel", 63, 23, .A, [.frD, .frA, .frC, .frB], fp)
        add(.frsqrte, "frsqrte", 63, 26, .A, [.frD, .frB], fp)
        add(.fcmpu, "fcmpu", 63, 0, .X, [.crfD, .frA, .frB], .floatingPoint)
        add(.frsp, "frsp", 63, 12, .X, [.frD, .frB], fp)
        add(.fctiw, "fctiw", 63, 14, .X, [.frD, .frB], fp)
        add(.fctiwz, "fctiwz", 63, 15, .X, [.frD, .frB], fp)
        add(.fcmpo, "fcmpo", 63, 32, .X, [.crfD, .frA, .frB], .floatingPoint)
        add(.mtfsb1, "mtfsb1", 63, 38, .X, [.crbD], fp)
        add(.fneg, "fneg", 63, 40, .X, [.frD, .frB], fp)
        add(.mcrfs, "mcrfs", 63, 64, .X, [.crfD, .crfS], .floatingPoint)
        add(.mtfsb0, "mtfsb0", 63, 70, .X, [.crbD], fp)
        add(.fmr, "fmr", 63, 72, .X, [.frD, .frB], fp)
        add(.mtfsfi, "mtfsfi", 63, 134, .X, [.crfD, .imm4], fp)
        add(.fnabs, "fnabs", 63, 136, .X, [.frD, .frB], fp)
        add(.fabs, "fabs", 63, 264, .X, [.frD, .frB], fp)
        add(.mffs, "mffs", 63, 583, .X, [.frD], fp)
        add(.mtfsf, "mtfsf", 63, 711, .XFL, [.flm, .frB], fp)
        // Supervisor level (Book E, e500)
        let priv: F = .privileged
        add(.mfmsr, "mfmsr", 31, 83, .X, [.rD], priv)
        add(.mtmsr, "mtmsr", 31, 146, .X, [.rS], priv)
        add(.wrtee, "wrtee", 31, 131, .X, [.rS], priv)
        add(.wrteei, "wrteei", 31, 163, .X, [.e], priv)
        add(.rfi, "rfi", 19, 50, .XL, [], priv.union(.branch))
        add(.rfci, "rfci", 19, 51, .XL, [], priv.union(.branch))
        add(.rfmci, "rfmci", 19, 38, .XL, [], priv.union(.branch))
        add(.rfdi, "rfdi", 19, 39, .XL, [], priv.union(.branch))
        add(.mfdcr, "mfdcr", 31, 323, .XFX, [.rD, .dcr], priv)
        add(.mtdcr, "mtdcr", 31, 451, .XFX, [.dcr, .rS], priv)
        add(.mfpmr, "mfpmr", 31, 334, .XFX, [.rD, .pmr])
        add(.mtpmr, "mtpmr", 31, 462, .XFX, [.pmr, .rS], priv)
        add(.tlbilx, "tlbilx", 31, 18, .X, [.t, .rA0, .rB], priv)
        add(.tlbsync, "tlbsync", 31, 566, .X, [], priv)
        add(.tlbivax, "tlbivax", 31, 786, .X, [.rA0, .rB], priv)
        add(.tlbsx, "tlbsx", 31, 914, .X, [.rA0, .rB], priv)
        add(.tlbre, "tlbre", 31, 946, .X, [], priv)
        add(.tlbwe, "tlbwe", 31, 978, .X, [], priv)
        add(.wait, "wait", 31, 62, .X, [])
        add(.msgsnd, "msgsnd", 31, 206, .X, [.rB], priv)
        add(.msgclr, "msgclr", 31, 238, .X, [.rB], priv)
        add(.dcbtstls, "dcbtstls", 31, 134, .X, [.mo, .rA0, .rB], priv)
        add(.dcbtls, "dcbtls", 31, 166, .X, [.mo, .rA0, .rB], priv)
        add(.icblc, "icblc", 31, 230, .X, [.mo, .rA0, .rB], priv)
        add(.dcblc, "dcblc", 31, 390, .X, [.mo, .rA0, .rB], priv)
        add(.icbtls, "icbtls", 31, 486, .X, [.mo, .rA0, .rB], priv)
        return t
    }()

    /// The row of each opcode, indexed by `Opcode.rawValue` (nil for `.invalid`).
    public static let byOpcode: [InstructionSpec?] = {
        var rows = [InstructionSpec?](repeating: nil, count: Opcode.allCases.count)
        for s in specs { rows[Int(s.opcode.rawValue)] = s }
        return rows
    }()

    public static func spec(_ op: Opcode) -> InstructionSpec? { byOpcode[Int(op.rawValue)] }
}
