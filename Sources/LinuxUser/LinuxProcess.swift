#if canImport(Glibc)
import Glibc
#endif
import E500
import PowerISA

/// How `trapeze user` runs a program.
public struct UserModeOptions: Sendable {
    /// Print each executed instruction on stderr.
    public var trace = false
    /// Print instruction count, wall time and MIPS on stderr at exit.
    public var stats = false
    /// Instructions per `Core.run` call; between chunks the runner regains control.
    public var chunkSize: UInt64 = 1 << 24
    /// The chunk size while the guest has signal handlers installed.
    static let signalChunkSize: UInt64 = 1 << 16
    public var cpu: GuestCPUProfile = .e500mc

    public init(trace: Bool = false, stats: Bool = false) {
        self.trace = trace
        self.stats = stats
    }
}

/// Why the program given on the command line could not be started.
public enum LaunchError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case invalidProgram(path: String, ELFError)
    case noMemory(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): \(reason)"
        case .invalidProgram(let path, let error): return "\(path): \(error)"
        case .noMemory(let path): return "\(path): not enough guest memory to load the program and its stack"
        }
    }
}

/// A guest process: one PowerPC core and its address space, run on the host
/// process the way qemu-user does it. Guest file descriptors, paths, process
/// ids and signals are the host's; fork is a host fork of the whole runner,
/// and execve replaces the guest image inside the same host process.
public final class LinuxProcess {
    public let space: AddressSpace
    public let core: Core
    public let memory: GuestMemoryMap
    let options: UserModeOptions

    /// Absolute host path of the running program (/proc/self/exe).
    package var executablePath: String = ""
    /// argv of the running image (/proc/self/cmdline).
    var commandLine: [[UInt8]] = []
    var initialStack: InitialStack?

    var signalState = GuestSignalState()
    /// The page holding the sigreturn (+0) and rt_sigreturn (+8) trampolines.
    package var signalTrampoline: UInt32 = 0
    /// Syscall numbers already reported as unsupported (warn once each).
    package var warnedSyscalls = Set<UInt32>()
    var warnedOnce = Set<String>()
    /// Address registered by set_tid_address (CLONE_CHILD_CLEARTID semantics are a thread matter).
    var clearChildTidAddress: UInt32 = 0

    /// True in the host process that started the guest; forked children do not print --stats.
    var isInitialProcess = true
    /// In a child created by vfork: the write end of a pipe the parent waits
    /// on; closing it (at execve or exit) lets the parent continue.
    var vforkReleaseDescriptor: Int32 = -1

    let trace: TraceWriter?
    let startTime: timespec

    public init(options: UserModeOptions = UserModeOptions()) {
        self.options = options
        space = AddressSpace()
        core = Core(translator: space)
        memory = GuestMemoryMap(space: space)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        startTime = now
        if options.trace {
            let writer = TraceWriter(fd: 2)
            trace = writer
            core.traceHook = { pc, word in writer.instruction(pc: pc, word: word) }
        } else {
            trace = nil
        }
    }

    // MARK: Starting

    /// Loads the program named on the command line. `arguments` is the guest
    /// argv (argv[0] is the program path as given, as qemu-user passes it).
    public func start(programPath: String, arguments: [[UInt8]], environment: [[UInt8]]) throws(LaunchError) {
        let file: [UInt8]
        switch ExecutableFile.read(path: Array(programPath.utf8CString)) {
        case .success(let bytes): file = bytes
        case .failure(let error): throw .cannotOpen(path: programPath, reason: error.description)
        }
        let program: ELFProgram
        do { program = try ELFProgram.parse(file) } catch { throw .invalidProgram(path: programPath, error) }
        guard installImage(program: program, file: file, hostPath: programPath, arguments: arguments,
                           environment: environment, executableName: Array(programPath.utf8)) else {
            throw .noMemory(path: programPath)
        }
    }

    /// Maps the program and builds its stack in an empty address space and
    /// sets the entry registers. False when the image or stack do not fit.
    func installImage(program: ELFProgram, file: [UInt8], hostPath: String, arguments: [[UInt8]],
                      environment: [[UInt8]], executableName: [UInt8]) -> Bool {
        guard let loaded = program.load(from: file, into: memory) else { return false }
        memory.setInitialBrk(loaded.endOfImage)
        guard let stack = InitialStackBuilder.build(
            memory: memory, program: loaded, arguments: arguments, environment: environment,
            executableName: executableName, randomBytes: randomBytes(16), cpu: options.cpu,
            credentials: ProcessCredentials(uid: getuid(), euid: geteuid(), gid: getgid(), egid: getegid()))
        else { return false }
        mapSignalTrampolinePage()
        core.flushTLB()

        // Linux and qemu start a process with every register zero except the stack pointer.
        core.resetRegisters()
        core.gpr[1] = stack.stackPointer
        core.pc = loaded.entry

        initialStack = stack
        commandLine = arguments
        executablePath = absolutePath(hostPath)
        return true
    }

