/// Builds small ELF files byte by byte for the loader tests: a valid static
/// big-endian PowerPC executable by default, with knobs to break it.
struct ELFBuilder {
    struct Segment {
        var type: UInt32 = 1  // PT_LOAD
        var offset: UInt32
        var address: UInt32
        var fileSize: UInt32
        var memorySize: UInt32
        var flags: UInt32  // PF_R 4, PF_W 2, PF_X 1
    }

    var elfClass: UInt8 = 1  // ELFCLASS32
    var dataEncoding: UInt8 = 2  // ELFDATA2MSB
    var type: UInt16 = 2  // ET_EXEC
    var machine: UInt16 = 20  // EM_PPC
    var entry: UInt32 = 0x1000_0054
    var programHeaderSize: UInt16 = 32
    var segments: [Segment]
    /// Bytes placed right after the program headers (file offset 52 + 32 * count).
    var payload: [UInt8]

    /// One R-X segment holding the headers and the payload at 0x10000000,
    /// one RW segment at 0x10011000 (file offset 0x1000 congruent) with bss.
    static func standard(payload: [UInt8] = [0x38, 0x60, 0x00, 0x2a]) -> ELFBuilder {
        let headerEnd = UInt32(52 + 2 * 32)
        let text = Segment(offset: 0, address: 0x1000_0000, fileSize: headerEnd + UInt32(payload.count),
                           memorySize: headerEnd + UInt32(payload.count), flags: 5)
        let data = Segment(offset: headerEnd + UInt32(payload.count), address: 0x1001_0000 + headerEnd + UInt32(payload.count),
                           fileSize: 8, memorySize: 0x2000, flags: 6)
        var builder = ELFBuilder(segments: [text, data], payload: payload + [0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04])
        builder.entry = 0x1000_0000 + headerEnd
        return builder
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, elfClass, dataEncoding, 1, 0]
        out += [UInt8](repeating: 0, count: 8)
        func put16(_ v: UInt16) {
            if dataEncoding == 1 { out += [UInt8(v & 0xff), UInt8(v >> 8)] } else { out += [UInt8(v >> 8), UInt8(v & 0xff)] }
        }
        func put32(_ v: UInt32) {
            let be = [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
            out += dataEncoding == 1 ? be.reversed() : be
        }
        put16(type); put16(machine); put32(1)  // e_version
        put32(entry); put32(52); put32(0)  // e_phoff, e_shoff
        put32(0)  // e_flags
        put16(52); put16(programHeaderSize); put16(UInt16(segments.count))
        put16(40); put16(0); put16(0)  // e_shentsize, e_shnum, e_shstrndx
        for s in segments {
            put32(s.type); put32(s.offset); put32(s.address); put32(s.address)
            put32(s.fileSize); put32(s.memorySize); put32(s.flags); put32(0x1000)
        }
        return out + payload
    }
}
