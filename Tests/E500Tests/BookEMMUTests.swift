import Testing
import E500

@Suite struct BookEMMUTests {
    /// Writes an entry the way Linux's loadcam_entry does.
    func write(_ mmu: BookEMMU, tlb: UInt32, esel: UInt32, valid: Bool = true, iprot: Bool = false, tid: UInt32 = 0,
               ts: UInt32 = 0, tsize: UInt32, epn: UInt32, rpn: UInt64, wimge: UInt32 = 0, perms: UInt32) throws {
        mmu.mas0 = tlb << 28 | esel << 16
        mmu.mas1 = (valid ? 0x8000_0000 : 0) | (iprot ? 0x4000_0000 : 0) | tid << 16 | ts << 12 | tsize << 7
        mmu.mas2 = epn | wimge
        mmu.mas3 = UInt32(truncatingIfNeeded: rpn) | perms
        mmu.mas7 = UInt32(rpn >> 32)
        try mmu.write()
    }

    @Test func tlb1LargePageTranslatesWith36BitPhysicalAddress() throws {
        let mmu = BookEMMU()
        // 256 MB kernel mapping 0xC0000000 -> 0x0_00000000, supervisor RWX.
        try write(mmu, tlb: 1, esel: 0, iprot: true, tsize: 18, epn: 0xC000_0000, rpn: 0, perms: 0x15)
        #expect(mmu.translate(0xC123_4567, access: .read, space: 0, pid: 5, user: false) == .translated(physical: 0x0123_4567, wimge: 0))
        #expect(mmu.translate(0xC123_4567, access: .read, space: 0, pid: 5, user: true) == .protectionViolation)
        #expect(mmu.translate(0xD000_0000, access: .read, space: 0, pid: 5, user: false) == .miss)
        #expect(mmu.translate(0xC000_0000, access: .read, space: 1, pid: 0, user: false) == .miss)
        // 4 KB device page at physical 0xF_E000_4000 (CCSR + 0x4000), cache-inhibited and guarded.
        try write(mmu, tlb: 1, esel: 1, tsize: 2, epn: 0xF000_4000, rpn: 0xF_E000_4000, wimge: 0xA, perms: 0x05)
        #expect(mmu.translate(0xF000_4500, access: .write, space: 0, pid: 0, user: false) == .translated(physical: 0xF_E000_4500, wimge: 0xA))
        #expect(mmu.translate(0xF000_4500, access: .execute, space: 0, pid: 0, user: false) == .protectionViolation)
    }

