#if canImport(Glibc)
import Glibc
#endif
import E500
import Synchronization

// Guest signal delivery, the way Linux does it for a 32-bit PowerPC process
// (arch/powerpc/kernel/signal_32.c) and qemu-user reproduces it
// (linux-user/ppc/signal.c): a handler runs on a frame pushed on the guest
// stack holding the interrupted registers, and returns through a trampoline
// (`li r0,__NR_sigreturn; sc`) that restores them.
//
// Signals from outside (other processes, the terminal, timers, children)
// reach the host process. For every signal the guest catches, the runner
// installs a host handler that only records the signal and its siginfo
// (async-signal-safe: a copy and an atomic OR); the run loop delivers it to
// the guest at the next boundary: after a `Core.run` chunk, or when a system
// call returns (a blocking host call returns EINTR because the host handler
// is installed without SA_RESTART). Signals the guest ignores or leaves at
// their default action keep the same host disposition, so the host kernel
// applies it (terminate, stop, ignore) exactly as it would to the guest.
//
// Faults the core detects (SIGSEGV, SIGILL, SIGTRAP, SIGFPE, SIGBUS) are
// synchronous: they go straight to the guest handler, or kill the process.

/// Signals recorded by the host handler and not yet taken by the run loop
/// (bit n-1 for signal n).
let hostPendingSignals = Atomic<UInt64>(0)

/// The host siginfo_t (128 bytes) of the last recorded instance of each signal.
nonisolated(unsafe) let hostSignalInfo: UnsafeMutableRawPointer = {
    let p = UnsafeMutableRawPointer.allocate(byteCount: 65 * 128, alignment: 16)
    p.initializeMemory(as: UInt8.self, repeating: 0, count: 65 * 128)
    return p
}()

/// The runner's own actions for the signals it needs for its own faults
/// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS), saved before a guest
/// handler replaces them. A real fault of the runner (si_code > 0) puts the
/// saved action back and returns, so the fault repeats and is handled as
/// it would have been without the guest.
nonisolated(unsafe) let runnerSignalActions: UnsafeMutablePointer<sigaction> = {
    let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    p.initialize(repeating: sigaction(), count: 65)
    return p
}()
nonisolated(unsafe) var runnerSignalActionSaved = [Bool](repeating: false, count: 65)

private func hostSignalHandler(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    guard signal >= 1 && signal <= 64 else { return }
    if let info {
        let raw = UnsafeRawPointer(info)
        let code = raw.load(fromByteOffset: 8, as: Int32.self)
        if code > 0 && !GuestSignalState.isMirrored(signal) {
            // The runner itself faulted: not the guest's business.
            sigaction(signal, runnerSignalActions + Int(signal), nil)
            return
        }
        (hostSignalInfo + Int(signal) * 128).copyMemory(from: raw, byteCount: 128)
    } else {
        (hostSignalInfo + Int(signal) * 128).initializeMemory(as: UInt8.self, repeating: 0, count: 128)
    }
    hostPendingSignals.bitwiseOr(1 << UInt64(signal - 1), ordering: .releasing)
}

/// Linux signal numbers and codes used here (the same on powerpc and on the host).
enum SignalNumber {
    static let SA_NOCLDSTOP: UInt32 = 0x1
    static let SA_NOCLDWAIT: UInt32 = 0x2
    static let SA_SIGINFO: UInt32 = 0x4
    static let SA_ONSTACK: UInt32 = 0x0800_0000
    static let SA_RESTART: UInt32 = 0x1000_0000
    static let SA_NODEFER: UInt32 = 0x4000_0000
    static let SA_RESETHAND: UInt32 = 0x8000_0000

    static let SS_ONSTACK: Int32 = 1
    static let SS_DISABLE: Int32 = 2
    static let SS_AUTODISARM = Int32(bitPattern: 0x8000_0000)
    static let minimumStackSize: UInt32 = 2048  // MINSIGSTKSZ on powerpc

