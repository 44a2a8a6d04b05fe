import PowerISA

/// MSR bits (Book E, 32-bit; masks, not ISA bit numbers).
public enum MSR {
    public static let ucle: UInt32 = 0x0400_0000
    public static let we: UInt32 = 0x0004_0000
    public static let ce: UInt32 = 0x0002_0000
    public static let ee: UInt32 = 0x0000_8000
    public static let pr: UInt32 = 0x0000_4000
    public static let fp: UInt32 = 0x0000_2000
    public static let me: UInt32 = 0x0000_1000
    public static let fe0: UInt32 = 0x0000_0800
    public static let de: UInt32 = 0x0000_0200
    public static let fe1: UInt32 = 0x0000_0100
    public static let `is`: UInt32 = 0x0000_0020
    public static let ds: UInt32 = 0x0000_0010
    public static let pmm: UInt32 = 0x0000_0004
    public static let ri: UInt32 = 0x0000_0002
    /// The bits e500mc implements; the rest read as zero.
    public static let implemented: UInt32 = ucle | we | ce | ee | pr | fp | me | fe0 | de | fe1 | `is` | ds | pmm | ri
}

/// Exception syndrome register bits.
public enum ESR {
    public static let pil: UInt32 = 0x0800_0000   // illegal instruction
    public static let ppr: UInt32 = 0x0400_0000   // privileged instruction
    public static let ptr: UInt32 = 0x0200_0000   // trap
    public static let fp: UInt32 = 0x0100_0000    // floating-point operation
    public static let st: UInt32 = 0x0080_0000    // store
}

/// Timer control and status register bits.
public enum TimerBits {
    public static let tcrWIE: UInt32 = 0x0800_0000, tcrDIE: UInt32 = 0x0400_0000
    public static let tcrFIE: UInt32 = 0x0080_0000, tcrARE: UInt32 = 0x0040_0000
    public static let tsrENW: UInt32 = 0x8000_0000, tsrWIS: UInt32 = 0x4000_0000
    public static let tsrDIS: UInt32 = 0x0800_0000, tsrFIS: UInt32 = 0x0400_0000
}

/// Book E interrupts by IVOR number.
public enum InterruptVector: Int, Sendable {
    case criticalInput = 0, machineCheck = 1, dataStorage = 2, instructionStorage = 3, external = 4
    case alignment = 5, program = 6, floatingPointUnavailable = 7, systemCall = 8, auxiliaryUnavailable = 9
    case decrementer = 10, fixedInterval = 11, watchdog = 12, dataTLBMiss = 13, instructionTLBMiss = 14
    case debug = 15, performanceMonitor = 35, doorbell = 36, criticalDoorbell = 37

    /// SPR holding this vector's offset.
    public var ivorSPR: Int { rawValue < 16 ? 400 + rawValue : 531 + (rawValue - 35) }
}

/// The external interrupt input of the core, driven by the interrupt
/// controller (the MPIC in the machine). In coreint mode taking the
/// interrupt acknowledges it and the vector lands in EPR.
public protocol ExternalInterruptSource: AnyObject {
    var externalInterruptPending: Bool { get }
    func acknowledge() -> UInt32
}

/// The critical interrupt input of the core (the MPIC's critical output for
/// sources routed to it). A level: the core takes IVOR0 through CSRR0/1
/// while it is asserted and MSR[CE] = 1; there is no acknowledge cycle, the
/// handler quiets the source.
public protocol CriticalInterruptSource: AnyObject {
    var criticalInterruptPending: Bool { get }
}

/// Physical memory as the machine provides it: RAM pages the core may
/// access directly, everything else through device reads and writes.
public protocol PhysicalMemory: AnyObject {
    /// Host address of the 4 KB RAM page at `physicalPage`, nil for device space.
    func ramPage(_ physicalPage: UInt64) -> UnsafeMutableRawPointer?
    /// All of RAM as one host block from physical address 0, if it is one
    /// (the core then finds RAM pages without calling `ramPage`).
    var contiguousRAM: (base: UnsafeMutableRawPointer, size: UInt64)? { get }
    /// The decoded code of RAM (CodeCache.swift), nil if RAM keeps none.
    var codeCache: CodeCache? { get }
    /// A device read; nil when nothing answers (machine check).
    func read(_ physical: UInt64, size: Int) -> UInt64?
    /// A device write; false when nothing answers.
    func write(_ physical: UInt64, size: Int, value: UInt64) -> Bool
}

