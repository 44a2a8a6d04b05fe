/// The e500 Book E MMU: two architected TLBs programmed through the MAS
/// registers (Freescale's MMU v1 / MAV 1.0, as on e500mc).
///
/// - TLB0: 512 entries, 4-way set associative, fixed 4 KB pages; the set is
///   EA bits 45-51, i.e. `(EA >> 12) & 127`.
/// - TLB1: fully associative, variable page sizes 4^n KB (n = 1...11: 4 KB to
///   4 GB), entries may be protected from invalidation (IPROT). 16 entries
///   as on the paper's P2020 by default; configurable.
///
/// Translation matches an entry when it is valid, its TS equals the address
/// space (MSR[IS] for fetches, MSR[DS] for data), its TID is 0 or equals PID,
/// and the EA falls in its page. Permissions are UX/UW/UR in user mode
/// (MSR[PR] = 1) and SX/SW/SR in supervisor mode.
public final class BookEMMU {
    /// One TLB entry in decoded form.
    public struct Entry: Equatable, Sendable {
        public var valid = false
        public var protected = false   // IPROT
        public var tid: UInt32 = 0     // 8-bit (PID size on e500mc)
        public var ts: UInt32 = 0      // translation space 0/1
        /// MAS1[TSIZE] as Linux writes it: log2 of the page size in KB, even
        /// (MMU v1 pages are powers of 4 KB): 2 = 4 KB ... 22 = 4 GB.
        public var tsize: UInt32 = 2
        public var epn: UInt32 = 0     // effective page address (page-size aligned)
        public var rpn: UInt64 = 0     // real page address, 36 bits
        public var wimge: UInt32 = 0
        /// MAS3's low 10 bits: U0-U3 and UX SX UW SW UR SR.
        public var permissions: UInt32 = 0
        public init() {}

        public var pageSize: UInt64 { 1024 << UInt64(tsize) }
        public var pageMask: UInt32 { UInt32(truncatingIfNeeded: ~(pageSize - 1)) }

        func matches(_ ea: UInt32, space: UInt32, pid: UInt32, pid1: UInt32 = 0) -> Bool {
            valid && ts == space && (tid == 0 || tid == pid || tid == pid1) && (ea & pageMask) == epn
        }

        /// Whether the entry's page overlaps [start, start + size).
        public func overlaps(_ start: UInt32, size: UInt64) -> Bool {
            UInt64(epn) < UInt64(start) + size && UInt64(start) < UInt64(epn) + pageSize
        }
    }

    /// MAS3 permission bits.
    public enum Permission {
        public static let ux: UInt32 = 0x20, sx: UInt32 = 0x10
        public static let uw: UInt32 = 0x08, sw: UInt32 = 0x04
        public static let ur: UInt32 = 0x02, sr: UInt32 = 0x01
    }

    public static let tlb0Ways = 4
    public static let tlb0Sets = 128
    public let tlb1Entries: Int

    /// TLB0 as [set][way], flattened, and TLB1. Kept in manually allocated
    /// memory: lookups run on every software-TLB miss and must not retain
    /// and release array buffers.
    let tlb0Storage: UnsafeMutableBufferPointer<Entry>
    let tlb1Storage: UnsafeMutableBufferPointer<Entry>
    public var tlb0: [Entry] { Array(tlb0Storage) }
    public var tlb1: [Entry] { Array(tlb1Storage) }
    /// Next victim way per TLB0 set (round robin), reported in MAS0[NV].
    var nextVictim: [UInt32]

    // The MAS registers (MAS5 is hypervisor-only and absent on e500mc).
    public var mas0: UInt32 = 0, mas1: UInt32 = 0, mas2: UInt32 = 0, mas3: UInt32 = 0
    public var mas4: UInt32 = 0, mas6: UInt32 = 0, mas7: UInt32 = 0

    /// Bumped whenever a translation may have changed, so cached translations
    /// (the core's software TLB) know to flush.
    public private(set) var generation: UInt64 = 0

    public init(tlb1Entries: Int = 16) {
        precondition((1...64).contains(tlb1Entries), "TLB1 holds 1 to 64 entries")
        self.tlb1Entries = tlb1Entries
        tlb0Storage = .allocate(capacity: BookEMMU.tlb0Ways * BookEMMU.tlb0Sets)
        tlb0Storage.initialize(repeating: Entry())
        tlb1Storage = .allocate(capacity: tlb1Entries)
        tlb1Storage.initialize(repeating: Entry())
        nextVictim = Array(repeating: 0, count: BookEMMU.tlb0Sets)
    }

