/// The paper's figures that `trapeze bench --compare-paper` prints beside
/// ours, as CSV text parsed on use: one place for every figure, each table
/// with its source. Transcribed from the papers in ../shared/seeds (Table 1
/// and the raw exit counts from 003_..., Efficient Virtualization on
/// Embedded Power Architecture Platforms, ASPLOS 2013, on a Freescale P2020
/// at 1.2 GHz with Linux/KVM 3.0; the % of bare-metal speed from 001_...,
/// the "PowerPC Exittimings" page, kvmppc on a 440EPx Sequoia board);
/// Tests/TelemetryTests/PaperFiguresTests.swift checks them against the
/// transcription in ../shared/paper and against the paper's own speedup
/// column.
public enum PaperFigures {
    /// Table 1 (003_..., page 2). Units: s = running time (lower is better),
    /// ms = latency (lower is better), score = UnixBench raw score in 10 s
    /// and KBps = UnixBench file-system throughput with 256-byte buffers and
    /// 2000 max blocks (higher is better). speedup: KVM-BT over KVM, the
    /// paper's last column. There is no row 14.
    public static let table1CSV = """
row,group,benchmark,unit,bare,kvm,kvm_pv,kvm_bt,speedup
1,macro,linux-boot,s,6.5,30.03,11.79,12.39,2.4
2,macro,echo-spawn,s,1.4,21.34,6.5,6.85,3.1
3,macro,find,s,0.39,1.89,0.67,0.83,2.3
4,macro,lame,s,0.44,0.56,0.49,0.50,1.1
5,lmbench,syscall,ms,0.0002,0.020,0.003,0.003,6.7
6,lmbench,stat,ms,0.003,0.033,0.006,0.007,4.7
7,lmbench,fstat,ms,0.001,0.021,0.004,0.004,5.3
8,lmbench,open/close,ms,0.006,0.067,0.013,0.023,2.9
9,lmbench,sig-hndl,ms,0.001,0.024,0.004,0.004,6
10,lmbench,pipe,ms,0.003,0.066,0.033,0.041,1.6
11,lmbench,fork,ms,1.084,6.641,1.640,1.679,3.9
12,lmbench,exec,ms,3.065,20.543,6.254,6.681,3.1
13,lmbench,sh,ms,6.645,45.164,13.842,14.719,3.1
15,unixbench,dhrystone2,score,49697211,48110141,49014236,48957180,1.02
16,unixbench,syscall,score,7863359,124854,818940,652829,5.2
17,unixbench,cswitch,score,420968,60746,307136,240653,4.0
18,unixbench,proc-create,score,44667,2470,9432,8714,3.5
19,unixbench,pipe,score,3324145,188208,1111797,923218,4.9
20,unixbench,hanoi,score,8853023,8689401,8846663,8836219,1.02
21,unixbench-fs,file-read,KBps,182340,11524,58647,49830,4.3
22,unixbench-fs,file-write,KBps,99850,10500,39500,38200,3.6
23,unixbench-fs,file-copy,KBps,59612,5432,22225,20070,3.7
"""

    /// Tables 5 and 6 (003_..., Section 5): KVM, in-place BT with adaptive
    /// page resizing (adapt_pr), with adaptive data mirroring too (adapt_dm,
    /// Table 1's KVM-BT column), the shadow TLB set statically to the best
    /// layout for linux-boot (static_tlb) and Adapt-PR with the translation
    /// cache given by a guest module, without data mirroring (adapt_pr_plus).
    /// Units as in Table 1; syscall-ub and pipe-ub are UnixBench's rows.
    public static let tables5and6CSV = """
table,benchmark,unit,kvm,adapt_pr,adapt_dm,static_tlb,adapt_pr_plus
5/6,linux-boot,s,30.03,14.39,12.39,12.98,13.02
5/6,echo-spawn,s,21.34,8.9,6.85,8.0,7.80
5/6,find,s,1.89,1.67,0.83,0.90,0.98
5/6,lame,s,0.56,0.51,0.50,0.51,0.51
5/6,syscall,ms,0.020,0.003,0.003,0.007,0.009
5/6,stat,ms,0.033,0.023,0.007,0.011,0.012
5/6,fstat,ms,0.021,0.006,0.004,0.008,0.009
5/6,open/close,ms,0.067,0.040,0.023,0.022,0.026
5/6,sig-hndl,ms,0.024,0.004,0.004,0.008,0.009
5/6,pipe,ms,0.066,0.068,0.041,0.053,0.062
5/6,fork,ms,6.641,2.221,1.679,2.068,2.020
5/6,exec,ms,20.543,8.971,6.681,7.792,7.457
5/6,sh,ms,45.164,19.265,14.719,17.076,16.565
5/6,dhrystone2,score,48110141,48988135,48957180,48833854,48904947
5/6,syscall-ub,score,124854,748931,652829,344877,286057
5/6,cswitch,score,60746,148344,240653,160575,159256
5/6,proc-create,score,2470,6378,8714,7101,7679
5/6,pipe-ub,score,188208,411186,923218,557045,469538
5/6,hanoi,score,8689401,8839987,8836219,8835343,8690019
5/6,file-read,KBps,11524,26286,49830,28346,24151
5/6,file-write,KBps,10500,16400,38200,22450,19050
5/6,file-copy,KBps,5432,9783,20070,12201,10408
"""

