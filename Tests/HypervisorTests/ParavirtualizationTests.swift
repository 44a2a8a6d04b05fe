import Testing
import E500
import Hypervisor
import Platform
import PowerISA
import Telemetry

/// The KVM paravirtual interface of `pv` mode on small guest programs.
@Suite struct ParavirtualizationTests {
    static let magic: UInt32 = 0xFFFF_F000

    /// A `pv` guest harness: the program runs in the guest kernel.
    func harness() -> GuestHarness { GuestHarness(assist: .paravirtual) }

    /// `li r11, token` (as lis/ori), r0 = "KVM!", sc: the hcall-instructions sequence.
    func hypercall(_ token: UInt32) -> [UInt32] {
        [lis(11, UInt16(token >> 16)), asm(.ori, [11, 11, Int64(token & 0xFFFF)]),
         lis(0, 0x4B56), asm(.ori, [0, 0, 0x4D21]), asm(.sc)]
    }

    func mapMagicPage() -> [UInt32] {
        [lis(3, 0xFFFF), asm(.ori, [3, 3, 0xF000]), lis(4, 0xFFFF), asm(.ori, [4, 4, 0xF001])]
            + hypercall(42 << 16 | 4)
    }

    @Test func featuresAndMagicPageHypercallsAnswerAsKVM() {
        let g = harness()
        g.put(0x1000, hypercall(42 << 16 | 3) + [asm(.addi, [20, 3, 0]), asm(.addi, [21, 4, 0])]
              + mapMagicPage() + [asm(.addi, [22, 3, 0]), asm(.addi, [23, 4, 0])]
              + hypercall(42 << 16 | 99) + [asm(.b, [0])])
        g.run()
        let hw = g.vm.hardware
        #expect(hw.gpr[20] == 0 && hw.gpr[21] == 1 << 1)    // EV_SUCCESS, KVM_FEATURE_MAGIC_PAGE
        #expect(hw.gpr[22] == 0 && hw.gpr[23] == 3)         // SR | MAS0_TO_SPRG7
        #expect(hw.gpr[3] == 12)                            // EV_UNIMPLEMENTED
        #expect(g.count(.hypercall) == 3)
        #expect(g.count(.syscall) == 0)
    }

    @Test func theMagicPageMirrorsTheVirtualCPUBothWays() {
        let g = harness()
        g.vm.vcpu.spr[SPR.srr0] = 0x1234_5678
        g.put(0x1000, mapMagicPage() + [
            lis(9, 0xFFFF), asm(.ori, [9, 9, 0xF000]),
            asm(.lwz, [5, 92, 9]),                 // msr (low word of the 64-bit field at 88)
            asm(.lwz, [6, 68, 9]),                 // srr0
            lis(7, 0xCAFE), asm(.stw, [7, 36, 9]), // sprg0 written without an exit...
            asm(.mfspr, [8, Int64(SPR.sprg0)]),    // ...and read back by a trapping mfspr
            asm(.b, [0]),
        ])
        g.run()
        let hw = g.vm.hardware
        #expect(hw.gpr[5] == MSR.me)
        #expect(hw.gpr[6] == 0x1234_5678)
        #expect(hw.gpr[8] == 0xCAFE_0000)
        #expect(g.vm.vcpu.spr[SPR.sprg0] == 0xCAFE_0000)
        // Mapping the page was one DTLBVIRT; the loads and the store did not exit.
        #expect(g.count(.dtlbVirt) == 1)
        #expect(g.count(.emulatedMfspr) == 1)
    }

    @Test func interruptsWaitForTheGuestsCriticalSectionsAndIntPendingTellsIt() {
        let g = harness()
        g.vm.vcpu.timerControl = TimerBits.tcrDIE
        // Map; arm DEC for 1 tick and spin: it fires with MSR[EE] = 0, so the
        // page says int_pending. Enter a "critical section" (critical = r1),
        // set MSR[EE] in the page (no exit) and make an exit (mfmsr): the
        // decrementer must still wait. Leave the section (critical = r2) and
        // trap with wrteei 1, as the patched code does when int_pending is set.
        let spin: [UInt32] = [asm(.addi, [10, 0, 3000]), asm(.mtspr, [9, 10]),  // CTR = 3000
                              asm(.bc, [16, 0, 0])]                            // bdnz .
        g.put(0x1000, mapMagicPage() + [
            lis(9, 0xFFFF), asm(.ori, [9, 9, 0xF000]),
            asm(.addi, [3, 0, 1]), asm(.mtspr, [Int64(SPR.dec), 3]),
        ] + spin + [
            asm(.lwz, [12, 100, 9]),                                // int_pending
            asm(.stw, [1, 28, 9]),                                  // critical = r1
            asm(.lwz, [4, 92, 9]), asm(.ori, [4, 4, 0x8000]), asm(.stw, [4, 92, 9]),  // MSR[EE] = 1 in the page
            asm(.mfmsr, [14]),                                      // an exit inside the section
            asm(.addi, [13, 0, 1]),                                 // reached: nothing was delivered
            asm(.stw, [2, 28, 9]),                                  // critical = r2 (r2 != r1)
            asm(.wrteei, [1]),
            asm(.b, [0]),
        ])
        g.put(0xA00, [asm(.b, [0])])
        g.vm.vcpu.gpr[1] = 0x10_0000
        g.vm.vcpu.gpr[2] = 0x20_0000
        g.run(limit: 100_000)
        #expect(g.vm.hardware.gpr[12] == 1)          // the decrementer waited for MSR[EE]
        #expect(g.vm.hardware.gpr[14] & MSR.ee != 0)  // the VMM took EE from the page
        #expect(g.vm.hardware.gpr[13] == 1)          // and it waited for the critical section
        #expect(g.vm.pc == 0xA00)                    // then it was taken
        #expect(g.vm.vcpu.spr[SPR.srr0] > 0x1000)
    }

