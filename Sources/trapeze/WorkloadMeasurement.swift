import Foundation
import Hypervisor
import Telemetry

/// One run of a workload measured over its span, as `compare` and `bench`
/// take it: booted without a terminal, statistics reset at the workload's
/// BEGIN marker and frozen at its END.
struct WorkloadMeasurement {
    var mode: Mode
    /// Guest instructions, modelled seconds and host seconds of the span
    /// (boot: power-on to TRAPEZE-BOOTED; the others BEGIN to END).
    var instructions: UInt64 = 0
    var seconds: Double = 0
    var wall: Double = 0
    /// Host seconds of the whole run, boot included.
    var totalWall: Double = 0
    var exits: UInt64 = 0
    /// What the guest printed from TRAPEZE-BOOTED on, kernel messages left out.
    var console: [String] = []
    /// The guest program's result line (Guest/bench), when it printed one.
    var result: GuestResultLine?
    var timing: ExitTiming?
    var profile: ExitProfile?
    /// bt: the span's tracing faults by faulting instruction.
    var faultTable: TracingFaultTable?
    var translatorSummary: String?
    var costModelName: String?
    var kernelPath = ""

    /// The run did not reach its END marker (the guest failed, or time ran out).
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Boots `workload` in `mode` and runs it to its END marker. Bad input
    /// (no kernel, a bad option) throws CLIError; a run that does not end
    /// well throws Failed.
    static func measure(_ workload: String, mode: Mode, guest: GuestOptions, timeout: Double,
                        extraCommandLine: String = "", profiling: Bool = false) throws -> WorkloadMeasurement {
        let console = Console(interactive: false, echo: false, readsInput: false)
        let system = try guest.boot(mode: mode, workload: workload, console: console, extraCommandLine: extraCommandLine)
        let vm = (system as? VirtualizedSystem)?.vm
        if profiling { vm?.profile = ExitProfile() }
        var m = WorkloadMeasurement(mode: mode)
        m.kernelPath = system.kernelPath
        var begin: (instructions: UInt64, seconds: Double, wall: Double) = (0, 0, 0)
        var end: (instructions: UInt64, seconds: Double, wall: Double)?
        var capturing = false
        let beginMarker = workload == "boot" ? "" : "TRAPEZE-WORKLOAD-BEGIN"
        let endMarker = workload == "boot" ? "TRAPEZE-BOOTED" : "TRAPEZE-WORKLOAD-END"
        console.onLine = { raw in
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line == "TRAPEZE-BOOTED" { capturing = true }
            if capturing && !line.hasPrefix("[") { m.console.append(String(line)) }
            if let result = GuestResultLine(line) { m.result = result }
            if !beginMarker.isEmpty && line.hasPrefix(beginMarker) {
                begin = (system.instructionsExecuted, system.modelledSeconds, console.elapsed)
                vm?.resetStatistics()
            }
            if end == nil && line.hasPrefix(endMarker) {
                end = (system.instructionsExecuted, system.modelledSeconds, console.elapsed)
                vm?.recording = false
            }
        }
        let status = GuestRunner(system: system, console: console, until: "TRAPEZE-WORKLOAD-END \(workload)", timeout: timeout).run()
        // The run stops once the END text is out, maybe before its newline:
        // its line still counts, so every mode's console ends with it.
        console.finishPartialLine()
        m.totalWall = console.elapsed
        guard status == 0, let end else {
            let failedLine = m.console.last { $0.hasPrefix("TRAPEZE-WORKLOAD-FAILED") }
            throw Failed(description: "\(workload) in \(mode.rawValue) mode did not reach its END marker (status \(status)"
                         + (failedLine.map { ", the guest printed '\($0)'" } ?? "") + ")")
        }
        m.instructions = end.instructions &- begin.instructions
        m.seconds = end.seconds - begin.seconds
        m.wall = end.wall - begin.wall
        if let vm {
            m.exits = vm.timing.totalExits
            m.timing = vm.timing
            m.profile = vm.profile
            if let translator = vm.translator {
                m.faultTable = TracingFaultTable(translator, kernelPath: system.kernelPath)
                m.translatorSummary = translator.statistics.summary
            }
            m.costModelName = vm.costModel.name
        }
        return m
    }
}
