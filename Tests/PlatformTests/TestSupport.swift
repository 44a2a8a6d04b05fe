import Foundation

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let url: URL
    init(_ label: String) {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("trapeze-platform-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = path(name)
        try! Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func read(_ name: String) -> [UInt8] { [UInt8](try! Data(contentsOf: URL(fileURLWithPath: path(name)))) }
}

/// Runs a tool, returning its exit status, standard output and standard error.
func runTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [tool] + arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A minimal big-endian ELF32 PowerPC executable: header, program headers,
/// then each segment's bytes.
struct ELFImage {
    struct Segment {
        var type: UInt32 = 1
        var vaddr: UInt32
        var paddr: UInt32
        var bytes: [UInt8]
        var memsz: UInt32? = nil
        var flags: UInt32 = 5   // R X
    }
    var segments: [Segment]
    var entry: UInt32
    var elfClass: UInt8 = 1
    var dataEncoding: UInt8 = 2
    var type: UInt16 = 2
    var machine: UInt16 = 20

    func bytes() -> [UInt8] {
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        var out: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, elfClass, dataEncoding, 1, 0] + [UInt8](repeating: 0, count: 8)
        out += be16(type) + be16(machine) + be32(1) + be32(entry)
        out += be32(52) + be32(0) + be32(0)                    // phoff, shoff, flags
        out += be16(52) + be16(32) + be16(UInt16(segments.count)) + be16(40) + be16(0) + be16(0)
        var offset = UInt32(52 + 32 * segments.count)
        for s in segments {
            out += be32(s.type) + be32(offset) + be32(s.vaddr) + be32(s.paddr)
            out += be32(UInt32(s.bytes.count)) + be32(s.memsz ?? UInt32(s.bytes.count)) + be32(s.flags) + be32(0x10000)
            offset += UInt32(s.bytes.count)
        }
        for s in segments { out += s.bytes }
        return out
    }

    /// Like a vmlinux: linked at 0xC0000000, loaded at physical 0.
    static func vmlinuxLike(textSize: Int = 0x200, bssSize: UInt32 = 0x1000) -> ELFImage {
        let text = (0..<textSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        return ELFImage(segments: [
            Segment(vaddr: 0xC000_0000, paddr: 0, bytes: text, memsz: UInt32(textSize) + bssSize, flags: 7),
        ], entry: 0xC000_0000)
    }
}
