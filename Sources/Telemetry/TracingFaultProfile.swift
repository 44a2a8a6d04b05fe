import Foundation

/// What a tracing fault (ACC_VIOL exit) touched in traced guest RAM.
public enum TracedTarget: String, Codable, CaseIterable, Sendable {
    /// A page stolen for the translation cache (the guest's data there is served from the VMM's copy).
    case stolenPage = "stolen-page"
    /// A word holding a patch site (the guest reading or writing its own code).
    case patchSite = "patch-site"
    /// Other data that shares a traced fragment with patch sites or stolen pages.
    case data
}

/// Tracing faults attributed to the guest instruction that took them (the
/// first thing adaptive data mirroring needs, paper Section 4.2): per PC
/// its instruction word, how many faults, what each touched, and how many
/// were accesses within one aligned word (what a word-sized mirror can serve).
public struct TracingFaultProfile: Sendable {
    public struct Entry: Sendable, Equatable {
        public var word: UInt32
        public var count: UInt64 = 0
        /// Faults per `TracedTarget`, in its case order.
        public var targets: [UInt64] = [0, 0, 0]
        /// Faults whose access lay within one aligned word.
        public var alignedWord: UInt64 = 0

        /// The targets this PC touched, most faults first, joined by `+`.
        public var kind: String {
            TracedTarget.allCases.indices.filter { targets[$0] > 0 }.sorted { targets[$0] > targets[$1] }
                .map { TracedTarget.allCases[$0].rawValue }.joined(separator: "+")
        }
    }

    public private(set) var entries: [UInt32: Entry] = [:]
    public private(set) var total: UInt64 = 0

    public init() {}

    public mutating func record(pc: UInt32, word: UInt32, target: TracedTarget, alignedWord: Bool) {
        var e = entries[pc] ?? Entry(word: word)
        e.count &+= 1
        e.targets[TracedTarget.allCases.firstIndex(of: target)!] &+= 1
        if alignedWord { e.alignedWord &+= 1 }
        entries[pc] = e
        total &+= 1
    }

    public mutating func reset() {
        entries.removeAll(keepingCapacity: true)
        total = 0
    }

    /// PCs by faults, most first (ties by PC).
    public var byPC: [(pc: UInt32, entry: Entry)] {
        entries.map { (pc: $0.key, entry: $0.value) }
            .sorted { $0.entry.count != $1.entry.count ? $0.entry.count > $1.entry.count : $0.pc < $1.pc }
    }

    /// The fewest distinct PCs whose faults make up at least `fraction` of all (0 when there are none).
    public func pcsCovering(_ fraction: Double) -> Int {
        guard total > 0 else { return 0 }
        var sum: UInt64 = 0, n = 0
        for (_, e) in byPC {
            sum += e.count
            n += 1
            if Double(sum) >= fraction * Double(total) { break }
        }
        return n
    }

    /// The rows of the table, symbolized and disassembled by the caller's functions.
    public func rows(top: Int, symbolize: (UInt32) -> String?, disassemble: (UInt32, UInt32) -> String) -> [TracingFaultPC] {
        byPC.prefix(top).map { pc, e in
            TracingFaultPC(pc: String(format: "%08x", pc), symbol: symbolize(pc) ?? "", instruction: disassemble(e.word, pc),
                           count: e.count, kind: e.kind, alignedWord: e.alignedWord)
        }
    }

    /// The table as text: a heading line with the totals, then one line per PC.
    public func text(top: Int, symbolize: (UInt32) -> String?, disassemble: (UInt32, UInt32) -> String) -> String {
        var s = "tracing faults by PC: \(total) faults from \(entries.count) PCs, 90% from \(pcsCovering(0.9)) PCs\n"
        guard total > 0 else { return s }
        s += "  " + pad("pc", 10) + pad("faults", 10) + pad("%", 7) + pad("word", 8) + pad("kind", 22) + pad("instruction", 28) + "symbol\n"
        for row in rows(top: top, symbolize: symbolize, disassemble: disassemble) {
            s += "  " + pad(row.pc, 10) + pad("\(row.count)", 10)
                + pad(String(format: "%.1f", Double(row.count) * 100 / Double(total)), 7)
                + pad(row.alignedWord == row.count ? "yes" : row.alignedWord == 0 ? "no" : "some", 8)
                + pad(row.kind, 22) + pad(row.instruction, 28) + row.symbol + "\n"
        }
        return s
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

/// One row of the per-PC tracing-fault table, as `trapeze bench` stores it in results.json.
public struct TracingFaultPC: Codable, Sendable, Equatable {
    public var pc: String
    public var symbol: String
    public var instruction: String
    public var count: UInt64
    /// What it touched (`TracedTarget`s, most first, joined by `+`).
    public var kind: String
    /// Faults whose access lay within one aligned word.
    public var alignedWord: UInt64

    public init(pc: String, symbol: String, instruction: String, count: UInt64, kind: String, alignedWord: UInt64) {
        (self.pc, self.symbol, self.instruction, self.count, self.kind, self.alignedWord) = (pc, symbol, instruction, count, kind, alignedWord)
    }
}