extension PhysicalMemory {
    public var contiguousRAM: (base: UnsafeMutableRawPointer, size: UInt64)? { nil }
    public var codeCache: CodeCache? { nil }
}

/// SPR numbers of the supervisor level (Book E / e500mc).
extension SPR {
    public static let dec = 22, srr0 = 26, srr1 = 27, pid = 48, pid1 = 633, pid2 = 634, decar = 54, csrr0 = 58, csrr1 = 59
    public static let dear = 61, esr = 62, ivpr = 63
    public static let sprg0 = 272, sprg1 = 273, sprg2 = 274, sprg3 = 275, sprg4 = 276, sprg7 = 279
    public static let tblWrite = 284, tbuWrite = 285, pir = 286, pvr = 287
    public static let dbsr = 304, dbcr0 = 308, iac1 = 312, iac2 = 313, dac1 = 316, dac2 = 317, tsr = 336, tcr = 340
    public static let mcsrr0 = 570, mcsrr1 = 571, mcsr = 572, dsrr0 = 574, dsrr1 = 575
    public static let mas0 = 624, mas1 = 625, mas2 = 626, mas3 = 627, mas4 = 628, mas6 = 630
    public static let tlb0cfg = 688, tlb1cfg = 689, epr = 702, mas7 = 944
    public static let dbcr1 = 309, dbcr2 = 310, sprg8 = 604, sprg9 = 605
    /// L1 cache configuration (read-only on hardware; plain storage here, zero unless set).
    public static let l1cfg0 = 515, l1cfg1 = 516
    public static let hid0 = 1008, hid1 = 1009, l1csr0 = 1010, l1csr1 = 1011, mmucsr0 = 1012
    public static let bucsr = 1013, mmucfg = 1015, l2csr0 = 1017, svr = 1023

    /// e500mc (rev 2.0) as QEMU's `-cpu e500mc` reports it.
    public static let e500mcPVR: UInt32 = 0x8023_0020
}

extension Core {
    // MARK: Supervisor SPR access

    /// mfspr at supervisor level; nil for an SPR the core does not have.
    package func readSupervisorSPR(_ n: Int, executed: UInt64) -> UInt32? {
        if let v = readUserSPR(n, executed: executed) { return v }
        switch n {
        case SPR.dec: return decrementer(at: timeBase(executed))
        case SPR.tsr: return timerStatus
        case SPR.tcr: return timerControl
        case SPR.mas0: return mmu?.mas0
        case SPR.mas1: return mmu?.mas1
        case SPR.mas2: return mmu?.mas2
        case SPR.mas3: return mmu?.mas3
        case SPR.mas4: return mmu?.mas4
        case SPR.mas6: return mmu?.mas6
        case SPR.mas7: return mmu?.mas7
        case SPR.mmucfg: return mmu?.mmucfg
        case SPR.tlb0cfg: return mmu?.tlb0cfg
        case SPR.tlb1cfg: return mmu?.tlb1cfg
        case SPR.pvr: return SPR.e500mcPVR
        case SPR.mmucsr0: return 0
        case SPR.srr0, SPR.srr1, SPR.pid, SPR.decar, SPR.csrr0, SPR.csrr1, SPR.dear, SPR.esr, SPR.ivpr,
             SPR.sprg0...SPR.sprg7, SPR.pir, SPR.dbsr, SPR.dbcr0, SPR.dbcr1, SPR.dbcr2, SPR.mcsrr0, SPR.mcsrr1, SPR.mcsr,
             SPR.iac1, SPR.iac2, SPR.dac1, SPR.dac2,
             SPR.dsrr0, SPR.dsrr1, SPR.epr, SPR.hid0, SPR.hid1, SPR.l1csr0, SPR.l1csr1, SPR.bucsr, SPR.l2csr0,
             SPR.svr, 400...415, 531...533, SPR.sprg8, SPR.sprg9, SPR.l1cfg0, SPR.l1cfg1:
            return spr[n]
        default: return nil
        }
    }

