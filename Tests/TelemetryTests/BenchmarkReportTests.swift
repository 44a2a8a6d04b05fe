import Testing
import Telemetry

@Suite struct BenchmarkReportTests {
    static func run(_ workload: String, _ mode: String, _ value: Double?, answer: String = "check:1", status: String = "ok") -> BenchmarkRun {
        let unit = BenchmarkSuite.row(workload: workload)!.unit.rawValue
        var r = BenchmarkRun(mode: mode, workload: workload, scale: "quick", status: status, unit: unit)
        r.value = value
        r.answer = answer
        return r
    }

    /// The cells of the line of `table` that starts with `prefix`.
    static func cells(_ table: String, _ prefix: String) -> [String] {
        let line = table.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init) ?? ""
        return line.split(separator: " ").map(String.init)
    }

    @Test func aResultLineHasEveryField() throws {
        let r = try #require(GuestResultLine("TRAPEZE-RESULT name=lat-fork unit=ms value=1.084 check=00000000000003e8 n=1000"))
        #expect(r.name == "lat-fork" && r.unit == "ms" && r.value == 1.084 && r.check == "00000000000003e8" && r.iterations == 1000)
        #expect(GuestResultLine("TRAPEZE-RESULT name=lat-fork unit=ms value=1.084 n=1000") == nil)           // no check
        #expect(GuestResultLine("TRAPEZE-RESULT name=x unit=ms value=nan check=1 n=1") == nil)
        #expect(GuestResultLine("TRAPEZE-RESULT name=x unit=ms value=-1 check=1 n=1") == nil)
        #expect(GuestResultLine("TRAPEZE-RESULTS name=x unit=ms value=1 check=1 n=1") == nil)
        #expect(GuestResultLine("echo TRAPEZE-RESULT name=x unit=ms value=1 check=1 n=1") == nil)
    }

    /// The last column is the best of pv and bt over kvm: lower is better for
    /// times, higher for scores.
    @Test func table1SpeedupIsTheBestVirtualizedModeOverKVM() {
        let runs = [
            Self.run("lat-fork", "bare", 1), Self.run("lat-fork", "kvm", 8), Self.run("lat-fork", "pv", 2), Self.run("lat-fork", "bt", 4),
            Self.run("ub-syscall", "bare", 800), Self.run("ub-syscall", "kvm", 100), Self.run("ub-syscall", "pv", 300),
            Self.run("ub-syscall", "bt", 400),
        ]
        let report = BenchmarkReport(runs: runs, modes: ["bare", "kvm", "pv", "bt"])
        #expect(Self.cells(report.table1, "11 ") == ["11", "lmbench", "fork", "ms", "1", "8", "2", "4", "4.00x"])
        #expect(Self.cells(report.table1, "16 ") == ["16", "unixbench", "syscall", "score", "800", "100", "300", "400", "4.00x"])
        #expect(Self.cells(report.percentOfBare, "lmbench fork") == ["lmbench", "fork", "12.50%", "50.00%", "25.00%"])
        #expect(Self.cells(report.percentOfBare, "unixbench syscall") == ["unixbench", "syscall", "12.50%", "37.50%", "50.00%"])
    }

    /// ours/paper divides our slowdown against bare by the paper's: a run
    /// with the paper's shape gives 1.00 whatever its absolute times.
    @Test func comparePaperPrintsTheRatioOfSlowdowns() {
        let runs = [Self.run("boot", "bare", 0.1), Self.run("boot", "kvm", 0.1 * 30.03 / 6.5), Self.run("boot", "pv", 0.1 * 2 * 11.79 / 6.5)]
        var report = BenchmarkReport(runs: runs, modes: ["bare", "kvm", "pv"])
        report.comparePaper = true
        // bare, paper bare, kvm, paper kvm, ratio, pv, paper pv, ratio, speedup
        #expect(Self.cells(report.table1, "1 ").suffix(9) == ["0.1", "6.5", "0.462", "30.03", "1.00", "0.3628", "11.79", "2.00", "1.27x"])
        #expect(Self.cells(report.rawExitTable, "macro linux-boot").count == 2 + 6 * 2)
        #expect(report.rawExitTable.contains("11509859"))
    }

    /// Without a bare column (Table 5's layout) the ratios are against the first column.
    @Test func withoutBareTheRatiosAreAgainstTheFirstColumn() {
        let runs = [Self.run("boot", "kvm", 3.003), Self.run("boot", "bt:adapt-pr", 3.003 * 14.39 / 30.03)]
        var report = BenchmarkReport(runs: runs, modes: ["kvm", "bt:adapt-pr"])
        report.comparePaper = true
        // kvm, paper kvm, adapt-pr, paper adapt-pr, ratio, speedup
        #expect(Self.cells(report.table1, "1 ").suffix(6) == ["3.003", "30.03", "1.439", "14.39", "1.00", "2.09x"])
        #expect(report.table1.contains("our slowdown against kvm"))
    }

    @Test func failedAndPendingRunsShowAsSuch() {
        let runs = [Self.run("lat-pipe", "bare", 0.003), Self.run("lat-pipe", "kvm", nil, status: "failed: timed out"),
                    Self.run("lame", "bare", nil, status: "not run: pending"), Self.run("lame", "kvm", nil, status: "not run: pending")]
        let report = BenchmarkReport(runs: runs, modes: ["bare", "kvm"])
        #expect(Self.cells(report.table1, "10 ") == ["10", "lmbench", "pipe", "ms", "0.003", "FAILED", "-"])
        #expect(Self.cells(report.table1, "4 ") == ["4", "macro", "lame", "s", "n/a", "n/a", "-"])
    }

    /// TIMEINGUEST is in the exit-timing table but counts stretches in the guest, not exits.
    @Test func totalExitsLeaveTimeInGuestOut() {
        var r = Self.run("find", "kvm", 1)
        r.exits = ["EMUL_MFSPR": 10, "DTLBVIRT": 5, "TIMEINGUEST": 15]
        #expect(r.totalExits == 15)
    }

    /// Every mode must compute what the first mode computed.
    @Test func aDifferentAnswerIsAMismatch() {
        let same = BenchmarkReport(runs: [Self.run("hashes", "bare", 1), Self.run("hashes", "kvm", 2)], modes: ["bare", "kvm"])
        #expect(same.answerMismatches.isEmpty)
        let differs = BenchmarkReport(runs: [Self.run("hashes", "bare", 1), Self.run("hashes", "kvm", 2, answer: "check:2"),
                                             Self.run("hashes", "pv", 2)], modes: ["bare", "kvm", "pv"])
        #expect(differs.answerMismatches.map(\.0.mode) == ["kvm"])
        #expect(differs.answerMismatches.first?.1.mode == "bare")
    }
}
