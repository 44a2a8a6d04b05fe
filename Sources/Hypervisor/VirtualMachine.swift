import E500
import Platform
import PowerISA
import Telemetry

/// Trap-and-emulate virtualization of the ppce500 machine (`--mode kvm`), the
/// way Linux KVM runs a guest on an e500 core without hardware
/// virtualization (arch/powerpc/kvm/booke.c, e500*.c).
///
/// Two cores take part:
/// - `hardware` is the simulated e500 the guest really executes on. It runs
///   the guest with MSR[PR] = 1 in address space 1, translates through the
///   shadow TLB the VMM programs, reaches guest RAM only (no devices), and
///   returns to the VMM on every interrupt condition, as the host's
///   interrupt vectors return to KVM.
/// - `vcpu` is the guest's view of the CPU: its MSR, SPRs, save/restore
///   registers, timers, pending interrupts and its TLB (the guest TLB). It
///   is the same `Core` model as bare mode's, never run freely: the VMM
///   emulates a trapped instruction by stepping that one instruction on it
///   (`Core.step`), which gives privileged instructions, reflected faults
///   and device accesses exactly bare mode's semantics.
///
/// Every exit is classified and costed (`ExitTiming`, `CostModel`); the cost
/// is added to the one modelled clock, so the guest's time base sees the
/// slowdown exits cost it.
///
/// This class is the mode-neutral exit loop (entry, exit, accounting,
/// injection, the shadow TLB). What a mode adds to trap-and-emulate is a
/// `ModeHooks` object: `Paravirtualization` (`--mode pv`, KVM's paravirtual
/// interface) or `BinaryTranslator` (`--mode bt`); `kvm` has none.
/// docs/hypervisor.md describes the design.
public final class VirtualMachine {
    public let machine: Machine
    public var board: E500Board { machine.board }
    // The objects every exit touches, held directly: a stored `let` lets the
    // compiler skip reference counting on each use (an unowned(unsafe)
    // reference did not: every use retained and released it).
    public let vcpu: Core
    public let hardware: Core
    let guestTLB: BookEMMU
    let interruptController: MPIC.Output
    let shadow: ShadowTLB

    /// Exit statistics of vCPU 0.
    public var timing = ExitTiming()
    /// Exits by instruction class and guest PC, when enabled.
    public var profile: ExitProfile? = nil
    /// False between the workload's end and a reset: nothing is recorded.
    public var recording = true
    public let costModel: CostModel
    let costs: MachineCosts
    var instructionClock: InstructionClock

    /// The last exits (type and guest PC), oldest first, for reports when the guest dies.
    public var recentExits: [(type: ExitType, pc: UInt32)] {
        let n = min(exitCount, UInt64(recentRing.count))
        return (0..<n).map { recentRing[Int((exitCount &- n &+ $0) % UInt64(recentRing.count))] }
    }
    var recentRing = [(type: ExitType, pc: UInt32)](repeating: (.timeInGuest, 0), count: 16)
    var exitCount: UInt64 = 0

    /// Where the current stretch in the guest began (modelled cycles).
    var enteredAt: UInt64 = 0
    /// Interrupt-storm detection: guest instructions at the last exit, and
    /// how many exits followed without one completing.
    var retiredAtLastExit: UInt64 = .max
    var exitsWithoutProgress = 0
    /// When the current exit began (modelled cycles).
    var exitedAt: UInt64 = 0
    /// An idling exit in progress (EMUL_WAIT, or HCALL for the ePAPR idle
    /// hypercall): its type and when it began.
    var waitType = ExitType.emulatedWait
    var waitBegan: UInt64? = nil
    /// Whether the MPIC's output was raised at the last look (EXTINT is its rising edge).
    var externalWasPending = false

    /// Guest instructions executed, on the hardware and emulated.
    public var instructionsExecuted: UInt64 { hardware.instructionsExecuted &+ vcpu.instructionsExecuted }
    /// Modelled cycles since boot (guest time plus exit costs and idle time).
    public var cycles: UInt64 { hardware.cycles }
    public var pc: UInt32 { hardware.pc }

