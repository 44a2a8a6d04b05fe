import Testing
import E500
import PowerISA

/// 1 MB of RAM at physical 0, and one device register page at 0xF_E000_0000
/// that records writes and answers reads with the last value written. Its
/// interrupt outputs are plain flags the tests set.
final class TestMachine: PhysicalMemory, ExternalInterruptSource, CriticalInterruptSource {
    let ram = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
    var deviceWrites: [(UInt64, Int, UInt64)] = []
    var deviceValue: UInt64 = 0
    var externalInterruptPending = false
    var criticalInterruptPending = false
    var acknowledged = 0

    /// The cores' decoded code of `ram`, as GuestRAM keeps one: every
    /// system-mode test runs through it.
    let cache: CodeCache
    var codeCache: CodeCache? { cache }

    init() {
        ram.initializeMemory(as: UInt8.self, repeating: 0, count: 1 << 20)
        cache = CodeCache(hostBase: ram, size: 1 << 20)
    }
    deinit { ram.deallocate() }

    func ramPage(_ physicalPage: UInt64) -> UnsafeMutableRawPointer? {
        physicalPage < 1 << 20 ? ram + Int(physicalPage) : nil
    }
    func read(_ physical: UInt64, size: Int) -> UInt64? {
        physical & ~0xFFF == 0xF_E000_0000 ? deviceValue : nil
    }
    func write(_ physical: UInt64, size: Int, value: UInt64) -> Bool {
        guard physical & ~0xFFF == 0xF_E000_0000 else { return false }
        deviceWrites.append((physical, size, value))
        deviceValue = value
        return true
    }
    func acknowledge() -> UInt32 {
        acknowledged += 1
        externalInterruptPending = false
        return 42
    }

    func put(_ address: UInt32, _ words: [UInt32]) {
        cache.invalidate(ram + Int(address), count: 4 * words.count)
        for (n, w) in words.enumerated() { ram.storeBytes(of: w.bigEndian, toByteOffset: Int(address) + 4 * n, as: UInt32.self) }
    }
    func word(_ address: UInt32) -> UInt32 { UInt32(bigEndian: ram.load(fromByteOffset: Int(address), as: UInt32.self)) }
}

func asm(_ op: Opcode, _ v: [Int64] = []) -> UInt32 { try! Encoder.encode(op, v) }

@Suite struct SystemModeTests {
    /// A core in supervisor mode with TLB1 entry 0 mapping EA 0-1 MB to RAM (all permissions),
    /// IVPR = 0 and IVORn = n * 0x100.
    func makeCore(_ machine: TestMachine) -> Core {
        let mmu = BookEMMU()
        var e = BookEMMU.Entry()
        e.valid = true; e.protected = true; e.tsize = 10; e.epn = 0; e.rpn = 0; e.permissions = 0x3F
        mmu.setTLB1(0, e)
        let core = Core(systemWith: mmu, memory: machine)
        core.externalInterrupts = machine
        core.msr = MSR.me
        for n in 0..<16 { core.spr[400 + n] = UInt32(n * 0x100) }
        core.pc = 0x1000
        return core
    }

    @Test func systemCallVectorsThroughIVOR8AndRfiReturns() {
        let m = TestMachine()
        m.put(0x800, [asm(.addi, [20, 20, 1]), asm(.rfi)])
        m.put(0x1000, [asm(.sc), asm(.sc), asm(.b, [0])])
        let core = makeCore(m)
        _ = core.run(limit: 100)
        #expect(core.gpr[20] == 2)
        #expect(core.spr[SPR.srr0] == 0x1008)
        #expect(core.pc == 0x1008)
        #expect(core.interruptsTaken == 2)
    }

