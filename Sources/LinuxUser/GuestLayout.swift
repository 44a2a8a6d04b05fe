#if canImport(Glibc)
import Glibc
#endif

/// Conversions between host structures and the ppc32 kernel's big-endian
/// layouts. Offsets were checked with offsetof() in programs built by
/// powerpc-linux-gnu-gcc against the kernel's uapi headers.
package enum GuestLayout {
    // MARK: Time

    /// struct timespec with 32-bit time (old_timespec32): { s32 tv_sec; s32 tv_nsec }.
    static func timespec32(seconds: Int, nanoseconds: Int) -> [UInt8] {
        var w = BigEndianWriter(size: 8)
        w.putInt32(seconds, at: 0)
        w.putInt32(nanoseconds, at: 4)
        return w.bytes
    }

    /// struct __kernel_timespec: { s64 tv_sec; s64 tv_nsec }.
    static func timespec64(seconds: Int, nanoseconds: Int) -> [UInt8] {
        var w = BigEndianWriter(size: 16)
        w.putInt64(seconds, at: 0)
        w.putInt64(nanoseconds, at: 8)
        return w.bytes
    }

    static func timespec(_ t: Glibc.timespec, time64: Bool) -> [UInt8] {
        time64 ? timespec64(seconds: t.tv_sec, nanoseconds: t.tv_nsec) : timespec32(seconds: t.tv_sec, nanoseconds: t.tv_nsec)
    }

    static func timespecSize(time64: Bool) -> Int { time64 ? 16 : 8 }

    static func parseTimespec(_ bytes: [UInt8], time64: Bool) -> Glibc.timespec {
        let r = BigEndianReader(bytes)
        if time64 {
            // The upper half of a 64-bit tv_nsec is ignored for 32-bit tasks, as Linux does.
            return Glibc.timespec(tv_sec: Int(r.i64(at: 0)), tv_nsec: Int(r.i32(at: 12)))
        }
        return Glibc.timespec(tv_sec: Int(r.i32(at: 0)), tv_nsec: Int(r.i32(at: 4)))
    }

    /// struct timeval: { s32 tv_sec; s32 tv_usec } on ppc32.
    static func timeval(seconds: Int, microseconds: Int) -> [UInt8] {
        var w = BigEndianWriter(size: 8)
        w.putInt32(seconds, at: 0)
        w.putInt32(microseconds, at: 4)
        return w.bytes
    }

    /// struct rusage (72 bytes): two timevals, then 14 longs.
    static func rusage(_ u: Glibc.rusage) -> [UInt8] {
        var w = BigEndianWriter(size: 72)
        w.putBytes(timeval(seconds: u.ru_utime.tv_sec, microseconds: u.ru_utime.tv_usec), at: 0)
        w.putBytes(timeval(seconds: u.ru_stime.tv_sec, microseconds: u.ru_stime.tv_usec), at: 8)
        let longs = [u.ru_maxrss, u.ru_ixrss, u.ru_idrss, u.ru_isrss, u.ru_minflt, u.ru_majflt, u.ru_nswap,
                     u.ru_inblock, u.ru_oublock, u.ru_msgsnd, u.ru_msgrcv, u.ru_nsignals, u.ru_nvcsw, u.ru_nivcsw]
        for (i, value) in longs.enumerated() { w.putInt32(value, at: 16 + 4 * i) }
        return w.bytes
    }

    // MARK: File status

    /// struct stat64 for ppc32 (104 bytes).
    static func stat64(_ s: stat) -> [UInt8] {
        var w = BigEndianWriter(size: 104)
        w.put64(UInt64(s.st_dev), at: 0)
        w.put64(UInt64(s.st_ino), at: 8)
        w.put32(s.st_mode, at: 16)
        w.putInt32(s.st_nlink, at: 20)
        w.put32(s.st_uid, at: 24)
        w.put32(s.st_gid, at: 28)
        w.put64(UInt64(s.st_rdev), at: 32)
        w.putInt64(s.st_size, at: 48)
        w.putInt32(s.st_blksize, at: 56)
        w.putInt64(s.st_blocks, at: 64)
        w.putInt32(s.st_atim.tv_sec, at: 72)
        w.putInt32(s.st_atim.tv_nsec, at: 76)
        w.putInt32(s.st_mtim.tv_sec, at: 80)
        w.putInt32(s.st_mtim.tv_nsec, at: 84)
        w.putInt32(s.st_ctim.tv_sec, at: 88)
        w.putInt32(s.st_ctim.tv_nsec, at: 92)
        return w.bytes
    }

    /// The old struct stat for ppc32 (72 bytes, 32-bit fields); nil when a
    /// value does not fit (the kernel's EOVERFLOW).
    static func oldStat(_ s: stat) -> [UInt8]? {
        guard UInt64(s.st_ino) <= UInt64(UInt32.max), s.st_size <= Int(Int32.max),
              UInt64(s.st_nlink) <= UInt64(UInt16.max) else { return nil }
        var w = BigEndianWriter(size: 72)
        w.put32(UInt32(truncatingIfNeeded: encodeOldDevice(s.st_dev)), at: 0)
        w.put32(UInt32(s.st_ino), at: 4)
        w.put32(s.st_mode, at: 8)
        w.put16(UInt16(s.st_nlink), at: 12)
        w.put32(s.st_uid, at: 16)
        w.put32(s.st_gid, at: 20)
        w.put32(UInt32(truncatingIfNeeded: encodeOldDevice(s.st_rdev)), at: 24)
        w.putInt32(s.st_size, at: 28)
        w.putInt32(s.st_blksize, at: 32)
        w.putInt32(s.st_blocks, at: 36)
        w.putInt32(s.st_atim.tv_sec, at: 40)
        w.putInt32(s.st_atim.tv_nsec, at: 44)
        w.putInt32(s.st_mtim.tv_sec, at: 48)
        w.putInt32(s.st_mtim.tv_nsec, at: 52)
        w.putInt32(s.st_ctim.tv_sec, at: 56)
        w.putInt32(s.st_ctim.tv_nsec, at: 60)
        return w.bytes
    }

    /// The kernel's new_encode_dev for 32-bit dev_t fields.
    private static func encodeOldDevice(_ device: dev_t) -> UInt64 {
        let major = (UInt64(device) >> 8 & 0xfff) | (UInt64(device) >> 32 & ~0xfff)
        let minor = (UInt64(device) & 0xff) | (UInt64(device) >> 12 & ~0xff)
        return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
    }

    /// struct statx has the same layout everywhere; only the byte order
    /// differs. (offset, width) of every field, for swapping in place.
    static let statxFields: [(Int, Int)] = {
        var fields: [(Int, Int)] = [(0, 4), (4, 4), (8, 8), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2),
                                    (32, 8), (40, 8), (48, 8), (56, 8)]
        for timestamp in stride(from: 64, to: 128, by: 16) {  // atime, btime, ctime, mtime
            fields += [(timestamp, 8), (timestamp + 8, 4), (timestamp + 12, 4)]
        }
        fields += [(128, 4), (132, 4), (136, 4), (140, 4), (144, 8), (152, 4), (156, 4)]
        for spare in stride(from: 160, to: 256, by: 8) { fields.append((spare, 8)) }
        return fields
    }()

    static let statxSize = 256

    /// Converts a host (little-endian) struct statx to the guest's byte order in place.
    static func swapStatx(_ buffer: inout [UInt8]) {
        for (offset, width) in statxFields { buffer[offset..<offset + width].reverse() }
    }

    /// Size of the host's struct statfs on 64-bit Linux: f_type, f_bsize,
    /// f_blocks, f_bfree, f_bavail, f_files, f_ffree (8 bytes each), f_fsid
    /// (2 x int), f_namelen, f_frsize, f_flags, f_spare[4] (8 bytes each).
    static let hostStatfsSize = 120

    /// struct statfs64 for ppc32 (88 bytes; 64-bit counters aligned to 8)
    /// from a host struct statfs.
    static func statfs64(host: UnsafeRawBufferPointer) -> [UInt8] {
        func long(_ index: Int) -> UInt64 { host.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) }
        var w = BigEndianWriter(size: 88)
        w.put32(UInt32(truncatingIfNeeded: long(0)), at: 0)  // f_type
        w.put32(UInt32(truncatingIfNeeded: long(1)), at: 4)  // f_bsize
        for i in 2...6 { w.put64(long(i), at: 8 * (i - 1)) }  // f_blocks ... f_ffree
        w.put32(host.loadUnaligned(fromByteOffset: 56, as: UInt32.self), at: 48)  // f_fsid
        w.put32(host.loadUnaligned(fromByteOffset: 60, as: UInt32.self), at: 52)
        w.put32(UInt32(truncatingIfNeeded: long(8)), at: 56)  // f_namelen
        w.put32(UInt32(truncatingIfNeeded: long(9)), at: 60)  // f_frsize
        w.put32(UInt32(truncatingIfNeeded: long(10)), at: 64)  // f_flags
        return w.bytes
    }

    // MARK: open(2) flags

    /// (guest bit, host bit) for every open flag. powerpc moves O_DIRECTORY,
    /// O_NOFOLLOW, O_LARGEFILE and O_DIRECT relative to x86; the rest are the
    /// asm-generic values on both sides.
    static let openFlags: [(guest: UInt32, host: Int32)] = [
        (0o100, O_CREAT), (0o200, O_EXCL), (0o400, O_NOCTTY), (0o1000, O_TRUNC), (0o2000, O_APPEND),
        (0o4000, O_NONBLOCK), (0o10000, O_DSYNC), (0o20000, 0o20000 /* FASYNC */),
        (0o40000, O_DIRECTORY), (0o100000, O_NOFOLLOW), (0o200000, hostLargeFile), (0o400000, HostConstants.O_DIRECT),
        (0o1000000, HostConstants.O_NOATIME), (0o2000000, O_CLOEXEC), (0o4000000, 0o4000000 /* __O_SYNC */),
        (0o10000000, HostConstants.O_PATH), (0o20000000, 0o20000000 /* __O_TMPFILE */),
    ]

    #if arch(x86_64) || arch(i386)
    static let hostLargeFile: Int32 = 0o100000
    #else
    static let hostLargeFile: Int32 = 0o400000
    #endif

    package static func hostOpenFlags(_ guest: UInt32) -> Int32 {
        var host = Int32(bitPattern: guest & 3)  // O_ACCMODE
        for (g, h) in openFlags where guest & g != 0 { host |= h }
        return host
    }

    package static func guestOpenFlags(_ host: Int32) -> UInt32 {
        var guest = UInt32(bitPattern: host & 3)
        for (g, h) in openFlags where host & h == h && h != 0 { guest |= g }
        // Linux reports O_LARGEFILE for every file a 64-bit host opens; qemu passes it on.
        return guest
    }
}
