import PowerISA

/// Performance monitor registers (Freescale EIS, e500mc: four counters) by
/// PMR number, and their fields (Linux 6.1 arch/powerpc/include/asm/reg_fsl_emb.h).
public enum PMR {
    /// Supervisor numbers (mfpmr/mtpmr at supervisor level).
    public static let pmc0 = 16, pmlca0 = 144, pmlcb0 = 272, pmgc0 = 400
    /// User read-only aliases (mfpmr at any level).
    public static let upmc0 = 0, upmlca0 = 128, upmlcb0 = 256, upmgc0 = 384
    public static let counterCount = 4

    // PMGC0
    public static let fac: UInt32 = 0x8000_0000    // freeze all counters
    public static let pmie: UInt32 = 0x4000_0000   // performance monitor interrupt enable
    public static let fcece: UInt32 = 0x2000_0000  // freeze counters on enabled condition or event
    static let pmgc0Writable: UInt32 = fac | pmie | fcece | 0x0000_1800 | 0x0000_0100  // + TBSEL, TBEE (stored only)

    // PMLCa
    public static let fc: UInt32 = 0x8000_0000     // freeze counter
    public static let fcs: UInt32 = 0x4000_0000    // freeze in supervisor state
    public static let fcu: UInt32 = 0x2000_0000    // freeze in user state
    public static let fcm1: UInt32 = 0x1000_0000   // freeze while MSR[PMM] = 1
    public static let fcm0: UInt32 = 0x0800_0000   // freeze while MSR[PMM] = 0
    public static let ce: UInt32 = 0x0400_0000     // condition enable: overflow is an enabled condition
    public static let eventMask: UInt32 = 0x01FF_0000, eventShift: UInt32 = 16
    static let pmlcaWritable: UInt32 = 0xFC00_0000 | eventMask | 0x3  // + FGCS1/FGCS0 (stored only)

    /// The events modelled (e500mc event numbers, Linux perf/e500-pmu.c).
    public static let eventProcessorCycles: UInt32 = 1
    public static let eventInstructionsCompleted: UInt32 = 2

    /// A counter's bit 0 (its sign): the overflow condition.
    public static let overflow: UInt32 = 0x8000_0000

    /// PMR numbers with this bit set are supervisor-only (as for SPRs).
    static func isPrivileged(_ n: Int) -> Bool { n & 0x10 != 0 }
}

/// What one counter counts.
enum CountedEvent: UInt8 { case none, cycles, instructions }

/// The performance monitor's state. Counters are not incremented per
/// instruction: each holds its value as of a snapshot of
/// `instructionsExecuted`/`cycles` and what it has counted since is derived
/// from the difference. Whatever changes what a counter counts (a PMR write,
/// MSR[PR] or MSR[PMM]) first settles the counters at that point.
struct PerformanceMonitorState {
    var globalControl: UInt32 = 0
    var localControlA = [UInt32](repeating: 0, count: PMR.counterCount)
    var localControlB = [UInt32](repeating: 0, count: PMR.counterCount)
    /// Counter values as of the snapshot.
    var counters = [UInt32](repeating: 0, count: PMR.counterCount)
    /// What each counter counts from the snapshot on (none when frozen).
    var counting = [CountedEvent](repeating: .none, count: PMR.counterCount)
    var snapshotInstructions: UInt64 = 0
    var snapshotCycles: UInt64 = 0
    /// Some counter selects a modelled event and is not frozen by FAC or FC,
    /// so MSR[PR] and MSR[PMM] changes may start or stop it.
    var enabled = false
    /// Some counter is counting now.
    var isCounting = false
}

extension Core {
    /// Brings the counters up to `executed` instructions into the current run
    /// under what they counted so far, then re-derives what each counts from
    /// the registers and MSR. FCECE freezes everything (sets FAC) while a
    /// counter with CE has its overflow bit set.
    func settlePerformanceMonitor(executed: UInt64) {
        let instructions = instructionsExecuted &+ executed, now = cycles &+ executed
        for n in 0..<PMR.counterCount {
            switch performanceMonitor.counting[n] {
            case .none: break
            case .cycles: performanceMonitor.counters[n] &+= UInt32(truncatingIfNeeded: now &- performanceMonitor.snapshotCycles)
            case .instructions:
                performanceMonitor.counters[n] &+= UInt32(truncatingIfNeeded: instructions &- performanceMonitor.snapshotInstructions)
            }
        }
        performanceMonitor.snapshotInstructions = instructions
        performanceMonitor.snapshotCycles = now
        if performanceMonitor.globalControl & (PMR.fcece | PMR.fac) == PMR.fcece && performanceMonitorOverflowCondition {
            performanceMonitor.globalControl |= PMR.fac
        }
        let pr = msr & MSR.pr != 0, pmm = msr & MSR.pmm != 0
        var enabled = false, isCounting = false
        for n in 0..<PMR.counterCount {
            let a = performanceMonitor.localControlA[n]
            var kind: CountedEvent
            switch (a & PMR.eventMask) >> PMR.eventShift {
            case PMR.eventProcessorCycles: kind = .cycles
            case PMR.eventInstructionsCompleted: kind = .instructions
            default: kind = .none  // other events are not modelled and count nothing
            }
            if performanceMonitor.globalControl & PMR.fac != 0 || a & PMR.fc != 0 { kind = .none }
            if kind != .none { enabled = true }
            let frozen = (a & PMR.fcs != 0 && !pr) || (a & PMR.fcu != 0 && pr)
                || (a & PMR.fcm1 != 0 && pmm) || (a & PMR.fcm0 != 0 && !pmm)
            if frozen { kind = .none }
            if kind != .none { isCounting = true }
            performanceMonitor.counting[n] = kind
        }
        performanceMonitor.enabled = enabled
        performanceMonitor.isCounting = isCounting
    }

