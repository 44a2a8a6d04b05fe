import Testing
@testable import Platform

@Suite struct KernelLoaderTests {
    func loadError(_ bytes: [UInt8], ramSize: UInt64 = 64 << 20) -> PlatformError? {
        do {
            _ = try KernelLoader.load(bytes: bytes, name: "k", into: GuestRAM(size: ramSize))
            return nil
        } catch {
            return error
        }
    }

    @Test func vmlinuxLoadsAtPhysicalZeroAndEntersAtZero() throws {
        let ram = GuestRAM(size: 64 << 20)
        ram.write([0xEE, 0xEE], at: 0x200)                           // stale bytes in the BSS
        let image = ELFImage.vmlinuxLike()
        let k = try KernelLoader.load(bytes: image.bytes(), name: "vmlinux", into: ram)
        #expect(k.format == .elf)
        #expect(k.entry == 0)                                        // 0xC0000000 moved to its physical address
        #expect(k.loadAddress == 0)
        #expect(k.payloadSize == 0x1200)
        #expect(k.end == 0x1200)
        #expect(ram.read(0, count: 4) == Array(image.segments[0].bytes.prefix(4)))
        #expect(ram.read(0x200, count: 2) == [0, 0])                 // BSS zeroed
    }

    @Test func entryTranslationFollowsQEMU() throws {
        // Entry inside the executable segment at an offset.
        var image = ELFImage.vmlinuxLike()
        image.entry = 0xC000_0100
        #expect(try KernelLoader.load(bytes: image.bytes(), name: "k", into: GuestRAM(size: 64 << 20)).entry == 0x100)
        // vaddr == paddr: entry unchanged; several segments, lowest paddr is the load address.
        let two = ELFImage(segments: [
            .init(vaddr: 0x10_0000, paddr: 0x10_0000, bytes: [1, 2, 3, 4]),
            .init(vaddr: 0x20_0000, paddr: 0x20_0000, bytes: [5], memsz: 0x100, flags: 6),
            .init(type: 4, vaddr: 0, paddr: 0, bytes: [9, 9]),            // PT_NOTE: ignored
        ], entry: 0x10_0000)
        let ram = GuestRAM(size: 64 << 20)
        let k = try KernelLoader.load(bytes: two.bytes(), name: "k", into: ram)
        #expect(k.entry == 0x10_0000 && k.loadAddress == 0x10_0000)
        #expect(k.payloadSize == 4 + 0x100 && k.end == 0x20_0100)
        #expect(ram.load8(0x20_0000) == 5)
    }

