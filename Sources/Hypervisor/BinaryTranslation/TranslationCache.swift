import Platform

/// The translation cache (paper Section 3): whole 4 KB pages stolen from a
/// data section of the guest kernel, within +-32 MB of the patch sites so a
/// `b` reaches them and a `b` comes back. Their original contents move into
/// the VMM (`saved`); the pages then hold the translations (`image`), and
/// read/write tracing serves every guest load and store to them from the
/// saved copy.
final class TranslationCache {
    /// A stolen page: its effective and guest physical address, what the
    /// guest had there, and what the hardware executes there.
    final class Page {
        let ea: UInt32
        let physical: UInt64
        var saved: [UInt8]
        var image: [UInt8]
        init(ea: UInt32, physical: UInt64, saved: [UInt8]) {
            self.ea = ea
            self.physical = physical
            self.saved = saved
            image = [UInt8](repeating: 0, count: 4096)   // zero words: illegal instructions
        }
    }

    /// Pages available to steal, in order (EA, physical), and those stolen.
    private var candidates: [(ea: UInt32, physical: UInt64)]
    private(set) var pages: [Page] = []
    /// Bytes of the current page in use.
    private var used = 4096
    /// Bytes of translations placed.
    private(set) var bytesUsed = 0

    init(candidates: [(ea: UInt32, physical: UInt64)]) { self.candidates = candidates }

    /// The whole pages of `sections` (in order), as candidates.
    convenience init(sections: [KernelSections.Section], pageLimit: Int) {
        var list: [(UInt32, UInt64)] = []
        for s in sections {
            let first = (UInt64(s.address) + 0xFFF) & ~0xFFF, end = (UInt64(s.address) + UInt64(s.size)) & ~0xFFF
            var ea = first
            while ea < end && list.count < pageLimit {
                list.append((UInt32(ea), s.physical + (ea - UInt64(s.address))))
                ea += 4096
            }
        }
        self.init(candidates: list)
    }

    var capacityLeft: Bool { used < 4096 || !candidates.isEmpty }

    /// The stolen page holding `physical`, if any.
    func page(containing physical: UInt64) -> Page? {
        pages.first { physical & ~0xFFF == $0.physical }
    }
    func page(atEA ea: UInt32) -> Page? {
        pages.first { ea & ~0xFFF == $0.ea }
    }

    /// Room for `count` words near `site` (within the branch range); a new
    /// page is stolen from `ram` when the current one is full. Returns the
    /// page and byte offset, or nil when nothing in range is left.
    func allocate(words count: Int, near site: UInt32, ram: GuestRAM, steal: (Page) -> Void) -> (Page, Int)? {
        let bytes = 4 * count
        func inRange(_ ea: UInt32) -> Bool {
            let d = Int64(ea) - Int64(site)
            return d > -(1 << 25) + 8192 && d < (1 << 25) - 8192
        }
        if let current = pages.last, used + bytes <= 4096, inRange(current.ea) {
            defer { used += bytes; bytesUsed += bytes }
            return (current, used)
        }
        guard let index = candidates.firstIndex(where: { inRange($0.ea) }), bytes <= 4096 else { return nil }
        let next = candidates.remove(at: index)
        guard ram.contains(next.physical, length: 4096) else { return nil }
        let saved = [UInt8](UnsafeRawBufferPointer(start: ram.base + Int(next.physical), count: 4096))
        let page = Page(ea: next.ea, physical: next.physical, saved: saved)
        pages.append(page)
        steal(page)
        used = bytes
        bytesUsed += bytes
        return (page, 0)
    }
}
