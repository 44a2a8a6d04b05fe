import E500

/// Why a file cannot be run as a static 32-bit big-endian PowerPC Linux program.
public enum ELFError: Error, Equatable, CustomStringConvertible {
    case notELF
    case truncated
    case invalidHeader(String)
    case littleEndian
    case sixtyFourBit
    case wrongMachine(UInt16)
    case notExecutable(type: UInt16)
    case dynamicallyLinked(interpreter: String)
    case noLoadableSegments
    case badSegment(String)

    public var description: String {
        switch self {
        case .notELF: return "not an ELF file"
        case .truncated: return "truncated ELF file"
        case .invalidHeader(let what): return "invalid ELF header (\(what))"
        case .littleEndian: return "little-endian ELF file; only big-endian PowerPC programs can run"
        case .sixtyFourBit: return "64-bit ELF file; only 32-bit PowerPC programs can run"
        case .wrongMachine(let machine):
            let name = ELFError.machineNames[machine].map { " (\($0))" } ?? ""
            return "ELF file for machine \(machine)\(name), not PowerPC (EM_PPC=20)"
        case .notExecutable(let type): return "ELF file of type \(type) is not an executable (ET_EXEC or static-pie ET_DYN)"
        case .dynamicallyLinked(let interpreter):
            return "dynamically linked program (interpreter \(interpreter)); only statically linked programs can run"
        case .noLoadableSegments: return "ELF file has no loadable segments"
        case .badSegment(let what): return "invalid ELF program header (\(what))"
        }
    }

    /// What execve returns to a guest that tries to run such a file: the
    /// kernel's ENOEXEC, except ENOENT for a missing program interpreter
    /// (what Linux reports when PT_INTERP names a file it cannot open).
    package var guestErrno: Errno {
        if case .dynamicallyLinked = self { return .ENOENT }
        return .ENOEXEC
    }

    private static let machineNames: [UInt16: String] = [
        2: "SPARC", 3: "x86", 8: "MIPS", 21: "PowerPC64", 22: "S/390", 40: "ARM", 62: "x86-64", 183: "AArch64", 243: "RISC-V",
    ]
}

/// One PT_LOAD program header.
public struct ELFSegment: Equatable, Sendable {
    public var virtualAddress: UInt32
    public var memorySize: UInt32
    public var fileOffset: UInt32
    public var fileSize: UInt32
    public var protection: Protection

    public static func == (a: ELFSegment, b: ELFSegment) -> Bool {
        a.virtualAddress == b.virtualAddress && a.memorySize == b.memorySize && a.fileOffset == b.fileOffset
            && a.fileSize == b.fileSize && a.protection.rawValue == b.protection.rawValue
    }
}

/// The parts of a static PowerPC ELF executable the loader needs, validated.
public struct ELFProgram: Sendable {
    public static let machinePowerPC: UInt16 = 20
    static let typeExecutable: UInt16 = 2
    static let typeShared: UInt16 = 3
    static let programHeaderSize = 32
    static let fileHeaderSize = 52

    /// ET_EXEC (loaded at its link addresses) or ET_DYN (static-pie, relocated by a bias).
    public let isPositionIndependent: Bool
    public let entry: UInt32
    public let programHeaderOffset: UInt32
    public let programHeaderCount: UInt16
    /// PT_PHDR's address when present (the program headers as mapped).
    public let programHeaderAddress: UInt32?
    public let segments: [ELFSegment]
    /// PT_GNU_STACK asked for an executable stack.
    public let executableStack: Bool