    deinit {
        tlb0Storage.deallocate()
        tlb1Storage.deallocate()
    }

    // MARK: Configuration registers (read-only SPRs)

    /// MMUCFG (fields as Linux's mmu-e500.h names them): MAVN = 0 (MMU v1),
    /// NTLBS = 1 (two TLBs), PIDSIZE = 7 (8-bit PID), NPIDS = 1, RASIZE = 36
    /// physical address bits, LPIDSIZE = 0. (Real e500mc parts report an LPID
    /// for their hypervisor; QEMU reports 0 for the whole register. With 0
    /// Linux skips the hypervisor vectors, which this core does not have.)
    public var mmucfg: UInt32 { 36 << 17 | 1 << 11 | 7 << 6 | 1 << 2 }
    /// TLB0CFG: 4-way, 4 KB pages only, 512 entries.
    public var tlb0cfg: UInt32 { UInt32(BookEMMU.tlb0Ways) << 24 | 1 << 20 | 1 << 16 | UInt32(tlb0Storage.count) }
    /// TLB1CFG: fully associative (ASSOC = entries), MINSIZE 4 KB (bits 8-11),
    /// MAXSIZE 4 GB = 4^11 KB (bits 12-15, where Linux's calc_cam_sz reads
    /// it), IPROT and variable page sizes (AVAIL) supported.
    public var tlb1cfg: UInt32 { UInt32(tlb1Entries) << 24 | 1 << 20 | 11 << 16 | 0x8000 | 0x4000 | UInt32(tlb1Entries) }

    // MARK: Translation

    public enum Result: Equatable, Sendable {
        /// Physical address and the entry's WIMGE bits.
        case translated(physical: UInt64, wimge: UInt32)
        /// No entry matches: a TLB-miss interrupt.
        case miss
        /// An entry matches but forbids this access: a storage interrupt.
        case protectionViolation
    }

    /// Translates `ea` for `access` in address space `space` (0/1) under `pid`, in user mode when `user`.
    /// `pid1` is a second process ID register as e500v2 hosts have (PID1);
    /// e500mc has only PID, so bare mode passes 0, which matches nothing extra.
    public func translate(_ ea: UInt32, access: MemoryAccess, space: UInt32, pid: UInt32, pid1: UInt32 = 0, user: Bool) -> Result {
        guard let entry = lookup(ea, space: space, pid: pid, pid1: pid1) else { return .miss }
        let needed: UInt32
        switch access {
        case .read: needed = user ? Permission.ur : Permission.sr
        case .write: needed = user ? Permission.uw : Permission.sw
        case .execute: needed = user ? Permission.ux : Permission.sx
        }
        guard entry.permissions & needed != 0 else { return .protectionViolation }
        let offset = UInt64(ea & ~entry.pageMask)
        return .translated(physical: entry.rpn | offset, wimge: entry.wimge)
    }

    /// The matching entry, TLB1 first (it holds the large kernel mappings).
    public func lookup(_ ea: UInt32, space: UInt32, pid: UInt32, pid1: UInt32 = 0) -> Entry? {
        lookupIndex(ea, space: space, pid: pid, pid1: pid1).map { entry(tlb: $0.tlb, index: $0.index) }
    }

    /// Which entry translates `ea`: TLB (0/1) and index (TLB0: set * 4 + way).
    public func lookupIndex(_ ea: UInt32, space: UInt32, pid: UInt32, pid1: UInt32 = 0) -> (tlb: Int, index: Int)? {
        for i in tlb1Storage.indices where tlb1Storage[i].matches(ea, space: space, pid: pid, pid1: pid1) { return (1, i) }
        let set = Int((ea >> 12) & 127)
        for way in 0..<BookEMMU.tlb0Ways where tlb0Storage[set * BookEMMU.tlb0Ways + way].matches(ea, space: space, pid: pid, pid1: pid1) {
            return (0, set * BookEMMU.tlb0Ways + way)
        }
        return nil
    }

