#if canImport(Glibc)
import Glibc
#endif

/// Reading, writing and managing file descriptors. Guest fds are host fds;
/// data moves directly between the host kernel and guest memory.
extension LinuxProcess {
    func sysRead(fd: Int32, buffer: UInt32, count: UInt32) throws(Errno) -> Int {
        let pointer = try guestBuffer(buffer, count: Int(count), writable: true)
        return try hostResult(read(fd, pointer, Int(count)))
    }

    func sysWrite(fd: Int32, buffer: UInt32, count: UInt32) throws(Errno) -> Int {
        let pointer = try guestBuffer(buffer, count: Int(count), writable: false)
        return try hostResult(write(fd, pointer, Int(count)))
    }

    func sysPread(fd: Int32, buffer: UInt32, count: UInt32, offset: Int64) throws(Errno) -> Int {
        let pointer = try guestBuffer(buffer, count: Int(count), writable: true)
        return try hostResult(pread(fd, pointer, Int(count), off_t(offset)))
    }

    func sysPwrite(fd: Int32, buffer: UInt32, count: UInt32, offset: Int64) throws(Errno) -> Int {
        let pointer = try guestBuffer(buffer, count: Int(count), writable: false)
        return try hostResult(pwrite(fd, pointer, Int(count), off_t(offset)))
    }

    /// readv/writev: struct iovec on ppc32 is { u32 base; u32 len }.
    func sysReadv(fd: Int32, vector: UInt32, count: Int32, write isWrite: Bool) throws(Errno) -> Int {
        guard count >= 0, count <= 1024 else { throw .EINVAL }
        let r = BigEndianReader(try readBytes(vector, count: Int(count) * 8))
        var host: [iovec] = []
        var total = 0
        for i in 0..<Int(count) {
            let base = r.u32(at: i * 8), length = Int(r.u32(at: i * 8 + 4))
            total += length
            guard total <= Int(Int32.max) else { throw .EINVAL }
            let pointer = try guestBuffer(base, count: length, writable: !isWrite)
            host.append(iovec(iov_base: pointer, iov_len: length))
        }
        return try hostResult(isWrite ? writev(fd, host, count) : readv(fd, host, count))
    }

    func sysOpenat(directory: Int32, path: UInt32, flags: UInt32, mode: UInt32) throws(Errno) -> Int {
        let hostPath = try readPath(path)
        if let special = try openProcFile(hostPath, flags: flags) { return Int(special) }
        return try hostResult(openat(directory, hostPath, GuestLayout.hostOpenFlags(flags), mode_t(mode)))
    }

