/// objdump-style disassembly: the text `powerpc-linux-gnu-objdump -d` (binutils
/// 2.40, default dialect) prints in its instruction column, so traces and
/// profiles read like the listings people already know. Branch targets are bare
/// hex addresses, as objdump prints them before its ` <symbol+off>` suffix.
///
/// objdump's default dialect is a recent POWER server core with a fall-back to
/// every opcode table it has, so it names some e500 encodings after other
/// cores (`icbtls` prints as `dcread`, `tlbwe` as `tlbld`); we print what it
/// prints. It keeps the plain forms where other tools simplify (`subf`, not
/// `sub`; `addi r3,r3,-1`, not `subi`). A word that our table does not know,
/// or that objdump rejects (reserved bits set, an invalid form), prints as
/// `.long 0x...` (one space, unpadded) as objdump does.
public enum Disassembler {
    /// Text of one instruction at `address`, e.g. `lwz     r9,8(r1)`.
    public static func disassemble(_ word: UInt32, at address: UInt32 = 0) -> String {
        let i = Instruction(word)
        let op = DecodeTable.shared.decode(word)
        guard let spec = InstructionTable.spec(op), word & ~acceptedBits[Int(op.rawValue)] == 0,
              let (mnemonic, args) = objdump(op, spec, i, address)
        else { return ".long 0x" + hex(word) }
        return format(mnemonic, args)
    }

    // MARK: Layout

    /// objdump pads the mnemonic to 8 columns (at least one space) before the operands.
    /// One line of an instruction trace, as `trapeze user --trace` and
    /// `trapeze run --trace` write it and scripts/trace-diff.py reads it:
    /// `0xADDRESS: WORD  disassembly`.
    public static func traceLine(_ word: UInt32, at address: UInt32) -> String {
        "0x\(hex8(address)): \(hex8(word))  \(disassemble(word, at: address))"
    }

