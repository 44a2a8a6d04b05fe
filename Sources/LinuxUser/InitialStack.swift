#if canImport(Glibc)
import Glibc
#endif
import E500

/// Auxiliary vector entry types (linux/auxvec.h, asm/auxvec.h for powerpc).
enum AuxvType {
    static let null: UInt32 = 0
    static let phdr: UInt32 = 3
    static let phent: UInt32 = 4
    static let phnum: UInt32 = 5
    static let pagesz: UInt32 = 6
    static let base: UInt32 = 7
    static let flags: UInt32 = 8
    static let entry: UInt32 = 9
    static let uid: UInt32 = 11
    static let euid: UInt32 = 12
    static let gid: UInt32 = 13
    static let egid: UInt32 = 14
    static let hwcap: UInt32 = 16
    static let clktck: UInt32 = 17
    static let dcacheBlockSize: UInt32 = 19
    static let icacheBlockSize: UInt32 = 20
    static let ucacheBlockSize: UInt32 = 21
    static let ignorePPC: UInt32 = 22
    static let secure: UInt32 = 23
    static let random: UInt32 = 25
    static let hwcap2: UInt32 = 26
    static let execfn: UInt32 = 31
}

/// What the process's CPU tells the program through the auxiliary vector.
public struct GuestCPUProfile: Sendable {
    public var hwcap: UInt32
    public var hwcap2: UInt32
    /// AT_DCACHEBSIZE. glibc's memset zeroes whole blocks with dcbz when this
    /// is set, so it must equal the number of bytes the core's dcbz clears.
    public var dataCacheBlockSize: UInt32
    public var instructionCacheBlockSize: UInt32
    /// What `mfpvr` reads (Linux emulates it for user programs).
    public var processorVersion: UInt32

    static let featureHasFPU: UInt32 = 0x0800_0000  // PPC_FEATURE_HAS_FPU

    /// The e500mc core Trapeze models. qemu-user reports only the features it
    /// derives from its instruction flags: for both its default 32-bit CPU
    /// (the 750) and e500mc that is PPC_FEATURE_HAS_FPU alone (no
    /// PPC_FEATURE_32/HAS_MMU, unlike a real kernel). Cache blocks are
    /// e500mc's 64 bytes, matching the core's dcbz (qemu's default 750 has 32).
    /// The PVR is e500mc rev 2.0, what qemu-ppc -cpu e500mc reads (its 750 gives 0x00080301).
    public static let e500mc = GuestCPUProfile(hwcap: featureHasFPU, hwcap2: 0,
                                               dataCacheBlockSize: 64, instructionCacheBlockSize: 64,
                                               processorVersion: 0x8023_0020)
}

/// Host identity and randomness that go into the auxiliary vector.
public struct ProcessCredentials: Sendable {
    public var uid: UInt32, euid: UInt32, gid: UInt32, egid: UInt32
    public init(uid: UInt32, euid: UInt32, gid: UInt32, egid: UInt32) {
        self.uid = uid; self.euid = euid; self.gid = gid; self.egid = egid
    }
}

/// The initial stack as built: where things went, for the registers and for
/// /proc/self/auxv.
public struct InitialStack: Sendable {
    /// r1 at entry: the address of argc.
    public var stackPointer: UInt32
    public var argvAddress: UInt32
    public var envpAddress: UInt32
    public var auxvAddress: UInt32
    public var auxv: [(type: UInt32, value: UInt32)]
    /// The stack mapping (guard page excluded) [stackLow, stackTop).
    public var stackLow: UInt32
    public var stackTop: UInt32
}

