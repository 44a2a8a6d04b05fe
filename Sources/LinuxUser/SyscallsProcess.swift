#if canImport(Glibc)
import Glibc
#endif
import E500

/// clone(2) flags (linux/sched.h; the same on powerpc).
enum CloneFlags {
    static let signalMask: UInt32 = 0xff
    static let vm: UInt32 = 0x100
    static let vfork: UInt32 = 0x4000
    static let setTLS: UInt32 = 0x80000
    static let parentSetTID: UInt32 = 0x100000
    static let childClearTID: UInt32 = 0x200000
    static let childSetTID: UInt32 = 0x1000000
    static let thread: UInt32 = 0x10000
}

func currentThreadID() -> Int32 {
    HostLibc.gettid?() ?? getpid()
}

/// Processes run as host processes, as in qemu-user: fork forks the whole
/// runner (guest memory is copied on write by the host kernel) and wait4
/// waits for host children. execve of a PowerPC program stays in the same
/// host process and loads the new image fresh; any other file is the host
/// kernel's to run.
extension LinuxProcess {
    /// clone, fork and vfork. Only process creation is supported: a clone
    /// that shares memory without CLONE_VFORK is a thread.
    func sysClone(flags: UInt32, newStack: UInt32, parentTid: UInt32, tls: UInt32, childTid: UInt32) throws(Errno) -> Int {
        let isVfork = flags & CloneFlags.vfork != 0
        if flags & CloneFlags.vm != 0 && !isVfork || flags & CloneFlags.thread != 0 {
            warnOnce("clone-threads", "unsupported clone flags 0x\(String(flags, radix: 16)) (threads)")
            throw .ENOSYS
        }
        trace?.flush()

        // A vfork parent is suspended until the child execs or exits. The
        // child here has its own copy of memory, but keeping the order of
        // events matters to programs (and output interleaving), so the parent
        // waits for the child to close the write end of this pipe.
        var release: [Int32] = [-1, -1]
        if isVfork {
            if pipe(&release) != 0 { release = [-1, -1] }
        }

        let pid = fork()
        if pid < 0 {
            let error = Errno.host
            if release[0] >= 0 { close(release[0]); close(release[1]) }
            throw error
        }
        if pid == 0 {
            isInitialProcess = false
            // A child starts with no pending signals (the host kernel cleared its own).
            hostPendingSignals.store(0, ordering: .relaxed)
            signalState.pending = 0
            // A grandchild must not hold up our own vfork parent.
            if vforkReleaseDescriptor >= 0 { close(vforkReleaseDescriptor) }
            vforkReleaseDescriptor = -1
            if release[0] >= 0 {
                close(release[0])
                // Out of the way of the low fds a shell child rearranges; closed at exec.
                let moved = fcntl(release[1], HostConstants.F_DUPFD_CLOEXEC, 512)
                if moved >= 0 { close(release[1]); vforkReleaseDescriptor = moved } else { vforkReleaseDescriptor = release[1] }
            }
            let tid = UInt32(bitPattern: currentThreadID())
            if newStack != 0 { core.gpr[1] = newStack }
            if flags & CloneFlags.setTLS != 0 { core.gpr[2] = tls }
            if flags & CloneFlags.childSetTID != 0 { try? write32(childTid, tid) }
            if flags & CloneFlags.parentSetTID != 0 { try? write32(parentTid, tid) }
            return 0
        }
        if flags & CloneFlags.parentSetTID != 0 { try? write32(parentTid, UInt32(bitPattern: pid)) }
        if release[0] >= 0 {
            close(release[1])
            var byte: UInt8 = 0
            while read(release[0], &byte, 1) < 0 && errno == EINTR {}
            close(release[0])
        }
        return Int(pid)
    }

