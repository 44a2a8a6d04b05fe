import Testing
import E500
import PowerISA

/// Runs a few instructions on a bare core; the differential suite against
/// qemu-ppc covers the instruction set in depth.
@Suite struct CoreTests {
    /// Places `words` at 0x10000, runs until `sc`, returns the core.
    func run(_ words: [UInt32], setup: (Core) -> Void = { _ in }) -> (Core, StopReason) {
        let space = AddressSpace()
        space.map(0x10000, length: 0x1000, protection: [.read, .execute])
        space.map(0x20000, length: 0x1000, protection: [.read, .write])
        for (n, w) in words.enumerated() { space.write32(0x10000 + UInt32(4 * n), w) }
        let core = Core(translator: space)
        core.pc = 0x10000
        setup(core)
        let reason = core.run(limit: 10_000)
        return (core, reason)
    }

    func encode(_ op: Opcode, _ v: [Int64], record: Bool = false, overflow: Bool = false) -> UInt32 {
        try! Encoder.encode(op, v, record: record, overflow: overflow)
    }

    @Test func loopSumsOneToTen() {
        let program = [
            encode(.addi, [3, 0, 0]),      // li r3,0
            encode(.addi, [4, 0, 10]),     // li r4,10
            encode(.mtspr, [9, 4]),        // mtctr r4
            encode(.add, [3, 3, 4]),       // loop: add r3,r3,r4
            encode(.addi, [4, 4, -1]),     // addi r4,r4,-1
            encode(.bc, [16, 0, -8]),      // bdnz loop
            encode(.sc, []),
        ]
        let (core, reason) = run(program)
        #expect(reason == .systemCall)
        #expect(core.gpr[3] == 55)
        #expect(core.instructionsExecuted == 3 + 3 * 10 + 1)
    }

    @Test func carryOverflowAndCR0() {
        let program = [
            encode(.addc, [5, 3, 4], record: true, overflow: true),
            encode(.sc, []),
        ]
        let (core, _) = run(program) { c in c.gpr[3] = 0x7FFF_FFFF; c.gpr[4] = 0x8000_0001 }
        #expect(core.gpr[5] == 0)
        #expect(core.xerCA == 1)
        #expect(core.xerOV == 0)
        #expect(core.cr >> 28 == 0b0010)
        let (c2, _) = run(program) { c in c.gpr[3] = 0x7FFF_FFFF; c.gpr[4] = 1 }
        #expect(c2.gpr[5] == 0x8000_0000)
        #expect(c2.xer >> 29 == 0b110)  // SO and OV set, no carry
        #expect(c2.cr >> 28 == 0b1001)  // LT and SO
    }

    @Test func storeAndLoadAreBigEndian() {
        let program = [
            encode(.stw, [3, 4, 4]),   // stw r3,4(r4)
            encode(.lbz, [5, 4, 4]),   // lbz r5,4(r4)
            encode(.lhbrx, [6, 4, 7]), // lhbrx r6,r4,r7
            encode(.sc, []),
        ]
        let (core, reason) = run(program) { c in c.gpr[3] = 0x1122_3344; c.gpr[4] = 0x20000; c.gpr[7] = 4 }
        #expect(reason == .systemCall)
        #expect(core.gpr[5] == 0x11)
        #expect(core.gpr[6] == 0x2211)
    }

    @Test func faultingLoadLeavesStateAndReportsAddress() {
        let program = [encode(.lwzu, [3, 8, 4]), encode(.sc, [])]
        let (core, reason) = run(program) { c in c.gpr[4] = 0x5000; c.gpr[3] = 7 }
        #expect(reason == .memoryFault(address: 0x5008, access: .read))
        #expect(core.pc == 0x10000)
        #expect(core.gpr[3] == 7)
        #expect(core.gpr[4] == 0x5000)
    }

    @Test func storeToReadOnlyPageFaults() {
        let (_, reason) = run([encode(.stw, [3, 0, 4])]) { c in c.gpr[4] = 0x10000 }
        #expect(reason == .memoryFault(address: 0x10000, access: .write))
    }

    @Test func illegalAndPrivilegedInstructionsStop() {
        #expect(run([0]).1 == .illegalInstruction(word: 0))
        #expect(run([0x7C60_00A6]).1 == .privilegedInstruction(word: 0x7C60_00A6))  // mfmsr
    }

    @Test func pageCrossingAccess() {
        let program = [encode(.lwz, [3, 0xFFE, 4]), encode(.stw, [3, 0xFFC, 4]), encode(.sc, [])]
        let (core, reason) = run(program) { c in c.gpr[4] = 0x20000 }
        // 0x20FFE..0x21001 crosses into an unmapped page.
        #expect(reason == .memoryFault(address: 0x21000, access: .read))
        #expect(core.gpr[3] == 0)
    }

    /// glibc 2.36 executes `mffsl` (0xfc17048e, ISA 3.0). Pre-3.0 cores such as
    /// the e500mc ignore the extra field and run it as `mffs`; qemu-ppc 7.2
    /// raises SIGILL instead. We follow the hardware, so this cannot be a
    /// differential test.
    @Test func mffslRunsAsMffsLikeE500mcHardware() {
        let (core, reason) = run([0xFC17_048E, encode(.sc, [])]) { c in c.fpscr = 0x8200_0003 }
        #expect(reason == .systemCall)
        #expect(core.fpr[0] == 0x8200_0003)
    }
}