    /// What the mode adds to trap-and-emulate; nil in `kvm` mode.
    let hooks: ModeHooks?
    /// The KVM paravirtual interface (`pv` mode), or nil.
    public var paravirt: Paravirtualization? { hooks as? Paravirtualization }
    /// The binary translator (`bt` mode), or nil.
    public var translator: BinaryTranslator? { hooks as? BinaryTranslator }

    /// Where the hardware sees the VMM's page (the pv magic page, the bt
    /// shared space): a physical address outside guest RAM and the device
    /// window, so no guest mapping can reach it.
    static let vmmPagePhysical: UInt64 = 0xF_FFFF_F000

    /// The modes the VMM runs: trap-and-emulate alone, with KVM's
    /// paravirtual interface, or with the binary translator.
    public enum Assist {
        case none
        case paravirtual
        case binaryTranslation(BinaryTranslator.Configuration)
    }

    /// `assist`: what the VMM adds to trap-and-emulate: nothing (`kvm`),
    /// the KVM PV interface (`pv`: the `/hypervisor` device-tree node,
    /// hypercalls and the magic page) or the binary translator (`bt`).
    /// `ramGuardBytes`: inaccessible host address space around guest RAM
    /// (tests: a host access outside guest RAM then kills the process).
    public init(ramSize: UInt64, ramGuardBytes: UInt64 = 0, disk: BlockImage? = nil, tlb1Entries: Int = 16,
                hardwareTLB1Entries: Int = 16, costModel: CostModel = .p2020, assist: Assist = .none,
                transmit: @escaping (UInt8) -> Void) {
        machine = Machine(ramSize: ramSize, ramGuardBytes: ramGuardBytes, disk: disk, tlb1Entries: tlb1Entries,
                          transmit: transmit)
        vcpu = machine.core
        guestTLB = machine.core.mmu!
        interruptController = machine.board.mpic.output
        let mmu = BookEMMU(tlb1Entries: hardwareTLB1Entries)
        let memory = GuestRAMOnly(machine.board.bus)
        switch assist {
        case .none: hooks = nil
        case .paravirtual: hooks = Paravirtualization()
        case .binaryTranslation(let configuration): hooks = BinaryTranslator(configuration, ramSize: ramSize)
        }
        memory.vmmPage = hooks?.vmmPage
        hardware = Core(systemWith: mmu, memory: memory)
        hardware.systemMode = false
        hardware.exitOnWait = true
        hardware.cyclesPerTimeBaseTick = Machine.cyclesPerTimeBaseTick
        shadow = ShadowTLB(hardware: mmu, ramSize: ramSize, reservedTLB1: hooks?.vmmPage == nil ? 0 : 1)
        self.costModel = costModel
        costs = costModel.inMachineCycles(Double(Machine.coreFrequency))
        instructionClock = InstructionClock(cyclesPerInstruction: costs.instruction)
        shadow.restrictions = hooks?.shadowRestrictions
        if hooks != nil {
            board.ram.deviceAccess = { [unowned self] before in self.hooks?.deviceAccess(before: before, self) }
        }
    }

    /// Loads the guest as bare mode does, then enters it deprivileged.
    public func boot(kernel: String, initrd: String?, commandLine: String) throws(PlatformError) {
        try machine.boot(kernel: kernel, initrd: initrd, commandLine: commandLine, hypervisor: hooks?.hypervisorNode)
        hooks?.guestLoaded(kernel: kernel, self)
        loadGuestState()
    }

    /// Takes the vCPU's registers as the guest's state and enters it from
    /// there (after a loader, or a test, set them).
    public func loadGuestState() {
        vcpu.copyUserState(to: hardware)
        updateHardwareContext()
        enteredAt = hardware.cycles
    }

    /// Modelled time in seconds.
    public var modelledSeconds: Double { Double(hardware.cycles) / Double(Machine.coreFrequency) }

    /// Microseconds per modelled cycle, for reports.
    public static var cyclesPerMicrosecond: Double { Double(Machine.coreFrequency) / 1e6 }

