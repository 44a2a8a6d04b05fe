import Testing
@testable import Platform

/// The DTB writer against the format (header fields, alignment, string
/// table) and against `dtc`, which must accept every blob and print the
/// machine's tree exactly as the golden text below (reviewed by eye against
/// QEMU's `dumpdtb` of ppce500 and docs/platform-e500.md §3.3).
@Suite struct DeviceTreeTests {
    func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    /// `dtc -I dtb -O dts` of the blob; dtc must exit 0 without warnings.
    func decompile(_ blob: [UInt8]) throws -> String {
        let scratch = ScratchDirectory("dtb")
        let path = scratch.write("tree.dtb", blob)
        let result = try runTool("dtc", ["-I", "dtb", "-O", "dts", path])
        #expect(result.status == 0, "dtc failed: \(result.stderr)")
        #expect(result.stderr.isEmpty, "dtc warned: \(result.stderr)")
        return result.stdout
    }

    @Test func headerAndBlockLayout() {
        let root = DeviceTreeNode("")
        root.set("compatible", .string("a"))
        root.addChild("n@1").set("compatible", .string("b")).set("reg", .cells(1))
        let blob = FlattenedDeviceTree(root: root, bootCPU: 3, reservations: [(0x1000, 0x2000)]).serialized()
        #expect(be32(blob, 0) == 0xD00D_FEED)
        #expect(be32(blob, 4) == UInt32(blob.count))                 // totalsize
        #expect(be32(blob, 16) == 40)                                // off_mem_rsvmap
        #expect(be32(blob, 20) == 17 && be32(blob, 24) == 16)        // version, last compatible
        #expect(be32(blob, 28) == 3)                                 // boot_cpuid_phys
        let structure = Int(be32(blob, 8)), strings = Int(be32(blob, 12))
        #expect(structure == 40 + 32)                                // one reservation + terminator
        #expect(be32(blob, 44) == 0x1000 && be32(blob, 52) == 0x2000)
        #expect(structure % 4 == 0)
        #expect(strings == structure + Int(be32(blob, 36)))          // size_dt_struct
        #expect(blob.count == strings + Int(be32(blob, 32)))         // size_dt_strings
        // "compatible" is stored once although two nodes use it.
        #expect(Array(blob[strings...]) == Array("compatible\0reg\0".utf8))
        #expect(be32(blob, structure) == 1)                          // FDT_BEGIN_NODE, root
        #expect(be32(blob, strings - 4) == 9)                        // FDT_END
    }

    @Test func valueEncodings() {
        #expect(DeviceTreeValue.empty.bytes.isEmpty)
        #expect(DeviceTreeValue.string("ab").bytes == [0x61, 0x62, 0])
        #expect(DeviceTreeValue.strings("a", "b").bytes == [0x61, 0, 0x62, 0])
        #expect(DeviceTreeValue.cells(1, 0x0203_0405).bytes == [0, 0, 0, 1, 2, 3, 4, 5])
        #expect(DeviceTreeValue.u64(0xF_E000_0000).bytes == [0, 0, 0, 0xF, 0xE0, 0, 0, 0])
        let node = DeviceTreeNode("x")
        node.set("p", .cells(1))
        node.set("p", .cells(2))                                     // replaces in place
        #expect(node.properties.count == 1 && node.property("p") == .cells(2))
    }

    @Test func dtcAcceptsArbitraryTrees() throws {
        let root = DeviceTreeNode("")
        root.set("#address-cells", .cells(1)).set("#size-cells", .cells(1))
        let a = root.addChild("bus@1000")
        a.set("bytes", .byteArray([1, 2, 3]))                        // odd length: padding
        a.set("flag", .empty)
        a.set("names", .strings("x", "yy", "zzz"))
        a.set("reg", .cells(0x1000, 0x100))
        a.addChild("leaf").set("big", .u64(0x1_0000_0002))
        let dts = try decompile(FlattenedDeviceTree(root: root).serialized())
        #expect(dts.contains("bytes = [01 02 03];"))
        #expect(dts.contains("flag;"))
        #expect(dts.contains("names = \"x\\0yy\\0zzz\";"))
        #expect(dts.contains("big = <0x01 0x02>;"))
    }

