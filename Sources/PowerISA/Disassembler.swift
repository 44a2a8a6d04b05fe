/// objdump-style disassembly (`powerpc-linux-gnu-objdump -d`, default dialect):
/// the same mnemonics, simplified forms and operand syntax, so traces and
/// profiles read like the listings people already know. Branch targets are
/// printed as bare hex addresses, without objdump's `<symbol>` suffix.
public enum Disassembler {
    /// Text of one instruction at `address`, e.g. `lwz     r9,8(r1)`.
    public static func disassemble(_ word: UInt32, at address: UInt32 = 0) -> String {
        let i = Instruction(word)
        let op = DecodeTable.shared.decode(word)
        guard let spec = InstructionTable.spec(op) else { return format(".long", "0x" + String(word, radix: 16)) }
        if let special = simplified(op, i, address) { return format(special.0, special.1) }
        var mnemonic = spec.mnemonic
        if spec.flags.contains(.oe) && i.oe { mnemonic += "o" }
        if spec.flags.contains(.rc) && i.rc { mnemonic += "." }
        if spec.flags.contains(.link) {
            if (op == .b || op == .bc) && i.aa { mnemonic += i.lk ? "la" : "a" } else if i.lk { mnemonic += "l" }
        }
        let text = spec.operands.map { operandText($0, i, address) }.joined(separator: ",")
        return format(mnemonic, text)
    }

    static func format(_ mnemonic: String, _ operands: String) -> String {
        guard !operands.isEmpty else { return mnemonic }
        let pad = max(1, 8 - mnemonic.count)
        return mnemonic + String(repeating: " ", count: pad) + operands
    }

    static func gpr(_ n: Int) -> String { "r\(n)" }
    static func hex(_ v: UInt32) -> String { String(v, radix: 16) }
    static let crBitNames = ["lt", "gt", "eq", "so"]
    static func crBit(_ n: Int) -> String {
        n < 4 ? crBitNames[n] : "4*cr\(n / 4)+\(crBitNames[n % 4])"
    }

    static func operandText(_ operand: Operand, _ i: Instruction, _ address: UInt32) -> String {
        switch operand {
        case .rD, .rS: return gpr(i.rD)
        case .rA: return gpr(i.rA)
        case .rA0: return i.rA == 0 ? "0" : gpr(i.rA)
        case .rB: return gpr(i.rB)
        case .frD, .frS: return "f\(i.rD)"
        case .frA: return "f\(i.rA)"
        case .frB: return "f\(i.rB)"
        case .frC: return "f\(i.rC)"
        case .simm: return String(i.simm)
        case .uimm: return String(i.uimm)
        case .dispRA: return "\(i.simm)(\(gpr(i.rA)))"
        case .dispRA0: return "\(i.simm)(\(i.rA == 0 ? "0" : gpr(i.rA)))"
        case .crfD: return "cr\(i.crfD)"
        case .crfS: return "cr\(i.crfS)"
        case .crbD: return crBit(i.rD)
        case .crbA: return crBit(i.rA)
        case .crbB: return crBit(i.rB)
        case .crbC: return crBit(i.rC)
        case .bo: return String(i.bo)
        case .bi: return crBit(Int(i.bi))
        case .bd: return hex(i.aa ? UInt32(bitPattern: i.bd) : address &+ UInt32(bitPattern: i.bd))
        case .li: return hex(i.aa ? UInt32(bitPattern: i.li) : address &+ UInt32(bitPattern: i.li))
        case .sh, .nb: return String(i.sh)
        case .mb: return String(i.mb)
        case .me: return String(i.me)
        case .to: return String(i.bo)
        case .l: return String(i.l)
        case .t: return String((i.word >> 21) & 3)
        case .mo: return String(i.rD)
        case .spr, .tbr, .dcr, .pmr: return String(i.spr)
        case .crm: return String(i.crm)
        case .flm: return String(i.flm)
        case .imm4: return String(i.imm4)
        case .e: return String(i.e)
        }
    }

    /// SPRs with their own mfXXX / mtXXX mnemonics in objdump's default dialect.
    static let sprNames: [Int: String] = [
        1: "xer", 8: "lr", 9: "ctr", 22: "dec", 26: "srr0", 27: "srr1", 48: "pidr", 58: "csrr0", 59: "csrr1",
        61: "dear", 62: "esr", 63: "ivpr", 256: "vrsave", 284: "tbl", 285: "tbu", 286: "pir", 287: "pvr",
        304: "dbsr", 308: "dbcr0", 309: "dbcr1", 310: "dbcr2", 336: "tsr", 340: "tcr",
    ]

    static let trapConditions: [UInt32: String] = [
        16: "lt", 20: "le", 4: "eq", 12: "ge", 8: "gt", 24: "ne", 2: "llt", 6: "lle", 5: "lge", 1: "lgt", 31: "u",
    ]