    /// Forgets the statistics so far (at the workload's begin marker).
    public func resetStatistics() {
        timing.reset()
        profile?.reset()
        translator?.faultProfile.reset()
        recording = true
        enteredAt = hardware.cycles
        if waitBegan != nil { waitBegan = hardware.cycles }
    }

    // MARK: Running

    /// Runs the guest until `limit` more guest instructions have executed, or
    /// until only the outside world can wake it (`.waiting`), or it stops.
    public func run(limit: UInt64) -> StopReason {
        let start = instructionsExecuted
        var idleSkips = 0
        while true {
            let done = instructionsExecuted &- start
            if done >= limit { return .instructionLimit }

            // Host-side events at this point of modelled time: the timers
            // that emulate the guest's (a DEC exit when they fire while the
            // guest runs) and device interrupts (EXTINT).
            vcpu.cycles = hardware.cycles
            let tb = vcpu.timeBase(0)
            let statusBefore = vcpu.timerStatus
            vcpu.advanceTimers(to: tb)
            if vcpu.watchdogExpired { return .checkstop(reason: "watchdog timer expired (TCR[WRC] reset)") }
            let external = interruptController.externalInterruptPending
            if waitBegan == nil {
                if vcpu.timerStatus & ~statusBefore & (TimerBits.tsrDIS | TimerBits.tsrFIS | TimerBits.tsrWIS) != 0 {
                    hostExit(.decrementer)
                }
                if external && !externalWasPending { hostExit(.externalInterrupt) }
            }
            externalWasPending = external

            // Inject what the guest should take now.
            var deferred = false
            if let vector = vcpu.pendingInterrupt() {
                if let hooks, hooks.defersInterrupt(vector, self) {
                    deferred = true
                } else {
                    hardware.pc = vcpu.takeInterrupt(vector, returnAddress: hardware.pc, executed: 0)
                    vcpu.waiting = false
                    updateHardwareContext()
                }
            }
            if vcpu.waiting {
                // Idle: modelled time jumps to the next guest timer event.
                let untilEvent = vcpu.instructionsUntilNextTimerEvent(tb)
                guard untilEvent != .max else { return .waiting }
                hardware.cycles &+= max(1, untilEvent)
                idleSkips += 1
                if idleSkips > Core.idleSkipsPerRun { return .waiting }
                continue
            }
            if let began = waitBegan {
                if recording { timing.record(waitType, cycles: hardware.cycles &- began) }
                waitBegan = nil
                enteredAt = hardware.cycles
            }

            // Enter the guest until the next guest timer event at most.
            let untilEvent = vcpu.instructionsUntilNextTimerEvent(tb)
            let perInstruction = max(1, costs.instruction)
            var chunk = min(limit - done, max(1, UInt64(min(Double(UInt64.max / 2), Double(untilEvent) / perInstruction))))
            if deferred, let hooks { chunk = min(chunk, hooks.deferredRecheckInstructions) }
            let before = hardware.instructionsExecuted
            hooks?.willEnter(self)
            let reason = hardware.run(limit: chunk)
            if let hooks, hooks.didLeave(self) & (MSR.pr | MSR.is | MSR.ds | MSR.fp) != 0 {
                // The guest changed its MSR without exiting (pv: only a guest
                // scribbling over its MSR in the magic page): it gets what it wrote.
                updateHardwareContext()
            }
            hardware.cycles &+= instructionClock.extraCycles(for: hardware.instructionsExecuted &- before)
            if reason == .instructionLimit { continue }
            exitedAt = hardware.cycles
            if let stop = handleExit(reason) { return stop }
            // Exits in a loop with nothing completing (a handler that faults at
            // once, forever): the guest is beyond saving.
            if instructionsExecuted == retiredAtLastExit {
                exitsWithoutProgress += 1
                if exitsWithoutProgress >= Core.interruptStormLimit {
                    exitsWithoutProgress = 0
                    return .checkstop(reason: String(format:
                        "interrupt storm: %d exits without a guest instruction completing (pc 0x%08x)",
                        Core.interruptStormLimit, hardware.pc))
                }
            } else {
                retiredAtLastExit = instructionsExecuted
                exitsWithoutProgress = 0
            }
        }
    }

