#if canImport(Glibc)
import Glibc
#endif
import E500

/// mmap flags as powerpc defines them (asm/mman.h; several differ from x86).
enum GuestMapFlags {
    static let shared: UInt32 = 0x01
    static let `private`: UInt32 = 0x02
    static let sharedValidate: UInt32 = 0x03
    static let typeMask: UInt32 = 0x0f
    static let fixed: UInt32 = 0x10
    static let anonymous: UInt32 = 0x20
    static let fixedNoReplace: UInt32 = 0x100000
}

extension LinuxProcess {
    static let pageMask: UInt32 = AddressSpace.pageSize - 1

    func sysBrk(_ requested: UInt32) -> UInt32 {
        let result = memory.setBrk(requested)
        core.flushTLB()
        return result
    }

    func sysMmap(address: UInt32, length: UInt32, protection: UInt32, flags: UInt32, fd: Int32, offset: Int64) throws(Errno) -> Int {
        guard length > 0, offset & Int64(LinuxProcess.pageMask) == 0 else { throw .EINVAL }
        let type = flags & GuestMapFlags.typeMask
        guard type == GuestMapFlags.shared || type == GuestMapFlags.private || type == GuestMapFlags.sharedValidate else {
            throw .EINVAL
        }
        let alignedLength = GuestMemoryMap.pageAlignUp(UInt64(length))
        guard alignedLength < 1 << 32 else { throw .ENOMEM }
        let size = UInt32(alignedLength)
        let anonymous = flags & GuestMapFlags.anonymous != 0
        let shared = type != GuestMapFlags.private
        let guestProtection = Protection(linuxBits: protection)

        // Check the file before choosing or clobbering any address.
        if !anonymous {
            let status = fcntl(fd, F_GETFL)
            guard status >= 0 else { throw .EBADF }
            if status & O_ACCMODE == O_WRONLY { throw .EACCES }
            if shared && guestProtection.contains(.write) && status & O_ACCMODE != O_RDWR { throw .EACCES }
        }

        let start: UInt32
        if flags & GuestMapFlags.fixed != 0 {
            guard address & LinuxProcess.pageMask == 0 else { throw .EINVAL }
            guard UInt64(address) + alignedLength <= 1 << 32 else { throw .ENOMEM }
            start = address
        } else if flags & GuestMapFlags.fixedNoReplace != 0 {
            guard address & LinuxProcess.pageMask == 0 else { throw .EINVAL }
            guard memory.isFree(address, length: size) else { throw .EEXIST }
            start = address
        } else {
            guard let found = memory.findFreeRange(length: size, hint: address == 0 ? nil : address) else { throw .ENOMEM }
            start = found
        }

        defer { core.flushTLB() }
        if anonymous {
            if shared {
                guard memory.mapShared(at: start, length: size, protection: guestProtection) else { throw .ENOMEM }
            } else {
                memory.mapAnonymous(at: start, length: size, protection: guestProtection)
            }
            return Int(start)
        }
        if shared {
            // A real host file mapping, so stores reach the file and other mappers.
            guard memory.mapShared(at: start, length: size, protection: guestProtection, fileDescriptor: fd, offset: offset) else {
                throw errno == EACCES || errno == ENODEV ? .host : .ENODEV
            }
            return Int(start)
        }
        // A private file mapping is a private copy of the file's bytes; past
        // the end of the file it reads as zero.
        memory.mapAnonymous(at: start, length: size, protection: guestProtection)
        var filled = 0
        while filled < Int(length) {
            space.willWrite(start + UInt32(filled), count: Int(length) - filled)
            let n = pread(fd, space.base + Int(start) + filled, Int(length) - filled, off_t(offset) + off_t(filled))
            if n < 0 {
                if errno == EINTR { continue }
                let error: Errno = errno == ESPIPE ? .ENODEV : .host
                memory.unmap(start, length: size)
                throw error
            }
            if n == 0 { break }
            filled += n
        }
        return Int(start)
    }

    func sysMunmap(address: UInt32, length: UInt32) throws(Errno) -> Int {
        guard address & LinuxProcess.pageMask == 0, length > 0 else { throw .EINVAL }
        guard UInt64(address) + UInt64(length) <= 1 << 32 else { throw .EINVAL }
        memory.unmap(address, length: length)
        core.flushTLB()
        return 0
    }

