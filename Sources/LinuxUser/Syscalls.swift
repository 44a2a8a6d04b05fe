#if canImport(Glibc)
import Glibc
#endif
import E500

/// The six argument registers of a system call (r3-r8).
struct SyscallArguments {
    let values: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    init(_ core: Core) {
        values = (core.gpr[3], core.gpr[4], core.gpr[5], core.gpr[6], core.gpr[7], core.gpr[8])
    }

    subscript(_ index: Int) -> UInt32 {
        switch index {
        case 0: return values.0
        case 1: return values.1
        case 2: return values.2
        case 3: return values.3
        case 4: return values.4
        default: return values.5
        }
    }

    /// An argument as a C `int` (file descriptors, flags with sign, pids).
    func int(_ index: Int) -> Int32 { Int32(bitPattern: self[index]) }

    /// A 64-bit argument passed in two registers, high word first. The ppc32
    /// ABI starts such a pair on an odd register (r3, r5, r7), so callers
    /// pass the indexes after any padding register.
    func pair(_ high: Int) -> Int64 { Int64(bitPattern: UInt64(self[high]) << 32 | UInt64(self[high + 1])) }
}

extension LinuxProcess {
    /// Returned by a handler that has set the registers itself (a successful
    /// execve starts a new image: r3 and CR0 must not be touched).
    static let registersAlreadySet = Int.min

    /// PowerPC Linux system call convention: number in r0, arguments in
    /// r3-r8, result in r3; on failure CR0[SO] is set and r3 holds the
    /// positive errno, on success CR0[SO] is cleared.
    package func handleSystemCall() {
        trace?.flush()
        // Returning from the kernel clears any lwarx reservation (Linux does
        // a dummy stwcx. on exception exit), so lwarx; sc; stwcx. fails.
        core.reservation = nil
        if hasDeliverableSignal() {
            // The signal came in before the call: its handler runs first, and
            // returns to the `sc`, which then makes the call.
            core.pc &-= 4
            return
        }
        let number = core.gpr[0]
        let arguments = SyscallArguments(core)
        let result: Int
        do throws(Errno) {
            result = try dispatchSystemCall(number, arguments)
        } catch {
            result = -Int(error.code)
        }
        if result == LinuxProcess.registersAlreadySet { return }
        if result == -Int(Errno.EINTR.code) && hasDeliverableSignal() && shouldRestartInterruptedCall(number) {
            // Interrupted, and Linux would restart it after the handler (SA_RESTART):
            // the registers still hold the call, so back up onto the `sc`.
            core.pc &-= 4
            return
        }
        if result < 0 && result >= -4095 {
            core.cr |= 0x1000_0000
            core.gpr[3] = UInt32(-result)
        } else {
            core.cr &= ~0x1000_0000
            core.gpr[3] = UInt32(truncatingIfNeeded: result)
        }
    }

    /// An unimplemented call: ENOSYS, with one warning per call number.
    func unsupportedSystemCall(_ number: UInt32) -> Int {
        if !warnedSyscalls.contains(number) {
            warnedSyscalls.insert(number)
            let name = PPCSyscall(rawValue: number).map { String(describing: $0) } ?? "unknown"
            trace?.flush()
            printDiagnostic("trapeze: unsupported syscall \(number) (\(name))")
        }
        return -Int(Errno.ENOSYS.code)
    }