    @Test func dataTLBMissHandlerInstallsAnEntryAndTheStoreRetries() {
        let m = TestMachine()
        // IVOR13 handler: map the 4 KB page at DEAR to physical 0x20000 in TLB0, retry.
        m.put(0xD00, [
            asm(.mfspr, [10, Int64(SPR.dear)]),
            asm(.rlwinm, [10, 10, 0, 0, 19]),          // EPN
            asm(.mtspr, [Int64(SPR.mas2), 10]),
            asm(.addis, [11, 0, 2]),                    // RPN 0x20000
            asm(.ori, [11, 11, 0x3F]),                  // all permissions
            asm(.mtspr, [Int64(SPR.mas3), 11]),
            asm(.addis, [11, 0, -0x8000]),              // MAS1: V
            asm(.ori, [11, 11, 2 << 7]),                //       TSIZE 4 KB
            asm(.mtspr, [Int64(SPR.mas1), 11]),
            asm(.addi, [11, 0, 0]),
            asm(.mtspr, [Int64(SPR.mas0), 11]),         // TLB0, way 0
            asm(.mfspr, [12, Int64(SPR.esr)]),
            asm(.tlbwe),
            asm(.rfi),
        ])
        m.put(0x1000, [
            asm(.addis, [3, 0, 0x4000]),
            asm(.addi, [4, 0, 42]),
            asm(.stw, [4, 8, 3]),
            asm(.lwz, [5, 8, 3]),
            asm(.b, [0]),
        ])
        let core = makeCore(m)
        _ = core.run(limit: 200)
        #expect(core.gpr[5] == 42)
        #expect(m.word(0x20008) == 42)
        #expect(core.gpr[12] == ESR.st)  // the miss was a store
        #expect(core.spr[SPR.dear] == 0x4000_0008)
        #expect(core.interruptsTaken == 1)
    }

    @Test func decrementerWakesWaitAndTimeIsFastForwarded() {
        let m = TestMachine()
        // IVOR10: clear TSR[DIS], count, re-arm DEC with 1000, return.
        m.put(0xA00, [
            asm(.addis, [9, 0, 0x0800]),
            asm(.mtspr, [Int64(SPR.tsr), 9]),
            asm(.addi, [21, 21, 1]),
            asm(.addi, [9, 0, 1000]),
            asm(.mtspr, [Int64(SPR.dec), 9]),
            asm(.rfi),
        ])
        m.put(0x1000, [
            asm(.addis, [9, 0, 0x0400]),                // TCR[DIE]
            asm(.mtspr, [Int64(SPR.tcr), 9]),
            asm(.addi, [9, 0, 1000]),
            asm(.mtspr, [Int64(SPR.dec), 9]),
            asm(.wrteei, [1]),
            asm(.wait),                                 // loop: wait
            asm(.b, [-4]),
        ])
        let core = makeCore(m)
        core.cyclesPerTimeBaseTick = 3
        _ = core.run(limit: 120)
        #expect(core.gpr[21] >= 5)
        // Each tick is 1000 time-base ticks = 3000 cycles, almost all spent waiting.
        #expect(core.cycles >= UInt64(core.gpr[21]) * 3000)
        #expect(core.instructionsExecuted <= 120)
    }