    func sysWait4(pid: Int32, status: UInt32, options: Int32, usage: UInt32) throws(Errno) -> Int {
        var hostStatus: Int32 = 0
        var hostUsage = rusage()
        // The wait status encoding and the signal numbers are the same on powerpc.
        let result = wait4(pid, &hostStatus, options, &hostUsage)
        guard result >= 0 else { throw .host }
        if result > 0 && status != 0 { try write32(status, UInt32(bitPattern: hostStatus)) }
        if usage != 0 { try writeBytes(usage, GuestLayout.rusage(hostUsage)) }
        return Int(result)
    }

    func sysGetresid(_ real: UInt32, _ effective: UInt32, _ saved: UInt32, group: Bool) throws(Errno) -> Int {
        var r: UInt32 = 0, e: UInt32 = 0, s: UInt32 = 0
        guard let call = group ? HostLibc.getresgid : HostLibc.getresuid else { throw .ENOSYS }
        guard call(&r, &e, &s) == 0 else { throw .host }
        try write32(real, r)
        try write32(effective, e)
        try write32(saved, s)
        return 0
    }

    func sysGetgroups(count: Int32, list: UInt32) throws(Errno) -> Int {
        guard count >= 0 else { throw .EINVAL }
        var groups = [gid_t](repeating: 0, count: Int(count))
        let n = getgroups(count, &groups)
        guard n >= 0 else { throw .host }
        if count > 0 {
            var w = BigEndianWriter(size: Int(n) * 4)
            for i in 0..<Int(n) { w.put32(groups[i], at: i * 4) }
            try writeBytes(list, w.bytes)
        }
        return Int(n)
    }

    /// kill: to other processes through the host. A signal the runner
    /// keeps for its own faults (SIGSEGV, SIGILL...) sent to itself is queued
    /// for the guest directly, so its default action is the guest's death,
    /// not a runner crash report.
    func sysKill(pid: Int32, signal: Int32) throws(Errno) -> Int {
        if pid == getpid() && signal > 0 && !GuestSignalState.isMirrored(signal) && signal != SIGKILL && signal != SIGSTOP {
            guard signal <= Int32(GuestSignalState.count) else { throw .EINVAL }
            queueSignal(signal, info: GuestSignalInfo.user(signal, code: GuestSignalInfo.SI_USER))
            return 0
        }
        trace?.flush()
        return try hostResult(kill(pid, signal))
    }

    /// tkill/tgkill: the process has one thread, whose id is the process id.
    func sysTgkill(threadGroup: Int32, thread: Int32, signal: Int32) throws(Errno) -> Int {
        guard thread > 0 else { throw .EINVAL }
        if thread == currentThreadID() && (threadGroup == getpid() || threadGroup == -1) {
            if signal > 0 && !GuestSignalState.isMirrored(signal) && signal != SIGKILL && signal != SIGSTOP {
                guard signal <= Int32(GuestSignalState.count) else { throw .EINVAL }
                queueSignal(signal, info: GuestSignalInfo.user(signal, code: GuestSignalInfo.SI_TKILL))
                return 0
            }
            trace?.flush()
            // tgkill rather than kill: the guest's handler sees si_code SI_TKILL, as after raise().
            if let tgkill = HostLibc.tgkill { return try hostResult(tgkill(getpid(), currentThreadID(), signal)) }
            return try hostResult(kill(getpid(), signal))
        }
        // Another process's main thread: its tid is its pid.
        if let tgkill = HostLibc.tgkill, threadGroup > 0 { return try hostResult(tgkill(threadGroup, thread, signal)) }
        return try hostResult(kill(thread, signal))
    }

