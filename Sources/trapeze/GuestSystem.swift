import ArgumentParser
import E500
import Foundation
import Hypervisor
import Platform
import Telemetry

/// How the guest runs (`--mode`).
enum Mode: String, CaseIterable, ExpressibleByArgument {
    case bare, kvm, pv, bt

    static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A booted guest in one of the modes, as the run loop drives it: in chunks
/// of guest instructions, servicing the console in between.
protocol GuestSystem: AnyObject {
    var mode: Mode { get }
    var board: E500Board { get }
    /// The guest-visible CPU (bare: the core; kvm: the vCPU).
    var guestCPU: Core { get }
    /// Where the guest executes now.
    var pc: UInt32 { get }
    var instructionsExecuted: UInt64 { get }
    var modelledSeconds: Double { get }
    /// Modelled machine cycles since power-on (exact, for comparisons).
    var modelledCycles: UInt64 { get }
    var deviceTreeBlob: [UInt8] { get }
    /// The kernel file booted (for symbols).
    var kernelPath: String { get }
    func run(limit: UInt64) -> StopReason
    func setTraceHook(_ hook: ((UInt32, UInt32) -> Void)?)
}

/// `bare`: the guest owns the core.
final class BareSystem: GuestSystem {
    let machine: Machine
    let kernelPath: String

    init(machine: Machine, kernelPath: String) {
        self.machine = machine
        self.kernelPath = kernelPath
    }

    var mode: Mode { .bare }
    var board: E500Board { machine.board }
    var guestCPU: Core { machine.core }
    var pc: UInt32 { machine.core.pc }
    var instructionsExecuted: UInt64 { machine.core.instructionsExecuted }
    var modelledSeconds: Double { machine.modelledSeconds }
    var modelledCycles: UInt64 { machine.core.cycles }
    var deviceTreeBlob: [UInt8] { machine.deviceTreeBlob }

    func run(limit: UInt64) -> StopReason { machine.run(limit: limit) }

    func setTraceHook(_ hook: ((UInt32, UInt32) -> Void)?) { machine.core.traceHook = hook }
}

/// `kvm`: trap-and-emulate under the VMM; `pv`: the same with the KVM
/// paravirtual interface; `bt`: the same with the binary translator.
final class VirtualizedSystem: GuestSystem {
    let vm: VirtualMachine
    let kernelPath: String
    let mode: Mode
    init(vm: VirtualMachine, mode: Mode, kernelPath: String) {
        self.vm = vm
        self.mode = mode
        self.kernelPath = kernelPath
    }

    var board: E500Board { vm.board }
    var guestCPU: Core { vm.vcpu }
    var pc: UInt32 { vm.pc }
    var instructionsExecuted: UInt64 { vm.instructionsExecuted }
    var modelledSeconds: Double { vm.modelledSeconds }
    var modelledCycles: UInt64 { vm.cycles }
    var deviceTreeBlob: [UInt8] { vm.machine.deviceTreeBlob }
    func run(limit: UInt64) -> StopReason { vm.run(limit: limit) }

    /// Traces what the guest executes: on the hardware and emulated on the vCPU.
    func setTraceHook(_ hook: ((UInt32, UInt32) -> Void)?) {
        vm.hardware.traceHook = hook
        vm.vcpu.traceHook = hook
    }
}

/// Resolves `--cost-model`: a shipped profile's name or a JSON file.
func loadCostModel(_ spec: String) throws -> CostModel {
    if let model = CostModel.named(spec) { return model }
    guard spec.contains("/") || spec.hasSuffix(".json") || FileManager.default.fileExists(atPath: spec) else {
        throw CLIError("unknown cost model '\(spec)' (\(CostModel.profileNames.joined(separator: ", ")), or a JSON profile file)")
    }
    do { return try CostModel.load(path: spec) } catch { throw CLIError(error.description) }
}

/// Bad input on the command line or in a file it names: one line, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    /// Another error's text, on one line.
    init(_ error: any Error) {
        let text = (error as? CLIError)?.description ?? "\(error)"
        description = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Runs a command's body; a CLIError from it is printed as `trapeze: ...` and
/// ends the command with status 1 (after the body's own cleanup, such as the
/// console's terminal restore, ran on the way out).
func exitingOnBadInput<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CLIError {
        printError("trapeze: \(error)")
        throw ExitCode.failure
    }
}