    /// qemu-user maps one page right after the stack for its signal return
    /// trampolines (sigreturn and rt_sigreturn), where a handler returns to;
    /// doing the same keeps later mmap addresses identical to the oracle's.
    private func mapSignalTrampolinePage() {
        guard let page = memory.findFreeRange(length: AddressSpace.pageSize, hint: nil) else { return }
        signalTrampoline = page
        memory.mapAnonymous(at: page, length: AddressSpace.pageSize, protection: [.read, .write])
        var code = BigEndianWriter(size: 16)
        code.put32(0x3800_0000 | PPCSyscall.sigreturn.rawValue, at: 0)  // li r0,__NR_sigreturn
        code.put32(0x4400_0002, at: 4)  // sc
        code.put32(0x3800_0000 | PPCSyscall.rt_sigreturn.rawValue, at: 8)  // li r0,__NR_rt_sigreturn
        code.put32(0x4400_0002, at: 12)  // sc
        memory.copyIn(page, code.bytes)
        memory.protect(page, length: AddressSpace.pageSize, protection: [.read, .execute])
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if let getrandom = HostLibc.getrandom {
            _ = bytes.withUnsafeMutableBytes { getrandom($0.baseAddress!, count, 0) }
        }
        return bytes
    }

    // MARK: Running

    /// Runs the guest until it exits or dies; ends the host process the same way.
    public func run() -> Never {
        while true {
            // With guest handlers installed, come back often enough that a
            // signal from outside is delivered promptly (~0.3 ms at 250 MIPS).
            let limit = signalState.catchesAny ? min(options.chunkSize, UserModeOptions.signalChunkSize) : options.chunkSize
            let stop = core.run(limit: limit)
            switch stop {
            case .instructionLimit:
                break
            case .systemCall:
                handleSystemCall()
            case .illegalInstruction(let word):
                raiseFault(SIGILL, code: 1 /* ILL_ILLOPC */, address: core.pc,
                           message: "illegal instruction 0x\(hex8(word)) at 0x\(hex8(core.pc))")
            case .privilegedInstruction(let word):
                if emulatePrivilegedInstruction(word) { break }
                // Linux delivers SIGILL (ILL_PRVOPC) for a privileged instruction in user mode.
                raiseFault(SIGILL, code: 5 /* ILL_PRVOPC */, address: core.pc,
                           message: "privileged instruction 0x\(hex8(word)) at 0x\(hex8(core.pc))")
            case .memoryFault(let address, _):
                // SEGV_MAPERR where nothing is mapped, SEGV_ACCERR where the protection forbids the access.
                let code: Int32 = memory.faultIsAccessError(page: address & ~(AddressSpace.pageSize - 1)) ? 2 : 1
                raiseFault(SIGSEGV, code: code, address: address,
                           message: "segmentation fault accessing 0x\(hex8(address)) at 0x\(hex8(core.pc))")
            case .trap:
                raiseFault(SIGTRAP, code: 1 /* TRAP_BRKPT */, address: core.pc, message: "trap at 0x\(hex8(core.pc))")
            case .floatingPointException:
                raiseFault(SIGFPE, code: floatingPointSignalCode(), address: core.pc,
                           message: "floating-point exception at 0x\(hex8(core.pc))")
            case .alignment(let address):
                raiseFault(SIGBUS, code: 1 /* BUS_ADRALN */, address: address,
                           message: "bus error (alignment) accessing 0x\(hex8(address)) at 0x\(hex8(core.pc))")
            case .tlbMiss, .storageViolation, .machineCheck, .floatingPointUnavailable, .debugEvent, .waiting, .checkstop:
                // System-mode stops: a user-mode core (no MMU, no supervisor level) never returns them.
                raiseFault(SIGILL, code: 1, address: core.pc, message: "unexpected stop \(stop) at 0x\(hex8(core.pc))")
            }
            if signalWorkPending { deliverPendingSignals() }
        }
    }

