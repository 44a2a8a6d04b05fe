#if canImport(Glibc)
import Glibc
#endif

/// poll and select, passed through to the host. struct pollfd and the poll
/// event bits are the same on powerpc; fd_set is an array of 32-bit
/// big-endian words in the guest, so it is converted bit by bit.
extension LinuxProcess {
    enum SelectTimeout { case timeval, timespec32, timespec64 }

    func sysPoll(fds: UInt32, count: UInt32, timeoutMilliseconds: Int32) throws(Errno) -> Int {
        try pollDescriptors(fds: fds, count: count, timeoutMilliseconds: timeoutMilliseconds)
    }

    func sysPpoll(fds: UInt32, count: UInt32, timeout: UInt32, time64: Bool) throws(Errno) -> Int {
        var milliseconds: Int32 = -1
        if timeout != 0 {
            let t = GuestLayout.parseTimespec(try readBytes(timeout, count: GuestLayout.timespecSize(time64: time64)), time64: time64)
            guard t.tv_sec >= 0, t.tv_nsec >= 0, t.tv_nsec < 1_000_000_000 else { throw .EINVAL }
            milliseconds = Int32(clamping: t.tv_sec * 1000 + (t.tv_nsec + 999_999) / 1_000_000)
        }
        return try pollDescriptors(fds: fds, count: count, timeoutMilliseconds: milliseconds)
    }

    private func pollDescriptors(fds: UInt32, count: UInt32, timeoutMilliseconds: Int32) throws(Errno) -> Int {
        guard count <= 65536 else { throw .EINVAL }
        let bytes = try readBytes(fds, count: Int(count) * 8)
        let r = BigEndianReader(bytes)
        var host = (0..<Int(count)).map { i in
            pollfd(fd: r.i32(at: 8 * i), events: Int16(bitPattern: r.u16(at: 8 * i + 4)), revents: 0)
        }
        trace?.flush()
        let ready = poll(&host, nfds_t(count), timeoutMilliseconds)
        guard ready >= 0 else { throw .host }
        var w = BigEndianWriter(size: bytes.count)
        w.putBytes(bytes, at: 0)
        for (i, entry) in host.enumerated() { w.put16(UInt16(bitPattern: entry.revents), at: 8 * i + 6) }
        try writeBytes(fds, w.bytes)
        return Int(ready)
    }

    func sysSelect(count: Int32, read: UInt32, write: UInt32, except: UInt32, timeout: UInt32, kind: SelectTimeout) throws(Errno) -> Int {
        guard count >= 0, count <= FD_SETSIZE else { throw .EINVAL }
        let words = (Int(count) + 31) / 32

        func load(_ address: UInt32) throws(Errno) -> fd_set? {
            guard address != 0 else { return nil }
            let r = BigEndianReader(try readBytes(address, count: words * 4))
            var set = fd_set()
            fdZero(&set)
            for fd in 0..<Int(count) where r.u32(at: fd / 32 * 4) & (1 << UInt32(fd % 32)) != 0 { fdSet(Int32(fd), &set) }
            return set
        }
        func store(_ set: fd_set?, _ address: UInt32) throws(Errno) {
            guard var set, address != 0 else { return }
            var w = BigEndianWriter(size: words * 4)
            var word: UInt32 = 0
            for fd in 0..<Int(count) {
                if fdIsSet(Int32(fd), &set) { word |= 1 << UInt32(fd % 32) }
                if fd % 32 == 31 || fd == Int(count) - 1 {
                    w.put32(word, at: fd / 32 * 4)
                    word = 0
                }
            }
            try writeBytes(address, w.bytes)
        }

        var readSet = try load(read), writeSet = try load(write), exceptSet = try load(except)
        var hostTimeout: timeval? = nil
        if timeout != 0 {
            switch kind {
            case .timeval:
                let r = BigEndianReader(try readBytes(timeout, count: 8))
                hostTimeout = timeval(tv_sec: Int(r.i32(at: 0)), tv_usec: Int(r.i32(at: 4)))
            case .timespec32, .timespec64:
                let time64 = kind == .timespec64
                let t = GuestLayout.parseTimespec(try readBytes(timeout, count: GuestLayout.timespecSize(time64: time64)), time64: time64)
                hostTimeout = timeval(tv_sec: t.tv_sec, tv_usec: t.tv_nsec / 1000)
            }
            guard hostTimeout!.tv_sec >= 0, hostTimeout!.tv_usec >= 0 else { throw .EINVAL }
        }
        trace?.flush()
        let ready = withOptionalPointer(&readSet) { r in
            withOptionalPointer(&writeSet) { w in
                withOptionalPointer(&exceptSet) { e in
                    withOptionalPointer(&hostTimeout) { t in select(count, r, w, e, t) }
                }
            }
        }
        guard ready >= 0 else { throw .host }
        try store(readSet, read)
        try store(writeSet, write)
        try store(exceptSet, except)
        if timeout != 0, kind == .timeval, let left = hostTimeout {
            // Linux's select reports the time left in a timeval timeout.
            try writeBytes(timeout, GuestLayout.timeval(seconds: left.tv_sec, microseconds: left.tv_usec))
        }
        return Int(ready)
    }
}

private func withOptionalPointer<T, R>(_ value: inout T?, _ body: (UnsafeMutablePointer<T>?) -> R) -> R {
    guard value != nil else { return body(nil) }
    var unwrapped = value!
    defer { value = unwrapped }
    return body(&unwrapped)
}

// fd_set bit helpers (the C macros are not imported into Swift).
private func fdZero(_ set: inout fd_set) {
    withUnsafeMutableBytes(of: &set) { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
}

private func fdSet(_ fd: Int32, _ set: inout fd_set) {
    withUnsafeMutableBytes(of: &set) { raw in raw[Int(fd) / 8] |= UInt8(1 << (fd % 8)) }
}

private func fdIsSet(_ fd: Int32, _ set: inout fd_set) -> Bool {
    withUnsafeBytes(of: &set) { raw in raw[Int(fd) / 8] & UInt8(1 << (fd % 8)) != 0 }
}
