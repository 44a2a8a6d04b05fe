#if canImport(Glibc)
import Glibc
#endif
import Testing
import E500
import LinuxUser

/// System calls driven directly, without the interpreter: registers are set
/// as `sc` would leave them and the handler's effect is checked.
@Suite struct SyscallTests {
    /// A process loaded from the standard test ELF, written to a temp file.
    func makeProcess() throws -> LinuxProcess {
        try startTestProcess(arguments: ["prog", "arg"], environment: ["K=V"])
    }


    @Test func registersAtEntry() throws {
        let process = try makeProcess()
        #expect(process.core.pc == 0x1000_0074)
        #expect(process.core.gpr[1] % 16 == 0)
        #expect(process.space.read32(process.core.gpr[1]) == 2)  // argc
        for r in 0..<32 where r != 1 { #expect(process.core.gpr[r] == 0) }
        #expect(process.core.lr == 0 && process.core.ctr == 0 && process.core.cr == 0)
    }

    @Test func resultConventionUsesSummaryOverflow() throws {
        let process = try makeProcess()
        process.core.cr = 0x1000_0000
        let (pid, failed) = syscall(process, .getpid)
        #expect(!failed && pid == UInt32(getpid()))
        let (error, failedClose) = syscall(process, .close, 9999)
        #expect(failedClose && error == UInt32(EBADF))
    }

    @Test func unknownSyscallIsENOSYS() throws {
        let process = try makeProcess()
        let (error, failed) = syscall(process, .acct, 0)
        #expect(failed && error == 38)
        #expect(process.warnedSyscalls.contains(PPCSyscall.acct.rawValue))
        let (quiet, quietFailed) = syscall(process, .rseq, 0, 0, 0, 0)
        #expect(quietFailed && quiet == 38 && !process.warnedSyscalls.contains(PPCSyscall.rseq.rawValue))
    }

    @Test func writeAndReadThroughAPipe() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        #expect(!syscall(process, .pipe2, buffer, 0).1)
        let readEnd = process.space.read32(buffer)!, writeEnd = process.space.read32(buffer + 4)!
        process.space.write(buffer + 0x100, bytes: Array("hello".utf8))
        #expect(syscall(process, .write, writeEnd, buffer + 0x100, 5) == (5, false))
        #expect(syscall(process, .read, readEnd, buffer + 0x200, 100) == (5, false))
        #expect(process.space.read(buffer + 0x200, count: 5) == Array("hello".utf8))
        // A buffer the guest cannot write is EFAULT, not a crash.
        #expect(syscall(process, .read, readEnd, 0x1000_0000, 10) == (UInt32(EFAULT), true))
        #expect(syscall(process, .write, writeEnd, 0xdead_0000, 10) == (UInt32(EFAULT), true))
        syscall(process, .close, readEnd)
        syscall(process, .close, writeEnd)
    }

    @Test func memoryMappingCalls() throws {
        let process = try makeProcess()
        let (address, failed) = syscall(process, .mmap2, 0, 8192, 3, 0x22, UInt32(bitPattern: -1), 0)
        #expect(!failed && address % 4096 == 0)
        #expect(syscall(process, .mprotect, address, 8192, 0) == (0, false))
        #expect(process.space.protection(at: address).rawValue == 0)
        #expect(syscall(process, .mprotect, address, 8192, 1) == (0, false))
        #expect(syscall(process, .munmap, address, 8192) == (0, false))
        #expect(syscall(process, .mprotect, address, 4096, 1) == (UInt32(ENOMEM), true))
        #expect(syscall(process, .munmap, address + 1, 4096) == (UInt32(EINVAL), true))
        // MAP_FIXED_NOREPLACE over an existing mapping.
        #expect(syscall(process, .mmap2, 0x1000_0000, 4096, 3, 0x100022, UInt32(bitPattern: -1), 0) == (UInt32(EEXIST), true))
        // A private file mapping holds the file's bytes.
        let (brk, _) = syscall(process, .brk, 0)
        #expect(brk == 0x1001_3000)
        #expect(syscall(process, .brk, brk + 100).0 == brk + 100)
    }