    /// The VMM's user-space side had to act (host console input for the
    /// guest's UART): a SIGNAL exit.
    public func userspaceExit() { hostExit(.signal) }

    /// An exit not caused by a guest instruction (a host timer or device
    /// interrupt while the guest ran): it ends the stretch in the guest and
    /// costs its handling time.
    func hostExit(_ type: ExitType) {
        exitedAt = hardware.cycles
        account(type)
    }

    /// Charges an exit's cost to the modelled clock and records it with the
    /// stretch in the guest that it ended; the guest is re-entered at the new time.
    func account(_ type: ExitType) {
        recentRing[Int(exitCount % UInt64(recentRing.count))] = (type, hardware.pc)
        exitCount &+= 1
        let cost = costs.exit(type)
        if recording {
            timing.record(.timeInGuest, cycles: exitedAt &- enteredAt)
            timing.record(type, cycles: cost)
        }
        hardware.cycles &+= cost
        enteredAt = hardware.cycles
    }

    /// Handles one exit; returns a reason when the run must stop.
    func handleExit(_ reason: StopReason) -> StopReason? {
        let pc = hardware.pc
        if let hooks {
            switch hooks.handleExit(reason, pc: pc, self) {
            case .notHandled: break
            case .handled: return nil
            case .stop(let stop): return stop
            }
        }
        switch reason {
        case .privilegedInstruction(let word), .illegalInstruction(let word):
            let op = DecodeTable.sharedTable[Int(word >> 26) << 10 | Int((word >> 1) & 0x3FF)]
            let type = Self.exitType(of: op)
            let (stop, waited) = emulate(op: op)
            if waited {
                beginWait()
                profile?.record(pc: pc, class: .wait)
            } else {
                account(type)
                profile?.record(pc: pc, class: InstructionClass(op))
            }
            hooks?.emulatedPrivileged(op, at: pc, type: type, self)
            return stop
        case .systemCall:
            // Reflect `sc`: SRR0 is the instruction after it, where the hardware stopped.
            hardware.pc = vcpu.takeInterrupt(.systemCall, returnAddress: hardware.pc, executed: 0)
            updateHardwareContext()
            account(.syscall)
            profile?.record(pc: pc &- 4, class: .syscall)
        case .tlbMiss(let address, let access):
            let (type, stop) = translationMiss(address, access)
            account(type)
            profile?.record(pc: pc, class: InstructionClass(exit: type, access: access))
            return stop
        case .storageViolation(_, let access):
            let type: ExitType = access == .execute ? .isi : .dsi
            return reflect(type, at: pc, as: InstructionClass(exit: type, access: access))
        case .floatingPointUnavailable:
            return reflect(.floatingPointUnavailable, at: pc, as: .other)
        case .alignment:
            return reflect(.dsi, at: pc, as: .dsi)
        case .trap, .floatingPointException, .machineCheck, .debugEvent:
            return reflect(.emulatedInstruction, at: pc, as: .other)
        case .waiting:
            // `wait` completed on the hardware: the vCPU idles until an interrupt.
            vcpu.waiting = true
            beginWait()
            profile?.record(pc: pc &- 4, class: .wait)
        case .memoryFault, .checkstop, .instructionLimit:
            return reason
        }
        return nil
    }

    /// A fault the guest takes itself: stepping the instruction on the vCPU
    /// raises it there (SRR0/1, ESR, DEAR, the guest's vector).
    func reflect(_ type: ExitType, at pc: UInt32, as kind: InstructionClass) -> StopReason? {
        let (stop, _) = emulate(op: nil)
        account(type)
        profile?.record(pc: pc, class: kind)
        return stop
    }

