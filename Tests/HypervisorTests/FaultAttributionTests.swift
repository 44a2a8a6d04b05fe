import Foundation
import Testing
import E500
@testable import Hypervisor
import Platform
import PowerISA
import Telemetry

/// Tracing faults attributed per faulting instruction (issue 24, part 1).
@Suite struct FaultAttributionTests {
    /// A program patches its loop's sites, then touches its traced page and
    /// the stolen page once per kind: every ACC_VIOL exit is in the table
    /// under its PC, with what it touched and whether it lay within one
    /// aligned word; the instruction recorded is the guest's (not a patch).
    @Test func everyTracingFaultIsAttributedToItsInstruction() {
        let g = GuestHarness(assist: .binaryTranslation(BinaryTranslationTests.translatorConfiguration()))
        BinaryTranslationTests.installSpinningHandlers(g)
        let loop: [UInt32] = [
            asm(.addi, [3, 0, 4]), asm(.mtspr, [9, 3]), lis(17, 0x80),
            asm(.mfspr, [5, Int64(SPR.sprg0)]),       // 0x100c: sites
            asm(.wrteei, [1]),
            asm(.wrteei, [0]),
            asm(.bc, [16, 0, -12]),
        ]
        let accesses: [(UInt32, kind: String, aligned: Bool)] = [
            (asm(.lwz, [6, 0x100C, 0]), "patch-site", true),   // the mfspr site's word
            (asm(.lbz, [7, 0x100D, 0]), "patch-site", true),   // a byte of it
            (asm(.lwz, [8, 0x1800, 0]), "data", true),
            (asm(.lhz, [9, 0x1803, 0]), "data", false),        // a halfword across two words
            (asm(.lmw, [28, 0x1900, 0]), "data", false),
            (asm(.stw, [3, 0x1804, 0]), "data", true),
            (asm(.lwz, [18, 0x100, 17]), "stolen-page", true),  // the translation cache's page at 8 MB
        ]
        g.put(0x1000, loop + accesses.map(\.0) + [asm(.b, [0])])
        g.run(limit: 400)
        let t = g.vm.translator!
        let end = UInt32(0x1000 + 4 * (loop.count + accesses.count))
        #expect(g.vm.hardware.pc == end && t.statistics.stolenPages == 1)
        let p = t.faultProfile
        #expect(p.total == g.count(.accessViolation) && p.total == UInt64(accesses.count), "\(p.entries)")
        for (n, access) in accesses.enumerated() {
            let pc = UInt32(0x1000 + 4 * (loop.count + n))
            let e = p.entries[pc]
            #expect(e?.count == 1 && e?.word == access.0 && e?.kind == access.kind && (e?.alignedWord == 1) == access.aligned,
                    "\(Disassembler.disassemble(access.0)): \(String(describing: e))")
        }
        // The VMM's statistics reset (bench's BEGIN marker) empties it.
        g.vm.resetStatistics()
        #expect(t.faultProfile.total == 0)
    }
}

