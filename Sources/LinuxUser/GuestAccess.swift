#if canImport(Glibc)
import Glibc
#endif
import E500

/// Copying to and from guest memory for system calls, with the checks the
/// kernel's copy_from_user/copy_to_user make: an address the guest may not
/// read (or write) gives EFAULT rather than a host crash.
extension LinuxProcess {
    /// Longest path or string accepted from the guest (PATH_MAX).
    static let pathLimit = 4096

    /// Checks that every page of [address, address+count) allows `access`.
    func checkAccess(_ address: UInt32, count: Int, access: MemoryAccess) throws(Errno) {
        guard count > 0 else { return }
        guard UInt64(address) + UInt64(count) <= 1 << 32 else { throw .EFAULT }
        var page = address & ~(AddressSpace.pageSize - 1)
        let last = UInt32(UInt64(address) + UInt64(count) - 1) & ~(AddressSpace.pageSize - 1)
        while true {
            guard space.protection(at: page).rawValue & access.rawValue != 0 else { throw .EFAULT }
            if page == last { break }
            page += AddressSpace.pageSize
        }
    }

    /// Host pointer to guest bytes the host may read (write(2) source) or fill (read(2) target).
    func guestBuffer(_ address: UInt32, count: Int, writable: Bool) throws(Errno) -> UnsafeMutableRawPointer {
        try checkAccess(address, count: count, access: writable ? .write : .read)
        if writable { space.willWrite(address, count: count) }
        return space.base + Int(address)
    }

    func readBytes(_ address: UInt32, count: Int) throws(Errno) -> [UInt8] {
        let pointer = try guestBuffer(address, count: count, writable: false)
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func writeBytes(_ address: UInt32, _ bytes: [UInt8]) throws(Errno) {
        let pointer = try guestBuffer(address, count: bytes.count, writable: true)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    func read32(_ address: UInt32) throws(Errno) -> UInt32 {
        BigEndianReader(try readBytes(address, count: 4)).u32(at: 0)
    }

    func write32(_ address: UInt32, _ value: UInt32) throws(Errno) {
        var w = BigEndianWriter(size: 4)
        w.put32(value, at: 0)
        try writeBytes(address, w.bytes)
    }

    func write64(_ address: UInt32, _ value: UInt64) throws(Errno) {
        var w = BigEndianWriter(size: 8)
        w.put64(value, at: 0)
        try writeBytes(address, w.bytes)
    }

    /// A NUL-terminated guest string, without the NUL.
    func readString(_ address: UInt32, limit: Int = LinuxProcess.pathLimit) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        var a = address
        while true {
            guard space.protection(at: a).contains(.read) else { throw .EFAULT }
            // Scan to the end of this page at most.
            let pageEnd = UInt64(a & ~(AddressSpace.pageSize - 1)) + UInt64(AddressSpace.pageSize)
            while UInt64(a) < pageEnd {
                let b = space.base.load(fromByteOffset: Int(a), as: UInt8.self)
                if b == 0 { return bytes }
                bytes.append(b)
                if bytes.count >= limit { throw .ENAMETOOLONG }
                if a == UInt32.max { throw .EFAULT }
                a += 1
            }
        }
    }

    /// A guest path as a NUL-terminated host C string (paths are host paths).
    func readPath(_ address: UInt32) throws(Errno) -> [CChar] {
        let bytes = try readString(address)
        return bytes.map { CChar(bitPattern: $0) } + [0]
    }

    /// A NULL-terminated array of string pointers (argv, envp); a NULL array is empty.
    func readStringArray(_ address: UInt32) throws(Errno) -> [[UInt8]] {
        guard address != 0 else { return [] }
        var strings: [[UInt8]] = []
        var totalSize = 0
        var slot = address
        while true {
            let pointer = try read32(slot)
            if pointer == 0 { return strings }
            let string = try readString(pointer, limit: 128 * 1024)
            totalSize += string.count + 1 + 4
            // Linux limits argv+envp to a quarter of the stack; beyond that execve gives E2BIG.
            if totalSize > 2 << 20 { throw .E2BIG }
            strings.append(string)
            slot &+= 4
        }
    }
}

extension Protection {
    /// Protection from Linux PROT_* bits (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4).
    init(linuxBits: UInt32) {
        var p: Protection = []
        if linuxBits & 1 != 0 { p.insert(.read) }
        if linuxBits & 2 != 0 { p.insert(.write) }
        if linuxBits & 4 != 0 { p.insert(.execute) }
        self = p
    }
}