    @Test func badELFsAreClearErrors() {
        var image = ELFImage.vmlinuxLike()
        #expect(loadError([]) == .emptyFile(path: "k"))
        #expect(loadError(Array("#!/bin/sh\n".utf8)) == .notKernelImage(path: "k"))
        #expect(loadError(Array(image.bytes().prefix(30))) == .truncated(path: "k", what: "ELF header"))
        #expect(loadError(Array(image.bytes().prefix(100))) == .truncated(path: "k", what: "segment 0"))
        image.dataEncoding = 1
        #expect(loadError(image.bytes()) == .notBigEndian(path: "k"))
        image = .vmlinuxLike(); image.elfClass = 2
        #expect(loadError(image.bytes()) == .not32Bit(path: "k"))
        image = .vmlinuxLike(); image.machine = 62
        #expect(loadError(image.bytes()) == .wrongMachine(path: "k", machine: 62))
        #expect(PlatformError.wrongMachine(path: "k", machine: 62).description == "k: ELF for machine 62, not PowerPC (20)")
        image = .vmlinuxLike(); image.type = 1
        #expect(loadError(image.bytes()) == .notExecutable(path: "k", type: 1))
        image = .vmlinuxLike(); image.segments[0].type = 4
        #expect(loadError(image.bytes()) == .noLoadableSegments(path: "k"))
        image = .vmlinuxLike(); image.segments[0].paddr = 0x3FF_FF00
        #expect(loadError(image.bytes()) == .segmentOutsideRAM(path: "k", address: 0x3FF_FF00, size: 0x1200, ramSize: 64 << 20))
        #expect(PlatformError.segmentOutsideRAM(path: "k", address: 0x3FF_FF00, size: 0x1200, ramSize: 64 << 20).description
            == "k: segment at physical 0x3ffff00 (4608 bytes) does not fit in 64 MiB of RAM")
        image = .vmlinuxLike(); image.segments[0].memsz = 4
        #expect(loadError(image.bytes()) == .malformed(path: "k", what: "segment 0 has p_filesz > p_memsz"))
    }

    @Test func missingFile() {
        do {
            _ = try KernelLoader.load(path: "/nonexistent/vmlinux", into: GuestRAM(size: 4096))
            Issue.record("loaded a missing file")
        } catch {
            #expect(error == .cannotOpen(path: "/nonexistent/vmlinux", reason: "No such file or directory"))
        }
        do {
            _ = try KernelLoader.load(path: "/tmp", into: GuestRAM(size: 4096))
            Issue.record("loaded a directory")
        } catch {
            #expect(error == .cannotOpen(path: "/tmp", reason: "not a regular file"))
        }
    }

    /// A legacy uImage as `mkimage -A ppc -O linux -T kernel -C none` makes it.
    func uImage(_ data: [UInt8], load: UInt32 = 0, entry: UInt32 = 0, arch: UInt8 = 7, type: UInt8 = 2, compression: UInt8 = 0) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        var header = be32(0x2705_1956) + be32(0) + be32(0) + be32(UInt32(data.count)) + be32(load) + be32(entry)
        header += be32(crc32(data)) + [5, arch, type, compression] + Array("Linux".utf8) + [UInt8](repeating: 0, count: 27)
        let crc = be32(crc32(header))
        header.replaceSubrange(4..<8, with: crc)
        return header + data
    }

    @Test func uImageLoadsAtItsLoadAddress() throws {
        #expect(crc32(Array("123456789".utf8)) == 0xCBF4_3926)     // the standard check value
        let ram = GuestRAM(size: 64 << 20)
        let k = try KernelLoader.load(bytes: uImage([1, 2, 3, 4, 5], load: 0x1000, entry: 0x1004), name: "uImage", into: ram)
        #expect(k == LoadedKernel(format: .uImage, entry: 0x1004, loadAddress: 0x1000, payloadSize: 5, end: 0x1005))
        #expect(ram.read(0x1000, count: 5) == [1, 2, 3, 4, 5])
    }

    @Test func uImageErrors() {
        var corrupt = uImage([1, 2, 3])
        corrupt[65] ^= 1
        #expect(loadError(corrupt) == .uImageBadChecksum(path: "k", what: "data"))
        var badHeader = uImage([1, 2, 3])
        badHeader[20] ^= 1
        #expect(loadError(badHeader) == .uImageBadChecksum(path: "k", what: "header"))
        #expect(loadError(Array(uImage([1, 2, 3]).prefix(40))) == .truncated(path: "k", what: "uImage header"))
        #expect(loadError(Array(uImage([1, 2, 3]).prefix(66))) == .truncated(path: "k", what: "uImage data"))
        #expect(loadError(uImage([1], arch: 2)) == .uImageUnsupported(path: "k", what: "architecture 2 (PowerPC is 7)"))
        #expect(loadError(uImage([1], type: 3)) == .uImageUnsupported(path: "k", what: "image type 3 (a kernel is 2)"))
        #expect(loadError(uImage([1], compression: 2)) == .uImageUnsupported(path: "k", what: "compression 2 (only none and gzip)"))
        #expect(loadError(uImage([1, 2, 3], compression: 1)) == .malformed(path: "k", what: "gzip payload: notGzip"))
        #expect(loadError(uImage([1, 2], load: 0x3FF_FFFF)) == .segmentOutsideRAM(path: "k", address: 0x3FF_FFFF, size: 2, ramSize: 64 << 20))
    }

    @Test func bootLayoutMatchesQEMU() {
        let small = LoadedKernel(format: .elf, entry: 0, loadAddress: 0, payloadSize: 0x60_0000, end: 0x60_0000)
        #expect(BootLayout.initrdAddress(for: small) == 0x400_0000)   // measured under QEMU: 0x4000000
        #expect(BootLayout.deviceTreeAddress(for: small) == 0x1E0_0000)
        #expect(BootLayout.initialMappingSize(coveringUpTo: 0x1F0_0000) == 64 << 20)
        #expect(BootLayout.initialMappingTSIZE(coveringUpTo: 0x1F0_0000) == 16)
        let tiny = LoadedKernel(format: .elf, entry: 0, loadAddress: 0, payloadSize: 4, end: 4)
        #expect(BootLayout.deviceTreeAddress(for: tiny) == 0x180_0000)   // docs §1.1
        let big = LoadedKernel(format: .elf, entry: 0, loadAddress: 0, payloadSize: 0x380_0000, end: 0x380_0000)
        #expect(BootLayout.initrdAddress(for: big) == 0x500_0000)   // (56 + 32) MiB rounded down to 16 MiB
        #expect(BootLayout.initialMappingSize(coveringUpTo: 0x410_0000) == 256 << 20)
    }

    @Test func boardLoadsKernelInitrdAndDeviceTree() throws {
        let scratch = ScratchDirectory("boot")
        let kernel = scratch.write("vmlinux", ELFImage.vmlinuxLike().bytes())
        let initrd = scratch.write("initrd", [UInt8](repeating: 0x5A, count: 1000))
        let disk = scratch.write("disk.img", [UInt8](repeating: 0, count: 4096))
        let board = E500Board(ramSize: 128 << 20, disk: try BlockImage(path: disk))
        let boot = try board.loadBoot(kernel: kernel, initrd: initrd, commandLine: "console=ttyS0")
        #expect(boot.entry == 0)
        #expect(boot.initrd?.lowerBound == 0x400_0000 && boot.initrd?.upperBound == 0x400_0000 + 1000)
        #expect(board.ram.load8(0x400_0000 + 999) == 0x5A)
        #expect(boot.deviceTreeAddress == 0x180_0000)
        #expect(board.ram.load32BE(0x180_0000) == 0xD00D_FEED)
        #expect(UInt64(board.ram.load32BE(0x180_0004)) == boot.deviceTreeSize)
        #expect(boot.r3 == 0x180_0000 && boot.r6 == 0x4550_4150 && boot.r7 == 64 << 20 && boot.r1 == 0xFF_FFF8)
        #expect(boot.initialMappingTSIZE == 16)
        // The blob in RAM is the machine tree with this initrd and the disk.
        let blob = board.ram.read(boot.deviceTreeAddress, count: Int(boot.deviceTreeSize))!
        let expected = MachineDeviceTree.make(MachineConfiguration(
            ramSize: 128 << 20, commandLine: "console=ttyS0", initrd: boot.initrd, hasVirtioDisk: true)).serialized()
        #expect(blob == expected)
    }

    @Test func initrdThatDoesNotFitIsAnError() throws {
        let scratch = ScratchDirectory("bigrd")
        let kernel = scratch.write("vmlinux", ELFImage.vmlinuxLike().bytes())
        let initrd = scratch.write("initrd", [UInt8](repeating: 1, count: 1 << 20))
        let board = E500Board(ramSize: 64 << 20)
        do {
            _ = try board.loadBoot(kernel: kernel, initrd: initrd)
            Issue.record("loaded an initrd past the end of RAM")
        } catch {
            #expect(error == .doesNotFit(what: "initrd \(initrd)", address: 0x400_0000, size: 1 << 20, ramSize: 64 << 20))
            #expect(error.description == "initrd \(initrd) at 0x4000000 (1048576 bytes) does not fit in 64 MiB of RAM")
        }
    }

    /// What `gzip` makes of `data`.
    func gzip(_ data: [UInt8], level: String = "-9") throws -> [UInt8] {
        let scratch = ScratchDirectory("gz")
        scratch.write("data", data)
        let result = try runTool("gzip", [level, "-k", scratch.path("data")])
        #expect(result.status == 0)
        return scratch.read("data.gz")
    }

    /// Text-like, repetitive and incompressible data: fixed, dynamic and stored blocks.
    func sampleData() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        var data = Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 2000).utf8)
        data += (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data += [UInt8](repeating: 0, count: 100_000)
        data += (0..<50_000).map { UInt8(truncatingIfNeeded: $0 * $0 >> 7) }
        return data
    }

    @Test func gunzipMatchesGzip() throws {
        let data = sampleData()
        for level in ["-1", "-6", "-9"] {
            #expect(try Gunzip.decompress(gzip(data, level: level)[...], limit: data.count) == data)
        }
        #expect(try Gunzip.decompress(gzip([])[...], limit: 0) == [])
        #expect(try Gunzip.decompress(gzip(Array("a".utf8))[...], limit: 1) == Array("a".utf8))
    }

    @Test func gunzipRejectsDamage() throws {
        let data = sampleData()
        var packed = try gzip(data)
        #expect(throws: Gunzip.Failure.tooLarge) { try Gunzip.decompress(packed[...], limit: data.count - 1) }
        #expect(throws: Gunzip.Failure.truncated) { try Gunzip.decompress(packed.prefix(packed.count / 2), limit: data.count) }
        #expect(throws: Gunzip.Failure.notGzip) { try Gunzip.decompress(data.prefix(100), limit: 100) }
        packed[packed.count - 6] ^= 0xFF                             // CRC
        #expect(throws: Gunzip.Failure.corrupt("CRC mismatch")) { try Gunzip.decompress(packed[...], limit: data.count) }
    }

    @Test func gunzipSkipsTheExtraField() throws {
        let data = Array("extra field ahead".utf8)
        let packed = try gzip(data)
        // FEXTRA with XLEN 0x01FF (511 bytes: the low byte plus 2 carries into the high one), all
        // zeros, so a misread length lands in them and takes a zero for the end of the file name.
        var withExtra = Array(packed[0..<10]) + [0xFF, 0x01] + [UInt8](repeating: 0, count: 0x1FF) + Array(packed[10...])
        withExtra[3] |= 0x04
        #expect(try Gunzip.decompress(withExtra[...], limit: data.count) == data)
    }

    @Test func gzippedUImageLoads() throws {
        let data = sampleData()
        let ram = GuestRAM(size: 64 << 20)
        let k = try KernelLoader.load(bytes: uImage(try gzip(data), load: 0, entry: 0, compression: 1), name: "uImage", into: ram)
        #expect(k.payloadSize == UInt64(data.count) && k.end == UInt64(data.count))
        #expect(ram.read(0, count: data.count) == data)
        let small = GuestRAM(size: 64 << 20)
        #expect(throws: PlatformError.malformed(path: "u", what: "gzip payload does not fit in RAM above 0x3fff000")) {
            try KernelLoader.load(bytes: uImage(try gzip(data), load: 0x3FF_F000, compression: 1), name: "u", into: small)
        }
    }
}
