#if canImport(Glibc)
import Glibc
#endif

/// System information, resource limits and randomness.
extension LinuxProcess {
    /// The host's uname with the machine qemu-ppc reports ("ppc").
    func sysUname(buffer: UInt32) throws(Errno) -> Int {
        var host = utsname()
        guard uname(&host) == 0 else { throw .host }
        let fieldSize = 65
        var w = BigEndianWriter(size: 6 * fieldSize)
        func put<T>(_ field: T, _ index: Int) {
            withUnsafeBytes(of: field) { raw in
                let bytes = raw.prefix { $0 != 0 }.prefix(fieldSize - 1)
                w.putBytes(bytes, at: index * fieldSize)
            }
        }
        put(host.sysname, 0)
        put(host.nodename, 1)
        put(host.release, 2)
        put(host.version, 3)
        w.putBytes(Array("ppc".utf8), at: 4 * fieldSize)
        put(host.__domainname, 5)
        try writeBytes(buffer, w.bytes)
        return 0
    }

    func sysGetrandom(buffer: UInt32, count: UInt32, flags: UInt32) throws(Errno) -> Int {
        guard let getrandom = HostLibc.getrandom else { throw .ENOSYS }
        let pointer = try guestBuffer(buffer, count: Int(count), writable: true)
        return try hostResult(getrandom(pointer, Int(count), flags))
    }

    /// Limits the runner must not apply to itself: the guest's address-space,
    /// data and stack sizes are not the host process's (its 4 GB guest
    /// reservation alone would exceed a small RLIMIT_AS). qemu-user ignores
    /// them too.
    static func isGuestOnlyLimit(_ resource: UInt32) -> Bool {
        resource == 9 /* RLIMIT_AS */ || resource == 2 /* RLIMIT_DATA */ || resource == 3 /* RLIMIT_STACK */
    }

    /// prlimit64 with struct rlimit64 { u64 cur; u64 max } (RLIM64_INFINITY is all ones on both sides).
    func sysPrlimit64(pid: Int32, resource: UInt32, newLimit: UInt32, oldLimit: UInt32) throws(Errno) -> Int {
        guard let prlimit = HostLibc.prlimit else { throw .ENOSYS }
        guard resource < 16 else { throw .EINVAL }
        var replacement: rlimit? = nil
        if newLimit != 0 {
            let r = BigEndianReader(try readBytes(newLimit, count: 16))
            replacement = rlimit(rlim_cur: rlim_t(r.u64(at: 0)), rlim_max: rlim_t(r.u64(at: 8)))
        }
        var old = rlimit()
        let applies = replacement != nil && !(LinuxProcess.isGuestOnlyLimit(resource) && (pid == 0 || pid == getpid()))
        let status: Int32
        if applies {
            var new = replacement!
            status = prlimit(pid, Int32(resource), &new, &old)
        } else {
            status = prlimit(pid, Int32(resource), nil, &old)
        }
        guard status == 0 else { throw .host }
        if oldLimit != 0 {
            var w = BigEndianWriter(size: 16)
            w.put64(UInt64(old.rlim_cur), at: 0)
            w.put64(UInt64(old.rlim_max), at: 8)
            try writeBytes(oldLimit, w.bytes)
        }
        return 0
    }

    /// getrlimit/ugetrlimit with 32-bit fields: values that do not fit read as RLIM_INFINITY.
    func sysGetrlimit(resource: UInt32, limit: UInt32) throws(Errno) -> Int {
        guard resource < 16 else { throw .EINVAL }
        var current = rlimit()
        guard getrlimit(__rlimit_resource_t(resource), &current) == 0 else { throw .host }
        let clamp = { (value: rlim_t) -> UInt32 in value >= rlim_t(UInt32.max) ? UInt32.max : UInt32(value) }
        var w = BigEndianWriter(size: 8)
        w.put32(clamp(current.rlim_cur), at: 0)
        w.put32(clamp(current.rlim_max), at: 4)
        try writeBytes(limit, w.bytes)
        return 0
    }

    func sysSetrlimit(resource: UInt32, limit: UInt32) throws(Errno) -> Int {
        guard resource < 16 else { throw .EINVAL }
        let r = BigEndianReader(try readBytes(limit, count: 8))
        let widen = { (value: UInt32) -> rlim_t in value == UInt32.max ? rlim_t.max : rlim_t(value) }
        var new = rlimit(rlim_cur: widen(r.u32(at: 0)), rlim_max: widen(r.u32(at: 4)))
        if LinuxProcess.isGuestOnlyLimit(resource) { return 0 }
        return try hostResult(setrlimit(__rlimit_resource_t(resource), &new))
    }

    func sysGetrusage(who: Int32, usage: UInt32) throws(Errno) -> Int {
        var host = rusage()
        guard getrusage(__rusage_who_t(who), &host) == 0 else { throw .host }
        try writeBytes(usage, GuestLayout.rusage(host))
        return 0
    }

    /// struct sysinfo for 32-bit (64 bytes); memory sizes are scaled with
    /// mem_unit when they do not fit in 32 bits, as the kernel does.
    ///
    /// The host's struct sysinfo on 64-bit Linux: uptime, loads[3], totalram,
    /// freeram, sharedram, bufferram, totalswap, freeswap (8 bytes each),
    /// procs (u16) at 80, totalhigh and freehigh at 88 and 96, mem_unit (u32) at 104.
    func sysSysinfo(buffer: UInt32) throws(Errno) -> Int {
        guard let sysinfo = HostLibc.sysinfo else { throw .ENOSYS }
        var raw = [UInt8](repeating: 0, count: 128)
        guard raw.withUnsafeMutableBytes({ sysinfo($0.baseAddress!) }) == 0 else { throw .host }
        func long(_ offset: Int) -> UInt64 { raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) } }
        let memoryUnit = UInt64(max(raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 104, as: UInt32.self) }, 1))
        let sizes = [32, 40, 48, 56, 64, 72, 88, 96].map { long($0) * memoryUnit }
        var unit: UInt64 = 1
        while sizes.contains(where: { $0 / unit > UInt64(UInt32.max) }) { unit *= 2 }
        let scaled = sizes.map { UInt32(truncatingIfNeeded: $0 / unit) }
        var w = BigEndianWriter(size: 64)
        w.put32(UInt32(truncatingIfNeeded: long(0)), at: 0)
        w.put32(UInt32(truncatingIfNeeded: long(8)), at: 4)
        w.put32(UInt32(truncatingIfNeeded: long(16)), at: 8)
        w.put32(UInt32(truncatingIfNeeded: long(24)), at: 12)
        for i in 0..<6 { w.put32(scaled[i], at: 16 + 4 * i) }
        w.put16(raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 80, as: UInt16.self) }, at: 40)
        w.put32(scaled[6], at: 44)
        w.put32(scaled[7], at: 48)
        w.put32(UInt32(unit), at: 52)
        try writeBytes(buffer, w.bytes)
        return 0
    }

    /// The raw system call returns 20 - nice (never negative), unlike the libc wrapper.
    func sysGetpriority(which: Int32, who: UInt32) throws(Errno) -> Int {
        errno = 0
        let nice = getpriority(__priority_which_t(UInt32(bitPattern: which)), who)
        if nice == -1 && errno != 0 { throw .host }
        return Int(20 - nice)
    }
}
