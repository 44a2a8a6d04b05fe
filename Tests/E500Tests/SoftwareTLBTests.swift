import Testing
import E500
import PowerISA

/// The software TLB keeps a bank per privilege level and forgets only the
/// pages a TLB write touches: neither may let a stale translation through.
@Suite struct SoftwareTLBTests {
    /// A TLB0 entry for the 4 KB page at `ea` (set from the EA, way `way`).
    static func map(_ mmu: BookEMMU, ea: UInt32, physical: UInt64, permissions: UInt32, tid: UInt32 = 0, way: Int = 0) {
        var e = BookEMMU.Entry()
        e.valid = true; e.tsize = 2; e.epn = ea; e.rpn = physical; e.permissions = permissions; e.tid = tid
        mmu.setEntry(tlb: 0, index: Int((ea >> 12) & 127) * BookEMMU.tlb0Ways + way, e)
    }

    /// Two processes (PID 1 and 2) map the same address to different pages;
    /// the kernel switches PID back and forth, and while PID 1 is away a
    /// tlbwe moves its page: each read sees its own context's current page.
    @Test func eachPIDSeesItsOwnPagesAndTLBChangesReachContextsThatAreAway() {
        let m = TestMachine()
        let core = SystemModeTests().makeCore(m)
        let mmu = core.mmu!
        Self.map(mmu, ea: 0x10_0000, physical: 0x8000, permissions: 0x3F, tid: 1, way: 0)
        Self.map(mmu, ea: 0x10_0000, physical: 0x9000, permissions: 0x3F, tid: 2, way: 1)
        m.put(0x8000, [0x1111_1111]); m.put(0x9000, [0x2222_2222]); m.put(0xA000, [0x3333_3333])
        m.put(0x1000, [
            asm(.mtspr, [Int64(SPR.pid), 11]), asm(.lwz, [4, 0, 3]),   // PID 1
            asm(.mtspr, [Int64(SPR.pid), 12]), asm(.lwz, [5, 0, 3]),   // PID 2
            asm(.mtspr, [Int64(SPR.pid), 11]), asm(.lwz, [6, 0, 3]),   // PID 1 again
            asm(.mtspr, [Int64(SPR.pid), 12]),
            asm(.tlbwe),                                               // PID 1's page -> 0xA000
            asm(.lwz, [7, 0, 3]),
            asm(.mtspr, [Int64(SPR.pid), 11]), asm(.lwz, [8, 0, 3]),
            asm(.b, [0]),
        ])
        core.gpr[3] = 0x10_0000
        core.gpr[11] = 1
        core.gpr[12] = 2
        mmu.mas0 = 0                        // TLB0, way 0 (PID 1's entry)
        mmu.mas1 = 0x8000_0000 | 1 << 16 | 1 << 7
        mmu.mas2 = 0x10_0000
        mmu.mas3 = 0xA000 | 0x3F
        _ = core.run(limit: 14)
        #expect(core.gpr[4] == 0x1111_1111)
        #expect(core.gpr[5] == 0x2222_2222, "PID 2 read PID 1's page")
        #expect(core.gpr[6] == 0x1111_1111, "PID 1 read PID 2's page")
        #expect(core.gpr[7] == 0x2222_2222)
        #expect(core.gpr[8] == 0x3333_3333, "PID 1's bank kept the page tlbwe replaced while it was away")
    }

    /// The kernel reads a supervisor-only page, then rfi to user mode, which
    /// reads it too: the kernel's cached translation must not serve the user.
    @Test func aKernelTranslationIsNotUsedInUserMode() {
        let m = TestMachine()
        let core = SystemModeTests().makeCore(m)
        Self.map(core.mmu!, ea: 0x10_0000, physical: 0x8000, permissions: BookEMMU.Permission.sr | BookEMMU.Permission.sw)
        m.put(0x8000, [0x1234_5678])
        m.put(0x200, [asm(.b, [0])])   // data storage interrupt
        m.put(0x1000, [
            asm(.lwz, [4, 0, 3]),
            asm(.mtspr, [Int64(SPR.srr0), 7]), asm(.mtspr, [Int64(SPR.srr1), 6]),
            asm(.rfi),
        ])
        m.put(0x3000, [asm(.lwz, [5, 0, 3]), asm(.b, [0])])
        core.gpr[3] = 0x10_0000
        core.gpr[6] = MSR.pr | MSR.me
        core.gpr[7] = 0x3000
        _ = core.run(limit: 10)
        #expect(core.gpr[4] == 0x1234_5678)
        #expect(core.gpr[5] == 0, "user mode read a supervisor-only page")
        #expect(core.pc == 0x200)
        #expect(core.spr[SPR.dear] == 0x10_0000)
    }

