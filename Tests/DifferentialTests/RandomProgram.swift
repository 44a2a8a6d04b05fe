import PowerISA
import TestSupport

/// Emits a static PowerPC test program: `blocks` functions, each loading a
/// random register state (GPRs r3-r12, CR, XER, FPRs f0-f7, FPSCR, a scratch
/// buffer), executing `length` random instructions built with `Encoder`, and
/// storing the whole state back; a C driver prints every state in hex. Run
/// under qemu-ppc and Trapeze, the printed dumps must be identical.
struct RandomProgram {
    static let integerRegisters: [Int64] = Array(3...12)
    static let floatRegisters: [Int64] = Array(0...7)
    /// Layout of the state block r31 points to (byte offsets).
    static let gprIn = 0, crIn = 40, xerIn = 44, fprIn = 48, fpscrIn = 112, scratch = 128, scratchSize = 64
    static let gprOut = 192, crOut = 232, xerOut = 236, fprOut = 240, fpscrOut = 304, stateSize = 320

    var rng: SplitMix64
    let blocks: Int
    let length: Int

    init(seed: UInt64, blocks: Int, length: Int) {
        rng = SplitMix64(seed: seed)
        self.blocks = blocks
        self.length = length
    }

    /// Integer values biased to the edges where flags change.
    mutating func interestingWord() -> UInt32 {
        let edges: [UInt32] = [0, 1, 2, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF, 0x10000,
                               0xFF, 0x80, 31, 32, 33, 63, 0xFFFF_8000, 0x7FFF]
        switch rng.next() % 4 {
        case 0: return edges[Int(rng.next() % UInt64(edges.count))]
        case 1: return UInt32(truncatingIfNeeded: rng.next()) & 0xFF
        default: return UInt32(truncatingIfNeeded: rng.next())
        }
    }