    func dispatchSystemCall(_ number: UInt32, _ a: SyscallArguments) throws(Errno) -> Int {
        guard let call = PPCSyscall(rawValue: number) else { return unsupportedSystemCall(number) }
        switch call {
        // Process lifetime (SyscallsProcess.swift)
        case .exit, .exit_group: exitProcess(status: a.int(0))
        case .fork: return try sysClone(flags: 17 /* SIGCHLD */, newStack: 0, parentTid: 0, tls: 0, childTid: 0)
        case .vfork: return try sysClone(flags: 0x4100 | 17 /* CLONE_VM|CLONE_VFORK|SIGCHLD */, newStack: 0, parentTid: 0, tls: 0, childTid: 0)
        case .clone: return try sysClone(flags: a[0], newStack: a[1], parentTid: a[2], tls: a[3], childTid: a[4])
        case .execve: return try sysExecve(path: a[0], argv: a[1], envp: a[2])
        case .wait4: return try sysWait4(pid: a.int(0), status: a[1], options: a.int(2), usage: a[3])
        case .waitpid: return try sysWait4(pid: a.int(0), status: a[1], options: a.int(2), usage: 0)
        case .waitid: return try sysWaitid(type: a.int(0), id: a.int(1), info: a[2], options: a.int(3), usage: a[4])
        case .getpid: return Int(getpid())
        case .getppid: return Int(getppid())
        case .gettid: return Int(currentThreadID())
        case .getuid: return Int(getuid())
        case .geteuid: return Int(geteuid())
        case .getgid: return Int(getgid())
        case .getegid: return Int(getegid())
        case .getresuid: return try sysGetresid(a[0], a[1], a[2], group: false)
        case .getresgid: return try sysGetresid(a[0], a[1], a[2], group: true)
        case .setuid: return try hostResult(setuid(a[0]))
        case .setgid: return try hostResult(setgid(a[0]))
        case .setreuid: return try hostResult(setreuid(a[0], a[1]))
        case .setregid: return try hostResult(setregid(a[0], a[1]))
        case .getgroups: return try sysGetgroups(count: a.int(0), list: a[1])
        case .getpgid: return try hostResult(getpgid(a.int(0)))
        case .setpgid: return try hostResult(setpgid(a.int(0), a.int(1)))
        case .getpgrp: return Int(getpgrp())
        case .setsid: return try hostResult(setsid())
        case .getsid: return try hostResult(getsid(a.int(0)))
        case .set_tid_address: clearChildTidAddress = a[0]; return Int(currentThreadID())
        case .set_robust_list: return a[1] == 12 ? 0 : -Int(Errno.EINVAL.code)
        case .kill: return try sysKill(pid: a.int(0), signal: a.int(1))
        case .tkill: return try sysTgkill(threadGroup: getpid(), thread: a.int(0), signal: a.int(1))
        case .tgkill: return try sysTgkill(threadGroup: a.int(0), thread: a.int(1), signal: a.int(2))
        case .prctl: return try sysPrctl(a)
        case .sched_yield: return 0
        case .sched_getaffinity: return try sysSchedGetaffinity(pid: a.int(0), size: a[1], mask: a[2])
        case .futex, .futex_time64: return try sysFutex(a)
        // rseq and clone3 are probed by glibc at startup and in fork; it falls back quietly.
        case .rseq, .clone3: return -Int(Errno.ENOSYS.code)

        // Signals (SyscallsSignals.swift)
        case .rt_sigaction: return try sysRtSigaction(signal: a.int(0), action: a[1], oldAction: a[2], setSize: a[3])
        case .rt_sigprocmask: return try sysRtSigprocmask(how: a.int(0), set: a[1], oldSet: a[2], setSize: a[3])
        case .sigaltstack: return try sysSigaltstack(stack: a[0], oldStack: a[1])
        case .rt_sigpending: return try sysRtSigpending(set: a[0], setSize: a[1])
        case .alarm: return Int(alarm(a[0]))
        case .setitimer: return try sysSetitimer(which: a.int(0), new: a[1], old: a[2])
        case .getitimer: return try sysSetitimer(which: a.int(0), new: 0, old: a[1])
        case .pause: return try sysSigsuspend(mask: signalState.blocked)
        case .sigreturn: return sysSigreturn()
        case .rt_sigreturn: return sysRtSigreturn()
        case .rt_sigtimedwait: return try sysRtSigtimedwait(set: a[0], info: a[1], timeout: a[2], setSize: a[3], time64: false)
        case .rt_sigtimedwait_time64: return try sysRtSigtimedwait(set: a[0], info: a[1], timeout: a[2], setSize: a[3], time64: true)
        case .rt_sigsuspend:
            guard a[1] == LinuxProcess.sigsetSize else { throw .EINVAL }
            return try sysSigsuspend(mask: try readSigset(a[0]))

        // Memory (SyscallsMemory.swift)
        case .brk: return Int(sysBrk(a[0]))
        case .mmap: return try sysMmap(address: a[0], length: a[1], protection: a[2], flags: a[3], fd: a.int(4), offset: Int64(a[5]))
        case .mmap2: return try sysMmap(address: a[0], length: a[1], protection: a[2], flags: a[3], fd: a.int(4), offset: Int64(a[5]) << 12)
        case .munmap: return try sysMunmap(address: a[0], length: a[1])
        case .mprotect: return try sysMprotect(address: a[0], length: a[1], protection: a[2])
        case .mremap: return try sysMremap(old: a[0], oldLength: a[1], newLength: a[2], flags: a[3], newAddress: a[4])
        case .madvise: return try sysMadvise(address: a[0], length: a[1], advice: a.int(2))
        case .msync, .mlock, .munlock, .mlockall, .munlockall: return 0

        // File I/O (SyscallsFileIO.swift)
        case .read: return try sysRead(fd: a.int(0), buffer: a[1], count: a[2])
        case .write: return try sysWrite(fd: a.int(0), buffer: a[1], count: a[2])
        case .pread64: return try sysPread(fd: a.int(0), buffer: a[1], count: a[2], offset: a.pair(4))
        case .pwrite64: return try sysPwrite(fd: a.int(0), buffer: a[1], count: a[2], offset: a.pair(4))
        case .readv: return try sysReadv(fd: a.int(0), vector: a[1], count: a.int(2), write: false)
        case .writev: return try sysReadv(fd: a.int(0), vector: a[1], count: a.int(2), write: true)
        case .open: return try sysOpenat(directory: AT_FDCWD, path: a[0], flags: a[1], mode: a[2])
        case .openat: return try sysOpenat(directory: a.int(0), path: a[1], flags: a[2], mode: a[3])
        case .creat: return try sysOpenat(directory: AT_FDCWD, path: a[0], flags: 0o1101 /* O_CREAT|O_WRONLY|O_TRUNC */, mode: a[1])
        case .close: return try hostResult(close(a.int(0)))
        case .close_range: return try sysCloseRange(first: a[0], last: a[1], flags: a[2])
        case .lseek: return try sysLseek(fd: a.int(0), offset: Int64(a.int(1)), whence: a.int(2))
        case ._llseek: return try sysLlseek(fd: a.int(0), high: a[1], low: a[2], result: a[3], whence: a.int(4))
        case .dup: return try hostResult(dup(a.int(0)))
        case .dup2: return try sysDup2(a.int(0), a.int(1))
        case .dup3: return try sysDup3(a.int(0), a.int(1), flags: a[2])
        case .pipe: return try sysPipe2(fds: a[0], flags: 0)
        case .pipe2: return try sysPipe2(fds: a[0], flags: a[1])
        case .fcntl, .fcntl64: return try sysFcntl(fd: a.int(0), command: a.int(1), argument: a[2], is64: call == .fcntl64)
        case .ioctl: return try sysIoctl(fd: a.int(0), request: a[1], argument: a[2])
        case .getdents64: return try sysGetdents64(fd: a.int(0), buffer: a[1], count: a[2])
        case .poll: return try sysPoll(fds: a[0], count: a[1], timeoutMilliseconds: a.int(2))
        case .ppoll: return try sysPpoll(fds: a[0], count: a[1], timeout: a[2], time64: false)
        case .ppoll_time64: return try sysPpoll(fds: a[0], count: a[1], timeout: a[2], time64: true)
        case ._newselect: return try sysSelect(count: a.int(0), read: a[1], write: a[2], except: a[3], timeout: a[4], kind: .timeval)
        case .pselect6: return try sysSelect(count: a.int(0), read: a[1], write: a[2], except: a[3], timeout: a[4], kind: .timespec32)
        case .pselect6_time64: return try sysSelect(count: a.int(0), read: a[1], write: a[2], except: a[3], timeout: a[4], kind: .timespec64)
        case .fsync: return try hostResult(fsync(a.int(0)))
        case .fdatasync: return try hostResult(fdatasync(a.int(0)))
        case .sync: sync(); return 0
        case .syncfs: return try hostResult(fsync(a.int(0)))
        case .flock: return try hostResult(flock(a.int(0), a.int(1)))
        case .ftruncate: return try hostResult(ftruncate(a.int(0), off_t(a.int(1))))
        case .ftruncate64: return try hostResult(ftruncate(a.int(0), off_t(a.pair(2))))
        case .truncate: return try hostResult(truncate(try readPath(a[0]), off_t(a.int(1))))
        case .truncate64: return try hostResult(truncate(try readPath(a[0]), off_t(a.pair(2))))
        case .fadvise64_64: return 0
        case .sendfile, .sendfile64: return try sysSendfile(out: a.int(0), input: a.int(1), offset: a[2], count: a[3], is64: call == .sendfile64)

        // File system (SyscallsFileSystem.swift)
        case .stat64: return try sysFstatat64(directory: AT_FDCWD, path: a[0], buffer: a[1], flags: 0)
        case .lstat64: return try sysFstatat64(directory: AT_FDCWD, path: a[0], buffer: a[1], flags: AT_SYMLINK_NOFOLLOW)
        case .fstat64: return try sysFstat64(fd: a.int(0), buffer: a[1])
        case .fstatat64: return try sysFstatat64(directory: a.int(0), path: a[1], buffer: a[2], flags: a.int(3))
        case .stat: return try sysOldStat(directory: AT_FDCWD, path: a[0], fd: -1, buffer: a[1], flags: 0)
        case .lstat: return try sysOldStat(directory: AT_FDCWD, path: a[0], fd: -1, buffer: a[1], flags: AT_SYMLINK_NOFOLLOW)
        case .fstat: return try sysOldStat(directory: AT_FDCWD, path: 0, fd: a.int(0), buffer: a[1], flags: 0)
        case .statx: return try sysStatx(directory: a.int(0), path: a[1], flags: a.int(2), mask: a[3], buffer: a[4])
        case .statfs64: return try sysStatfs64(path: a[0], fd: -1, size: a[1], buffer: a[2])
        case .fstatfs64: return try sysStatfs64(path: 0, fd: a.int(0), size: a[1], buffer: a[2])
        case .readlink: return try sysReadlinkat(directory: AT_FDCWD, path: a[0], buffer: a[1], size: a.int(2))
        case .readlinkat: return try sysReadlinkat(directory: a.int(0), path: a[1], buffer: a[2], size: a.int(3))
        case .access: return try sysFaccessat(directory: AT_FDCWD, path: a[0], mode: a.int(1), flags: 0)
        case .faccessat: return try sysFaccessat(directory: a.int(0), path: a[1], mode: a.int(2), flags: 0)
        case .faccessat2: return try sysFaccessat(directory: a.int(0), path: a[1], mode: a.int(2), flags: a.int(3))
        case .getcwd: return try sysGetcwd(buffer: a[0], size: a[1])
        case .chdir: return try hostResult(chdir(try readPath(a[0])))
        case .fchdir: return try hostResult(fchdir(a.int(0)))
        case .unlink: return try hostResult(unlink(try readPath(a[0])))
        case .unlinkat: return try hostResult(unlinkat(a.int(0), try readPath(a[1]), a.int(2)))
        case .mkdir: return try hostResult(mkdir(try readPath(a[0]), mode_t(a[1])))
        case .mkdirat: return try hostResult(mkdirat(a.int(0), try readPath(a[1]), mode_t(a[2])))
        case .rmdir: return try hostResult(rmdir(try readPath(a[0])))
        case .rename: return try hostResult(rename(try readPath(a[0]), try readPath(a[1])))
        case .renameat: return try hostResult(renameat(a.int(0), try readPath(a[1]), a.int(2), try readPath(a[3])))
        case .renameat2: return try sysRenameat2(a.int(0), a[1], a.int(2), a[3], flags: a[4])
        case .link: return try hostResult(link(try readPath(a[0]), try readPath(a[1])))
        case .linkat: return try hostResult(linkat(a.int(0), try readPath(a[1]), a.int(2), try readPath(a[3]), a.int(4)))
        case .symlink: return try hostResult(symlink(try readPath(a[0]), try readPath(a[1])))
        case .symlinkat: return try hostResult(symlinkat(try readPath(a[0]), a.int(1), try readPath(a[2])))
        case .mknod: return try hostResult(mknod(try readPath(a[0]), mode_t(a[1]), dev_t(a[2])))
        case .mknodat: return try hostResult(mknodat(a.int(0), try readPath(a[1]), mode_t(a[2]), dev_t(a[3])))
        case .chmod: return try hostResult(chmod(try readPath(a[0]), mode_t(a[1])))
        case .fchmod: return try hostResult(fchmod(a.int(0), mode_t(a[1])))
        case .fchmodat: return try hostResult(fchmodat(a.int(0), try readPath(a[1]), mode_t(a[2]), 0))
        case .chown: return try hostResult(chown(try readPath(a[0]), a[1], a[2]))
        case .lchown: return try hostResult(lchown(try readPath(a[0]), a[1], a[2]))
        case .fchown: return try hostResult(fchown(a.int(0), a[1], a[2]))
        case .fchownat: return try hostResult(fchownat(a.int(0), try readPath(a[1]), a[2], a[3], a.int(4)))
        case .umask: return Int(umask(mode_t(a[0] & 0o777)))
        case .utimensat: return try sysUtimensat(directory: a.int(0), path: a[1], times: a[2], flags: a.int(3), time64: false)
        case .utimes: return try sysUtimes(path: a[0], times: a[1])
        case .utimensat_time64: return try sysUtimensat(directory: a.int(0), path: a[1], times: a[2], flags: a.int(3), time64: true)

        // Time (SyscallsTime.swift)
        case .clock_gettime: return try sysClockGettime(clock: a.int(0), result: a[1], time64: false)
        case .clock_gettime64: return try sysClockGettime(clock: a.int(0), result: a[1], time64: true)
        case .clock_getres: return try sysClockGetres(clock: a.int(0), result: a[1], time64: false)
        case .clock_getres_time64: return try sysClockGetres(clock: a.int(0), result: a[1], time64: true)
        case .gettimeofday: return try sysGettimeofday(time: a[0], zone: a[1])
        case .time: return try sysTime(result: a[0])
        case .nanosleep: return try sysClockNanosleep(clock: CLOCK_REALTIME, flags: 0, request: a[0], remaining: a[1], time64: false)
        case .clock_nanosleep: return try sysClockNanosleep(clock: a.int(0), flags: a.int(1), request: a[2], remaining: a[3], time64: false)
        case .clock_nanosleep_time64: return try sysClockNanosleep(clock: a.int(0), flags: a.int(1), request: a[2], remaining: a[3], time64: true)
        case .times: return try sysTimes(buffer: a[0])

        // System information and limits (SyscallsSystem.swift)
        case .uname: return try sysUname(buffer: a[0])
        case .getrandom: return try sysGetrandom(buffer: a[0], count: a[1], flags: a[2])
        case .prlimit64: return try sysPrlimit64(pid: a.int(0), resource: a[1], newLimit: a[2], oldLimit: a[3])
        case .getrlimit, .ugetrlimit: return try sysGetrlimit(resource: a[0], limit: a[1])
        case .setrlimit: return try sysSetrlimit(resource: a[0], limit: a[1])
        case .getrusage: return try sysGetrusage(who: a.int(0), usage: a[1])
        case .sysinfo: return try sysSysinfo(buffer: a[0])
        case .getpriority: return try sysGetpriority(which: a.int(0), who: a[1])
        case .setpriority: return try hostResult(setpriority(__priority_which_t(UInt32(bitPattern: a.int(0))), a[1], a.int(2)))

        default:
            return unsupportedSystemCall(number)
        }
    }
}
