import Testing
import Telemetry

@Suite struct TracingFaultProfileTests {
    /// Known faults in, known rows out: PCs by count (ties by PC), each
    /// PC's targets most first, its aligned-word count, the fewest PCs
    /// that make 90%, and the bench's summary of it.
    @Test func faultsAreAttributedToTheirInstruction() {
        var p = TracingFaultProfile()
        for _ in 0..<70 { p.record(pc: 0xC000_D14C, word: 0x7D29_202E, target: .data, alignedWord: true) }
        for n in 0..<20 { p.record(pc: 0xC010_0000, word: 0x8129_0000, target: n < 15 ? .stolenPage : .patchSite, alignedWord: n % 2 == 0) }
        for _ in 0..<6 { p.record(pc: 0xC020_0000, word: 0xA129_0003, target: .data, alignedWord: false) }
        for pc: UInt32 in [0xC030_0008, 0xC030_0004, 0xC030_0000, 0xC030_000C] {
            p.record(pc: pc, word: 0x8800_0000, target: .patchSite, alignedWord: true)
        }
        #expect(p.total == 100 && p.entries.count == 7)
        #expect(p.byPC.map(\.pc) == [0xC000_D14C, 0xC010_0000, 0xC020_0000, 0xC030_0000, 0xC030_0004, 0xC030_0008, 0xC030_000C])
        let second = p.entries[0xC010_0000]!
        #expect(second.count == 20 && second.kind == "stolen-page+patch-site" && second.alignedWord == 10)
        #expect(p.entries[0xC000_D14C]!.kind == "data")
        // 70 + 20 = 90 of 100: two PCs; all of them: seven; half: one.
        #expect(p.pcsCovering(0.9) == 2 && p.pcsCovering(1.0) == 7 && p.pcsCovering(0.5) == 1)
        let rows = p.rows(top: 3, symbolize: { $0 == 0xC000_D14C ? "system_call_exception+0x5c" : nil },
                          disassemble: { word, _ in String(word, radix: 16) })
        #expect(rows.map(\.pc) == ["c000d14c", "c0100000", "c0200000"])
        #expect(rows[0] == TracingFaultPC(pc: "c000d14c", symbol: "system_call_exception+0x5c", instruction: "7d29202e",
                                          count: 70, kind: "data", alignedWord: 70))
        #expect(rows[2].symbol == "" && rows[2].alignedWord == 0)
        let text = p.text(top: 2, symbolize: { _ in nil }, disassemble: { _, _ in "x" })
        #expect(text.hasPrefix("tracing faults by PC: 100 faults from 7 PCs, 90% from 2 PCs\n"))
        #expect(text.split(separator: "\n").count == 4)   // heading, column names, two PCs
        let summary = TracingFaultSummary(faults: p.total, pcs: p.entries.count, pcsFor90Percent: p.pcsCovering(0.9), top: rows)
        #expect(summary.topShare == 0.7)
        p.reset()
        #expect(p.total == 0 && p.entries.isEmpty && p.pcsCovering(0.9) == 0)
    }

    /// The bench's table lists each bt run's faults, PCs for 90% and top PC; runs without the figure are left out.
    @Test func theBenchTableListsEachBTRun() {
        var bt = BenchmarkRun(mode: "bt", workload: "lat-pipe", scale: "quick", status: "ok", unit: "ms")
        bt.value = 0.03
        bt.tracingFaults = TracingFaultSummary(faults: 200, pcs: 9, pcsFor90Percent: 4, top: [
            TracingFaultPC(pc: "c000d14c", symbol: "system_call_exception+0x5c", instruction: "lwzx    r9,r9,r4",
                           count: 50, kind: "data", alignedWord: 50)])
        var kvm = BenchmarkRun(mode: "kvm", workload: "lat-pipe", scale: "quick", status: "ok", unit: "ms")
        kvm.value = 0.04
        let table = BenchmarkReport(runs: [kvm, bt], modes: ["kvm", "bt"]).tracingFaultTable
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last.map { $0.contains("200") && $0.contains(" 9 ") && $0.contains(" 4 ") && $0.contains("25.0")
            && $0.contains("system_call_exception+0x5c") && $0.contains("lwzx") } == true, "\(table)")
        #expect(BenchmarkReport(runs: [kvm], modes: ["kvm"]).tracingFaultTable.isEmpty)
    }
}