    /// The entry at `index` of TLB `tlb` (TLB0 index = set * 4 + way).
    public func entry(tlb: Int, index: Int) -> Entry {
        tlb == 0 ? tlb0Storage[index] : tlb1Storage[index]
    }

    /// Writes an entry directly, as a hypervisor programs its shadow TLB.
    public func setEntry(tlb: Int, index: Int, _ entry: Entry) {
        if tlb == 0 { tlb0Storage[index] = entry } else { tlb1Storage[index] = entry }
        generation &+= 1
    }

    /// The TLB entry that `tlbwe` would write now (MAS0's TLBSEL/ESEL, MAS2's set), if valid.
    public var selectedEntry: (tlb: Int, index: Int)? { selected() }

    /// What the hardware loads into the MAS registers on a TLB miss, so the
    /// miss handler only fills in the RPN and permissions: defaults from MAS4.
    public func preloadOnMiss(_ ea: UInt32, space: UInt32, pid: UInt32) {
        let tlbsel = (mas4 >> 28) & 1
        let set = Int((ea >> 12) & 127)
        let victim = tlbsel == 0 ? nextVictim[set] : 0
        mas0 = tlbsel << 28 | victim << 16 | (tlbsel == 0 ? (victim + 1) & 3 : 0)
        mas1 = 0x8000_0000 | (pid & 0xFF) << 16 | space << 12 | (mas4 & 0xF80)
        mas2 = (ea & 0xFFFF_F000) | (mas4 & 0x1F)
        mas3 = 0
        mas6 = (pid & 0xFF) << 16 | space
        mas7 = 0
    }

    // MARK: TLB instructions

    /// The entry MAS0 selects; for TLB0 the set comes from MAS2[EPN].
    private func selected() -> (tlb: Int, index: Int)? {
        let tlbsel = Int((mas0 >> 28) & 3)
        let esel = Int((mas0 >> 16) & 0xFFF)
        if tlbsel == 0 {
            let set = Int((mas2 >> 12) & 127)
            return (0, set * BookEMMU.tlb0Ways + (esel & 3))
        }
        if tlbsel == 1 && esel < tlb1Entries { return (1, esel) }
        return nil
    }

    public enum WriteError: Error, Equatable {
        /// A TLB1 page size that is not a power of 4 KB between 4 KB and 4 GB.
        case invalidPageSize(UInt32)
    }

    /// tlbwe: writes the entry MAS0 selects from MAS1-3 and MAS7.
    public func write() throws(WriteError) {
        guard let (tlb, index) = selected() else { return }
        var e = Entry()
        e.valid = mas1 & 0x8000_0000 != 0
        e.protected = tlb == 1 && mas1 & 0x4000_0000 != 0
        e.tid = (mas1 >> 16) & 0xFF
        e.ts = (mas1 >> 12) & 1
        if tlb == 1 {
            // MMU v1 sizes are powers of 4 KB: 4 KB (2) ... 4 GB (22), even values only.
            let tsize = (mas1 >> 7) & 0x1F
            let legal = tsize >= 2 && tsize <= 22 && tsize & 1 == 0
            guard legal || !e.valid else { throw .invalidPageSize(tsize) }
            e.tsize = legal ? tsize : 2
        } else {
            e.tsize = 2
        }
        e.epn = mas2 & e.pageMask
        e.wimge = mas2 & 0x1F
        e.rpn = (UInt64(mas7 & 0xF) << 32 | UInt64(mas3 & 0xFFFF_F000)) & ~(e.pageSize - 1)
        e.permissions = mas3 & 0x3FF
        if tlb == 0 {
            tlb0Storage[index] = e
            let set = index / BookEMMU.tlb0Ways
            nextVictim[set] = UInt32(index % BookEMMU.tlb0Ways + 1) & 3
        } else {
            tlb1Storage[index] = e
        }
        generation &+= 1
    }

    /// tlbre: reads the entry MAS0 selects into MAS1-3 and MAS7.
    public func read() {
        guard let (tlb, index) = selected() else { return }
        let e = tlb == 0 ? tlb0Storage[index] : tlb1Storage[index]
        loadMAS(from: e, tlb: tlb, index: index)
    }

