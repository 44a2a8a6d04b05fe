#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Page permissions of a user-mode address space (a bit set of `MemoryAccess`).
public struct Protection: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = Protection(rawValue: MemoryAccess.read.rawValue)
    public static let write = Protection(rawValue: MemoryAccess.write.rawValue)
    public static let execute = Protection(rawValue: MemoryAccess.execute.rawValue)
    public static let all: Protection = [.read, .write, .execute]
}

/// Resolves a guest page that missed in the core's software TLB. User mode
/// answers from a flat page table; system mode (later) walks the Book E MMU.
public protocol MemoryTranslator: AnyObject {
    /// Host address of the first byte of the 4 KB guest page holding `address`,
    /// or nil when `access` is not allowed there.
    func hostPage(for address: UInt32, access: MemoryAccess) -> UnsafeMutableRawPointer?
    /// The decoded code of the memory behind the translator, if it keeps one.
    var codeCache: CodeCache? { get }
}

extension MemoryTranslator {
    public var codeCache: CodeCache? { nil }
}

/// The 4 GB address space of a Linux user process. Guest address A lives at
/// host address `base + A` inside one reserved, lazily committed host mapping,
/// so guest memory is a plain byte array in big-endian guest byte order;
/// a per-page permission table says what the guest may do with each page.
public final class AddressSpace: MemoryTranslator {
    public static let pageSize: UInt32 = 4096
    public static let pageShift: UInt32 = 12
    static let pageCount = 1 << 20

    /// Host address of guest address 0.
    public let base: UnsafeMutableRawPointer
    /// One permission byte per 4 KB guest page.
    let permissions: UnsafeMutablePointer<UInt8>
    /// The decoded instructions of the address space (CodeCache.swift). Host
    /// code that writes guest memory other than through the methods here says
    /// so first (`willWrite`, `setShared`).
    let decodedCode: CodeCache
    public var codeCache: CodeCache? { decodedCode }

    public init() {
        let size = Int(UInt32.max) + 1
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { fatalError("cannot reserve 4 GB of host address space for the guest") }
        base = p
        permissions = .allocate(capacity: AddressSpace.pageCount)
        permissions.initialize(repeating: 0, count: AddressSpace.pageCount)
        decodedCode = CodeCache(hostBase: p, size: UInt64(size))
    }

    /// Says that [address, address + count) is about to be written from the
    /// host (a system call's result, a loader): decoded code there goes.
    @inline(__always)
    public func willWrite(_ address: UInt32, count: Int) {
        decodedCode.invalidate(base + Int(address), count: count)
    }

    /// Says that host pages under [address, address + count) become (or stop
    /// being) a host MAP_SHARED mapping, which others can write behind the
    /// code cache's back: instructions there are then decoded as they run.
    public func setShared(_ address: UInt32, count: Int, _ shared: Bool) {
        decodedCode.setUncacheable(base + Int(address), count: count, shared)
    }

    deinit {
        munmap(base, Int(UInt32.max) + 1)
        permissions.deallocate()
    }

    public func hostPage(for address: UInt32, access: MemoryAccess) -> UnsafeMutableRawPointer? {
        let page = Int(address >> AddressSpace.pageShift)
        guard permissions[page] & access.rawValue != 0 else { return nil }
        return base + Int(address & ~(AddressSpace.pageSize - 1))
    }

    /// Permissions of the page holding `address`.
    public func protection(at address: UInt32) -> Protection {
        Protection(rawValue: permissions[Int(address >> AddressSpace.pageShift)])
    }

    /// Pages [first, last] covering `length` bytes from `address` (page aligned by the caller or not).
    private func pageRange(_ address: UInt32, _ length: UInt32) -> Range<Int>? {
        guard length > 0 else { return nil }
        let first = Int(address >> AddressSpace.pageShift)
        let end = (UInt64(address) + UInt64(length) + UInt64(AddressSpace.pageSize) - 1) >> UInt64(AddressSpace.pageShift)
        return first..<Int(min(end, UInt64(AddressSpace.pageCount)))
    }

    /// Maps zero-filled pages. Any previous content of the range is discarded.
    public func map(_ address: UInt32, length: UInt32, protection: Protection) {
        guard let pages = pageRange(address, length) else { return }
        discard(pages)
        for p in pages { permissions[p] = protection.rawValue }
    }

    public func unmap(_ address: UInt32, length: UInt32) {
        guard let pages = pageRange(address, length) else { return }
        discard(pages)
        for p in pages { permissions[p] = 0 }
    }

