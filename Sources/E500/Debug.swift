import PowerISA

/// Debug control and status bits (Book E / e500mc; the non-40x definitions of
/// Linux 6.1 arch/powerpc/include/asm/reg_booke.h). Each event has the same
/// bit in DBCR0 (enable) and DBSR (status).
public enum DebugBits {
    /// DBSR: an event was recorded while MSR[DE] = 0 (imprecise debug event).
    public static let ide: UInt32 = 0x8000_0000
    /// DBCR0: internal debug mode; debug events cause debug interrupts.
    public static let idm: UInt32 = 0x4000_0000
    /// Instruction complete (Linux: ptrace single-step).
    public static let icmp: UInt32 = 0x0800_0000
    /// Branch taken.
    public static let brt: UInt32 = 0x0400_0000
    /// Interrupt taken (base-class interrupts).
    public static let irpt: UInt32 = 0x0200_0000
    /// Trap instruction whose condition holds.
    public static let trap: UInt32 = 0x0100_0000
    /// Instruction address compare 1 and 2 (IAC1/IAC2 SPRs).
    public static let iac1: UInt32 = 0x0080_0000, iac2: UInt32 = 0x0040_0000
    /// Data address compare 1 and 2, read and write (DAC1/DAC2 SPRs).
    public static let dac1r: UInt32 = 0x0008_0000, dac1w: UInt32 = 0x0004_0000
    public static let dac2r: UInt32 = 0x0002_0000, dac2w: UInt32 = 0x0001_0000
    /// Return (`rfi`).
    public static let ret: UInt32 = 0x0000_8000

    /// The events the core models.
    public static let events: UInt32 = icmp | brt | irpt | trap | iac1 | iac2 | dac1r | dac1w | dac2r | dac2w | ret
    /// Events that need a look at every instruction: while one is armed the
    /// run loop executes one instruction at a time.
    static let stepEvents: UInt32 = icmp | brt | iac1 | iac2
    static let dataEvents: UInt32 = dac1r | dac1w | dac2r | dac2w
}

/// The Book E debug facility in internal debug mode (DBCR0[IDM] = 1), as
/// Linux uses it: ICMP for ptrace single-step, IAC/DAC for hardware
/// breakpoints and watchpoints.
///
/// An event sets its DBSR bit. With MSR[DE] = 1 the debug interrupt
/// (IVOR15, DSRR0/1) follows at once; with MSR[DE] = 0 DBSR[IDE] is set too
/// and the interrupt is taken when MSR[DE] becomes 1 (imprecise): a debug
/// interrupt is pending whenever DBCR0[IDM] = 1, MSR[DE] = 1 and an event bit
/// is set in DBSR, which is also how the precise events are delivered.
///
/// Nothing here runs per instruction unless an event that needs it is armed:
/// ICMP, BRT and IAC make the run loop step one instruction at a time
/// (`debugStep`); DAC keeps the watched pages out of the software TLB so
/// their accesses reach the check in the slow path; IRPT, TRAP and RET are
/// checked where interrupts are taken and `rfi` executes.
extension Core {
    /// DBCR0, IAC1-2 or DAC1-2 changed.
    func debugControlChanged() {
        let dbcr0 = spr[SPR.dbcr0]
        let armed = dbcr0 & DebugBits.idm != 0 ? dbcr0 & DebugBits.events : 0
        // Pages watched by a data address compare must leave (or may re-enter) the software TLB.
        if (armed | debugEvents) & DebugBits.dataEvents != 0 { flushTLB() }
        debugEvents = armed
        // Stepping may have to start, or an imprecise event become deliverable.
        requestEventCheck()
    }

    /// Sets the DBSR bits of events that occurred; with MSR[DE] = 0 the event
    /// is imprecise and waits for DE.
    func recordDebugEvent(_ bits: UInt32) {
        spr[SPR.dbsr] |= msr & MSR.de != 0 ? bits : bits | DebugBits.ide
    }

    /// A debug interrupt is pending once MSR[DE] = 1 (the caller checks DE).
    var debugInterruptPending: Bool {
        spr[SPR.dbcr0] & DebugBits.idm != 0 && spr[SPR.dbsr] & DebugBits.events != 0
    }

