import Testing
@testable import Platform

/// The MPIC driven the way Linux 6.1 drives it (sysdev/mpic.c: mpic_alloc,
/// mpic_init, mpic_set_irq_type, mpic_unmask_irq; coreint get_irq + EOI).
@Suite struct MPICTests {
    static let ctpr: UInt64 = 0x20080, iack: UInt64 = 0x200A0, eoi: UInt64 = 0x200B0
    static let gcr: UInt64 = 0x1020

    static func ivpr(_ n: Int) -> UInt64 { 0x10000 + 0x20 * UInt64(n) }
    static func idr(_ n: Int) -> UInt64 { ivpr(n) + 0x10 }

    func r(_ m: MPIC, _ offset: UInt64) -> UInt32 { UInt32(m.read(offset: offset, size: 4)) }
    func w(_ m: MPIC, _ offset: UInt64, _ v: UInt32) { m.write(offset: offset, size: 4, value: UInt64(v)) }

    /// mpic_alloc + mpic_init for one CPU, FSL 4.2, coreint, 256 sources.
    func linuxInit(_ m: MPIC) {
        #expect(r(m, 0x0) & 0xFFFF == 0x0402)                   // fsl_mpic_get_version (BRR1)
        w(m, Self.gcr, r(m, Self.gcr) | 0x8000_0000)              // reset
        var polls = 0
        while r(m, Self.gcr) & 0x8000_0000 != 0 { polls += 1; if polls > 10 { break } }
        #expect(polls == 0)
        w(m, Self.gcr, r(m, Self.gcr) | 0x6000_0000)              // MPIC_GREG_GCONF_COREINT
        _ = r(m, 0x1000)                                          // FRR (overridden by irq_count)
        w(m, Self.ctpr, 0xF)
        for t in 0..<8 {                                          // version >= 0x301: 8 timers
            let base: UInt64 = 0x1100 + UInt64(t >> 2) * 0x1000 + UInt64(t & 3) * 0x40
            w(m, base + 0x30, 1)
            w(m, base + 0x20, 0x8000_0000 | 9 << 16 | UInt32(2035 + t))
        }
        w(m, 0x10A0, 0x8000_0000)                                 // mpic_test_broken_ipi
        #expect(r(m, 0x10A0) == 0x8000_0000)
        for i in 0..<4 { w(m, 0x10A0 + 0x10 * UInt64(i), 0x8000_0000 | 10 << 16 | UInt32(2043 + i)) }
        for n in 0..<256 {
            w(m, Self.ivpr(n), 0x8000_0000 | UInt32(n) | 8 << 16)
            w(m, Self.idr(n), 1)
        }
        w(m, 0x10E0, 2047)
        w(m, Self.gcr, r(m, Self.gcr) | 0x2000_0000)              // 8259 pass-through disable
        w(m, Self.ctpr, 0)
        w(m, 0x3910, ~0)                                          // EIMR: error summary ignored
    }

    /// mpic_set_irq_type(level high) then mpic_unmask_irq with its poll.
    func enable(_ m: MPIC, source n: Int, flags: UInt32 = 0x00C0_0000) {
        let old = r(m, Self.ivpr(n))
        w(m, Self.ivpr(n), old & ~0x00C0_0000 | flags)
        w(m, Self.ivpr(n), r(m, Self.ivpr(n)) & ~0x8000_0000)
        #expect(r(m, Self.ivpr(n)) & 0x8000_0000 == 0)            // the unmask poll ends at once
    }

    @Test func identificationRegisters() {
        let m = MPIC()
        #expect(r(m, 0x0) == 0x0040_0402)
        #expect(r(m, 0x1000) == 0x00C3_0002)
        #expect(r(m, 0x1080) == 0)
        #expect(r(m, 0x20090) == 0)                               // WHOAMI
        #expect(r(m, 0x0090) == 0)                                // WHOAMI, this-CPU alias
        #expect(r(m, Self.ctpr) == 15)                            // reset task priority
        #expect(r(m, 0x10E0) == 0xFFFF)                           // reset spurious vector
        #expect(r(m, Self.ivpr(5)) == 0x8000_0000)                // external: masked
        #expect(r(m, Self.ivpr(42)) == 0x8080_0000)               // internal: masked, polarity high
        #expect(r(m, Self.idr(42)) == 1)
        #expect(r(m, 0x1110) == 0x8000_0000)                      // timer 0 GTBCR: count inhibit
        #expect(r(m, 0x3900) == 0)                                // EISR
        #expect(r(m, 0x21080) == 0xFFFF_FFFF)                     // CPU 1 does not exist
        #expect(r(m, 0x1004) == 0xFFFF_FFFF)                      // unaligned inside a block
        #expect(m.read(offset: 0x2, size: 2) == 0x0402)           // narrow read of BRR1
    }

