import Testing
import E500
import PowerISA

/// A program assembled word by word at `origin`, so a test can name the
/// address of any instruction (`here`) before emitting it.
struct Program {
    let origin: UInt32
    private(set) var words: [UInt32] = []

    init(at origin: UInt32) { self.origin = origin }

    var here: UInt32 { origin &+ 4 * UInt32(words.count) }

    mutating func callAsFunction(_ op: Opcode, _ v: [Int64] = []) { words.append(asm(op, v)) }
    mutating func repeating(_ count: Int, _ op: Opcode, _ v: [Int64] = []) { for _ in 0..<count { self(op, v) } }

    /// lis/ori: any 32-bit value into `r`.
    mutating func load(_ r: Int64, _ value: UInt32) {
        self(.addis, [r, 0, Int64(value >> 16)])
        self(.ori, [r, r, Int64(value & 0xFFFF)])
    }
    /// mtspr through r9.
    mutating func setSPR(_ n: Int, _ value: UInt32) { load(9, value); self(.mtspr, [Int64(n), 9]) }
    /// mtpmr through r9.
    mutating func setPMR(_ n: Int, _ value: UInt32) { load(9, value); self(.mtpmr, [Int64(n), 9]) }
    /// mtmsr through r9.
    mutating func setMSR(_ value: UInt32) { load(9, value); self(.mtmsr, [9]) }

    func place(in m: TestMachine) { m.put(origin, words) }
}

/// A test machine whose interrupt vectors (IVOR0-15 at n * 0x100, IVOR35 at
/// 0x3000) all hold `b .` until a test places its handler, so an unexpected
/// interrupt parks the core instead of running zeroes.
func parkedMachine() -> TestMachine {
    let m = TestMachine()
    for n in 0..<16 { m.put(UInt32(n * 0x100), [asm(.b, [0])]) }
    m.put(0x3000, [asm(.b, [0])])
    return m
}

/// The debug facility in internal debug mode (DBCR0[IDM]), as Linux's ptrace
/// single-step and hardware breakpoints use it. The debug handler (IVOR15 at
/// 0xF00) saves DSRR0, DSRR1 and DBSR in r20-r22 and stops.
@Suite struct DebugInterruptTests {
    func makeCore(_ m: TestMachine) -> Core { SystemModeTests().makeCore(m) }

    func debugHandler(_ m: TestMachine) {
        var h = Program(at: 0xF00)
        h(.mfspr, [20, Int64(SPR.dsrr0)])
        h(.mfspr, [21, Int64(SPR.dsrr1)])
        h(.mfspr, [22, Int64(SPR.dbsr)])
        h(.b, [0])
        h.place(in: m)
    }

    @Test func instructionCompleteStopsAfterOneInstruction() {
        let m = parkedMachine()
        debugHandler(m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.icmp)
        p.setMSR(MSR.me | MSR.de)          // runs with DE = 0: no event for the mtmsr itself
        let stepped = p.here
        p(.addi, [3, 3, 1])
        p(.addi, [3, 3, 1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.gpr[3] == 1)
        #expect(core.gpr[20] == stepped + 4)          // DSRR0: the next instruction
        #expect(core.gpr[21] == MSR.me | MSR.de)      // DSRR1: the MSR it ran with
        #expect(core.gpr[22] == DebugBits.icmp)       // precise: no IDE
        #expect(core.msr & MSR.de == 0)
        #expect(core.interruptsTaken == 1)
    }

    @Test func singleStepResumesThroughRfdi() {
        let m = parkedMachine()
        // Log DSRR0 at 0x8000 + r24, clear the events, return with DE still set.
        var h = Program(at: 0xF00)
        h(.mfspr, [20, Int64(SPR.dsrr0)])
        h(.stwx, [20, 25, 24])
        h(.addi, [24, 24, 4])
        h(.mfspr, [22, Int64(SPR.dbsr)])
        h(.mtspr, [Int64(SPR.dbsr), 22])
        h(.rfdi)
        h.place(in: m)
        var p = Program(at: 0x1000)
        p.load(25, 0x8000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.icmp)
        p.setMSR(MSR.me | MSR.de)
        let first = p.here
        p.repeating(3, .addi, [3, 3, 1])
        let loop = p.here
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 60)
        #expect(core.gpr[3] == 3)
        #expect(m.word(0x8000) == first + 4)
        #expect(m.word(0x8004) == first + 8)
        #expect(m.word(0x8008) == first + 12)
        #expect(m.word(0x800C) == loop)               // b . completes and goes to itself
    }