    func sysPrctl(_ a: SyscallArguments) throws(Errno) -> Int {
        switch a.int(0) {
        case 15:  // PR_SET_NAME: the host thread's name, as the guest sees in /proc
            guard let prctl = HostLibc.prctl else { throw .ENOSYS }
            var name = Array(try readString(a[1], limit: 4096).prefix(15)).map { CChar(bitPattern: $0) }
            name.append(0)
            return try hostResult(name.withUnsafeBufferPointer { prctl(15, UInt(bitPattern: $0.baseAddress), 0, 0, 0) })
        case 16:  // PR_GET_NAME
            guard let prctl = HostLibc.prctl else { throw .ENOSYS }
            var name = [CChar](repeating: 0, count: 16)
            guard name.withUnsafeMutableBufferPointer({ prctl(16, UInt(bitPattern: $0.baseAddress), 0, 0, 0) }) == 0 else { throw .host }
            try writeBytes(a[1], name.map { UInt8(bitPattern: $0) })
            return 0
        case 1, 2:  // PR_SET_PDEATHSIG / PR_GET_PDEATHSIG
            if a.int(0) == 1 { return 0 }
            try write32(a[1], 0)
            return 0
        case 4:  // PR_SET_DUMPABLE
            return 0
        case 3:  // PR_GET_DUMPABLE
            return 1
        default:
            throw .EINVAL
        }
    }

    /// The CPU mask is an array of unsigned longs: 32-bit big-endian words in
    /// the guest, 64-bit little-endian ones on the host, so copy bit by bit.
    func sysSchedGetaffinity(pid: Int32, size: UInt32, mask: UInt32) throws(Errno) -> Int {
        guard size % 4 == 0, size > 0 else { throw .EINVAL }
        guard let schedGetaffinity = HostLibc.schedGetaffinity else { throw .ENOSYS }
        var hostSet = [UInt8](repeating: 0, count: 128)  // a host cpu_set_t: 1024 CPUs
        guard hostSet.withUnsafeMutableBytes({ schedGetaffinity(pid, 128, $0.baseAddress!) }) == 0 else { throw .host }
        let bits = min(Int(size) * 8, hostSet.count * 8)
        var words = [UInt32](repeating: 0, count: (bits + 31) / 32)
        hostSet.withUnsafeBytes { raw in
            for cpu in 0..<bits where raw[cpu / 8] & (1 << (cpu % 8)) != 0 {
                words[cpu / 32] |= 1 << (cpu % 32)
            }
        }
        // Linux returns the size of its own mask, trimmed to what was asked.
        let used = max(1, (words.lastIndex { $0 != 0 } ?? 0) + 1)
        var w = BigEndianWriter(size: used * 4)
        for i in 0..<used { w.put32(words[i], at: i * 4) }
        try writeBytes(mask, w.bytes)
        return used * 4
    }

    /// With a single thread no one else can wake or be woken: FUTEX_WAKE
    /// wakes nobody, and FUTEX_WAIT returns at once when the value differs
    /// (it would otherwise sleep forever).
    func sysFutex(_ a: SyscallArguments) throws(Errno) -> Int {
        let operation = a.int(1) & 0x7f  // without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
        switch operation {
        case 1, 10:  // FUTEX_WAKE, FUTEX_WAKE_BITSET
            return 0
        case 0, 9:  // FUTEX_WAIT, FUTEX_WAIT_BITSET
            if try read32(a[0]) != a[2] { throw .EAGAIN }
            warnOnce("futex-wait", "futex wait would block forever (single-threaded guest)")
            throw .EINTR
        default:
            throw .ENOSYS
        }
    }

    // MARK: execve

    /// Replaces the guest program inside this host process. Everything that
    /// can fail is checked before the old image is dropped; after that point
    /// a failure kills the process (SIGSEGV), as in Linux. A file that is not
    /// a PowerPC program goes to the host kernel instead, as every execve
    /// does under qemu-user.
    func sysExecve(path: UInt32, argv: UInt32, envp: UInt32) throws(Errno) -> Int {
        let pathBytes = try readString(path)
        let arguments = try readStringArray(argv)
        let environment = try readStringArray(envp)
        let target: ExecTarget
        switch try resolveExecutable(path: pathBytes, arguments: arguments, depth: 0) {
        case .guest(let image): target = image
        case .host: throw executeOnHost(path: pathBytes, arguments: arguments, environment: environment)
        }

        // Point of no return.
        trace?.flush()
        releaseVforkParent()
        closeDescriptorsOnExec()
        let caught = (1...Int32(GuestSignalState.count)).filter {
            let handler = signalState.actions[Int($0)].handler
            return handler != GuestSignalAction.defaultHandler && handler != GuestSignalAction.ignoreHandler
        }
        signalState.resetForExec()
        for signal in caught { updateHostDisposition(signal) }
        memory.reset()
        core.flushTLB()
        guard installImage(program: target.program, file: target.file, hostPath: target.hostPath,
                           arguments: target.arguments, environment: environment, executableName: pathBytes)
        else { terminate(signal: SIGSEGV, message: "execve: no room for the new program image") }
        return LinuxProcess.registersAlreadySet
    }