    /// mtspr at supervisor level; false for an SPR the core does not have.
    package func writeSupervisorSPR(_ n: Int, _ value: UInt32, executed: UInt64) -> Bool {
        if writeUserSPR(n, value) { return true }
        switch n {
        case SPR.dec, SPR.tsr, SPR.tcr, SPR.tblWrite, SPR.tbuWrite, SPR.decar:
            writeTimerSPR(n, value, executed: executed)
        case SPR.dbsr:
            spr[n] &= ~value  // write 1 to clear
        case SPR.dbcr0, SPR.iac1, SPR.iac2, SPR.dac1, SPR.dac2:
            spr[n] = value
            debugControlChanged()
        case SPR.pid:
            spr[n] = value & 0xFF
            contextChanged()
        case SPR.mas0: mmu?.mas0 = value
        case SPR.mas1: mmu?.mas1 = value
        case SPR.mas2: mmu?.mas2 = value
        case SPR.mas3: mmu?.mas3 = value
        case SPR.mas4: mmu?.mas4 = value
        case SPR.mas6: mmu?.mas6 = value
        case SPR.mas7: mmu?.mas7 = value
        case SPR.mmucsr0:
            mmu?.flashInvalidate(value)
            flushTLB()
        case SPR.l1csr0:
            // No caches to invalidate or lock: the flash-invalidate and
            // lock-clear bits finish at once and read back as zero (as QEMU).
            spr[n] = value & 0x0001_0001  // CPE | DCE
        case SPR.l1csr1:
            spr[n] = value & 0x0001_0001  // ICPE | ICE
        case SPR.l2csr0:
            spr[n] = value & ~0x0020_0400  // L2FI, L2LFC self-clear
        case SPR.bucsr:
            spr[n] = value & ~0x0000_0200  // BBFI self-clears
        case SPR.srr0, SPR.srr1, SPR.csrr0, SPR.csrr1, SPR.dear, SPR.esr, SPR.ivpr,
             SPR.sprg0...SPR.sprg7, SPR.pir, SPR.dbcr1, SPR.dbcr2, SPR.mcsrr0, SPR.mcsrr1,
             SPR.mcsr, SPR.dsrr0, SPR.dsrr1, SPR.epr, SPR.hid0, SPR.hid1, 400...415, 531...533, SPR.sprg8, SPR.sprg9:
            spr[n] = value
        default:
            return false
        }
        return true
    }

    /// Writes a time-base or timer register; the next timer event or a
    /// deliverable timer interrupt may have changed, so the run loop looks
    /// again after this instruction.
    func writeTimerSPR(_ n: Int, _ value: UInt32, executed: UInt64) {
        switch n {
        case SPR.dec: setDecrementer(value, at: timeBase(executed))
        case SPR.tsr: timerStatus &= ~value  // write 1 to clear
        case SPR.tcr: timerControl = value
        case SPR.tblWrite:
            setTimeBase((timeBase(executed) & 0xFFFF_FFFF_0000_0000) | UInt64(value), executed: executed)
        case SPR.tbuWrite:
            setTimeBase((timeBase(executed) & 0xFFFF_FFFF) | UInt64(value) << 32, executed: executed)
        default: spr[n] = value  // DECAR
        }
        requestEventCheck()
    }

    // MARK: Time

    /// The time base at `executed` instructions into the current run.
    package func timeBase(_ executed: UInt64) -> UInt64 {
        timeBaseOffset &+ (cycles &+ executed) / cyclesPerTimeBaseTick
    }

    func setTimeBase(_ value: UInt64, executed: UInt64) {
        timeBaseOffset = value &- (cycles &+ executed) / cyclesPerTimeBaseTick
    }

    /// DEC counts down at the time-base rate and stops at zero (unless auto-reload).
    func decrementer(at tb: UInt64) -> UInt32 {
        guard decrementerRunning else { return 0 }
        return decrementerDeadline > tb ? UInt32(truncatingIfNeeded: decrementerDeadline - tb) : 0
    }

