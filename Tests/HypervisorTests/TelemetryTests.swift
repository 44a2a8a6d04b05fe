import Foundation
import Testing
import Telemetry

@Suite struct ExitTimingTests {
    /// 1 cycle per microsecond keeps the arithmetic visible.
    func sample() -> ExitTiming {
        var t = ExitTiming()
        for c: UInt64 in [44, 200, 1997] { t.record(.mmio, cycles: c) }
        t.record(.emulatedMfmsr, cycles: 8)
        t.record(.emulatedMfmsr, cycles: 9)
        for c: UInt64 in [3, 4, 5, 6, 2] { t.record(.timeInGuest, cycles: c) }
        return t
    }

    @Test func textHasThePagesLayout() {
        let lines = sample().text(cyclesPerMicrosecond: 1).split(separator: "\n").map(String.init)
        #expect(lines[0] == "sum of time 2278")
        #expect(lines[1] == "        type    count      min      max          sum              avg       stddev     %")
        // Same columns as the page's "       MMIO:     9402       44     1997      1697610         180.5584      155.768 20.43".
        #expect(lines[2] == "       MMIO:        3       44     1997         2241         747.0000      886.175 98.38")
        #expect(lines.contains(" EMUL_MFMSR:        2        8        9           17           8.5000        0.500  0.75"))
        #expect(lines.last == "TIMEINGUEST:        5        2        6           20           4.0000        1.414  0.88")
        // Every type has a row, in the page's order, TIMEINGUEST last.
        #expect(lines.count == 2 + ExitType.allCases.count)
        #expect(lines[3].hasPrefix("        DCR:        0"))
    }

    @Test func rowsAddUpToTheSumOfTimeAndToAHundredPercent() {
        let (total, rows) = sample().report(cyclesPerMicrosecond: 1)
        #expect(rows.map(\.sum).reduce(0, +) == total)
        #expect(abs(rows.map(\.percent).reduce(0, +) - 100) < 1e-9)
    }

    @Test func jsonCarriesTheSameNumbers() throws {
        let json = sample().json(cyclesPerMicrosecond: 1, extra: ["mode": "kvm"])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(object["sum_of_time"] as? Int == 2278)
        let rows = object["rows"] as! [[String: Any]]
        #expect(rows.first?["type"] as? String == "MMIO")
        #expect(rows.first?["count"] as? Int == 3)
        #expect((object["info"] as? [String: String])?["mode"] == "kvm")
    }

    @Test func microsecondsAreTruncatedLikeKVMsDivision() {
        var t = ExitTiming()
        t.record(.dsi, cycles: 1999)
        let row = t.report(cyclesPerMicrosecond: 1200).rows.first { $0.type == "DSI" }!
        #expect(row.min == 1 && row.max == 1 && row.sum == 1)
        #expect(abs(row.avg - 1999.0 / 1200) < 1e-9)
    }
}

@Suite struct CostModelTests {
    @Test func p2020PrivilegedExitsCostWhatThePaperMeasured() {
        // Table 1: 18.24 s saved by removing 11,469,408 privileged exits.
        let perExit = (30.03 - 11.79) / Double(11_509_859 - 40_451) * 1e6
        let m = CostModel.p2020
        let weighted = [ExitType.emulatedInstruction, .emulatedCore, .emulatedMtspr, .emulatedMfspr, .emulatedMtmsr,
                        .emulatedMfmsr, .emulatedTlbsx, .emulatedTlbwe, .emulatedRfi]
        // The page's boot-table counts weight the rows as they weighted the Sequoia average.
        let counts: [Double] = [65247, 66806, 13415, 7635, 5678, 32853, 354, 6403, 9515]
        let mean = zip(weighted, counts).map { m.microseconds(for: $0) * $1 }.reduce(0, +) / counts.reduce(0, +)
        #expect(abs(mean - perExit) < 0.01)
        #expect(m.frequency == 1.2e9)
    }

    @Test func sequoiaUsesThePagesAverages() {
        #expect(abs(CostModel.sequoia440.microseconds(for: .dtlbVirt) - 23.4096) < 1e-9)
        #expect(abs(CostModel.sequoia440.microseconds(for: .mmio) - 180.5584) < 1e-9)
    }

    func write(_ text: String) -> String {
        let path = NSTemporaryDirectory() + "trapeze-cost-\(UUID().uuidString).json"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func profileFilesLoadAndConvertToMachineCycles() throws {
        let path = write(#"{"name": "board", "frequency_mhz": 600, "cycles_per_instruction": 2, "exit_cycles": {"EMULINST": 1200, "DTLBVIRT": 3000}, "default_exit_cycles": 100}"#)
        let m = try CostModel.load(path: path)
        #expect(m.name == "board")
        #expect(m.cycles(for: .emulatedInstruction) == 1200)
        #expect(m.cycles(for: .mmio) == 100)
        let machine = m.inMachineCycles(1.2e9)
        #expect(machine.instruction == 4)
        #expect(machine.exit(.dtlbVirt) == 6000)
    }

    @Test func badProfileFilesAreRejectedWithAReason() {
        let cases: [(String, String)] = [
            ("not json", "not a JSON object"),
            (#"{"frequency_mhz": 0}"#, "frequency_mhz"),
            (#"{"frequency_mhz": 100, "exit_cycles": {"NOPE": 1}}"#, "unknown exit type 'NOPE'"),
            (#"{"frequency_mhz": 100, "exit_cycles": {"MMIO": -5}}"#, "must be a number from 0 to"),
            (#"{"frequency_mhz": 100, "exit_cycles": {"MMIO": 1e300}}"#, "must be a number from 0 to"),
            (#"{"frequency_mhz": 1e-300}"#, "frequency_mhz"),
            (#"{"frequency_mhz": 100, "colour": "red"}"#, "unknown key 'colour'"),
        ]
        for (text, expected) in cases {
            #expect {
                _ = try CostModel.load(path: write(text))
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
        #expect(throws: CostModel.FileError.self) { _ = try CostModel.load(path: "/nonexistent/profile.json") }
    }

    @Test func fractionalInstructionCostsDoNotDrift() {
        var clock = InstructionClock(cyclesPerInstruction: 1.8)
        var extra: UInt64 = 0
        for _ in 0..<1000 { extra += clock.extraCycles(for: 7) }
        #expect(extra == 5600)
    }
}

@Suite struct ExitProfileTests {
    @Test func classesHistogramAndHotPCs() {
        var p = ExitProfile()
        for _ in 0..<25_000 { p.record(pc: 0xC000_0100, class: .mfspr) }
        for _ in 0..<1500 { p.record(pc: 0xC000_0200, class: .wrtee) }
        for _ in 0..<10 { p.record(pc: 0xC000_0300, class: .dtlbmiss) }
        #expect(p.total == 26_510)
        #expect(p.byClass.map(\.0) == [.mfspr, .wrtee, .dtlbmiss])
        let bins = p.histogram
        #expect(bins[0].label == ">20000" && bins[0].pcs == 1)
        #expect(bins[4].label == ">1000" && bins[4].pcs == 1)
        #expect(bins[5].pcs == 1 && bins[5].exits == 10)
        let text = p.text { $0 == 0xC000_0100 ? "__switch_to+0x40" : nil }
        #expect(text.contains("mfspr at __switch_to+0x40"))
    }
}