    /// Doubles biased to special values, single-representable values and close neighbours.
    mutating func interestingDouble() -> UInt64 {
        let specials: [UInt64] = [0, 1 << 63, 0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x7FF0_0000_0000_0000,
                                  0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF4_0000_0000_0000,
                                  0x0000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000,
                                  0x7FEF_FFFF_FFFF_FFFF, 0x41E0_0000_0000_0000, 0xC1E0_0000_0000_0000,
                                  0x3810_0000_0000_0000, 0x47EF_FFFF_E000_0000, 0x3FE0_0000_0000_0000]
        switch rng.next() % 5 {
        case 0: return specials[Int(rng.next() % UInt64(specials.count))]
        case 1:  // a single-precision value
            return Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))).bitPattern
        case 2:  // a moderate-magnitude double
            let exponent = UInt64(1023 - 40 + rng.next() % 80) << 52
            return (rng.next() & 0x800F_FFFF_FFFF_FFFF) | exponent
        case 3:  // small integers
            return Double(Int32(truncatingIfNeeded: rng.next()) >> Int32(rng.next() % 31)).bitPattern
        default: return rng.next()
        }
    }

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    mutating func r() -> Int64 { pick(Self.integerRegisters) }
    mutating func f() -> Int64 { pick(Self.floatRegisters) }
    mutating func bit() -> Bool { rng.next() & 1 == 1 }
    mutating func simm() -> Int64 { Int64(Int16(truncatingIfNeeded: interestingWord())) }
    mutating func uimm() -> Int64 { Int64(UInt16(truncatingIfNeeded: interestingWord())) }
    mutating func five() -> Int64 { Int64(rng.next() % 32) }

    /// One random instruction word touching only r3-r12, f0-f7, CR, XER, FPSCR
    /// and the scratch buffer at `scratch`(r31).
    mutating func instruction() -> UInt32 {
        let integerXO: [Opcode] = [.add, .addc, .adde, .subf, .subfc, .subfe, .mullw, .divw, .divwu]
        let unaryXO: [Opcode] = [.addme, .addze, .subfme, .subfze, .neg]
        let logical: [Opcode] = [.and, .andc, .or, .orc, .xor, .nand, .nor, .eqv, .slw, .srw, .sraw]
        let crLogical: [Opcode] = [.crand, .cror, .crxor, .crnand, .crnor, .creqv, .crandc, .crorc]
        let fpBinary: [Opcode] = [.fadd, .fadds, .fsub, .fsubs, .fdiv, .fdivs]
        let fpFused: [Opcode] = [.fmadd, .fmadds, .fmsub, .fmsubs, .fnmadd, .fnmadds, .fnmsub, .fnmsubs, .fsel]
        let fpUnary: [Opcode] = [.frsp, .fctiw, .fctiwz, .fmr, .fneg, .fabs, .fnabs, .fres, .frsqrte]
        let loads: [Opcode] = [.lwz, .lhz, .lha, .lbz, .stw, .sth, .stb]
        do {
            switch rng.next() % 20 {
            case 0: return try Encoder.encode(pick([.addi, .addis, .addic, .addicRecord, .subfic, .mulli]), [r(), r(), simm()])
            case 1, 2: return try Encoder.encode(pick(integerXO), [r(), r(), r()], record: bit(), overflow: bit())
            case 3: return try Encoder.encode(pick(unaryXO), [r(), r()], record: bit(), overflow: bit())
            case 4: return try Encoder.encode(pick([.mulhw, .mulhwu]), [r(), r(), r()], record: bit())
            case 5: return try Encoder.encode(pick(logical), [r(), r(), r()], record: bit())
            case 6: return try Encoder.encode(pick([.andiRecord, .andisRecord, .ori, .oris, .xori, .xoris]), [r(), r(), uimm()])
            case 7: return try Encoder.encode(pick([.extsb, .extsh, .cntlzw]), [r(), r()], record: bit())
            case 8: return try Encoder.encode(.srawi, [r(), r(), five()], record: bit())
            case 9: return try Encoder.encode(pick([.rlwinm, .rlwimi]), [r(), r(), five(), five(), five()], record: bit())
            case 10: return try Encoder.encode(.rlwnm, [r(), r(), r(), five(), five()], record: bit())
            case 11:
                let crf = Int64(rng.next() % 8)
                switch rng.next() % 4 {
                case 0: return try Encoder.encode(.cmp, [crf, 0, r(), r()])
                case 1: return try Encoder.encode(.cmpl, [crf, 0, r(), r()])
                case 2: return try Encoder.encode(.cmpi, [crf, 0, r(), simm()])
                default: return try Encoder.encode(.cmpli, [crf, 0, r(), uimm()])
                }
            case 12:
                switch rng.next() % 5 {
                case 0: return try Encoder.encode(pick(crLogical), [five(), five(), five()])
                case 1: return try Encoder.encode(.mcrf, [Int64(rng.next() % 8), Int64(rng.next() % 8)])
                case 2: return try Encoder.encode(.mtcrf, [Int64(rng.next() % 256), r()])
                case 3: return try Encoder.encode(.mfcr, [r()])
                default: return try Encoder.encode(.isel, [r(), r(), r(), five()])
                }
            case 13: return try Encoder.encode(pick(loads), [r(), Int64(Self.scratch) + Int64(rng.next() % UInt64(Self.scratchSize - 3)), 31])
            case 14, 15: return try Encoder.encode(pick(fpBinary), [f(), f(), f()], record: bit())
            case 16: return try Encoder.encode(pick([.fmul, .fmuls]), [f(), f(), f()], record: bit())
            case 17: return try Encoder.encode(pick(fpFused), [f(), f(), f(), f()], record: bit())
            case 18: return try Encoder.encode(pick(fpUnary), [f(), f()], record: bit())
            default:
                switch rng.next() % 5 {
                case 0: return try Encoder.encode(pick([.fcmpu, .fcmpo]), [Int64(rng.next() % 8), f(), f()])
                // Never set the exception enables (FPSCR bits 24-28): that would end the block in SIGFPE.
                case 1:
                    let field = Int64(rng.next() % 8)
                    let immediate = field == 6 ? 0 : field == 7 ? Int64(rng.next() % 8) : Int64(rng.next() % 16)
                    return try Encoder.encode(.mtfsfi, [field, immediate], record: bit())
                case 2:
                    let bit = pick(Array(0...23) + [29, 30, 31]).description
                    return try Encoder.encode(pick([.mtfsb0, .mtfsb1]), [Int64(bit)!], record: self.bit())
                case 3: return try Encoder.encode(.mcrfs, [Int64(rng.next() % 8), Int64(rng.next() % 8)])
                default: return try Encoder.encode(.mffs, [f()], record: bit())
                }
            }
        } catch {
            fatalError("random generator built an unencodable instruction: \(error)")
        }
    }

    /// Assembly for all blocks plus the C driver that runs and prints them.
    mutating func sources() -> (assembly: String, driver: String) {
        var asm = ".text\n"
        var initial: [String] = []
        for b in 0..<blocks {
            asm += """
            .globl block\(b)
            block\(b):
              stwu 1,-96(1)
              stmw 14,8(1)
              mr 31,3
              lfd 8,\(Self.fpscrIn)(31)
              mtfsf 255,8
            """ + "\n"
            for (k, reg) in Self.integerRegisters.enumerated() { asm += "  lwz \(reg),\(Self.gprIn + 4 * k)(31)\n" }
            asm += "  lwz 0,\(Self.crIn)(31)\n  mtcr 0\n  lwz 0,\(Self.xerIn)(31)\n  mtxer 0\n"
            for (k, reg) in Self.floatRegisters.enumerated() { asm += "  lfd \(reg),\(Self.fprIn + 8 * k)(31)\n" }
            for _ in 0..<length {
                let word = instruction()
                asm += "  .long 0x\(String(word, radix: 16))  # \(Disassembler.disassemble(word))\n"
            }
            for (k, reg) in Self.integerRegisters.enumerated() { asm += "  stw \(reg),\(Self.gprOut + 4 * k)(31)\n" }
            asm += "  mfcr 0\n  stw 0,\(Self.crOut)(31)\n  mfxer 0\n  stw 0,\(Self.xerOut)(31)\n"
            for (k, reg) in Self.floatRegisters.enumerated() { asm += "  stfd \(reg),\(Self.fprOut + 8 * k)(31)\n" }
            asm += "  mffs 8\n  stfd 8,\(Self.fpscrOut)(31)\n  lmw 14,8(1)\n  addi 1,1,96\n  blr\n"

            var words = [UInt32](repeating: 0, count: Self.stateSize / 4)
            for k in 0..<10 { words[Self.gprIn / 4 + k] = interestingWord() }
            words[Self.crIn / 4] = UInt32(truncatingIfNeeded: rng.next())
            words[Self.xerIn / 4] = UInt32(truncatingIfNeeded: rng.next()) & 0xE000_0000
            for k in 0..<8 {
                let d = interestingDouble()
                words[Self.fprIn / 4 + 2 * k] = UInt32(d >> 32)
                words[Self.fprIn / 4 + 2 * k + 1] = UInt32(truncatingIfNeeded: d)
            }
            // Rounding mode random; exception enables off so no SIGFPE.
            words[Self.fpscrIn / 4 + 1] = UInt32(rng.next() % 4)
            for k in 0..<(Self.scratchSize / 4) { words[Self.scratch / 4 + k] = interestingWord() }
            initial.append("{" + words.map { "0x\(String($0, radix: 16))u" }.joined(separator: ",") + "}")
        }
        let declarations = (0..<blocks).map { "void block\($0)(unsigned *);" }.joined(separator: "\n")
        let table = (0..<blocks).map { "block\($0)" }.joined(separator: ",")
        let driver = """
        #include <stdio.h>
        \(declarations)
        static void (*const blocks[])(unsigned *) = {\(table)};
        static unsigned states[\(blocks)][\(Self.stateSize / 4)] __attribute__((aligned(16))) = {
        \(initial.joined(separator: ",\n"))
        };
        int main(void) {
            for (int b = 0; b < \(blocks); b++) {
                blocks[b](states[b]);
                printf("block %d:", b);
                for (int k = \(Self.scratch / 4); k < \(Self.stateSize / 4); k++) printf(" %08x", states[b][k]);
                printf("\\n");
            }
            return 0;
        }
        """
        return (asm, driver)
    }
}
