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

    /// "Raw Data on Exit Count", the paper's last page (003_...): privileged
    /// instruction exits, TLB-miss exits and access violations (mostly
    /// tracing faults), for KVM, KVM-PV and adapt-dm (the configuration of
    /// Table 1's KVM-BT column).
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

        /// The figure of a Trapeze mode (bare, kvm, pv, bt).
        public func figure(mode: String) -> Double? {
            switch mode {
            case "bare": bare
            case "kvm": kvm
            case "pv": kvmPV
            case "bt": kvmBT
            default: nil
            }
        }
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

    /// The paper's exit counts for a Trapeze mode on a row, where the paper has them.
    public static func rawExits(mode: String, row: BenchmarkRow) -> RawExits? {
        let config = ["kvm": "kvm", "pv": "kvm-pv", "bt": "adapt-dm"][mode]
        let name = row.group == .unixbench ? "unix-" + row.benchmark : row.benchmark
        return rawExits.first { $0.config == config && $0.benchmark == name }
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