    /// close_range(first, last, flags): CLOSE_RANGE_CLOEXEC (4) marks instead of closing.
    func sysCloseRange(first: UInt32, last: UInt32, flags: UInt32) throws(Errno) -> Int {
        guard first <= last, flags & ~UInt32(6) == 0 else { throw .EINVAL }
        for fd in openDescriptors() where UInt32(fd) >= first && UInt32(fd) <= last && fd != vforkReleaseDescriptor {
            if flags & 4 != 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            } else {
                close(fd)
            }
        }
        return 0
    }

    func sysLseek(fd: Int32, offset: Int64, whence: Int32) throws(Errno) -> Int {
        let result = lseek(fd, off_t(offset), whence)
        guard result >= 0 else { throw .host }
        guard result <= off_t(Int32.max) else { throw .EOVERFLOW }
        return Int(result)
    }

    /// _llseek(fd, offset_high, offset_low, loff_t *result, whence).
    func sysLlseek(fd: Int32, high: UInt32, low: UInt32, result: UInt32, whence: Int32) throws(Errno) -> Int {
        let offset = Int64(bitPattern: UInt64(high) << 32 | UInt64(low))
        let position = lseek(fd, off_t(offset), whence)
        guard position >= 0 else { throw .host }
        try write64(result, UInt64(bitPattern: Int64(position)))
        return 0
    }

    func sysDup2(_ old: Int32, _ new: Int32) throws(Errno) -> Int {
        if old == new {
            // dup2 to itself only checks the fd.
            guard fcntl(old, F_GETFD) >= 0 else { throw .EBADF }
            return Int(new)
        }
        return try hostResult(dup2(old, new))
    }

    func sysDup3(_ old: Int32, _ new: Int32, flags: UInt32) throws(Errno) -> Int {
        let guestCloexec: UInt32 = 0o2000000
        guard flags & ~guestCloexec == 0, old != new else { throw .EINVAL }
        guard let dup3 = HostLibc.dup3 else { throw .ENOSYS }
        return try hostResult(dup3(old, new, flags != 0 ? O_CLOEXEC : 0))
    }

    func sysPipe2(fds: UInt32, flags: UInt32) throws(Errno) -> Int {
        var pair: [Int32] = [-1, -1]
        let hostFlags = GuestLayout.hostOpenFlags(flags) & ~3
        if hostFlags == 0 {
            guard pipe(&pair) == 0 else { throw .host }
        } else {
            guard let pipe2 = HostLibc.pipe2 else { throw .ENOSYS }
            guard pipe2(&pair, hostFlags) == 0 else { throw .host }
        }
        var w = BigEndianWriter(size: 8)
        w.putInt32(pair[0], at: 0)
        w.putInt32(pair[1], at: 4)
        do throws(Errno) {
            try writeBytes(fds, w.bytes)
        } catch {
            close(pair[0]); close(pair[1])
            throw error
        }
        return 0
    }

    func sysFcntl(fd: Int32, command: Int32, argument: UInt32, is64: Bool) throws(Errno) -> Int {
        switch command {
        case F_DUPFD, HostConstants.F_DUPFD_CLOEXEC:
            return try hostResult(fcntl(fd, command, Int32(bitPattern: argument)))
        case F_GETFD:
            return try hostResult(fcntl(fd, F_GETFD))
        case F_SETFD:
            return try hostResult(fcntl(fd, F_SETFD, Int32(bitPattern: argument)))
        case F_GETFL:
            let flags = fcntl(fd, F_GETFL)
            guard flags >= 0 else { throw .host }
            return Int(GuestLayout.guestOpenFlags(flags))
        case F_SETFL:
            return try hostResult(fcntl(fd, F_SETFL, GuestLayout.hostOpenFlags(argument)))
        case F_GETLK, F_SETLK, F_SETLKW:
            // struct flock with 32-bit offsets: { s16 type; s16 whence; s32 start; s32 len; s32 pid }.
            return try fcntlLock(fd: fd, hostCommand: command, argument: argument, wide: false)
        case 12, 13, 14:  // F_GETLK64, F_SETLK64, F_SETLKW64 (fcntl64 on 32-bit)
            return try fcntlLock(fd: fd, hostCommand: command - 12 + F_GETLK, argument: argument, wide: true)
        case HostConstants.F_OFD_GETLK, HostConstants.F_OFD_SETLK, HostConstants.F_OFD_SETLKW:
            return try fcntlLock(fd: fd, hostCommand: command, argument: argument, wide: true)
        case F_GETOWN, 11 /* F_GETSIG */, 1025 /* F_GETLEASE */, 1032 /* F_GETPIPE_SZ */, 1034 /* F_GET_SEALS */:
            return try hostResult(fcntl(fd, command))
        case F_SETOWN, 10 /* F_SETSIG */, 1024 /* F_SETLEASE */, 1026 /* F_NOTIFY */, 1031 /* F_SETPIPE_SZ */,
             1033 /* F_ADD_SEALS */:
            return try hostResult(fcntl(fd, command, Int32(bitPattern: argument)))
        default:
            throw .EINVAL
        }
    }

    /// F_GETLK/F_SETLK/F_SETLKW with the guest's struct flock or flock64
    /// ({ s16 type; s16 whence; pad; s64 start; s64 len; s32 pid }, 32 bytes).
    private func fcntlLock(fd: Int32, hostCommand: Int32, argument: UInt32, wide: Bool) throws(Errno) -> Int {
        let size = wide ? 32 : 16
        let r = BigEndianReader(try readBytes(argument, count: size))
        var lock = flock()
        lock.l_type = Int16(bitPattern: r.u16(at: 0))
        lock.l_whence = Int16(bitPattern: r.u16(at: 2))
        lock.l_start = off_t(wide ? r.i64(at: 8) : Int64(r.i32(at: 4)))
        lock.l_len = off_t(wide ? r.i64(at: 16) : Int64(r.i32(at: 8)))
        lock.l_pid = wide ? r.i32(at: 24) : r.i32(at: 12)
        guard fcntl(fd, hostCommand, &lock) >= 0 else { throw .host }
        if hostCommand == F_GETLK || hostCommand == HostConstants.F_OFD_GETLK {
            var w = BigEndianWriter(size: size)
            w.put16(UInt16(bitPattern: lock.l_type), at: 0)
            w.put16(UInt16(bitPattern: lock.l_whence), at: 2)
            if wide {
                w.putInt64(lock.l_start, at: 8)
                w.putInt64(lock.l_len, at: 16)
                w.putInt32(lock.l_pid, at: 24)
            } else {
                guard lock.l_start <= off_t(Int32.max), lock.l_len <= off_t(Int32.max) else { throw .EOVERFLOW }
                w.putInt32(lock.l_start, at: 4)
                w.putInt32(lock.l_len, at: 8)
                w.putInt32(lock.l_pid, at: 12)
            }
            try writeBytes(argument, w.bytes)
        }
        return 0
    }

    /// getdents64: struct linux_dirent64 has the same layout on both sides
    /// (u64 ino, s64 off, u16 reclen, u8 type, name), so the host fills the
    /// guest buffer directly and the numeric fields are byte-swapped in place.
    func sysGetdents64(fd: Int32, buffer: UInt32, count: UInt32) throws(Errno) -> Int {
        guard let getdents64 = HostLibc.getdents64 else { throw .ENOSYS }
        let pointer = try guestBuffer(buffer, count: Int(count), writable: true)
        let length = getdents64(fd, pointer, Int(count))
        guard length >= 0 else { throw .host }
        var offset = 0
        while offset + 19 <= length {
            let record = pointer + offset
            let inode = record.loadUnaligned(as: UInt64.self)
            let next = record.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let recordLength = record.loadUnaligned(fromByteOffset: 16, as: UInt16.self)
            record.storeBytes(of: inode.bigEndian, as: UInt64.self)
            record.storeBytes(of: next.bigEndian, toByteOffset: 8, as: UInt64.self)
            record.storeBytes(of: recordLength.bigEndian, toByteOffset: 16, as: UInt16.self)
            guard recordLength > 0 else { break }
            offset += Int(recordLength)
        }
        return length
    }

    func sysSendfile(out: Int32, input: Int32, offset: UInt32, count: UInt32, is64: Bool) throws(Errno) -> Int {
        var position: off_t = 0
        if offset != 0 {
            let bytes = try readBytes(offset, count: is64 ? 8 : 4)
            let r = BigEndianReader(bytes)
            position = off_t(is64 ? r.i64(at: 0) : Int64(r.i32(at: 0)))
        }
        let sent = offset != 0 ? sendfile(out, input, &position, Int(count)) : sendfile(out, input, nil, Int(count))
        guard sent >= 0 else { throw .host }
        if offset != 0 {
            if is64 { try write64(offset, UInt64(bitPattern: Int64(position))) } else { try write32(offset, UInt32(truncatingIfNeeded: position)) }
        }
        return sent
    }

    // MARK: ioctl

    /// Terminal and fd ioctls, translated: powerpc encodes requests with
    /// different direction bits and has its own struct termios and flag bits.
    func sysIoctl(fd: Int32, request: UInt32, argument: UInt32) throws(Errno) -> Int {
        switch request {
        case PPCIoctl.TCGETS, PPCIoctl.TCGETSGlibc:
            var host = termios()
            guard tcgetattr(fd, &host) == 0 else { throw .host }
            try writeBytes(argument, TerminalSettings.guestTermios(host))
            return 0
        case PPCIoctl.TCSETS, PPCIoctl.TCSETSW, PPCIoctl.TCSETSF,
             PPCIoctl.TCSETSGlibc, PPCIoctl.TCSETSWGlibc, PPCIoctl.TCSETSFGlibc:
            var host = termios()
            guard tcgetattr(fd, &host) == 0 else { throw .host }
            TerminalSettings.applyGuestTermios(try readBytes(argument, count: TerminalSettings.guestSize), to: &host)
            let action: Int32
            switch request & 0xff {
            case 20: action = TCSANOW
            case 21: action = TCSADRAIN
            default: action = TCSAFLUSH
            }
            return try hostResult(tcsetattr(fd, action, &host))
        case PPCIoctl.TIOCGWINSZ:
            var size = winsize()
            guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 else { throw .host }
            var w = BigEndianWriter(size: 8)
            w.put16(size.ws_row, at: 0)
            w.put16(size.ws_col, at: 2)
            w.put16(size.ws_xpixel, at: 4)
            w.put16(size.ws_ypixel, at: 6)
            try writeBytes(argument, w.bytes)
            return 0
        case PPCIoctl.TIOCSWINSZ:
            let r = BigEndianReader(try readBytes(argument, count: 8))
            var size = winsize(ws_row: r.u16(at: 0), ws_col: r.u16(at: 2), ws_xpixel: r.u16(at: 4), ws_ypixel: r.u16(at: 6))
            return try hostResult(ioctl(fd, UInt(TIOCSWINSZ), &size))
        case PPCIoctl.TIOCGPGRP:
            let group = tcgetpgrp(fd)
            guard group >= 0 else { throw .host }
            try write32(argument, UInt32(bitPattern: group))
            return 0
        case PPCIoctl.TIOCSPGRP:
            let group = Int32(bitPattern: try read32(argument))
            return try hostResult(tcsetpgrp(fd, group))
        case PPCIoctl.TIOCGSID:
            let session = tcgetsid(fd)
            guard session >= 0 else { throw .host }
            try write32(argument, UInt32(bitPattern: session))
            return 0
        case PPCIoctl.FIONREAD, PPCIoctl.TIOCOUTQ:
            var value: Int32 = 0
            let hostRequest = request == PPCIoctl.FIONREAD ? UInt(FIONREAD) : UInt(TIOCOUTQ)
            guard ioctl(fd, hostRequest, &value) == 0 else { throw .host }
            try write32(argument, UInt32(bitPattern: value))
            return 0
        case PPCIoctl.FIONBIO:
            var value = Int32(bitPattern: try read32(argument))
            return try hostResult(ioctl(fd, UInt(FIONBIO), &value))
        case PPCIoctl.FIOCLEX:
            return try hostResult(ioctl(fd, UInt(FIOCLEX)))
        case PPCIoctl.FIONCLEX:
            return try hostResult(ioctl(fd, UInt(FIONCLEX)))
        case PPCIoctl.TCFLSH:
            return try hostResult(tcflush(fd, Int32(bitPattern: argument)))
        case PPCIoctl.TCXONC:
            return try hostResult(tcflow(fd, Int32(bitPattern: argument)))
        case PPCIoctl.TCSBRK:
            return try hostResult(argument == 0 ? tcsendbreak(fd, 0) : tcdrain(fd))
        case PPCIoctl.TIOCSCTTY:
            return try hostResult(ioctl(fd, UInt(TIOCSCTTY), Int32(bitPattern: argument)))
        case PPCIoctl.TIOCNOTTY:
            return try hostResult(ioctl(fd, UInt(TIOCNOTTY)))
        default:
            // Not a request this runner knows; Linux says the same for a request the device lacks.
            throw .ENOTTY
        }
    }
}