    @Test func tlb0IsFourWaySetAssociativeAndMatchesPID() throws {
        let mmu = BookEMMU()
        // Same set (EA bits 12-18 equal) four times, distinct PIDs.
        for way: UInt32 in 0..<4 {
            try write(mmu, tlb: 0, esel: way, tid: way + 1, tsize: 2, epn: 0x1000_3000, rpn: 0x10_0000 * UInt64(way + 1), perms: 0x3F)
        }
        for pid: UInt32 in 1...4 {
            #expect(mmu.translate(0x1000_3010, access: .read, space: 0, pid: pid, user: true)
                    == .translated(physical: 0x10_0000 * UInt64(pid) + 0x10, wimge: 0))
        }
        #expect(mmu.translate(0x1000_3010, access: .read, space: 0, pid: 9, user: true) == .miss)
    }

    @Test func oddOrOversizedTLB1PageSizeIsRejected() {
        let mmu = BookEMMU()
        #expect(throws: BookEMMU.WriteError.invalidPageSize(3)) {
            try write(mmu, tlb: 1, esel: 0, tsize: 3, epn: 0, rpn: 0, perms: 0x3F)
        }
        #expect(throws: BookEMMU.WriteError.invalidPageSize(24)) {
            try write(mmu, tlb: 1, esel: 0, tsize: 24, epn: 0, rpn: 0, perms: 0x3F)
        }
    }

    @Test func readBackAndSearch() throws {
        let mmu = BookEMMU()
        try write(mmu, tlb: 1, esel: 3, iprot: true, tid: 0, ts: 1, tsize: 14, epn: 0x0100_0000, rpn: 0x2_0100_0000, wimge: 0x4, perms: 0x3F)
        mmu.mas0 = 1 << 28 | 3 << 16
        mmu.read()
        #expect(mmu.mas1 == 0xC000_0000 | 1 << 12 | 14 << 7)
        #expect(mmu.mas2 == 0x0100_0004)
        #expect(mmu.mas3 == 0x0100_003F)
        #expect(mmu.mas7 == 2)
        mmu.mas6 = 1  // SPID 0, SAS 1
        mmu.search(0x0100_8000)
        #expect(mmu.mas0 >> 16 & 0xFFF == 3 && mmu.mas0 >> 28 == 1)
        mmu.mas6 = 0
        mmu.mas4 = 0x0000_0100 | 0x4  // TSIZED 4 KB, WIMGED = M
        mmu.search(0x0100_8000)
        #expect(mmu.mas1 & 0x8000_0000 == 0)
        #expect(mmu.mas2 == 0x0100_8004)
    }

    @Test func missPreloadsMASFromMAS4() {
        let mmu = BookEMMU()
        mmu.mas4 = 0x0000_0100 | 0x2  // TLBSELD 0, TSIZED 4 KB, WIMGED = G
        mmu.preloadOnMiss(0x1234_5678, space: 1, pid: 7)
        #expect(mmu.mas0 >> 28 == 0)
        #expect(mmu.mas1 == 0x8000_0000 | 7 << 16 | 1 << 12 | 0x100)
        #expect(mmu.mas2 == 0x1234_5002)
        #expect(mmu.mas3 == 0 && mmu.mas7 == 0)
        #expect(mmu.mas6 == 7 << 16 | 1)
    }

    @Test func invalidationsSpareProtectedEntries() throws {
        let mmu = BookEMMU()
        try write(mmu, tlb: 1, esel: 0, iprot: true, tsize: 18, epn: 0xC000_0000, rpn: 0, perms: 0x3F)
        try write(mmu, tlb: 1, esel: 1, tid: 3, tsize: 2, epn: 0x1000_0000, rpn: 0x1000, perms: 0x3F)
        try write(mmu, tlb: 0, esel: 0, tid: 3, tsize: 2, epn: 0x2000_0000, rpn: 0x2000, perms: 0x3F)
        try write(mmu, tlb: 0, esel: 1, tid: 4, tsize: 2, epn: 0x2000_0000, rpn: 0x3000, perms: 0x3F)
        mmu.mas6 = 3 << 16
        mmu.invalidateLocal(type: 1, ea: 0)  // tlbilx PID 3
        #expect(mmu.translate(0x1000_0000, access: .read, space: 0, pid: 3, user: true) == .miss)
        #expect(mmu.translate(0x2000_0000, access: .read, space: 0, pid: 3, user: true) == .miss)
        #expect(mmu.translate(0x2000_0000, access: .read, space: 0, pid: 4, user: true) == .translated(physical: 0x3000, wimge: 0))
        mmu.invalidateLocal(type: 0, ea: 0)  // tlbilx all
        #expect(mmu.translate(0x2000_0000, access: .read, space: 0, pid: 4, user: true) == .miss)
        #expect(mmu.translate(0xC000_1000, access: .read, space: 0, pid: 0, user: false) == .translated(physical: 0x1000, wimge: 0))
        mmu.invalidateVirtualAddress(0xC000_0000 | 0x8 | 0x4)  // tlbivax all of TLB1
        #expect(mmu.translate(0xC000_1000, access: .read, space: 0, pid: 0, user: false) == .translated(physical: 0x1000, wimge: 0))
        mmu.flashInvalidate(0x6)
        #expect(mmu.translate(0xC000_1000, access: .read, space: 0, pid: 0, user: false) == .translated(physical: 0x1000, wimge: 0))
    }
}