    /// Changes permissions of the pages in range; returns false if any page is unmapped.
    @discardableResult
    public func protect(_ address: UInt32, length: UInt32, protection: Protection) -> Bool {
        guard let pages = pageRange(address, length) else { return true }
        var allMapped = true
        for p in pages {
            if permissions[p] == 0 { allMapped = false; continue }
            permissions[p] = protection.rawValue
        }
        return allMapped
    }

    /// True when every page in the range is mapped (with any permission).
    public func isMapped(_ address: UInt32, length: UInt32) -> Bool {
        guard let pages = pageRange(address, length) else { return true }
        return pages.allSatisfy { permissions[$0] != 0 }
    }

    /// Unmaps everything (execve).
    public func reset() {
        discard(0..<AddressSpace.pageCount)
        permissions.update(repeating: 0, count: AddressSpace.pageCount)
    }

    /// Lowest page-aligned address at or above `hint` with `length` unmapped bytes below `limit`.
    public func findFree(length: UInt32, from hint: UInt32, below limit: UInt32 = 0xF000_0000) -> UInt32? {
        let needed = Int((UInt64(length) + UInt64(AddressSpace.pageSize) - 1) >> UInt64(AddressSpace.pageShift))
        var page = Int(hint >> AddressSpace.pageShift)
        let end = Int(limit >> AddressSpace.pageShift)
        var run = 0
        while page < end {
            if permissions[page] == 0 {
                run += 1
                if run == needed { return UInt32(page - needed + 1) << AddressSpace.pageShift }
            } else {
                run = 0
            }
            page += 1
        }
        return nil
    }

    private func discard(_ pages: Range<Int>) {
        // Give committed memory back; the pages read as zero when mapped again.
        let shift = Int(AddressSpace.pageShift)
        decodedCode.invalidate(base + (pages.lowerBound << shift), count: pages.count << shift)
        madvise(base + (pages.lowerBound << shift), pages.count << shift, MADV_DONTNEED)
    }

    // MARK: Access for the host side (loaders, system calls). These check permissions
    // the way the kernel's copy_to_user/copy_from_user do: the page must be mapped.

    /// Copies guest memory out; nil if any byte is unmapped.
    public func read(_ address: UInt32, count: Int) -> [UInt8]? {
        guard count >= 0, UInt64(address) + UInt64(count) <= 1 << 32 else { return nil }
        guard count == 0 || isMapped(address, length: UInt32(count)) else { return nil }
        return [UInt8](UnsafeRawBufferPointer(start: base + Int(address), count: count))
    }

    /// Copies into guest memory; false if any byte is unmapped.
    @discardableResult
    public func write(_ address: UInt32, bytes: some Collection<UInt8>) -> Bool {
        let count = bytes.count
        guard UInt64(address) + UInt64(count) <= 1 << 32 else { return false }
        guard count == 0 || isMapped(address, length: UInt32(count)) else { return false }
        willWrite(address, count: count)
        let dst = UnsafeMutableRawBufferPointer(start: base + Int(address), count: count)
        _ = dst.initializeMemory(as: UInt8.self, from: bytes)
        return true
    }

    /// Host pointer for `count` mapped guest bytes, for zero-copy read(2)/write(2).
    public func hostPointer(_ address: UInt32, count: Int) -> UnsafeMutableRawPointer? {
        guard count >= 0, UInt64(address) + UInt64(count) <= 1 << 32 else { return nil }
        guard count == 0 || isMapped(address, length: UInt32(count)) else { return nil }
        // The caller may write through it (read(2) into guest memory).
        willWrite(address, count: count)
        return base + Int(address)
    }

    /// NUL-terminated string at `address` (at most `limit` bytes); nil if unmapped or too long.
    public func readCString(_ address: UInt32, limit: Int = 4096) -> String? {
        var bytes: [UInt8] = []
        var a = address
        while bytes.count < limit {
            guard permissions[Int(a >> AddressSpace.pageShift)] != 0 else { return nil }
            let b = base.load(fromByteOffset: Int(a), as: UInt8.self)
            if b == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
            a &+= 1
        }
        return nil
    }

    public func read32(_ address: UInt32) -> UInt32? {
        guard let b = read(address, count: 4) else { return nil }
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    @discardableResult
    public func write32(_ address: UInt32, _ value: UInt32) -> Bool {
        write(address, bytes: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }
}
