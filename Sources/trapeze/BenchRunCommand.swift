import ArgumentParser
import Foundation
import Telemetry

/// `trapeze bench-run`: one (mode, workload) run of `trapeze bench`, in a
/// process of its own so that runs go in parallel and one crash loses one
/// run. Prints the run as JSON (BenchmarkRun) on standard output; a run that
/// fails still prints its record (with the reason in `status`).
struct BenchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-run",
        abstract: "One run of `trapeze bench` (used by it; prints the run as JSON).",
        shouldDisplay: false)

    @OptionGroup var guest: GuestOptions
    @Option var mode: Mode
    /// The column's name in the bench's tables (bt:adapt-pr/16K); default the mode.
    @Option var label: String?
    @Option var workload: String
    @Option var scale: String = "quick"
    @Option var timeout: Double = 1800
    @Option var exitTiming: String?
    @Option var versionLabel: String = "unknown"

    func validate() throws {
        guard BenchmarkSuite.row(workload: workload) != nil else { throw ValidationError("'\(workload)' is no benchmark workload") }
        guard BenchCommand.scales.contains(scale) else { throw ValidationError("--scale must be quick or paper") }
    }

    func run() throws {
        try exitingOnBadInput {
            let row = BenchmarkSuite.row(workload: workload)!
            var record = BenchmarkRun(mode: label ?? mode.rawValue, workload: workload, scale: scale, status: "ok", unit: row.unit.rawValue)
            record.trapezeVersion = versionLabel
            record.image = guest.initrd ?? ""
            do {
                let m = try WorkloadMeasurement.measure(workload, mode: mode, guest: guest, timeout: timeout,
                                                        extraCommandLine: "trapeze.scale=\(scale)", profiling: true)
                fill(&record, from: m, row: row)
                if let exitTiming, let timing = m.timing {
                    let info = ["mode": label ?? mode.rawValue, "workload": workload, "scale": scale, "vcpu": "0",
                                "cost_model": m.costModelName ?? guest.costModel, "instructions": "\(m.instructions)"]
                    try writeExitTiming(timing, directory: exitTiming, info: info)
                }
            } catch let failed as WorkloadMeasurement.Failed {
                record.status = "failed: \(failed)"
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(record), as: UTF8.self))
        }
    }

    /// The run's figures: the guest's own result, or the span's modelled time.
    func fill(_ record: inout BenchmarkRun, from m: WorkloadMeasurement, row: BenchmarkRow) {
        record.kernel = m.kernelPath
        record.modelledSeconds = m.seconds
        record.instructions = m.instructions
        record.wallSeconds = m.totalWall
        record.spanWallSeconds = m.wall
        if let timing = m.timing {
            for type in ExitType.allCases where timing[type].count > 0 { record.exits[type.name] = timing[type].count }
            record.privilegedExits = timing.privilegedExits
            record.tlbMisses = timing.tlbMissExits
            record.accessViolations = timing[.accessViolation].count
        }
        if let profile = m.profile {
            for (kind, n) in profile.byClass { record.exitClasses[kind.name] = n }
            record.exitPCBins = profile.histogram.map { ExitPCBin(label: $0.label, pcs: $0.pcs, exits: $0.exits) }
        }
        record.translatorSummary = m.translatorSummary
        if let table = m.faultTable {
            record.tracingFaults = TracingFaultSummary(faults: table.profile.total, pcs: table.profile.entries.count,
                                                       pcsFor90Percent: table.profile.pcsCovering(0.9), top: table.rows)
        }
        switch row.measure {
        case .span:
            record.value = m.seconds
            record.answer = "console:" + fnv1a(m.console.joined(separator: "\n"))
        case .resultLine:
            guard let result = m.result else {
                record.status = "failed: the guest printed no TRAPEZE-RESULT line"
                return
            }
            guard result.name == workload, result.unit == row.unit.rawValue else {
                record.status = "failed: the guest's result is for \(result.name) in \(result.unit), not \(workload) in \(row.unit.rawValue)"
                return
            }
            record.value = result.value
            record.answer = "check:\(result.check) n=\(result.iterations)"
        }
    }

    /// A 64-bit FNV-1a hash in hex: a short fingerprint of what the guest printed.
    func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(format: "%016llx", h)
    }
}
