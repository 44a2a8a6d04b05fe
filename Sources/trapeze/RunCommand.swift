#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import E500
import Foundation
import Hypervisor
import Platform
import PowerISA
import Telemetry

/// `trapeze run`: boots a kernel on the simulated ppce500 machine, QEMU style.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot Linux on the simulated e500mc machine (bare, or virtualized with --mode kvm, pv or bt).",
        discussion: """
            Without --kernel, boots the project's guest image (Guest/linux/build.sh, cached in \
            ~/.cache/trapeze/linux), building it first if missing; --mode bt boots that image's \
            kernel without the pv patches (Guest/linux/kernel.sh --stock). The serial console is the terminal; \
            Ctrl-A x quits. Exit status: 0 when --until's text appeared (or the guest rebooted), \
            2 when the guest panicked or the machine stopped, 3 when --timeout expired, 1 on bad input.
            """)

    @OptionGroup var guest: GuestOptions
    @Option(help: "How the guest runs: bare (owns the core), kvm (trap-and-emulate under the VMM), pv (kvm plus the KVM paravirtual interface), bt (kvm plus the binary translator).")
    var mode: Mode = .bare
    @Option(help: "Guest workload: boot, echo-spawn, find, shell (adds trapeze.workload=NAME).") var workload: String?
    @Option(help: "Stop successfully when the console prints this text.") var until: String?
    @Option(help: "Give up after this many seconds of host time.") var timeout: Double?
    @Option(help: "Write an instruction trace (address, word, disassembly) to this file.") var trace: String?
    @Flag(help: "With --trace: each instruction is followed by the registers before it, in the layout of QEMU's -d cpu (bare mode).")
    var traceRegisters = false
    @Option(help: "Write the device tree blob given to the guest to this file.") var dumpDtb: String?
    @Option(help: "kvm, pv, bt: write exit-timing statistics into this directory (vm0_vcpu0_timing and .json).")
    var exitTiming: String?
    @Option(help: "kvm, pv, bt: write the exits by instruction class and guest PC to this file.")
    var exitProfile: String?
    @Option(help: "ELF file whose symbols name guest PCs in --exit-profile (default: the kernel).")
    var symbols: String?
    @Option(help: "Statistics cover the whole run (boot) or only the workload, between its BEGIN and END markers (workload).")
    var statsFrom: String = "boot"

    func validate() throws {
        if let workload { try guest.validateWorkload(workload, known: GuestOptions.workloads) }
        guard ["boot", "workload"].contains(statsFrom) else { throw ValidationError("--stats-from must be boot or workload") }
        if traceRegisters && (trace == nil || mode != .bare) {
            throw ValidationError("--trace-registers needs --trace in bare mode")
        }
        if mode == .bare && (exitTiming != nil || exitProfile != nil) {
            throw ValidationError("--exit-timing and --exit-profile need a virtualized mode (--mode kvm, pv or bt)")
        }
    }

    func run() throws {
        let status = try exitingOnBadInput { try runGuest() }
        throw ExitCode(status)
    }

    /// Boots, runs and reports; the exit status of the run. The terminal is
    /// raw only while the guest runs, and put back on every way out.
    func runGuest() throws -> Int32 {
        let console = Console(interactive: isatty(0) == 1 && until == nil && workload == nil || workload == "shell")
        defer { console.restore() }
        let system = try guest.boot(mode: mode, workload: workload, console: console)
        let vm = (system as? VirtualizedSystem)?.vm
        if let vm {
            if exitProfile != nil { vm.profile = ExitProfile() }
            if statsFrom == "workload" {
                vm.recording = false
                console.onLine = { line in
                    if line.hasPrefix("TRAPEZE-WORKLOAD-BEGIN") { vm.resetStatistics() }
                    if line.hasPrefix("TRAPEZE-WORKLOAD-END") { vm.recording = false }
                }
            }
        }
        if let dumpDtb {
            guard FileManager.default.createFile(atPath: dumpDtb, contents: Data(system.deviceTreeBlob)) else {
                throw CLIError("cannot write \(dumpDtb)")
            }
        }
        var traceFile: UnsafeMutablePointer<FILE>?
        if let trace {
            guard let f = fopen(trace, "w") else { throw CLIError("cannot write \(trace)") }
            traceFile = f
            let core = system.guestCPU
            let registers = traceRegisters
            system.setTraceHook { pc, word in
                fputs(Disassembler.traceLine(word, at: pc) + "\n", f)
                if registers { fputs(registerDump(core, pc: pc), f) }
            }
        }
        console.enterRawMode()
        let status = GuestRunner(system: system, console: console, until: until, timeout: timeout).run()
        if let traceFile { fclose(traceFile) }
        console.restore()
        let seconds = console.elapsed
        let instructions = system.instructionsExecuted
        var summary = String(format: "trapeze: mode=%@ instructions=%llu modelled=%.3fs cycles=%llu wall=%.3fs mips=%.1f",
                             mode.rawValue, instructions, system.modelledSeconds, system.modelledCycles, seconds,
                             Double(instructions) / max(seconds, 1e-9) / 1e6)
        if let vm { summary += " exits=\(vm.timing.totalExits) " + vm.timing.paperSummary }
        printError(summary)
        if let translator = vm?.translator {
            printError("trapeze: bt: " + translator.statistics.summary)
            let table = TracingFaultTable(translator, kernelPath: system.kernelPath).text
            for line in table.split(separator: "\n") { printError("trapeze: bt: " + line) }
            translator.log?("statistics " + translator.statistics.summary)
            translator.log?(table.hasSuffix("\n") ? String(table.dropLast()) : table)
        }
        if let vm { writeReports(vm, kernelPath: system.kernelPath) }
        return status
    }

    /// --exit-timing and --exit-profile at the end of a run.
    func writeReports(_ vm: VirtualMachine, kernelPath: String) {
        if let exitTiming {
            let info = ["mode": mode.rawValue, "cost_model": vm.costModel.name, "vcpu": "0",
                        "instructions": "\(vm.instructionsExecuted)", "stats_from": statsFrom]
            do {
                try writeExitTiming(vm.timing, directory: exitTiming, info: info)
            } catch {
                printError("trapeze: cannot write exit timing to \(exitTiming): \(error.localizedDescription)")
            }
        }
        if let exitProfile, let profile = vm.profile {
            let table = try? SymbolTable(elfPath: symbols ?? kernelPath)
            if table == nil && symbols != nil { printError("trapeze: no symbols in \(symbols!); PCs stay unnamed") }
            let text = profile.text { pc in table?.describe(pc) }
            if !FileManager.default.createFile(atPath: exitProfile, contents: Data(text.utf8)) {
                printError("trapeze: cannot write \(exitProfile)")
            }
        }
    }
}