    @Test func unameSaysPPC() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        #expect(!syscall(process, .uname, buffer).1)
        #expect(process.space.readCString(buffer) == "Linux")
        #expect(process.space.readCString(buffer + 4 * 65) == "ppc")
    }

    @Test func fstat64LayoutIsBigEndianPPC32() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        var host = stat()
        fstat(fd, &host)
        #expect(!syscall(process, .fstat64, UInt32(fd), buffer).1)
        let guest = process.space.read(buffer, count: 104)!
        let r = BigEndianReader(guest)
        #expect(r.u64(at: 8) == UInt64(host.st_ino))
        #expect(r.u32(at: 16) == host.st_mode)
        #expect(r.u64(at: 32) == UInt64(host.st_rdev))
        #expect(r.i32(at: 80) == Int32(truncatingIfNeeded: host.st_mtim.tv_sec))
    }

    @Test func statxIsByteSwapped() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        process.space.write(buffer + 0x800, bytes: Array("/\0".utf8))
        #expect(!syscall(process, .statx, UInt32(bitPattern: AT_FDCWD), buffer + 0x800, 0, 0x7ff, buffer).1)
        let r = BigEndianReader(process.space.read(buffer, count: 256)!)
        #expect(r.u16(at: 28) & 0o170000 == 0o040000)  // a directory
        #expect(r.u32(at: 0) & 0x7ff != 0)  // stx_mask
    }

    @Test func readlinkProcSelfExeIsTheGuestProgram() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        process.space.write(buffer, bytes: Array("/proc/self/exe\0".utf8))
        let (length, failed) = syscall(process, .readlink, buffer, buffer + 0x100, 200)
        #expect(!failed)
        let text = String(decoding: process.space.read(buffer + 0x100, count: Int(length))!, as: UTF8.self)
        #expect(text == process.executablePath && text.hasPrefix("/tmp/trapeze-linuxuser-test-"))
    }

    @Test func openFlagsAreTranslated() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        process.space.write(buffer, bytes: Array("/tmp\0".utf8))
        // powerpc O_DIRECTORY is 040000 (x86's O_DIRECT).
        let (fd, failed) = syscall(process, .open, buffer, 0o40000, 0)
        #expect(!failed)
        defer { close(Int32(fd)) }
        let (flags, _) = syscall(process, .fcntl64, fd, UInt32(F_GETFL))
        #expect(flags & 0o40000 != 0)
        let (dents, dentsFailed) = syscall(process, .getdents64, fd, buffer + 0x1000, 0x4000)
        #expect(!dentsFailed && dents > 0)
        let r = BigEndianReader(process.space.read(buffer + 0x1000, count: Int(dents))!)
        #expect(Int(r.u16(at: 16)) <= Int(dents) && r.u16(at: 16) % 8 == 0)  // d_reclen, big-endian
    }

    @Test func signalActionsAreRecorded() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        var w = BigEndianWriter(size: 20)
        w.put32(0x1000_1234, at: 0)
        w.put32(4, at: 4)  // SA_SIGINFO
        process.space.write(buffer, bytes: w.bytes)
        #expect(syscall(process, .rt_sigaction, 10, buffer, 0, 8) == (0, false))
        #expect(syscall(process, .rt_sigaction, 10, 0, buffer + 0x40, 8) == (0, false))
        #expect(process.space.read32(buffer + 0x40) == 0x1000_1234)
        #expect(syscall(process, .rt_sigaction, 9, buffer, 0, 8) == (UInt32(EINVAL), true))  // SIGKILL
        #expect(syscall(process, .rt_sigaction, 10, buffer, 0, 4) == (UInt32(EINVAL), true))  // bad sigset size
    }

    @Test func timeCallsUseGuestLayouts() throws {
        let process = try makeProcess()
        let buffer = scratch(process)
        #expect(!syscall(process, .clock_gettime64, 0, buffer).1)
        let seconds64 = BigEndianReader(process.space.read(buffer, count: 16)!).i64(at: 0)
        #expect(!syscall(process, .clock_gettime, 0, buffer + 0x20).1)
        let seconds32 = BigEndianReader(process.space.read(buffer + 0x20, count: 8)!).i32(at: 0)
        #expect(seconds64 > 1_600_000_000 && abs(Int64(seconds32) - seconds64) <= 1)
    }
}

