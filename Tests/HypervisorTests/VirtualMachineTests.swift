import Testing
import E500
import Hypervisor
import Platform
import PowerISA
import Telemetry

func asm(_ op: Opcode, _ v: [Int64] = []) -> UInt32 { try! Encoder.encode(op, v) }

/// `lis r, high`: addis with the 16 bits taken as written.
func lis(_ r: Int64, _ high: UInt16) -> UInt32 { asm(.addis, [r, 0, Int64(Int16(bitPattern: high))]) }

/// A virtual machine with 64 MB of guest RAM and no kernel: the tests write
/// a guest program into RAM and set the vCPU up as a guest kernel would be:
/// IVPR = 0, IVORn = n * 0x100, guest TLB1 entry 0 mapping EA 0-16 MB to
/// PA 0 with all permissions (TID 0, TS 0, IPROT), supervisor mode, MSR[ME].
/// Guest RAM has guard regions: a host access outside it kills the test process.
final class GuestHarness {
    var output: [UInt8] = []
    var vm: VirtualMachine!

    init(costModel: CostModel = .p2020, assist: VirtualMachine.Assist = .none) {
        vm = VirtualMachine(ramSize: 64 << 20, ramGuardBytes: GuestRAM.physicalAddressSpace, costModel: costModel,
                            assist: assist) { [unowned self] in
            self.output.append($0)
        }
        let vcpu = vm.vcpu
        for n in 0..<16 { vcpu.spr[400 + n] = UInt32(n * 0x100) }
        vcpu.spr[SPR.ivpr] = 0
        vcpu.msr = MSR.me
        var e = BookEMMU.Entry()
        e.valid = true; e.protected = true; e.tsize = 14; e.epn = 0; e.rpn = 0; e.permissions = 0x3F
        vcpu.mmu!.setTLB1(0, e)
        vcpu.pc = 0x1000
    }

    func put(_ address: UInt32, _ words: [UInt32]) {
        for (n, w) in words.enumerated() {
            vm.board.ram.base.storeBytes(of: w.bigEndian, toByteOffset: Int(address) + 4 * n, as: UInt32.self)
        }
    }

    func word(_ address: UInt32) -> UInt32 {
        UInt32(bigEndian: vm.board.ram.base.load(fromByteOffset: Int(address), as: UInt32.self))
    }

    /// Enters the guest and runs until it spins on `b .` (or the limit).
    @discardableResult
    func run(limit: UInt64 = 10_000) -> StopReason {
        vm.loadGuestState()
        return vm.run(limit: limit)
    }

    func count(_ type: ExitType) -> UInt64 { vm.timing[type].count }
}

@Suite struct VirtualMachineTests {
    /// Lazy FP under trap-and-emulate: with the guest's MSR[FP] = 0 the
    /// hardware runs with FP off too, so the guest process's first FP access,
    /// an lfd here, exits as FP_UNAVAIL and is reflected to the guest's IVOR7,
    /// whose handler restores the process's FP state and returns with FP set;
    /// the lfd then runs again and its value is the one that stays. (An lfd
    /// that ran with FP = 0 lost its value to the restore: sin(1.0) printed
    /// 2251799813685248 inside a Linux guest.)
    @Test func floatingPointLoadWithFPOffExitsAndIsReflectedBeforeItLoads() {
        let g = GuestHarness()
        g.put(0x700, [
            asm(.addi, [20, 20, 1]),
            // Like Linux's load_up_fpu: FP on for the handler itself first.
            asm(.mfmsr, [11]),
            asm(.ori, [11, 11, Int64(MSR.fp)]),
            asm(.mtmsr, [11]),
            asm(.lfd, [1, 0x200, 0]),            // the "saved state": 7.0
            asm(.mfspr, [10, Int64(SPR.srr1)]),
            asm(.ori, [10, 10, Int64(MSR.fp)]),
            asm(.mtspr, [Int64(SPR.srr1), 10]),
            asm(.rfi),
        ])
        g.vm.board.ram.base.storeBytes(of: Double(7).bitPattern.bigEndian, toByteOffset: 0x200, as: UInt64.self)
        g.vm.board.ram.base.storeBytes(of: Double(2).bitPattern.bigEndian, toByteOffset: 0x208, as: UInt64.self)
        g.put(0x1000, [asm(.lfd, [1, 0x208, 0]), asm(.stfd, [1, 0x210, 0]), asm(.b, [0])])
        g.run()
        #expect(g.count(.floatingPointUnavailable) == 1)
        #expect(g.vm.hardware.gpr[20] == 1)
        #expect(g.vm.vcpu.msr & MSR.fp != 0)
        #expect(Double(bitPattern: g.vm.hardware.fpr[1]) == 2)
        #expect(UInt64(bigEndian: g.vm.board.ram.base.load(fromByteOffset: 0x210, as: UInt64.self)) == Double(2).bitPattern)
    }

