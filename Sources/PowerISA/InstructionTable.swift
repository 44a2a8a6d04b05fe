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

/// A rule on operand fields that makes some encodings of a row an invalid
/// form: the core raises an illegal-instruction exception (SIGILL in user
/// mode) and the disassembler prints `.long`, as qemu-ppc -cpu e500mc does.
public enum InvalidForm: UInt8, Sendable {
    case none
    /// Update forms that write rA: rA = 0 is invalid (stores, and FP loads
    /// and stores, whose target is an FPR). QEMU 7.2: do_ldst, do_lsfpsd.
    case updateRAZero
    /// Integer loads with update: rA = 0 or rA = rD is invalid (both would
    /// write the same register). QEMU 7.2: do_ldst.
    case updateRAZeroOrRD
    /// lswx with rD = rA or rD = rB. The e500mc has no string instructions;
    /// Linux emulates them for user programs (arch/powerpc/kernel/traps.c,
    /// emulate_string_inst) and rejects exactly this form with SIGILL.
    case lswx
    /// bcctr with BO[2] = 0 (decrement CTR) is invalid in Book E (QEMU 7.2:
    /// gen_bcond, "All ISAs up to v3 describe this form of bcctr as invalid").
    case bcctrDecrement

    /// True when `word` (of a row with this rule) is the invalid form.
    @inlinable @inline(__always)
    public func rejects(_ word: UInt32) -> Bool {
        let i = Instruction(word)
        switch self {
        case .none: return false
        case .updateRAZero: return i.rA == 0
        case .updateRAZeroOrRD: return i.rA == 0 || i.rA == i.rD
        case .lswx: return i.rD == i.rA || i.rD == i.rB
        case .bcctrDecrement: return i.bo & 4 == 0
        }
    }
}

/// What a privileged instruction is when it traps: the VMM accounts each
/// exit under the class of the instruction that caused it (KVM's exit-timing
/// types, the exit profile's classes), and the binary translator picks its
/// patch sites by it, so neither lists opcodes of its own.
public enum TrapClass: UInt8, CaseIterable, Sendable {
    /// Not privileged, or privileged without a class of its own (EMULINST).
    case none
    case mfmsr, mtmsr, mfspr, mtspr
    /// wrtee and wrteei.
    case wrtee
    case rfi
    /// rfci, rfmci, rfdi: returns from the other interrupt classes.
    case rfCritical
    case tlbwe, tlbsx
    /// tlbivax and tlbilx.
    case tlbInvalidate
    case tlbre
    case wait
    /// The other e500-specific instructions KVM emulates in its core code:
    /// tlbsync, msgsnd/msgclr, the cache-locking instructions, dcbi.
    case coreSpecific
}