    package struct ExecTarget {
        package var hostPath: String
        var file: [UInt8]
        var program: ELFProgram
        package var arguments: [[UInt8]]
    }

    /// Who runs the file an execve names.
    package enum ExecResolution {
        /// A PowerPC program (or a script for one), loaded by this runner.
        case guest(ExecTarget)
        /// Anything else: a host program, a script whose interpreter is one,
        /// a file the host kernel may refuse. Only the host kernel knows.
        case host
    }

    /// Finds what to run for an execve: a static PowerPC ELF, or a "#!"
    /// script whose interpreter is one (the kernel's binfmt_script: the
    /// interpreter, its optional single argument, then the script path and
    /// the original arguments after argv[0]). qemu-user, unregistered in
    /// binfmt_misc, hands every execve to the host kernel, so a foreign file
    /// (an x86 program, a `#!/bin/sh` script) runs natively there; this
    /// runner does the same for everything it cannot run itself.
    package func resolveExecutable(path: [UInt8], arguments: [[UInt8]], depth: Int) throws(Errno) -> ExecResolution {
        guard depth < 5 else { throw .ELOOP }
        guard !path.isEmpty else { throw .ENOENT }
        var cPath = path.map { CChar(bitPattern: $0) } + [0]
        // /proc/self/exe is the guest program (busybox re-executes itself this way), not the runner.
        cPath = procPathRedirect(cPath)
        guard access(cPath, X_OK) == 0 else { throw .host }
        var info = stat()
        guard stat(cPath, &info) == 0 else { throw .host }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .EACCES }
        let file: [UInt8]
        switch ExecutableFile.read(path: cPath) {
        case .success(let bytes): file = bytes
        case .failure(let error): throw error.errno
        }
        let hostPath = String(decoding: cPath.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)