/// Writes `vm0_vcpu0_timing` (the exit-timing page's layout) and its JSON twin into `directory`.
func writeExitTiming(_ timing: ExitTiming, directory: String, info: [String: String]) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let base = directory + "/vm0_vcpu0_timing"
    let perMicrosecond = VirtualMachine.cyclesPerMicrosecond
    try timing.text(cyclesPerMicrosecond: perMicrosecond).write(toFile: base, atomically: true, encoding: .utf8)
    try timing.json(cyclesPerMicrosecond: perMicrosecond, extra: info).write(toFile: base + ".json", atomically: true, encoding: .utf8)
}

/// The core's registers in the layout of QEMU's `-d cpu` for 32-bit PowerPC
/// (the lines scripts/trace-diff.py compares).
func registerDump(_ core: Core, pc: UInt32) -> String {
    var s = String(format: "NIP %08x   LR %08x CTR %08x XER %08x CPU#0\n", pc, core.lr, core.ctr, core.xer)
    s += String(format: "MSR %08x HID0 %08x\n", core.msr, core.spr[SPR.hid0])
    for row in 0..<4 {
        s += String(format: "GPR%02d", row * 8) + (0..<8).map { String(format: " %08x", core.gpr[row * 8 + $0]) }.joined() + "\n"
    }
    s += String(format: "CR %08x\n", core.cr)
    return s
}