    func setDecrementer(_ value: UInt32, at tb: UInt64) {
        decrementerDeadline = tb &+ UInt64(value)
        decrementerRunning = value != 0
    }

    /// Updates TSR for timer events up to time base `tb`.
    package func advanceTimers(to tb: UInt64) {
        if decrementerRunning && tb >= decrementerDeadline {
            timerStatus |= TimerBits.tsrDIS
            if timerControl & TimerBits.tcrARE != 0 && spr[SPR.decar] != 0 {
                // Auto-reload: the next period starts where this one ended.
                while decrementerDeadline <= tb { decrementerDeadline &+= UInt64(spr[SPR.decar]) }
            } else {
                decrementerRunning = false
            }
        }
        let watchdogEpoch = tb / watchdogPeriod
        if watchdogEpoch != lastWatchdogEpoch {
            if watchdogEpoch > lastWatchdogEpoch { watchdogTimeout() }
            lastWatchdogEpoch = watchdogEpoch
        }
        // Fixed-interval timer: TSR[FIS] when the selected time-base bit flips 0 -> 1.
        let fitPeriod = fixedIntervalPeriod
        if tb / fitPeriod != lastFixedIntervalEpoch {
            if tb / fitPeriod > lastFixedIntervalEpoch { timerStatus |= TimerBits.tsrFIS }
            lastFixedIntervalEpoch = tb / fitPeriod
        }
    }

    /// Period of the FIT in time-base ticks: TCR[FP] (and FPEXT) select a TB bit.
    var fixedIntervalPeriod: UInt64 {
        Core.timeBaseBitPeriod(UInt64((timerControl >> 13) & 0xF) << 2 | UInt64((timerControl >> 24) & 3))
    }

    /// Period of the watchdog in time-base ticks: TCR[WP] (and WPEXT) select a TB bit.
    var watchdogPeriod: UInt64 {
        Core.timeBaseBitPeriod(UInt64((timerControl >> 17) & 0xF) << 2 | UInt64(timerControl >> 30))
    }

    /// Time-base bit n (0 = MSB of the 64-bit TB) goes from 0 to 1 every 2^(64-n) ticks.
    static func timeBaseBitPeriod(_ n: UInt64) -> UInt64 { 1 << min(63, 64 - n) }

    /// The watchdog's time-outs: the first sets TSR[ENW], the second TSR[WIS]
    /// (an interrupt if enabled), the third takes TCR[WRC]'s action.
    func watchdogTimeout() {
        if timerStatus & TimerBits.tsrENW == 0 {
            timerStatus |= TimerBits.tsrENW
        } else if timerStatus & TimerBits.tsrWIS == 0 {
            timerStatus |= TimerBits.tsrWIS
        } else if (timerControl >> 28) & 3 != 0 {
            watchdogExpired = true
        }
    }

    /// Instructions from now until the next timer event, for sizing a run chunk.
    package func instructionsUntilNextTimerEvent(_ tb: UInt64) -> UInt64 {
        var next = UInt64.max
        if decrementerRunning { next = min(next, decrementerDeadline > tb ? decrementerDeadline - tb : 0) }
        if timerControl & TimerBits.tcrFIE != 0 {
            let period = fixedIntervalPeriod
            next = min(next, period - tb % period)
        }
        if timerControl & (TimerBits.tcrWIE | 0x3000_0000) != 0 {  // interrupt or reset armed
            let period = watchdogPeriod
            next = min(next, period - tb % period)
        }
        return next == .max ? .max : next &* cyclesPerTimeBaseTick
    }

    // MARK: Interrupts

    /// The highest-priority interrupt that is pending and enabled, if any
    /// (Book E order: debug, critical input, watchdog, then the base class;
    /// machine checks are synchronous here).
    package func pendingInterrupt() -> InterruptVector? {
        if msr & MSR.de != 0 && debugInterruptPending { return .debug }
        if msr & MSR.ce != 0 {
            if criticalInterrupts?.criticalInterruptPending == true { return .criticalInput }
            if timerStatus & TimerBits.tsrWIS != 0 && timerControl & TimerBits.tcrWIE != 0 { return .watchdog }
        }
        if msr & MSR.ee != 0 {
            if externalInterrupts?.externalInterruptPending == true { return .external }
            if timerStatus & TimerBits.tsrFIS != 0 && timerControl & TimerBits.tcrFIE != 0 { return .fixedInterval }
            if timerStatus & TimerBits.tsrDIS != 0 && timerControl & TimerBits.tcrDIE != 0 { return .decrementer }
            if doorbellPending { return .doorbell }
            if performanceMonitorInterruptPending { return .performanceMonitor }
        }
        return nil
    }

