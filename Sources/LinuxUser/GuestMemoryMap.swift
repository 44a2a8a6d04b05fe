#if canImport(Glibc)
import Glibc
#endif
import E500

/// The guest's virtual memory layout, the user-mode equivalent of the kernel's
/// VMA list: which pages are mapped and with what protection, where the next
/// mmap goes, and the program break.
///
/// AddressSpace only knows page permissions, and a PROT_NONE mapping has none,
/// so it cannot tell "mapped but inaccessible" from "free". This map keeps one
/// state byte per page and mirrors the permissions into the AddressSpace.
/// Placement follows qemu-user (7.2, 32-bit guest on a 64-bit host) so that
/// guest-visible addresses match the oracle: mmap without a usable hint
/// searches downward from a moving start that begins at 0x40000000.
public final class GuestMemoryMap {
    public static let pageSize = AddressSpace.pageSize
    static let pageShift = AddressSpace.pageShift
    static let pageCount = 1 << 20
    /// qemu's TASK_UNMAPPED_BASE for 32-bit guests: the first default mmap address.
    public static let unmappedBase: UInt32 = 0x4000_0000
    /// One past the highest guest address (qemu reserves the whole 4 GB).
    static let addressSpaceEnd: UInt64 = 1 << 32

    // Page state bits. The low three bits are the Protection.
    private static let mappedBit: UInt8 = 0x80
    /// The host memory behind the page is not the AddressSpace's private
    /// anonymous memory but a MAP_SHARED mapping (shared with forked children
    /// or with a file); unmapping must put private memory back.
    private static let sharedBit: UInt8 = 0x40
    private static let protectionBits: UInt8 = 0x07
    /// A page the ELF loader reserved between two segments, as qemu-user
    /// does (so later mappings land where qemu puts them). Linux leaves such
    /// gaps unmapped, so a fault there is SEGV_MAPERR, not SEGV_ACCERR.
    private static let loaderGapBit: UInt8 = 0x20

    public let space: AddressSpace
    private let pageStates: UnsafeMutablePointer<UInt8>

    /// Where the next mmap without an address hint starts looking (qemu's mmap_next_start).
    public private(set) var nextMmapStart: UInt32 = GuestMemoryMap.unmappedBase

    /// Program break: the first byte past the heap, the break set at load
    /// time (never shrinks below it) and the end of the pages backing the heap.
    public private(set) var brk: UInt32 = 0
    public private(set) var initialBrk: UInt32 = 0
    private var brkPageEnd: UInt32 = 0

    public init(space: AddressSpace) {
        self.space = space
        pageStates = .allocate(capacity: GuestMemoryMap.pageCount)
        pageStates.initialize(repeating: 0, count: GuestMemoryMap.pageCount)
    }

    deinit { pageStates.deallocate() }

    static func pageAlignUp(_ value: UInt64) -> UInt64 {
        (value + UInt64(pageSize) - 1) & ~UInt64(pageSize - 1)
    }

    private func pages(_ address: UInt32, _ length: UInt32) -> Range<Int> {
        let first = Int(address >> GuestMemoryMap.pageShift)
        let end = Int(GuestMemoryMap.pageAlignUp(UInt64(address) + UInt64(length)) >> UInt64(GuestMemoryMap.pageShift))
        return first..<min(end, GuestMemoryMap.pageCount)
    }

    // MARK: Queries

    public func isMapped(page address: UInt32) -> Bool {
        pageStates[Int(address >> GuestMemoryMap.pageShift)] & GuestMemoryMap.mappedBit != 0
    }

    /// Whether a fault on the page is an access error (SEGV_ACCERR) rather
    /// than a fault on nothing (SEGV_MAPERR), as Linux tells them apart.
    public func faultIsAccessError(page address: UInt32) -> Bool {
        pageStates[Int(address >> GuestMemoryMap.pageShift)] & (GuestMemoryMap.mappedBit | GuestMemoryMap.loaderGapBit)
            == GuestMemoryMap.mappedBit
    }

    /// Marks reserved pages between ELF segments (see `loaderGapBit`).
    func markLoaderGap(_ address: UInt32, length: UInt32) {
        for p in pages(address, length) where pageStates[p] & GuestMemoryMap.mappedBit != 0 {
            pageStates[p] |= GuestMemoryMap.loaderGapBit
        }
    }

