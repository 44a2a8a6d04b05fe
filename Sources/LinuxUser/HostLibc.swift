#if canImport(Glibc)
import Glibc
#endif

/// Host C library functions that Swift's Glibc module does not import
/// (GNU extensions behind _GNU_SOURCE), looked up once by name in the
/// already-loaded libc. Each is optional: a missing one makes the guest's
/// call fail with ENOSYS instead of stopping the runner.
enum HostLibc {
    private static func lookup<T>(_ name: String, as type: T.Type) -> T? {
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    typealias StatxFunction = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32
    typealias Getdents64Function = @convention(c) (Int32, UnsafeMutableRawPointer, Int) -> Int
    typealias GetrandomFunction = @convention(c) (UnsafeMutableRawPointer, Int, UInt32) -> Int
    typealias GettidFunction = @convention(c) () -> Int32
    typealias TgkillFunction = @convention(c) (Int32, Int32, Int32) -> Int32
    typealias Pipe2Function = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias Dup3Function = @convention(c) (Int32, Int32, Int32) -> Int32
    typealias PrlimitFunction = @convention(c) (Int32, Int32, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias MemfdCreateFunction = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
    typealias Renameat2Function = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    static let statx = lookup("statx", as: StatxFunction.self)
    static let getdents64 = lookup("getdents64", as: Getdents64Function.self)
    static let getrandom = lookup("getrandom", as: GetrandomFunction.self)
    static let gettid = lookup("gettid", as: GettidFunction.self)
    static let tgkill = lookup("tgkill", as: TgkillFunction.self)
    static let pipe2 = lookup("pipe2", as: Pipe2Function.self)
    static let dup3 = lookup("dup3", as: Dup3Function.self)
    static let prlimit = lookup("prlimit", as: PrlimitFunction.self)
    static let memfdCreate = lookup("memfd_create", as: MemfdCreateFunction.self)
    static let renameat2 = lookup("renameat2", as: Renameat2Function.self)

    typealias GetresidFunction = @convention(c) (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>) -> Int32
    typealias SchedGetaffinityFunction = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
    /// prctl and the statfs/sysinfo calls fill host structures given as raw
    /// memory (their Swift types are not imported); prctl is variadic in C but
    /// its integer arguments travel in the same registers as a fixed prototype's.
    typealias PrctlFunction = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    typealias StatfsFunction = @convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32
    typealias FstatfsFunction = @convention(c) (Int32, UnsafeMutableRawPointer) -> Int32
    typealias SysinfoFunction = @convention(c) (UnsafeMutableRawPointer) -> Int32

    static let getresuid = lookup("getresuid", as: GetresidFunction.self)
    static let getresgid = lookup("getresgid", as: GetresidFunction.self)
    static let schedGetaffinity = lookup("sched_getaffinity", as: SchedGetaffinityFunction.self)
    static let prctl = lookup("prctl", as: PrctlFunction.self)
    static let statfs = lookup("statfs", as: StatfsFunction.self)
    static let fstatfs = lookup("fstatfs", as: FstatfsFunction.self)
    static let sysinfo = lookup("sysinfo", as: SysinfoFunction.self)
}

/// Host constants that are Linux-specific (not imported by Swift's Glibc module).
/// Their values are the same on every Linux host architecture except where noted.
enum HostConstants {
    static let O_PATH: Int32 = 0o10000000
    static let O_NOATIME: Int32 = 0o1000000
    static let O_TMPFILE: Int32 = 0o20000000 | O_DIRECTORY
    #if arch(x86_64) || arch(i386)
    static let O_DIRECT: Int32 = 0o40000
    #else
    static let O_DIRECT: Int32 = 0o200000  // arm64, riscv64 and powerpc use a different bit
    #endif
    static let AT_EMPTY_PATH: Int32 = 0x1000
    static let AT_NO_AUTOMOUNT: Int32 = 0x800
    static let F_DUPFD_CLOEXEC: Int32 = 1030
    static let F_OFD_GETLK: Int32 = 36
    static let F_OFD_SETLK: Int32 = 37
    static let F_OFD_SETLKW: Int32 = 38
    static let MFD_CLOEXEC: UInt32 = 1
}

/// Writes all of `bytes` to a host fd, retrying short writes (diagnostics, trace).
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += n
    }
}

/// Prints one diagnostic line on the host's stderr without going through
/// stdio buffers (which a forked child would otherwise flush twice).
func printDiagnostic(_ line: String) {
    var text = line
    text.append("\n")
    text.withUTF8 { writeAll(2, UnsafeRawBufferPointer($0)) }
}