    @Test func privilegedInstructionInUserModeRaisesProgramInterrupt() {
        let m = TestMachine()
        m.put(0x600, [asm(.mfspr, [22, Int64(SPR.esr)]), asm(.mfspr, [23, Int64(SPR.srr0)]), asm(.b, [0])])
        m.put(0x1000, [
            asm(.addi, [9, 0, 0x2000]),
            asm(.mtspr, [Int64(SPR.srr0), 9]),
            asm(.addi, [9, 0, Int64(MSR.pr | MSR.me)]),
            asm(.mtspr, [Int64(SPR.srr1), 9]),
            asm(.rfi),
        ])
        m.put(0x2000, [asm(.mfmsr, [3]), asm(.b, [0])])
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.gpr[22] == ESR.ppr)
        #expect(core.gpr[23] == 0x2000)
        #expect(core.msr & MSR.pr == 0)
        #expect(core.spr[SPR.srr1] & MSR.pr != 0)
    }

    @Test func deviceRegistersAreReachedThroughTheMMU() {
        let m = TestMachine()
        m.put(0x1000, [
            // TLB1 entry 1: EA 0xF0000000 -> PA 0xF_E000_0000, 4 KB, I|G, supervisor R/W.
            asm(.addis, [9, 0, 0x1001]), asm(.mtspr, [Int64(SPR.mas0), 9]),
            asm(.addis, [9, 0, -0x8000]), asm(.ori, [9, 9, 2 << 7]), asm(.mtspr, [Int64(SPR.mas1), 9]),
            asm(.addis, [9, 0, -0x1000]), asm(.ori, [9, 9, 0xA]), asm(.mtspr, [Int64(SPR.mas2), 9]),
            asm(.addis, [9, 0, -0x2000]), asm(.ori, [9, 9, 0x05]), asm(.mtspr, [Int64(SPR.mas3), 9]),
            asm(.addi, [9, 0, 0xF]), asm(.mtspr, [Int64(SPR.mas7), 9]),
            asm(.tlbwe), asm(.isync),
            asm(.addis, [3, 0, -0x1000]),
            asm(.addi, [4, 0, 0x55]),
            asm(.stb, [4, 0x45, 3]),
            asm(.lbz, [5, 0x45, 3]),
            asm(.b, [0]),
        ])
        let core = makeCore(m)
        _ = core.run(limit: 40)
        #expect(m.deviceWrites.count == 1)
        #expect(m.deviceWrites.first?.0 == 0xF_E000_0045)
        #expect(m.deviceWrites.first?.1 == 1)
        #expect(core.gpr[5] == 0x55)
    }

    @Test func externalInterruptIsAcknowledgedIntoEPR() {
        let m = TestMachine()
        m.put(0x400, [asm(.mfspr, [24, Int64(SPR.epr)]), asm(.b, [0])])
        m.put(0x1000, [asm(.wrteei, [1]), asm(.b, [0])])
        let core = makeCore(m)
        _ = core.run(limit: 10)
        #expect(core.gpr[24] == 0)
        m.externalInterruptPending = true
        _ = core.run(limit: 10)
        #expect(core.gpr[24] == 42)
        #expect(m.acknowledged == 1)
        #expect(core.spr[SPR.srr0] == 0x1004)
    }

    @Test func idleWithNothingArmedReportsWaiting() {
        let m = TestMachine()
        m.put(0x1000, [asm(.wait), asm(.b, [-4])])
        let core = makeCore(m)
        #expect(core.run(limit: 100) == .waiting)
    }
}

@Suite struct SystemTimerAndDoorbellTests {
    func makeCore(_ machine: TestMachine) -> Core { SystemModeTests().makeCore(machine) }

    @Test func watchdogSetsENWThenWISThenResets() {
        let m = TestMachine()
        // WPEXT||WP = 52 selects TB bit 52: a time-out every 2^12 = 4096 ticks; WRC = 1 (reset).
        let tcr: UInt32 = (52 & 3) << 30 | 1 << 28 | (52 >> 2) << 17
        m.put(0x1000, [asm(.b, [0])])
        let core = makeCore(m)
        core.timerControl = tcr
        core.cyclesPerTimeBaseTick = 1
        _ = core.run(limit: 4096 + 10)
        #expect(core.timerStatus & TimerBits.tsrENW != 0)
        #expect(core.timerStatus & TimerBits.tsrWIS == 0)
        _ = core.run(limit: 4096)
        #expect(core.timerStatus & TimerBits.tsrWIS != 0)
        if case .checkstop = core.run(limit: 8192) {} else { Issue.record("the third watchdog time-out must reset the machine") }
    }

