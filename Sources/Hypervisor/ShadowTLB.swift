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
    /// For each hardware entry, the guest entry it shadows: (TLB << 16 | index), or -1.
    private var origin0: [Int32]
    private var origin1: [Int32]
    /// The guest entry as it was when the shadow was made.
    private var source0: [BookEMMU.Entry]
    private var source1: [BookEMMU.Entry]
    private var victim0 = [Int](repeating: 0, count: BookEMMU.tlb0Sets)
    private var victim1 = 0

    /// Shadow entries written and dropped (for reports and tests).
    private(set) var installed: UInt64 = 0
    private(set) var flushes: UInt64 = 0

    init(hardware: BookEMMU, ramSize: UInt64) {
        self.hardware = hardware
        self.ramSize = ramSize
        let n0 = BookEMMU.tlb0Sets * BookEMMU.tlb0Ways
        origin0 = Array(repeating: -1, count: n0)
        origin1 = Array(repeating: -1, count: hardware.tlb1Entries)
        source0 = Array(repeating: BookEMMU.Entry(), count: n0)
        source1 = Array(repeating: BookEMMU.Entry(), count: hardware.tlb1Entries)
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
        for i in origin0.indices where origin0[i] >= 0 { hardware.setEntry(tlb: 0, index: i, BookEMMU.Entry()); origin0[i] = -1 }
        for i in origin1.indices where origin1[i] >= 0 { hardware.setEntry(tlb: 1, index: i, BookEMMU.Entry()); origin1[i] = -1 }
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
        while physical + size > ramSize {
            guard tsize > 2 else { return false }
            tsize -= 2
            size = 1024 << UInt64(tsize)
            start = UInt64(ea) & ~(size - 1)
            physical = guest.rpn + (start - UInt64(guest.epn))
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
        let origin = Int32(tlb << 16 | index)
        if tsize == 2 {
            let set = Int((ea >> 12) & 127)
            let way = victim0[set]
            victim0[set] = (way + 1) % BookEMMU.tlb0Ways
            let slot = set * BookEMMU.tlb0Ways + way
            hardware.setEntry(tlb: 0, index: slot, shadow)
            origin0[slot] = origin
            source0[slot] = guest
        } else {
            let slot = victim1
            victim1 = (victim1 + 1) % hardware.tlb1Entries
            hardware.setEntry(tlb: 1, index: slot, shadow)
            origin1[slot] = origin
            source1[slot] = guest
        }
        installed &+= 1
        return true
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

    /// Drops the shadows whose guest entry no longer is what it was.
    /// Returns whether any hardware entry changed.
    @discardableResult
    func dropStale(guest: BookEMMU) -> Bool {
        var changed = false
        for i in origin0.indices where origin0[i] >= 0 {
            let o = Int(origin0[i])
            if guest.entry(tlb: o >> 16, index: o & 0xFFFF) != source0[i] {
                hardware.setEntry(tlb: 0, index: i, BookEMMU.Entry())
                origin0[i] = -1
                changed = true
            }
        }
        for i in origin1.indices where origin1[i] >= 0 {
            let o = Int(origin1[i])
            if guest.entry(tlb: o >> 16, index: o & 0xFFFF) != source1[i] {
                hardware.setEntry(tlb: 1, index: i, BookEMMU.Entry())
                origin1[i] = -1
                changed = true
            }
        }
        return changed
    }
}
