#if canImport(Glibc)
import Glibc
#endif
import Testing
import E500
import LinuxUser

/// Signal frames and sigreturn, driven without the interpreter. The signal
/// used is SIGSYS, which the runner keeps for itself: sent to the process
/// itself it is queued for the guest without going through the host, so
/// these tests never signal the test runner. Serialized: they change the
/// runner's host action for SIGSYS while they run.
@Suite(.serialized) struct SignalFrameTests {
    static let handler: UInt32 = 0x1000_0200

    func makeProcess() throws -> LinuxProcess {
        let process = try startTestProcess(arguments: ["prog"])
        // The process inherits the test thread's mask; SIGSYS must not be in it
        // (unblocking it changes nothing on the host: the runner keeps it to itself).
        let buffer = scratch(process)
        var w = BigEndianWriter(size: 8)
        w.put32(1 << UInt32(SIGSYS - 1), at: 0)
        _ = process.space.write(buffer, bytes: w.bytes)
        #expect(syscall(process, .rt_sigprocmask, 1 /* SIG_UNBLOCK */, buffer, 0, 8) == (0, false))
        return process
    }


    /// rt_sigaction(signal, {handler, flags, mask}).
    func setAction(_ process: LinuxProcess, _ signal: Int32, handler: UInt32, flags: UInt32, mask: UInt64 = 0) {
        let buffer = scratch(process)
        var w = BigEndianWriter(size: 20)
        w.put32(handler, at: 0)
        w.put32(flags, at: 4)
        w.put32(UInt32(truncatingIfNeeded: mask), at: 12)
        w.put32(UInt32(truncatingIfNeeded: mask >> 32), at: 16)
        _ = process.space.write(buffer, bytes: w.bytes)
        #expect(syscall(process, .rt_sigaction, UInt32(signal), buffer, 0, 8) == (0, false))
    }

    /// The guest's blocked mask (low word: signals 1-32). A process starts with
    /// the host thread's mask, which a test runner thread may have set.
    func blockedLow(_ process: LinuxProcess) -> UInt32 {
        let buffer = scratch(process)
        #expect(syscall(process, .rt_sigprocmask, 0, 0, buffer, 8) == (0, false))
        return process.space.read32(buffer)!
    }

    /// Distinct values in every register a frame saves.
    func fillRegisters(_ core: Core) {
        for r in 0..<32 { core.gpr[r] = 0x1111_0000 &+ UInt32(r) }
        for f in 0..<32 { core.fpr[f] = 0x4000_0000_0000_0000 | UInt64(f) << 32 | 0x1234 }
        core.cr = 0x2468_ace0
        core.lr = 0x1000_1000
        core.ctr = 0x7777
        core.xer = 0xa000_0012
        core.fpscr = 0x0000_00f3  // enables and RN=11
    }