    @Test func fixedIntervalTimerInterrupts() {
        let m = TestMachine()
        // IVOR11 handler: count, clear TSR[FIS], return.
        m.put(0xB00, [asm(.addi, [21, 21, 1]), asm(.addis, [9, 0, 0x0400]), asm(.mtspr, [Int64(SPR.tsr), 9]), asm(.rfi)])
        m.put(0x1000, [asm(.wrteei, [1]), asm(.b, [0])])
        let core = makeCore(m)
        core.cyclesPerTimeBaseTick = 1
        // FPEXT||FP = 54 (TB bit 54): every 1024 ticks; FIE.
        core.timerControl = (54 & 3) << 24 | (54 >> 2) << 13 | TimerBits.tcrFIE
        _ = core.run(limit: 10_000)
        #expect((8...10).contains(core.gpr[21]))
    }

    @Test func doorbellToSelfIsTakenWhenEnabled() {
        let m = TestMachine()
        m.put(0xE00, [asm(.addi, [22, 22, 1]), asm(.rfi)])
        m.put(0x1000, [
            asm(.addis, [9, 0, 0x0400]),   // broadcast, type 0
            asm(.msgsnd, [9]),
            asm(.addi, [23, 0, 1]),         // runs before the doorbell: EE is off
            asm(.wrteei, [1]),
            asm(.b, [0]),
        ])
        let core = makeCore(m)
        core.spr[532] = 0xE00  // IVOR36
        _ = core.run(limit: 50)
        #expect(core.gpr[23] == 1)
        #expect(core.gpr[22] == 1)
    }

    @Test func machineCheckWithMEClearChecksTheCoreStops() {
        let m = TestMachine()
        // TLB1 entry 1 maps EA 0xE0000000 to a physical address nothing answers.
        m.put(0x1000, [asm(.addis, [3, 0, -0x2000]), asm(.lwz, [4, 0, 3]), asm(.b, [0])])
        let core = makeCore(m)
        var e = BookEMMU.Entry()
        e.valid = true; e.tsize = 2; e.epn = 0xE000_0000; e.rpn = 0x8_0000_0000; e.permissions = 0x3F
        core.mmu?.setTLB1(1, e)
        core.msr = 0
        if case .checkstop = core.run(limit: 10) {} else { Issue.record("expected a checkstop") }
        #expect(core.pc == 0x1004)
    }

    @Test func anInterruptStormStopsTheRunWithAReason() {
        let m = TestMachine()
        // An illegal word whose program-interrupt handler is illegal too (zeroed RAM).
        m.put(0x1000, [0])
        let core = makeCore(m)
        let reason = core.run(limit: 100_000_000)
        guard case .checkstop(let why) = reason else {
            Issue.record("expected a checkstop, got \(reason)")
            return
        }
        #expect(why.contains("interrupt storm"))
        #expect(core.pc == 0x600)
    }

    @Test func aWaitThatNothingCanEndReturnsWaiting() {
        let m = TestMachine()
        // FIT armed with its interrupt enabled, but MSR[EE] = 0: the wait never ends.
        m.put(0x1000, [asm(.wait), asm(.b, [0])])
        let core = makeCore(m)
        core.timerControl = TimerBits.tcrFIE
        #expect(core.run(limit: 1_000) == .waiting)
        #expect(core.waiting)
    }

