import E500

/// The hardware TLB as the VMM programs it: shadows of guest TLB entries,
/// the way Linux KVM does on e500 cores without hardware virtualization
/// (arch/powerpc/kvm/e500_mmu_host.c).
///
/// - The guest always runs with MSR[PR] = 1 and MSR[IS] = MSR[DS] = 1, so
///   every shadow entry is in translation space 1 and grants the guest's
///   permissions as user permissions: the guest's user bits when the guest
///   runs in user mode, its supervisor bits moved to the user positions when
///   it runs its kernel.
/// - Which guest context an entry belongs to is its shadow ID, one hardware
///   TID per (guest address space, guest PID, guest PR). The hardware's PID0
///   holds the ID of the current guest PID, PID1 that of guest TID 0 (global
///   guest entries), as on an e500v2 host with its three PID registers. IDs
///   run out after 255 contexts; then every shadow entry is dropped and the
///   numbering starts again.
/// - A guest TLB1 entry (a large page) is shadowed by the largest page of at
///   most its size that lies wholly in guest RAM, in hardware TLB1 (round
///   robin over its entries), or in TLB0 when that page is 4 KB. Guest TLB0
///   entries go to hardware TLB0, same set, round-robin way.
/// - Each shadow remembers the guest entry it came from; when that guest
///   entry changes (tlbwe, tlbivax, tlbilx, MMUCSR0) the shadow is dropped.
///
/// Only guest RAM is ever shadowed: guest device pages stay unmapped, so the
/// guest's accesses to them exit as MMIO, and no shadow reaches past RAM.
final class ShadowTLB {
    let hardware: BookEMMU
    let ramSize: UInt64

    /// Shadow IDs by (AS, PID, PR); 0 = none assigned yet.
    private var ids = [UInt8](repeating: 0, count: 2 * 256 * 2)
    private var nextID = 1
    /// For each hardware entry (by hardware TLB, then index), the guest entry
    /// it shadows, (TLB << 16 | index), or -1; and that guest entry as it was
    /// when the shadow was made.
    private var origins: [[Int32]]
    private var sources: [[BookEMMU.Entry]]
    private var victim0 = [Int](repeating: 0, count: BookEMMU.tlb0Sets)
    private var victim1 = 0

    /// Guest RAM to map execute-only (bt's traced fragments), or nil.
    var restrictions: ShadowRestrictions? = nil

    /// Effective-address ranges of hardware entries replaced or dropped since
    /// the VMM last took them (`takeStaleRanges`): the hardware core's
    /// software TLB must forget what it cached from them, and only that.
    private(set) var staleRanges: [(ea: UInt32, size: UInt64)] = []
    /// More stale ranges than this: the VMM flushes the whole software TLB instead.
    static let staleRangeLimit = 16

    /// Writes a hardware entry, remembering the range of the valid one it replaces.
    private func replace(tlb: Int, index: Int, _ entry: BookEMMU.Entry) {
        let old = hardware.entry(tlb: tlb, index: index)
        if old.valid && staleRanges.count <= Self.staleRangeLimit { staleRanges.append((old.epn, old.pageSize)) }
        hardware.setEntry(tlb: tlb, index: index, entry)
    }

    /// The stale ranges, or nil when there are too many to be worth it (flush everything).
    func takeStaleRanges() -> [(ea: UInt32, size: UInt64)]? {
        defer { staleRanges.removeAll(keepingCapacity: true) }
        return staleRanges.count > Self.staleRangeLimit ? nil : staleRanges
    }

    /// Shadow entries written and dropped (for reports and tests).
    private(set) var installed: UInt64 = 0
    private(set) var flushes: UInt64 = 0
    /// Execute-only shadows written (bt).
    private(set) var tracedInstalls: UInt64 = 0

    /// Hardware TLB1 entries the round robin leaves alone, the last ones:
    /// the last holds the VMM's page (pv's magic page, bt's shared space;
    /// KVM reserves one the same way).
    let reservedTLB1: Int
    var vmmPageSlot: Int { hardware.tlb1Entries - 1 }

    init(hardware: BookEMMU, ramSize: UInt64, reservedTLB1: Int = 0) {
        self.hardware = hardware
        self.ramSize = ramSize
        self.reservedTLB1 = reservedTLB1
        let sizes = [BookEMMU.tlb0Sets * BookEMMU.tlb0Ways, hardware.tlb1Entries]
        origins = sizes.map { Array(repeating: -1, count: $0) }
        sources = sizes.map { Array(repeating: BookEMMU.Entry(), count: $0) }
    }