    /// Counter `n` at `executed` instructions into the current run.
    func performanceMonitorCounter(_ n: Int, executed: UInt64) -> UInt32 {
        let value = performanceMonitor.counters[n]
        switch performanceMonitor.counting[n] {
        case .none: return value
        case .cycles: return value &+ UInt32(truncatingIfNeeded: cycles &+ executed &- performanceMonitor.snapshotCycles)
        case .instructions:
            return value &+ UInt32(truncatingIfNeeded: instructionsExecuted &+ executed &- performanceMonitor.snapshotInstructions)
        }
    }

    /// An enabled condition: a counter with PMLCa[CE] has its overflow bit set
    /// (counters as of the snapshot; the run loop settles first).
    var performanceMonitorOverflowCondition: Bool {
        for n in 0..<PMR.counterCount
        where performanceMonitor.localControlA[n] & PMR.ce != 0 && performanceMonitor.counters[n] & PMR.overflow != 0 {
            return true
        }
        return false
    }

    /// The performance monitor exception (IVOR35, taken when MSR[EE] = 1): an
    /// enabled condition with PMGC0[PMIE] = 1. It is a level: it stays until
    /// software clears the counter's overflow bit, CE or PMIE.
    var performanceMonitorInterruptPending: Bool {
        performanceMonitor.globalControl & PMR.pmie != 0 && performanceMonitorOverflowCondition
    }

    /// MSR[PR] or MSR[PMM] changed with the performance monitor enabled: the
    /// counters settle at `executed` and the run loop recomputes its chunk.
    func performanceMonitorModeChanged(executed: UInt64) {
        settlePerformanceMonitor(executed: executed)
        requestEventCheck()
    }

    /// Events from now until the next counter overflow that matters (a
    /// counter with CE, while PMIE or FCECE is set), for sizing a run chunk.
    /// While waiting only processor cycles advance. The counters must be settled.
    func instructionsUntilPerformanceMonitorEvent(waiting: Bool) -> UInt64 {
        guard performanceMonitor.globalControl & (PMR.pmie | PMR.fcece) != 0 else { return .max }
        var next = UInt64.max
        for n in 0..<PMR.counterCount where performanceMonitor.localControlA[n] & PMR.ce != 0 {
            switch performanceMonitor.counting[n] {
            case .none: continue
            case .instructions where waiting: continue
            default: break
            }
            // Events until bit 0 next goes from 0 to 1.
            let value = UInt64(performanceMonitor.counters[n])
            next = min(next, value < 0x8000_0000 ? 0x8000_0000 - value : 0x1_8000_0000 - value)
        }
        return next
    }

    /// mfpmr: nil for a PMR that does not exist, or a supervisor PMR read in user mode.
    func readPerformanceMonitorRegister(_ n: Int, supervisor: Bool, executed: UInt64) -> UInt32? {
        if PMR.isPrivileged(n) && !supervisor { return nil }
        guard n & 0xC == 0 else { return nil }  // four of each kind
        // A supervisor number is its user alias with bit 4 set; k selects the counter.
        let k = n & 0x3
        switch n & ~0x13 {
        case PMR.upmc0: return performanceMonitorCounter(k, executed: executed)
        case PMR.upmlca0: return performanceMonitor.localControlA[k]
        case PMR.upmlcb0: return performanceMonitor.localControlB[k]
        case PMR.upmgc0: return k == 0 ? performanceMonitor.globalControl : nil
        default: return nil
        }
    }

    /// mtpmr (supervisor level): false for a PMR that does not exist or is a
    /// read-only user alias. The instruction itself is counted under the old
    /// settings; the new ones apply from the next instruction.
    func writePerformanceMonitorRegister(_ n: Int, _ value: UInt32, executed: UInt64) -> Bool {
        guard PMR.isPrivileged(n), n & 0xC == 0 else { return false }
        let k = n & 0x3
        let retired = executed &+ 1
        switch n & ~0x3 {
        case PMR.pmc0:
            settlePerformanceMonitor(executed: retired)
            performanceMonitor.counters[k] = value
        case PMR.pmlca0:
            settlePerformanceMonitor(executed: retired)
            performanceMonitor.localControlA[k] = value & PMR.pmlcaWritable
        case PMR.pmlcb0:
            performanceMonitor.localControlB[k] = value  // thresholds and triggers: stored, no effect
            return true
        case PMR.pmgc0 where k == 0:
            settlePerformanceMonitor(executed: retired)
            performanceMonitor.globalControl = value & PMR.pmgc0Writable
        default:
            return false
        }
        // What counts, and when the next overflow comes, may have changed.
        settlePerformanceMonitor(executed: retired)
        requestEventCheck()
        return true
    }

    /// A performance monitor register as mfpmr at supervisor level reads it
    /// between runs (nil for a PMR that does not exist).
    public func performanceMonitorRegister(_ n: Int) -> UInt32? {
        readPerformanceMonitorRegister(n, supervisor: true, executed: 0)
    }
}