    @Test func linuxInitSequenceEntersCoreintWithNothingPending() {
        let m = MPIC()
        linuxInit(m)
        #expect(m.coreintMode)
        #expect(r(m, Self.gcr) == 0x6000_0000)
        #expect(r(m, 0x10E0) == 2047)
        #expect(r(m, Self.ctpr) == 0)
        #expect(r(m, Self.ivpr(42)) == 0x8008_002A)               // Linux's write cleared the polarity bit
        #expect(r(m, 0x1120) == 0x8009_07F3)                      // timer 0 vector 2035
        #expect(!m.output.externalInterruptPending)
        #expect(m.output.acknowledge() == 2047)                   // nothing raised: spurious
    }

    @Test func levelSourceDeliversAcknowledgesAndReraises() {
        let m = MPIC()
        linuxInit(m)
        var changes: [Bool] = []
        m.output.onChange = { changes.append($0) }
        enable(m, source: 42)
        #expect(r(m, Self.ivpr(42)) == 0x0088_002A)               // S reads 0 on an internal source
        let uart = m.line(source: 42)
        uart.raise()
        #expect(m.output.externalInterruptPending)
        #expect(r(m, Self.ivpr(42)) & 0x4000_0000 != 0)           // activity
        #expect(m.output.acknowledge() == 42)                     // the core's coreint IACK → EPR
        #expect(!m.output.externalInterruptPending)
        w(m, Self.eoi, 0)                                         // handler did not clear the device
        #expect(m.output.externalInterruptPending)                // still high: raised again
        #expect(r(m, Self.iack) == 42)                            // IACK by a guest read works the same
        uart.lower()                                              // handler cleared the UART
        w(m, Self.eoi, 0)
        #expect(!m.output.externalInterruptPending)
        #expect(r(m, Self.ivpr(42)) & 0x4000_0000 == 0)
        #expect(changes == [true, false, true, false])
    }

    @Test func maskingHoldsALevelSourceBack() {
        let m = MPIC()
        linuxInit(m)
        let line = m.line(source: 42)
        line.raise()                                              // still masked from init
        #expect(!m.output.externalInterruptPending)
        #expect(r(m, Self.ivpr(42)) & 0x4000_0000 == 0)
        enable(m, source: 42)
        #expect(m.output.externalInterruptPending)
        w(m, Self.ivpr(42), r(m, Self.ivpr(42)) | 0x8000_0000)   // mpic_mask_irq
        #expect(!m.output.externalInterruptPending)
        // No destination: raised nowhere.
        w(m, Self.ivpr(42), r(m, Self.ivpr(42)) & ~0x8000_0000)
        w(m, Self.idr(42), 0)
        #expect(!m.output.externalInterruptPending)
        w(m, Self.idr(42), 1)
        #expect(m.output.externalInterruptPending)
    }

    @Test func priorityDecidesTheOrderAndInServiceBlocksLowerOnes() {
        let m = MPIC()
        linuxInit(m)
        enable(m, source: 42)
        enable(m, source: 43)
        w(m, Self.ivpr(43), r(m, Self.ivpr(43)) & ~0xF_0000 | 12 << 16)
        let low = m.line(source: 42), high = m.line(source: 43)
        low.raise()
        #expect(m.output.acknowledge() == 42)
        // A higher-priority source interrupts the one in service...
        high.raise()
        #expect(m.output.externalInterruptPending)
        #expect(m.output.acknowledge() == 43)
        high.lower()
        // ...an equal or lower one waits for EOI.
        low.lower(); low.raise()
        #expect(!m.output.externalInterruptPending)
        w(m, Self.eoi, 0)                                         // retires 43 (highest in service)
        #expect(!m.output.externalInterruptPending)               // 42 still in service
        w(m, Self.eoi, 0)
        #expect(m.output.externalInterruptPending)
    }

    @Test func equalPrioritiesGoToTheLowestSource() {
        let m = MPIC()
        linuxInit(m)
        enable(m, source: 50)
        enable(m, source: 44)
        m.line(source: 50).raise()
        m.line(source: 44).raise()
        #expect(m.output.acknowledge() == 44)
    }

    @Test func taskPriorityGatesDelivery() {
        let m = MPIC()
        linuxInit(m)
        enable(m, source: 42)                                     // priority 8
        m.line(source: 42).raise()
        w(m, Self.ctpr, 8)
        #expect(!m.output.externalInterruptPending)
        #expect(m.output.acknowledge() == 2047)                   // blocked: spurious
        w(m, Self.ctpr, 7)
        #expect(m.output.externalInterruptPending)
        w(m, Self.ctpr, 15)
        #expect(!m.output.externalInterruptPending)
        // Priority 0 is never delivered.
        w(m, Self.ctpr, 0)
        w(m, Self.ivpr(42), r(m, Self.ivpr(42)) & ~0xF_0000)
        #expect(!m.output.externalInterruptPending)
    }

