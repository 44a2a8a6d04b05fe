#if canImport(Glibc)
import Glibc
#endif

/// Paths, file status and directories. Paths are host paths, except the few
/// /proc/self entries that describe the guest rather than the runner.
extension LinuxProcess {
    func sysFstat64(fd: Int32, buffer: UInt32) throws(Errno) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .host }
        try writeBytes(buffer, GuestLayout.stat64(info))
        return 0
    }

    func sysFstatat64(directory: Int32, path: UInt32, buffer: UInt32, flags: Int32) throws(Errno) -> Int {
        var hostPath = try readPath(path)
        hostPath = procPathRedirect(hostPath)
        var info = stat()
        guard fstatat(directory, hostPath, &info, flags) == 0 else { throw .host }
        try writeBytes(buffer, GuestLayout.stat64(info))
        return 0
    }

    /// stat/lstat/fstat with the old 32-bit struct stat.
    func sysOldStat(directory: Int32, path: UInt32, fd: Int32, buffer: UInt32, flags: Int32) throws(Errno) -> Int {
        var info = stat()
        if path != 0 {
            let hostPath = procPathRedirect(try readPath(path))
            guard fstatat(directory, hostPath, &info, flags) == 0 else { throw .host }
        } else {
            guard fstat(fd, &info) == 0 else { throw .host }
        }
        guard let bytes = GuestLayout.oldStat(info) else { throw .EOVERFLOW }
        try writeBytes(buffer, bytes)
        return 0
    }

    func sysStatx(directory: Int32, path: UInt32, flags: Int32, mask: UInt32, buffer: UInt32) throws(Errno) -> Int {
        guard let statx = HostLibc.statx else { throw .ENOSYS }
        let hostPath = procPathRedirect(try readPath(path))
        var result = [UInt8](repeating: 0, count: GuestLayout.statxSize)
        let status = result.withUnsafeMutableBytes { statx(directory, hostPath, flags, mask, $0.baseAddress!) }
        guard status == 0 else { throw .host }
        GuestLayout.swapStatx(&result)
        try writeBytes(buffer, result)
        return 0
    }

    func sysStatfs64(path: UInt32, fd: Int32, size: UInt32, buffer: UInt32) throws(Errno) -> Int {
        guard size == 88 else { throw .EINVAL }
        guard let statfs = HostLibc.statfs, let fstatfs = HostLibc.fstatfs else { throw .ENOSYS }
        var info = [UInt8](repeating: 0, count: GuestLayout.hostStatfsSize)
        let status: Int32
        if path != 0 {
            let hostPath = try readPath(path)
            status = info.withUnsafeMutableBytes { statfs(hostPath, $0.baseAddress!) }
        } else {
            status = info.withUnsafeMutableBytes { fstatfs(fd, $0.baseAddress!) }
        }
        guard status == 0 else { throw .host }
        try writeBytes(buffer, info.withUnsafeBytes { GuestLayout.statfs64(host: $0) })
        return 0
    }

    func sysReadlinkat(directory: Int32, path: UInt32, buffer: UInt32, size: Int32) throws(Errno) -> Int {
        guard size > 0 else { throw .EINVAL }
        let hostPath = try readPath(path)
        let target: [UInt8]
        if isProcSelfEntry(hostPath, "exe") {
            target = Array(executablePath.utf8)
        } else {
            var scratch = [CChar](repeating: 0, count: Int(size))
            let n = readlinkat(directory, hostPath, &scratch, Int(size))
            guard n >= 0 else { throw .host }
            target = scratch[0..<n].map { UInt8(bitPattern: $0) }
        }
        let count = min(target.count, Int(size))
        try writeBytes(buffer, Array(target[0..<count]))
        return count
    }

    func sysFaccessat(directory: Int32, path: UInt32, mode: Int32, flags: Int32) throws(Errno) -> Int {
        let hostPath = procPathRedirect(try readPath(path))
        return try hostResult(faccessat(directory, hostPath, mode, flags))
    }

    /// getcwd returns the length including the NUL, as the system call does.
    func sysGetcwd(buffer: UInt32, size: UInt32) throws(Errno) -> Int {
        var scratch = [CChar](repeating: 0, count: Int(LinuxProcess.pathLimit) + 1)
        guard getcwd(&scratch, scratch.count) != nil else { throw .host }
        let length = scratch.firstIndex(of: 0)!
        guard length + 1 <= Int(size) else { throw .ERANGE }
        try writeBytes(buffer, scratch[0...length].map { UInt8(bitPattern: $0) })
        return length + 1
    }

    func sysRenameat2(_ oldDirectory: Int32, _ oldPath: UInt32, _ newDirectory: Int32, _ newPath: UInt32, flags: UInt32) throws(Errno) -> Int {
        let from = try readPath(oldPath), to = try readPath(newPath)
        if flags == 0 { return try hostResult(renameat(oldDirectory, from, newDirectory, to)) }
        guard let renameat2 = HostLibc.renameat2 else { throw .ENOSYS }
        return try hostResult(renameat2(oldDirectory, from, newDirectory, to, flags))
    }

    /// utimensat with two 32- or 64-bit timespecs (UTIME_NOW/UTIME_OMIT pass through).
    func sysUtimensat(directory: Int32, path: UInt32, times: UInt32, flags: Int32, time64: Bool) throws(Errno) -> Int {
        let hostPath: [CChar]? = path == 0 ? nil : try readPath(path)
        var hostTimes: [timespec]? = nil
        if times != 0 {
            let size = GuestLayout.timespecSize(time64: time64)
            let bytes = try readBytes(times, count: 2 * size)
            hostTimes = [GuestLayout.parseTimespec(Array(bytes[0..<size]), time64: time64),
                         GuestLayout.parseTimespec(Array(bytes[size...]), time64: time64)]
        }
        let result: Int32
        if let hostPath {
            result = hostTimes == nil ? utimensat(directory, hostPath, nil, flags) : utimensat(directory, hostPath, hostTimes!, flags)
        } else {
            // A NULL path sets the times of the fd itself (futimens).
            result = hostTimes == nil ? futimens(directory, nil) : futimens(directory, hostTimes!)
        }
        return try hostResult(result)
    }

    /// utimes(path, struct timeval[2]) with 32-bit timevals; NULL means now.
    func sysUtimes(path: UInt32, times: UInt32) throws(Errno) -> Int {
        let hostPath = try readPath(path)
        guard times != 0 else { return try hostResult(utimensat(AT_FDCWD, hostPath, nil, 0)) }
        let r = BigEndianReader(try readBytes(times, count: 16))
        let values = [timespec(tv_sec: Int(r.i32(at: 0)), tv_nsec: Int(r.i32(at: 4)) * 1000),
                      timespec(tv_sec: Int(r.i32(at: 8)), tv_nsec: Int(r.i32(at: 12)) * 1000)]
        return try hostResult(utimensat(AT_FDCWD, hostPath, values, 0))
    }

    // MARK: /proc/self

    /// True for /proc/self/NAME and /proc/PID/NAME of this process.
    func isProcSelfEntry(_ path: [CChar], _ name: String) -> Bool {
        let text = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text == "/proc/self/" + name || text == "/proc/\(getpid())/" + name
    }

    /// stat and access on /proc/self/exe describe the guest program, not the runner.
    func procPathRedirect(_ path: [CChar]) -> [CChar] {
        isProcSelfEntry(path, "exe") ? Array(executablePath.utf8CString) : path
    }

    /// Opens the /proc/self files whose host contents would describe the
    /// runner instead of the guest (as qemu-user does): exe, cmdline, auxv
    /// and maps. Nil for any other path.
    func openProcFile(_ path: [CChar], flags: UInt32) throws(Errno) -> Int32? {
        if isProcSelfEntry(path, "exe") {
            let fd = open(executablePath, GuestLayout.hostOpenFlags(flags))
            guard fd >= 0 else { throw .host }
            return fd
        }
        let contents: [UInt8]
        if isProcSelfEntry(path, "cmdline") {
            contents = commandLine.flatMap { $0 + [0] }
        } else if isProcSelfEntry(path, "auxv"), let stack = initialStack {
            var w = BigEndianWriter(size: stack.auxv.count * 8)
            for (i, entry) in stack.auxv.enumerated() {
                w.put32(entry.type, at: 8 * i)
                w.put32(entry.value, at: 8 * i + 4)
            }
            contents = w.bytes
        } else if isProcSelfEntry(path, "maps") {
            contents = Array(guestMapsText().utf8)
        } else {
            return nil
        }
        return try fileWithContents(contents, flags: flags)
    }

    /// An anonymous file (memfd) holding `contents`, positioned at the start.
    private func fileWithContents(_ contents: [UInt8], flags: UInt32) throws(Errno) -> Int32 {
        guard let memfdCreate = HostLibc.memfdCreate else { throw .ENOSYS }
        let cloexec: UInt32 = flags & 0o2000000 != 0 ? HostConstants.MFD_CLOEXEC : 0
        let fd = memfdCreate("trapeze-proc", cloexec)
        guard fd >= 0 else { throw .host }
        contents.withUnsafeBytes { writeAll(fd, $0) }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    /// /proc/self/maps of the guest address space, in the kernel's format.
    func guestMapsText() -> String {
        var text = ""
        var address: UInt64 = 0
        let end: UInt64 = 1 << 32
        let page = UInt64(GuestMemoryMap.pageSize)
        while address < end {
            guard let protection = memory.protection(at: UInt32(address)) else { address += page; continue }
            let start = address
            while address < end, let next = memory.protection(at: UInt32(address)), next.rawValue == protection.rawValue {
                address += page
            }
            let r = protection.contains(.read) ? "r" : "-"
            let w = protection.contains(.write) ? "w" : "-"
            let x = protection.contains(.execute) ? "x" : "-"
            var line = "\(hex8(UInt32(start)))-\(hex8(UInt32(truncatingIfNeeded: address))) \(r)\(w)\(x)p 00000000 00:00 0"
            // Like qemu (and the kernel): the name column starts at 73.
            line += String(repeating: " ", count: max(1, 73 - line.count))
            if let stack = initialStack, UInt64(stack.stackLow) == start, UInt64(stack.stackTop) == address {
                line += "[stack]"
            }
            text += line + "\n"
        }
        return text
    }
}