    /// An idling exit begins (EMUL_WAIT, or the ePAPR idle hypercall): it
    /// lasts until an interrupt wakes the vCPU.
    func beginWait(as type: ExitType = .emulatedWait) {
        recentRing[Int(exitCount % UInt64(recentRing.count))] = (type, hardware.pc)
        exitCount &+= 1
        if recording { timing.record(.timeInGuest, cycles: exitedAt &- enteredAt) }
        waitBegan = exitedAt
        waitType = type
        hardware.cycles &+= costs.exit(type)
    }

    /// An interrupt MSR[EE] masks is pending (the page's int_pending).
    func interruptWaitsForEE() -> Bool {
        interruptController.externalInterruptPending || vcpu.doorbellPending
            || vcpu.timerStatus & TimerBits.tsrDIS != 0 && vcpu.timerControl & TimerBits.tcrDIE != 0
            || vcpu.timerStatus & TimerBits.tsrFIS != 0 && vcpu.timerControl & TimerBits.tcrFIE != 0
    }

    /// A hardware TLB miss: a shadow to install (xTLBVIRT), a miss the guest
    /// must handle itself (xTLBREAL), a guest permission fault, or a device
    /// access to emulate (MMIO).
    func translationMiss(_ address: UInt32, _ access: MemoryAccess) -> (ExitType, StopReason?) {
        let fetch = access == .execute
        let (physical, fault) = vcpu.systemTranslation(address, access)
        if physical != nil {
            let space = (fetch ? vcpu.msr & MSR.is : vcpu.msr & MSR.ds) != 0 ? UInt32(1) : 0
            if let (tlb, index) = guestTLB.lookupIndex(address, space: space, pid: vcpu.spr[SPR.pid]),
               shadow.install(address, guest: guestTLB.entry(tlb: tlb, index: index), tlb: tlb, index: index,
                              user: vcpu.msr & MSR.pr != 0) {
                forgetStaleTranslations()
                return (fetch ? .itlbVirt : .dtlbVirt, nil)
            }
            // Not RAM: a device register (or, for a fetch, a machine check the guest takes).
            let (stop, _) = emulate(op: nil)
            return (fetch ? .isi : .mmio, stop)
        }
        let (stop, _) = emulate(op: nil)
        if case .tlbMiss = fault { return (fetch ? .itlbReal : .dtlbReal, stop) }
        return (fetch ? .isi : .dsi, stop)
    }

    /// Emulates the instruction at the guest PC against the vCPU: privileged
    /// instructions, faults to reflect, device accesses. Returns a reason to
    /// stop (the guest is beyond saving) and whether the vCPU now waits.
    func emulate(op: Opcode?) -> (StopReason?, Bool) {
        hardware.copyUserState(to: vcpu, readOnlySPRGs: false)
        vcpu.cycles = hardware.cycles
        vcpu.timeBaseOffset = hardware.timeBaseOffset
        let tlbGeneration = guestTLB.generation
        // A tlbwe changes the one entry MAS0 selects now (the commonest TLB change: the guest's miss handler).
        let written = op == .tlbwe ? guestTLB.selectedEntry : nil
        let reason = vcpu.step()
        vcpu.copyUserState(to: hardware)
        hardware.timeBaseOffset = vcpu.timeBaseOffset
        if guestTLB.generation != tlbGeneration {
            shadow.dropStale(guest: guestTLB, written: written)
            hooks?.guestTLBChanged(self)
            if op == .tlbwe { premapWrittenEntry() }
            forgetStaleTranslations()
        }
        updateHardwareContext()
        switch reason {
        case .checkstop, .memoryFault: return (reason, false)
        default: return (nil, vcpu.waiting)
        }
    }

    /// The hardware core's software TLB forgets what it cached from the
    /// hardware entries the shadow TLB replaced or dropped, and nothing else.
    func forgetStaleTranslations() {
        guard let ranges = shadow.takeStaleRanges() else {
            hardware.flushTLB()
            return
        }
        for r in ranges { hardware.invalidateTranslations(ea: r.ea, size: r.size) }
    }