/// Builds the process stack exactly as qemu-user 7.2 does for a 32-bit
/// PowerPC guest (linux-user/elfload.c: setup_arg_pages, copy_strings,
/// create_elf_tables), so stack addresses match the oracle:
///
///   top - 8            end of strings (qemu subtracts the host's sizeof(void *))
///   strings, downward: the executable name (AT_EXECFN), then the
///                      environment strings, then the argument strings
///                      (each group ascending in memory)
///   align down 16, then 16 random bytes (AT_RANDOM)
///   align down 16:     argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL
///
/// The auxiliary vector starts with the powerpc ARCH_DLINFO entries (two
/// AT_IGNOREPPC, then the cache block sizes) that glibc expects lowest; qemu
/// gives no AT_PLATFORM and no AT_SYSINFO_EHDR for ppc.
package enum InitialStackBuilder {
    static let stackSize: UInt32 = 8 << 20
    static let guardSize: UInt32 = AddressSpace.pageSize

    package static func build(memory: GuestMemoryMap, program: LoadedProgram, arguments: [[UInt8]],
                      environment: [[UInt8]], executableName: [UInt8], randomBytes: [UInt8],
                      cpu: GuestCPUProfile, credentials: ProcessCredentials) -> InitialStack? {
        guard let base = memory.findFreeRange(length: stackSize + guardSize, hint: nil) else { return nil }
        let protection: Protection = program.executableStack ? .all : [.read, .write]
        memory.mapAnonymous(at: base, length: stackSize + guardSize, protection: protection)
        memory.protect(base, length: guardSize, protection: [])
        let stackLow = base + guardSize
        let stackTop = stackLow &+ stackSize

        var p = stackTop - 8
        // Strings go below p, last one first, so each group ends up in order.
        func copyStrings(_ strings: [[UInt8]]) -> UInt32? {
            for string in strings.reversed() {
                let length = UInt32(string.count + 1)
                guard p - stackLow > length + 4096 else { return nil }
                p -= length
                memory.copyIn(p, string + [0])
            }
            return p
        }
        guard let execfnAddress = copyStrings([executableName]),
              let environmentStart = copyStrings(environment),
              let argumentStart = copyStrings(arguments) else { return nil }

        var sp = p & ~15
        sp -= 16
        let randomAddress = sp
        memory.copyIn(randomAddress, Array(randomBytes.prefix(16)) + [UInt8](repeating: 0, count: max(0, 16 - randomBytes.count)))

        let auxv: [(type: UInt32, value: UInt32)] = [
            (AuxvType.ignorePPC, AuxvType.ignorePPC),
            (AuxvType.ignorePPC, AuxvType.ignorePPC),
            (AuxvType.dcacheBlockSize, cpu.dataCacheBlockSize),
            (AuxvType.icacheBlockSize, cpu.instructionCacheBlockSize),
            (AuxvType.ucacheBlockSize, 0),
            (AuxvType.phdr, program.programHeaderAddress),
            (AuxvType.phent, 32),
            (AuxvType.phnum, UInt32(program.programHeaderCount)),
            (AuxvType.pagesz, AddressSpace.pageSize),
            (AuxvType.base, 0),
            (AuxvType.flags, 0),
            (AuxvType.entry, program.entry),
            (AuxvType.uid, credentials.uid),
            (AuxvType.euid, credentials.euid),
            (AuxvType.gid, credentials.gid),
            (AuxvType.egid, credentials.egid),
            (AuxvType.hwcap, cpu.hwcap),
            (AuxvType.clktck, 100),
            (AuxvType.random, randomAddress),
            (AuxvType.secure, 0),
            (AuxvType.execfn, execfnAddress),
            (AuxvType.hwcap2, cpu.hwcap2),
            (AuxvType.null, 0),
        ]
        let words = 1 + arguments.count + 1 + environment.count + 1 + 2 * auxv.count
        guard sp - stackLow > UInt32(words * 4) + 4096 else { return nil }
        sp = (sp - UInt32(words * 4)) & ~15

        var table = BigEndianWriter(size: words * 4)
        var offset = 0
        func put(_ value: UInt32) { table.put32(value, at: offset); offset += 4 }
        put(UInt32(arguments.count))
        var stringAddress = argumentStart
        for argument in arguments { put(stringAddress); stringAddress += UInt32(argument.count + 1) }
        put(0)
        stringAddress = environmentStart
        for variable in environment { put(stringAddress); stringAddress += UInt32(variable.count + 1) }
        put(0)
        for (type, value) in auxv { put(type); put(value) }
        memory.copyIn(sp, table.bytes)

        let argv = sp + 4
        let envp = argv + UInt32(arguments.count + 1) * 4
        let auxvAddress = envp + UInt32(environment.count + 1) * 4
        return InitialStack(stackPointer: sp, argvAddress: argv, envpAddress: envp, auxvAddress: auxvAddress,
                            auxv: auxv, stackLow: stackLow, stackTop: stackTop)
    }

    /// The guest environment qemu-user passes: the host's, through qemu's
    /// envlist, which puts each variable at the head of its list (so the order
    /// comes out reversed) and keeps only the last of duplicate names.
    package static func qemuStyleEnvironment(_ host: [[UInt8]]) -> [[UInt8]] {
        var list: [[UInt8]] = []
        for entry in host {
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = entry[..<equals]
            list.removeAll { $0.count > name.count && $0[name.count] == UInt8(ascii: "=") && $0.starts(with: name) }
            list.insert(entry, at: 0)
        }
        return list
    }
}

extension LinuxProcess {
    /// The host environment as the guest gets it (see `qemuStyleEnvironment`).
    public static func hostEnvironment() -> [[UInt8]] {
        var host: [[UInt8]] = []
        var entry = environ
        while let variable = entry.pointee {
            host.append(Array(UnsafeRawBufferPointer(start: variable, count: strlen(variable))))
            entry += 1
        }
        return InitialStackBuilder.qemuStyleEnvironment(host)
    }
}