    @Test func systemCallIsNotSteppedButItsHandlerIs() {
        // sc takes an interrupt, so it makes no ICMP event; the base-class
        // interrupt keeps DE, so the handler's first instruction is stepped
        // (Linux's DebugDebug recognises this by DSRR0 inside its vectors).
        let m = parkedMachine()
        debugHandler(m)
        m.put(0x800, [asm(.addi, [5, 5, 1]), asm(.addi, [5, 5, 1]), asm(.b, [0])])
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.icmp)
        p.setMSR(MSR.me | MSR.de)
        let sc = p.here
        p(.sc)
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.spr[SPR.srr0] == sc + 4)
        #expect(core.gpr[5] == 1)
        #expect(core.gpr[20] == 0x804)
        #expect(core.gpr[21] == MSR.me | MSR.de)
        #expect(core.gpr[22] == DebugBits.icmp)
        #expect(core.interruptsTaken == 2)
    }

    @Test func instructionAddressCompareStopsBeforeTheInstruction() {
        let m = parkedMachine()
        debugHandler(m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.iac1)
        p.setMSR(MSR.me | MSR.de)
        p(.addi, [4, 4, 1])
        let target = p.here
        p(.addi, [3, 3, 1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        core.spr[SPR.iac1] = target
        core.spr[SPR.iac2] = target + 4     // IAC2 not enabled: no event
        _ = core.run(limit: 50)
        #expect(core.gpr[4] == 1)
        #expect(core.gpr[3] == 0)            // the breakpointed instruction did not execute
        #expect(core.gpr[20] == target)      // DSRR0: the instruction itself
        #expect(core.gpr[22] == DebugBits.iac1)
        #expect(core.interruptsTaken == 1)
    }

    @Test func dataAddressCompareWriteStopsTheStore() {
        let m = parkedMachine()
        debugHandler(m)
        m.put(0x2000, [0x2222_2222, 0x1111_1111])
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dac1, 0x2004)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.dac1w)
        p.setMSR(MSR.me | MSR.de)
        p(.addi, [4, 0, 0x55])
        p(.addi, [5, 0, 0x2000])
        p(.lwz, [6, 4, 5])                   // a read of the watched word: DAC1R is off
        p(.stw, [4, 0, 5])                   // 0x2000-0x2003: no match
        let store = p.here
        p(.stw, [4, 4, 5])                   // covers 0x2004: stopped
        p(.addi, [3, 3, 1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 60)
        #expect(core.gpr[6] == 0x1111_1111)
        #expect(m.word(0x2000) == 0x55)
        #expect(m.word(0x2004) == 0x1111_1111)   // the store did not happen
        #expect(core.gpr[20] == store)           // DSRR0: the store
        #expect(core.gpr[22] == DebugBits.dac1w)
        #expect(core.gpr[3] == 0)
    }

    @Test func eventWithDEClearIsTakenWhenDEIsSet() {
        let m = parkedMachine()
        debugHandler(m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dac1, 0x2004)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.dac1w)
        p(.addi, [4, 0, 0x55])
        p(.addi, [5, 0, 0x2000])
        p(.stw, [4, 4, 5])                   // DE = 0: performed, event recorded as imprecise
        p(.mfspr, [7, Int64(SPR.dbsr)])
        p(.addi, [3, 3, 1])
        p.setMSR(MSR.me | MSR.de)
        let afterMtmsr = p.here
        p(.addi, [3, 3, 1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 60)
        #expect(m.word(0x2004) == 0x55)
        #expect(core.gpr[7] == DebugBits.dac1w | DebugBits.ide)
        #expect(core.gpr[3] == 1)
        #expect(core.gpr[20] == afterMtmsr)
        #expect(core.gpr[22] == DebugBits.dac1w | DebugBits.ide)
        #expect(core.interruptsTaken == 1)
    }

    @Test func branchTakenStopsOnTheBranch() {
        let m = parkedMachine()
        debugHandler(m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.brt)
        p.setMSR(MSR.me | MSR.de)
        p(.bc, [12, 2, 8])                   // beq with CR0 clear: not taken, no event
        p(.addi, [3, 3, 1])
        let branch = p.here
        p(.b, [8])
        p(.addi, [4, 4, 1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.gpr[3] == 1)
        #expect(core.gpr[20] == branch)
        #expect(core.gpr[22] == DebugBits.brt)
    }

    @Test func trapDebugEventReplacesTheProgramInterrupt() {
        let m = parkedMachine()
        debugHandler(m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.trap)
        p.setMSR(MSR.me | MSR.de)
        let trap = p.here
        p(.tw, [31, 0, 0])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.gpr[20] == trap)
        #expect(core.gpr[22] == DebugBits.trap)
        #expect(core.spr[SPR.esr] == 0)      // no program interrupt
        #expect(core.interruptsTaken == 1)
    }

    @Test func returnDebugEventStopsTheRfi() {
        let m = parkedMachine()
        debugHandler(m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.srr0, 0x1800)
        p.setSPR(SPR.srr1, MSR.me)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.ret)
        p.setMSR(MSR.me | MSR.de)
        let rfi = p.here
        p(.rfi)
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.gpr[20] == rfi)
        #expect(core.gpr[21] == MSR.me | MSR.de)
        #expect(core.gpr[22] == DebugBits.ret)
    }

    @Test func interruptTakenEventStopsBeforeTheHandler() {
        let m = parkedMachine()
        debugHandler(m)
        m.put(0x800, [asm(.addi, [5, 5, 1]), asm(.b, [0])])
        var p = Program(at: 0x1000)
        p.setSPR(SPR.dbcr0, DebugBits.idm | DebugBits.irpt)
        p.setMSR(MSR.me | MSR.de)
        let sc = p.here
        p(.sc)
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 50)
        #expect(core.spr[SPR.srr0] == sc + 4)    // the system call was taken...
        #expect(core.gpr[20] == 0x800)           // ...then the debug interrupt at its vector
        #expect(core.gpr[22] == DebugBits.irpt)
        #expect(core.gpr[5] == 0)
        #expect(core.interruptsTaken == 2)
    }
}