    /// objdump's simplified mnemonics, where it uses one.
    static func simplified(_ op: Opcode, _ i: Instruction, _ address: UInt32) -> (String, String)? {
        let dot = i.rc ? "." : ""
        switch op {
        case .addi where i.rA == 0: return ("li", "\(gpr(i.rD)),\(i.simm)")
        case .addis where i.rA == 0: return ("lis", "\(gpr(i.rD)),\(i.simm)")
        case .ori where i.word == 0x6000_0000: return ("nop", "")
        case .or where i.rS == i.rB: return ("mr" + dot, "\(gpr(i.rA)),\(gpr(i.rS))")
        case .nor where i.rS == i.rB: return ("not" + dot, "\(gpr(i.rA)),\(gpr(i.rS))")
        case .rlwinm:
            let (a, s, sh, mb, me) = (gpr(i.rA), gpr(i.rS), i.sh, i.mb, i.me)
            if mb == 0 && me == 31 { return ("rotlwi" + dot, "\(a),\(s),\(sh)") }
            if mb == 0 && me == 31 - sh { return ("slwi" + dot, "\(a),\(s),\(sh)") }
            if me == 31 && sh != 0 && sh == 32 - mb { return ("srwi" + dot, "\(a),\(s),\(mb)") }
            if sh == 0 && me == 31 { return ("clrlwi" + dot, "\(a),\(s),\(mb)") }
            return nil
        case .rlwnm where i.mb == 0 && i.me == 31:
            return ("rotlw" + dot, "\(gpr(i.rA)),\(gpr(i.rS)),\(gpr(i.rB))")
        case .cmpi, .cmpli, .cmp, .cmpl where i.l == 0:
            let name = ["cmpi": "cmpwi", "cmpli": "cmplwi", "cmp": "cmpw", "cmpl": "cmplw"]["\(op)"]!
            let field = i.crfD == 0 ? "" : "cr\(i.crfD),"
            let last: String
            switch op {
            case .cmpi: last = String(i.simm)
            case .cmpli: last = String(i.uimm)
            default: last = gpr(i.rB)
            }
            return (name, "\(field)\(gpr(i.rA)),\(last)")
        case .crxor where i.rD == i.rA && i.rA == i.rB: return ("crclr", crBit(i.rD))
        case .creqv where i.rD == i.rA && i.rA == i.rB: return ("crset", crBit(i.rD))
        case .crnor where i.rA == i.rB: return ("crnot", "\(crBit(i.rD)),\(crBit(i.rA))")
        case .cror where i.rA == i.rB: return ("crmove", "\(crBit(i.rD)),\(crBit(i.rA))")
        case .mfcr where i.word & 0x0010_0000 != 0: return ("mfocrf", "\(gpr(i.rD)),\(i.crm)")
        case .mtcrf where i.word & 0x0010_0000 != 0: return ("mtocrf", "\(i.crm),\(gpr(i.rS))")
        case .mtcrf where i.crm == 0xFF: return ("mtcr", gpr(i.rS))
        case .mftb where i.spr == 268: return ("mftb", gpr(i.rD))
        case .mftb where i.spr == 269: return ("mftbu", gpr(i.rD))
        case .sync: return (i.l == 0 ? "hwsync" : "lwsync", "")
        case .mbar where i.rD == 0: return ("eieio", "")
        case .tw where i.bo == 31 && i.rA == 0 && i.rB == 0: return ("trap", "")
        case .tw, .twi:
            guard let cond = trapConditions[i.bo] else { return nil }
            let last = op == .twi ? String(i.simm) : gpr(i.rB)
            return ("tw\(cond)\(op == .twi ? "i" : "")", "\(gpr(i.rA)),\(last)")
        case .isel where i.rC < 3:
            return ("isel" + crBitNames[i.rC], "\(gpr(i.rD)),\(i.rA == 0 ? "0" : gpr(i.rA)),\(gpr(i.rB))")
        case .mfspr:
            if (272...279).contains(i.spr) { return ("mfsprg", "\(gpr(i.rD)),\(i.spr - 272)") }
            if let name = sprNames[i.spr] { return ("mf" + name, gpr(i.rD)) }
            return nil
        case .mtspr:
            if (272...279).contains(i.spr) { return ("mtsprg", "\(i.spr - 272),\(gpr(i.rS))") }
            if let name = sprNames[i.spr] { return ("mt" + name, gpr(i.rS)) }
            return nil
        case .bc, .bclr, .bcctr:
            return branch(op, i, address)
        // The FPSCR instructions name FPSCR fields and bits by number.
        case .mtfsfi: return ("mtfsfi" + dot, "\(i.crfD),\(i.imm4)")
        case .mtfsb0, .mtfsb1: return ("\(op)" + dot, String(i.rD))
        default:
            return nil
        }
    }

    /// Conditional branches as objdump names them (beq, bdnz, bnelr, ...).
    static func branch(_ op: Opcode, _ i: Instruction, _ address: UInt32) -> (String, String)? {
        let bo = i.bo, bi = Int(i.bi)
        let suffix = (op == .bclr ? "lr" : op == .bcctr ? "ctr" : "") + (i.lk ? "l" : "") + (op == .bc && i.aa ? "a" : "")
        let target = op == .bc ? hex(i.aa ? UInt32(bitPattern: i.bd) : address &+ UInt32(bitPattern: i.bd)) : ""
        let field = bi / 4 == 0 ? "" : "cr\(bi / 4)"
        func join(_ parts: String...) -> String { parts.filter { !$0.isEmpty }.joined(separator: ",") }
        let trueNames = ["lt", "gt", "eq", "so"], falseNames = ["ge", "le", "ne", "ns"]
        switch bo & 0x1E {
        case 0x14, 0x16, 0x1C, 0x1E:  // branch always
            if op == .bc { return nil }
            return ("b" + suffix, "")
        case 0x0C, 0x0E:  // branch if CR bit set
            return ("b" + trueNames[bi % 4] + suffix, join(field, target))
        case 0x04, 0x06:  // branch if CR bit clear
            return ("b" + falseNames[bi % 4] + suffix, join(field, target))
        case 0x10, 0x18:  // decrement CTR, branch if nonzero
            return ("bdnz" + suffix, target)
        case 0x12, 0x1A:
            return ("bdz" + suffix, target)
        case 0x00: return ("bdnzf" + suffix, join(crBit(bi), target))
        case 0x02: return ("bdzf" + suffix, join(crBit(bi), target))
        case 0x08: return ("bdnzt" + suffix, join(crBit(bi), target))
        case 0x0A: return ("bdzt" + suffix, join(crBit(bi), target))
        default: return nil
        }
    }
}
