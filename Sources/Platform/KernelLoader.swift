#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A kernel placed in guest RAM.
public struct LoadedKernel: Equatable, Sendable {
    public enum Format: Sendable { case elf, uImage }
    public let format: Format
    /// Physical address to start at (QEMU: e_entry moved from virtual to physical).
    public let entry: UInt64
    /// Lowest physical address loaded (QEMU's `loadaddr`).
    public let loadAddress: UInt64
    /// Sum of the segments' memory sizes (QEMU's `payload_size`), which
    /// QEMU's placement of the initrd and DTB is computed from.
    public let payloadSize: UInt64
    /// One past the highest byte loaded.
    public let end: UInt64
}

/// Loads a Linux kernel the way QEMU's ppce500 does with `-kernel` and no
/// firmware (docs/platform-e500.md §1.1): an ELF `vmlinux` first, each
/// PT_LOAD at its p_paddr; failing that, a legacy U-Boot uImage at its load
/// address.
public enum KernelLoader {
    static let elfMachinePowerPC: UInt16 = 20
    static let uImageMagic: UInt32 = 0x2705_1956

    public static func load(path: String, into ram: GuestRAM) throws(PlatformError) -> LoadedKernel {
        try load(bytes: readFile(path), name: path, into: ram)
    }

    public static func load(bytes: [UInt8], name: String, into ram: GuestRAM) throws(PlatformError) -> LoadedKernel {
        guard !bytes.isEmpty else { throw .emptyFile(path: name) }
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return try loadELF(bytes, name: name, into: ram) }
        if bytes.count >= 4, be32(bytes, 0) == uImageMagic { return try loadUImage(bytes, name: name, into: ram) }
        throw .notKernelImage(path: name)
    }

    // MARK: ELF

    static func loadELF(_ b: [UInt8], name: String, into ram: GuestRAM) throws(PlatformError) -> LoadedKernel {
        guard b.count >= 52 else { throw .truncated(path: name, what: "ELF header") }
        guard b[4] == 1 else { throw .not32Bit(path: name) }
        guard b[5] == 2 else { throw .notBigEndian(path: name) }
        let type = be16(b, 16), machine = be16(b, 18)
        guard machine == elfMachinePowerPC else { throw .wrongMachine(path: name, machine: machine) }
        guard type == 2 else { throw .notExecutable(path: name, type: type) }
        let entry = UInt64(be32(b, 24))
        let phoff = Int(be32(b, 28))
        let phentsize = Int(be16(b, 42)), phnum = Int(be16(b, 44))
        guard phentsize >= 32 || phnum == 0 else { throw .malformed(path: name, what: "program header size \(phentsize)") }
        guard phoff <= b.count, phnum * phentsize <= b.count - phoff else { throw .truncated(path: name, what: "program headers") }

        struct Segment { var offset, vaddr, paddr, filesz, memsz, flags: UInt64 }
        var segments: [Segment] = []
        for i in 0..<phnum {
            let h = phoff + i * phentsize
            guard be32(b, h) == 1 else { continue }   // PT_LOAD
            let s = Segment(offset: UInt64(be32(b, h + 4)), vaddr: UInt64(be32(b, h + 8)), paddr: UInt64(be32(b, h + 12)),
                            filesz: UInt64(be32(b, h + 16)), memsz: UInt64(be32(b, h + 20)), flags: UInt64(be32(b, h + 24)))
            guard s.filesz <= s.memsz else { throw .malformed(path: name, what: "segment \(i) has p_filesz > p_memsz") }
            guard s.offset <= UInt64(b.count), s.filesz <= UInt64(b.count) - s.offset else {
                throw .truncated(path: name, what: "segment \(i)")
            }
            guard ram.contains(s.paddr, length: s.memsz) else {
                throw .segmentOutsideRAM(path: name, address: s.paddr, size: s.memsz, ramSize: ram.size)
            }
            segments.append(s)
        }
        guard !segments.isEmpty else { throw .noLoadableSegments(path: name) }

        var physicalEntry = entry
        for s in segments {
            ram.write(b[Int(s.offset)..<Int(s.offset + s.filesz)], at: s.paddr)
            ram.willWrite(s.paddr + s.filesz, count: Int(s.memsz - s.filesz))
            memset(ram.base + Int(s.paddr + s.filesz), 0, Int(s.memsz - s.filesz))
            // QEMU (load_elf32): e_entry is virtual; if an executable segment
            // linked elsewhere than it loads contains it, move it with the segment.
            if s.vaddr != s.paddr, s.flags & 1 != 0, entry >= s.vaddr, entry < s.vaddr + s.filesz {
                physicalEntry = entry - s.vaddr + s.paddr
            }
        }
        return LoadedKernel(format: .elf, entry: physicalEntry,
                            loadAddress: segments.map(\.paddr).min()!,
                            payloadSize: segments.reduce(0) { $0 + $1.memsz },
                            end: segments.map { $0.paddr + $0.memsz }.max()!)
    }

    // MARK: uImage

    /// Legacy U-Boot image: a 64-byte big-endian header (magic, header CRC,
    /// time, data size, load address, entry, data CRC, os, arch, type,
    /// compression, name) then the data, raw or gzipped (Linux's `uImage`
    /// is a gzipped `vmlinux.bin` with load = entry = 0).
    static func loadUImage(_ b: [UInt8], name: String, into ram: GuestRAM) throws(PlatformError) -> LoadedKernel {
        guard b.count >= 64 else { throw .truncated(path: name, what: "uImage header") }
        var header = Array(b[0..<64])
        let headerCRC = be32(header, 4)
        header[4] = 0; header[5] = 0; header[6] = 0; header[7] = 0
        guard crc32(header) == headerCRC else { throw .uImageBadChecksum(path: name, what: "header") }
        let size = Int(be32(b, 12)), load = UInt64(be32(b, 16)), entry = UInt64(be32(b, 20))
        let dataCRC = be32(b, 24)
        let arch = b[29], type = b[30], compression = b[31]
        guard size <= b.count - 64 else { throw .truncated(path: name, what: "uImage data") }
        let data = b[64..<64 + size]
        guard crc32(data) == dataCRC else { throw .uImageBadChecksum(path: name, what: "data") }
        guard arch == 7 else { throw .uImageUnsupported(path: name, what: "architecture \(arch) (PowerPC is 7)") }
        guard type == 2 else { throw .uImageUnsupported(path: name, what: "image type \(type) (a kernel is 2)") }
        var payload = Array(data)
        switch compression {
        case 0: break
        case 1:
            // QEMU's load_uimage gunzips into RAM above the load address.
            let room = load < ram.size ? Int(ram.size - load) : 0
            do {
                payload = try Gunzip.decompress(data, limit: room)
            } catch .tooLarge {
                throw .malformed(path: name, what: "gzip payload does not fit in RAM above 0x\(String(load, radix: 16))")
            } catch {
                throw .malformed(path: name, what: "gzip payload: \(error)")
            }
        default: throw .uImageUnsupported(path: name, what: "compression \(compression) (only none and gzip)")
        }
        guard ram.write(payload, at: load) else {
            throw .segmentOutsideRAM(path: name, address: load, size: UInt64(payload.count), ramSize: ram.size)
        }
        let length = UInt64(payload.count)
        return LoadedKernel(format: .uImage, entry: entry, loadAddress: load, payloadSize: length, end: load + length)
    }

    // MARK: Helpers

    static func readFile(_ path: String) throws(PlatformError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        let ok = bytes.withUnsafeMutableBytes { buffer -> Bool in
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        guard ok else { throw .cannotOpen(path: path, reason: "read failed after \(done) of \(size) bytes") }
        return bytes
    }
}

