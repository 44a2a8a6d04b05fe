#if canImport(Glibc)
import Glibc
#endif

/// One guest sigaction, as the ppc32 kernel lays it out:
/// { sa_handler, sa_flags, sa_restorer, sa_mask (64 bits as two words) }.
struct GuestSignalAction: Equatable {
    static let defaultHandler: UInt32 = 0  // SIG_DFL
    static let ignoreHandler: UInt32 = 1  // SIG_IGN
    static let size = 20

    var handler: UInt32 = GuestSignalAction.defaultHandler
    var flags: UInt32 = 0
    var restorer: UInt32 = 0
    var mask: UInt64 = 0
}

/// Signal dispositions, mask, pending set and alternate stack of the guest
/// (delivery: SignalDelivery.swift). The blocked mask of the asynchronous
/// signals is mirrored to the host process, so a signal the guest blocks
/// stays pending in the host kernel until the guest unblocks it.
struct GuestSignalState {
    static let count = 64
    var actions = [GuestSignalAction](repeating: GuestSignalAction(), count: GuestSignalState.count + 1)
    var blocked: UInt64 = 0
    var alternateStack: (address: UInt32, flags: Int32, size: UInt32) = (0, 2 /* SS_DISABLE */, 0)
    /// Signals raised for the guest and not yet delivered, with their guest siginfo.
    var pending: UInt64 = 0
    var pendingInfo = [[UInt8]](repeating: [], count: GuestSignalState.count + 1)
    /// During rt_sigsuspend: the mask to restore, saved in the first handler frame.
    var suspendSavedMask: UInt64? = nil
    /// The mirrored part of the mask last given to the host (nil: not set yet).
    /// sigsuspend changes `blocked` alone: the host kernel puts its mask back.
    var hostMask: UInt64? = nil
    /// Some signal has a guest handler (the run loop then checks for signals more often).
    var catchesAny = false

    /// False for the signals the runner keeps for its own faults, which are
    /// never ignored or blocked on the host (guest faults are detected by the
    /// core, not by host signals; the guest's mask and SIG_IGN for them live
    /// only in this state), and for SIGKILL and SIGSTOP.
    static func isMirrored(_ signal: Int32) -> Bool {
        switch signal {
        case SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP: return false
        default: return signal >= 1 && signal <= 64
        }
    }

    /// The state a program starts with: what the host process inherited.
    init() {
        for signal in 1...Int32(GuestSignalState.count) {
            var current = sigaction()
            if sigaction(signal, nil, &current) == 0,
               unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1 /* SIG_IGN */ {
                actions[Int(signal)].handler = GuestSignalAction.ignoreHandler
            }
        }
        var hostMask = sigset_t()
        if sigprocmask(SIG_BLOCK, nil, &hostMask) == 0 { blocked = GuestSignalState.bits(of: hostMask) }
    }

    /// execve: caught signals go back to default; ignored ones stay ignored.
    /// The mask and the pending signals are kept.
    mutating func resetForExec() {
        for i in actions.indices where actions[i].handler != GuestSignalAction.ignoreHandler {
            actions[i] = GuestSignalAction()
        }
        alternateStack = (0, 2, 0)
        catchesAny = false
    }

    /// The part of a mask that is mirrored to the host.
    static func mirroredBits(_ bits: UInt64) -> UInt64 { bits & mirroredMask }

    static let mirroredMask: UInt64 = {
        var mirrored: UInt64 = 0
        for signal in 1...Int32(count) where isMirrored(signal) { mirrored |= 1 << UInt64(signal - 1) }
        return mirrored
    }()

    static func bits(of set: sigset_t) -> UInt64 {
        var set = set
        var bits: UInt64 = 0
        for signal in 1...Int32(count) where sigismember(&set, signal) == 1 { bits |= 1 << UInt64(signal - 1) }
        return bits
    }

    static func hostSet(_ bits: UInt64) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in 1...Int32(count) where bits & (1 << UInt64(signal - 1)) != 0 && isMirrored(signal) {
            sigaddset(&set, signal)
        }
        return set
    }
}

extension LinuxProcess {
    static let sigsetSize: UInt32 = 8
    static let unblockable: UInt64 = 1 << (UInt64(SIGKILL) - 1) | 1 << (UInt64(SIGSTOP) - 1)