    /// The hardware TID for guest context (address space, PID, PR).
    func shadowID(space: UInt32, pid: UInt32, user: Bool) -> UInt32 {
        let key = (Int(space & 1) * 256 + Int(pid & 0xFF)) * 2 + (user ? 1 : 0)
        if ids[key] != 0 { return UInt32(ids[key]) }
        if nextID > 255 { flushAll() }
        ids[key] = UInt8(nextID)
        nextID += 1
        return UInt32(ids[key])
    }

    /// Drops every shadow entry and every shadow ID.
    func flushAll() {
        dropShadows { _, _ in true }
        if reservedTLB1 > 0 { replace(tlb: 1, index: vmmPageSlot, BookEMMU.Entry()) }
        ids = [UInt8](repeating: 0, count: ids.count)
        nextID = 1
        flushes += 1
    }

    /// Shadows guest entry `guest` (at `tlb`/`index` of the guest TLB) for
    /// the page holding `ea`, for a guest running with `user` privilege.
    /// Returns false when the page is not guest RAM (a device: MMIO).
    func install(_ ea: UInt32, guest: BookEMMU.Entry, tlb: Int, index: Int, user: Bool) -> Bool {
        // The largest page (a power of 4 KB, at most the guest's) around ea that is all RAM.
        var tsize = guest.tsize
        var size: UInt64 = 1024 << UInt64(tsize)
        var start = UInt64(ea) & ~(size - 1)
        var physical = guest.rpn + (start - UInt64(guest.epn))
        /// The page around ea a quarter of the size.
        func shrink() {
            tsize -= 2
            size = 1024 << UInt64(tsize)
            start = UInt64(ea) & ~(size - 1)
            physical = guest.rpn + (start - UInt64(guest.epn))
        }
        while physical + size > ramSize {
            guard tsize > 2 else { return false }
            shrink()
        }
        var traced = false
        if let restrictions {
            // bt: a traced fragment gets a shadow of its own, execute-only;
            // elsewhere the largest page that holds no traced byte.
            if let f = restrictions.fragment(containing: physical + (UInt64(ea) - start)) {
                traced = true
                while size > f.size { shrink() }
            } else {
                while restrictions.overlaps(physical, size) { shrink() }
            }
            while size < restrictions.tlb0Below && tsize > 2 { shrink() }
        }
        var shadow = BookEMMU.Entry()
        shadow.valid = true
        shadow.ts = 1
        shadow.tsize = tsize
        shadow.epn = UInt32(start)
        shadow.rpn = physical
        shadow.wimge = guest.wimge
        shadow.tid = guest.tid == 0
            ? shadowID(space: guest.ts, pid: 0, user: user)
            : shadowID(space: guest.ts, pid: guest.tid, user: user)
        shadow.permissions = Self.userPermissions(guest.permissions, user: user)
        if traced {
            typealias P = BookEMMU.Permission
            shadow.permissions &= ~(P.ur | P.uw)
            tracedInstalls &+= 1
        }
        let hardwareTLB: Int, slot: Int
        if tsize == 2 {
            let set = Int((ea >> 12) & 127)
            let way = victim0[set]
            victim0[set] = (way + 1) % BookEMMU.tlb0Ways
            (hardwareTLB, slot) = (0, set * BookEMMU.tlb0Ways + way)
        } else {
            (hardwareTLB, slot) = (1, victim1)
            victim1 = (victim1 + 1) % (hardware.tlb1Entries - reservedTLB1)
        }
        replace(tlb: hardwareTLB, index: slot, shadow)
        origins[hardwareTLB][slot] = Int32(tlb << 16 | index)
        sources[hardwareTLB][slot] = guest
        installed &+= 1
        return true
    }

