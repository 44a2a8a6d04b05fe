import Foundation

/// What kind of guest instruction or event caused an exit, in the paper's
/// classes (Tables 2 and 3: mfspr, wrtee, mtspr, mfmsr, rfi, mtmsr,
/// dtlbmiss, itlbmiss, ...).
public enum InstructionClass: UInt8, CaseIterable, Sendable {
    case mfspr, wrtee, mtspr, mfmsr, rfi, mtmsr, tlbwe, tlbsx, tlbivax, tlbre, wait
    case dtlbmiss, itlbmiss, dsi, isi, syscall, mmio, hypercall, tracing, other

    public var name: String { "\(self)" }
}

/// Exits counted per instruction class and per guest PC, for finding where
/// they come from (the paper's Tables 3 and 4 and Figure 2).
public struct ExitProfile: Sendable {
    /// Count per (PC, class), keyed PC << 8 | class.
    public private(set) var counts: [UInt64: UInt64] = [:]

    public init() {}

    public mutating func record(pc: UInt32, class kind: InstructionClass) {
        counts[UInt64(pc) << 8 | UInt64(kind.rawValue), default: 0] &+= 1
    }

    public mutating func reset() { counts.removeAll(keepingCapacity: true) }

    public var total: UInt64 { counts.values.reduce(0, +) }

    /// Exits per class, most first.
    public var byClass: [(InstructionClass, UInt64)] {
        var sums = [UInt64](repeating: 0, count: InstructionClass.allCases.count)
        for (key, n) in counts { sums[Int(key & 0xFF)] += n }
        return InstructionClass.allCases.map { ($0, sums[Int($0.rawValue)]) }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
    }

    /// Exits per PC with the PC's main class, most first.
    public var byPC: [(pc: UInt32, class: InstructionClass, count: UInt64)] {
        var perPC: [UInt32: (InstructionClass, UInt64, UInt64)] = [:]  // main class, its count, total
        for (key, n) in counts {
            let pc = UInt32(key >> 8), kind = InstructionClass(rawValue: UInt8(key & 0xFF))!
            var e = perPC[pc] ?? (kind, 0, 0)
            if n > e.1 { e.0 = kind; e.1 = n }
            e.2 += n
            perPC[pc] = e
        }
        return perPC.map { (pc: $0.key, class: $0.value.0, count: $0.value.2) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.pc < $1.pc }
    }

    /// Table 4's bins: distinct PCs by how many exits each caused.
    public static let bins: [(label: String, floor: UInt64)] =
        [(">20000", 20001), (">10000", 10001), (">5000", 5001), (">2000", 2001), (">1000", 1001), ("<1000", 0)]

    public var histogram: [(label: String, pcs: Int, exits: UInt64)] {
        var out = ExitProfile.bins.map { (label: $0.label, pcs: 0, exits: UInt64(0)) }
        for entry in byPC {
            let bin = ExitProfile.bins.firstIndex { entry.count >= $0.floor }!
            out[bin].pcs += 1
            out[bin].exits += entry.count
        }
        return out
    }

    /// The report: classes (Table 3), the PC histogram (Table 4) and the
    /// hottest PCs, symbolized by `symbolize` when given.
    public func text(top: Int = 40, symbolize: (UInt32) -> String? = { _ in nil }) -> String {
        let total = Double(max(1, self.total))
        func percent(_ n: UInt64) -> String { String(format: "%.1f", Double(n) * 100 / total) }
        var s = "exits by instruction class (total \(self.total))\n"
        s += pad("class", 12) + pad("exits", 12) + pad("%", 8) + "\n"
        for (kind, n) in byClass { s += pad(kind.name, 12) + pad("\(n)", 12) + pad(percent(n), 8) + "\n" }
        s += "\ndistinct PCs by exit count\n"
        s += pad("exits", 12) + pad("PCs", 8) + pad("% of exits", 12) + "\n"
        for bin in histogram { s += pad(bin.label, 12) + pad("\(bin.pcs)", 8) + pad(percent(bin.exits), 12) + "\n" }
        s += "\nhottest PCs\n"
        s += pad("pc", 10) + pad("exits", 12) + pad("%", 8) + "  where\n"
        for entry in byPC.prefix(top) {
            let location = symbolize(entry.pc).map { " at \($0)" } ?? ""
            s += String(format: "  %08x", entry.pc) + pad("\(entry.count)", 12) + pad(percent(entry.count), 8)
                + "  \(entry.class.name)\(location)\n"
        }
        return s
    }
}