    @Test func privilegedInstructionsTrapAndActOnTheVirtualCPU() {
        let g = GuestHarness()
        g.put(0x1000, [
            asm(.mfmsr, [3]),
            asm(.addi, [4, 0, 0x1234]),
            asm(.mtspr, [Int64(SPR.sprg0), 4]),
            asm(.mfspr, [5, Int64(SPR.sprg0)]),
            asm(.wrteei, [1]),
            asm(.mfmsr, [6]),
            asm(.b, [0]),
        ])
        g.run()
        let hw = g.vm.hardware, vcpu = g.vm.vcpu
        // The guest sees its own MSR (supervisor, ME), not the hardware's (PR, IS, DS).
        #expect(hw.gpr[3] == MSR.me)
        #expect(hw.gpr[5] == 0x1234)
        #expect(vcpu.spr[SPR.sprg0] == 0x1234)
        #expect(hw.gpr[6] == MSR.me | MSR.ee)
        #expect(vcpu.msr & MSR.ee != 0)
        #expect(hw.msr & MSR.pr != 0 && hw.msr & MSR.is != 0 && hw.msr & MSR.ds != 0)
        #expect(g.count(.emulatedMfmsr) == 2)
        #expect(g.count(.emulatedMtspr) == 1)
        #expect(g.count(.emulatedMfspr) == 1)
        #expect(g.count(.emulatedWrtee) == 1)
        // The first fetch missed in the (empty) hardware TLB and the guest TLB mapped it.
        #expect(g.count(.itlbVirt) == 1)
        #expect(g.vm.pc == 0x1018)
    }

    @Test func timeInGuestCountsEveryExitAndTheTotalsAddUp() {
        let g = GuestHarness()
        g.put(0x1000, [asm(.mfmsr, [3]), asm(.addi, [3, 3, 1]), asm(.mfmsr, [3]), asm(.b, [0])])
        g.run()
        let t = g.vm.timing
        #expect(t[.timeInGuest].count == t.totalExits)
        let (total, rows) = t.report(cyclesPerMicrosecond: VirtualMachine.cyclesPerMicrosecond)
        #expect(rows.map(\.sum).reduce(0, +) == total)
    }

    @Test func aGuestTLBMissIsInjectedAsTheGuestsOwnInterrupt() {
        let g = GuestHarness()
        g.vm.vcpu.mmu!.mas4 = 0x0000_0100  // TSIZED 4 KB defaults
        g.put(0x1000, [lis(9, 0x2000), asm(.lwz, [3, 0, 9]), asm(.b, [0])])
        g.put(0xD00, [asm(.b, [0])])  // IVOR13: data TLB miss
        g.run()
        let vcpu = g.vm.vcpu
        #expect(g.vm.pc == 0xD00)
        #expect(vcpu.spr[SPR.srr0] == 0x1004)
        #expect(vcpu.spr[SPR.dear] == 0x2000_0000)
        #expect(vcpu.msr & MSR.pr == 0)
        // The guest's MAS registers were preloaded as hardware does.
        #expect(vcpu.mmu!.mas2 & 0xFFFF_F000 == 0x2000_0000)
        #expect(g.count(.dtlbReal) == 1)
        #expect(g.count(.dtlbVirt) == 0)
    }

