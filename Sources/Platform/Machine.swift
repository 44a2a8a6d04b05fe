import E500
import Telemetry

/// The board's bus is the core's physical memory: RAM pages go straight to
/// the core's software TLB, everything else through device reads and writes.
extension PhysicalBus: PhysicalMemory {
    public func ramPage(_ physicalPage: UInt64) -> UnsafeMutableRawPointer? { ramPointer(physicalPage) }
    public var contiguousRAM: (base: UnsafeMutableRawPointer, size: UInt64)? { (ram.base, ram.size) }
    public var codeCache: CodeCache? { ram.codeCache }
}

/// The MPIC's output drives the core's external input (coreint: taking the
/// interrupt acknowledges it and EPR receives the vector) and its critical input.
extension MPIC.Output: ExternalInterruptSource, CriticalInterruptSource {}

/// The whole ppce500-compatible machine: an e500mc core at supervisor level
/// behind its Book E MMU, wired to the board.
public final class Machine {
    public let board: E500Board
    public let core: Core
    /// The flattened device tree the guest was booted with (`--dump-dtb`).
    public private(set) var deviceTreeBlob: [UInt8] = []

    /// Modelled core clock: 1.2 GHz with the 400 MHz time base the device tree announces.
    public static let coreFrequency: UInt64 = 1_200_000_000
    public static let cyclesPerTimeBaseTick: UInt64 = 3

    /// Cost of a guest instruction beyond the one cycle the core counts (the
    /// cost model's cycles per instruction, in this machine's clock).
    var instructionClock: InstructionClock

    /// `ramGuardBytes`: inaccessible host address space around guest RAM (tests; `GuestRAM`).
    public init(ramSize: UInt64, ramGuardBytes: UInt64 = 0, disk: BlockImage? = nil, tlb1Entries: Int = 16,
                costModel: CostModel = .p2020, transmit: @escaping (UInt8) -> Void) {
        instructionClock = InstructionClock(
            cyclesPerInstruction: costModel.inMachineCycles(Double(Machine.coreFrequency)).instruction)
        board = E500Board(ramSize: ramSize, ramGuardBytes: ramGuardBytes, disk: disk, transmit: transmit)
        core = Core(systemWith: BookEMMU(tlb1Entries: tlb1Entries), memory: board.bus)
        core.externalInterrupts = board.mpic.output
        core.criticalInterrupts = board.mpic.output
        core.cyclesPerTimeBaseTick = Machine.cyclesPerTimeBaseTick
    }

    /// Loads kernel, initrd and device tree and puts the core in the state
    /// QEMU's ppce500 starts a kernel in (docs/platform-e500.md §1).
    /// `hypervisor`: the `/hypervisor` node a paravirtualizing VMM offers, if any.
    public func boot(kernel: String, initrd: String?, commandLine: String,
                     hypervisor: HypervisorNode? = nil) throws(PlatformError) {
        let state = try board.loadBoot(kernel: kernel, initrd: initrd, commandLine: commandLine, hypervisor: hypervisor)
        deviceTreeBlob = board.ram.read(state.deviceTreeAddress, count: Int(state.deviceTreeSize)) ?? []
        core.resetRegisters()
        core.msr = 0
        core.pc = UInt32(truncatingIfNeeded: state.entry)
        core.gpr[1] = state.r1
        core.gpr[3] = state.r3
        core.gpr[6] = state.r6
        core.gpr[7] = state.r7
        var mapping = BookEMMU.Entry()
        mapping.valid = true
        mapping.tsize = state.initialMappingTSIZE
        mapping.epn = 0
        mapping.rpn = 0
        mapping.permissions = 0x3F
        core.mmu?.setTLB1(0, mapping)
        core.flushTLB()
    }

    /// Runs the core (`Core.run`), charging the cost model's instruction cost to the modelled clock.
    public func run(limit: UInt64) -> StopReason {
        let before = core.instructionsExecuted
        let reason = core.run(limit: limit)
        core.cycles &+= instructionClock.extraCycles(for: core.instructionsExecuted &- before)
        return reason
    }

    /// Modelled guest time in seconds.
    public var modelledSeconds: Double { Double(core.cycles) / Double(Machine.coreFrequency) }
}