    private func loadMAS(from e: Entry, tlb: Int, index: Int) {
        let esel = tlb == 0 ? UInt32(index % BookEMMU.tlb0Ways) : UInt32(index)
        let nv = tlb == 0 ? nextVictim[index / BookEMMU.tlb0Ways] : 0
        mas0 = UInt32(tlb) << 28 | esel << 16 | nv
        mas1 = (e.valid ? 0x8000_0000 : 0) | (e.protected ? 0x4000_0000 : 0) | e.tid << 16 | e.ts << 12 | e.tsize << 7
        mas2 = e.epn | e.wimge
        mas3 = UInt32(truncatingIfNeeded: e.rpn) & 0xFFFF_F000 | e.permissions
        mas7 = UInt32(truncatingIfNeeded: e.rpn >> 32) & 0xF
    }

    /// tlbsx: searches for `ea` with MAS6[SPID, SAS]; a hit loads the MAS
    /// registers from the entry, a miss loads MAS4's defaults with V = 0.
    public func search(_ ea: UInt32) {
        let pid = (mas6 >> 16) & 0xFF, space = mas6 & 1
        if let e = tlb1Storage.firstIndex(where: { $0.matches(ea, space: space, pid: pid) }) {
            loadMAS(from: tlb1Storage[e], tlb: 1, index: e)
            return
        }
        let set = Int((ea >> 12) & 127)
        for way in 0..<BookEMMU.tlb0Ways where tlb0Storage[set * BookEMMU.tlb0Ways + way].matches(ea, space: space, pid: pid) {
            loadMAS(from: tlb0Storage[set * BookEMMU.tlb0Ways + way], tlb: 0, index: set * BookEMMU.tlb0Ways + way)
            return
        }
        preloadOnMiss(ea, space: space, pid: pid)
        mas1 &= ~0x8000_0000
    }

    /// tlbivax: invalidates entries mapping `ea` (any PID, any TS) in the TLB
    /// selected by EA bit 3 (0x8), or all entries of it when EA bit 2 (0x4)
    /// is set. Protected entries survive.
    /// `invalidated` hears of every valid entry that goes (before it goes).
    public func invalidateVirtualAddress(_ ea: UInt32, invalidated: (Entry) -> Void = { _ in }) {
        let all = ea & 0x4 != 0
        let page = ea & 0xFFFF_F000
        func hit(_ e: Entry) -> Bool { !e.protected && (all || page & e.pageMask == e.epn) }
        let storage = ea & 0x8 != 0 ? tlb1Storage : tlb0Storage
        for i in storage.indices where hit(storage[i]) {
            if storage[i].valid { invalidated(storage[i]) }
            storage[i].valid = false
        }
        generation &+= 1
    }

    /// tlbilx T: 0 = everything, 1 = entries with TID = MAS6[SPID],
    /// 3 = the entry mapping `ea` under MAS6[SPID, SAS]. Protected entries survive.
    /// `invalidated` hears of every entry that goes (before it goes).
    public func invalidateLocal(type: UInt32, ea: UInt32, invalidated: (Entry) -> Void = { _ in }) {
        let pid = (mas6 >> 16) & 0xFF, space = mas6 & 1
        func hit(_ e: Entry) -> Bool {
            guard e.valid && !e.protected else { return false }
            switch type {
            case 0: return true
            case 1: return e.tid == pid
            case 3: return e.matches(ea, space: space, pid: pid)
            default: return false
            }
        }
        func sweep(_ storage: UnsafeMutableBufferPointer<Entry>) {
            for i in storage.indices where hit(storage[i]) {
                invalidated(storage[i])
                storage[i].valid = false
            }
        }
        sweep(tlb0Storage)
        sweep(tlb1Storage)
        generation &+= 1
    }

    /// MMUCSR0 flash invalidate: bit 2 (0x4) TLB1, bit 1 (0x2) TLB0; IPROT survives.
    public func flashInvalidate(_ value: UInt32) {
        if value & 0x2 != 0 { for i in tlb0Storage.indices where !tlb0Storage[i].protected { tlb0Storage[i].valid = false } }
        if value & 0x4 != 0 { for i in tlb1Storage.indices where !tlb1Storage[i].protected { tlb1Storage[i].valid = false } }
        generation &+= 1
    }

    /// Sets TLB1 entry `index` directly (the boot loader's initial mapping).
    public func setTLB1(_ index: Int, _ entry: Entry) {
        tlb1Storage[index] = entry
        generation &+= 1
    }
}