@Suite struct LaunchErrorTests {
    @Test func missingProgram() {
        let process = LinuxProcess()
        #expect(throws: LaunchError.self) {
            try process.start(programPath: "/nonexistent/program", arguments: [], environment: [])
        }
        do {
            try process.start(programPath: "/nonexistent/program", arguments: [], environment: [])
        } catch {
            #expect(error.description == "/nonexistent/program: No such file or directory")
        }
    }

    @Test func hostBinaryIsRejected() {
        let process = LinuxProcess()
        do {
            try process.start(programPath: "/bin/sh", arguments: [], environment: [])
            Issue.record("a host binary was accepted")
        } catch {
            #expect(error.description.hasPrefix("/bin/sh: "))
        }
    }
}

@Suite struct LayoutTests {
    @Test func openFlagTranslationRoundTrips() {
        // O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC|O_DIRECTORY|O_NOFOLLOW as powerpc numbers them.
        let guest: UInt32 = 0o1 | 0o100 | 0o1000 | 0o2000000 | 0o40000 | 0o100000
        let host = GuestLayout.hostOpenFlags(guest)
        #expect(host == O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)
        #expect(GuestLayout.guestOpenFlags(host) == guest)
    }

    @Test func termiosTranslation() {
        var host = termios()
        host.c_iflag = tcflag_t(ICRNL | IXON)
        host.c_oflag = tcflag_t(OPOST | ONLCR)
        host.c_cflag = tcflag_t(CS8 | CREAD | B38400)
        host.c_lflag = tcflag_t(ISIG | ICANON | ECHO | IEXTEN)
        withUnsafeMutableBytes(of: &host.c_cc) { cc in
            cc[Int(VINTR)] = 3
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
            cc[Int(VEOF)] = 4
        }
        let guest = TerminalSettings.guestTermios(host)
        let r = BigEndianReader(guest)
        #expect(r.u32(at: 0) == 0x100 | 0x200)  // ICRNL | IXON on powerpc
        #expect(r.u32(at: 4) == 0x1 | 0x2)  // OPOST | ONLCR
        #expect(r.u32(at: 8) == 0x300 | 0x800 | 15)  // CS8 | CREAD | B38400
        #expect(r.u32(at: 12) == 0x80 | 0x100 | 0x8 | 0x400)  // ISIG | ICANON | ECHO | IEXTEN
        #expect(r.u8(at: 16) == 3 && r.u8(at: 16 + 4) == 4 && r.u8(at: 16 + 5) == 1)  // VINTR, VEOF, VMIN (slot 5)
        #expect(r.u32(at: 40) == 38400)

        var back = termios()
        TerminalSettings.applyGuestTermios(guest, to: &back)
        #expect(back.c_iflag == host.c_iflag && back.c_oflag == host.c_oflag)
        #expect(back.c_cflag == host.c_cflag && back.c_lflag == host.c_lflag)
        #expect(withUnsafeBytes(of: back.c_cc) { Array($0.prefix(17)) } == withUnsafeBytes(of: host.c_cc) { Array($0.prefix(17)) })
    }

    @Test func highBaudRatesMapBothWays() {
        for code: UInt32 in 0...0x1e {
            #expect(TerminalSettings.guestBaudCode(TerminalSettings.hostBaudCode(code)) == code)
        }
    }
}