    /// Takes an interrupt: saves PC and MSR in the save/restore pair of its
    /// class, masks MSR as Book E specifies (which clears MSR[WE] and ends a
    /// wait), and jumps to IVPR | IVORn. `returnAddress` is what SRR0 (or
    /// CSRR0...) receives; `executed` is how many instructions of the current
    /// run have retired (the performance monitor counts up to there under the
    /// old MSR).
    package func takeInterrupt(_ vector: InterruptVector, returnAddress: UInt32, esr: UInt32? = nil, dear: UInt32? = nil,
                       executed: UInt64) -> UInt32 {
        let saved = msr
        switch vector {
        case .criticalInput, .watchdog, .criticalDoorbell:
            spr[SPR.csrr0] = returnAddress; spr[SPR.csrr1] = saved
            replaceMSR(saved & MSR.me, executed: executed)
        case .machineCheck:
            spr[SPR.mcsrr0] = returnAddress; spr[SPR.mcsrr1] = saved
            replaceMSR(0, executed: executed)
        case .debug:
            spr[SPR.dsrr0] = returnAddress; spr[SPR.dsrr1] = saved
            replaceMSR(saved & MSR.me, executed: executed)
        default:
            spr[SPR.srr0] = returnAddress; spr[SPR.srr1] = saved
            // Base-class interrupts keep CE, ME and DE (Book E); QEMU 7.2 keeps only ME.
            replaceMSR(saved & (MSR.ce | MSR.me | MSR.de), executed: executed)
            // Interrupt-taken debug event: with DE kept, the debug interrupt
            // follows before the handler's first instruction.
            if debugEvents & DebugBits.irpt != 0 { recordDebugEvent(DebugBits.irpt) }
        }
        if let esr { spr[SPR.esr] = esr }
        if let dear { spr[SPR.dear] = dear }
        if vector == .external, let source = externalInterrupts { spr[SPR.epr] = source.acknowledge() }
        if vector == .doorbell { doorbellPending = false }
        waiting = false
        interruptsTaken &+= 1
        // With debug events armed the run loop looks before the handler's
        // first instruction (IRPT, and stepping sees the interrupt).
        if debugEvents != 0 { requestEventCheck() }
        return (spr[SPR.ivpr] & 0xFFFF_0000) | (spr[vector.ivorSPR] & 0xFFF0)
    }

    /// The translation context (PID, or PID and PID1 written directly, as the
    /// VMM does) changed: translations come from that context's software-TLB bank.
    package func contextChanged() {
        selectSoftTLBBank()
    }

    /// A TLB entry is replaced or invalidated: only translations inside its
    /// page can change (a page no entry maps was never cached).
    func forgetTranslations(of entry: BookEMMU.Entry) {
        if entry.valid { invalidateTranslations(ea: entry.epn, size: entry.pageSize) }
    }

    /// Sets MSR (a translation context change selects another software-TLB
    /// bank in `msr`'s observer), and settling the performance monitor (at
    /// `executed` instructions into the run) when PR or PMM changes what it
    /// counts. Returns the previous value.
    @discardableResult
    package func replaceMSR(_ value: UInt32, executed: UInt64) -> UInt32 {
        let old = msr
        msr = value & MSR.implemented
        let changed = old ^ msr
        // A context change (PR, IS, DS) switches software-TLB banks (`msr`'s observer).
        if performanceMonitor.enabled && changed & (MSR.pr | MSR.pmm) != 0 { performanceMonitorModeChanged(executed: executed) }
        return old
    }

    /// Makes the run loop re-check timers and interrupts after the current instruction.
    @inline(__always)
    func requestEventCheck() { exitFlags |= ExitFlag.events }
}