    @Test func guestTLB0EntriesAreShadowedAfterTlbweAndUsedWithoutFurtherExits() {
        let g = GuestHarness()
        // Guest writes TLB0: EA 0x2000_0000 -> PA 0x20_0000, supervisor RW, then loads from it.
        g.put(0x20_0000, [0xCAFE_F00D])
        g.put(0x1000, [
            lis(9, 0x0000),            // MAS0: TLBSEL 0, ESEL 0
            asm(.mtspr, [Int64(SPR.mas0), 9]),
            lis(9, 0x8000), asm(.ori, [9, 9, 0x0100]),   // MAS1: V, TSIZE 4 KB
            asm(.mtspr, [Int64(SPR.mas1), 9]),
            lis(9, 0x2000),
            asm(.mtspr, [Int64(SPR.mas2), 9]),
            lis(9, 0x0020), asm(.ori, [9, 9, 0x05]),     // RPN 0x20_0000, SR | SW
            asm(.mtspr, [Int64(SPR.mas3), 9]),
            asm(.tlbwe),
            lis(9, 0x2000),
            asm(.lwz, [3, 0, 9]),
            asm(.lwz, [4, 4, 9]),
            asm(.b, [0]),
        ])
        g.run()
        #expect(g.vm.hardware.gpr[3] == 0xCAFE_F00D)
        #expect(g.count(.emulatedTlbwe) == 1)
        // tlbwe premapped the page: the loads did not exit.
        #expect(g.count(.dtlbVirt) == 0)
        #expect(g.count(.dtlbReal) == 0)
        // The shadow is in hardware TLB0, address space 1, user permissions from the guest's supervisor ones.
        let hw = g.vm.hardware.mmu!
        let shadow = hw.lookup(0x2000_0000, space: 1, pid: g.vm.hardware.spr[SPR.pid], pid1: g.vm.hardware.spr[SPR.pid1])
        #expect(shadow?.rpn == 0x20_0000)
        #expect(shadow.map { $0.permissions & 0x2A } == BookEMMU.Permission.ur | BookEMMU.Permission.uw)
        #expect(hw.tlb0.contains { $0.valid && $0.epn == 0x2000_0000 })
    }

    /// A guest tlbwe drops the shadows of the entry it overwrites, and only
    /// those: the shadow of another entry keeps serving without exits.
    @Test func tlbweDropsTheOverwrittenEntrysShadowsOnly() {
        let g = GuestHarness()
        g.put(0x20_0000, [0xAAAA_AAAA]); g.put(0x30_0000, [0xBBBB_BBBB]); g.put(0x40_0000, [0xCCCC_CCCC])
        /// tlbwe of TLB0 way `esel`: `ea` -> `pa`, 4 KB, supervisor read/write.
        func write(esel: UInt16, ea: UInt32, pa: UInt32) -> [UInt32] {
            [lis(9, esel), asm(.mtspr, [Int64(SPR.mas0), 9]),
             lis(9, 0x8000), asm(.ori, [9, 9, 0x0100]), asm(.mtspr, [Int64(SPR.mas1), 9]),
             lis(9, UInt16(ea >> 16)), asm(.mtspr, [Int64(SPR.mas2), 9]),
             lis(9, UInt16(pa >> 16)), asm(.ori, [9, 9, 0x05]), asm(.mtspr, [Int64(SPR.mas3), 9]),
             asm(.tlbwe)]
        }
        g.put(0x1000, write(esel: 0, ea: 0x2000_0000, pa: 0x20_0000)
            + [lis(8, 0x2000), asm(.lwz, [3, 0, 8])]
            + write(esel: 1, ea: 0x2008_0000, pa: 0x30_0000)    // same TLB0 set, other way
            + [asm(.lwz, [4, 0, 8])]
            + write(esel: 0, ea: 0x2000_0000, pa: 0x40_0000)    // way 0 again: new page
            + [asm(.lwz, [5, 0, 8]), asm(.b, [0])])
        g.run()
        let hw = g.vm.hardware
        #expect(hw.gpr[3] == 0xAAAA_AAAA)
        #expect(hw.gpr[4] == 0xAAAA_AAAA)
        #expect(hw.gpr[5] == 0xCCCC_CCCC, "the overwritten entry's shadow survived")
        #expect(g.count(.emulatedTlbwe) == 3)
        #expect(g.count(.dtlbVirt) + g.count(.dtlbReal) == 0)
    }

    @Test func guestKernelPagesAreNotReachableFromGuestUserMode() {
        let g = GuestHarness()
        // Guest TLB1 entry 1: EA 0x4000_0000 -> PA 0x40_0000, 4 MB, supervisor read/write only.
        var e = BookEMMU.Entry()
        e.valid = true; e.tsize = 12; e.epn = 0x4000_0000; e.rpn = 0x40_0000; e.permissions = 0x15  // SX SW SR
        g.vm.vcpu.mmu!.setTLB1(1, e)
        g.put(0x40_0000, [0x1111_2222])
        g.vm.vcpu.spr[SPR.srr0] = 0x2000
        g.vm.vcpu.spr[SPR.srr1] = MSR.me | MSR.pr
        g.put(0x1000, [lis(9, 0x4000), asm(.lwz, [3, 0, 9]), asm(.rfi)])
        g.put(0x2000, [asm(.lwz, [4, 0, 9]), asm(.b, [0])])
        g.put(0x200, [asm(.b, [0])])  // IVOR2: data storage
        g.run()
        let hw = g.vm.hardware, vcpu = g.vm.vcpu
        #expect(hw.gpr[3] == 0x1111_2222)      // kernel read it
        #expect(hw.gpr[4] == 0)                // user did not
        #expect(g.vm.pc == 0x200)
        #expect(vcpu.spr[SPR.srr0] == 0x2000)
        #expect(vcpu.spr[SPR.dear] == 0x4000_0000)
        #expect(g.count(.dsi) == 1)
    }