    func expectFilledRegisters(_ core: Core, pc: UInt32, except: Set<Int> = []) {
        for r in 0..<32 where !except.contains(r) { #expect(core.gpr[r] == 0x1111_0000 &+ UInt32(r), "r\(r)") }
        for f in 0..<32 { #expect(core.fpr[f] == 0x4000_0000_0000_0000 | UInt64(f) << 32 | 0x1234, "f\(f)") }
        #expect(core.cr == 0x2468_ace0 && core.lr == 0x1000_1000 && core.ctr == 0x7777)
        #expect(core.xer == 0xa000_0012 && core.fpscr == 0x0000_00f3)
        #expect(core.pc == pc)
    }

    /// Raises SIGSYS on the process itself with tgkill (r0 and r3-r5 are then the call's).
    func raiseSIGSYS(_ process: LinuxProcess) {
        let saved = (0...5).map { process.core.gpr[$0] }
        process.core.gpr[0] = PPCSyscall.tgkill.rawValue
        process.core.gpr[3] = UInt32(getpid())
        process.core.gpr[4] = UInt32(bitPattern: HostThread.id)
        process.core.gpr[5] = UInt32(SIGSYS)
        process.handleSystemCall()
        #expect(process.core.gpr[3] == 0 && process.core.cr & 0x1000_0000 == 0)
        for (i, value) in saved.enumerated() { process.core.gpr[i] = value }
        process.core.cr = 0x2468_ace0
    }

    @Test func rtFrameAndRtSigreturn() throws {
        let process = try makeProcess()
        let core = process.core
        setAction(process, SIGSYS, handler: Self.handler, flags: 4 /* SA_SIGINFO */, mask: 1 << 9 /* SIGUSR1 */)
        defer { setAction(process, SIGSYS, handler: 0, flags: 0) }
        let initialMask = blockedLow(process)
        let sp: UInt32 = core.gpr[1] &- 0x1000
        fillRegisters(core)
        core.gpr[1] = sp
        core.pc = 0x1000_0080
        raiseSIGSYS(process)
        process.deliverPendingSignals()

        // Handler entry: r3 = signal, r4 = &siginfo, r5 = &ucontext, r1 below the frame, LR = trampoline.
        let frame = core.gpr[4]
        #expect(core.pc == Self.handler)
        #expect(core.gpr[3] == UInt32(SIGSYS))
        #expect(core.gpr[5] == frame + 128 && core.gpr[6] == frame)
        #expect(frame % 16 == 0 && frame + 1536 <= sp && frame + 1536 > sp - 16)
        #expect(core.gpr[1] == frame - 80)
        #expect(process.space.read32(core.gpr[1]) == sp)  // back chain
        #expect(core.lr == process.signalTrampoline + 8)
        #expect(process.space.read32(process.signalTrampoline + 8) == 0x3800_0000 | PPCSyscall.rt_sigreturn.rawValue)
        #expect(core.fpscr == 0)
        // siginfo: SIGSYS from tkill.
        let info = BigEndianReader(process.space.read(frame, count: 16)!)
        #expect(info.i32(at: 0) == SIGSYS && info.i32(at: 8) == -6 && info.i32(at: 12) == getpid())
        // ucontext: uc_regs points at uc_mcontext; saved mask; saved registers.
        let uc = frame + 128
        #expect(process.space.read32(uc + 48) == uc + 192)
        #expect(process.space.read32(uc + 52) == initialMask)
        let mc = uc + 192
        #expect(process.space.read32(mc + 4 * 32) == 0x1000_0080)  // NIP
        #expect(process.space.read32(mc + 4 * 1) == sp)
        #expect(process.space.read32(mc + 4 * 38) == 0x2468_ace0)  // CCR
        #expect(process.space.read32(mc + 4 * 37) == 0xa000_0012)  // XER
        let f5 = BigEndianReader(process.space.read(mc + 192 + 8 * 5, count: 8)!).u64(at: 0)
        #expect(f5 == 0x4000_0005_0000_1234)
        // In the handler: SIGSYS and sa_mask (SIGUSR1) blocked.
        #expect(blockedLow(process) == initialMask | 1 << UInt32(SIGSYS - 1) | 1 << 9)

        // The handler clobbers everything, then returns through the trampoline.
        for r in 0..<32 { core.gpr[r] = 0xdead_0000 }
        for f in 0..<32 { core.fpr[f] = 0 }
        core.cr = 0; core.lr = 0; core.ctr = 0; core.xer = 0; core.fpscr = 0
        core.gpr[1] = frame - 80
        core.gpr[0] = PPCSyscall.rt_sigreturn.rawValue
        process.handleSystemCall()
        expectFilledRegisters(core, pc: 0x1000_0080, except: [1])
        #expect(core.gpr[1] == sp)
        #expect(blockedLow(process) == initialMask)
    }

    @Test func plainFrameAndSigreturn() throws {
        let process = try makeProcess()
        let core = process.core
        setAction(process, SIGSYS, handler: Self.handler, flags: 0)
        defer { setAction(process, SIGSYS, handler: 0, flags: 0) }
        let initialMask = blockedLow(process)
        let sp = core.gpr[1]
        fillRegisters(core)
        core.gpr[1] = sp
        core.pc = 0x1000_0090
        raiseSIGSYS(process)
        process.deliverPendingSignals()

        // Handler entry: r3 = signal, r4 = &sigcontext, LR = the sigreturn trampoline.
        let context = core.gpr[4]
        #expect(core.pc == Self.handler && core.gpr[3] == UInt32(SIGSYS))
        #expect(core.gpr[1] == context - 64)
        #expect(core.lr == process.signalTrampoline)
        #expect(process.space.read32(process.signalTrampoline) == 0x3800_0000 | PPCSyscall.sigreturn.rawValue)
        let sc = BigEndianReader(process.space.read(context, count: 32)!)
        #expect(sc.i32(at: 16) == SIGSYS && sc.u32(at: 20) == Self.handler)
        #expect(sc.u32(at: 24) == initialMask && sc.u32(at: 28) == context + 32)  // oldmask, regs
        #expect(process.space.read32(context + 32 + 4 * 32) == 0x1000_0090)

        // The handler moves the saved NIP on (skipping an instruction), then returns.
        _ = process.space.write32(context + 32 + 4 * 32, 0x1000_0094)
        core.gpr[0] = PPCSyscall.sigreturn.rawValue
        core.gpr[9] = 0
        core.fpr[3] = 0
        process.handleSystemCall()
        expectFilledRegisters(core, pc: 0x1000_0094, except: [1])
        #expect(core.gpr[1] == sp)
    }

    @Test func blockedSignalWaitsForUnblock() throws {
        let process = try makeProcess()
        let core = process.core
        setAction(process, SIGSYS, handler: Self.handler, flags: 4)
        defer { setAction(process, SIGSYS, handler: 0, flags: 0) }
        let buffer = scratch(process)
        var w = BigEndianWriter(size: 8)
        w.put32(1 << UInt32(SIGSYS - 1), at: 0)
        _ = process.space.write(buffer, bytes: w.bytes)
        #expect(syscall(process, .rt_sigprocmask, 0 /* SIG_BLOCK */, buffer, 0, 8) == (0, false))
        core.pc = 0x1000_00a0
        raiseSIGSYS(process)
        process.deliverPendingSignals()
        #expect(core.pc == 0x1000_00a0)
        #expect(syscall(process, .rt_sigpending, buffer + 16, 8) == (0, false))
        #expect(process.space.read32(buffer + 16) == 1 << UInt32(SIGSYS - 1))
        // Unblocking: the next system call is held back (pc back on its `sc`) for the handler.
        core.pc = 0x1000_00b4
        #expect(syscall(process, .rt_sigprocmask, 1 /* SIG_UNBLOCK */, buffer, 0, 8) == (0, false))
        core.gpr[0] = PPCSyscall.getpid.rawValue
        process.handleSystemCall()
        #expect(core.pc == 0x1000_00b0)
        process.deliverPendingSignals()
        #expect(core.pc == Self.handler)
    }

    @Test func alternateStackRules() throws {
        let process = try makeProcess()
        let core = process.core
        let buffer = scratch(process)
        var w = BigEndianWriter(size: 12)
        w.put32(buffer + 0x1000, at: 0)
        w.put32(1024, at: 8)
        _ = process.space.write(buffer, bytes: w.bytes)
        #expect(syscall(process, .sigaltstack, buffer, 0) == (UInt32(ENOMEM), true))
        w.put32(0x8000, at: 8)
        _ = process.space.write(buffer, bytes: w.bytes)
        #expect(syscall(process, .sigaltstack, buffer, 0) == (0, false))
        // On the alternate stack: reported as SS_ONSTACK, and it cannot be changed.
        let savedSP = core.gpr[1]
        core.gpr[1] = buffer + 0x2000
        #expect(syscall(process, .sigaltstack, 0, buffer + 0x100) == (0, false))
        #expect(BigEndianReader(process.space.read(buffer + 0x100, count: 12)!).i32(at: 4) == 1)
        #expect(syscall(process, .sigaltstack, buffer, 0) == (UInt32(EPERM), true))
        core.gpr[1] = savedSP
        #expect(syscall(process, .sigaltstack, 0, buffer + 0x100) == (0, false))
        let old = BigEndianReader(process.space.read(buffer + 0x100, count: 12)!)
        #expect(old.u32(at: 0) == buffer + 0x1000 && old.i32(at: 4) == 0 && old.u32(at: 8) == 0x8000)

        // A SA_ONSTACK handler's frame goes at the top of the alternate stack.
        setAction(process, SIGSYS, handler: Self.handler, flags: 4 | 0x0800_0000)
        defer { setAction(process, SIGSYS, handler: 0, flags: 0) }
        raiseSIGSYS(process)
        process.deliverPendingSignals()
        #expect(core.gpr[4] + 1536 <= buffer + 0x9000 && core.gpr[4] >= buffer + 0x9000 - 1536 - 16)
    }

    @Test func restartRules() {
        #expect(LinuxProcess.restartRule(PPCSyscall.read.rawValue) == .unlessHandlerLacksRestart)
        #expect(LinuxProcess.restartRule(PPCSyscall.wait4.rawValue) == .unlessHandlerLacksRestart)
        #expect(LinuxProcess.restartRule(PPCSyscall.rt_sigsuspend.rawValue) == .onlyWithoutHandler)
        #expect(LinuxProcess.restartRule(PPCSyscall.nanosleep.rawValue) == .onlyWithoutHandler)
        #expect(LinuxProcess.restartRule(PPCSyscall.rt_sigtimedwait.rawValue) == .never)
    }
}

enum HostThread {
    static var id: Int32 {
        typealias Gettid = @convention(c) () -> Int32
        guard let symbol = dlsym(nil, "gettid") else { return getpid() }
        return unsafeBitCast(symbol, to: Gettid.self)()
    }
}