    /// True when every page of the range is mapped (mprotect, munmap checks).
    public func isFullyMapped(_ address: UInt32, length: UInt32) -> Bool {
        pages(address, length).allSatisfy { pageStates[$0] & GuestMemoryMap.mappedBit != 0 }
    }

    /// True when no page of the range is mapped.
    public func isFree(_ address: UInt32, length: UInt32) -> Bool {
        guard UInt64(address) + UInt64(length) <= GuestMemoryMap.addressSpaceEnd else { return false }
        return pages(address, length).allSatisfy { pageStates[$0] & GuestMemoryMap.mappedBit == 0 }
    }

    public func protection(at address: UInt32) -> Protection? {
        let state = pageStates[Int(address >> GuestMemoryMap.pageShift)]
        guard state & GuestMemoryMap.mappedBit != 0 else { return nil }
        return Protection(rawValue: state & GuestMemoryMap.protectionBits)
    }

    /// A free page-aligned range of `length` bytes, chosen like qemu-user's
    /// mmap_find_vma with a reserved guest space: start at the hint (or the
    /// moving default start), and while a page in the candidate range is in
    /// use, move the candidate to end just below that page. Searching wraps
    /// to the top of the address space once.
    public func findFreeRange(length: UInt32, hint: UInt32?) -> UInt32? {
        let size = GuestMemoryMap.pageAlignUp(UInt64(length))
        let page = UInt64(GuestMemoryMap.pageSize)
        let top = GuestMemoryMap.addressSpaceEnd
        guard size > 0, size <= top else { return nil }
        let usesDefault = hint == nil || hint == 0
        let start = usesDefault ? UInt64(nextMmapStart) : UInt64(hint! & ~(GuestMemoryMap.pageSize - 1))

        var looped = false
        var end = start + size
        if start > top - size {
            end = top
            looped = true
        }
        var address = end
        while true {
            // Walk down one page at a time; `address` is the page being checked.
            if address < page || address - page > end {
                if looped { return nil }
                address = top
                end = top
                looped = true
                continue
            }
            address -= page
            if pageStates[Int(address >> UInt64(GuestMemoryMap.pageShift))] & GuestMemoryMap.mappedBit != 0 {
                // In use: the candidate now ends at this page.
                guard address >= size else {
                    if looped { return nil }
                    address = top; end = top; looped = true
                    continue
                }
                end = address
            } else if address != 0 && address + size == end {
                if usesDefault { nextMmapStart = UInt32(address) }
                return UInt32(address)
            }
        }
    }

    // MARK: Changes. Callers flush the core's TLB afterwards.

    /// Maps zero-filled private pages, replacing whatever was there.
    public func mapAnonymous(at address: UInt32, length: UInt32, protection: Protection) {
        let range = pages(address, length)
        guard !range.isEmpty else { return }
        restorePrivateBacking(range)
        space.map(address, length: length, protection: protection)
        for p in range { pageStates[p] = GuestMemoryMap.mappedBit | protection.rawValue }
    }

    /// Maps pages backed by a host MAP_SHARED mapping: anonymous shared memory
    /// (visible to forked children, as MAP_SHARED|MAP_ANONYMOUS must be) or a
    /// host file, so writes reach it. False if the host refuses.
    public func mapShared(at address: UInt32, length: UInt32, protection: Protection,
                          fileDescriptor: Int32 = -1, offset: Int64 = 0) -> Bool {
        let range = pages(address, length)
        guard !range.isEmpty else { return true }
        let hostLength = range.count << Int(GuestMemoryMap.pageShift)
        var hostProtection = PROT_READ | PROT_WRITE
        if fileDescriptor >= 0 {
            // Ask for write access only when the guest wants it: a read-only fd cannot be mapped writable.
            hostProtection = protection.contains(.write) ? PROT_READ | PROT_WRITE : PROT_READ
        }
        let flags = MAP_SHARED | MAP_FIXED | (fileDescriptor < 0 ? MAP_ANONYMOUS : 0)
        restorePrivateBacking(range)
        space.unmap(address, length: length)
        // Other mappers (the file, forked children) change these pages
        // behind the code cache's back: their instructions are decoded as they run.
        space.setShared(address, count: hostLength, true)
        let result = mmap(space.base + Int(address), hostLength, hostProtection, flags, fileDescriptor, off_t(offset))
        guard result != MAP_FAILED else {
            for p in range { pageStates[p] = 0 }
            return false
        }
        space.setProtection(address, length: length, protection: protection)
        for p in range { pageStates[p] = GuestMemoryMap.mappedBit | GuestMemoryMap.sharedBit | protection.rawValue }
        return true
    }