    static func hex8(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    static func format(_ mnemonic: String, _ args: [Arg]) -> String {
        let operands = render(args)
        guard !operands.isEmpty else { return mnemonic }
        return mnemonic + String(repeating: " ", count: max(1, 8 - mnemonic.count)) + operands
    }

    /// One printed operand. objdump leaves out an optional operand when it and
    /// every optional operand after it hold their default (zero): `bgelr`, but
    /// `bgelrl cr0,1` once the branch hint is set; `mtfsf 255,f5,1`, but
    /// `mtfsf 0,f5,0,1`.
    struct Arg {
        let text: String
        let optional: Bool
        let isDefault: Bool
        init(_ text: String) { (self.text, optional, isDefault) = (text, false, false) }
        /// An optional number, left out when zero.
        init(optional value: UInt32, _ text: String? = nil) {
            (self.text, optional, isDefault) = (text ?? String(value), true, value == 0)
        }
    }

    static func render(_ args: [Arg]) -> String {
        var shown: [String] = []
        for (n, arg) in args.enumerated() {
            if arg.optional && args[n...].allSatisfy({ !$0.optional || $0.isDefault }) { continue }
            shown.append(arg.text)
        }
        return shown.joined(separator: ",")
    }

    static func hex(_ v: UInt32) -> String { String(v, radix: 16) }
    static func gpr(_ n: Int) -> String { "r\(n)" }
    /// rA where 0 means the value 0, not r0.
    static func gpr0(_ n: Int) -> String { n == 0 ? "0" : "r\(n)" }
    static let crBitNames = ["lt", "gt", "eq", "so"]
    static func crBit(_ n: Int) -> String { n < 4 ? crBitNames[n] : "4*cr\(n / 4)+\(crBitNames[n % 4])" }

    // MARK: Which bits a word may have set

    /// Per opcode (by raw value): the bits a word of it may have set.
    static let acceptedBits: [UInt32] = Opcode.allCases.map { op in
        InstructionTable.spec(op).map { explained($0) | (objdumpFields[op] ?? 0) } ?? 0
    }

    /// Bits the table's row gives a meaning: opcode, extended opcode, operand
    /// fields and suffix bits. objdump rejects a word with any other bit set,
    /// except for the fields listed in `objdumpFields`.
    static func explained(_ spec: InstructionSpec) -> UInt32 {
        var bits: UInt32 = 0xFC00_0000
        if spec.extended != nil {
            switch spec.form {
            case .XO: bits |= 0x3FE
            case .A: bits |= 0x3E
            default: bits |= 0x7FE
            }
        }
        for operand in spec.operands {
            let field = operand.field
            bits |= (1 << field.width - 1) << field.shift
            switch operand {
            case .dispRA, .dispRA0: bits |= 0x001F_0000
            case .bd, .li: bits |= 0x2  // AA
            default: break
            }
        }
        if spec.flags.contains(.rc) || spec.flags.contains(.link) { bits |= 0x1 }
        if spec.flags.contains(.oe) { bits |= 0x400 }
        // stwcx. carries its dot in bit 31 (`special` rejects it clear).
        if spec.flags.contains(.setsCR0) && spec.form == .X { bits |= 0x1 }
        return bits
    }

    /// Fields objdump reads that our table leaves reserved (later ISA levels
    /// or other cores define them); `objdump(_:_:_:_:)` prints them.
    static let objdumpFields: [Opcode: UInt32] = [
        .sc: 0x03FF_FFFF,  // LEV and the svc/scv forms
        .cmpi: 0x0040_0000, .cmpli: 0x0040_0000,  // objdump ignores bit 9 of the D-form compares
        .isel: 0x1,  // bit 31: objdump then prints plain `isel`
        .mfcr: 0x001F_F000, .mtcrf: 0x0010_0000,  // mfocrf / mtocrf
        .lwarx: 0x1,  // EH hint
        .bclr: 0x1800, .bcctr: 0x1800,  // BH hint
        .sync: 0x03FF_0000,  // L and SC fields
        .mbar: 0x001F_F800,  // ignored
        .dcbf: 0x03E0_0000, .dcbz: 0x03E0_0000, .dcba: 0x03E0_0000,  // L
        .dcbt: 0x03E0_0000, .dcbtst: 0x03E0_0000, .icbt: 0x03E0_0000,  // TH / CT
        .fres: 0x001F_0000, .frsqrte: 0x001F_0000,  // A operand
        .mffs: 0x001F_F800,  // mffsce, mffscrn, ... (field rA selects)
        .mtfsf: 0x0201_0000, .mtfsfi: 0x0001_0000,  // L, W
        .mfdcr: 0x1, .mtdcr: 0x1,  // mfdcr. / mtdcr.
        .mtmsr: 0x0001_0000,  // L
        .tlbilx: 0x0380_0000,
        .tlbsx: 0x03E0_0001, .tlbre: 0x03FF_F800, .tlbwe: 0x03FF_F800,
        .wait: 0x0060_0000,  // WC
        .msgclr: 0x03FF_0000,  // icblce
    ]

    // MARK: Operands from the table

    static func args(_ operands: [Operand], _ i: Instruction, _ address: UInt32) -> [Arg] {
        operands.map { Arg(operandText($0, i, address)) }
    }

    static func target(_ displacement: Int32, _ i: Instruction, _ address: UInt32) -> String {
        hex(i.aa ? UInt32(bitPattern: displacement) : address &+ UInt32(bitPattern: displacement))
    }

    static func operandText(_ operand: Operand, _ i: Instruction, _ address: UInt32) -> String {
        switch operand {
        case .rD, .rS: return gpr(i.rD)
        case .rA: return gpr(i.rA)
        case .rA0: return gpr0(i.rA)
        case .rB: return gpr(i.rB)
        case .frD, .frS: return "f\(i.rD)"
        case .frA: return "f\(i.rA)"
        case .frB: return "f\(i.rB)"
        case .frC: return "f\(i.rC)"
        case .simm: return String(i.simm)
        case .uimm: return String(i.uimm)
        case .dispRA: return "\(i.simm)(\(gpr(i.rA)))"
        case .dispRA0: return "\(i.simm)(\(gpr0(i.rA)))"
        case .crfD: return "cr\(i.crfD)"
        case .crfS: return "cr\(i.crfS)"
        case .crbD: return crBit(i.rD)
        case .crbA: return crBit(i.rA)
        case .crbB: return crBit(i.rB)
        case .crbC: return crBit(i.rC)
        case .bo, .to, .mo: return String(i.bo)
        case .bi: return crBit(Int(i.bi))
        case .bd: return target(i.bd, i, address)
        case .li: return target(i.li, i, address)
        case .sh: return String(i.sh)
        case .nb: return String(i.sh == 0 ? 32 : i.sh)
        case .mb: return String(i.mb)
        case .me: return String(i.me)
        case .l: return String(i.l)
        case .t: return String((i.word >> 21) & 3)
        case .spr, .tbr, .dcr, .pmr: return String(i.spr)
        case .crm: return String(i.crm)
        case .flm: return String(i.flm)
        case .imm4: return String(i.imm4)
        case .e: return String(i.e)
        }
    }

    // MARK: What objdump prints

    /// Mnemonic and operands as objdump prints the word, or nil for `.long`.
    static func objdump(_ op: Opcode, _ spec: InstructionSpec, _ i: Instruction, _ address: UInt32)
        -> (String, [Arg])?
    {
        if let form = special(op, spec, i, address) { return form.valid ? (form.mnemonic, form.args) : nil }
        var mnemonic = spec.mnemonic
        if spec.flags.contains(.oe) && i.oe { mnemonic += "o" }
        if spec.flags.contains(.rc) && i.rc { mnemonic += "." }
        if spec.flags.contains(.link) {
            if op == .b && i.aa { mnemonic += i.lk ? "la" : "a" } else if i.lk { mnemonic += "l" }
        }
        return (mnemonic, args(spec.operands, i, address))
    }

    /// A form objdump prints instead of the table's plain one; `Form.invalid`
    /// (no mnemonic) for a word it rejects.
    struct Form {
        let mnemonic: String
        let args: [Arg]
        var valid: Bool { !mnemonic.isEmpty }
        init(_ mnemonic: String, _ args: [Arg] = []) { (self.mnemonic, self.args) = (mnemonic, args) }
        init(_ mnemonic: String, _ args: [String]) { self.init(mnemonic, args.map(Arg.init)) }
        static let invalid = Form("", [Arg]())
    }

    /// objdump's simplified and alternative mnemonics: nil where it prints the
    /// table's own mnemonic and operands.
    static func special(_ op: Opcode, _ spec: InstructionSpec, _ i: Instruction, _ address: UInt32) -> Form? {
        let dot = i.rc ? "." : ""
        let (d, a, b) = (gpr(i.rD), gpr(i.rA), gpr(i.rB))
        switch op {
        case .addi where i.rA == 0: return Form("li", [d, String(i.simm)])
        case .addis where i.rA == 0: return Form("lis", [d, String(i.simm)])
        case .ori where i.word == 0x6000_0000: return Form("nop")
        case .xori where i.word == 0x6800_0000: return Form("xnop")
        case .or where i.rS == i.rB: return Form("mr" + dot, [a, d])
        case .nor where i.rS == i.rB: return Form("not" + dot, [a, d])
        case .rlwinm: return rotate(i).map { Form($0.0 + dot, [a, d, String($0.1)]) }
        case .rlwnm where i.mb == 0 && i.me == 31: return Form("rotlw" + dot, [a, d, b])
        case .cmpi, .cmpli, .cmp, .cmpl:
            // cmpw, cmplwi, ... (cmpd, cmpldi, ... when L = 1); cr0 is left out.
            let last = op == .cmpi ? String(i.simm) : op == .cmpli ? String(i.uimm) : b
            return Form(compareNames[op]![Int(i.l)], [Arg(optional: UInt32(i.crfD), "cr\(i.crfD)"), Arg(a), Arg(last)])
        case .crxor where i.rD == i.rA && i.rA == i.rB: return Form("crclr", [crBit(i.rD)])
        case .creqv where i.rD == i.rA && i.rA == i.rB: return Form("crset", [crBit(i.rD)])
        case .crnor where i.rA == i.rB: return Form("crnot", [crBit(i.rD), crBit(i.rA)])
        case .cror where i.rA == i.rB: return Form("crmove", [crBit(i.rD), crBit(i.rA)])
        case .mfcr, .mtcrf:
            // Bit 11 set: the one-field forms, whose mask must name exactly one field.
            let oneField = i.word & 0x0010_0000 != 0
            if oneField && i.crm.nonzeroBitCount != 1 { return .invalid }
            if op == .mfcr { return oneField ? Form("mfocrf", [d, String(i.crm)]) : i.crm == 0 ? nil : .invalid }
            if oneField { return Form("mtocrf", [String(i.crm), d]) }
            return i.crm == 0xFF ? Form("mtcr", [d]) : nil
        case .mfspr, .mtspr: return moveSPR(op, i)
        case .mftb:
            guard let name = [268: "mftb", 269: "mftbu"][i.spr] else { return .invalid }
            return Form(name, [d])
        case .mfdcr, .mtdcr:
            // The 40x DCR names, or the number; objdump also knows an Rc form.
            if i.rc { return Form(spec.mnemonic + ".", args(spec.operands, i, address)) }
            return dcrNames[i.spr].map { Form((op == .mfdcr ? "mf" : "mt") + $0, [d]) }
        case .tw where i.bo == 31 && i.rA == 0 && i.rB == 0: return Form("trap")
        case .tw, .twi:
            guard let condition = trapConditions[i.bo] else { return nil }
            return Form("tw" + condition + (op == .twi ? "i" : ""), [a, op == .twi ? String(i.simm) : b])
        // iseleq, ...; with bit 31 set (which objdump ignores) it prints plain isel.
        case .isel where i.rC < 3 && !i.rc:
            return Form("isel" + crBitNames[i.rC], [d, gpr0(i.rA), b])
        case .bc, .bclr, .bcctr: return branch(op, spec, i, address)
        case .sc: return systemCall(i)
        case .stwcxRecord where !i.rc: return .invalid  // the dot is part of the opcode
        case .lwarx: return Form("lwarx", [Arg(d), Arg(gpr0(i.rA)), Arg(b), Arg(optional: i.word & 1)])
        case .sync:
            // hwsync, lwsync, ... by L; objdump accepts only some SC values with them.
            let (l, sc) = (Int(i.word >> 21) & 31, Int(i.word >> 16) & 31)
            guard l < syncValidSC.count, syncValidSC[l] >> sc & 1 != 0 else { return .invalid }
            if let name = syncNames[[l, sc]] { return Form(name) }
            return Form("sync", [String(l), String(sc)])
        case .mbar: return i.word == 0x7C00_06AC ? Form("eieio") : Form("mbar", [Arg(optional: i.bo)])
        case .wait:
            let wc = Int(i.word >> 21) & 3
            return wc < 3 ? Form(["wait", "waitrsv", "waitimpl"][wc]) : .invalid
        case .dcbf:
            guard let name = dcbfNames[i.rD] else { return .invalid }
            return Form(name, [gpr0(i.rA), b])
        case .dcbz, .dcba:  // dcbzl, dcbal with L = 1
            guard i.rD < 2 else { return .invalid }
            return Form(spec.mnemonic + (i.rD == 1 ? "l" : ""), [gpr0(i.rA), b])
        case .dcbt, .dcbtst:
            // The TH field picks e500mc's names (dcbtct, dcbtds, dcbtt, dcbna); the
            // number follows unless it is that name's default.
            let th = UInt32(i.rD)
            let (name, base): (String, UInt32) = switch th {
            case 0..<8: (spec.mnemonic + "ct", 0)
            case 8..<16: (spec.mnemonic + "ds", 8)
            case 16: (spec.mnemonic + "t", 16)
            case 17 where op == .dcbt: ("dcbna", 17)
            default: (spec.mnemonic, 0)
            }
            return Form(name, [Arg(gpr0(i.rA)), Arg(b), Arg(optional: th - base, String(th))])
        case .dcbtls, .dcbtstls, .dcblc, .icblc, .icbt:  // CT, left out when 0
            return Form(spec.mnemonic, [Arg(optional: i.bo), Arg(gpr0(i.rA)), Arg(b)])
        case .icbtls: return Form("dcread", [d, gpr0(i.rA), b])  // 4xx's dcread comes first in objdump's tables
        case .fres, .frsqrte:
            guard i.rA < 2 else { return .invalid }
            return Form(spec.mnemonic + dot, [Arg("f\(i.rD)"), Arg("f\(i.rB)"), Arg(optional: UInt32(i.rA))])
        case .mffs:
            guard let (name, operand) = mffsVariants[i.rA] else { return .invalid }
            if i.rc && i.rA != 0 { return .invalid }  // only mffs has a dot form
            switch operand {
            case .none where i.rB == 0: return Form(name + dot, ["f\(i.rD)"])
            case .fpr: return Form(name + dot, ["f\(i.rD)", "f\(i.rB)"])
            case .number(let limit) where i.rB < limit: return Form(name + dot, ["f\(i.rD)", String(i.rB)])
            default: return .invalid
            }
        case .mtfsf:
            let (l, w) = (i.word >> 25 & 1, i.word >> 16 & 1)
            return Form("mtfsf" + dot, [Arg(String(i.flm)), Arg("f\(i.rB)"), Arg(optional: l), Arg(optional: w)])
        case .mtfsfi:
            return Form("mtfsfi" + dot, [Arg(String(i.crfD)), Arg(String(i.imm4)), Arg(optional: i.word >> 16 & 1)])
        // The FPSCR bit is a number, not a CR bit name.
        case .mtfsb0, .mtfsb1: return Form(spec.mnemonic + dot, [String(i.rD)])
        case .mtmsr: return Form("mtmsr", [Arg(d), Arg(optional: i.word >> 16 & 1)])
        case .tlbilx:
            // With bits 6-8 clear objdump uses the T-specific names.
            guard i.word & 0x0380_0000 == 0 else { return nil }
            switch (i.word >> 21) & 3 {
            case 0: return Form("tlbilxlpid")
            case 1: return Form("tlbilxpid")
            case 3: return Form("tlbilxva", [gpr0(i.rA), b])
            default: return nil
            }
        case .tlbsx: return Form("tlbsx" + dot, i.rD == 0 ? [gpr0(i.rA), b] : [d, gpr0(i.rA), b])
        // tlbre and tlbwe print under the 4xx/603 names objdump finds first:
        // the word-select field rB picks tlbrehi / tlbrelo, and tlbwe with
        // rD = rA = 0 reads as the 603's tlbld.
        case .tlbwe where i.rD == 0 && i.rA == 0: return Form("tlbld", [b])
        case .tlbre, .tlbwe:
            let name = spec.mnemonic
            return i.rB < 2 ? Form(name + ["hi", "lo"][i.rB], [d, a]) : Form(name, [d, a, String(i.rB)])
        case .msgclr: return i.rD == 0 && i.rA == 0 ? nil : Form("icblce", [Arg(optional: i.bo), Arg(a), Arg(b)])
        default:
            return invalidLoadStore(op, i)
        }
    }

    // MARK: Rotates

    /// objdump's rlwinm shorthands, in its order of preference: (mnemonic, n)
    /// for `mnemonic rA,rS,n`. It prints no extlwi, extrwi, inslwi, rotrwi or
    /// clrlslwi, and never simplifies rlwimi.
    static func rotate(_ i: Instruction) -> (String, UInt32)? {
        let (sh, mb, me) = (i.sh, i.mb, i.me)
        if mb == 0 && me == 31 { return ("rotlwi", sh) }
        if mb == 0 && me == 31 - sh { return ("slwi", sh) }
        if me == 31 && sh == 32 - mb { return ("srwi", mb) }
        if sh == 0 && me == 31 { return ("clrlwi", mb) }
        if sh == 0 && mb == 0 { return ("clrrwi", 31 - me) }
        return nil
    }

    // MARK: Compares and traps

    /// Word and doubleword (L = 1) compare names.
    static let compareNames: [Opcode: [String]] = [
        .cmpi: ["cmpwi", "cmpdi"], .cmpli: ["cmplwi", "cmpldi"], .cmp: ["cmpw", "cmpd"], .cmpl: ["cmplw", "cmpld"],
    ]

    /// twXX / twXXi by TO field.
    static let trapConditions: [UInt32: String] = [
        16: "lt", 20: "le", 4: "eq", 12: "ge", 8: "gt", 24: "ne", 2: "llt", 6: "lle", 5: "lge", 1: "lgt", 31: "u",
    ]

    // MARK: Updating loads and stores

    /// Update forms with rA = 0 (or, for loads, rA = rD) are invalid; objdump
    /// then falls back to the POWER mnemonic where one exists, else `.long`.
    /// lmw, lswi and lswx have their own overlap rules.
    static func invalidLoadStore(_ op: Opcode, _ i: Instruction) -> Form? {
        let invalid: Bool
        switch op {
        case .lwzu, .lbzu, .lhzu, .lhau, .lwzux, .lbzux, .lhzux, .lhaux: invalid = i.rA == 0 || i.rA == i.rD
        case .stwu, .stbu, .sthu, .lfsu, .lfdu, .stfsu, .stfdu,
             .stwux, .stbux, .sthux, .lfsux, .lfdux, .stfsux, .stfdux: invalid = i.rA == 0
        case .lmw: invalid = i.rA >= i.rD
        case .lswi: invalid = i.rA == i.rD
        case .lswx: invalid = i.rA == i.rD || i.rB == i.rD
        default: return nil
        }
        guard invalid else { return nil }
        guard let name = powerNames[op] else { return .invalid }
        let (d, b) = (gpr(i.rD), gpr(i.rB))
        switch op {
        case .lwzu, .stwu, .lmw: return Form(name, [d, "\(i.simm)(\(gpr0(i.rA)))"])
        case .lwzux, .lswx: return Form(name, [d, gpr(i.rA), b])
        case .lswi: return Form(name, [d, gpr0(i.rA), String(i.sh == 0 ? 32 : i.sh)])
        default: return Form(name, [d, gpr0(i.rA), b])
        }
    }

    static let powerNames: [Opcode: String] = [
        .lwzu: "lu", .stwu: "stu", .lwzux: "lux", .stwux: "stux", .lmw: "lm", .lswi: "lsi", .lswx: "lsx",
    ]

    // MARK: Special-purpose registers

    static func moveSPR(_ op: Opcode, _ i: Instruction) -> Form? {
        let (r, n) = (gpr(i.rD), i.spr)
        let from = op == .mfspr
        if let (name, index) = numberedSPRs[n] {
            return from ? Form("mf" + name, [r, String(index)]) : Form("mt" + name, [String(index), r])
        }
        guard let name = sprNames[n] ?? (from ? mfOnlySPRNames[n] : mtOnlySPRNames[n]) else { return nil }
        return Form((from ? "mf" : "mt") + name, [r])
    }

    /// SPRs with their own mfXXX / mtXXX mnemonics in objdump's default
    /// (POWER10) dialect. Book E numbers it does not know print as
    /// `mfspr rD,n`; some numbers name POWER registers instead (304 hsprg0,
    /// 308 spurr, 1023 pir).
    static let sprNames: [Int: String] = [
        1: "xer", 3: "udscr", 8: "lr", 9: "ctr", 13: "uamr", 17: "dscr", 18: "dsisr", 19: "dar", 22: "dec",
        25: "sdr1", 26: "srr0", 27: "srr1", 28: "cfar", 29: "amr", 48: "pidr", 61: "iamr", 153: "fscr", 157: "uamor",
        159: "pspb", 176: "dpdes", 180: "dawr0", 181: "dawr1", 186: "rpr", 187: "ciabr", 188: "dawrx0",
        189: "dawrx1", 190: "hfscr", 256: "vrsave", 280: "asr", 282: "ear", 304: "hsprg0", 305: "hsprg1",
        306: "hdisr", 307: "hdar", 308: "spurr", 309: "purr", 310: "hdec", 313: "hrmor", 314: "hsrr0", 315: "hsrr1",
        318: "lpcr", 319: "lpidr", 336: "hmer", 337: "hmeer", 338: "pcr", 339: "heir", 349: "amor", 464: "ptcr",
        496: "usprg0", 497: "usprg1", 505: "urmor", 506: "usrr0", 507: "usrr1", 511: "smfctrl", 769: "ummcr2",
        770: "ummcra", 771: "upmc1", 772: "upmc2", 773: "upmc3", 774: "upmc4", 775: "upmc5", 776: "upmc6",
        779: "ummcr0", 800: "bescrs", 801: "bescrsu", 802: "bescrr", 803: "bescrru", 804: "ebbhr", 805: "ebbrr",
        806: "bescr", 815: "tar", 816: "asdr", 823: "psscr", 848: "ic", 849: "vtb", 855: "hpsscr", 896: "ppr",
        898: "ppr32",
    ]
    /// Names objdump uses only with mfspr (read-only or user-mode aliases)...
    static let mfOnlySPRNames: [Int: String] = [
        4: "rtcu", 5: "rtcl", 136: "ctrl", 259: "usprg3", 268: "tb", 269: "tbu", 287: "pvr", 446: "tir",
        736: "usier2", 737: "usier3", 738: "ummcr3", 768: "usier", 780: "usiar", 781: "usdar", 782: "ummcr1",
        1023: "pir",
    ]
    /// ...and only with mtspr.
    static let mtOnlySPRNames: [Int: String] = [
        20: "rtcu", 21: "rtcl", 128: "tfhar", 129: "tfiar", 130: "texasr", 131: "texasru", 152: "ctrl", 284: "tbl",
        285: "tbu", 286: "tbu40", 752: "sier2", 753: "sier3", 754: "mmcr3", 784: "sier", 786: "mmcra", 787: "pmc1",
        788: "pmc2", 789: "pmc3", 790: "pmc4", 791: "pmc5", 792: "pmc6", 795: "mmcr0", 796: "siar", 797: "sdar",
        798: "mmcr1",
    ]
    /// Register families printed with an index: `mfsprg r9,0`, `mtibatl 3,r9`.
    static let numberedSPRs: [Int: (String, Int)] = {
        var families: [Int: (String, Int)] = [:]
        for n in 0..<4 {
            families[272 + n] = ("sprg", n)
            families[528 + 2 * n] = ("ibatu", n)
            families[529 + 2 * n] = ("ibatl", n)
            families[536 + 2 * n] = ("dbatu", n)
            families[537 + 2 * n] = ("dbatl", n)
        }
        return families
    }()
    /// DCR names (40x) objdump uses for mfdcr / mtdcr.
    static let dcrNames: [Int: String] = {
        var names: [Int: String] = [64: "exisr", 66: "exier", 144: "bear", 145: "besr", 160: "iocr", 224: "dmasr"]
        for n in 0..<8 { names[128 + n] = "br\(n)" }
        for channel in 0..<4 {
            for (offset, register) in ["cr", "ct", "da", "sa", "cc"].enumerated() {
                names[192 + 8 * channel + offset] = "dma\(register)\(channel)"
            }
        }
        return names
    }()

    // MARK: Barriers, caches, floating-point status

    /// sync's L field names; objdump accepts an SC field only where its bit
    /// in `syncValidSC[L]` is set.
    static let syncNames: [[Int]: String] = [
        [0, 0]: "hwsync", [1, 0]: "lwsync", [2, 0]: "ptesync", [4, 0]: "phwsync", [5, 0]: "plwsync",
        [0, 2]: "stcisync", [0, 3]: "stsync", [1, 1]: "stncisync",
    ]
    static let syncValidSC: [UInt32] = [0xCCCF, 0x333F, 0xF, 0, 0xF, 0xF]

    /// dcbf by its L field.
    static let dcbfNames: [Int: String] = [0: "dcbf", 1: "dcbfl", 3: "dcbflp", 4: "dcbfps", 6: "dcbstps"]

    /// mffs and the POWER9 variants selected by the rA field, with what the
    /// rB field holds for each (it must be 0 for `.none`).
    enum MffsOperand { case none, fpr, number(below: Int) }
    static let mffsVariants: [Int: (String, MffsOperand)] = [
        0: ("mffs", .none), 1: ("mffsce", .none), 20: ("mffscdrn", .fpr), 21: ("mffscdrni", .number(below: 8)),
        22: ("mffscrn", .fpr), 23: ("mffscrni", .number(below: 4)), 24: ("mffsl", .none),
    ]

    // MARK: System call

    /// sc with its LEV field; with bit 30 clear or bit 31 set objdump shows
    /// POWER's svc forms and POWER9's scv.
    static func systemCall(_ i: Instruction) -> Form {
        guard i.word & 0x03FF_0000 == 0 else { return .invalid }
        let lev = (i.word >> 5) & 0x7F
        switch i.word & 3 {
        case 2: return Form("sc", [Arg(optional: lev)])
        case 1: return Form("scv", [String(lev)])
        case 0: return Form("svc", [String(lev), String(i.word >> 12 & 0xF), String(i.word >> 2 & 7)])
        default: return Form("svcla", [String(i.word >> 2 & 0x3FFF)])
        }
    }

    // MARK: Branches

    /// Conditional branches as objdump names them: beq, bdnz, bnelr, bgectrl+, ...
    /// The `+`/`-` hint comes from the BO field's "at" bits only (not from the
    /// displacement's sign). Forms without a shorthand print as bc/bclr/bcctr
    /// with BO and BI; BO values the ISA reserves print as `.long`.
    static func branch(_ op: Opcode, _ spec: InstructionSpec, _ i: Instruction, _ address: UInt32) -> Form {
        let (bo, bi) = (i.bo, Int(i.bi))
        let link = (i.lk ? "l" : "") + (op == .bc && i.aa ? "a" : "")
        let suffix = (op == .bclr ? "lr" : op == .bcctr ? "ctr" : "") + link
        // bc's target, or bclr/bcctr's optional BH field.
        let tail = op == .bc ? Arg(target(i.bd, i, address)) : Arg(optional: UInt32(i.rB & 3))
        // objdump's hint for the at bits 00, 01, 10, 11 (01 is reserved; it
        // reads as the old "y" bit on bclr/bcctr).
        func hint(_ at: UInt32) -> String { (op == .bc ? ["", "", "-", "+"] : ["", "+", "-", "+"])[Int(at)] }
        func raw(_ at: UInt32) -> Form { Form(spec.mnemonic + link + hint(at), [Arg(String(bo)), Arg(crBit(bi)), tail]) }
        switch bo {
        case 0b00100...0b00111, 0b01100...0b01111:  // branch if CR bit BI is clear / set
            let names = bo & 0b01000 != 0 ? ["lt", "gt", "eq", "so"] : ["ge", "le", "ne", "ns"]
            let field = Arg(optional: UInt32(bi / 4), "cr\(bi / 4)")
            return Form("b" + names[bi % 4] + suffix + hint(bo & 3), [field, tail])
        case 0b00000...0b00011, 0b01000...0b01011:  // decrement CTR, test it and CR bit BI
            // bcctr cannot decrement CTR (the ISA makes these invalid): no shorthand.
            if op == .bcctr { return bo & 1 == 0 ? raw(0) : .invalid }
            let name = ["bdnzf", "bdzf", "bdnzt", "bdzt"][Int(bo >> 1 & 1 | bo >> 2 & 2)]
            return Form(name + suffix + hint(bo & 1), [Arg(crBit(bi)), tail])
        case 0b10000...0b10011, 0b11000...0b11011:  // decrement CTR, test it (bdnz needs BI = 0)
            let at = bo >> 2 & 2 | bo & 1
            if bi == 0 && op != .bcctr { return Form((bo & 2 == 0 ? "bdnz" : "bdz") + suffix + hint(at), [tail]) }
            return at == 1 ? .invalid : raw(at)
        case 0b10100:  // branch always
            return bi == 0 && op != .bc ? Form("b" + suffix, [tail]) : raw(0)
        default:
            return .invalid
        }
    }
}