    func readSigset(_ address: UInt32) throws(Errno) -> UInt64 {
        let r = BigEndianReader(try readBytes(address, count: 8))
        return UInt64(r.u32(at: 0)) | UInt64(r.u32(at: 4)) << 32  // word 0 holds signals 1-32
    }

    func writeSigset(_ address: UInt32, _ bits: UInt64) throws(Errno) {
        var w = BigEndianWriter(size: 8)
        w.put32(UInt32(truncatingIfNeeded: bits), at: 0)
        w.put32(UInt32(truncatingIfNeeded: bits >> 32), at: 4)
        try writeBytes(address, w.bytes)
    }

    func sysRtSigaction(signal: Int32, action: UInt32, oldAction: UInt32, setSize: UInt32) throws(Errno) -> Int {
        guard setSize == LinuxProcess.sigsetSize else { throw .EINVAL }
        guard signal >= 1 && signal <= Int32(GuestSignalState.count) else { throw .EINVAL }
        var newAction: GuestSignalAction? = nil
        if action != 0 {
            guard signal != SIGKILL && signal != SIGSTOP else { throw .EINVAL }
            let r = BigEndianReader(try readBytes(action, count: GuestSignalAction.size))
            newAction = GuestSignalAction(handler: r.u32(at: 0), flags: r.u32(at: 4), restorer: r.u32(at: 8),
                                          mask: UInt64(r.u32(at: 12)) | UInt64(r.u32(at: 16)) << 32)
        }
        if oldAction != 0 {
            let old = signalState.actions[Int(signal)]
            var w = BigEndianWriter(size: GuestSignalAction.size)
            w.put32(old.handler, at: 0)
            w.put32(old.flags, at: 4)
            w.put32(old.restorer, at: 8)
            w.put32(UInt32(truncatingIfNeeded: old.mask), at: 12)
            w.put32(UInt32(truncatingIfNeeded: old.mask >> 32), at: 16)
            try writeBytes(oldAction, w.bytes)
        }
        if let newAction {
            signalState.actions[Int(signal)] = newAction
            updateHostDisposition(signal)
            signalState.catchesAny = signalState.actions.contains {
                $0.handler != GuestSignalAction.defaultHandler && $0.handler != GuestSignalAction.ignoreHandler
            }
            // A pending signal that is now ignored is discarded (POSIX); the host does the same for its own.
            if newAction.handler == GuestSignalAction.ignoreHandler
                || newAction.handler == GuestSignalAction.defaultHandler && [SIGCHLD, SIGURG, SIGWINCH].contains(signal) {
                signalState.pending &= ~SignalNumber.bit(signal)
            }
        }
        return 0
    }

    func sysRtSigprocmask(how: Int32, set: UInt32, oldSet: UInt32, setSize: UInt32) throws(Errno) -> Int {
        guard setSize == LinuxProcess.sigsetSize else { throw .EINVAL }
        let old = signalState.blocked
        var new = old
        if set != 0 {
            let bits = try readSigset(set)
            switch how {
            case 0: new |= bits  // SIG_BLOCK
            case 1: new &= ~bits  // SIG_UNBLOCK
            case 2: new = bits  // SIG_SETMASK
            default: throw .EINVAL
            }
        }
        if oldSet != 0 { try writeSigset(oldSet, old) }
        // Unblocking a pending signal delivers it when the call returns.
        if set != 0 { setBlockedSignals(new) }
        return 0
    }

    /// pause and rt_sigsuspend: wait with the temporary mask until a signal
    /// is delivered to a handler (or ends the process). The temporary mask
    /// stays in force until the first handler frame has saved the original
    /// one (SignalDelivery.swift), so handlers run with it as Linux does.
    func sysSigsuspend(mask: UInt64) throws(Errno) -> Int {
        trace?.flush()
        let original = signalState.blocked
        let temporary = mask & ~LinuxProcess.unblockable
        signalState.blocked = temporary
        signalState.suspendSavedMask = original
        while true {
            collectHostSignals()
            if signalState.pending & ~temporary != 0 { break }
            // Returns once a host handler has run; the kernel then puts back the (mirrored) original mask.
            var hostMask = GuestSignalState.hostSet(temporary)
            sigsuspend(&hostMask)
        }
        throw .EINTR
    }

