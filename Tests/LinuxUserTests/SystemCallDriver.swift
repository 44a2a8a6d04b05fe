#if canImport(Glibc)
import Glibc
#endif
import Testing
import LinuxUser

/// Runs system call `call` with arguments, as the guest's `sc` would; returns (r3, CR0[SO] set).
@discardableResult
func syscall(_ process: LinuxProcess, _ call: PPCSyscall, _ arguments: UInt32...) -> (UInt32, Bool) {
    process.core.gpr[0] = call.rawValue
    for (i, value) in arguments.enumerated() { process.core.gpr[3 + i] = value }
    process.handleSystemCall()
    return (process.core.gpr[3], process.core.cr & 0x1000_0000 != 0)
}

/// 64 KB of writable guest scratch memory.
func scratch(_ process: LinuxProcess) -> UInt32 {
    let (address, failed) = syscall(process, .mmap2, 0, 0x10000, 3, 0x22, UInt32(bitPattern: -1), 0)
    #expect(!failed)
    return address
}

/// A process started from the standard test ELF (written to a temp file,
/// removed once loaded) with `arguments` and `environment`.
func startTestProcess(arguments: [String], environment: [String] = []) throws -> LinuxProcess {
    let path = "/tmp/trapeze-linuxuser-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let bytes = ELFBuilder.standard().bytes()
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o755)
    try #require(fd >= 0)
    bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    close(fd)
    defer { unlink(path) }
    let process = LinuxProcess()
    try process.start(programPath: path, arguments: arguments.map { Array($0.utf8) },
                      environment: environment.map { Array($0.utf8) })
    return process
}