    /// Maps the VMM's page for the guest kernel (guest AS 0, PR 0, global):
    /// 4 KB at `ea`, readable (and `writable`), no execute, in the reserved TLB1 entry.
    func installVMMPage(at ea: UInt32, writable: Bool) {
        var e = BookEMMU.Entry()
        e.valid = true
        e.ts = 1
        e.tsize = 2
        e.epn = ea & 0xFFFF_F000
        e.rpn = VirtualMachine.vmmPagePhysical
        e.wimge = 0x4  // M, as KVM maps the magic page
        e.tid = shadowID(space: 0, pid: 0, user: false)
        typealias P = BookEMMU.Permission
        e.permissions = writable ? P.ur | P.uw | P.sr | P.sw : P.ur | P.sr
        replace(tlb: 1, index: vmmPageSlot, e)
        installed &+= 1
    }

    /// Removes the VMM's page from the hardware TLB.
    func removeVMMPage() {
        if reservedTLB1 > 0 { replace(tlb: 1, index: vmmPageSlot, BookEMMU.Entry()) }
    }

    /// Guest permissions as the hardware must enforce them with MSR[PR] = 1:
    /// in guest kernel mode the supervisor bits become the user bits.
    static func userPermissions(_ guest: UInt32, user: Bool) -> UInt32 {
        typealias P = BookEMMU.Permission
        let userBits = P.ux | P.uw | P.ur, superBits = P.sx | P.sw | P.sr
        var p = guest & 0x3FF
        if !user { p = (p & ~userBits) | (p & superBits) << 1 }
        return p | superBits
    }

    /// Drops the shadows whose guest entry no longer is what it was; with
    /// `written`, the one guest entry a tlbwe wrote, only that entry's
    /// shadows can be stale and only they are compared.
    /// Returns whether any hardware entry changed.
    @discardableResult
    func dropStale(guest: BookEMMU, written: (tlb: Int, index: Int)? = nil) -> Bool {
        guard let written else {
            return dropShadows { origin, source in guest.entry(tlb: origin >> 16, index: origin & 0xFFFF) != source }
        }
        let key = Int32(written.tlb << 16 | written.index)
        let now = guest.entry(tlb: written.tlb, index: written.index)
        var changed = false
        for tlb in 0...1 {
            // The search runs on every guest TLB miss: a plain scan of the origins.
            let count = origins[tlb].count
            var i = 0
            while true {
                i = origins[tlb].withUnsafeBufferPointer { o in
                    var j = i
                    while j < count && o[j] != key { j += 1 }
                    return j
                }
                guard i < count else { break }
                if sources[tlb][i] != now {
                    dropShadow(tlb: tlb, index: i)
                    changed = true
                }
                i += 1
            }
        }
        return changed
    }

    /// Drops the shadows that map any byte of guest RAM in [start, start + size)
    /// (a fragment's tracing changed). Returns whether any hardware entry changed.
    @discardableResult
    func dropMapping(physical start: UInt64, size: UInt64) -> Bool {
        var changed = false
        for tlb in 0...1 {
            for i in origins[tlb].indices where origins[tlb][i] >= 0 {
                let e = hardware.entry(tlb: tlb, index: i)
                guard e.valid, e.rpn < start + size, start < e.rpn + e.pageSize else { continue }
                dropShadow(tlb: tlb, index: i)
                changed = true
            }
        }
        return changed
    }

    /// The shadows in hardware TLB1 now (for `--bt-log`): (EA, size, physical, execute-only).
    func tlb1Layout() -> [(ea: UInt32, size: UInt64, physical: UInt64, traced: Bool)] {
        typealias P = BookEMMU.Permission
        return origins[1].indices.compactMap { i in
            let e = hardware.entry(tlb: 1, index: i)
            guard e.valid, origins[1][i] >= 0 else { return nil }
            return (e.epn, e.pageSize, e.rpn, e.permissions & (P.ur | P.uw) == 0)
        }
    }

    /// Invalidates hardware entry `index` of `tlb`, which shadows no guest entry any more.
    private func dropShadow(tlb: Int, index: Int) {
        replace(tlb: tlb, index: index, BookEMMU.Entry())
        origins[tlb][index] = -1
    }

    /// Invalidates the hardware entries whose (guest origin, guest entry then) `stale` picks.
    @discardableResult
    private func dropShadows(_ stale: (Int, BookEMMU.Entry) -> Bool) -> Bool {
        var changed = false
        for tlb in 0...1 {
            for i in origins[tlb].indices where origins[tlb][i] >= 0 && stale(Int(origins[tlb][i]), sources[tlb][i]) {
                dropShadow(tlb: tlb, index: i)
                changed = true
            }
        }
        return changed
    }
}
