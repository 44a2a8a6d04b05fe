import E500
import Platform
import PowerISA
import Telemetry

/// The word mirror of adaptive data mirroring (`--bt adapt-dm`, paper
/// Section 4.2; issue 25, parts 1 and 2).
///
/// Load/store translations (`AccessTranslation.swift`) look their word up
/// in `SharedSpace.Slot.mirror`: 64 entries of {load tag, store tag, value}
/// indexed by effective-address bits 2-7. A tracing fault of a translated
/// load or store on an aligned word of traced kernel data (not a patch-site
/// word, not a stolen page) **fills** the entry with the word's value; from
/// then on that site's translation, and every other translated site, reads
/// and writes the value there without an exit. A store that hits writes
/// only the mirror, which is then the one authoritative copy of the word;
/// an **eviction** (another word for the entry) writes it back to guest RAM.
///
/// **Coherence.** The mirror is the third overlay on guest RAM, beside the
/// sites' original words and the stolen pages' saved data, and every path
/// that reads or writes guest RAM on the guest's behalf goes through the
/// overlays:
/// - a traced access the VMM emulates (`putOriginals`/`takeOriginals`: the
///   mirrored words go into RAM for the one step and what it left comes back);
/// - the VMM's own word reads and writes (`guestWord`, `writeGuestWord`);
/// - device DMA (`GuestRAM.deviceAccess`, around virtio's request
///   processing): every mirrored value is in RAM before, and what RAM holds
///   after goes back into the mirror;
/// - the hardware itself never sees a mirrored word: only words in traced
///   fragments are mirrored (every untranslated access there exits), and a
///   change of the traced fragments (untrace, split, merge) writes back and
///   drops every word no longer traced (`shadowsChanged`);
/// - a word is mirrored only under a guest TLB1 entry of address space 0
///   that is global (TID 0), cached and big-endian and lets the kernel read
///   it (stores: write it, and the word is not kernel code, whose fetch reads
///   RAM); any change of the guest's TLB1 checks every entry again and
///   writes back those whose mapping changed. TLB0 entries never map the
///   kernel's linear map in Linux; a TLB0 change writes back words whose
///   effective address a valid TLB0 entry of AS 0 now covers.
///
/// Hits make no exit: the translation counts them in the shared space
/// (`Slot.mirrorHits`, three instructions on every translated access), and
/// the VMM adds the count to its statistics at each exit.
struct WordMirror {
    struct Entry: Equatable {
        var ea: UInt32
        var physical: UInt64
        var writable: Bool
    }
    var entries = [Entry?](repeating: nil, count: SharedSpace.Slot.mirrorEntries)
    /// Physical word to entry, for the overlays.
    var byPhysical: [UInt64: Int] = [:]
    /// Pages holding mirrored words, and how many.
    var pages: [UInt64: Int] = [:]
    /// The guest TLB1 the entries were checked against.
    var checkedTLB1: [BookEMMU.Entry] = []
    /// The kernel's executable sections (guest physical); nil: not known, no word takes stores.
    var code: [Range<UInt64>]? = nil

    static func index(of ea: UInt32) -> Int { Int((ea >> 2) & UInt32(SharedSpace.Slot.mirrorEntries - 1)) }
    var isEmpty: Bool { byPhysical.isEmpty }
    func isCode(_ physical: UInt64) -> Bool { code?.contains { $0.contains(physical) } ?? true }
}

extension BinaryTranslator {
    var mirroring: Bool { configuration.mirrors && sharedSpaceActive }

    // MARK: The shared space's entries

    func mirrorValue(_ n: Int) -> UInt32 { shared.word(SharedSpace.Slot.mirror + 16 * n + 8) }
    func setMirrorValue(_ n: Int, _ value: UInt32) { shared.setWord(SharedSpace.Slot.mirror + 16 * n + 8, value) }

    func writeMirrorEntry(_ n: Int, _ entry: WordMirror.Entry?, value: UInt32) {
        let base = SharedSpace.Slot.mirror + 16 * n
        let empty = SharedSpace.emptyMirrorTag(n)
        shared.setWord(base, entry?.ea ?? empty)
        shared.setWord(base + 4, entry.map { $0.writable ? $0.ea : empty } ?? empty)
        shared.setWord(base + 8, value)
    }

    /// The translations' hits since the last exit go into the statistics.
    func collectMirrorHits() {
        let n = shared.word(SharedSpace.Slot.mirrorHits)
        guard n != 0 else { return }
        statistics.mirrorHits &+= UInt64(n)
        shared.setWord(SharedSpace.Slot.mirrorHits, 0)
    }

    // MARK: Filling and writing back

    /// The guest's mapping of kernel `ea` if the mirror may hold its word:
    /// a valid TLB1 entry of address space 0, global, cached, big-endian,
    /// kernel-readable; whether the kernel may write it.
    func mirrorMapping(_ ea: UInt32, _ tlb: BookEMMU) -> (physical: UInt64, writable: Bool)? {
        guard let e = Self.space0TLB1Entry(ea, tlb),
              e.tid == 0, e.wimge & 0x09 == 0, e.permissions & BookEMMU.Permission.sr != 0 else { return nil }   // I, E
        return (e.rpn | UInt64(ea & ~e.pageMask), e.permissions & BookEMMU.Permission.sw != 0)
    }

