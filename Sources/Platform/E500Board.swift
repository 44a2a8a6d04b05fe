/// The ppce500-compatible board without its core: RAM, the physical bus
/// and the devices wired to the MPIC, laid out as `MachineLayout` says.
/// The machine (core + board) drives it: the core reaches memory through
/// `bus`, takes the external interrupt from `mpic.output`, and calls
/// `tick()` at a fixed guest-time rate.
public final class E500Board {
    public let ram: GuestRAM
    public let bus: PhysicalBus
    public let mpic: MPIC
    public let uart: UART16550
    public let guts: GlobalUtilities
    public let disk: VirtioBlockDevice?

    /// `ramSize`: QEMU requires a multiple of 64 MiB (the kernel's first TLB
    /// entries); Linux without HIGHMEM uses at most 768 MiB of it.
    /// `ramGuardBytes`: inaccessible host address space around RAM (tests; `GuestRAM`).
    public init(ramSize: UInt64, ramGuardBytes: UInt64 = 0, disk image: BlockImage? = nil,
                transmit: @escaping (UInt8) -> Void = { _ in }) {
        precondition(ramSize % (64 << 20) == 0 && ramSize > 0, "RAM must be a positive multiple of 64 MiB")
        ram = GuestRAM(size: ramSize, guardBytes: ramGuardBytes)
        bus = PhysicalBus(ram: ram)
        mpic = MPIC()
        uart = UART16550(interrupt: mpic.line(source: MachineLayout.uartInterrupt), transmit: transmit)
        guts = GlobalUtilities()
        bus.map(mpic, at: MachineLayout.mpicBase, size: MPIC.regionSize, name: "mpic")
        bus.map(uart, at: MachineLayout.uartBase, size: UART16550.regionSize, name: "serial0")
        bus.map(guts, at: MachineLayout.gutsBase, size: GlobalUtilities.regionSize, name: "guts")
        if let image {
            let d = VirtioBlockDevice(image: image, ram: ram, interrupt: mpic.line(source: MachineLayout.virtioInterrupt))
            bus.map(d, at: MachineLayout.virtioBase, size: VirtioBlockDevice.regionSize, name: "virtio-blk")
            disk = d
        } else {
            disk = nil
        }
    }

    /// The machine's periodic clock for devices that need one (the UART's
    /// receive timeout and input pacing).
    public func tick() { uart.tick() }

    /// Device reset (RAM is left alone; reload the boot images after it).
    public func resetDevices() {
        mpic.reset()
        uart.reset()
        guts.clearResetRequest()
        disk?.reset()
    }

    /// Loads the kernel, the initrd and the device tree as QEMU's ppce500
    /// does and returns the state the core must start in.
    public func loadBoot(kernel kernelPath: String, initrd initrdPath: String? = nil, commandLine: String = "",
                         hypervisor: HypervisorNode? = nil) throws(PlatformError) -> BootState {
        let kernel = try KernelLoader.load(path: kernelPath, into: ram)
        var initrd: Range<UInt64>?
        if let initrdPath {
            let bytes = try KernelLoader.readFile(initrdPath)
            let start = BootLayout.initrdAddress(for: kernel)
            guard ram.write(bytes, at: start) else {
                throw .doesNotFit(what: "initrd \(initrdPath)", address: start, size: UInt64(bytes.count), ramSize: ram.size)
            }
            initrd = start..<start + UInt64(bytes.count)
        }
        let tree = MachineDeviceTree.make(MachineConfiguration(
            ramSize: ram.size, commandLine: commandLine, initrd: initrd, hasVirtioDisk: disk != nil, hypervisor: hypervisor))
        let blob = tree.serialized()
        let dtb = BootLayout.deviceTreeAddress(for: kernel)
        let reserved = max(UInt64(blob.count), BootLayout.deviceTreeReservation)
        guard ram.contains(dtb, length: reserved) else {
            throw .doesNotFit(what: "device tree", address: dtb, size: reserved, ramSize: ram.size)
        }
        if let initrd, dtb < initrd.upperBound, initrd.lowerBound < dtb + reserved {
            throw .doesNotFit(what: "device tree (it overlaps the initrd)", address: dtb, size: reserved, ramSize: ram.size)
        }
        ram.write(blob, at: dtb)
        return BootState(kernel: kernel, initrd: initrd, deviceTreeAddress: dtb, deviceTreeSize: UInt64(blob.count))
    }
}

/// What the core starts with (QEMU `ppce500_cpu_reset`, docs §1.2-1.3):
/// PC = entry, MSR = 0, r1 = 16 MiB − 8, r3 = DTB address, r6 = ePAPR
/// magic, r7 = size of the initial mapping, every other GPR 0; TLB1 entry 0
/// maps EA 0 → PA 0 for `initialMappingSize` bytes (V, TS 0, TID 0, IPROT 0,
/// WIMGE 0, SR|SW|SX|UR|UW|UX).
public struct BootState: Equatable, Sendable {
    public static let ePAPRMagic: UInt32 = 0x4550_4150   // "EPAP"
    public let kernel: LoadedKernel
    public let initrd: Range<UInt64>?
    public let deviceTreeAddress: UInt64
    public let deviceTreeSize: UInt64

    public var entry: UInt64 { kernel.entry }
    /// QEMU sizes the entry to cover its whole 1 MiB DTB buffer; so do we.
    var mappedEnd: UInt64 { deviceTreeAddress + max(deviceTreeSize, BootLayout.deviceTreeReservation) }
    public var initialMappingSize: UInt64 { BootLayout.initialMappingSize(coveringUpTo: mappedEnd) }
    public var initialMappingTSIZE: UInt32 { BootLayout.initialMappingTSIZE(coveringUpTo: mappedEnd) }
    public var r1: UInt32 { (16 << 20) - 8 }
    public var r3: UInt32 { UInt32(truncatingIfNeeded: deviceTreeAddress) }
    public var r6: UInt32 { BootState.ePAPRMagic }
    public var r7: UInt32 { UInt32(truncatingIfNeeded: initialMappingSize) }
}
