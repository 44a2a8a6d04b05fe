/// The paper's benchmark suite: which Trapeze workload stands for each row
/// of Table 1 (../shared/seeds/003_..., ASPLOS 2013) and of the exit-timing
/// page's "% of bare-metal speed" table (seed 001), and how it is measured.
/// `trapeze bench` runs it; `BenchmarkReport` prints it in the paper's layout.
public struct BenchmarkRow: Sendable, Equatable {
    public enum Group: String, Sendable {
        case macro, lmbench, unixbench
        case unixbenchFS = "unixbench-fs"
    }

    /// The unit of the row's figure, as in the paper.
    public enum Unit: String, Sendable, Codable {
        /// Running time in seconds.
        case seconds = "s"
        /// Latency per operation in milliseconds.
        case milliseconds = "ms"
        /// UnixBench raw score: operations per 10 seconds.
        case score
        /// UnixBench file-system throughput.
        case kilobytesPerSecond = "KBps"

        /// Times and latencies: lower is better; scores and throughput: higher.
        public var lowerIsBetter: Bool { self == .seconds || self == .milliseconds }
    }

    /// Where the figure comes from.
    public enum Measure: Sendable, Equatable {
        /// Trapeze's modelled time between the workload's markers (boot:
        /// power-on to TRAPEZE-BOOTED; the others BEGIN to END).
        case span
        /// The guest program's own result line (`TRAPEZE-RESULT ...`,
        /// Guest/bench), measured on the guest's clock.
        case resultLine
    }

    /// The paper's row number in Table 1; nil for the rows only seed 001 has.
    public let paperRow: Int?
    public let group: Group
    /// The name in the paper's tables.
    public let benchmark: String
    public let unit: Unit
    /// The Trapeze workload (`trapeze run --workload NAME`).
    public let workload: String
    public let measure: Measure
    /// The name in seed 001's "% of bare-metal speed" table, for the rows it has.
    public let exitTimingsName: String?

    public init(paperRow: Int?, group: Group, benchmark: String, unit: Unit, workload: String,
                measure: Measure = .resultLine, exitTimingsName: String? = nil) {
        self.paperRow = paperRow
        self.group = group
        self.benchmark = benchmark
        self.unit = unit
        self.workload = workload
        self.measure = measure
        self.exitTimingsName = exitTimingsName
    }
}

public enum BenchmarkSuite {
    /// Table 1's rows in the paper's order, then seed 001's workloads that
    /// Table 1 lacks (hashes; connect-4 stands for Fhourstone).
    public static let paper: [BenchmarkRow] = [
        BenchmarkRow(paperRow: 1, group: .macro, benchmark: "linux-boot", unit: .seconds, workload: "boot",
                     measure: .span, exitTimingsName: "boot"),
        BenchmarkRow(paperRow: 2, group: .macro, benchmark: "echo-spawn", unit: .seconds, workload: "echo-spawn", measure: .span),
        BenchmarkRow(paperRow: 3, group: .macro, benchmark: "find", unit: .seconds, workload: "find",
                     measure: .span, exitTimingsName: "find"),
        BenchmarkRow(paperRow: 4, group: .macro, benchmark: "lame", unit: .seconds, workload: "lame", exitTimingsName: "lame"),
        BenchmarkRow(paperRow: 5, group: .lmbench, benchmark: "syscall", unit: .milliseconds, workload: "lat-syscall"),
        BenchmarkRow(paperRow: 6, group: .lmbench, benchmark: "stat", unit: .milliseconds, workload: "lat-stat"),
        BenchmarkRow(paperRow: 7, group: .lmbench, benchmark: "fstat", unit: .milliseconds, workload: "lat-fstat"),
        BenchmarkRow(paperRow: 8, group: .lmbench, benchmark: "open/close", unit: .milliseconds, workload: "lat-open-close"),
        BenchmarkRow(paperRow: 9, group: .lmbench, benchmark: "sig-hndl", unit: .milliseconds, workload: "lat-sig-hndl"),
        BenchmarkRow(paperRow: 10, group: .lmbench, benchmark: "pipe", unit: .milliseconds, workload: "lat-pipe"),
        BenchmarkRow(paperRow: 11, group: .lmbench, benchmark: "fork", unit: .milliseconds, workload: "lat-fork"),
        BenchmarkRow(paperRow: 12, group: .lmbench, benchmark: "exec", unit: .milliseconds, workload: "lat-exec"),
        BenchmarkRow(paperRow: 13, group: .lmbench, benchmark: "sh", unit: .milliseconds, workload: "lat-sh"),
        BenchmarkRow(paperRow: 15, group: .unixbench, benchmark: "dhrystone2", unit: .score, workload: "ub-dhrystone2"),
        BenchmarkRow(paperRow: 16, group: .unixbench, benchmark: "syscall", unit: .score, workload: "ub-syscall"),
        BenchmarkRow(paperRow: 17, group: .unixbench, benchmark: "cswitch", unit: .score, workload: "ub-cswitch"),
        BenchmarkRow(paperRow: 18, group: .unixbench, benchmark: "proc-create", unit: .score, workload: "ub-proc-create"),
        BenchmarkRow(paperRow: 19, group: .unixbench, benchmark: "pipe", unit: .score, workload: "ub-pipe"),
        BenchmarkRow(paperRow: 20, group: .unixbench, benchmark: "hanoi", unit: .score, workload: "ub-hanoi"),
        BenchmarkRow(paperRow: 21, group: .unixbenchFS, benchmark: "file-read", unit: .kilobytesPerSecond, workload: "ub-file-read"),
        BenchmarkRow(paperRow: 22, group: .unixbenchFS, benchmark: "file-write", unit: .kilobytesPerSecond, workload: "ub-file-write"),
        BenchmarkRow(paperRow: 23, group: .unixbenchFS, benchmark: "file-copy", unit: .kilobytesPerSecond, workload: "ub-file-copy"),
        BenchmarkRow(paperRow: nil, group: .macro, benchmark: "hashes", unit: .seconds, workload: "hashes", exitTimingsName: "hashes"),
        BenchmarkRow(paperRow: nil, group: .macro, benchmark: "connect-4", unit: .seconds, workload: "connect-4",
                     exitTimingsName: "fhourstone"),
    ]

    /// Workloads the guest image does not carry yet, with why: `trapeze
    /// bench` lists them as not run instead of failing. None today; a row
    /// added before its program goes here.
    public static let pending: [String: String] = [:]

    /// The row of a workload.
    public static func row(workload: String) -> BenchmarkRow? { paper.first { $0.workload == workload } }
}