    @Test func systemCallsAreReflectedToTheGuestVector() {
        let g = GuestHarness()
        g.put(0x1000, [asm(.sc), asm(.b, [0])])
        g.put(0x800, [asm(.addi, [7, 0, 77]), asm(.b, [0])])
        g.run()
        #expect(g.vm.hardware.gpr[7] == 77)
        #expect(g.vm.vcpu.spr[SPR.srr0] == 0x1004)
        #expect(g.count(.syscall) == 1)
    }

    @Test func deviceAccessesExitAsMMIOAndReachTheSameDevices() {
        let g = GuestHarness()
        // Guest TLB1 entry 2: EA 0xE000_0000 -> the CCSR window (PA 0xF_E000_0000), 1 MB, guarded.
        var e = BookEMMU.Entry()
        e.valid = true; e.tsize = 10; e.epn = 0xE000_0000; e.rpn = 0xF_E000_0000; e.permissions = 0x15; e.wimge = 0xA
        g.vm.vcpu.mmu!.setTLB1(2, e)
        g.put(0x1000, [
            lis(9, 0xE000), asm(.ori, [9, 9, 0x4500]),
            asm(.addi, [3, 0, 0x48]), asm(.stb, [3, 0, 9]),          // 'H' to the UART
            asm(.addi, [3, 0, 0x69]), asm(.stb, [3, 0, 9]),          // 'i'
            asm(.lbz, [4, 5, 9]),                                    // LSR
            asm(.b, [0]),
        ])
        g.run()
        g.vm.board.tick()
        #expect(g.output == Array("Hi".utf8))
        #expect(g.vm.hardware.gpr[4] & 0x60 == 0x60)   // THR empty, transmitter empty
        #expect(g.count(.mmio) == 3)
        // No shadow entry ever maps a device page.
        #expect(!g.vm.hardware.mmu!.tlb1.contains { $0.valid && $0.rpn >= 64 << 20 })
    }

    @Test func aMappingOutsideGuestRAMNeverReachesHostMemory() {
        let g = GuestHarness()
        // Guest maps EA 0x8000_0000 to PA 0x1000_0000 (256 MB, beyond the 64 MB of RAM).
        var e = BookEMMU.Entry()
        e.valid = true; e.tsize = 12; e.epn = 0x8000_0000; e.rpn = 0x1000_0000; e.permissions = 0x3F
        g.vm.vcpu.mmu!.setTLB1(3, e)
        g.put(0x1000, [lis(9, 0x8000), asm(.lwz, [3, 0, 9]), asm(.b, [0])])
        g.put(0x100, [asm(.b, [0])])  // IVOR1: machine check
        let reason = g.run()
        #expect(reason == .instructionLimit)
        #expect(g.vm.pc == 0x100)
        #expect(g.vm.vcpu.spr[SPR.mcsrr0] == 0x1004)
        #expect(!g.vm.hardware.mmu!.tlb1.contains { $0.valid && $0.epn == 0x8000_0000 })
    }

    @Test func waitIdlesUntilTheGuestDecrementerAndCostsModelledTime() {
        let g = GuestHarness()
        g.vm.vcpu.timerControl = TimerBits.tcrDIE
        // DEC = 30,000 ticks (90,000 cycles): longer than the two exits before the wait cost.
        g.put(0x1000, [
            asm(.addi, [3, 0, 30000]), asm(.mtspr, [Int64(SPR.dec), 3]),
            asm(.wrteei, [1]),
            asm(.wait),
            asm(.b, [0]),
        ])
        g.put(0xA00, [asm(.addi, [8, 0, 1]), asm(.b, [0])])  // IVOR10: decrementer
        let start = g.vm.cycles
        g.run()
        #expect(g.vm.hardware.gpr[8] == 1)
        #expect(g.vm.vcpu.spr[SPR.srr0] == 0x1010)
        #expect(g.count(.emulatedWait) == 1)
        // The wait lasted until the decrementer: 90,000 cycles less the two exits before it.
        let waited = g.vm.timing[.emulatedWait].sum
        let before = CostModel.p2020.inMachineCycles(1.2e9)
        #expect(waited >= 90_000 - before.exit(.emulatedMtspr) - before.exit(.emulatedWrtee) - 10)
        // ...plus the handler spinning out the 10,000-instruction run.
        #expect(g.vm.cycles - start >= 90_000)
        #expect(g.vm.cycles - start < 110_000)
    }