    /// The checks before stwcx., stmw and dcbz answer from the software TLB:
    /// a read-only page that was just read must still refuse them (stwcx.
    /// without a reservation too: it faults before it looks at one).
    @Test(arguments: ["stwcx", "stwcx without reservation", "stmw", "dcbz"])
    func storeChecksRefuseAReadOnlyPageTheLoadCached(_ kind: String) {
        let m = TestMachine()
        let core = SystemModeTests().makeCore(m)
        Self.map(core.mmu!, ea: 0x10_0000, physical: 0x8000, permissions: BookEMMU.Permission.sr)
        m.put(0x8000, [0x1234_5678])
        m.put(0x300, [asm(.b, [0])])   // data storage interrupt
        let store: [UInt32]
        switch kind {
        case "stwcx": store = [asm(.lwarx, [5, 0, 3]), asm(.stwcxRecord, [6, 0, 3])]
        case "stwcx without reservation": store = [asm(.stwcxRecord, [6, 0, 3])]
        case "stmw": store = [asm(.stmw, [30, 0, 3])]
        default: store = [asm(.dcbz, [0, 3])]
        }
        m.put(0x1000, [asm(.lwz, [4, 0, 3])] + store + [asm(.b, [0])])
        core.gpr[3] = 0x10_0000
        core.spr[400 + 2] = 0x300
        _ = core.run(limit: 6)
        #expect(core.gpr[4] == 0x1234_5678)
        #expect(core.pc == 0x300, "\(kind) went through on a read-only page")
        #expect(core.spr[SPR.esr] & ESR.st != 0)
        #expect(m.word(0x8000) == 0x1234_5678)
    }

    /// tlbwe replaces the entry of one page with another page's: the old
    /// page misses at once, the untouched neighbour still translates.
    @Test func tlbweForgetsTheReplacedPageAndKeepsTheOthers() {
        let m = TestMachine()
        let core = SystemModeTests().makeCore(m)
        let mmu = core.mmu!
        Self.map(mmu, ea: 0x10_0000, physical: 0x8000, permissions: 0x3F)
        Self.map(mmu, ea: 0x10_1000, physical: 0x9000, permissions: 0x3F)
        m.put(0x8000, [0x1111_1111]); m.put(0x9000, [0x2222_2222]); m.put(0xA000, [0x3333_3333])
        m.put(0xD00, [asm(.b, [0])])   // data TLB miss
        m.put(0x1000, [
            asm(.lwz, [4, 0, 3]), asm(.lwz, [5, 0x1000, 3]),
            asm(.tlbwe),
            asm(.lwz, [7, 0x1000, 3]), asm(.lwz, [8, 0, 9]),
            asm(.lwz, [6, 0, 3]),
        ])
        core.gpr[3] = 0x10_0000
        core.gpr[9] = 0x18_0000    // the same TLB0 set as 0x100000
        mmu.mas0 = 0               // TLB0, way 0
        mmu.mas1 = 0x8000_0000 | 1 << 7
        mmu.mas2 = 0x18_0000
        mmu.mas3 = 0xA000 | 0x3F
        _ = core.run(limit: 8)
        #expect(core.gpr[4] == 0x1111_1111)
        #expect(core.gpr[5] == 0x2222_2222)
        #expect(core.gpr[7] == 0x2222_2222)
        #expect(core.gpr[8] == 0x3333_3333)
        #expect(core.gpr[6] == 0, "the replaced page still translated")
        #expect(core.pc == 0xD00)
        #expect(core.spr[SPR.dear] == 0x10_0000)
    }
}