/// The paper's translation-cache placement (`--bt-cache-at data-start`, issue 24, part 2).
@Suite struct PaperCachePlacementTests {
    /// A minimal big-endian ELF32 kernel: one PT_LOAD mapping 16 MB at 0
    /// one to one, `.text` at 0x1000 and `.data` at 0x20000 (128 KB).
    static func kernelFile() throws -> String {
        var b: [UInt8] = []
        func u16(_ v: Int) { b += [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func u32(_ v: Int) { b += [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let strings = Array("\0.text\0.data\0.shstrtab\0".utf8)
        let stringsAt = 52 + 32, sectionsAt = stringsAt + strings.count
        b += [0x7F, 0x45, 0x4C, 0x46, 1, 2, 1] + [UInt8](repeating: 0, count: 9)
        u16(2); u16(20); u32(1); u32(0x1000); u32(52); u32(sectionsAt); u32(0); u16(52); u16(32); u16(1); u16(40); u16(4); u16(3)
        u32(1); u32(0); u32(0); u32(0); u32(0); u32(0x100_0000); u32(7); u32(0x1000)   // PT_LOAD
        b += strings
        func section(_ name: Int, _ type: Int, _ flags: Int, _ addr: Int, _ offset: Int, _ size: Int) {
            u32(name); u32(type); u32(flags); u32(addr); u32(offset); u32(size); u32(0); u32(0); u32(4); u32(0)
        }
        section(0, 0, 0, 0, 0, 0)
        section(1, 1, 6, 0x1000, 0, 0x1000)             // .text, AX
        section(7, 1, 3, 0x2_0000, 0, 0x2_0000)         // .data, WA
        section(13, 3, 0, 0, stringsAt, strings.count)  // .shstrtab
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trapeze-kernel-\(getpid()).elf").path
        try Data(b).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// At the first patch the translation cache takes the first 64 KB of
    /// `.data` at once (16 pages, nothing before), its translations go there,
    /// and the guest still reads and writes its own data there: every such
    /// access is a tracing fault on a stolen page, served from the saved copy.
    @Test func theCacheTakesTheStartOfDataAtTheFirstPatch() throws {
        var c = BinaryTranslationTests.translatorConfiguration()
        c.cacheRegion = nil
        c.cacheAt = .dataStart
        let g = GuestHarness(assist: .binaryTranslation(c))
        let t = g.vm.translator!
        let path = try Self.kernelFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        t.guestLoaded(kernel: path, g.vm)
        #expect(t.cache.pages.isEmpty)
        BinaryTranslationTests.installSpinningHandlers(g)
        g.put(0x2_0000, [0xCAFE_F00D])
        g.put(0x2_F000, [0x1234_5678])
        g.put(0x3_0000, [0x0BAD_BEEF])                          // past the 64 KB: plain data
        g.put(0x1000, [
            asm(.addi, [3, 0, 4]), asm(.mtspr, [9, 3]), lis(17, 2), lis(18, 3),
            asm(.mfspr, [5, Int64(SPR.sprg0)]),                 // 0x1010: single-instruction site
            asm(.wrteei, [1]),                                  // multi-instruction sites
            asm(.wrteei, [0]),
            asm(.bc, [16, 0, -12]),
            asm(.lwz, [6, 0, 17]),                              // .data's first word
            asm(.ori, [19, 17, 0xF000]), asm(.lwz, [7, 0, 19]),  // .data + 60 KB
            asm(.stw, [5, 4, 17]),
            asm(.lwz, [8, 4, 17]),
            asm(.lwz, [9, 0, 18]),
            asm(.b, [0]),
        ])
        g.vm.vcpu.spr[SPR.sprg0] = 0x5151_5151
        g.run(limit: 400)
        #expect(g.vm.hardware.pc == 0x1038)
        #expect(t.statistics.stolenPages == 16 && t.cache.pages.map(\.physical) == (0..<16).map { 0x2_0000 + UInt64($0) * 4096 })
        #expect(t.statistics.multiInstruction == 2 && t.sites.values.allSatisfy { $0.translation.map { $0 >= 0x2_0000 && $0 < 0x2_1000 } ?? true })
        let h = g.vm.hardware
        #expect(h.gpr[6] == 0xCAFE_F00D && h.gpr[7] == 0x1234_5678 && h.gpr[8] == 0x5151_5151 && h.gpr[9] == 0x0BAD_BEEF, "\((6...9).map { String(h.gpr[$0], radix: 16) })")
        #expect(g.vm.readGuestWord(0x2_0004) == 0x5151_5151 && g.word(0x2_0000) != 0xCAFE_F00D)
        #expect(t.faultProfile.entries.filter { $0.value.kind == "stolen-page" }.count == 4 && t.faultProfile.total == 4,
                "\(t.faultProfile.entries)")
    }
}