    /// Signals the kernel delivers first when several are pending.
    static let synchronousMask: UInt64 = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS]
        .reduce(0) { $0 | 1 << UInt64($1 - 1) }

    static func bit(_ signal: Int32) -> UInt64 { 1 << UInt64(signal - 1) }
}

/// How Linux resumes a system call that a signal interrupted.
package enum SyscallRestart {
    /// -ERESTARTSYS: restarted after the handler if it has SA_RESTART (or if there is no handler).
    case unlessHandlerLacksRestart
    /// -ERESTARTNOHAND / -ERESTART_RESTARTBLOCK: EINTR once a handler runs.
    case onlyWithoutHandler
    /// Plain EINTR.
    case never
}

/// A 32-bit PowerPC signal frame, as qemu-ppc 7.2 lays it out.
enum SignalFrame {
    /// __SIGNAL_FRAMESIZE: the caller frame the kernel leaves below a signal frame.
    static let callerFrameSize: UInt32 = 64
    /// The rt frame sits 16 bytes higher still (RT_SIGFRAME_ADJUST).
    static let rtAdjust: UInt32 = 16

    // struct mcontext: gregs[48], fregs[33] (fpscr last), pad[2], vector registers.
    static let mcontextSize = 992
    static let fregsOffset = 48 * 4

    // struct sigframe: sigcontext (32 bytes), mcontext, abigap[56].
    static let sigcontextSize = 32
    static let frameSize = 32 + 992 + 224

    // struct rt_sigframe: siginfo (128), ucontext (192 + mcontext), abigap[56].
    static let siginfoSize = 128
    static let ucontextOffset = 128
    static let ucStackOffset = 8  // within the ucontext
    static let ucRegsOffset = 48
    static let ucSigmaskOffset = 52
    static let ucMcontextOffset = 192
    static let rtFrameSize = 128 + 192 + 992 + 224

    // Indexes in gregs.
    static let nip = 32, msr = 33, ctr = 35, link = 36, xer = 37, ccr = 38

    /// The user-mode MSR qemu-ppc reports for an e500mc (PR, FP, FE0, FE1).
    static let userMSR: UInt32 = 0x6900
}

extension LinuxProcess {
    // MARK: Host dispositions

    /// Makes the host's action for `signal` match the guest's (see the top of this file).
    func updateHostDisposition(_ signal: Int32) {
        guard signal >= 1 && signal <= Int32(GuestSignalState.count), signal != SIGKILL, signal != SIGSTOP else { return }
        // Globals the handler uses are initialized here, never first in the handler.
        _ = hostSignalInfo
        _ = hostPendingSignals.load(ordering: .relaxed)
        let action = signalState.actions[Int(signal)]
        let catches = action.handler != GuestSignalAction.defaultHandler && action.handler != GuestSignalAction.ignoreHandler
        var host = sigaction()
        sigemptyset(&host.sa_mask)
        if GuestSignalState.isMirrored(signal) {
            if catches {
                host.__sigaction_handler.sa_sigaction = hostSignalHandler
                sigfillset(&host.sa_mask)
                host.sa_flags = SA_SIGINFO
            } else {
                host.__sigaction_handler.sa_handler = action.handler == GuestSignalAction.ignoreHandler ? SIG_IGN : SIG_DFL
            }
            if signal == SIGCHLD {
                host.sa_flags |= Int32(action.flags & (SignalNumber.SA_NOCLDSTOP | SignalNumber.SA_NOCLDWAIT))
            }
            sigaction(signal, &host, nil)
        } else {
            // The runner's fault signals: a guest handler (or SIG_IGN) still
            // wants to see these when another process sends them.
            if !runnerSignalActionSaved[Int(signal)] {
                sigaction(signal, nil, runnerSignalActions + Int(signal))
                runnerSignalActionSaved[Int(signal)] = true
            }
            if action.handler == GuestSignalAction.defaultHandler {
                sigaction(signal, runnerSignalActions + Int(signal), nil)
            } else {
                host.__sigaction_handler.sa_sigaction = hostSignalHandler
                sigfillset(&host.sa_mask)
                host.sa_flags = SA_SIGINFO | SA_NODEFER
                sigaction(signal, &host, nil)
            }
        }
    }

