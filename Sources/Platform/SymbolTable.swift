/// Function symbols of a 32-bit big-endian ELF file (the guest's vmlinux),
/// for naming guest PCs in reports: `__switch_to+0x40`.
public struct SymbolTable: Sendable {
    struct Symbol: Sendable { let address: UInt32; let size: UInt32; let name: String }
    /// Sorted by address.
    let symbols: [Symbol]

    public var count: Int { symbols.count }

    public init(elfPath: String) throws(PlatformError) {
        try self.init(bytes: KernelLoader.readFile(elfPath), name: elfPath)
    }

    /// The symbols of an ELF file's bytes; `name` names it in errors.
    public init(bytes b: [UInt8], name elfPath: String) throws(PlatformError) {
        guard b.count >= 52, b.starts(with: [0x7F, 0x45, 0x4C, 0x46]) else { throw .notKernelImage(path: elfPath) }
        guard b[4] == 1 else { throw .not32Bit(path: elfPath) }
        guard b[5] == 2 else { throw .notBigEndian(path: elfPath) }
        let shoff = Int(be32(b, 32))
        let shentsize = Int(be16(b, 46)), shnum = Int(be16(b, 48))
        guard shentsize >= 40, shoff <= b.count, shnum * shentsize <= b.count - shoff else {
            throw .truncated(path: elfPath, what: "section headers")
        }
        func section(_ i: Int) -> (type: UInt32, offset: Int, size: Int, link: Int) {
            let h = shoff + i * shentsize
            return (be32(b, h + 4), Int(be32(b, h + 16)), Int(be32(b, h + 20)),
                    Int(be32(b, h + 24)))
        }
        var found: [Symbol] = []
        for i in 0..<shnum where section(i).type == 2 {  // SHT_SYMTAB
            let table = section(i)
            guard table.link < shnum else { continue }
            let strings = section(table.link)
            guard table.offset <= b.count, table.size <= b.count - table.offset,
                  strings.offset <= b.count, strings.size <= b.count - strings.offset else {
                throw .truncated(path: elfPath, what: "symbol table")
            }
            for s in stride(from: table.offset, to: table.offset + table.size - 15, by: 16) {
                let info = b[s + 12]
                guard info & 0xF == 2 || info & 0xF == 0 else { continue }  // STT_FUNC, or NOTYPE (assembly labels)
                let value = be32(b, s + 4)
                let nameOffset = Int(be32(b, s))
                guard value != 0, nameOffset < strings.size, be16(b, s + 14) != 0 else { continue }
                var end = strings.offset + nameOffset
                while end < strings.offset + strings.size && b[end] != 0 { end += 1 }
                let name = String(decoding: b[(strings.offset + nameOffset)..<end], as: UTF8.self)
                guard !name.isEmpty, !name.hasPrefix("$") else { continue }
                found.append(Symbol(address: value, size: be32(b, s + 8), name: name))
            }
        }
        guard !found.isEmpty else { throw .malformed(path: elfPath, what: "no symbol table") }
        symbols = found.sorted { $0.address < $1.address }
    }

    /// `name+0xoffset` of the symbol at or before `address`, nil when none is near.
    public func describe(_ address: UInt32) -> String? {
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let s = symbols[lo - 1]
        let offset = address - s.address
        // Beyond a sized symbol by more than a page: probably not inside it.
        if s.size != 0 && offset >= s.size && offset > 0x1000 { return nil }
        return offset == 0 ? s.name : "\(s.name)+0x\(String(offset, radix: 16))"
    }
}
