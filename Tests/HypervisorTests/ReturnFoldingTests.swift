import Testing
@testable import Hypervisor
import PowerISA

/// What return folding may step inside a tlbwe's exit (ReturnFolding.swift).
@Suite struct ReturnFoldingTests {
    @Test func theTLBMissHandlersTailIsFoldable() {
        // Linux's tlb_write_entry after its tlbwe: mfsprg, lwz, mtcr, lwz x3, mfsprg, rfi.
        for word: UInt32 in [0x7d5342a6, 0x816a004c, 0x7d6ff120, 0x81aa0048, 0x818a0044, 0x816a0040, 0x7d5042a6, 0x4c000064] {
            let op = DecodeTable.shared.decode(word)
            #expect(BinaryTranslator.foldable(op), "\(op) (\(String(word, radix: 16)))")
        }
    }

    /// Nothing that branches, waits, traps, synchronizes, needs a
    /// reservation, touches FP state or several words may run inside the exit.
    @Test func branchesTrapsAndSpecialAccessesAreNot() {
        let refused: [Opcode] = [.b, .bc, .bclr, .bcctr, .sc, .tw, .twi, .wait, .sync, .isync, .mbar, .lwarx, .stwcxRecord,
                                 .lmw, .stmw, .lswi, .dcbz, .dcbf, .icbi, .lfd, .stfd, .fadd, .tlbwe, .tlbivax, .mtmsr, .wrteei, .invalid]
        for op in refused { #expect(!BinaryTranslator.foldable(op), "\(op)") }
        for op: Opcode in [.addi, .rlwinm, .or, .cmp, .lwz, .stwu, .lbzx, .sth] {
            #expect(BinaryTranslator.foldable(op), "\(op)")
        }
    }
}
