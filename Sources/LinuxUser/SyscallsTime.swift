#if canImport(Glibc)
import Glibc
#endif

/// Clocks and sleeping. ppc32 has both the old calls with 32-bit time
/// fields and the *_time64 ones that glibc 2.34+ tries first.
extension LinuxProcess {
    func sysClockGettime(clock: Int32, result: UInt32, time64: Bool) throws(Errno) -> Int {
        var now = timespec()
        guard clock_gettime(clockid_t(clock), &now) == 0 else { throw .host }
        try writeBytes(result, GuestLayout.timespec(now, time64: time64))
        return 0
    }

    func sysClockGetres(clock: Int32, result: UInt32, time64: Bool) throws(Errno) -> Int {
        var resolution = timespec()
        guard clock_getres(clockid_t(clock), &resolution) == 0 else { throw .host }
        if result != 0 { try writeBytes(result, GuestLayout.timespec(resolution, time64: time64)) }
        return 0
    }

    func sysGettimeofday(time: UInt32, zone: UInt32) throws(Errno) -> Int {
        var now = timeval()
        gettimeofday(&now, nil)
        if time != 0 { try writeBytes(time, GuestLayout.timeval(seconds: now.tv_sec, microseconds: Int(now.tv_usec))) }
        if zone != 0 { try writeBytes(zone, [UInt8](repeating: 0, count: 8)) }  // minuteswest 0, dsttime 0 (UTC, as the kernel keeps it)
        return 0
    }

    func sysTime(result: UInt32) throws(Errno) -> Int {
        let now = Glibc.time(nil)
        if result != 0 { try write32(result, UInt32(truncatingIfNeeded: now)) }
        return Int(Int32(truncatingIfNeeded: now))
    }

    func sysClockNanosleep(clock: Int32, flags: Int32, request: UInt32, remaining: UInt32, time64: Bool) throws(Errno) -> Int {
        let size = GuestLayout.timespecSize(time64: time64)
        var wanted = GuestLayout.parseTimespec(try readBytes(request, count: size), time64: time64)
        guard wanted.tv_nsec >= 0, wanted.tv_nsec < 1_000_000_000, wanted.tv_sec >= 0 || flags & 1 != 0 else { throw .EINVAL }
        trace?.flush()
        var left = timespec()
        let status = clock_nanosleep(clockid_t(clock), flags, &wanted, &left)
        if status != 0 {
            // Interrupted relative sleeps report the time left.
            if status == EINTR && remaining != 0 && flags & 1 == 0 {
                try writeBytes(remaining, GuestLayout.timespec(left, time64: time64))
            }
            throw Errno(status)
        }
        return 0
    }

    /// times(2): struct tms of four clock_t (32-bit); the result is the
    /// elapsed ticks, truncated to 32 bits as on a 32-bit kernel.
    func sysTimes(buffer: UInt32) throws(Errno) -> Int {
        var usage = tms()
        let ticks = times(&usage)
        if buffer != 0 {
            var w = BigEndianWriter(size: 16)
            w.putInt32(usage.tms_utime, at: 0)
            w.putInt32(usage.tms_stime, at: 4)
            w.putInt32(usage.tms_cutime, at: 8)
            w.putInt32(usage.tms_cstime, at: 12)
            try writeBytes(buffer, w.bytes)
        }
        return Int(UInt32(truncatingIfNeeded: ticks))
    }
}
