/// Guest loads and stores. The fast path is one software-TLB probe and a host
/// load; misses, page-crossing accesses and faults take the slow path, which
/// asks the translator and records a fault in `pendingStop`.
extension Core {
    static let pageMask: UInt32 = 0xFFFF_F000

    /// Host address for an access of `size` bytes at `ea` that stays within one page, or nil.
    @inline(__always)
    func fastHost(_ ea: UInt32, _ size: UInt32, write: Bool) -> UnsafeMutableRawPointer? {
        let offset = ea & 0xFFF
        guard offset &+ size <= 0x1000 else { return nil }
        let entry = softTLB + Int((ea >> 12) & UInt32(Core.softTLBSize - 1))
        let page = ea & Core.pageMask
        if (write ? entry.pointee.writeTag : entry.pointee.readTag) == page {
            return entry.pointee.hostPage.unsafelyUnwrapped + Int(offset)
        }
        return fillTLB(ea, write: write).map { $0 + Int(offset) }
    }

    /// Asks the translator for the page and caches it.
    @inline(never)
    func fillTLB(_ ea: UInt32, write: Bool) -> UnsafeMutableRawPointer? {
        let page = ea & Core.pageMask
        guard let host = translate(ea, write ? .write : .read) else { return nil }
        let entry = softTLB + Int((ea >> 12) & UInt32(Core.softTLBSize - 1))
        if entry.pointee.hostPage != host { entry.pointee = SoftTLBEntry() }
        entry.pointee.hostPage = host
        if write {
            // Decoded code on the page goes before the first store lands
            // (the store that follows this refill, and every one after it).
            willStore(toHostPage: host)
            entry.pointee.writeTag = page
            // A writable page is readable in every translator we have (user pages, Book E SR/UR with SW/UW).
            if translate(ea, .read) != nil { entry.pointee.readTag = page }
        } else {
            entry.pointee.readTag = page
        }
        return host
    }

    /// Host address of the code page holding `pc`: the software TLB first
    /// (a branch to another page is common), then the translator.
    @inline(__always)
    func codePage(_ pc: UInt32) -> UnsafeMutableRawPointer? {
        let entry = softTLB + Int((pc >> 12) & UInt32(Core.softTLBSize - 1))
        if entry.pointee.executeTag == pc & Core.pageMask { return entry.pointee.hostPage }
        return fillCodePage(pc)
    }

    @inline(never)
    func fillCodePage(_ pc: UInt32) -> UnsafeMutableRawPointer? {
        guard let host = translate(pc, .execute) else { return nil }
        let entry = softTLB + Int((pc >> 12) & UInt32(Core.softTLBSize - 1))
        if entry.pointee.hostPage != host { entry.pointee = SoftTLBEntry() }
        entry.pointee.hostPage = host
        entry.pointee.executeTag = pc & Core.pageMask
        return host
    }

    /// The translator, or the Book E MMU directly in system configurations
    /// (no protocol call and no reference counting on the miss path).
    @inline(__always)
    func translate(_ ea: UInt32, _ access: MemoryAccess) -> UnsafeMutableRawPointer? {
        if mmuUnretained != nil { return systemHostPage(ea, access) }
        return translator.hostPage(for: ea, access: access)
    }

    @inline(never)
    func fault(_ ea: UInt32, _ access: MemoryAccess) {
        if !stopPending { requestStop(.memoryFault(address: ea, access: access)) }
    }

    /// Byte-wise access for page-crossing and faulting cases. Checks every byte
    /// first so a faulting store writes nothing, as hardware does.
    @inline(never)
    func slowLoad(_ ea: UInt32, _ size: UInt32) -> UInt32 {
        if mmu != nil { return systemLoad(ea, size) }
        var value: UInt32 = 0
        for k in 0..<size {
            let a = ea &+ k
            guard let host = translator.hostPage(for: a, access: .read) else { fault(a, .read); return 0 }
            value = value << 8 | UInt32(host.load(fromByteOffset: Int(a & 0xFFF), as: UInt8.self))
        }
        return value
    }