    /// Lazy FP switching, as Linux does it: with MSR[FP] = 0 the first FP
    /// instruction of a process raises FP unavailable (IVOR7), the handler
    /// loads the process's FP registers, sets MSR[FP] in SRR1 and returns,
    /// and the instruction runs again. An lfd or stfd must trap like an fadd:
    /// an lfd that ran with FP = 0 wrote a register the handler then
    /// overwrote with the saved state, and inside a Linux guest sin(1.0)
    /// printed 2251799813685248 (the lost load of glibc's 2^51 constant).
    @Test func floatingPointLoadsAndStoresNeedMSRFPLikeArithmetic() {
        let m = TestMachine()
        // IVOR7 handler: "restore" f1 = 7.0 (the process's saved state), count, set FP in SRR1, rfi.
        m.put(0x700, [
            asm(.addi, [20, 20, 1]),
            // Like Linux's load_up_fpu: FP on for the handler itself first.
            asm(.mfmsr, [11]),
            asm(.ori, [11, 11, Int64(MSR.fp)]),
            asm(.mtmsr, [11]),
            asm(.lfd, [1, 0x200, 0]),
            asm(.mfspr, [10, Int64(SPR.srr1)]),
            asm(.ori, [10, 10, Int64(MSR.fp)]),
            asm(.mtspr, [Int64(SPR.srr1), 10]),
            asm(.rfi),
        ])
        m.ram.storeBytes(of: Double(7).bitPattern.bigEndian, toByteOffset: 0x200, as: UInt64.self)
        m.ram.storeBytes(of: Double(2).bitPattern.bigEndian, toByteOffset: 0x208, as: UInt64.self)
        // The process: lfd f1 from 0x208 (2.0), stfd it to 0x210, then clear FP and store again.
        m.put(0x1000, [
            asm(.lfd, [1, 0x208, 0]),
            asm(.stfd, [1, 0x210, 0]),
            asm(.b, [0]),
        ])
        let core = makeCore(m)
        core.msr = MSR.me  // FP off, as after a context switch
        core.fpr[1] = Double(99).bitPattern
        _ = core.run(limit: 30)
        // One FP-unavailable interrupt, taken by the lfd before it loaded anything;
        // re-executed after the handler, it loaded 2.0 over the restored 7.0.
        #expect(core.gpr[20] == 1)
        #expect(core.spr[SPR.srr0] == 0x1000)
        #expect(Double(bitPattern: core.fpr[1]) == 2)
        #expect(UInt64(bigEndian: m.ram.load(fromByteOffset: 0x210, as: UInt64.self)) == Double(2).bitPattern)

        // A store with FP = 0 traps before writing memory.
        let store = TestMachine()
        store.put(0x700, [asm(.addi, [20, 20, 1]), asm(.b, [0])])
        store.put(0x1000, [asm(.stfd, [1, 0x210, 0]), asm(.b, [0])])
        let core2 = makeCore(store)
        core2.fpr[1] = Double(5).bitPattern
        _ = core2.run(limit: 10)
        #expect(core2.gpr[20] == 1)
        #expect(core2.spr[SPR.srr0] == 0x1000)
        #expect(store.ram.load(fromByteOffset: 0x210, as: UInt64.self) == 0)
    }

    /// The e500mc has no load/store string instructions or popcntb: on
    /// the hardware they raise an illegal-instruction program interrupt
    /// (ESR[PIL]), and Linux emulates string and popcntb for user programs.
    /// The in-guest ISA check found the core executing lswi itself, which
    /// gave output where Linux on e500mc (and qemu-system-ppc) kills the
    /// program (its lswx emulation faults). The user-mode runner, which
    /// plays Linux, still executes them (CoreTests, the differential suite).
    @Test func instructionsTheE500mcLacksRaiseIllegalInstruction() {
        for word in [asm(.lswi, [5, 4, 4]), asm(.lswx, [5, 0, 4]), asm(.stswi, [5, 4, 4]), asm(.stswx, [5, 0, 4]),
                     asm(.popcntb, [3, 4])] {
            let m = TestMachine()
            m.put(0x600, [asm(.addi, [20, 20, 1]), asm(.b, [0])])
            m.put(0x1000, [word, asm(.b, [0])])
            let core = makeCore(m)
            core.gpr[4] = 0x2000
            core.gpr[5] = 0x1234_5678
            _ = core.run(limit: 10)
            #expect(core.gpr[20] == 1, "0x\(String(word, radix: 16)) did not raise a program interrupt")
            #expect(core.spr[SPR.srr0] == 0x1000)
            #expect(core.spr[SPR.esr] == ESR.pil)
            #expect(core.gpr[5] == 0x1234_5678 && m.word(0x2000) == 0)
        }
    }
}