    public func unmap(_ address: UInt32, length: UInt32) {
        let range = pages(address, length)
        guard !range.isEmpty else { return }
        restorePrivateBacking(range)
        space.unmap(address, length: length)
        for p in range { pageStates[p] = 0 }
    }

    /// Changes protection of mapped pages; false (ENOMEM) if any page in the range is unmapped,
    /// in which case nothing changes.
    @discardableResult
    public func protect(_ address: UInt32, length: UInt32, protection: Protection) -> Bool {
        let range = pages(address, length)
        guard range.allSatisfy({ pageStates[$0] & GuestMemoryMap.mappedBit != 0 }) else { return false }
        for p in range {
            pageStates[p] = (pageStates[p] & ~(GuestMemoryMap.protectionBits | GuestMemoryMap.loaderGapBit)) | protection.rawValue
        }
        space.setProtection(address, length: length, protection: protection)
        return true
    }

    /// Puts the AddressSpace's own private anonymous memory back under pages
    /// that were backed by a host MAP_SHARED mapping.
    private func restorePrivateBacking(_ range: Range<Int>) {
        var p = range.lowerBound
        while p < range.upperBound {
            guard pageStates[p] & GuestMemoryMap.sharedBit != 0 else { p += 1; continue }
            var end = p
            while end < range.upperBound && pageStates[end] & GuestMemoryMap.sharedBit != 0 { end += 1 }
            let shift = Int(GuestMemoryMap.pageShift)
            space.setShared(UInt32(p << shift), count: (end - p) << shift, false)
            _ = mmap(space.base + (p << shift), (end - p) << shift, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
            for q in p..<end { pageStates[q] &= ~GuestMemoryMap.sharedBit }
            p = end
        }
    }

    /// Forgets every mapping (execve).
    public func reset() {
        restorePrivateBacking(0..<GuestMemoryMap.pageCount)
        space.reset()
        pageStates.update(repeating: 0, count: GuestMemoryMap.pageCount)
        nextMmapStart = GuestMemoryMap.unmappedBase
        brk = 0; initialBrk = 0; brkPageEnd = 0
    }

    // MARK: Kernel-side access (loader, stack setup): ignores page permissions.

    public func copyIn(_ address: UInt32, _ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        space.willWrite(address, count: bytes.count)
        (space.base + Int(address)).copyMemory(from: source, byteCount: bytes.count)
    }

    public func copyIn(_ address: UInt32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { copyIn(address, $0) }
    }

    public func zeroFill(_ address: UInt32, count: Int) {
        guard count > 0 else { return }
        space.willWrite(address, count: count)
        (space.base + Int(address)).initializeMemory(as: UInt8.self, repeating: 0, count: count)
    }

    // MARK: Program break (qemu-user's do_brk)

    /// Sets the break after loading: page-aligned end of the image.
    public func setInitialBrk(_ endOfImage: UInt32) {
        let aligned = UInt32(truncatingIfNeeded: GuestMemoryMap.pageAlignUp(UInt64(endOfImage)))
        brk = aligned; initialBrk = aligned; brkPageEnd = aligned
    }

    /// brk(2): moves the break if it can and returns the (possibly unchanged)
    /// break, as the kernel does; 0 only queries.
    public func setBrk(_ requested: UInt32) -> UInt32 {
        if requested == 0 || requested < initialBrk { return brk }
        if requested <= brkPageEnd {
            // Memory between the old and new break reads as zero, even if
            // the heap had grown and shrunk before.
            if requested > brk { zeroFill(brk, count: Int(requested - brk)) }
            brk = requested
            return brk
        }
        let newPageEnd = GuestMemoryMap.pageAlignUp(UInt64(requested))
        guard newPageEnd <= GuestMemoryMap.addressSpaceEnd,
              isFree(brkPageEnd, length: UInt32(newPageEnd - UInt64(brkPageEnd))) else { return brk }
        zeroFill(brk, count: Int(brkPageEnd - brk))
        mapAnonymous(at: brkPageEnd, length: UInt32(newPageEnd - UInt64(brkPageEnd)), protection: [.read, .write])
        brk = requested
        brkPageEnd = UInt32(truncatingIfNeeded: newPageEnd)
        return brk
    }
}