    func sysRtSigpending(set: UInt32, setSize: UInt32) throws(Errno) -> Int {
        guard setSize <= LinuxProcess.sigsetSize else { throw .EINVAL }
        var pending = sigset_t()
        sigpending(&pending)
        collectHostSignals()
        try writeSigset(set, (GuestSignalState.bits(of: pending) | signalState.pending) & signalState.blocked)
        return 0
    }

    /// rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): takes a pending
    /// signal of the set without running its handler.
    func sysRtSigtimedwait(set: UInt32, info: UInt32, timeout: UInt32, setSize: UInt32, time64: Bool) throws(Errno) -> Int {
        guard setSize == LinuxProcess.sigsetSize else { throw .EINVAL }
        let wanted = try readSigset(set) & ~LinuxProcess.unblockable
        var limit: timespec? = nil
        if timeout != 0 {
            let t = GuestLayout.parseTimespec(try readBytes(timeout, count: GuestLayout.timespecSize(time64: time64)), time64: time64)
            guard t.tv_nsec >= 0, t.tv_nsec < 1_000_000_000, t.tv_sec >= 0 else { throw .EINVAL }
            limit = t
        }
        var taken = takePendingSignal(in: wanted)
        if taken == nil {
            trace?.flush()
            var hostSet = GuestSignalState.hostSet(wanted)
            var hostInfo = siginfo_t()
            let result: Int32
            if var t = limit { result = sigtimedwait(&hostSet, &hostInfo, &t) } else { result = sigtimedwait(&hostSet, &hostInfo, nil) }
            if result > 0 {
                taken = (result, withUnsafeBytes(of: &hostInfo) { GuestSignalInfo.fromHost($0.baseAddress!, signal: result) })
            } else {
                let error = Errno.host
                // A caught signal of the set may have been recorded by the host handler instead.
                taken = takePendingSignal(in: wanted)
                if taken == nil { throw error }
            }
        }
        let (signal, bytes) = taken!
        if info != 0 { try writeBytes(info, bytes) }
        return Int(signal)
    }

    /// setitimer/getitimer with struct itimerval of two 32-bit timevals. The
    /// timer runs on the host; its signal reaches the guest like any other.
    func sysSetitimer(which: Int32, new: UInt32, old: UInt32) throws(Errno) -> Int {
        guard which >= 0 && which <= 2 else { throw .EINVAL }
        var previous = itimerval()
        let kind = __itimer_which_t(UInt32(which))
        if new != 0 {
            let r = BigEndianReader(try readBytes(new, count: 16))
            var value = itimerval(it_interval: timeval(tv_sec: Int(r.i32(at: 0)), tv_usec: Int(r.i32(at: 4))),
                                  it_value: timeval(tv_sec: Int(r.i32(at: 8)), tv_usec: Int(r.i32(at: 12))))
            guard setitimer(kind, &value, &previous) == 0 else { throw .host }
        } else {
            guard getitimer(kind, &previous) == 0 else { throw .host }
        }
        if old != 0 {
            var w = BigEndianWriter(size: 16)
            w.putBytes(GuestLayout.timeval(seconds: previous.it_interval.tv_sec, microseconds: previous.it_interval.tv_usec), at: 0)
            w.putBytes(GuestLayout.timeval(seconds: previous.it_value.tv_sec, microseconds: previous.it_value.tv_usec), at: 8)
            try writeBytes(old, w.bytes)
        }
        return 0
    }

    /// stack_t on ppc32: { ss_sp, ss_flags, ss_size }.
    func sysSigaltstack(stack: UInt32, oldStack: UInt32) throws(Errno) -> Int {
        let sp = core.gpr[1]
        var old = BigEndianWriter(size: 12)
        old.put32(signalState.alternateStack.address, at: 0)
        old.putInt32(alternateStackFlags(sp: sp) | (signalState.alternateStack.flags & SignalNumber.SS_AUTODISARM), at: 4)
        old.put32(signalState.alternateStack.size, at: 8)
        if stack != 0 {
            let r = BigEndianReader(try readBytes(stack, count: 12))
            try setAlternateStack(address: r.u32(at: 0), flags: r.i32(at: 4), size: r.u32(at: 8), sp: sp)
        }
        if oldStack != 0 { try writeBytes(oldStack, old.bytes) }
        return 0
    }
}
