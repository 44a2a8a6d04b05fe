/// Where things are on Trapeze's ppce500-compatible machine
/// (docs/platform-e500.md §2): QEMU's `ppce500` map, less what Linux does
/// not need (PCI, I²C, GPIO, MSI).
public enum MachineLayout {
    /// CCSR: the SoC register window, at a 36-bit address as on QEMU's ppce500.
    public static let ccsrBase: UInt64 = 0xF_E000_0000
    public static let ccsrSize: UInt64 = 0x10_0000
    public static let uartOffset: UInt64 = 0x4500
    public static let mpicOffset: UInt64 = 0x4_0000
    public static let gutsOffset: UInt64 = 0xE_0000
    public static var uartBase: UInt64 { ccsrBase + uartOffset }
    public static var mpicBase: UInt64 { ccsrBase + mpicOffset }
    public static var gutsBase: UInt64 { ccsrBase + gutsOffset }

    /// The platform bus (QEMU's dynamic sysbus window); virtio-mmio lives here.
    public static let platformBusBase: UInt64 = 0xF_0000_0000
    public static let platformBusSize: UInt64 = 0x800_0000
    public static let virtioOffset: UInt64 = 0
    public static var virtioBase: UInt64 { platformBusBase + virtioOffset }

    /// MPIC sources: both QEMU UARTs use 42 (internal, level); platform-bus
    /// devices get 5…14 (external, level once Linux programs them from the DT).
    public static let uartInterrupt = 42
    public static let virtioInterrupt = 5

    /// QEMU's e500 timebase and core clock, and the UART input clock.
    public static let timebaseFrequency: UInt32 = 400_000_000
    public static let clockFrequency: UInt32 = 400_000_000

    /// The MPIC's phandle (QEMU allocates 0x8003; the value is arbitrary).
    public static let mpicPhandle: UInt32 = 1
}

/// What `MachineDeviceTree.make` puts in the tree.
public struct MachineConfiguration: Sendable {
    public var ramSize: UInt64
    public var commandLine: String
    /// Physical [start, end) of the initial RAM disk, if any.
    public var initrd: Range<UInt64>?
    /// A virtio-mmio block device at `MachineLayout.virtioBase`.
    public var hasVirtioDisk: Bool
    /// The `/hypervisor` node for paravirtual guests (§3.4), or nil.
    public var hypervisor: HypervisorNode?
    public var clockFrequency: UInt32
    public var timebaseFrequency: UInt32

    public init(ramSize: UInt64, commandLine: String = "", initrd: Range<UInt64>? = nil, hasVirtioDisk: Bool = false,
                hypervisor: HypervisorNode? = nil,
                clockFrequency: UInt32 = MachineLayout.clockFrequency,
                timebaseFrequency: UInt32 = MachineLayout.timebaseFrequency) {
        self.ramSize = ramSize
        self.commandLine = commandLine
        self.initrd = initrd
        self.hasVirtioDisk = hasVirtioDisk
        self.hypervisor = hypervisor
        self.clockFrequency = clockFrequency
        self.timebaseFrequency = timebaseFrequency
    }
}

/// `/hypervisor` as KVM's QEMU writes it: Linux patches the
/// `hcall-instructions` words over its hypercall stubs
/// (`epapr_paravirt.c`) and, with `has-idle`, idles through `EV_IDLE`.
public struct HypervisorNode: Sendable, Equatable {
    /// At most 4 instruction words (16 bytes).
    public var hcallInstructions: [UInt32]
    public var hasIdle: Bool

    public init(hcallInstructions: [UInt32], hasIdle: Bool) {
        precondition(hcallInstructions.count <= 4, "Linux accepts at most 16 bytes of hcall-instructions")
        self.hcallInstructions = hcallInstructions
        self.hasIdle = hasIdle
    }

    /// KVM's sequence for non-HV Book E: `lis r0,0x4b56; ori r0,r0,0x4d21; sc; nop` (r0 = "KVM!").
    public static let kvmStyle = HypervisorNode(hcallInstructions: [0x3C00_4B56, 0x6000_4D21, 0x4400_0002, 0x6000_0000], hasIdle: true)
}

/// The device tree of §3.3 ("Proposed Trapeze tree"): QEMU's ppce500 tree
/// trimmed to what Linux 6.1's qemu_e500 platform and our drivers read.
public enum MachineDeviceTree {
    public static let socPath = "/soc@fe0000000"
    public static let serialPath = "/soc@fe0000000/serial@4500"