/// The Freescale EIS performance monitor (PMGC0, PMLCa/b, PMC0-3).
@Suite struct PerformanceMonitorTests {
    func makeCore(_ m: TestMachine) -> Core {
        let core = SystemModeTests().makeCore(m)
        core.spr[531] = 0x3000  // IVOR35
        return core
    }

    static let instructions: UInt32 = PMR.eventInstructionsCompleted << PMR.eventShift
    static let cycles: UInt32 = PMR.eventProcessorCycles << PMR.eventShift

    @Test func countersHonourFreezeInSupervisorUserAndFreezeAll() {
        let m = parkedMachine()
        // System call handler: freeze everything (this mtpmr still counts), read the counters.
        var h = Program(at: 0x800)
        h(.mtpmr, [Int64(PMR.pmgc0), 11])
        for n in 0..<4 { h(.mfpmr, [Int64(12 + n), Int64(PMR.pmc0 + n)]) }
        h.repeating(3, .addi, [3, 3, 1])
        h(.mfpmr, [16, Int64(PMR.pmc0 + 2)])
        h(.b, [0])
        h.place(in: m)
        var p = Program(at: 0x1000)
        p.load(11, PMR.fac)
        p(.mtpmr, [Int64(PMR.pmgc0), 11])
        p.setPMR(PMR.pmlca0, PMR.fcu | Self.instructions)       // supervisor instructions
        p.setPMR(PMR.pmlca0 + 1, PMR.fcs | Self.instructions)   // user instructions
        p.setPMR(PMR.pmlca0 + 2, Self.instructions)             // all instructions
        p.setPMR(PMR.pmlca0 + 3, PMR.fcu | Self.cycles)         // supervisor cycles
        p.setSPR(SPR.srr0, 0x2000)
        p.setSPR(SPR.srr1, MSR.pr | MSR.me)
        p(.addi, [8, 0, 0])
        p(.mtpmr, [Int64(PMR.pmgc0), 8])     // unfreeze: counting starts after it
        p.repeating(5, .addi, [3, 3, 1])
        p(.rfi)                              // counted in supervisor state
        p.place(in: m)
        var u = Program(at: 0x2000)
        u.repeating(7, .addi, [4, 4, 1])
        u(.mfpmr, [10, Int64(PMR.upmc0 + 1)])   // user read of the user-only counter
        u(.sc)                                   // counted in user state
        u.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 200)
        #expect(core.gpr[10] == 7)
        #expect(core.gpr[12] == 5 + 1 + 1)   // addi ×5, rfi, the freezing mtpmr
        #expect(core.gpr[13] == 7 + 1 + 1)   // addi ×7, mfpmr, sc
        #expect(core.gpr[14] == 16)
        #expect(core.gpr[15] == 7)           // one cycle per instruction
        #expect(core.gpr[16] == 16)          // frozen by FAC
        #expect(core.performanceMonitorRegister(PMR.pmc0 + 2) == 16)
        #expect(core.performanceMonitorRegister(PMR.pmgc0) == PMR.fac)
    }

    /// As above, but user mode ends in an instruction that cannot complete
    /// (a privileged mfmsr) instead of `sc`: the interrupt it raises is taken
    /// inside a straight run, and the counters see exactly the instructions
    /// that retired before it (the faulting one does not).
    @Test func countersStopAtAnInstructionThatTraps() {
        let m = parkedMachine()
        var h = Program(at: 0x600)   // program interrupt
        h(.mtpmr, [Int64(PMR.pmgc0), 11])
        for n in 0..<4 { h(.mfpmr, [Int64(12 + n), Int64(PMR.pmc0 + n)]) }
        h(.b, [0])
        h.place(in: m)
        var p = Program(at: 0x1000)
        p.load(11, PMR.fac)
        p(.mtpmr, [Int64(PMR.pmgc0), 11])
        p.setPMR(PMR.pmlca0, PMR.fcu | Self.instructions)
        p.setPMR(PMR.pmlca0 + 1, PMR.fcs | Self.instructions)
        p.setPMR(PMR.pmlca0 + 2, Self.instructions)
        p.setPMR(PMR.pmlca0 + 3, PMR.fcu | Self.cycles)
        p.setSPR(SPR.srr0, 0x2000)
        p.setSPR(SPR.srr1, MSR.pr | MSR.me)
        p(.addi, [8, 0, 0])
        p(.mtpmr, [Int64(PMR.pmgc0), 8])
        p.repeating(5, .addi, [3, 3, 1])
        p(.rfi)
        p.place(in: m)
        var u = Program(at: 0x2000)
        u.repeating(7, .addi, [4, 4, 1])
        u(.mfmsr, [9])                  // privileged in user mode: does not complete
        u.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 200)
        #expect(core.spr[SPR.srr0] == 0x2000 + 7 * 4)
        #expect(core.gpr[12] == 5 + 1 + 1)   // addi ×5, rfi, the freezing mtpmr
        #expect(core.gpr[13] == 7)           // addi ×7; the mfmsr did not retire
        #expect(core.gpr[14] == 5 + 1 + 7 + 1)
        #expect(core.instructionsExecuted == core.cycles)
    }

    /// Freeze all, program counter 0 to overflow after 10 instructions with
    /// CE, then unfreeze with PMIE | FCECE.
    func overflowProgram(enableInterrupts: Bool) -> (Program, start: UInt32) {
        var p = Program(at: 0x1000)
        p.setPMR(PMR.pmgc0, PMR.fac)
        p.setPMR(PMR.pmlca0, PMR.ce | Self.instructions)
        p.setPMR(PMR.pmc0, 0x8000_0000 - 10)
        if enableInterrupts { p(.wrteei, [1]) }
        p.setPMR(PMR.pmgc0, PMR.pmie | PMR.fcece)
        let start = p.here
        p.repeating(20, .addi, [3, 3, 1])
        return (p, start)
    }

    func overflowHandler(_ m: TestMachine) {
        var h = Program(at: 0x3000)
        h(.mfspr, [20, Int64(SPR.srr0)])
        h(.mfpmr, [21, Int64(PMR.pmc0)])
        h(.mfpmr, [22, Int64(PMR.pmgc0)])
        h(.addi, [23, 23, 1])
        h(.b, [0])
        h.place(in: m)
    }

    @Test func overflowInterruptsAtTheRightInstruction() {
        let m = parkedMachine()
        overflowHandler(m)
        var (p, start) = overflowProgram(enableInterrupts: true)
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 200)
        #expect(core.gpr[3] == 10)
        #expect(core.gpr[20] == start + 40)          // SRR0: the 11th instruction
        #expect(core.gpr[21] == 0x8000_0000)         // FCECE froze it at the overflow
        #expect(core.gpr[22] == PMR.fac | PMR.pmie | PMR.fcece)
        #expect(core.gpr[23] == 1)
        #expect(core.spr[SPR.srr1] & MSR.ee != 0)
    }

    @Test func overflowWaitsForEEButFreezesAtOnce() {
        let m = parkedMachine()
        overflowHandler(m)
        var (p, _) = overflowProgram(enableInterrupts: false)
        let enable = p.here
        p(.wrteei, [1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 200)
        #expect(core.gpr[3] == 20)                   // no interrupt while EE = 0
        #expect(core.gpr[20] == enable + 4)          // taken right after wrteei 1
        #expect(core.gpr[21] == 0x8000_0000)
        #expect(core.gpr[23] == 1)
    }

    @Test func cycleCounterOverflowEndsAWait() {
        let m = parkedMachine()
        overflowHandler(m)
        var p = Program(at: 0x1000)
        p.setPMR(PMR.pmgc0, PMR.fac)
        p.setPMR(PMR.pmlca0, PMR.ce | Self.cycles)
        p.setPMR(PMR.pmc0, 0x8000_0000 - 5000)
        p(.wrteei, [1])
        p.setPMR(PMR.pmgc0, PMR.pmie | PMR.fcece)
        let wait = p.here
        p(.wait)
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        #expect(core.run(limit: 100) == .instructionLimit)
        #expect(core.gpr[20] == wait + 4)
        #expect(core.gpr[21] == 0x8000_0000)
        // 5000 cycles from the unfreeze: the wait instruction, then 4999 waited.
        #expect(core.cycles - core.instructionsExecuted == 4999)
    }

    /// Runs `user` at 0x2000 in user mode after supervisor `setup`; the
    /// program handler saves ESR and SRR0 in r22/r23.
    func runUser(setup: (inout Program) -> Void = { _ in }, _ user: (inout Program) -> Void) -> Core {
        let m = parkedMachine()
        m.put(0x600, [asm(.mfspr, [22, Int64(SPR.esr)]), asm(.mfspr, [23, Int64(SPR.srr0)]), asm(.b, [0])])
        var p = Program(at: 0x1000)
        setup(&p)
        p.setSPR(SPR.srr0, 0x2000)
        p.setSPR(SPR.srr1, MSR.pr | MSR.me)
        p(.rfi)
        p.place(in: m)
        var u = Program(at: 0x2000)
        user(&u)
        u(.b, [0])
        u.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 100)
        return core
    }

    @Test func userModeReadsOnlyTheUserAliases() {
        let ok = runUser(setup: { $0.setPMR(PMR.pmgc0, PMR.fac); $0.setPMR(PMR.pmlca0 + 3, 0xFFFF_FFFF) }) { u in
            u(.mfpmr, [5, Int64(PMR.upmgc0)])
            u(.mfpmr, [6, Int64(PMR.upmlca0 + 3)])
        }
        #expect(ok.gpr[5] == PMR.fac)
        #expect(ok.gpr[6] == 0xFDFF_0003)        // reserved PMLCa bits read 0
        #expect(ok.interruptsTaken == 0)

        let read = runUser { u in u(.mfpmr, [5, Int64(PMR.pmc0)]) }
        #expect(read.gpr[22] == ESR.ppr)
        #expect(read.gpr[23] == 0x2000)
    }

    @Test func userModeMtpmrIsAPrivilegedInstruction() {
        let core = runUser { u in
            u(.addi, [4, 0, 5])
            u(.mtpmr, [Int64(PMR.pmc0), 4])
        }
        #expect(core.gpr[22] == ESR.ppr)
        #expect(core.gpr[23] == 0x2004)
        #expect(core.performanceMonitorRegister(PMR.pmc0) == 0)
    }

    @Test func supervisorWriteToAUserAliasIsIllegal() {
        let m = parkedMachine()
        m.put(0x600, [asm(.mfspr, [22, Int64(SPR.esr)]), asm(.b, [0])])
        var p = Program(at: 0x1000)
        p.setPMR(PMR.upmc0, 1)
        p.place(in: m)
        let core = makeCore(m)
        _ = core.run(limit: 20)
        #expect(core.gpr[22] == ESR.pil)
    }
}