    /// After a translated site's emulated tracing fault on kernel `address`
    /// (guest physical `physical`): mirrors its word when it is plain traced data.
    func fillMirror(_ address: UInt32, _ physical: UInt64, _ vm: VirtualMachine) {
        let ea = address & ~3, word = physical & ~3
        guard mirroring, word + 4 <= ramSize, tracing.fragment(containing: word) != nil, sites[word] == nil,
              cache.page(containing: word) == nil, mirror.byPhysical[word] == nil,
              let mapping = mirrorMapping(ea, vm.guestTLB), mapping.physical == word else { return }
        if mirror.checkedTLB1.isEmpty { mirror.checkedTLB1 = vm.guestTLB.tlb1 }
        let n = WordMirror.index(of: ea)
        if mirror.entries[n] != nil {
            writeBack(n, vm)
            statistics.mirrorEvictions += 1
        }
        let entry = WordMirror.Entry(ea: ea, physical: word, writable: mapping.writable && !mirror.isCode(word))
        let value = vm.board.ram.load32BE(word)
        mirror.entries[n] = entry
        mirror.byPhysical[word] = n
        mirror.pages[word & ~0xFFF, default: 0] += 1
        writeMirrorEntry(n, entry, value: value)
        statistics.mirrorFills += 1
    }

    /// Entry `n`'s word goes back to guest RAM and leaves the mirror.
    func writeBack(_ n: Int, _ vm: VirtualMachine) {
        guard let entry = mirror.entries[n] else { return }
        vm.board.ram.store32BE(entry.physical, mirrorValue(n))
        mirror.entries[n] = nil
        mirror.byPhysical[entry.physical] = nil
        let page = entry.physical & ~0xFFF
        mirror.pages[page, default: 1] -= 1
        if mirror.pages[page] == 0 { mirror.pages[page] = nil }
        writeMirrorEntry(n, nil, value: 0)
        statistics.mirrorWriteBacks += 1
    }

    func writeBackAll(_ vm: VirtualMachine) {
        for n in mirror.entries.indices where mirror.entries[n] != nil { writeBack(n, vm) }
    }

    /// After the traced fragments changed: words no longer traced go back to RAM.
    func writeBackUntraced(_ vm: VirtualMachine) {
        guard !mirror.isEmpty else { return }
        for (n, entry) in mirror.entries.enumerated() {
            if let entry, tracing.fragment(containing: entry.physical) == nil { writeBack(n, vm) }
        }
    }

    /// After a guest TLB change: entries whose mapping changed go back to RAM.
    func recheckMirror(_ vm: VirtualMachine) {
        guard !mirror.isEmpty else { return }
        let tlb = vm.guestTLB
        var tlb1Changed = mirror.checkedTLB1.count != tlb.tlb1Entries
        if !tlb1Changed {
            for i in 0..<tlb.tlb1Entries where tlb.entry(tlb: 1, index: i) != mirror.checkedTLB1[i] { tlb1Changed = true; break }
        }
        for (n, entry) in mirror.entries.enumerated() {
            guard let entry else { continue }
            if tlb1Changed {
                guard let mapping = mirrorMapping(entry.ea, tlb), mapping.physical == entry.physical,
                      mapping.writable && !mirror.isCode(entry.physical) == entry.writable else {
                    writeBack(n, vm)
                    continue
                }
            }
            // A TLB0 entry of address space 0 covering the word would take it from the TLB1 mapping.
            if Self.space0TLB0Covers(entry.ea, tlb) { writeBack(n, vm) }
        }
        mirror.checkedTLB1 = tlb.tlb1
    }

    // MARK: The overlay

    /// Before an emulated access or a device read of these pages: the mirrored values into RAM.
    func putMirrored(_ pages: [UInt64], _ ram: GuestRAM) {
        guard !mirror.isEmpty else { return }
        for page in pages where mirror.pages[page] != nil {
            for (physical, n) in mirror.byPhysical where physical & ~0xFFF == page { ram.store32BE(physical, mirrorValue(n)) }
        }
    }

    /// After an emulated access or a device write: what RAM holds now into the mirror.
    func takeMirrored(_ pages: [UInt64], _ ram: GuestRAM) {
        guard !mirror.isEmpty else { return }
        for page in pages where mirror.pages[page] != nil {
            for (physical, n) in mirror.byPhysical where physical & ~0xFFF == page { setMirrorValue(n, ram.load32BE(physical)) }
        }
    }

    /// Device DMA: before it every mirrored word's value is in RAM (a
    /// device may read it), after it RAM's value goes back to the mirror (a
    /// device may have written it). At most 64 words each way per request.
    func deviceAccess(before: Bool, _ vm: VirtualMachine) {
        guard !mirror.isEmpty else { return }
        let pages = Array(mirror.pages.keys)
        if before { putMirrored(pages, vm.board.ram) } else { takeMirrored(pages, vm.board.ram) }
    }
}