/// What a load, store or cache operation does to memory: the VMM, the
/// translator and the tests read it from the table instead of listing
/// opcodes (the interpreter's handlers are checked against it,
/// `InstructionTableTests.memoryOperationsMatchTheInterpreter`).
public struct MemoryOperation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// One element of `size` bytes (GPR or FPR).
        case single
        /// lmw/stmw: a word per register from rD/rS to r31.
        case multiple
        /// lswi/lswx/stswi/stswx: NB or XER[byte count] bytes.
        case string
        /// A cache block (dcbz zeroes it; the others only name it).
        case cacheBlock
    }
    public let kind: Kind
    public let isStore: Bool
    /// Bytes of one element (0 for a cache block).
    public let size: Int
    /// lha/lhau/lhax/lhaux: the halfword is sign-extended.
    public let signExtends: Bool
    /// lhbrx/lwbrx/sthbrx/stwbrx: little-endian element.
    public let byteReversed: Bool
    /// An FPR, not a GPR (lfs/stfs convert between single and double).
    public let floatingPoint: Bool
    /// lwarx/stwcx.: sets or needs the reservation.
    public let reservation: Bool
    /// dcbz: writes the whole block (the others do not change memory).
    public let zeroesBlock: Bool

    init(_ kind: Kind = .single, store: Bool = false, size: Int, signExtends: Bool = false, byteReversed: Bool = false,
         floatingPoint: Bool = false, reservation: Bool = false, zeroesBlock: Bool = false) {
        (self.kind, isStore, self.size, self.signExtends, self.byteReversed) = (kind, store, size, signExtends, byteReversed)
        (self.floatingPoint, self.reservation, self.zeroesBlock) = (floatingPoint, reservation, zeroesBlock)
    }

    static let byte = MemoryOperation(size: 1), half = MemoryOperation(size: 2), word = MemoryOperation(size: 4)
    static let halfAlgebraic = MemoryOperation(size: 2, signExtends: true)
    static let storeByte = MemoryOperation(store: true, size: 1), storeHalf = MemoryOperation(store: true, size: 2)
    static let storeWord = MemoryOperation(store: true, size: 4)
    static let halfReversed = MemoryOperation(size: 2, byteReversed: true), wordReversed = MemoryOperation(size: 4, byteReversed: true)
    static let storeHalfReversed = MemoryOperation(store: true, size: 2, byteReversed: true)
    static let storeWordReversed = MemoryOperation(store: true, size: 4, byteReversed: true)
    static let loadMultiple = MemoryOperation(.multiple, size: 4), storeMultiple = MemoryOperation(.multiple, store: true, size: 4)
    static let loadString = MemoryOperation(.string, size: 1), storeString = MemoryOperation(.string, store: true, size: 1)
    static let loadReserved = MemoryOperation(size: 4, reservation: true)
    static let storeConditional = MemoryOperation(store: true, size: 4, reservation: true)
    static let single = MemoryOperation(size: 4, floatingPoint: true), double = MemoryOperation(size: 8, floatingPoint: true)
    static let storeSingle = MemoryOperation(store: true, size: 4, floatingPoint: true)
    static let storeDouble = MemoryOperation(store: true, size: 8, floatingPoint: true)
    /// stfiwx: the low word of an FPR, as is.
    static let storeIntegerWord = MemoryOperation(store: true, size: 4, floatingPoint: true)
    static let block = MemoryOperation(.cacheBlock, size: 0)
    static let zeroBlock = MemoryOperation(.cacheBlock, store: true, size: 0, zeroesBlock: true)
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
    /// Bits that must be zero: a word of this row with any of them set is an
    /// illegal instruction. These are the bits qemu-ppc -cpu e500mc (7.2)
    /// rejects (translate.c's per-handler `inval` masks, the decodetree
    /// patterns and the checks in the trans_ functions), restricted to the
    /// bits outside the opcode fields; every mask was confirmed by running
    /// each row with each such bit set under qemu-ppc.
    public let reserved: UInt32
    /// Bits that must be one (sc: bit 30; with it clear the word is POWER's
    /// svc, which the e500mc does not have).
    public let required: UInt32
    public let invalidForm: InvalidForm
    /// The class a trapped instance of this row is accounted under.
    public let trap: TrapClass
    /// What it does to memory, for loads, stores and cache operations.
    public let memory: MemoryOperation?
    /// With the `update` flag: the effective address goes to rA.
    public var updatesRA: Bool { flags.contains(.update) }

    /// True when `word` (which decodes to this row) breaks the row's rules.
    @inlinable
    public func isInvalid(_ word: UInt32) -> Bool {
        word & reserved != 0 || word & required != required || invalidForm.rejects(word)
    }
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
    case and, andc, or, orc, xor, nand, nor, eqv, extsb, extsh, cntlzw, popcntb
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
    case fadd, fadds, fsub, fsubs, fmul, fmuls, fdiv, fdivs
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
        func add(_ op: Opcode, _ m: String, _ p: UInt32, _ x: UInt32?, _ f: Form, _ o: [Operand], _ fl: F = [],
                 reserved: UInt32 = 0, required: UInt32 = 0, invalid: InvalidForm? = nil, trap: TrapClass = .none,
                 memory: MemoryOperation? = nil) {
            // Update forms get their rA rule from their flags.
            let rule = invalid ?? (!fl.contains(.update) ? .none
                : fl.contains(.load) && !fl.contains(.floatingPoint) ? .updateRAZeroOrRD : .updateRAZero)
            t.append(InstructionSpec(opcode: op, mnemonic: m, primary: p, extended: x, form: f, operands: o, flags: fl,
                                     reserved: reserved, required: required, invalidForm: rule, trap: trap, memory: memory))
        }
        // `reserved:` masks follow qemu-ppc -cpu e500mc 7.2, the oracle of the
        // differential suites (target/ppc/translate.c opcode table `inval`
        // masks, insn32.decode, translate/fixedpoint-impl.c.inc,
        // fp-impl.c.inc). Where QEMU ignores a field the ISA calls reserved,
        // so do we: bit 31 of the decodetree X-form loads and stores (and of
        // stwbrx/sthbrx, lwarx's EH), rB of extsb/extsh/cntlzw, bit 9 of the
        // compares, the L field of sync and dcbz, mfocrf/mtocrf masks naming
        // several fields. The compares' L bit is reserved: QEMU raises it for
        // BOOKE206 cores ("on the e500 and e500mc, L=1 was reported to cause
        // an exception", do_cmp_X). lmw with rA in the loaded range is an
        // invalid form in the ISA but QEMU (helper_lmw) loads every register,
        // rA included, and so do we.
        // Integer arithmetic: D-form immediates and XO-form register forms.
        let arith: F = [.rc, .oe]
        add(.twi, "twi", 3, nil, .D, [.to, .rA, .simm])
        add(.mulli, "mulli", 7, nil, .D, [.rD, .rA, .simm])
        add(.subfic, "subfic", 8, nil, .D, [.rD, .rA, .simm])
        add(.cmpli, "cmpli", 10, nil, .D, [.crfD, .l, .rA, .uimm], reserved: 0x0020_0000)
        add(.cmpi, "cmpi", 11, nil, .D, [.crfD, .l, .rA, .simm], reserved: 0x0020_0000)
        add(.addic, "addic", 12, nil, .D, [.rD, .rA, .simm])
        add(.addicRecord, "addic.", 13, nil, .D, [.rD, .rA, .simm], .setsCR0)
        add(.addi, "addi", 14, nil, .D, [.rD, .rA0, .simm])
        add(.addis, "addis", 15, nil, .D, [.rD, .rA0, .simm])
        add(.add, "add", 31, 266, .XO, [.rD, .rA, .rB], arith)
        add(.addc, "addc", 31, 10, .XO, [.rD, .rA, .rB], arith)
        add(.adde, "adde", 31, 138, .XO, [.rD, .rA, .rB], arith)
        add(.addme, "addme", 31, 234, .XO, [.rD, .rA], arith, reserved: 0x0000_F800)
        add(.addze, "addze", 31, 202, .XO, [.rD, .rA], arith, reserved: 0x0000_F800)
        add(.subf, "subf", 31, 40, .XO, [.rD, .rA, .rB], arith)
        add(.subfc, "subfc", 31, 8, .XO, [.rD, .rA, .rB], arith)
        add(.subfe, "subfe", 31, 136, .XO, [.rD, .rA, .rB], arith)
        add(.subfme, "subfme", 31, 232, .XO, [.rD, .rA], arith, reserved: 0x0000_F800)
        add(.subfze, "subfze", 31, 200, .XO, [.rD, .rA], arith, reserved: 0x0000_F800)
        add(.neg, "neg", 31, 104, .XO, [.rD, .rA], arith, reserved: 0x0000_F800)
        add(.mullw, "mullw", 31, 235, .XO, [.rD, .rA, .rB], arith)
        add(.mulhw, "mulhw", 31, 75, .XO, [.rD, .rA, .rB], .rc, reserved: 0x0000_0400)
        add(.mulhwu, "mulhwu", 31, 11, .XO, [.rD, .rA, .rB], .rc, reserved: 0x0000_0400)
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
        // popcntb is not an e500mc instruction, but Linux emulates it for user
        // programs (traps.c, emulate_popcntb_inst), so user code sees it work;
        // qemu-ppc raises SIGILL. cmpb (ISA 2.05) has no such emulation: it
        // has no row, as on the e500mc and in qemu-ppc -cpu e500mc.
        add(.popcntb, "popcntb", 31, 122, .X, [.rA, .rS])
        // Rotate and shift
        add(.rlwimi, "rlwimi", 20, nil, .M, [.rA, .rS, .sh, .mb, .me], .rc)
        add(.rlwinm, "rlwinm", 21, nil, .M, [.rA, .rS, .sh, .mb, .me], .rc)
        add(.rlwnm, "rlwnm", 23, nil, .M, [.rA, .rS, .rB, .mb, .me], .rc)
        add(.slw, "slw", 31, 24, .X, [.rA, .rS, .rB], .rc)
        add(.srw, "srw", 31, 536, .X, [.rA, .rS, .rB], .rc)
        add(.sraw, "sraw", 31, 792, .X, [.rA, .rS, .rB], .rc)
        add(.srawi, "srawi", 31, 824, .X, [.rA, .rS, .sh], .rc)
        // Compare and trap
        add(.cmp, "cmp", 31, 0, .X, [.crfD, .l, .rA, .rB], reserved: 0x0020_0000)
        add(.cmpl, "cmpl", 31, 32, .X, [.crfD, .l, .rA, .rB], reserved: 0x0020_0000)
        add(.tw, "tw", 31, 4, .X, [.to, .rA, .rB], reserved: 0x0000_0001)
        add(.isel, "isel", 31, 15, .A, [.rD, .rA0, .rB, .crbC], reserved: 0x0000_0001)
        // Branch and system call
        add(.bc, "bc", 16, nil, .B, [.bo, .bi, .bd], [.branch, .link])
        add(.sc, "sc", 17, nil, .SC, [], reserved: 0x03FF_F01D, required: 0x2)
        add(.b, "b", 18, nil, .I, [.li], [.branch, .link])
        add(.bclr, "bclr", 19, 16, .XL, [.bo, .bi], [.branch, .link])
        add(.bcctr, "bcctr", 19, 528, .XL, [.bo, .bi], [.branch, .link], invalid: .bcctrDecrement)
        // Condition register
        add(.mcrf, "mcrf", 19, 0, .XL, [.crfD, .crfS], reserved: 0x0000_0001)
        add(.crnor, "crnor", 19, 33, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.crandc, "crandc", 19, 129, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.crxor, "crxor", 19, 193, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.crnand, "crnand", 19, 225, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.crand, "crand", 19, 257, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.creqv, "creqv", 19, 289, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.crorc, "crorc", 19, 417, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.cror, "cror", 19, 449, .XL, [.crbD, .crbA, .crbB], reserved: 0x0000_0001)
        add(.mfcr, "mfcr", 31, 19, .XFX, [.rD], reserved: 0x0000_0801)
        add(.mtcrf, "mtcrf", 31, 144, .XFX, [.crm, .rS], reserved: 0x0000_0801)
        add(.mcrxr, "mcrxr", 31, 512, .X, [.crfD], reserved: 0x007F_F801)
        // Loads and stores, D-form
        add(.lwz, "lwz", 32, nil, .D, [.rD, .dispRA0], .load, memory: .word)
        add(.lwzu, "lwzu", 33, nil, .D, [.rD, .dispRA], [.load, .update], memory: .word)
        add(.lbz, "lbz", 34, nil, .D, [.rD, .dispRA0], .load, memory: .byte)
        add(.lbzu, "lbzu", 35, nil, .D, [.rD, .dispRA], [.load, .update], memory: .byte)
        add(.stw, "stw", 36, nil, .D, [.rS, .dispRA0], .store, memory: .storeWord)
        add(.stwu, "stwu", 37, nil, .D, [.rS, .dispRA], [.store, .update], memory: .storeWord)
        add(.stb, "stb", 38, nil, .D, [.rS, .dispRA0], .store, memory: .storeByte)
        add(.stbu, "stbu", 39, nil, .D, [.rS, .dispRA], [.store, .update], memory: .storeByte)
        add(.lhz, "lhz", 40, nil, .D, [.rD, .dispRA0], .load, memory: .half)
        add(.lhzu, "lhzu", 41, nil, .D, [.rD, .dispRA], [.load, .update], memory: .half)
        add(.lha, "lha", 42, nil, .D, [.rD, .dispRA0], .load, memory: .halfAlgebraic)
        add(.lhau, "lhau", 43, nil, .D, [.rD, .dispRA], [.load, .update], memory: .halfAlgebraic)
        add(.sth, "sth", 44, nil, .D, [.rS, .dispRA0], .store, memory: .storeHalf)
        add(.sthu, "sthu", 45, nil, .D, [.rS, .dispRA], [.store, .update], memory: .storeHalf)
        add(.lmw, "lmw", 46, nil, .D, [.rD, .dispRA0], .load, memory: .loadMultiple)
        add(.stmw, "stmw", 47, nil, .D, [.rS, .dispRA0], .store, memory: .storeMultiple)
        // Loads and stores, X-form
        add(.lwarx, "lwarx", 31, 20, .X, [.rD, .rA0, .rB], .load, memory: .loadReserved)
        add(.lwzx, "lwzx", 31, 23, .X, [.rD, .rA0, .rB], .load, memory: .word)
        add(.lwzux, "lwzux", 31, 55, .X, [.rD, .rA, .rB], [.load, .update], memory: .word)
        add(.lbzx, "lbzx", 31, 87, .X, [.rD, .rA0, .rB], .load, memory: .byte)
        add(.lbzux, "lbzux", 31, 119, .X, [.rD, .rA, .rB], [.load, .update], memory: .byte)
        add(.stwcxRecord, "stwcx.", 31, 150, .X, [.rS, .rA0, .rB], [.store, .setsCR0], memory: .storeConditional)
        add(.stwx, "stwx", 31, 151, .X, [.rS, .rA0, .rB], .store, memory: .storeWord)
        add(.stwux, "stwux", 31, 183, .X, [.rS, .rA, .rB], [.store, .update], memory: .storeWord)
        add(.stbx, "stbx", 31, 215, .X, [.rS, .rA0, .rB], .store, memory: .storeByte)
        add(.stbux, "stbux", 31, 247, .X, [.rS, .rA, .rB], [.store, .update], memory: .storeByte)
        add(.lhzx, "lhzx", 31, 279, .X, [.rD, .rA0, .rB], .load, memory: .half)
        add(.lhzux, "lhzux", 31, 311, .X, [.rD, .rA, .rB], [.load, .update], memory: .half)
        add(.lhax, "lhax", 31, 343, .X, [.rD, .rA0, .rB], .load, memory: .halfAlgebraic)
        add(.lhaux, "lhaux", 31, 375, .X, [.rD, .rA, .rB], [.load, .update], memory: .halfAlgebraic)
        add(.sthx, "sthx", 31, 407, .X, [.rS, .rA0, .rB], .store, memory: .storeHalf)
        add(.sthux, "sthux", 31, 439, .X, [.rS, .rA, .rB], [.store, .update], memory: .storeHalf)
        add(.lswx, "lswx", 31, 533, .X, [.rD, .rA0, .rB], .load, invalid: .lswx, memory: .loadString)
        add(.lwbrx, "lwbrx", 31, 534, .X, [.rD, .rA0, .rB], .load, reserved: 0x0000_0001, memory: .wordReversed)
        add(.lswi, "lswi", 31, 597, .X, [.rD, .rA0, .nb], .load, memory: .loadString)
        add(.stswx, "stswx", 31, 661, .X, [.rS, .rA0, .rB], .store, memory: .storeString)
        add(.stwbrx, "stwbrx", 31, 662, .X, [.rS, .rA0, .rB], .store, memory: .storeWordReversed)
        add(.stswi, "stswi", 31, 725, .X, [.rS, .rA0, .nb], .store, memory: .storeString)
        add(.lhbrx, "lhbrx", 31, 790, .X, [.rD, .rA0, .rB], .load, reserved: 0x0000_0001, memory: .halfReversed)
        add(.sthbrx, "sthbrx", 31, 918, .X, [.rS, .rA0, .rB], .store, memory: .storeHalfReversed)
        // Barriers and cache management
        add(.isync, "isync", 19, 150, .XL, [], reserved: 0x03FF_F801)
        add(.sync, "sync", 31, 598, .X, [.l], reserved: 0x039F_F801)
        add(.mbar, "mbar", 31, 854, .X, [.mo], reserved: 0x001F_F801)
        add(.dcbst, "dcbst", 31, 54, .X, [.rA0, .rB], reserved: 0x03E0_0001, memory: .block)
        add(.dcbf, "dcbf", 31, 86, .X, [.rA0, .rB], reserved: 0x03C0_0001, memory: .block)
        add(.dcbtst, "dcbtst", 31, 246, .X, [.rA0, .rB], reserved: 0x0000_0001, memory: .block)
        add(.dcbt, "dcbt", 31, 278, .X, [.rA0, .rB], reserved: 0x0000_0001, memory: .block)
        add(.dcbi, "dcbi", 31, 470, .X, [.rA0, .rB], .privileged, reserved: 0x03E0_0001, trap: .coreSpecific, memory: .block)
        add(.icbi, "icbi", 31, 982, .X, [.rA0, .rB], reserved: 0x03E0_0001, memory: .block)
        add(.dcbz, "dcbz", 31, 1014, .X, [.rA0, .rB], .store, reserved: 0x03C0_0001, memory: .zeroBlock)
        // Cache touch and allocate hints: glibc's memcpy uses icbt/dcba on e500mc.
        add(.icbt, "icbt", 31, 22, .X, [.rA0, .rB], reserved: 0x03E0_0001, memory: .block)
        add(.dcba, "dcba", 31, 758, .X, [.rA0, .rB], reserved: 0x03E0_0001, memory: .block)
        // SPRs and time base
        add(.mfspr, "mfspr", 31, 339, .XFX, [.rD, .spr], .sprPrivilege, reserved: 0x0000_0001, trap: .mfspr)
        add(.mtspr, "mtspr", 31, 467, .XFX, [.spr, .rS], .sprPrivilege, trap: .mtspr)
        add(.mftb, "mftb", 31, 371, .XFX, [.rD, .tbr], reserved: 0x0000_0001)
        // Floating-point loads and stores
        let fl: F = [.floatingPoint, .load], fs: F = [.floatingPoint, .store]
        add(.lfs, "lfs", 48, nil, .D, [.frD, .dispRA0], fl, memory: .single)
        add(.lfsu, "lfsu", 49, nil, .D, [.frD, .dispRA], fl.union(.update), memory: .single)
        add(.lfd, "lfd", 50, nil, .D, [.frD, .dispRA0], fl, memory: .double)
        add(.lfdu, "lfdu", 51, nil, .D, [.frD, .dispRA], fl.union(.update), memory: .double)
        add(.stfs, "stfs", 52, nil, .D, [.frS, .dispRA0], fs, memory: .storeSingle)
        add(.stfsu, "stfsu", 53, nil, .D, [.frS, .dispRA], fs.union(.update), memory: .storeSingle)
        add(.stfd, "stfd", 54, nil, .D, [.frS, .dispRA0], fs, memory: .storeDouble)
        add(.stfdu, "stfdu", 55, nil, .D, [.frS, .dispRA], fs.union(.update), memory: .storeDouble)
        add(.lfsx, "lfsx", 31, 535, .X, [.frD, .rA0, .rB], fl, memory: .single)
        add(.lfsux, "lfsux", 31, 567, .X, [.frD, .rA, .rB], fl.union(.update), memory: .single)
        add(.lfdx, "lfdx", 31, 599, .X, [.frD, .rA0, .rB], fl, memory: .double)
        add(.lfdux, "lfdux", 31, 631, .X, [.frD, .rA, .rB], fl.union(.update), memory: .double)
        add(.stfsx, "stfsx", 31, 663, .X, [.frS, .rA0, .rB], fs, memory: .storeSingle)
        add(.stfsux, "stfsux", 31, 695, .X, [.frS, .rA, .rB], fs.union(.update), memory: .storeSingle)
        add(.stfdx, "stfdx", 31, 727, .X, [.frS, .rA0, .rB], fs, memory: .storeDouble)
        add(.stfdux, "stfdux", 31, 759, .X, [.frS, .rA, .rB], fs.union(.update), memory: .storeDouble)
        add(.stfiwx, "stfiwx", 31, 983, .X, [.frS, .rA0, .rB], fs, reserved: 0x0000_0001, memory: .storeIntegerWord)
        // Floating-point arithmetic (A-form; primary 59 = single, 63 = double)
        let fp: F = [.floatingPoint, .rc]
        // fsqrt and fsqrts (A-form 22) have no row: the e500mc has no square-root
        // unit (gcc's e500mc has no -mpowerpc-gpopt; qemu-ppc -cpu e500mc lacks
        // PPC_FLOAT_FSQRT and raises SIGILL). The unused frC / frB fields of
        // the two-operand forms are reserved, as in QEMU's GEN_FLOAT_AB/AC.
        for (double, single, xo, ops, reserved) in [
            (Opcode.fdiv, Opcode.fdivs, UInt32(18), [Operand.frD, .frA, .frB], UInt32(0x0000_07C0)),
            (.fsub, .fsubs, 20, [.frD, .frA, .frB], 0x0000_07C0),
            (.fadd, .fadds, 21, [.frD, .frA, .frB], 0x0000_07C0),
            (.fmul, .fmuls, 25, [.frD, .frA, .frC], 0x0000_F800),
            (.fmsub, .fmsubs, 28, [.frD, .frA, .frC, .frB], 0),
            (.fmadd, .fmadds, 29, [.frD, .frA, .frC, .frB], 0),
            (.fnmsub, .fnmsubs, 30, [.frD, .frA, .frC, .frB], 0),
            (.fnmadd, .fnmadds, 31, [.frD, .frA, .frC, .frB], 0),
        ] {
            add(double, "\(double)", 63, xo, .A, ops, fp, reserved: reserved)
            add(single, "\(single)", 59, xo, .A, ops, fp, reserved: reserved)
        }
        add(.fres, "fres", 59, 24, .A, [.frD, .frB], fp, reserved: 0x001F_07C0)
        add(.fsel, "fsel", 63, 23, .A, [.frD, .frA, .frC, .frB], fp)
        add(.frsqrte, "frsqrte", 63, 26, .A, [.frD, .frB], fp, reserved: 0x001F_07C0)
        add(.fcmpu, "fcmpu", 63, 0, .X, [.crfD, .frA, .frB], .floatingPoint, reserved: 0x0060_0001)
        add(.frsp, "frsp", 63, 12, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        add(.fctiw, "fctiw", 63, 14, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        add(.fctiwz, "fctiwz", 63, 15, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        add(.fcmpo, "fcmpo", 63, 32, .X, [.crfD, .frA, .frB], .floatingPoint, reserved: 0x0060_0001)
        add(.mtfsb1, "mtfsb1", 63, 38, .X, [.crbD], fp, reserved: 0x001F_F800)
        add(.fneg, "fneg", 63, 40, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        add(.mcrfs, "mcrfs", 63, 64, .X, [.crfD, .crfS], .floatingPoint, reserved: 0x0063_F801)
        add(.mtfsb0, "mtfsb0", 63, 70, .X, [.crbD], fp, reserved: 0x001F_F800)
        add(.fmr, "fmr", 63, 72, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        add(.mtfsfi, "mtfsfi", 63, 134, .X, [.crfD, .imm4], fp, reserved: 0x006F_0800)
        add(.fnabs, "fnabs", 63, 136, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        add(.fabs, "fabs", 63, 264, .X, [.frD, .frB], fp, reserved: 0x001F_0000)
        // No reserved bits, unlike qemu-ppc (inval 0x001F0000): pre-3.0 cores such
        // as the e500mc run ISA 3.0's mffsl/mffsce/... (rA field set) as mffs,
        // and glibc 2.36 relies on it (CoreTests.mffslRunsAsMffsLikeE500mcHardware).
        add(.mffs, "mffs", 63, 583, .X, [.frD], fp)
        add(.mtfsf, "mtfsf", 63, 711, .XFL, [.flm, .frB], fp, reserved: 0x0001_0000)
        // Supervisor level (Book E, e500)
        let priv: F = .privileged
        add(.mfmsr, "mfmsr", 31, 83, .X, [.rD], priv, reserved: 0x001F_F801, trap: .mfmsr)
        add(.mtmsr, "mtmsr", 31, 146, .X, [.rS], priv, reserved: 0x001E_F801, trap: .mtmsr)
        add(.wrtee, "wrtee", 31, 131, .X, [.rS], priv, reserved: 0x000F_F801, trap: .wrtee)
        add(.wrteei, "wrteei", 31, 163, .X, [.e], priv, reserved: 0x000E_7801, trap: .wrtee)
        add(.rfi, "rfi", 19, 50, .XL, [], priv.union(.branch), reserved: 0x03FF_8001, trap: .rfi)
        add(.rfci, "rfci", 19, 51, .XL, [], priv.union(.branch), reserved: 0x03FF_8001, trap: .rfCritical)
        add(.rfmci, "rfmci", 19, 38, .XL, [], priv.union(.branch), reserved: 0x03FF_8001, trap: .rfCritical)
        add(.rfdi, "rfdi", 19, 39, .XL, [], priv.union(.branch), reserved: 0x03FF_8001, trap: .rfCritical)
        add(.mfdcr, "mfdcr", 31, 323, .XFX, [.rD, .dcr], priv)
        add(.mtdcr, "mtdcr", 31, 451, .XFX, [.dcr, .rS], priv)
        add(.mfpmr, "mfpmr", 31, 334, .XFX, [.rD, .pmr])
        add(.mtpmr, "mtpmr", 31, 462, .XFX, [.pmr, .rS], priv)
        add(.tlbilx, "tlbilx", 31, 18, .X, [.t, .rA0, .rB], priv, reserved: 0x0380_0001, trap: .tlbInvalidate)
        add(.tlbsync, "tlbsync", 31, 566, .X, [], priv, reserved: 0x03FF_F801, trap: .coreSpecific)
        add(.tlbivax, "tlbivax", 31, 786, .X, [.rA0, .rB], priv, reserved: 0x0000_0001, trap: .tlbInvalidate)
        add(.tlbsx, "tlbsx", 31, 914, .X, [.rA0, .rB], priv, trap: .tlbsx)
        add(.tlbre, "tlbre", 31, 946, .X, [], priv, reserved: 0x0000_0001, trap: .tlbre)
        add(.tlbwe, "tlbwe", 31, 978, .X, [], priv, reserved: 0x0000_0001, trap: .tlbwe)
        add(.wait, "wait", 31, 62, .X, [], reserved: 0x039F_F801, trap: .wait)
        add(.msgsnd, "msgsnd", 31, 206, .X, [.rB], priv, trap: .coreSpecific)
        add(.msgclr, "msgclr", 31, 238, .X, [.rB], priv, trap: .coreSpecific)
        add(.dcbtstls, "dcbtstls", 31, 134, .X, [.mo, .rA0, .rB], priv, trap: .coreSpecific)
        add(.dcbtls, "dcbtls", 31, 166, .X, [.mo, .rA0, .rB], priv, reserved: 0x0200_0001, trap: .coreSpecific)
        add(.icblc, "icblc", 31, 230, .X, [.mo, .rA0, .rB], priv, trap: .coreSpecific)
        add(.dcblc, "dcblc", 31, 390, .X, [.mo, .rA0, .rB], priv, trap: .coreSpecific)
        add(.icbtls, "icbtls", 31, 486, .X, [.mo, .rA0, .rB], priv, trap: .coreSpecific)
        return t
    }()

    /// The row of each opcode, indexed by `Opcode.rawValue` (nil for `.invalid`).
    public static let byOpcode: [InstructionSpec?] = {
        var rows = [InstructionSpec?](repeating: nil, count: Opcode.allCases.count)
        for s in specs { rows[Int(s.opcode.rawValue)] = s }
        return rows
    }()

    public static func spec(_ op: Opcode) -> InstructionSpec? { byOpcode[Int(op.rawValue)] }

    /// Each opcode's trap class, indexed by `Opcode.rawValue`: a flat table
    /// for the VMM's exit path.
    public static let trapClasses: [TrapClass] = byOpcode.map { $0?.trap ?? .none }
}
