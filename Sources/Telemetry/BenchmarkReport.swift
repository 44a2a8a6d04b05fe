import Foundation

/// One (mode, workload) run of `trapeze bench`, as results.json keeps it.
public struct BenchmarkRun: Codable, Sendable, Equatable {
    public var mode: String
    public var workload: String
    public var scale: String
    /// "ok", or why the run has no figure ("failed: ...", "not run: ...").
    public var status: String
    /// The row's figure in its unit (`BenchmarkRow.Unit`).
    public var unit: String
    public var value: Double?
    /// What the guest computed, the same in every mode: the program's check
    /// value, or for span workloads a hash of the console after boot.
    public var answer: String?
    /// Modelled time and guest instructions of the measured span (the
    /// workload between its markers; boot: power-on to TRAPEZE-BOOTED).
    public var modelledSeconds: Double
    public var instructions: UInt64
    /// Exits per exit-timing type over the span (virtualized modes).
    public var exits: [String: UInt64]
    public var privilegedExits: UInt64
    public var tlbMisses: UInt64
    public var accessViolations: UInt64
    /// Exits per instruction class (the paper's Figure 1 and Table 3).
    public var exitClasses: [String: UInt64]
    /// Distinct exit PCs by how many exits each caused, in Table 4's bins
    /// (the paper's Figure 2), most exits first.
    public var exitPCBins: [ExitPCBin]
    /// bt: the span's tracing faults by faulting instruction (nil in the other modes).
    public var tracingFaults: TracingFaultSummary?
    /// bt: the translator's statistics at the end of the run (boot included), its summary line.
    public var translatorSummary: String?
    /// Host wall time of the whole run (boot included) and of the span.
    public var wallSeconds: Double
    public var spanWallSeconds: Double
    public var trapezeVersion: String
    /// The kernel and initramfs booted (their cache directories name their hashes).
    public var kernel: String
    public var image: String

    public init(mode: String, workload: String, scale: String, status: String, unit: String) {
        self.mode = mode
        self.workload = workload
        self.scale = scale
        self.status = status
        self.unit = unit
        modelledSeconds = 0
        instructions = 0
        exits = [:]
        privilegedExits = 0
        tlbMisses = 0
        accessViolations = 0
        exitClasses = [:]
        exitPCBins = []
        wallSeconds = 0
        spanWallSeconds = 0
        trapezeVersion = ""
        kernel = ""
        image = ""
    }

    public var succeeded: Bool { status == "ok" && value != nil }

    /// Exits of every type over the span (TIMEINGUEST counts stretches in the guest, no exit).
    public var totalExits: UInt64 {
        exits.reduce(0) { $1.key == ExitType.timeInGuest.name ? $0 : $0 + $1.value }
    }
}

/// results.json: a `trapeze bench` run's settings and every run's record.
public struct BenchmarkResults: Codable, Sendable {
    public var suite: String
    public var scale: String
    public var modes: [String]
    public var costModel: String
    public var trapezeVersion: String
    public var image: String
    public var runs: [BenchmarkRun]

    public init(suite: String, scale: String, modes: [String], costModel: String, trapezeVersion: String, image: String,
                runs: [BenchmarkRun]) {
        self.suite = suite
        self.scale = scale
        self.modes = modes
        self.costModel = costModel
        self.trapezeVersion = trapezeVersion
        self.image = image
        self.runs = runs
    }

    /// The lines a report puts under its title.
    public var details: [String] {
        ["suite \(suite), scale \(scale), modes \(modes.joined(separator: ", ")), cost model \(costModel)",
         "Trapeze \(trapezeVersion); image \(image)"]
    }
}

/// A bt run's tracing faults by faulting instruction: how many, from how
/// many PCs, how few PCs make 90% of them, and the top PCs.
public struct TracingFaultSummary: Codable, Sendable, Equatable {
    public var faults: UInt64
    public var pcs: Int
    public var pcsFor90Percent: Int
    public var top: [TracingFaultPC]

    public init(faults: UInt64, pcs: Int, pcsFor90Percent: Int, top: [TracingFaultPC]) {
        (self.faults, self.pcs, self.pcsFor90Percent, self.top) = (faults, pcs, pcsFor90Percent, top)
    }

    /// The top PC's share of the faults (0 when there are none).
    public var topShare: Double { faults == 0 ? 0 : Double(top.first?.count ?? 0) / Double(faults) }
}

/// One bin of the distinct-exit-PC histogram.
public struct ExitPCBin: Codable, Sendable, Equatable {
    public var label: String
    public var pcs: Int
    public var exits: UInt64

    public init(label: String, pcs: Int, exits: UInt64) {
        self.label = label
        self.pcs = pcs
        self.exits = exits
    }
}

/// The guest program's result line: `TRAPEZE-RESULT name=NAME unit=UNIT
/// value=VALUE check=CHECK n=N` (Guest/bench/README.md).
public struct GuestResultLine: Sendable, Equatable {
    public let name: String
    public let unit: String
    public let value: Double
    public let check: String
    public let iterations: UInt64