    /// Validates the ELF identification, header and program headers of a whole file.
    public static func parse(_ file: [UInt8]) throws(ELFError) -> ELFProgram {
        let magic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]  // "\x7fELF"
        if file.count < 4 {
            // A strict prefix of the magic is a cut-off ELF file; anything else is not ELF at all.
            if !file.isEmpty && Array(magic.prefix(file.count)) == file { throw .truncated }
            throw .notELF
        }
        guard Array(file[0..<4]) == magic else { throw .notELF }
        guard file.count > 5 else { throw .truncated }
        switch file[4] {  // EI_CLASS
        case 1: break
        case 2: throw .sixtyFourBit
        default: throw .invalidHeader("class \(file[4])")
        }
        switch file[5] {  // EI_DATA
        case 2: break
        case 1: throw .littleEndian
        default: throw .invalidHeader("data encoding \(file[5])")
        }
        guard file.count >= fileHeaderSize else { throw .truncated }
        let header = BigEndianReader(Array(file[0..<fileHeaderSize]))
        let type = header.u16(at: 16)
        let machine = header.u16(at: 18)
        guard machine == machinePowerPC else { throw .wrongMachine(machine) }
        guard type == typeExecutable || type == typeShared else { throw .notExecutable(type: type) }
        let entry = header.u32(at: 24)
        let phoff = header.u32(at: 28)
        let phentsize = header.u16(at: 42)
        let phnum = header.u16(at: 44)
        guard phnum > 0 else { throw .noLoadableSegments }
        guard Int(phentsize) == programHeaderSize else { throw .invalidHeader("program header size \(phentsize)") }
        guard UInt64(phoff) + UInt64(phnum) * UInt64(programHeaderSize) <= UInt64(file.count) else { throw .truncated }

        var segments: [ELFSegment] = []
        var interpreter: String? = nil
        var phdrAddress: UInt32? = nil
        var executableStack = false
        for index in 0..<Int(phnum) {
            let start = Int(phoff) + index * programHeaderSize
            let ph = BigEndianReader(Array(file[start..<start + programHeaderSize]))
            let kind = ph.u32(at: 0)
            let offset = ph.u32(at: 4), vaddr = ph.u32(at: 8)
            let filesz = ph.u32(at: 16), memsz = ph.u32(at: 20), flags = ph.u32(at: 24)
            switch kind {
            case 1:  // PT_LOAD
                guard UInt64(offset) + UInt64(filesz) <= UInt64(file.count) else { throw .truncated }
                guard memsz >= filesz else { throw .badSegment("memory size below file size") }
                guard UInt64(vaddr) + UInt64(memsz) <= 1 << 32 else { throw .badSegment("segment beyond 4 GB") }
                guard (vaddr &- offset) % AddressSpace.pageSize == 0 else {
                    throw .badSegment("address and file offset not congruent modulo the page size")
                }
                var protection: Protection = []
                if flags & 4 != 0 { protection.insert(.read) }
                if flags & 2 != 0 { protection.insert(.write) }
                if flags & 1 != 0 { protection.insert(.execute) }
                if memsz > 0 {
                    segments.append(ELFSegment(virtualAddress: vaddr, memorySize: memsz, fileOffset: offset,
                                               fileSize: filesz, protection: protection))
                }
            case 3:  // PT_INTERP
                guard UInt64(offset) + UInt64(filesz) <= UInt64(file.count) else { throw .truncated }
                let raw = file[Int(offset)..<Int(offset + filesz)].prefix { $0 != 0 }
                interpreter = String(decoding: raw, as: UTF8.self)
            case 6:  // PT_PHDR
                phdrAddress = vaddr
            case 0x6474_e551:  // PT_GNU_STACK
                executableStack = flags & 1 != 0
            default:
                break  // PT_TLS is set up by static glibc itself; notes and the rest need nothing
            }
        }
        if let interpreter { throw .dynamicallyLinked(interpreter: interpreter) }
        guard !segments.isEmpty else { throw .noLoadableSegments }
        return ELFProgram(isPositionIndependent: type == typeShared, entry: entry, programHeaderOffset: phoff,
                          programHeaderCount: phnum, programHeaderAddress: phdrAddress, segments: segments,
                          executableStack: executableStack)
    }

    /// Lowest page and end of the highest page the segments cover, before relocation.
    var span: (low: UInt32, high: UInt64) {
        let low = segments.map { $0.virtualAddress & ~(AddressSpace.pageSize - 1) }.min()!
        let high = segments.map { GuestMemoryMap.pageAlignUp(UInt64($0.virtualAddress) + UInt64($0.memorySize)) }.max()!
        return (low, high)
    }
}

