/// Everything that can go wrong setting up the machine, each with a one-line
/// description that names the file and the problem.
public enum PlatformError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case emptyFile(path: String)
    case notKernelImage(path: String)
    case truncated(path: String, what: String)
    case notBigEndian(path: String)
    case not32Bit(path: String)
    case wrongMachine(path: String, machine: UInt16)
    case notExecutable(path: String, type: UInt16)
    case noLoadableSegments(path: String)
    case malformed(path: String, what: String)
    case segmentOutsideRAM(path: String, address: UInt64, size: UInt64, ramSize: UInt64)
    case uImageBadChecksum(path: String, what: String)
    case uImageUnsupported(path: String, what: String)
    case doesNotFit(what: String, address: UInt64, size: UInt64, ramSize: UInt64)

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case let .cannotOpen(path, reason): return "\(path): \(reason)"
        case let .emptyFile(path): return "\(path): file is empty"
        case let .notKernelImage(path): return "\(path): neither an ELF file nor a U-Boot uImage"
        case let .truncated(path, what): return "\(path): truncated (\(what) runs past the end of the file)"
        case let .notBigEndian(path): return "\(path): little-endian ELF; the e500 needs a big-endian kernel"
        case let .not32Bit(path): return "\(path): 64-bit ELF; the e500 needs a 32-bit kernel"
        case let .wrongMachine(path, machine): return "\(path): ELF for machine \(machine), not PowerPC (20)"
        case let .notExecutable(path, type): return "\(path): ELF type \(type) is not an executable (2)"
        case let .noLoadableSegments(path): return "\(path): ELF has no PT_LOAD segment"
        case let .malformed(path, what): return "\(path): malformed (\(what))"
        case let .segmentOutsideRAM(path, address, size, ramSize):
            return "\(path): segment at physical \(hex(address)) (\(size) bytes) does not fit in \(ramSize >> 20) MiB of RAM"
        case let .uImageBadChecksum(path, what): return "\(path): uImage \(what) checksum mismatch"
        case let .uImageUnsupported(path, what): return "\(path): uImage \(what) is not supported"
        case let .doesNotFit(what, address, size, ramSize):
            return "\(what) at \(hex(address)) (\(size) bytes) does not fit in \(ramSize >> 20) MiB of RAM"
        }
    }
}