    /// Sets the guest's blocked mask and mirrors it to the host mask.
    func setBlockedSignals(_ mask: UInt64) {
        let newMask = mask & ~LinuxProcess.unblockable
        signalState.blocked = newMask
        let mirrored = GuestSignalState.mirroredBits(newMask)
        if signalState.hostMask != mirrored {
            trace?.flush()  // unblocking may deliver a pending signal that ends the process
            var hostMask = GuestSignalState.hostSet(newMask)
            sigprocmask(SIG_SETMASK, &hostMask, nil)
            signalState.hostMask = mirrored
        }
    }

    // MARK: Pending signals

    /// Moves what the host handler recorded into the guest's pending set.
    func collectHostSignals() {
        guard hostPendingSignals.load(ordering: .relaxed) != 0 else { return }
        let bits = hostPendingSignals.exchange(0, ordering: .acquiring)
        for signal in 1...Int32(GuestSignalState.count) where bits & SignalNumber.bit(signal) != 0 {
            let info = GuestSignalInfo.fromHost(hostSignalInfo + Int(signal) * 128, signal: signal)
            queueSignal(signal, info: info)
        }
    }

    /// Makes `signal` pending for the guest. A standard signal already
    /// pending is not queued twice (its first siginfo is kept), as in Linux.
    func queueSignal(_ signal: Int32, info: [UInt8]) {
        let bit = SignalNumber.bit(signal)
        if signalState.pending & bit != 0 { return }
        signalState.pending |= bit
        signalState.pendingInfo[Int(signal)] = info
    }

    /// A pending signal the guest does not block, synchronous ones first, then the lowest number.
    func nextDeliverableSignal() -> Int32? {
        var ready = signalState.pending & ~signalState.blocked
        guard ready != 0 else { return nil }
        if ready & SignalNumber.synchronousMask != 0 { ready &= SignalNumber.synchronousMask }
        return Int32(ready.trailingZeroBitCount + 1)
    }

    /// True when a signal is waiting that the guest would take now.
    func hasDeliverableSignal() -> Bool {
        collectHostSignals()
        return signalState.pending & ~signalState.blocked != 0
    }

    /// Cheap test for the run loop: anything for `deliverPendingSignals` to do?
    @inline(__always)
    var signalWorkPending: Bool {
        hostPendingSignals.load(ordering: .relaxed) != 0 || signalState.pending & ~signalState.blocked != 0
            || signalState.suspendSavedMask != nil
    }

    /// Delivers every pending signal the guest does not block: each handler
    /// gets its frame (the last one set up runs first, as in Linux).
    package func deliverPendingSignals() {
        collectHostSignals()
        while let signal = nextDeliverableSignal() {
            let bit = SignalNumber.bit(signal)
            signalState.pending &= ~bit
            let info = signalState.pendingInfo[Int(signal)]
            signalState.pendingInfo[Int(signal)] = []
            deliver(signal, info: info)
            collectHostSignals()
        }
        if let saved = signalState.suspendSavedMask {
            // sigsuspend's mask lasts until a handler frame has saved the original; none did.
            signalState.suspendSavedMask = nil
            setBlockedSignals(saved)
        }
    }

    /// Takes one pending signal out of the set (sigtimedwait).
    func takePendingSignal(in set: UInt64) -> (Int32, [UInt8])? {
        collectHostSignals()
        var ready = signalState.pending & set
        guard ready != 0 else { return nil }
        if ready & SignalNumber.synchronousMask != 0 { ready &= SignalNumber.synchronousMask }
        let signal = Int32(ready.trailingZeroBitCount + 1)
        signalState.pending &= ~SignalNumber.bit(signal)
        let info = signalState.pendingInfo[Int(signal)]
        signalState.pendingInfo[Int(signal)] = []
        return (signal, info.isEmpty ? GuestSignalInfo.user(signal, code: 0) : info)
    }