/// powerpc ioctl request numbers (asm/ioctls.h: _IOC with 3 direction bits at
/// the top, read = 2, write = 4, none = 1).
enum PPCIoctl {
    static let TCGETS: UInt32 = 0x402c_7413  // _IOR('t', 19, struct termios), 44-byte kernel termios
    static let TCSETS: UInt32 = 0x802c_7414
    static let TCSETSW: UInt32 = 0x802c_7415
    static let TCSETSF: UInt32 = 0x802c_7416
    // The same requests as a program computes them from glibc's public
    // headers, whose struct termios is 60 bytes; accepted as well.
    static let TCGETSGlibc: UInt32 = 0x403c_7413
    static let TCSETSGlibc: UInt32 = 0x803c_7414
    static let TCSETSWGlibc: UInt32 = 0x803c_7415
    static let TCSETSFGlibc: UInt32 = 0x803c_7416
    static let TCSBRK: UInt32 = 0x2000_741d
    static let TCXONC: UInt32 = 0x2000_741e
    static let TCFLSH: UInt32 = 0x2000_741f
    static let TIOCSWINSZ: UInt32 = 0x8008_7467
    static let TIOCGWINSZ: UInt32 = 0x4008_7468
    static let TIOCOUTQ: UInt32 = 0x4004_7473
    static let TIOCSPGRP: UInt32 = 0x8004_7476
    static let TIOCGPGRP: UInt32 = 0x4004_7477
    static let TIOCSCTTY: UInt32 = 0x540e
    static let TIOCNOTTY: UInt32 = 0x5422
    static let TIOCGSID: UInt32 = 0x5429
    static let FIOCLEX: UInt32 = 0x2000_6601
    static let FIONCLEX: UInt32 = 0x2000_6602
    static let FIONBIO: UInt32 = 0x8004_667e
    static let FIONREAD: UInt32 = 0x4004_667f
}
