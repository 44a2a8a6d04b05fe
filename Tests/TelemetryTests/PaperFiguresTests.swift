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

    @Test func rawExitsCoverTheTenBenchmarksInThreeConfigurations() {
        #expect(PaperFigures.rawExits.count == 30)
        let boot = BenchmarkSuite.row(workload: "boot")!
        #expect(PaperFigures.rawExits(mode: "kvm", row: boot)?.privileged == 11_509_859)
        #expect(PaperFigures.rawExits(mode: "bt", row: BenchmarkSuite.row(workload: "ub-pipe")!)?.accessViolations == 75)
        #expect(PaperFigures.rawExits(mode: "bare", row: boot) == nil)
        #expect(PaperFigures.exitTimingsSpeed["find"] == 6.11)
    }

    @Test(.enabled(if: sharedPaper != nil, "needs ../shared/paper beside the repository"))
    func theFiguresAreTheCheckedTranscription() throws {
        let dir = try #require(Self.sharedPaper)
        let table1 = try Self.lines(dir + "/table1.csv")
        #expect(table1 == PaperFigures.table1CSV.split(separator: "\n").map(String.init))
        let raw = try Self.lines(dir + "/raw-exits.csv").filter { $0.hasPrefix("config,") || $0.hasPrefix("kvm,") || $0.hasPrefix("kvm-pv,") || $0.hasPrefix("adapt-dm,") }
        #expect(raw == PaperFigures.rawExitsCSV.split(separator: "\n").map(String.init))
        let speed = try Self.lines(dir + "/exittimings-speed.csv")
        #expect(speed == PaperFigures.exitTimingsSpeedCSV.split(separator: "\n").map(String.init))
    }
}