    /// "Raw Data on Exit Count", the paper's last page (003_...): privileged
    /// instruction exits, TLB-miss exits and access violations (mostly
    /// tracing faults) per configuration (kvm, adapt-pr, adapt-dm, kvm-pv,
    /// static-tlb, adapt-pr-plus).
    public static let rawExitsCSV = """
config,benchmark,priv_exits,tlb_misses,acc_viol
kvm,linux-boot,11509859,402274,13823
kvm,echo-spawn,9829128,419191,18005
kvm,find,802777,2486,46
kvm,lame,60312,1932,23
kvm,unix-dhrystone2,154460,973,40
kvm,unix-syscall,22541901,953,41
kvm,unix-cswitch,26459239,1102,49
kvm,unix-proc-create,41882,621658,60036
kvm,unix-pipe,28714485,979,41
kvm,unix-hanoi,4005414,914,40
adapt-pr,linux-boot,27537,334458,1062541
adapt-pr,echo-spawn,36464,503341,536993
adapt-pr,find,1487,2889,650758
adapt-pr,lame,636,2085,3126
adapt-pr,unix-dhrystone2,7663,1186,1224
adapt-pr,unix-syscall,5752,1140,1158
adapt-pr,unix-cswitch,616643,8288,6020365
adapt-pr,unix-proc-create,102315,845228,640888
adapt-pr,unix-pipe,19102,1221,10012062
adapt-pr,unix-hanoi,224709,1158,2032
adapt-dm,linux-boot,38367,345035,77467
adapt-dm,echo-spawn,35014,506295,18624
adapt-dm,find,851,2782,4701
adapt-dm,lame,644,2114,46
adapt-dm,unix-dhrystone2,7648,1140,38
adapt-dm,unix-syscall,6324,1159,40
adapt-dm,unix-cswitch,610986,5567,49
adapt-dm,unix-proc-create,99081,846053,60026
adapt-dm,unix-pipe,9185,1165,75
adapt-dm,unix-hanoi,224970,1169,876
kvm-pv,linux-boot,40451,295672,14181
kvm-pv,echo-spawn,34602,427351,17011
kvm-pv,find,719,2392,46
kvm-pv,lame,625,1916,24
kvm-pv,unix-dhrystone2,7667,1001,40
kvm-pv,unix-syscall,5197,948,41
kvm-pv,unix-cswitch,608549,1059,49
kvm-pv,unix-proc-create,98569,652042,60034
kvm-pv,unix-pipe,7648,968,42
kvm-pv,unix-hanoi,224660,943,41
static-tlb,linux-boot,41770,320941,452482
static-tlb,echo-spawn,35929,485870,513294
static-tlb,find,908,2676,98113
static-tlb,lame,637,2052,3124
static-tlb,unix-dhrystone2,7663,1197,6158
static-tlb,unix-syscall,12791,1135,6006963
static-tlb,unix-cswitch,614104,1260,3608524
static-tlb,unix-proc-create,101427,815074,897920
static-tlb,unix-pipe,15742,1144,6008821
static-tlb,unix-hanoi,224929,1116,151104
adapt-pr-plus,linux-boot,48560,326825,460001
adapt-pr-plus,echo-spawn,35823,492129,518255
adapt-pr-plus,find,965,2655,98145
adapt-pr-plus,lame,636,2085,3126
adapt-pr-plus,unix-dhrystone2,7656,1127,6132
adapt-pr-plus,unix-syscall,15105,1130,6008149
adapt-pr-plus,unix-cswitch,616684,7702,3609690
adapt-pr-plus,unix-proc-create,100796,835408,897302
adapt-pr-plus,unix-pipe,18762,1113,6010468
adapt-pr-plus,unix-hanoi,225211,1088,151308
"""

