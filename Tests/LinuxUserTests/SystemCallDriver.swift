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