    /// si_code of a SIGFPE from the enabled FPSCR exception that is set
    /// (Linux's parse_fpe order): FPE_FLTINV, FLTOVF, FLTUND, FLTDIV, FLTRES.
    func floatingPointSignalCode() -> Int32 {
        let fpscr = core.fpscr
        func raised(_ exceptionBit: UInt32, _ enableBit: UInt32) -> Bool {
            fpscr & (1 << (31 - exceptionBit)) != 0 && fpscr & (1 << (31 - enableBit)) != 0
        }
        if raised(2, 24) { return 7 }  // VX, VE: FPE_FLTINV
        if raised(3, 25) { return 4 }  // OX, OE: FPE_FLTOVF
        if raised(4, 26) { return 5 }  // UX, UE: FPE_FLTUND
        if raised(5, 27) { return 3 }  // ZX, ZE: FPE_FLTDIV
        if raised(6, 28) { return 6 }  // XX, XE: FPE_FLTRES
        return 0
    }

    /// Instructions the Linux kernel emulates for user mode when they trap
    /// (arch/powerpc/kernel/traps.c, emulate_instruction): `mfspr rD,PVR`,
    /// which glibc executes at startup to tune its string functions.
    /// True when handled (pc then moves past the instruction).
    func emulatePrivilegedInstruction(_ word: UInt32) -> Bool {
        if word & 0xfc1f_ffff == 0x7c1f_42a6 {  // mfspr rD,287 (mfpvr)
            core.gpr[Int(word >> 21 & 31)] = options.cpu.processorVersion
            core.pc &+= 4
            return true
        }
        return false
    }

    /// The guest called exit or exit_group.
    func exitProcess(status: Int32) -> Never {
        finishOutput()
        _exit(status & 0xff)
    }

    /// The guest died of a signal: report it, then die of the same signal
    /// (default action, no core file) as qemu-user does, so a shell reports
    /// 128+signal and a waiting guest parent sees WIFSIGNALED.
    func terminate(signal: Int32, message: String? = nil) -> Never {
        trace?.flush()
        if let message { printDiagnostic("trapeze: " + message) }
        finishOutput()
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = SIG_DFL
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, signal)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        kill(getpid(), signal)
        _exit(128 + signal)
    }

    /// Flushes the trace, prints --stats and releases a vfork parent.
    private func finishOutput() {
        trace?.flush()
        if options.stats && isInitialProcess { printStatistics() }
        releaseVforkParent()
    }

    func releaseVforkParent() {
        if vforkReleaseDescriptor >= 0 {
            close(vforkReleaseDescriptor)
            vforkReleaseDescriptor = -1
        }
    }

    private func printStatistics() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let seconds = Double(now.tv_sec - startTime.tv_sec) + Double(now.tv_nsec - startTime.tv_nsec) / 1e9
        let count = core.instructionsExecuted
        let mips = seconds > 0 ? Double(count) / seconds / 1e6 : 0
        printDiagnostic("trapeze: instructions=\(count)")
        printDiagnostic("trapeze: time=\(formatFixed(seconds, 3))s mips=\(formatFixed(mips, 2))")
    }

    // MARK: Diagnostics

    /// Warns once per key on stderr.
    func warnOnce(_ key: String, _ message: String) {
        guard !warnedOnce.contains(key) else { return }
        warnedOnce.insert(key)
        trace?.flush()
        printDiagnostic("trapeze: " + message)
    }
}

func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// `value` with `decimals` digits after the point (no Foundation String(format:)).
func formatFixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * scale).rounded()
    guard scaled.isFinite, abs(scaled) < 9e18 else { return String(value) }
    let whole = Int64(scaled)
    let integer = whole / Int64(scale)
    var fraction = String(abs(whole % Int64(scale)))
    fraction = String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
    return decimals > 0 ? "\(integer).\(fraction)" : "\(integer)"
}

/// The absolute, symlink-resolved form of a host path (as qemu reports for /proc/self/exe).
func absolutePath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Buffered instruction trace on a host fd, flushed before anything else is
/// written (system calls, diagnostics) so the streams interleave in order.
final class TraceWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    func instruction(pc: UInt32, word: UInt32) {
        buffer.append(contentsOf: (Disassembler.traceLine(word, at: pc) + "\n").utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll(fd, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a whole host file that is to be executed.
enum ExecutableFile {
    struct OpenError: Error, CustomStringConvertible {
        let errno: Errno
        var description: String { errno.description }
    }

    static func read(path: [CChar]) -> Result<[UInt8], OpenError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(OpenError(errno: .host)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(OpenError(errno: .host)) }
        if info.st_mode & S_IFMT == S_IFDIR { return .failure(OpenError(errno: .EISDIR)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(OpenError(errno: .host))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return .success(bytes)
    }
}