    /// The exit-timing page's "% of bare-metal speed" (001_...): kvmppc on a
    /// 440EPx (Sequoia), unmodified guest. Fhourstone is connect-4's model.
    public static let exitTimingsSpeedCSV = """
workload,percent_of_bare_metal_speed
hashes,96.49
lame,84.47
boot,80
find,6.11
fhourstone,5.96
"""

    /// A row of Table 1; the figures in the row's unit.
    public struct Table1Row: Sendable, Equatable {
        public let row: Int
        public let group: String
        public let benchmark: String
        public let unit: String
        public let bare: Double
        public let kvm: Double
        public let kvmPV: Double
        public let kvmBT: Double
        public let speedup: Double
    }

    public static let table1: [Table1Row] = records(table1CSV).map { f in
        Table1Row(row: Int(f[0])!, group: f[1], benchmark: f[2], unit: f[3], bare: Double(f[4])!, kvm: Double(f[5])!,
                  kvmPV: Double(f[6])!, kvmBT: Double(f[7])!, speedup: Double(f[8])!)
    }

    /// One configuration's exit counts on one benchmark.
    public struct RawExits: Sendable, Equatable {
        public let config: String
        public let benchmark: String
        public let privileged: UInt64
        public let tlbMisses: UInt64
        public let accessViolations: UInt64
    }

    public static let rawExits: [RawExits] = records(rawExitsCSV).map { f in
        RawExits(config: f[0], benchmark: f[1], privileged: UInt64(f[2])!, tlbMisses: UInt64(f[3])!, accessViolations: UInt64(f[4])!)
    }

    /// The paper's configuration a bench column stands for: kvm, kvm-pv,
    /// adapt-dm (bt, Table 1's KVM-BT), adapt-pr, static-tlb, adapt-pr-plus
    /// (`bt:adapt-pr+`); a shortest-page suffix (`bt:adapt-pr/16K`) is left out.
    public static func configuration(of mode: String) -> String? {
        let base = mode.split(separator: "/").first.map(String.init) ?? mode
        return ["bare": "bare", "kvm": "kvm", "pv": "kvm-pv", "bt": "adapt-dm", "bt:adapt-dm": "adapt-dm", "bt:adapt-pr": "adapt-pr",
                "bt:static-tlb": "static-tlb", "bt:adapt-pr+": "adapt-pr-plus"][base]
    }

    /// The paper's exit counts for a bench column on a row, where the paper has them.
    public static func rawExits(mode: String, row: BenchmarkRow) -> RawExits? {
        let config = configuration(of: mode)
        let name = row.group == .unixbench ? "unix-" + row.benchmark : row.benchmark
        return rawExits.first { $0.config == config && $0.benchmark == name }
    }

    /// A row of Tables 5 and 6, by configuration (kvm, adapt_pr, adapt_dm, static_tlb, adapt_pr_plus).
    public static let tables5and6: [(benchmark: String, unit: String, figures: [String: Double])] = {
        let lines = tables5and6CSV.split(separator: "\n")
        let columns = lines[0].split(separator: ",").map(String.init)
        return records(tables5and6CSV).map { f in
            (f[1], f[2], Dictionary(uniqueKeysWithValues: (3..<columns.count).map { (columns[$0], Double(f[$0])!) }))
        }
    }()

    /// The paper's figure for a bench column on a row: Table 1 for bare,
    /// kvm, pv and bt (KVM-BT), Tables 5 and 6 for the other bt configurations.
    public static func figure(row: BenchmarkRow, mode: String) -> Double? {
        guard let config = configuration(of: mode), let n = row.paperRow, let t1 = table1.first(where: { $0.row == n }) else { return nil }
        switch config {
        case "bare": return t1.bare
        case "kvm": return t1.kvm
        case "kvm-pv": return t1.kvmPV
        case "adapt-dm": return t1.kvmBT
        default:
            let name = tables5and6Name(row)
            return tables5and6.first { $0.benchmark == name }?.figures[config.replacingOccurrences(of: "-", with: "_")]
        }
    }

    /// A row's name in Tables 5 and 6, which name UnixBench's syscall and
    /// pipe rows apart from lmbench's (syscall-ub, pipe-ub).
    public static func tables5and6Name(_ row: BenchmarkRow) -> String {
        row.group == .unixbench && (row.benchmark == "syscall" || row.benchmark == "pipe") ? row.benchmark + "-ub" : row.benchmark
    }

    /// % of bare-metal speed by the exit-timing page's workload name.
    public static let exitTimingsSpeed: [String: Double] = Dictionary(uniqueKeysWithValues: records(exitTimingsSpeedCSV).map {
        ($0[0], Double($0[1])!)
    })

    /// The data lines of a CSV text, split at commas (no quoting in these tables).
    static func records(_ csv: String) -> [[String]] {
        csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
}