    public static let prefix = "TRAPEZE-RESULT "

    /// Nil unless `line` is a well-formed result line.
    public init?(_ line: Substring) {
        guard line.hasPrefix(Self.prefix) else { return nil }
        var fields: [Substring: Substring] = [:]
        for field in line.dropFirst(Self.prefix.count).split(separator: " ") {
            guard let eq = field.firstIndex(of: "=") else { return nil }
            fields[field[..<eq]] = field[field.index(after: eq)...]
        }
        guard let name = fields["name"], let unit = fields["unit"], let text = fields["value"], let value = Double(text),
              value.isFinite, value >= 0, let check = fields["check"], !check.isEmpty,
              let n = fields["n"], let iterations = UInt64(n) else { return nil }
        self.name = String(name)
        self.unit = String(unit)
        self.value = value
        self.check = String(check)
        self.iterations = iterations
    }
}

/// The tables `trapeze bench` prints from its runs, in the paper's layouts.
public struct BenchmarkReport {
    public let runs: [BenchmarkRun]
    public let rows: [BenchmarkRow]
    /// The modes in column order (bare first when present).
    public let modes: [String]
    /// Print the paper's figures and the ratio of slowdowns beside ours.
    public var comparePaper = false

    public init(runs: [BenchmarkRun], rows: [BenchmarkRow] = BenchmarkSuite.paper, modes: [String]) {
        self.runs = runs
        self.rows = rows.filter { row in runs.contains { $0.workload == row.workload } }
        self.modes = modes
    }

    public func run(_ workload: String, _ mode: String) -> BenchmarkRun? {
        runs.first { $0.workload == workload && $0.mode == mode }
    }

    public func figure(_ workload: String, _ mode: String) -> Double? {
        guard let r = run(workload, mode), r.succeeded else { return nil }
        return r.value
    }

    /// How many times slower than bare a mode is on a row (1 = bare speed).
    public static func slowdown(_ value: Double, bare: Double, unit: BenchmarkRow.Unit) -> Double {
        unit.lowerIsBetter ? value / bare : bare / value
    }

    /// Runs whose answer differs from bare's (or from the first mode's):
    /// every mode must compute the same thing.
    public var answerMismatches: [(BenchmarkRun, BenchmarkRun)] {
        var out: [(BenchmarkRun, BenchmarkRun)] = []
        for row in rows {
            let candidates = modes.compactMap { run(row.workload, $0) }.filter(\.succeeded)
            guard let reference = candidates.first else { continue }
            for r in candidates.dropFirst() where r.answer != reference.answer { out.append((r, reference)) }
        }
        return out
    }

    /// Table 1: per row the figure of each mode, and the speedup of the best
    /// virtualized mode other than kvm over kvm (the paper's last column).
    public var table1: String {
        table1Table.text + "(s and ms: lower is better; score (operations per 10 s) and KBps: higher is better; modelled time"
            + (comparePaper ? "; ours/paper: our slowdown against \(reference) over the paper's, 1.00 = the paper's shape" : "") + ")\n"
    }

    /// What ours/paper compares each column with: bare, or without a bare
    /// column the first one (kvm in the paper's Table 5 layout).
    var reference: String { modes.contains("bare") ? "bare" : modes.first ?? "bare" }

    public var table1Table: TextTable {
        var header = ["row", "benchmark", "unit"]
        for m in modes {
            header.append(m)
            if comparePaper { header += m == reference ? ["paper"] : ["paper", "ours/paper"] }
        }
        header.append("speedup")
        var table = TextTable(header: header, leftColumns: 2)
        for row in rows {
            var cells = [row.paperRow.map(String.init) ?? "-", row.group.rawValue + " " + row.benchmark, row.unit.rawValue]
            let paperBare = PaperFigures.figure(row: row, mode: reference)
            let bare = figure(row.workload, reference)
            for m in modes {
                let ours = figure(row.workload, m)
                cells.append(ours.map(Self.format) ?? notRun(row.workload, m))
                guard comparePaper else { continue }
                let theirs = PaperFigures.figure(row: row, mode: m)
                cells.append(theirs.map(Self.format) ?? "-")
                guard m != reference else { continue }
                var ratio = "-"
                if let ours, let bare, let theirs, let paperBare, ours > 0, bare > 0, theirs > 0 {
                    let r = Self.slowdown(ours, bare: bare, unit: row.unit) / Self.slowdown(theirs, bare: paperBare, unit: row.unit)
                    ratio = String(format: "%.2f", r)
                }
                cells.append(ratio)
            }
            cells.append(speedup(row))
            table.add(cells)
        }
        return table
    }

    func notRun(_ workload: String, _ mode: String) -> String {
        guard let r = run(workload, mode) else { return "-" }
        return r.status.hasPrefix("not run") ? "n/a" : "FAILED"
    }

