import ArgumentParser
import Foundation
import Hypervisor
import Telemetry

/// `trapeze compare`: runs workloads in several modes and prints, per
/// workload, the % of bare-metal speed in modelled time (like the exit-timing
/// page's performance table) and each virtualized mode's exit statistics.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run workloads in several modes and compare them with bare metal (and kvm with pv).",
        discussion: """
            Each workload is booted once per mode. The measured span is the workload, from its \
            TRAPEZE-WORKLOAD-BEGIN to its END marker (for `boot`: from power-on to TRAPEZE-BOOTED). \
            Exit status 0 when every run reached its END marker and printed what bare mode printed.
            """)

    @OptionGroup var guest: GuestOptions
    @Option(help: "Comma-separated modes (bare, kvm, pv, bt); bare is the baseline.") var modes: String = "bare,kvm"
    @Option(help: "Comma-separated workloads: boot, echo-spawn, find.") var workload: String = "boot"
    @Option(help: "Give up a run after this many seconds of host time.") var timeout: Double = 600
    @Option(help: "Write each virtualized run's exit timing into DIR/WORKLOAD-MODE/.") var exitTiming: String?

    var modeList: [Mode] { modes.split(separator: ",").compactMap { Mode(rawValue: String($0)) } }
    var workloadList: [String] { workload.split(separator: ",").map(String.init) }

    func validate() throws {
        for m in modes.split(separator: ",") where Mode(rawValue: String(m)) == nil {
            throw ValidationError("unknown mode '\(m)' (\(Mode.names))")
        }
        guard !modeList.isEmpty else { throw ValidationError("--modes lists no mode") }
        for w in workloadList { try guest.validateWorkload(w, known: ["boot", "echo-spawn", "find"]) }
    }

    typealias Measurement = WorkloadMeasurement

    func run() throws {
        try exitingOnBadInput { try compare() }
    }

    func compare() throws {
        var failures = 0
        for w in workloadList {
            var results: [Measurement] = []
            for mode in modeList {
                guard let m = try measure(w, mode) else { failures += 1; continue }
                results.append(m)
            }
            failures += printTable(w, results)
        }
        if failures > 0 { throw ExitCode(2) }
    }

    func measure(_ w: String, _ mode: Mode) throws -> Measurement? {
        let m: Measurement
        do {
            m = try Measurement.measure(w, mode: mode, guest: guest, timeout: timeout)
        } catch let failed as Measurement.Failed {
            printError("trapeze: \(failed)")
            return nil
        }
        if let exitTiming, let timing = m.timing {
            let info = ["mode": mode.rawValue, "workload": w, "cost_model": m.costModelName ?? guest.costModel, "vcpu": "0"]
            try? writeExitTiming(timing, directory: "\(exitTiming)/\(w)-\(mode.rawValue)", info: info)
        }
        return m
    }

    /// Prints one workload's table; returns the number of failures (console differences).
    func printTable(_ w: String, _ results: [Measurement]) -> Int {
        guard let baseline = results.first(where: { $0.mode == .bare }) ?? results.first else { return 0 }
        var failures = 0
        print("workload \(w) (cost model \(guest.costModel); modelled time of the workload span)")
        print(pad("mode", 6) + pad("instructions", 14) + pad("exits", 11) + pad("modelled s", 12)
              + pad("% of bare", 11) + pad("wall s", 9) + pad("wall/bare", 11) + "  console")
        for m in results {
            let percent = m.seconds > 0 ? baseline.seconds / m.seconds * 100 : 100
            let same = m.console == baseline.console
            if !same {
                failures += 1
                let n = zip(m.console, baseline.console).prefix { $0 == $1 }.count
                func line(_ c: [String]) -> String { n < c.count ? "'\(c[n])'" : "(end of console)" }
                printError("trapeze: \(w): \(m.mode.rawValue)'s console differs from \(baseline.mode.rawValue)'s at line \(n + 1): "
                           + "\(line(m.console)) against \(line(baseline.console))")
            }
            print(pad(m.mode.rawValue, 6) + pad("\(m.instructions)", 14) + pad("\(m.exits)", 11)
                  + pad(String(format: "%.4f", m.seconds), 12) + pad(String(format: "%.2f%%", percent), 11)
                  + pad(String(format: "%.2f", m.wall), 9)
                  + pad(String(format: "%.2fx", baseline.wall > 0 ? m.wall / baseline.wall : 1), 11)
                  + "  " + (m.mode == baseline.mode ? "baseline" : same ? "same as \(baseline.mode.rawValue)" : "DIFFERS"))
        }
        let virtualized = results.filter { $0.timing != nil }
        if !virtualized.isEmpty {
            print("\n\(w): exit timing side by side (count, sum in us, % of the mode's total)")
            print(exitTables(virtualized), terminator: "")
            // The paper's raw exit counts, per mode.
            for m in virtualized {
                print(pad(m.mode.rawValue, 6) + "Priv. exits \(m.timing!.privilegedExits)  TLB misses \(m.timing!.tlbMissExits)"
                      + "  Acc. Viol. \(m.timing![.accessViolation].count)")
            }
            if let kvm = virtualized.first(where: { $0.mode == .kvm }), let pv = virtualized.first(where: { $0.mode == .pv }) {
                let before = kvm.timing!.privilegedExits, after = pv.timing!.privilegedExits
                let change = before == 0 ? 0 : (Double(after) - Double(before)) / Double(before) * 100
                print(String(format: "privileged-instruction exits (EMULINST class): kvm %llu -> pv %llu (%+.1f%%)",
                             before, after, change))
            }
        }
        print("")
        return failures
    }

    /// The exit-timing tables of several runs side by side, in the page's row order.
    func exitTables(_ runs: [Measurement]) -> String {
        let perMicrosecond = VirtualMachine.cyclesPerMicrosecond
        let reports = runs.map { $0.timing!.report(cyclesPerMicrosecond: perMicrosecond) }
        var s = pad("", 12)
        for m in runs { s += pad("\(m.mode.rawValue) count", 14) + pad("sum", 12) + pad("%", 7) }
        s += "\n" + pad("sum of time", 12)
        for r in reports { s += pad("", 14) + pad("\(r.sumOfTime)", 12) + pad("", 7) }
        s += "\n"
        for (row, type) in ExitType.allCases.enumerated() {
            s += pad(type.name + ":", 12)
            for r in reports {
                let x = r.rows[row]
                s += pad("\(x.count)", 14) + pad("\(x.sum)", 12) + pad(String(format: "%.2f", x.percent), 7)
            }
            s += "\n"
        }
        return s
    }
}