    public static func make(_ c: MachineConfiguration) -> FlattenedDeviceTree {
        let root = DeviceTreeNode("")
        root.set("#address-cells", .cells(2))
        root.set("#size-cells", .cells(2))
        // Selects Linux's "QEMU e500" platform (qemu_e500_probe).
        root.set("compatible", .string("fsl,qemu-e500"))
        root.set("model", .string("Trapeze ppce500"))

        root.addChild("aliases").set("serial0", .string(serialPath))

        let chosen = root.addChild("chosen")
        chosen.set("bootargs", .string(c.commandLine))
        // legacy_serial makes this the early and preferred console even without console=.
        chosen.set("stdout-path", .string(serialPath))
        if let initrd = c.initrd {
            // One cell each, as QEMU writes them (Linux reads len/4 cells).
            chosen.set("linux,initrd-start", .cells(UInt32(truncatingIfNeeded: initrd.lowerBound)))
            chosen.set("linux,initrd-end", .cells(UInt32(truncatingIfNeeded: initrd.upperBound)))
        }

        let cpus = root.addChild("cpus")
        cpus.set("#address-cells", .cells(1))
        cpus.set("#size-cells", .cells(0))
        let cpu = cpus.addChild("PowerPC,e500mc@0")
        cpu.set("device_type", .string("cpu"))
        cpu.set("reg", .cells(0))   // = FDT boot_cpuid_phys
        cpu.set("status", .string("okay"))
        cpu.set("clock-frequency", .cells(c.clockFrequency))
        cpu.set("timebase-frequency", .cells(c.timebaseFrequency))
        cpu.set("bus-frequency", .cells(0))
        cpu.set("d-cache-line-size", .cells(64))
        cpu.set("i-cache-line-size", .cells(64))
        cpu.set("d-cache-size", .cells(0x8000))
        cpu.set("i-cache-size", .cells(0x8000))

        let memory = root.addChild("memory@0")
        memory.set("device_type", .string("memory"))
        memory.set("reg", .cells([0, 0, UInt32(truncatingIfNeeded: c.ramSize >> 32), UInt32(truncatingIfNeeded: c.ramSize)]))

        let soc = root.addChild("soc@fe0000000")
        soc.set("#address-cells", .cells(1))
        soc.set("#size-cells", .cells(1))
        soc.set("device_type", .string("soc"))
        soc.set("compatible", .strings("fsl,mpc8544-immr", "simple-bus"))
        soc.set("ranges", .cells(0, UInt32(MachineLayout.ccsrBase >> 32), UInt32(truncatingIfNeeded: MachineLayout.ccsrBase),
                                 UInt32(MachineLayout.ccsrSize)))
        soc.set("bus-frequency", .cells(0))

        let pic = soc.addChild("pic@40000")
        // open-pic device_type: mpic_alloc's default search; fsl,mpic: FSL register layout, BRR1 read.
        pic.set("compatible", .string("fsl,mpic"))
        pic.set("device_type", .string("open-pic"))
        pic.set("reg", .cells(UInt32(MachineLayout.mpicOffset), UInt32(MPIC.regionSize)))
        pic.set("interrupt-controller", .empty)
        pic.set("#interrupt-cells", .cells(2))
        pic.set("#address-cells", .cells(0))
        pic.set("phandle", .cells(MachineLayout.mpicPhandle))

        let serial = soc.addChild("serial@4500")
        // legacy_serial wants both device_type "serial" and compatible "ns16550", and a clock.
        serial.set("compatible", .string("ns16550"))
        serial.set("device_type", .string("serial"))
        serial.set("reg", .cells(UInt32(MachineLayout.uartOffset), UInt32(UART16550.regionSize)))
        serial.set("cell-index", .cells(0))
        serial.set("clock-frequency", .cells(c.clockFrequency))
        serial.set("interrupts", .cells(UInt32(MachineLayout.uartInterrupt), 2))   // 2 = level, active high
        serial.set("interrupt-parent", .cells(MachineLayout.mpicPhandle))

        // fsl_soc.c:setup_rstcr looks for this node *name* with fsl,has-rstcr.
        let guts = soc.addChild("global-utilities@e0000")
        guts.set("compatible", .string("fsl,mpc8544-guts"))
        guts.set("reg", .cells(UInt32(MachineLayout.gutsOffset), UInt32(GlobalUtilities.regionSize)))
        guts.set("fsl,has-rstcr", .empty)

        // A simple-bus: mpc85xx_common_publish_devices makes its children platform devices.
        let platform = root.addChild("platform@f00000000")
        platform.set("compatible", .strings("qemu,platform", "simple-bus"))
        platform.set("#address-cells", .cells(1))
        platform.set("#size-cells", .cells(1))
        platform.set("ranges", .cells(0, UInt32(MachineLayout.platformBusBase >> 32), UInt32(truncatingIfNeeded: MachineLayout.platformBusBase),
                                      UInt32(MachineLayout.platformBusSize)))
        platform.set("interrupt-parent", .cells(MachineLayout.mpicPhandle))
        if c.hasVirtioDisk {
            let virtio = platform.addChild("virtio@\(String(MachineLayout.virtioOffset, radix: 16))")
            virtio.set("compatible", .string("virtio,mmio"))
            virtio.set("reg", .cells(UInt32(MachineLayout.virtioOffset), UInt32(VirtioBlockDevice.regionSize)))
            virtio.set("interrupts", .cells(UInt32(MachineLayout.virtioInterrupt), 2))
            virtio.set("interrupt-parent", .cells(MachineLayout.mpicPhandle))
        }

        if let h = c.hypervisor {
            // check_kvm_guest matches the path /hypervisor and compatible linux,kvm.
            let node = root.addChild("hypervisor")
            node.set("compatible", .strings("linux,kvm", "epapr,hypervisor-1"))
            node.set("hcall-instructions", .cells(h.hcallInstructions))
            if h.hasIdle { node.set("has-idle", .empty) }
        }
        return FlattenedDeviceTree(root: root, bootCPU: 0)
    }
}
