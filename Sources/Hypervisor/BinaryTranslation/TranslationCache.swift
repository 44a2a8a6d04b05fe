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

        /// A big-endian word of the guest's data, at a byte offset in the page.
        func savedWord(_ offset: Int) -> UInt32 {
            saved.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        }
        func setSavedWord(_ offset: Int, _ value: UInt32) {
            saved.withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self) }
        }
        func setImageWord(_ offset: Int, _ value: UInt32) {
            image.withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self) }
        }
    }

    /// Pages available to steal, in order (EA, physical), and those stolen.
    private var candidates: [(ea: UInt32, physical: UInt64)]
    private(set) var pages: [Page] = []
    /// The page translations are placed in now (an index into `pages`; nil
    /// before the first), and the bytes of it in use.
    private var current: Int? = nil
    private var used = 0
    /// Bytes of translations placed.
    private(set) var bytesUsed = 0

    /// Candidates the guest hardly touches (`__bug_table`, a test's
    /// region): the only ones taken when a caller may not take hot data.
    private let cold: Set<UInt64>

    /// `cold`: the physical pages of `candidates` that are cold (nil: all).
    init(candidates: [(ea: UInt32, physical: UInt64)], cold: Set<UInt64>? = nil) {
        self.candidates = candidates
        self.cold = cold ?? Set(candidates.map(\.physical))
    }

    /// The whole pages of `sections` (in order), as candidates; those of
    /// the section named `coldSection` are cold.
    convenience init(sections: [KernelSections.Section], pageLimit: Int, coldSection: String? = nil) {
        let pages = sections.flatMap { s in s.wholePages.map { (ea: $0, physical: s.physical(of: $0), name: s.name) } }
        let taken = pages.prefix(pageLimit)
        self.init(candidates: taken.map { (ea: $0.ea, physical: $0.physical) },
                  cold: Set(taken.filter { $0.name == coldSection }.map(\.physical)))
    }

    /// Steals every candidate page now (the paper's placement: one
    /// contiguous region taken at once, `--bt-cache-at data-start`).
    func stealAll(ram: GuestRAM, steal: (Page) -> Void) {
        while !candidates.isEmpty {
            let next = candidates.removeFirst()
            guard let page = take(next, ram: ram) else { continue }
            steal(page)
        }
    }

    private func take(_ candidate: (ea: UInt32, physical: UInt64), ram: GuestRAM) -> Page? {
        guard ram.contains(candidate.physical, length: 4096) else { return nil }
        let saved = [UInt8](UnsafeRawBufferPointer(start: ram.base + Int(candidate.physical), count: 4096))
        let page = Page(ea: candidate.ea, physical: candidate.physical, saved: saved)
        pages.append(page)
        return page
    }

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
    /// With `onlyCold` only pages stolen already and cold candidates are used.
    func allocate(words count: Int, near site: UInt32, ram: GuestRAM, onlyCold: Bool = false,
                  steal: (Page) -> Void) -> (Page, Int)? {
        let bytes = 4 * count
        func inRange(_ ea: UInt32) -> Bool {
            let d = Int64(ea) - Int64(site)
            return d > -(1 << 25) + 8192 && d < (1 << 25) - 8192
        }
        guard bytes <= 4096 else { return nil }
        if let c = current, used + bytes <= 4096, inRange(pages[c].ea) {
            defer { used += bytes; bytesUsed += bytes }
            return (pages[c], used)
        }
        // A page stolen already and not yet used (stolen all at once), else a new one.
        let page: Page
        if let next = pages.indices.first(where: { $0 > (current ?? -1) && inRange(pages[$0].ea) }) {
            current = next
            page = pages[next]
        } else {
            guard let index = candidates.firstIndex(where: { inRange($0.ea) && (!onlyCold || cold.contains($0.physical)) }),
                  let taken = take(candidates.remove(at: index), ram: ram) else { return nil }
            steal(taken)
            current = pages.count - 1
            page = taken
        }
        used = bytes
        bytesUsed += bytes
        return (page, 0)
    }
}
