import Foundation
import Testing
import Telemetry

/// The paper's figures the product carries (Sources/Telemetry/PaperFigures.swift).
@Suite struct PaperFiguresTests {
    /// The transcription checked in ../shared/paper, beside the repository
    /// (TRAPEZE_PAPER_DIR overrides): the product must not read it, tests may.
    static let sharedPaper: String? = {
        let env = ProcessInfo.processInfo.environment["TRAPEZE_PAPER_DIR"]
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates: [String?] = [env, repo.deletingLastPathComponent().appendingPathComponent("shared/paper").path, "/work/shared/paper"]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0 + "/table1.csv") }
    }()

    /// Data lines of a CSV file, comments left out.
    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    @Test func table1HasTheTwentyTwoRowsOfThePaper() {
        #expect(PaperFigures.table1.count == 22)
        #expect(PaperFigures.table1.map(\.row) == Array(1...13) + Array(15...23))
        // Every row of the suite that Table 1 has names the paper's unit.
        for row in BenchmarkSuite.paper {
            guard let n = row.paperRow else { continue }
            let paper = PaperFigures.table1.first { $0.row == n }
            #expect(paper?.unit == row.unit.rawValue, "row \(n)")
            #expect(paper?.benchmark == row.benchmark, "row \(n)")
        }
        #expect(Set(BenchmarkSuite.paper.compactMap(\.paperRow)) == Set(PaperFigures.table1.map(\.row)))
    }

    /// The paper's last column is KVM-BT over KVM: recomputing it from the
    /// row's own figures catches a figure typed wrong.
    @Test func theSpeedupColumnFollowsFromTheFigures() {
        for r in PaperFigures.table1 {
            let speedup = r.unit == "s" || r.unit == "ms" ? r.kvm / r.kvmBT : r.kvmBT / r.kvm
            // The paper rounds to two digits (1.02, 6.7, 3.1); a 6% band covers that rounding and no typo of a digit.
            #expect(abs(speedup - r.speedup) / r.speedup < 0.06, "row \(r.row) \(r.benchmark): \(speedup) against \(r.speedup)")
        }
    }

    @Test func rawExitsCoverTheTenBenchmarksInSixConfigurations() {
        #expect(PaperFigures.rawExits.count == 60)
        #expect(PaperFigures.rawExits(mode: "bt:adapt-pr", row: BenchmarkSuite.row(workload: "find")!)?.accessViolations == 650_758)
        #expect(PaperFigures.rawExits(mode: "bt:adapt-pr+/16K", row: BenchmarkSuite.row(workload: "ub-hanoi")!)?.accessViolations == 151_308)
        let boot = BenchmarkSuite.row(workload: "boot")!
        #expect(PaperFigures.rawExits(mode: "kvm", row: boot)?.privileged == 11_509_859)
        #expect(PaperFigures.rawExits(mode: "bt", row: BenchmarkSuite.row(workload: "ub-pipe")!)?.accessViolations == 75)
        #expect(PaperFigures.rawExits(mode: "bare", row: boot) == nil)
        #expect(PaperFigures.exitTimingsSpeed["find"] == 6.11)
    }

    /// Table 1 for bare, kvm, pv and bt; Tables 5 and 6 for the other bt
    /// configurations, whose UnixBench syscall and pipe rows have names of their own.
    @Test func eachColumnFindsItsPaperFigure() {
        let boot = BenchmarkSuite.row(workload: "boot")!, syscall = BenchmarkSuite.row(workload: "ub-syscall")!
        #expect(PaperFigures.figure(row: boot, mode: "bare") == 6.5)
        #expect(PaperFigures.figure(row: boot, mode: "bt") == 12.39)
        #expect(PaperFigures.figure(row: boot, mode: "bt:adapt-pr") == 14.39)
        #expect(PaperFigures.figure(row: boot, mode: "bt:adapt-pr/4K") == 14.39)
        #expect(PaperFigures.figure(row: BenchmarkSuite.row(workload: "echo-spawn")!, mode: "bt:static-tlb") == 8.0)
        #expect(PaperFigures.figure(row: syscall, mode: "bt:adapt-pr+") == 286_057)
        #expect(PaperFigures.figure(row: BenchmarkSuite.row(workload: "lat-syscall")!, mode: "bt:adapt-pr") == 0.003)
        #expect(PaperFigures.figure(row: syscall, mode: "bt:in-place") == nil)
        #expect(PaperFigures.figure(row: BenchmarkSuite.row(workload: "hashes")!, mode: "kvm") == nil)
        // Table 5's adapt-dm column is Table 1's KVM-BT.
        for row in BenchmarkSuite.paper where row.paperRow != nil {
            let name = PaperFigures.tables5and6Name(row)
            let t5 = PaperFigures.tables5and6.first { $0.benchmark == name }
            #expect(t5?.figures["adapt_dm"] == PaperFigures.figure(row: row, mode: "bt"), "\(row.benchmark)")
            #expect(t5?.figures["kvm"] == PaperFigures.figure(row: row, mode: "kvm"), "\(row.benchmark)")
        }
    }

    @Test(.enabled(if: sharedPaper != nil, "needs ../shared/paper beside the repository"))
    func theFiguresAreTheCheckedTranscription() throws {
        let dir = try #require(Self.sharedPaper)
        let table1 = try Self.lines(dir + "/table1.csv")
        #expect(table1 == PaperFigures.table1CSV.split(separator: "\n").map(String.init))
        #expect(try Self.lines(dir + "/raw-exits.csv") == PaperFigures.rawExitsCSV.split(separator: "\n").map(String.init))
        #expect(try Self.lines(dir + "/table5-6.csv") == PaperFigures.tables5and6CSV.split(separator: "\n").map(String.init))
        let speed = try Self.lines(dir + "/exittimings-speed.csv")
        #expect(speed == PaperFigures.exitTimingsSpeedCSV.split(separator: "\n").map(String.init))
    }
}