    @Test func idleHypercallWaitsForTheNextInterrupt() {
        let g = harness()
        g.vm.vcpu.timerControl = TimerBits.tcrDIE
        g.put(0x1000, [asm(.addi, [3, 0, 30000]), asm(.mtspr, [Int64(SPR.dec), 3]), asm(.wrteei, [1])]
              + hypercall(1 << 16 | 16) + [asm(.b, [0])])
        g.put(0xA00, [asm(.addi, [8, 0, 1]), asm(.b, [0])])
        g.run()
        #expect(g.vm.hardware.gpr[8] == 1)
        #expect(g.count(.hypercall) == 1)
        #expect(g.vm.timing[.hypercall].sum > 80_000)   // the idle time is the hypercall's
    }

    @Test func userModeAndPlainSystemCallsStaySystemCalls() {
        let g = harness()
        // Kernel: sc with r0 = 0, a system call. Its handler, the first time,
        // returns to user mode at 0x2000 with r0 = "KVM!"; from user mode that
        // sc is a system call too. The second time the handler stops.
        g.put(0x1000, [asm(.addi, [0, 0, 0]), asm(.sc)])
        g.put(0x800, [
            asm(.addi, [25, 25, 1]),
            asm(.cmpi, [0, 0, 25, 1]),
            asm(.bc, [4, 2, 32]),                                   // bne to the b . below
            asm(.addi, [5, 0, 0x2000]), asm(.mtspr, [Int64(SPR.srr0), 5]),
            asm(.addi, [5, 0, 0x5000]), asm(.mtspr, [Int64(SPR.srr1), 5]),  // PR | ME
            lis(0, 0x4B56), asm(.ori, [0, 0, 0x4D21]),
            asm(.rfi),
            asm(.b, [0]),
        ])
        g.put(0x2000, [asm(.sc), asm(.b, [0])])
        g.run()
        #expect(g.vm.hardware.gpr[25] == 2)
        #expect(g.vm.vcpu.spr[SPR.srr0] == 0x2004)
        #expect(g.count(.syscall) == 2)
        #expect(g.count(.hypercall) == 0)
    }

    @Test func kvmModeHasNoHypercalls() {
        let g = GuestHarness()
        g.put(0x1000, hypercall(42 << 16 | 3) + [asm(.b, [0])])
        g.put(0x800, [asm(.b, [0])])
        g.run()
        #expect(g.vm.pc == 0x800)
        #expect(g.count(.syscall) == 1)
    }

    @Test func anUnalignedMagicPageAddressIsRoundedDownAsKVMDoes() {
        let g = harness()
        g.put(0x1000, [lis(3, 0xFFFF), asm(.ori, [3, 3, 0xF123]), lis(4, 0xFFFF), asm(.ori, [4, 4, 0xF7FF])]
              + hypercall(42 << 16 | 4) + [
                lis(9, 0xFFFF), asm(.ori, [9, 9, 0xF000]),
                asm(.lwz, [5, 92, 9]),                 // the MSR field of the page at 0xFFFFF000
                asm(.b, [0]),
              ])
        g.run()
        #expect(g.vm.hardware.gpr[3] == 0)
        #expect(g.vm.hardware.gpr[5] == MSR.me)
    }

    @Test func aGuestScribblingOverThePageOnlyCorruptsItself() {
        let g = harness()
        // Map, then fill the whole page with ones (MSR included: PR, IS, DS...)
        // and trap with mfmsr: the guest gets the state it wrote. In address
        // space 1, where its TLB maps nothing, it takes an instruction TLB
        // miss, whose (zeroed) handler is illegal: it ends in its program
        // handler. The hardware stays deprivileged and the VMM carries on.
        g.put(0x1000, mapMagicPage() + [
            lis(9, 0xFFFF), asm(.ori, [9, 9, 0xF000]),
            asm(.addi, [7, 0, -1]),
            asm(.addi, [10, 0, 1024]), asm(.mtspr, [9, 10]),       // CTR = 1024 words
            asm(.stw, [7, 0, 9]), asm(.addi, [9, 9, 4]), asm(.bc, [16, 0, -8]),
            asm(.mfmsr, [5]),
            asm(.b, [0]),
        ])
        g.put(0x600, [asm(.b, [0])])
        let reason = g.run(limit: 50_000)
        #expect(reason == .instructionLimit)
        #expect(g.vm.pc == 0x600)
        #expect(g.vm.vcpu.spr[SPR.esr] == ESR.pil)
        #expect(g.vm.hardware.msr & MSR.pr != 0)           // the hardware never leaves user mode
        #expect(g.vm.hardware.msr & (MSR.is | MSR.ds) == MSR.is | MSR.ds)
    }
}