    @Test func theGuestTimeBaseSeesTheCostOfExits() {
        let costly = CostModel(name: "test", frequency: 1.2e9, cyclesPerInstruction: 1,
                               exitCycles: [.emulatedMfmsr: 30_000])
        let g = GuestHarness(costModel: costly)
        g.put(0x1000, [asm(.mftb, [3, 268]), asm(.mfmsr, [4]), asm(.mftb, [5, 268]), asm(.b, [0])])
        g.run()
        let hw = g.vm.hardware
        // 30,000 cycles at 3 cycles per tick: at least 10,000 ticks between the reads.
        #expect(hw.gpr[5] &- hw.gpr[3] >= 10_000)
        #expect(hw.gpr[5] &- hw.gpr[3] < 10_100)
    }

    @Test func statisticsResetForTheWorkloadAndStopAfterIt() {
        let g = GuestHarness()
        g.put(0x1000, [asm(.mfmsr, [3]), asm(.b, [0])])
        g.run()
        #expect(g.count(.emulatedMfmsr) == 1)
        g.vm.resetStatistics()
        #expect(g.vm.timing.totalExits == 0)
        g.vm.recording = false
        g.put(0x1004, [asm(.mfmsr, [3]), asm(.b, [0])])
        _ = g.vm.run(limit: 100)
        #expect(g.count(.emulatedMfmsr) == 0)
    }

    @Test func aGuestLoopingInInterruptsIsStoppedWithAReason() {
        let g = GuestHarness()
        // Word 0 is illegal, and so is the program-interrupt handler (zeroed RAM).
        g.put(0x1000, [0])
        let reason = g.run(limit: 10_000_000)
        guard case .checkstop(let why) = reason else {
            Issue.record("expected a checkstop, got \(reason)")
            return
        }
        #expect(why.contains("interrupt storm"))
        #expect(g.vm.pc == 0x600)
        #expect(g.count(.emulatedInstruction) >= 100_000)
    }

    @Test func nonsenseTLBEntriesAreTheGuestsProblem() {
        let g = GuestHarness()
        // tlbwe of a TLB1 entry with an illegal page size (TSIZE 3): a program
        // interrupt in the guest, as on hardware; the shadow TLB is untouched.
        g.put(0x1000, [
            lis(9, 0x1005), asm(.mtspr, [Int64(SPR.mas0), 9]),                  // TLB1, ESEL 5
            lis(9, 0x8000), asm(.ori, [9, 9, 0x0180]), asm(.mtspr, [Int64(SPR.mas1), 9]),  // V, TSIZE 3
            asm(.tlbwe),
            asm(.b, [0]),
        ])
        g.put(0x600, [asm(.b, [0])])
        g.run()
        #expect(g.vm.pc == 0x600)
        #expect(g.vm.vcpu.spr[SPR.esr] == ESR.pil)
        #expect(!g.vm.vcpu.mmu!.tlb1[5].valid)
    }

    @Test func mtmsrWithWEIsAnEmulatedWaitToo() {
        let g = GuestHarness()
        g.vm.vcpu.timerControl = TimerBits.tcrDIE
        g.put(0x1000, [
            asm(.addi, [3, 0, 30000]), asm(.mtspr, [Int64(SPR.dec), 3]),
            lis(4, 0x0004), asm(.ori, [4, 4, 0x9000]),          // MSR[WE] | EE | ME
            asm(.mtmsr, [4]),
            asm(.b, [0]),
        ])
        g.put(0xA00, [asm(.addi, [8, 0, 1]), asm(.b, [0])])
        g.run()
        #expect(g.vm.hardware.gpr[8] == 1)
        #expect(g.count(.emulatedWait) == 1)
        #expect(g.count(.emulatedMtmsr) == 0)
        #expect(g.vm.timing[.emulatedWait].sum > 80_000)
    }
}
