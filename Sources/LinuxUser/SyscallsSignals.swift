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

/// Signal dispositions and mask the guest has set. Signals are not yet
/// delivered to guest handlers; what the host can do on the guest's behalf
/// it does: SIG_IGN and SIG_DFL and the blocked mask of asynchronous signals
/// are mirrored to the host process, so an ignored SIGPIPE makes write fail
/// with EPIPE, an ignored SIGCHLD reaps children, a blocked SIGINT waits.
struct GuestSignalState {
    static let count = 64
    var actions = [GuestSignalAction](repeating: GuestSignalAction(), count: GuestSignalState.count + 1)
    var blocked: UInt64 = 0
    var alternateStack: (address: UInt32, flags: Int32, size: UInt32) = (0, 2 /* SS_DISABLE */, 0)

    /// Signals the runner itself must keep at their default so its own faults
    /// are never ignored or blocked (guest faults are detected by the core,
    /// not by host signals), plus SIGKILL and SIGSTOP.
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
    mutating func resetForExec() {
        for i in actions.indices where actions[i].handler != GuestSignalAction.ignoreHandler {
            actions[i] = GuestSignalAction()
        }
        alternateStack = (0, 2, 0)
    }

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
            if GuestSignalState.isMirrored(signal) {
                // A guest handler cannot run yet; the host keeps the default for it.
                var host = sigaction()
                host.__sigaction_handler.sa_handler = newAction.handler == GuestSignalAction.ignoreHandler ? SIG_IGN : SIG_DFL
                sigemptyset(&host.sa_mask)
                sigaction(signal, &host, nil)
            }
        }
        return 0
    }

    func sysRtSigprocmask(how: Int32, set: UInt32, oldSet: UInt32, setSize: UInt32) throws(Errno) -> Int {
        guard setSize == LinuxProcess.sigsetSize else { throw .EINVAL }
        let old = signalState.blocked
        if set != 0 {
            let bits = try readSigset(set)
            switch how {
            case 0: signalState.blocked |= bits  // SIG_BLOCK
            case 1: signalState.blocked &= ~bits  // SIG_UNBLOCK
            case 2: signalState.blocked = bits  // SIG_SETMASK
            default: throw .EINVAL
            }
            signalState.blocked &= ~LinuxProcess.unblockable
        }
        if oldSet != 0 { try writeSigset(oldSet, old) }
        if signalState.blocked != old {
            trace?.flush()  // unblocking may deliver a pending signal that ends the process
            var hostMask = GuestSignalState.hostSet(signalState.blocked)
            sigprocmask(SIG_SETMASK, &hostMask, nil)
        }
        return 0
    }

    /// pause and rt_sigsuspend. Nothing is delivered to guest handlers yet,
    /// so this waits, with the guest's temporary mask, for a signal whose host
    /// action (default or ignore) ends the wait or the process; a signal the
    /// guest catches keeps its host default action.
    func sysSigsuspend(mask: UInt64) throws(Errno) -> Int {
        trace?.flush()
        var hostMask = GuestSignalState.hostSet(mask & ~LinuxProcess.unblockable)
        sigsuspend(&hostMask)
        throw .EINTR
    }

    func sysRtSigpending(set: UInt32, setSize: UInt32) throws(Errno) -> Int {
        guard setSize <= LinuxProcess.sigsetSize else { throw .EINVAL }
        var pending = sigset_t()
        sigpending(&pending)
        try writeSigset(set, GuestSignalState.bits(of: pending) & signalState.blocked)
        return 0
    }

    /// setitimer/getitimer with struct itimerval of two 32-bit timevals. The
    /// timer runs on the host; its signal gets the host's (default) action.
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
        let old = signalState.alternateStack
        if stack != 0 {
            let r = BigEndianReader(try readBytes(stack, count: 12))
            let flags = r.i32(at: 4)
            guard flags == 0 || flags == 2 /* SS_DISABLE */ || flags == Int32(bitPattern: 0x8000_0000) /* SS_AUTODISARM */ else {
                throw .EINVAL
            }
            if flags & 2 == 0 && r.u32(at: 8) < 2048 { throw .ENOMEM }  // MINSIGSTKSZ
            signalState.alternateStack = (r.u32(at: 0), flags, r.u32(at: 8))
        }
        if oldStack != 0 {
            var w = BigEndianWriter(size: 12)
            w.put32(old.address, at: 0)
            w.putInt32(old.flags, at: 4)
            w.put32(old.size, at: 8)
            try writeBytes(oldStack, w.bytes)
        }
        return 0
    }
}