/// Where a program ended up after loading: what the initial stack's auxiliary
/// vector and the registers need.
public struct LoadedProgram: Sendable {
    public var entry: UInt32
    public var programHeaderAddress: UInt32
    public var programHeaderCount: UInt16
    /// The relocation applied to a static-pie (0 for ET_EXEC).
    public var loadBias: UInt32
    /// End of the highest segment: where the heap (brk) starts.
    public var endOfImage: UInt32
    public var executableStack: Bool
}

extension ELFProgram {
    /// Maps the segments into a fresh address space the way qemu-user does:
    /// the whole span is first reserved inaccessible (so the gaps between
    /// segments show as PROT_NONE), then each segment gets its permissions,
    /// its file bytes (whole pages, as mmap of the file would give) and
    /// zeroed bss. The gaps stay reserved, so later mappings land where qemu
    /// puts them, but are marked: Linux leaves them unmapped, and a fault
    /// there is SEGV_MAPERR (the random-word test found SEGV_ACCERR).
    /// Returns nil if a static-pie finds no room.
    package func load(from file: [UInt8], into memory: GuestMemoryMap) -> LoadedProgram? {
        let (low, high) = span
        let length = high - UInt64(low)
        guard length <= UInt64(UInt32.max) else { return nil }
        var bias: UInt32 = 0
        if isPositionIndependent {
            guard let base = memory.findFreeRange(length: UInt32(length), hint: nil) else { return nil }
            bias = base &- low
        }
        memory.mapAnonymous(at: low &+ bias, length: UInt32(length), protection: [])

        let pageMask = ~(AddressSpace.pageSize - 1)
        for segment in segments {
            let address = segment.virtualAddress &+ bias
            let pageStart = address & pageMask
            let pageEnd = GuestMemoryMap.pageAlignUp(UInt64(address) + UInt64(segment.memorySize))
            // File bytes from the start of the first page: like mmap of the
            // file, the page holds whatever precedes the segment in the file.
            let lead = address - pageStart
            let fileStart = Int(segment.fileOffset) - Int(lead)
            var fileEnd = Int(segment.fileOffset) + Int(segment.fileSize)
            if segment.memorySize == segment.fileSize {
                // No bss: the rest of the last page also comes from the file.
                fileEnd = min(file.count, fileStart + Int(pageEnd - UInt64(pageStart)))
            }
            if fileEnd > fileStart {
                file[fileStart..<fileEnd].withUnsafeBytes { memory.copyIn(pageStart, $0) }
            }
            if segment.memorySize > segment.fileSize {
                memory.zeroFill(address &+ segment.fileSize, count: Int(segment.memorySize - segment.fileSize))
            }
            memory.protect(pageStart, length: UInt32(pageEnd - UInt64(pageStart)), protection: segment.protection)
        }

        var covered = segments.map { segment -> (UInt64, UInt64) in
            let address = UInt64(segment.virtualAddress &+ bias)
            return (address & UInt64(pageMask), GuestMemoryMap.pageAlignUp(address + UInt64(segment.memorySize)))
        }
        covered.sort { $0.0 < $1.0 }
        var gapStart = UInt64(low &+ bias)
        for (start, end) in covered {
            if start > gapStart { memory.markLoaderGap(UInt32(gapStart), length: UInt32(start - gapStart)) }
            gapStart = max(gapStart, end)
        }

        let phdrAddress: UInt32
        if let phdr = programHeaderAddress {
            phdrAddress = phdr &+ bias
        } else {
            // qemu and Linux: the file offset of the headers relative to the lowest load address.
            let loadAddress = segments.map { $0.virtualAddress &- $0.fileOffset }.min()!
            phdrAddress = loadAddress &+ programHeaderOffset &+ bias
        }
        let end = segments.map { UInt64($0.virtualAddress) + UInt64($0.memorySize) }.max()!
        return LoadedProgram(entry: entry &+ bias, programHeaderAddress: phdrAddress,
                             programHeaderCount: programHeaderCount, loadBias: bias,
                             endOfImage: UInt32(truncatingIfNeeded: end) &+ bias, executableStack: executableStack)
    }
}