/// The critical input (IVOR0, CSRR0/1, MSR[CE]) and MSR[WE].
@Suite struct CriticalInputAndWaitTests {
    func makeCore(_ m: TestMachine) -> Core { SystemModeTests().makeCore(m) }

    @Test func criticalInputIsTakenOnlyWithCEAndBeforeExternal() {
        let m = parkedMachine()
        m.criticalInterruptPending = true
        m.externalInterruptPending = true
        var h = Program(at: 0x000)  // IVOR0
        h(.mfspr, [20, Int64(SPR.csrr0)])
        h(.mfspr, [21, Int64(SPR.csrr1)])
        h(.mfmsr, [22])
        h(.b, [0])
        h.place(in: m)
        var p = Program(at: 0x1000)
        p.repeating(3, .addi, [3, 3, 1])     // MSR[CE] = EE = 0: nothing is taken
        p.setMSR(MSR.me | MSR.ce | MSR.ee)
        let after = p.here
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        core.criticalInterrupts = m
        _ = core.run(limit: 50)
        #expect(core.gpr[3] == 3)
        #expect(core.gpr[20] == after)                       // CSRR0: after the mtmsr
        #expect(core.gpr[21] == MSR.me | MSR.ce | MSR.ee)    // CSRR1
        #expect(core.gpr[22] == MSR.me)                      // CE and EE masked in the handler
        #expect(core.spr[SPR.srr0] == 0)                     // not through SRR0/1
        #expect(m.acknowledged == 0)                         // the external interrupt waits
        #expect(core.interruptsTaken == 1)
    }