    /// The machine's tree, 256 MiB, initrd at QEMU's place, a virtio disk.
    static let golden = """
    /dts-v1/;

    / {
    \t#address-cells = <0x02>;
    \t#size-cells = <0x02>;
    \tcompatible = "fsl,qemu-e500";
    \tmodel = "Trapeze ppce500";

    \taliases {
    \t\tserial0 = "/soc@fe0000000/serial@4500";
    \t};

    \tchosen {
    \t\tbootargs = "console=ttyS0 rdinit=/bin/sh";
    \t\tstdout-path = "/soc@fe0000000/serial@4500";
    \t\tlinux,initrd-start = <0x4000000>;
    \t\tlinux,initrd-end = <0x4123456>;
    \t};

    \tcpus {
    \t\t#address-cells = <0x01>;
    \t\t#size-cells = <0x00>;

    \t\tPowerPC,e500mc@0 {
    \t\t\tdevice_type = "cpu";
    \t\t\treg = <0x00>;
    \t\t\tstatus = "okay";
    \t\t\tclock-frequency = <0x17d78400>;
    \t\t\ttimebase-frequency = <0x17d78400>;
    \t\t\tbus-frequency = <0x00>;
    \t\t\td-cache-line-size = <0x40>;
    \t\t\ti-cache-line-size = <0x40>;
    \t\t\td-cache-size = <0x8000>;
    \t\t\ti-cache-size = <0x8000>;
    \t\t};
    \t};

    \tmemory@0 {
    \t\tdevice_type = "memory";
    \t\treg = <0x00 0x00 0x00 0x10000000>;
    \t};

    \tsoc@fe0000000 {
    \t\t#address-cells = <0x01>;
    \t\t#size-cells = <0x01>;
    \t\tdevice_type = "soc";
    \t\tcompatible = "fsl,mpc8544-immr\\0simple-bus";
    \t\tranges = <0x00 0x0f 0xe0000000 0x100000>;
    \t\tbus-frequency = <0x00>;

    \t\tpic@40000 {
    \t\t\tcompatible = "fsl,mpic";
    \t\t\tdevice_type = "open-pic";
    \t\t\treg = <0x40000 0x40000>;
    \t\t\tinterrupt-controller;
    \t\t\t#interrupt-cells = <0x02>;
    \t\t\t#address-cells = <0x00>;
    \t\t\tphandle = <0x01>;
    \t\t};

    \t\tserial@4500 {
    \t\t\tcompatible = "ns16550";
    \t\t\tdevice_type = "serial";
    \t\t\treg = <0x4500 0x100>;
    \t\t\tcell-index = <0x00>;
    \t\t\tclock-frequency = <0x17d78400>;
    \t\t\tinterrupts = <0x2a 0x02>;
    \t\t\tinterrupt-parent = <0x01>;
    \t\t};

    \t\tglobal-utilities@e0000 {
    \t\t\tcompatible = "fsl,mpc8544-guts";
    \t\t\treg = <0xe0000 0x1000>;
    \t\t\tfsl,has-rstcr;
    \t\t};
    \t};

    \tplatform@f00000000 {
    \t\tcompatible = "qemu,platform\\0simple-bus";
    \t\t#address-cells = <0x01>;
    \t\t#size-cells = <0x01>;
    \t\tranges = <0x00 0x0f 0x00 0x8000000>;
    \t\tinterrupt-parent = <0x01>;

    \t\tvirtio@0 {
    \t\t\tcompatible = "virtio,mmio";
    \t\t\treg = <0x00 0x200>;
    \t\t\tinterrupts = <0x05 0x02>;
    \t\t\tinterrupt-parent = <0x01>;
    \t\t};
    \t};
    };

    """

    @Test func machineTreeMatchesGolden() throws {
        let tree = MachineDeviceTree.make(MachineConfiguration(
            ramSize: 256 << 20, commandLine: "console=ttyS0 rdinit=/bin/sh",
            initrd: 0x400_0000..<0x412_3456, hasVirtioDisk: true))
        let dts = try decompile(tree.serialized())
        #expect(dts == Self.golden)
        if dts != Self.golden { print(dts) }
    }

    @Test func machineTreeWithoutOptionalParts() throws {
        let tree = MachineDeviceTree.make(MachineConfiguration(ramSize: 1 << 30))
        let dts = try decompile(tree.serialized())
        #expect(!dts.contains("linux,initrd"))
        #expect(!dts.contains("virtio"))
        #expect(!dts.contains("hypervisor"))
        #expect(dts.contains("bootargs = [00];"))                    // always present, maybe empty (dtc prints "" as bytes)
        #expect(dts.contains("reg = <0x00 0x00 0x00 0x40000000>;"))
        #expect(dts.contains("platform@f00000000 {"))
    }

    @Test func hypervisorNodeForParavirtualGuests() throws {
        let tree = MachineDeviceTree.make(MachineConfiguration(ramSize: 256 << 20, hypervisor: .kvmStyle))
        let dts = try decompile(tree.serialized())
        #expect(dts.contains("""
        \thypervisor {
        \t\tcompatible = "linux,kvm\\0epapr,hypervisor-1";
        \t\thcall-instructions = <0x3c004b56 0x60004d21 0x44000002 0x60000000>;
        \t\thas-idle;
        \t};
        """))
        let noIdle = MachineDeviceTree.make(MachineConfiguration(
            ramSize: 256 << 20, hypervisor: HypervisorNode(hcallInstructions: [0x4400_0022], hasIdle: false)))
        let dts2 = try decompile(noIdle.serialized())
        #expect(dts2.contains("hcall-instructions = <0x44000022>;") && !dts2.contains("has-idle"))
    }

    @Test func machineTreeRoundTripsThroughDtc() throws {
        // dts → dtb with dtc, then dtb → dts again: equal to our blob's text.
        let blob = MachineDeviceTree.make(MachineConfiguration(ramSize: 256 << 20, commandLine: "x", hasVirtioDisk: true)).serialized()
        let dts = try decompile(blob)
        let scratch = ScratchDirectory("dts")
        let source = scratch.write("tree.dts", Array(dts.utf8))
        let compiled = try runTool("dtc", ["-I", "dts", "-O", "dtb", "-o", scratch.path("again.dtb"), source])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        #expect(try decompile(scratch.read("again.dtb")) == dts)
    }
}