    /// The best of pv and bt over kvm, as the paper's speedup column.
    func speedup(_ row: BenchmarkRow) -> String {
        guard let kvm = figure(row.workload, "kvm"), kvm > 0 else { return "-" }
        let best = modes.filter { $0 != "bare" && $0 != "kvm" }.compactMap { figure(row.workload, $0) }.filter { $0 > 0 }
        guard !best.isEmpty else { return "-" }
        let value = row.unit.lowerIsBetter ? kvm / best.min()! : best.max()! / kvm
        return String(format: "%.2fx", value)
    }

    /// The paper's raw exit table: privileged-instruction exits, TLB-miss
    /// exits and access violations per row and virtualized mode.
    public var rawExitTable: String { modes.contains { $0 != "bare" } ? rawExitTextTable.text : "" }

    public var rawExitTextTable: TextTable {
        let virtualized = modes.filter { $0 != "bare" }
        var header = ["benchmark"]
        for m in virtualized {
            header += ["\(m) priv", "TLB", "acc.viol"]
            if comparePaper { header += ["paper priv", "TLB", "acc.viol"] }
        }
        var table = TextTable(header: header, leftColumns: 1)
        for row in rows {
            var cells = [row.group.rawValue + " " + row.benchmark]
            for m in virtualized {
                if let r = run(row.workload, m), r.status == "ok" {
                    cells += ["\(r.privilegedExits)", "\(r.tlbMisses)", "\(r.accessViolations)"]
                } else {
                    cells += ["-", "-", "-"]
                }
                guard comparePaper else { continue }
                if let p = PaperFigures.rawExits(mode: m, row: row) {
                    cells += ["\(p.privileged)", "\(p.tlbMisses)", "\(p.accessViolations)"]
                } else {
                    cells += ["-", "-", "-"]
                }
            }
            table.add(cells)
        }
        return table
    }

    /// bt columns: tracing faults per workload, how few faulting PCs make
    /// 90% of them, and the top PC with its share (adaptive data mirroring's
    /// first question: are the faults concentrated enough to mirror?).
    public var tracingFaultTable: String {
        var table = TextTable(header: ["benchmark", "column", "faults", "PCs", "PCs for 90%", "top %", "top PC", "instruction"],
                              leftColumns: 2)
        var any = false
        for row in rows {
            for m in modes {
                guard let r = run(row.workload, m), r.status == "ok", let t = r.tracingFaults else { continue }
                any = true
                let top = t.top.first
                table.add([row.group.rawValue + " " + row.benchmark, m, "\(t.faults)", "\(t.pcs)", "\(t.pcsFor90Percent)",
                           t.faults == 0 ? "-" : String(format: "%.1f", t.topShare * 100),
                           top.map { $0.symbol.isEmpty ? $0.pc : $0.symbol } ?? "-", top?.instruction ?? "-"])
            }
        }
        return any ? table.text : ""
    }

    /// Seed 001's table: % of bare-metal speed per row and mode.
    public var percentOfBare: String { percentOfBareTable.text }

    public var percentOfBareTable: TextTable {
        var header = ["benchmark"] + modes.filter { $0 != "bare" }
        if comparePaper { header.append("paper kvm (440EPx)") }
        var table = TextTable(header: header, leftColumns: 1)
        for row in rows {
            var cells = [row.group.rawValue + " " + row.benchmark]
            let bare = figure(row.workload, "bare")
            for m in modes where m != "bare" {
                if let bare, bare > 0, let v = figure(row.workload, m), v > 0 {
                    cells.append(String(format: "%.2f%%", 100 / Self.slowdown(v, bare: bare, unit: row.unit)))
                } else {
                    cells.append("-")
                }
            }
            if comparePaper {
                cells.append(row.exitTimingsName.flatMap { PaperFigures.exitTimingsSpeed[$0] }.map { String(format: "%.2f%%", $0) } ?? "-")
            }
            table.add(cells)
        }
        return table
    }

    /// Figures with four significant digits, without exponents for the paper's ranges.
    static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        return String(format: v >= 1000 ? "%.0f" : "%.4g", v)
    }
}

/// A plain-text table whose columns are as wide as their widest cell: the
/// first `leftColumns` (names) left-aligned, the rest (figures) right-aligned.
public struct TextTable {
    public let header: [String]
    let leftColumns: Int
    public private(set) var rows: [[String]] = []

    public init(header: [String], leftColumns: Int) {
        self.header = header
        self.leftColumns = leftColumns
    }

    public mutating func add(_ cells: [String]) { rows.append(cells) }

    public var text: String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return all.map { cells in
            cells.enumerated().map { c, cell in
                let fill = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return c < leftColumns ? cell + fill : fill + cell
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }

    /// The same as an HTML table (cells escaped), figures right-aligned.
    public var html: String {
        var s = "<table>\n<tr>" + header.map { "<th>\(htmlEscaped($0))</th>" }.joined() + "</tr>\n"
        for cells in rows {
            s += "<tr>" + cells.enumerated().map { c, cell in
                c < leftColumns ? "<td>\(htmlEscaped(cell))</td>" : "<td class=\"n\">\(htmlEscaped(cell))</td>"
            }.joined() + "</tr>\n"
        }
        return s + "</table>\n"
    }
}

/// Text made safe inside HTML and SVG elements and attributes.
public func htmlEscaped(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