    @Test func msrWEWaitsUntilTheDecrementer() {
        let m = parkedMachine()
        var h = Program(at: 0xA00)  // IVOR10
        h(.mfspr, [20, Int64(SPR.srr0)])
        h(.mfspr, [21, Int64(SPR.srr1)])
        h(.mfmsr, [22])
        h(.addi, [23, 23, 1])
        h(.b, [0])
        h.place(in: m)
        var p = Program(at: 0x1000)
        p.setSPR(SPR.tcr, TimerBits.tcrDIE)
        p.setSPR(SPR.dec, 1000)
        p.setMSR(MSR.we | MSR.ee | MSR.me)
        let after = p.here
        p(.addi, [3, 3, 1])
        p(.b, [0])
        p.place(in: m)
        let core = makeCore(m)
        core.cyclesPerTimeBaseTick = 3
        _ = core.run(limit: 100)
        #expect(core.gpr[23] == 1)
        #expect(core.gpr[3] == 0)                 // nothing ran between mtmsr and the interrupt
        #expect(core.gpr[20] == after)
        #expect(core.gpr[21] == MSR.we | MSR.ee | MSR.me)   // SRR1 keeps WE
        #expect(core.gpr[22] == MSR.me)           // the interrupt cleared it
        // DEC = 1000 ticks (3000 cycles) from its mtspr; 3 of them were instructions, the rest waited.
        #expect(core.cycles - core.instructionsExecuted >= 2990)
        #expect(!core.waiting)
    }

    @Test func msrWEWithNothingArmedReportsWaitingAndStaysReadable() {
        let m = parkedMachine()
        var p = Program(at: 0x1000)
        p.setMSR(MSR.we | MSR.me)
        p(.addi, [3, 3, 1])
        p.place(in: m)
        let core = makeCore(m)
        #expect(core.run(limit: 100) == .waiting)
        #expect(core.waiting)
        #expect(core.msr & MSR.we != 0)
        #expect(core.gpr[3] == 0)
        #expect(core.pc == 0x100C)
    }
}