    /// After a guest tlbwe, shadows the page it maps right away (KVM premaps
    /// the faulting page): the guest's miss handler is followed by a retry
    /// of the access that missed.
    func premapWrittenEntry() {
        let mmu = guestTLB
        guard let (tlb, index) = mmu.selectedEntry else { return }
        let entry = mmu.entry(tlb: tlb, index: index)
        let space = vcpu.msr & MSR.is != 0 ? UInt32(1) : 0
        guard entry.valid, entry.ts == space else { return }
        _ = shadow.install(entry.epn, guest: entry, tlb: tlb, index: index, user: vcpu.msr & MSR.pr != 0)
    }

    /// Programs the hardware for the guest's current context: MSR[PR, IS,
    /// DS] = 1 with the guest's FP, and the shadow IDs of the guest's
    /// (AS, PID, PR) in PID0 and of its global entries in PID1.
    func updateHardwareContext() {
        let guest = vcpu.msr
        let user = guest & MSR.pr != 0
        let space: UInt32 = guest & (MSR.is | MSR.ds) != 0 ? 1 : 0
        let flushes = shadow.flushes
        var p0 = shadow.shadowID(space: space, pid: vcpu.spr[SPR.pid], user: user)
        var p1 = shadow.shadowID(space: space, pid: 0, user: user)
        if shadow.flushes != flushes {
            // The IDs ran out and were renumbered on the way: take both afresh.
            p0 = shadow.shadowID(space: space, pid: vcpu.spr[SPR.pid], user: user)
            p1 = shadow.shadowID(space: space, pid: 0, user: user)
            hardware.flushTLB()
        }
        if hardware.spr[SPR.pid] != p0 || hardware.spr[SPR.pid1] != p1 {
            hardware.spr[SPR.pid] = p0
            hardware.spr[SPR.pid1] = p1
            hardware.contextChanged()
        }
        hardware.replaceMSR(MSR.pr | MSR.is | MSR.ds | (guest & MSR.fp), executed: 0)
    }

    /// The exit type KVM accounts a trapped instruction under, per opcode
    /// (from the instruction table's trap classes).
    static let exitTypes: [ExitType] = InstructionTable.trapClasses.map(ExitType.init)

    static func exitType(of op: Opcode) -> ExitType { exitTypes[Int(op.rawValue)] }
}

extension ExitType {
    /// KVM's exit-timing type of a trapped instruction of this class. wait's
    /// exits are EMUL_WAIT; one that completes at once (an interrupt already
    /// pending) counts as EMULINST, with the unclassified ones.
    init(_ trap: TrapClass) {
        switch trap {
        case .mfmsr: self = .emulatedMfmsr
        case .mtmsr: self = .emulatedMtmsr
        case .mfspr: self = .emulatedMfspr
        case .mtspr: self = .emulatedMtspr
        case .wrtee: self = .emulatedWrtee
        case .rfi: self = .emulatedRfi
        case .tlbwe: self = .emulatedTlbwe
        case .tlbsx: self = .emulatedTlbsx
        case .tlbInvalidate: self = .emulatedTlbivax
        case .rfCritical, .tlbre, .coreSpecific: self = .emulatedCore
        case .wait, .none: self = .emulatedInstruction
        }
    }
}

extension InstructionClass {
    /// The exit profile's class of a trapped instruction.
    init(_ op: Opcode) {
        switch InstructionTable.trapClasses[Int(op.rawValue)] {
        case .mfspr: self = .mfspr
        case .mtspr: self = .mtspr
        case .wrtee: self = .wrtee
        case .mfmsr: self = .mfmsr
        case .mtmsr: self = .mtmsr
        case .rfi, .rfCritical: self = .rfi
        case .tlbwe: self = .tlbwe
        case .tlbsx: self = .tlbsx
        case .tlbInvalidate: self = .tlbivax
        case .tlbre: self = .tlbre
        case .wait: self = .wait
        case .coreSpecific, .none: self = .other
        }
    }

    /// The class of a translation exit.
    init(exit: ExitType, access: MemoryAccess) {
        switch exit {
        case .mmio: self = .mmio
        case .isi: self = .isi
        case .dsi: self = .dsi
        default: self = access == .execute ? .itlbmiss : .dtlbmiss
        }
    }
}
