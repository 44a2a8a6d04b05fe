/// Ranges of guest RAM the shadow TLB maps execute-only: the binary
/// translator's traced fragments (docs/binary-translation.md). A guest load
/// or store there exits (a tracing fault) and the VMM emulates it, while
/// instruction fetches run on at full speed.
///
/// Fragments are in guest physical addresses, so every guest mapping of a
/// traced page is traced, whatever its effective address or context. Each
/// fragment of size S is S-aligned and S is a page size the e500 supports
/// (4 KB times a power of 4), so a shadow entry can cover exactly one.
final class ShadowRestrictions {
    /// A traced fragment: [start, start + size).
    struct Fragment: Equatable, Hashable, Comparable {
        var start: UInt64
        var size: UInt64
        var end: UInt64 { start + size }
        static func < (a: Fragment, b: Fragment) -> Bool { a.start < b.start }
        func contains(_ physical: UInt64) -> Bool { physical >= start && physical < end }
        func overlaps(_ start: UInt64, _ size: UInt64) -> Bool { start < end && self.start < start + size }
        /// Its four aligned quarters (e500 page sizes when it is one and at least 16 KB).
        var quarters: [Fragment] { (0..<4).map { Fragment(start: start + UInt64($0) * (size / 4), size: size / 4) } }
        /// The aligned page of four times its size that holds it.
        var parent: Fragment { Fragment(start: start & ~(4 * size - 1), size: 4 * size) }
    }

    /// Shadows smaller than this go to the hardware TLB0 as 4 KB pages
    /// instead of taking a TLB1 entry (0: none do). adapt-dm sets it: its
    /// layouts break the kernel's large pages into more pieces than the
    /// P2020's 16 TLB1 entries hold (docs/binary-translation.md).
    var tlb0Below: UInt64 = 0

    /// Disjoint fragments, sorted by start.
    private(set) var fragments: [Fragment] = []
    /// Bumped on every change (the shadow TLB drops what a change affects).
    private(set) var generation: UInt64 = 0

    static func isValid(_ f: Fragment) -> Bool {
        f.size >= 4096 && f.size & (f.size - 1) == 0 && (f.size.trailingZeroBitCount - 12) % 2 == 0
            && f.start & (f.size - 1) == 0
    }

    /// The fragment holding `physical`, if any.
    func fragment(containing physical: UInt64) -> Fragment? {
        var low = 0, high = fragments.count
        while low < high {
            let mid = (low + high) / 2
            if fragments[mid].end <= physical { low = mid + 1 } else { high = mid }
        }
        return low < fragments.count && fragments[low].contains(physical) ? fragments[low] : nil
    }

    /// Whether [start, start + size) holds any traced byte.
    func overlaps(_ start: UInt64, _ size: UInt64) -> Bool {
        var low = 0, high = fragments.count
        while low < high {
            let mid = (low + high) / 2
            if fragments[mid].end <= start { low = mid + 1 } else { high = mid }
        }
        return low < fragments.count && fragments[low].overlaps(start, size)
    }

    /// Traces `fragment`; fragments it overlaps are replaced by it.
    func add(_ fragment: Fragment) {
        precondition(Self.isValid(fragment), "a traced fragment must be an aligned e500 page size")
        fragments.removeAll { $0.overlaps(fragment.start, fragment.size) }
        let at = fragments.firstIndex { $0.start > fragment.start } ?? fragments.count
        fragments.insert(fragment, at: at)
        generation &+= 1
    }

    /// Stops tracing `fragment`.
    func remove(_ fragment: Fragment) {
        let before = fragments.count
        fragments.removeAll { $0 == fragment }
        if fragments.count != before { generation &+= 1 }
    }

    func removeAll() {
        if !fragments.isEmpty { generation &+= 1 }
        fragments.removeAll()
    }
}