    /// True while the run loop must execute one instruction at a time: IAC
    /// (recorded even with MSR[DE] = 0), or ICMP/BRT with MSR[DE] = 1 (they
    /// are not recognised with DE = 0, as in QEMU).
    var debugSingleStepping: Bool {
        debugEvents & (DebugBits.iac1 | DebugBits.iac2) != 0
            || (debugEvents & (DebugBits.icmp | DebugBits.brt) != 0 && msr & MSR.de != 0)
    }

    /// One instruction under the per-instruction debug events. IAC and BRT
    /// are checked before the instruction: with MSR[DE] = 1 it does not
    /// execute and the run loop takes the debug interrupt with DSRR0 = its
    /// address. ICMP is checked after an instruction that completed without
    /// an interrupt: DSRR0 = the next instruction.
    func debugStep() -> StopReason {
        let de = msr & MSR.de != 0
        var before: UInt32 = 0
        if debugEvents & DebugBits.iac1 != 0 && pc == spr[SPR.iac1] & ~3 { before |= DebugBits.iac1 }
        if debugEvents & DebugBits.iac2 != 0 && pc == spr[SPR.iac2] & ~3 { before |= DebugBits.iac2 }
        if de && debugEvents & DebugBits.brt != 0 && branchWouldBeTaken(at: pc) { before |= DebugBits.brt }
        if before != 0 {
            recordDebugEvent(before)
            if de { return .instructionLimit }
        }
        let retired = instructionsExecuted, taken = interruptsTaken
        let reason = execute(limit: 1)
        if de && debugEvents & DebugBits.icmp != 0 && instructionsExecuted != retired && interruptsTaken == taken {
            recordDebugEvent(DebugBits.icmp)
        }
        return reason
    }

    /// Whether the instruction at `pc` is a branch that will be taken, without
    /// executing it (CTR is not decremented).
    func branchWouldBeTaken(at pc: UInt32) -> Bool {
        guard let page = codePage(pc) else { return false }
        let word = UInt32(bigEndian: page.load(fromByteOffset: Int(pc & 0xFFF), as: UInt32.self))
        let i = Instruction(word)
        func holds() -> Bool {
            let ctrOK = i.bo & 4 != 0 || ((ctr &- 1) != 0) != (i.bo & 2 != 0)
            let condOK = i.bo & 0x10 != 0 || ((cr >> (31 - i.bi)) & 1) == ((i.bo >> 3) & 1)
            return ctrOK && condOK
        }
        switch DecodeTable.shared.table[Int(word >> 26) << 10 | Int((word >> 1) & 0x3FF)] {
        case .b: return true
        case .bc, .bclr: return holds()
        case .bcctr: return i.bo & 4 != 0 && holds()
        default: return false
        }
    }

    /// Whether the 4 KB page holding `ea` contains an armed data address
    /// compare: such a page stays out of the software TLB.
    func watchesDataPage(_ ea: UInt32) -> Bool {
        let page = ea & Core.pageMask
        return (debugEvents & (DebugBits.dac1r | DebugBits.dac1w) != 0 && spr[SPR.dac1] & Core.pageMask == page)
            || (debugEvents & (DebugBits.dac2r | DebugBits.dac2w) != 0 && spr[SPR.dac2] & Core.pageMask == page)
    }

    /// Data address compare for an access of `size` bytes at `ea` (a match is
    /// DAC inside the accessed bytes). Returns true when the access must not
    /// happen: MSR[DE] = 1 and the debug interrupt is taken at the load or store.
    @inline(never)
    func dataAddressCompare(_ ea: UInt32, _ size: UInt32, _ access: MemoryAccess) -> Bool {
        let write = access == .write
        let (e1, e2) = write ? (DebugBits.dac1w, DebugBits.dac2w) : (DebugBits.dac1r, DebugBits.dac2r)
        var hits: UInt32 = 0
        if debugEvents & e1 != 0 && spr[SPR.dac1] &- ea < size { hits |= e1 }
        if debugEvents & e2 != 0 && spr[SPR.dac2] &- ea < size { hits |= e2 }
        guard hits != 0 else { return false }
        recordDebugEvent(hits)
        guard msr & MSR.de != 0 else { return false }
        if !stopPending { requestStop(.debugEvent) }
        return true
    }
}