    func sysMprotect(address: UInt32, length: UInt32, protection: UInt32) throws(Errno) -> Int {
        guard address & LinuxProcess.pageMask == 0 else { throw .EINVAL }
        // PROT_READ|WRITE|EXEC|SEM|SAO and PROT_GROWSDOWN/GROWSUP.
        guard protection & ~UInt32(0x0300_001f) == 0 else { throw .EINVAL }
        guard length > 0 else { return 0 }
        guard UInt64(address) + UInt64(length) <= 1 << 32 else { throw .ENOMEM }
        guard memory.protect(address, length: length, protection: Protection(linuxBits: protection)) else { throw .ENOMEM }
        core.flushTLB()
        return 0
    }

    /// mremap: shrink in place, grow in place when the following pages are
    /// free, otherwise move (MREMAP_MAYMOVE) by copying the contents.
    func sysMremap(old: UInt32, oldLength: UInt32, newLength: UInt32, flags: UInt32, newAddress: UInt32) throws(Errno) -> Int {
        let mayMove: UInt32 = 1, fixed: UInt32 = 2
        guard old & LinuxProcess.pageMask == 0, flags & ~(mayMove | fixed | 4) == 0 else { throw .EINVAL }
        guard flags & fixed == 0 || flags & mayMove != 0 else { throw .EINVAL }
        guard newLength > 0 else { throw .EINVAL }
        let oldSize = UInt32(truncatingIfNeeded: GuestMemoryMap.pageAlignUp(UInt64(oldLength)))
        let newSizeWide = GuestMemoryMap.pageAlignUp(UInt64(newLength))
        guard newSizeWide < 1 << 32 else { throw .ENOMEM }
        let newSize = UInt32(newSizeWide)
        guard let protection = memory.protection(at: old), memory.isFullyMapped(old, length: max(oldSize, 1)) else { throw .EFAULT }
        defer { core.flushTLB() }

        if flags & fixed == 0 {
            if newSize <= oldSize {
                if newSize < oldSize { memory.unmap(old + newSize, length: oldSize - newSize) }
                return Int(old)
            }
            if UInt64(old) + newSizeWide <= 1 << 32 && memory.isFree(old + oldSize, length: newSize - oldSize) {
                memory.mapAnonymous(at: old + oldSize, length: newSize - oldSize, protection: protection)
                return Int(old)
            }
            guard flags & mayMove != 0 else { throw .ENOMEM }
        }

        let destination: UInt32
        if flags & fixed != 0 {
            guard newAddress & LinuxProcess.pageMask == 0, UInt64(newAddress) + newSizeWide <= 1 << 32 else { throw .EINVAL }
            let overlaps = UInt64(newAddress) < UInt64(old) + UInt64(oldSize) && UInt64(old) < UInt64(newAddress) + newSizeWide
            guard !overlaps else { throw .EINVAL }
            destination = newAddress
        } else {
            guard let found = memory.findFreeRange(length: newSize, hint: nil) else { throw .ENOMEM }
            destination = found
        }
        let preserved = Int(min(oldSize, newSize))
        let contents = [UInt8](UnsafeRawBufferPointer(start: space.base + Int(old), count: preserved))
        memory.mapAnonymous(at: destination, length: newSize, protection: protection)
        memory.copyIn(destination, contents)
        memory.unmap(old, length: oldSize)
        return Int(destination)
    }

    func sysMadvise(address: UInt32, length: UInt32, advice: Int32) throws(Errno) -> Int {
        guard address & LinuxProcess.pageMask == 0 else { throw .EINVAL }
        let dontNeed: Int32 = 4
        if advice == dontNeed && length > 0 {
            guard memory.isFullyMapped(address, length: length) else { throw .ENOMEM }
            // Private anonymous pages read back as zero afterwards, as on Linux.
            let size = Int(GuestMemoryMap.pageAlignUp(UInt64(length)))
            space.willWrite(address, count: size)
            madvise(space.base + Int(address), size, MADV_DONTNEED)
        }
        return 0
    }
}