    /// Acts on one signal: the guest handler, or the default action.
    func deliver(_ signal: Int32, info: [UInt8]) {
        let action = signalState.actions[Int(signal)]
        switch action.handler {
        case GuestSignalAction.ignoreHandler:
            return
        case GuestSignalAction.defaultHandler:
            defaultAction(signal)
        default:
            setUpHandlerFrame(signal, action: action, info: info.isEmpty ? GuestSignalInfo.user(signal, code: 0) : info)
        }
    }

    /// The default action of a signal that reached the runner anyway (its
    /// disposition changed after the host recorded it).
    func defaultAction(_ signal: Int32) {
        switch signal {
        case SIGCHLD, SIGURG, SIGWINCH, SIGCONT:
            return
        case SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU:
            // Let the host kernel stop this process (and tell the parent) with the signal's own number.
            trace?.flush()
            var host = sigaction()
            host.__sigaction_handler.sa_handler = SIG_DFL
            sigemptyset(&host.sa_mask)
            var previous = sigaction()
            sigaction(signal, &host, &previous)
            var only = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, signal)
            var old = sigset_t()
            sigprocmask(SIG_UNBLOCK, &only, &old)
            kill(getpid(), signal)
            sigprocmask(SIG_SETMASK, &old, nil)
            sigaction(signal, &previous, nil)
        default:
            terminate(signal: signal)
        }
    }

    // MARK: Synchronous faults

    /// A fault the core detected: the guest's handler runs with the PC on the
    /// faulting instruction, or the process dies of the signal (also when the
    /// guest blocks or ignores it, as Linux's force_sig_fault does).
    func raiseFault(_ signal: Int32, code: Int32, address: UInt32, message: @autoclosure () -> String) {
        let action = signalState.actions[Int(signal)]
        let catches = action.handler != GuestSignalAction.defaultHandler && action.handler != GuestSignalAction.ignoreHandler
        guard catches, signalState.blocked & SignalNumber.bit(signal) == 0 else {
            terminate(signal: signal, message: message())
        }
        setUpHandlerFrame(signal, action: action, info: GuestSignalInfo.fault(signal, code: code, address: address))
    }

    // MARK: Frames

    /// Pushes a signal frame for a handler and points the core at it.
    func setUpHandlerFrame(_ signal: Int32, action: GuestSignalAction, info: [UInt8]) {
        trace?.flush()
        let sp = core.gpr[1]
        let onAlternate = action.flags & SignalNumber.SA_ONSTACK != 0 && alternateStackFlags(sp: sp) == 0
        let base = onAlternate ? signalState.alternateStack.address &+ signalState.alternateStack.size : sp
        let savedMask = signalState.suspendSavedMask ?? signalState.blocked
        signalState.suspendSavedMask = nil
        let isRT = action.flags & SignalNumber.SA_SIGINFO != 0
        let trampoline = signalTrampoline

        let frameSize = isRT ? SignalFrame.rtFrameSize : SignalFrame.frameSize
        let frame = (base &- UInt32(frameSize)) & ~0xf
        var w = BigEndianWriter(size: frameSize)
        let newSP: UInt32
        if isRT {
            w.putBytes(info, at: 0)
            let uc = SignalFrame.ucontextOffset
            // uc_flags, uc_link 0; uc_stack as it was before this delivery.
            w.put32(signalState.alternateStack.address, at: uc + SignalFrame.ucStackOffset)
            w.putInt32(alternateStackFlags(sp: sp) | (signalState.alternateStack.flags & SignalNumber.SS_AUTODISARM),
                       at: uc + SignalFrame.ucStackOffset + 4)
            w.put32(signalState.alternateStack.size, at: uc + SignalFrame.ucStackOffset + 8)
            w.put32(frame &+ UInt32(uc + SignalFrame.ucMcontextOffset), at: uc + SignalFrame.ucRegsOffset)
            w.put32(UInt32(truncatingIfNeeded: savedMask), at: uc + SignalFrame.ucSigmaskOffset)
            w.put32(UInt32(truncatingIfNeeded: savedMask >> 32), at: uc + SignalFrame.ucSigmaskOffset + 4)
            saveRegisters(into: &w, at: uc + SignalFrame.ucMcontextOffset)
            newSP = frame &- (SignalFrame.callerFrameSize + SignalFrame.rtAdjust)
        } else {
            // struct sigcontext: _unused[4] (the last holds the mask's high word), signal, handler, oldmask, regs.
            w.put32(UInt32(truncatingIfNeeded: savedMask >> 32), at: 12)
            w.putInt32(signal, at: 16)
            w.put32(action.handler, at: 20)
            w.put32(UInt32(truncatingIfNeeded: savedMask), at: 24)
            w.put32(frame &+ UInt32(SignalFrame.sigcontextSize), at: 28)
            saveRegisters(into: &w, at: SignalFrame.sigcontextSize)
            newSP = frame &- SignalFrame.callerFrameSize
        }
        do throws(Errno) {
            try writeBytes(frame, w.bytes)
            try write32(newSP, sp)  // back chain to the interrupted frame
        } catch {
            // No room for the frame: Linux kills the process with SIGSEGV.
            terminate(signal: SIGSEGV, message: "cannot push the frame for signal \(signal) below 0x\(hex8(sp))")
        }
        if onAlternate && signalState.alternateStack.flags & SignalNumber.SS_AUTODISARM != 0 {
            signalState.alternateStack = (0, SignalNumber.SS_DISABLE, 0)
        }

        core.gpr[1] = newSP
        core.gpr[3] = UInt32(signal)
        if isRT {
            core.gpr[4] = frame
            core.gpr[5] = frame &+ UInt32(SignalFrame.ucontextOffset)
            core.gpr[6] = frame
            core.lr = trampoline &+ 8
        } else {
            core.gpr[4] = frame
            core.lr = trampoline
        }
        core.fpscr = 0  // handlers start with every floating-point exception disabled
        core.reservation = nil
        core.pc = action.handler

        var blocked = signalState.blocked | action.mask
        if action.flags & SignalNumber.SA_NODEFER == 0 { blocked |= SignalNumber.bit(signal) }
        setBlockedSignals(blocked)
        if action.flags & SignalNumber.SA_RESETHAND != 0 {
            signalState.actions[Int(signal)].handler = GuestSignalAction.defaultHandler  // the flags stay, as in Linux
            updateHostDisposition(signal)
        }
    }

    private func saveRegisters(into w: inout BigEndianWriter, at offset: Int) {
        for r in 0..<32 { w.put32(core.gpr[r], at: offset + 4 * r) }
        w.put32(core.pc, at: offset + 4 * SignalFrame.nip)
        w.put32(SignalFrame.userMSR, at: offset + 4 * SignalFrame.msr)
        w.put32(core.ctr, at: offset + 4 * SignalFrame.ctr)
        w.put32(core.lr, at: offset + 4 * SignalFrame.link)
        w.put32(core.xer, at: offset + 4 * SignalFrame.xer)
        w.put32(core.cr, at: offset + 4 * SignalFrame.ccr)
        for f in 0..<32 { w.put64(core.fpr[f], at: offset + SignalFrame.fregsOffset + 8 * f) }
        w.put64(UInt64(core.fpscr), at: offset + SignalFrame.fregsOffset + 8 * 32)
    }

    /// Loads the registers a frame saved (sigreturn, rt_sigreturn).
    private func restoreRegisters(from address: UInt32) throws(Errno) {
        let r = BigEndianReader(try readBytes(address, count: SignalFrame.fregsOffset + 33 * 8))
        for i in 0..<32 { core.gpr[i] = r.u32(at: 4 * i) }
        core.pc = r.u32(at: 4 * SignalFrame.nip)
        core.ctr = r.u32(at: 4 * SignalFrame.ctr)
        core.lr = r.u32(at: 4 * SignalFrame.link)
        core.xer = r.u32(at: 4 * SignalFrame.xer)
        core.cr = r.u32(at: 4 * SignalFrame.ccr)
        for f in 0..<32 { core.fpr[f] = r.u64(at: SignalFrame.fregsOffset + 8 * f) }
        core.fpscr = UInt32(truncatingIfNeeded: r.u64(at: SignalFrame.fregsOffset + 8 * 32))
        core.reservation = nil
    }

    /// sigreturn: the frame of a handler installed without SA_SIGINFO.
    func sysSigreturn() -> Int {
        let context = core.gpr[1] &+ SignalFrame.callerFrameSize
        do throws(Errno) {
            let r = BigEndianReader(try readBytes(context, count: SignalFrame.sigcontextSize))
            let mask = UInt64(r.u32(at: 24)) | UInt64(r.u32(at: 12)) << 32
            try restoreRegisters(from: r.u32(at: 28))
            setBlockedSignals(mask)
        } catch {
            terminate(signal: SIGSEGV, message: "sigreturn: bad signal frame at 0x\(hex8(context))")
        }
        return LinuxProcess.registersAlreadySet
    }

    /// rt_sigreturn: the frame of a SA_SIGINFO handler (also restores sigaltstack).
    func sysRtSigreturn() -> Int {
        let frame = core.gpr[1] &+ SignalFrame.callerFrameSize &+ SignalFrame.rtAdjust
        let uc = frame &+ UInt32(SignalFrame.ucontextOffset)
        do throws(Errno) {
            let r = BigEndianReader(try readBytes(uc, count: SignalFrame.ucMcontextOffset))
            let mask = UInt64(r.u32(at: SignalFrame.ucSigmaskOffset)) | UInt64(r.u32(at: SignalFrame.ucSigmaskOffset + 4)) << 32
            try restoreRegisters(from: r.u32(at: SignalFrame.ucRegsOffset))
            setBlockedSignals(mask)
            // Linux restores the alternate stack too, ignoring whatever the
            // change would be refused for (being on that stack, a bad size).
            let stack = SignalFrame.ucStackOffset
            _ = try? setAlternateStack(address: r.u32(at: stack), flags: r.i32(at: stack + 4), size: r.u32(at: stack + 8), sp: core.gpr[1])
        } catch {
            terminate(signal: SIGSEGV, message: "rt_sigreturn: bad signal frame at 0x\(hex8(frame))")
        }
        return LinuxProcess.registersAlreadySet
    }

    // MARK: Alternate stack

    /// Linux's on_sig_stack: the stack grows down, so its top is inside.
    func isOnAlternateStack(sp: UInt32) -> Bool {
        let stack = signalState.alternateStack
        if stack.flags & SignalNumber.SS_AUTODISARM != 0 { return false }
        return sp > stack.address && sp &- stack.address <= stack.size
    }

    /// Linux's sas_ss_flags: SS_DISABLE, SS_ONSTACK or 0.
    func alternateStackFlags(sp: UInt32) -> Int32 {
        if signalState.alternateStack.size == 0 { return SignalNumber.SS_DISABLE }
        return isOnAlternateStack(sp: sp) ? SignalNumber.SS_ONSTACK : 0
    }

    /// do_sigaltstack's checks and update.
    func setAlternateStack(address: UInt32, flags: Int32, size: UInt32, sp: UInt32) throws(Errno) {
        if isOnAlternateStack(sp: sp) { throw .EPERM }
        let mode = flags & ~SignalNumber.SS_AUTODISARM
        guard mode == 0 || mode == SignalNumber.SS_DISABLE || mode == SignalNumber.SS_ONSTACK else { throw .EINVAL }
        if mode == SignalNumber.SS_DISABLE {
            signalState.alternateStack = (0, flags, 0)
        } else {
            if size < SignalNumber.minimumStackSize { throw .ENOMEM }
            signalState.alternateStack = (address, flags, size)
        }
    }

    // MARK: Interrupted system calls

    /// What Linux does with this call when a signal interrupts it.
    package static func restartRule(_ number: UInt32) -> SyscallRestart {
        guard let call = PPCSyscall(rawValue: number) else { return .never }
        switch call {
        case .read, .write, .readv, .writev, .pread64, .pwrite64, .preadv, .pwritev, .preadv2, .pwritev2,
             .ioctl, .open, .openat, .creat, .wait4, .waitpid, .waitid, .flock, .fcntl, .fcntl64, .futex,
             .sendfile, .sendfile64, .splice, .tee, .getrandom, .accept, .accept4, .connect,
             .recv, .recvfrom, .recvmsg, .send, .sendto, .sendmsg, .socketcall:
            return .unlessHandlerLacksRestart
        case .pause, .sigsuspend, .rt_sigsuspend, ._newselect, .select, .pselect6, .pselect6_time64,
             .poll, .ppoll, .ppoll_time64, .nanosleep, .clock_nanosleep, .clock_nanosleep_time64:
            return .onlyWithoutHandler
        default:
            return .never
        }
    }

    /// After a call failed with EINTR because of a pending signal: should it
    /// run again once the first signal has been dealt with?
    func shouldRestartInterruptedCall(_ number: UInt32) -> Bool {
        guard let signal = nextDeliverableSignal() else { return false }
        let action = signalState.actions[Int(signal)]
        let hasHandler = action.handler != GuestSignalAction.defaultHandler && action.handler != GuestSignalAction.ignoreHandler
        switch LinuxProcess.restartRule(number) {
        case .unlessHandlerLacksRestart: return !hasHandler || action.flags & SignalNumber.SA_RESTART != 0
        case .onlyWithoutHandler: return !hasHandler
        case .never: return false
        }
    }
}