/// Where QEMU's ppce500 puts the initrd and the DTB relative to the kernel
/// (`hw/ppc/e500.c`), and the size of the boot TLB entry that must cover
/// them (`booke206_initial_map_tsize`).
public enum BootLayout {
    static let mebibyte: UInt64 = 1 << 20
    /// QEMU builds the tree in a 1 MiB buffer and reserves that much.
    public static let deviceTreeReservation: UInt64 = 1 << 20

    /// `cur = max(loadaddr + payload_size, 32 MiB)`; initrd at
    /// `(cur + 32 MiB) & ~(16 MiB - 1)`: 0x0400_0000 for any kernel < 32 MiB.
    public static func initrdAddress(for kernel: LoadedKernel) -> UInt64 {
        let cur = max(kernel.loadAddress + kernel.payloadSize, 32 * mebibyte)
        return (cur + 32 * mebibyte) & ~(16 * mebibyte - 1)
    }

    /// `(loadaddr + payload_size + 24 MiB) & ~(1 MiB - 1)`; QEMU keeps the DTB
    /// within 64 MiB of the kernel because Linux maps only that much at first.
    public static func deviceTreeAddress(for kernel: LoadedKernel) -> UInt64 {
        (kernel.loadAddress + kernel.payloadSize + 24 * mebibyte) & ~(mebibyte - 1)
    }

    /// Bytes covered by the initial TLB1 entry (EA 0 → PA 0): the smallest
    /// 4^n KiB covering 0…`end` with QEMU's rounding (log2 + 1, bumped to
    /// even): 64 MiB for any DTB ending below 32 MiB.
    public static func initialMappingSize(coveringUpTo end: UInt64) -> UInt64 {
        let kib = max(end / 1024, 1)
        var tsize = 63 - UInt64(kib.leadingZeroBitCount) + 1
        if tsize & 1 != 0 { tsize += 1 }
        return 1024 << tsize
    }

    /// MAS1[TSIZE] for `initialMappingSize`: size = 1 KiB << TSIZE (the e500
    /// takes even values only, i.e. 4^n KiB; 16 = 64 MiB).
    public static func initialMappingTSIZE(coveringUpTo end: UInt64) -> UInt32 {
        UInt32(initialMappingSize(coveringUpTo: end).trailingZeroBitCount - 10)
    }
}

@inline(__always) func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
@inline(__always) func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

/// CRC-32 (IEEE 802.3, reflected, as zlib and U-Boot compute it).
func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes { crc = crc32Table[Int(UInt8(truncatingIfNeeded: crc) ^ b)] ^ (crc >> 8) }
    return ~crc
}

let crc32Table: [UInt32] = (0..<256).map { (n: Int) -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    return c
}
