import Foundation

/// The guest kernel's sections as its ELF headers give them: where the
/// translator may steal data pages for its translation cache (paper
/// Section 3: "the data sections of the guest are identified by parsing
/// the kernel header").
struct KernelSections {
    struct Section: Equatable {
        var name: String
        var address: UInt32      // virtual
        var physical: UInt64     // where it is loaded (via its PT_LOAD segment)
        var size: UInt32
        var writable: Bool
        var executable: Bool
        var allocated: Bool

        /// The effective addresses of the whole 4 KB pages inside the section.
        var wholePages: [UInt32] {
            let first = (UInt64(address) + 0xFFF) & ~0xFFF, end = (UInt64(address) + UInt64(size)) & ~0xFFF
            return Array(stride(from: first, to: end, by: 4096)).map { UInt32($0) }
        }
        /// Where the page at `ea` of the section is loaded.
        func physical(of ea: UInt32) -> UInt64 { physical + UInt64(ea - address) }
    }
    var sections: [Section] = []

    /// Reads section and program headers of an ELF32 big-endian file;
    /// an empty list for anything else (a uImage has no sections: the
    /// translator then makes single-instruction translations only).
    init(path: String) {
        self.init(bytes: FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [])
    }

    init(bytes b: [UInt8]) {
        func u16(_ o: Int) -> Int { o + 2 <= b.count ? Int(b[o]) << 8 | Int(b[o + 1]) : 0 }
        func u32(_ o: Int) -> UInt32 {
            o + 4 <= b.count ? UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]) : 0
        }
        guard b.count >= 52, b.starts(with: [0x7F, 0x45, 0x4C, 0x46]), b[4] == 1, b[5] == 2 else { return }
        // Program headers: virtual to physical.
        let phoff = Int(u32(28)), phentsize = u16(42), phnum = u16(44)
        var loads: [(vaddr: UInt32, paddr: UInt32, memsz: UInt32)] = []
        for i in 0..<phnum where phentsize >= 32 {
            let h = phoff + i * phentsize
            if u32(h) == 1 { loads.append((u32(h + 8), u32(h + 12), u32(h + 20))) }
        }
        let shoff = Int(u32(32)), shentsize = u16(46), shnum = u16(48), shstrndx = u16(50)
        guard shentsize >= 40, shoff > 0, shnum > 0, shstrndx < shnum,
              shoff + shnum * shentsize <= b.count else { return }
        let strtab = Int(u32(shoff + shstrndx * shentsize + 16))
        func name(_ offset: UInt32) -> String {
            var end = strtab + Int(offset)
            guard end < b.count else { return "" }
            let start = end
            while end < b.count && b[end] != 0 && end - start < 64 { end += 1 }
            return String(decoding: b[start..<end], as: UTF8.self)
        }
        for i in 0..<shnum {
            let h = shoff + i * shentsize
            let type = u32(h + 4), flags = u32(h + 8), addr = u32(h + 12), size = u32(h + 20)
            guard type == 1 || type == 8, size > 0 else { continue }   // PROGBITS, NOBITS
            guard let load = loads.first(where: { addr >= $0.vaddr && UInt64(addr) + UInt64(size) <= UInt64($0.vaddr) + UInt64($0.memsz) })
            else { continue }
            sections.append(Section(name: name(u32(h)), address: addr, physical: UInt64(load.paddr) + UInt64(addr - load.vaddr),
                                    size: size, writable: flags & 1 != 0, executable: flags & 4 != 0,
                                    allocated: flags & 2 != 0))
        }
    }

    /// Data sections the translation cache may take whole pages from, the
    /// preferred first: `preferred` if named, else `__bug_table` (Linux
    /// reads it only when the kernel hits a BUG or WARN), then the other
    /// writable, non-executable sections, largest first.
    func stealCandidates(preferred: String?) -> [Section] {
        let data = sections.filter { $0.allocated && $0.writable && !$0.executable && !$0.wholePages.isEmpty }
        if let preferred { return data.filter { $0.name == preferred } }
        let first = data.filter { $0.name == "__bug_table" }
        return first + data.filter { $0.name != "__bug_table" }.sorted { $0.size > $1.size }
    }
}