    @inline(never)
    func slowStore(_ ea: UInt32, _ size: UInt32, _ value: UInt32) {
        if mmu != nil { systemStore(ea, size, value); return }
        for k in 0..<size where translator.hostPage(for: ea &+ k, access: .write) == nil {
            fault(ea &+ k, .write)
            return
        }
        for k in 0..<size {
            let a = ea &+ k
            let host = translator.hostPage(for: a, access: .write).unsafelyUnwrapped
            willStore(toHostPage: host)
            host.storeBytes(of: UInt8(truncatingIfNeeded: value >> ((size - 1 - k) * 8)), toByteOffset: Int(a & 0xFFF), as: UInt8.self)
        }
    }

    @inline(__always) func load8(_ ea: UInt32) -> UInt32 {
        if let p = fastHost(ea, 1, write: false) { return UInt32(p.load(as: UInt8.self)) }
        return slowLoad(ea, 1)
    }
    @inline(__always) func load16(_ ea: UInt32) -> UInt32 {
        if let p = fastHost(ea, 2, write: false) { return UInt32(UInt16(bigEndian: p.loadUnaligned(as: UInt16.self))) }
        return slowLoad(ea, 2)
    }
    @inline(__always) func load32(_ ea: UInt32) -> UInt32 {
        if let p = fastHost(ea, 4, write: false) { return UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)) }
        return slowLoad(ea, 4)
    }
    @inline(__always) func load64(_ ea: UInt32) -> UInt64 {
        if let p = fastHost(ea, 8, write: false) { return UInt64(bigEndian: p.loadUnaligned(as: UInt64.self)) }
        let high = slowLoad(ea, 4)
        let low = slowLoad(ea &+ 4, 4)
        return UInt64(high) << 32 | UInt64(low)
    }
    @inline(__always) func store8(_ ea: UInt32, _ v: UInt32) {
        if let p = fastHost(ea, 1, write: true) { p.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self); return }
        slowStore(ea, 1, v)
    }
    @inline(__always) func store16(_ ea: UInt32, _ v: UInt32) {
        if let p = fastHost(ea, 2, write: true) { p.storeBytes(of: UInt16(truncatingIfNeeded: v).bigEndian, as: UInt16.self); return }
        slowStore(ea, 2, v)
    }
    @inline(__always) func store32(_ ea: UInt32, _ v: UInt32) {
        if let p = fastHost(ea, 4, write: true) { p.storeBytes(of: v.bigEndian, as: UInt32.self); return }
        slowStore(ea, 4, v)
    }
    @inline(__always) func store64(_ ea: UInt32, _ v: UInt64) {
        if let p = fastHost(ea, 8, write: true) { p.storeBytes(of: v.bigEndian, as: UInt64.self); return }
        // Check both halves before writing either, so a fault leaves memory untouched.
        guard canWrite(ea, 8) else { return }
        slowStore(ea, 4, UInt32(truncatingIfNeeded: v >> 32))
        slowStore(ea &+ 4, 4, UInt32(truncatingIfNeeded: v))
    }

    /// True when every byte of [ea, ea+size) is writable (size <= 4096, so at
    /// most two pages); records the fault otherwise.
    func canWrite(_ ea: UInt32, _ size: UInt32) -> Bool { canAccess(ea, size, .write) }

    /// True when every byte of [ea, ea+size) is readable; records the fault otherwise.
    func canRead(_ ea: UInt32, _ size: UInt32) -> Bool { canAccess(ea, size, .read) }

    private func canAccess(_ ea: UInt32, _ size: UInt32, _ access: MemoryAccess) -> Bool {
        // Within one page and with no data address compare armed, a software-TLB
        // hit (or refill) answers, as it does for the access that follows;
        // otherwise, and for the fault, the byte-wise check below.
        if debugEvents & DebugBits.dataEvents == 0 && access != .execute
            && fastHost(ea, size, write: access == .write) != nil { return true }
        guard canAccessByte(ea, access) && canAccessByte(ea &+ (size - 1), access) else { return false }
        // A data address compare anywhere in the range stops the whole access (MSR[DE] = 1).
        if debugEvents & DebugBits.dataEvents != 0 && dataAddressCompare(ea, size, access) { return false }
        return true
    }

    /// Whether one byte is accessible; records the fault (the interrupt's cause in system mode) if not.
    private func canAccessByte(_ address: UInt32, _ access: MemoryAccess) -> Bool {
        if mmu != nil {
            let (physical, fault) = systemTranslation(address, access)
            if physical == nil { requestStop(fault!); return false }
            return true
        }
        if translator.hostPage(for: address, access: access) == nil {
            fault(address, access)
            return false
        }
        return true
    }
}