/// Guest siginfo_t (128 bytes, big-endian): si_signo, si_errno, si_code,
/// then the union at 12.
enum GuestSignalInfo {
    static let SI_USER: Int32 = 0
    static let SI_QUEUE: Int32 = -1
    static let SI_TIMER: Int32 = -2
    static let SI_TKILL: Int32 = -6

    static func user(_ signal: Int32, code: Int32, pid: Int32 = getpid(), uid: UInt32 = getuid()) -> [UInt8] {
        var w = BigEndianWriter(size: 128)
        w.putInt32(signal, at: 0)
        w.putInt32(code, at: 8)
        w.putInt32(pid, at: 12)
        w.put32(uid, at: 16)
        return w.bytes
    }

    static func fault(_ signal: Int32, code: Int32, address: UInt32) -> [UInt8] {
        var w = BigEndianWriter(size: 128)
        w.putInt32(signal, at: 0)
        w.putInt32(code, at: 8)
        w.put32(address, at: 12)
        return w.bytes
    }

    /// Converts a host (64-bit) siginfo_t: its union starts at 16 and its
    /// longs and pointers are 8 bytes.
    static func fromHost(_ raw: UnsafeRawPointer, signal: Int32) -> [UInt8] {
        func int(_ offset: Int) -> Int32 { raw.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
        func long(_ offset: Int) -> Int { raw.loadUnaligned(fromByteOffset: offset, as: Int.self) }
        var w = BigEndianWriter(size: 128)
        let signo = int(0) == 0 ? signal : int(0)
        let code = int(8)
        w.putInt32(signo, at: 0)
        w.putInt32(int(4), at: 4)
        w.putInt32(code, at: 8)
        if code == SI_TIMER {
            w.putInt32(int(16), at: 12)  // si_tid
            w.putInt32(int(20), at: 16)  // si_overrun
            w.putInt32(int(24), at: 20)  // si_value
        } else if code <= 0 {
            w.putInt32(int(16), at: 12)  // si_pid
            w.putInt32(int(20), at: 16)  // si_uid
            w.putInt32(int(24), at: 20)  // si_value (sigqueue)
        } else if signo == SIGCHLD {
            w.putInt32(int(16), at: 12)  // si_pid
            w.putInt32(int(20), at: 16)  // si_uid
            w.putInt32(int(24), at: 20)  // si_status
            w.putInt32(long(32), at: 24)  // si_utime
            w.putInt32(long(40), at: 28)  // si_stime
        } else if signo == SIGIO {
            w.putInt32(long(16), at: 12)  // si_band
            w.putInt32(int(24), at: 16)  // si_fd
        }
        return w.bytes
    }
}