    @Test func edgeSourcesLatchUntilAcknowledged() {
        let m = MPIC()
        linuxInit(m)
        // External source 5 programmed edge (sense 0): a pulse is remembered.
        enable(m, source: 5, flags: 0x0080_0000)
        let line = m.line(source: 5)
        line.raise(); line.lower()
        #expect(m.output.externalInterruptPending)
        #expect(m.output.acknowledge() == 5)
        w(m, Self.eoi, 0)
        #expect(!m.output.externalInterruptPending)               // the latch cleared at IACK
        // Level sense on an external source follows the wire.
        enable(m, source: 6)
        #expect(r(m, Self.ivpr(6)) & 0x00C0_0000 == 0x00C0_0000)
        let six = m.line(source: 6)
        six.raise()
        #expect(m.output.acknowledge() == 6)
        w(m, Self.eoi, 0)
        #expect(m.output.externalInterruptPending)
        six.lower()
        #expect(!m.output.externalInterruptPending)
    }

    @Test func aPulseWhileMaskedIsDeliveredOnUnmask() {
        let m = MPIC()
        linuxInit(m)
        w(m, Self.ivpr(7), 0x8080_0007 | 8 << 16)                // edge, masked
        let line = m.line(source: 7)
        line.raise(); line.lower()
        #expect(!m.output.externalInterruptPending)
        w(m, Self.ivpr(7), 0x0080_0007 | 8 << 16)
        #expect(m.output.externalInterruptPending)
    }

    @Test func interprocessorInterruptToSelf() {
        let m = MPIC()
        linuxInit(m)
        w(m, 0x10B0, 10 << 16 | 2044)                             // IPI 1 unmasked
        w(m, 0x20050, 1)                                          // dispatch to CPU 0
        #expect(m.output.externalInterruptPending)
        #expect(m.output.acknowledge() == 2044)
        w(m, Self.eoi, 0)
        #expect(!m.output.externalInterruptPending)
    }

    @Test func globalResetRestoresDefaultsButKeepsWires() {
        let m = MPIC()
        linuxInit(m)
        enable(m, source: 42)
        m.line(source: 42).raise()
        #expect(m.output.acknowledge() == 42)
        w(m, Self.gcr, 0x8000_0000)
        #expect(r(m, Self.gcr) == 0)
        #expect(!m.coreintMode)
        #expect(r(m, Self.ctpr) == 15)
        #expect(r(m, Self.ivpr(42)) == 0x8080_0000)
        #expect(!m.output.externalInterruptPending)
        // The UART still holds its wire: after reprogramming it is delivered.
        linuxInit(m)
        enable(m, source: 42)
        #expect(m.output.externalInterruptPending)
    }

    @Test func mixedModeIsNotCoreint() {
        let m = MPIC()
        w(m, Self.gcr, 0x2000_0000)
        #expect(!m.coreintMode)
        #expect(r(m, Self.gcr) == 0x2000_0000)
        w(m, Self.gcr, 0x6000_0000)
        #expect(m.coreintMode)
    }

    @Test func interruptLevelRegisterRoutesAwayFromINT() {
        let m = MPIC()
        linuxInit(m)
        enable(m, source: 42)
        w(m, Self.ivpr(42) + 0x18, 1)                             // ILR: critical
        #expect(r(m, Self.ivpr(42) + 0x18) == 1)
        m.line(source: 42).raise()
        #expect(!m.output.externalInterruptPending)
        #expect(m.output.criticalInterruptPending)
        w(m, Self.ivpr(42) + 0x18, 2)                             // machine check: not wired
        #expect(!m.output.externalInterruptPending)
        #expect(!m.output.criticalInterruptPending)
        w(m, Self.ivpr(42) + 0x18, 0)
        #expect(m.output.externalInterruptPending)
        #expect(!m.output.criticalInterruptPending)
    }

    @Test func destinationCriticalBitRoutesToTheCriticalOutput() {
        let m = MPIC()
        linuxInit(m)
        enable(m, source: 42)
        w(m, Self.idr(42), 0x4000_0001)                           // IDR[CI0] wins over IDR[P0]
        #expect(r(m, Self.idr(42)) == 0x4000_0001)
        let line = m.line(source: 42)
        line.raise()
        #expect(m.output.criticalInterruptPending)
        #expect(!m.output.externalInterruptPending)
        // No priority, CTPR, IACK or EOI: the level follows the source.
        w(m, Self.ctpr, 15)
        #expect(m.output.criticalInterruptPending)
        #expect(m.output.acknowledge() == 2047)
        #expect(m.output.criticalInterruptPending)
        line.lower()
        #expect(!m.output.criticalInterruptPending)
        // Masking holds it back (MPIC 4.x).
        line.raise()
        w(m, Self.ivpr(42), r(m, Self.ivpr(42)) | 0x8000_0000)
        #expect(!m.output.criticalInterruptPending)
        w(m, Self.ivpr(42), r(m, Self.ivpr(42)) & ~0x8000_0000)
        #expect(m.output.criticalInterruptPending)
        // Back to the INT pin.
        w(m, Self.ctpr, 0)
        w(m, Self.idr(42), 1)
        #expect(!m.output.criticalInterruptPending)
        #expect(m.output.externalInterruptPending)
    }

    @Test func machineWiresBothOutputsToTheCore() {
        let machine = Machine(ramSize: 64 << 20) { _ in }
        #expect(machine.core.externalInterrupts === machine.board.mpic.output)
        #expect(machine.core.criticalInterrupts === machine.board.mpic.output)
    }
}