        if file.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) {
            let line = Array(file.prefix(256).dropFirst(2).prefix { $0 != UInt8(ascii: "\n") })
            let isBlank = { (b: UInt8) in b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
            let trimmed = Array(line.drop(while: isBlank).reversed().drop(while: isBlank).reversed())
            guard !trimmed.isEmpty else { throw .ENOEXEC }
            let interpreter = Array(trimmed.prefix { !isBlank($0) })
            let rest = Array(trimmed.dropFirst(interpreter.count).drop(while: isBlank))
            var newArguments = [interpreter]
            if !rest.isEmpty { newArguments.append(rest) }
            newArguments.append(path)
            newArguments.append(contentsOf: arguments.dropFirst())
            // A host interpreter: the host kernel reads the "#!" line again itself.
            return try resolveExecutable(path: interpreter, arguments: newArguments, depth: depth + 1)
        }

        do {
            let program = try ELFProgram.parse(file)
            return .guest(ExecTarget(hostPath: hostPath, file: file, program: program, arguments: arguments))
        } catch {
            switch error {
            case .notELF, .wrongMachine, .littleEndian, .sixtyFourBit:
                return .host
            default:
                // A broken or dynamically linked PowerPC program: what Linux on PowerPC would say.
                throw error.guestErrno
            }
        }
    }

    /// The host execve of a file this runner does not run itself. Linux keeps
    /// ignored signals and the blocked mask across execve; the host kernel
    /// keeps the host's, which mirror the guest's except for the signals the
    /// runner keeps for its own faults, so those are set from the guest state
    /// first and put back if the host refuses. Returns that refusal.
    func executeOnHost(path: [UInt8], arguments: [[UInt8]], environment: [[UInt8]]) -> Errno {
        trace?.flush()
        let runnerSignals = (1...Int32(GuestSignalState.count)).filter {
            !GuestSignalState.isMirrored($0) && $0 != SIGKILL && $0 != SIGSTOP
        }
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        var savedActions: [(Int32, sigaction)] = []
        for signal in runnerSignals where signalState.actions[Int(signal)].handler == GuestSignalAction.ignoreHandler {
            var saved = sigaction()
            if sigaction(signal, &ignore, &saved) == 0 { savedActions.append((signal, saved)) }
        }
        var guestMask = sigset_t()
        sigemptyset(&guestMask)
        for signal in 1...Int32(GuestSignalState.count) where signalState.blocked & SignalNumber.bit(signal) != 0 {
            sigaddset(&guestMask, signal)
        }
        var savedMask = sigset_t()
        sigprocmask(SIG_SETMASK, &guestMask, &savedMask)

        let cPath = path.map { CChar(bitPattern: $0) } + [0]
        let argv = arguments.map { strdup($0.map { CChar(bitPattern: $0) } + [0]) } + [nil]
        let envp = environment.map { strdup($0.map { CChar(bitPattern: $0) } + [0]) } + [nil]
        execve(cPath, argv, envp)
        let refusal = Errno.host

        for pointer in argv + envp { free(pointer) }
        sigprocmask(SIG_SETMASK, &savedMask, nil)
        for (signal, saved) in savedActions {
            var saved = saved
            sigaction(signal, &saved, nil)
        }
        return refusal
    }

    /// The host fds are the guest's, but since execve does not go through
    /// the host kernel, close-on-exec must be honoured here.
    func closeDescriptorsOnExec() {
        for fd in openDescriptors() {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC != 0 { close(fd) }
        }
    }

    /// The host process's open fds (from /proc/self/fd).
    func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        let directoryFD = dirfd(directory)
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != directoryFD { descriptors.append(fd) }
        }
        closedir(directory)
        return descriptors
    }

    /// waitid with the ppc32 siginfo_t (128 bytes; for SIGCHLD: si_pid at 12,
    /// si_uid 16, si_status 20, si_utime 24, si_stime 28). The host's 64-bit
    /// siginfo_t has the union at 16 (pid, uid, status) and clock_t times at 32 and 40.
    func sysWaitid(type: Int32, id: Int32, info: UInt32, options: Int32, usage: UInt32) throws(Errno) -> Int {
        var raw = [UInt8](repeating: 0, count: 128)
        let status = raw.withUnsafeMutableBytes { buffer in
            waitid(idtype_t(UInt32(bitPattern: type)), id_t(UInt32(bitPattern: id)),
                   buffer.baseAddress!.assumingMemoryBound(to: siginfo_t.self), options)
        }
        guard status == 0 else { throw .host }
        if info != 0 {
            func int(_ offset: Int) -> Int32 { raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) } }
            func long(_ offset: Int) -> Int { raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int.self) } }
            var w = BigEndianWriter(size: 128)
            w.putInt32(int(0), at: 0)
            w.putInt32(int(4), at: 4)
            w.putInt32(int(8), at: 8)
            w.putInt32(int(16), at: 12)
            w.putInt32(int(20), at: 16)
            w.putInt32(int(24), at: 20)
            w.putInt32(long(32), at: 24)
            w.putInt32(long(40), at: 28)
            try writeBytes(info, w.bytes)
        }
        if usage != 0 {
            // libc's waitid cannot return the child's rusage (the system call's fifth argument); report none.
            try writeBytes(usage, [UInt8](repeating: 0, count: 72))
        }
        return 0
    }
}
