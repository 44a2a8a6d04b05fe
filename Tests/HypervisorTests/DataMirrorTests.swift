import Testing
import E500
@testable import Hypervisor
import Platform
import PowerISA
import Telemetry

/// The word mirror of adaptive data mirroring (issue 25, parts 1 and 2):
/// translated loads and stores hit it, and every other way to a mirrored
/// word sees the mirror. Each program is checked against kvm.
@Suite struct DataMirrorTests {
    /// In-place tracing of 4 KB (or `fragment`) with load/store translations at the second fault and the mirror.
    static func configuration(fragment: UInt64 = 4096) -> BinaryTranslator.Configuration {
        var c = AccessTranslationTests.configuration()
        c.mirrorWords = true
        c.fragmentSize = fragment
        return c
    }

    static func runBoth(limit: UInt64 = 4_000, _ setup: (GuestHarness) -> Void) -> [GuestHarness] {
        [GuestHarness(), GuestHarness(assist: .binaryTranslation(configuration()))].map { g in
            BinaryTranslationTests.installSpinningHandlers(g)
            g.put(0x1000, AccessTranslationTests.sitesLoop)
            g.vm.vcpu.msr = MSR.me | MSR.fp
            g.vm.vcpu.spr[SPR.sprg0] = 0x5151_5151
            g.vm.translator?.mirror.code = []          // no kernel ELF: no word of this RAM is code
            setup(g)
            g.run(limit: limit)
            return g
        }
    }

    /// A loop of five rounds: a translated load and a translated store of
    /// the traced word at 0x1800 (both hit from the third round on), then,
    /// once, an untranslated load of it from another PC (a tracing fault the
    /// VMM emulates) and a byte load. What they read is the last store's
    /// value, the VMM reads it too, and RAM does not hold it: the mirror is
    /// the one copy.
    @Test func aTranslatedStoreIsSeenByATrappingLoadAndByTheVMM() {
        let guests = Self.runBoth { g in
            g.put(0x1800, [0x0102_0304])
            g.put(0x1100, [
                asm(.addi, [12, 0, 5]), asm(.mtspr, [9, 12]), asm(.addi, [21, 0, 0x100]),
                asm(.lwz, [20, 0x1800, 0]),                  // 0x110c: translated load
                asm(.addi, [21, 21, 1]),
                asm(.stw, [21, 0x1800, 0]),                  // 0x1114: translated store
                asm(.bc, [16, 0, -12]),                      // bdnz
                asm(.lwz, [22, 0x1800, 0]),                  // untranslated: a tracing fault
                asm(.lbz, [23, 0x1803, 0]),
                asm(.b, [0]),
            ])
        }
        let (kvm, bt) = (AccessTranslationTests.state(guests[0]), AccessTranslationTests.state(guests[1]))
        #expect(kvm == bt, "kvm \(kvm) bt \(bt)")
        #expect(bt.gprs[22] == 0x105 && bt.gprs[23] == 0x05 && bt.gprs[20] == 0x104)
        let g = guests[1], t = g.vm.translator!
        #expect(t.statistics.mirrorHits >= 4 && t.statistics.mirrorFills >= 1, "\(t.statistics.summary)")
        #expect(g.vm.readGuestWord(0x1800) == 0x105)
    }

    /// Untracing the fragment (adapt-pr's untrace, split or merge) writes the word back first.
    @Test func untraceWritesBack() {
        let guests = Self.runBoth { g in
            g.put(0x1100, [
                asm(.addi, [12, 0, 4]), asm(.mtspr, [9, 12]), asm(.addi, [21, 0, 0x200]),
                asm(.addi, [21, 21, 1]),
                asm(.stw, [21, 0x1800, 0]),                  // translated store, hits from the third round
                asm(.bc, [16, 0, -8]),
                asm(.b, [0]),
            ])
        }
        let g = guests[1], t = g.vm.translator!
        #expect(!t.mirror.isEmpty && g.word(0x1800) != 0x204 && g.vm.readGuestWord(0x1800) == 0x204)
        let fragment = t.tracing.fragment(containing: 0x1800)!
        t.removeFragment(fragment, g.vm)
        #expect(t.mirror.isEmpty && g.word(0x1800) == 0x204 && t.statistics.mirrorWriteBacks >= 1)
        #expect(guests[0].word(0x1800) == 0x204)
    }

    /// A guest tlbwe that maps the mirrored word's effective address
    /// elsewhere flushes it: the next translated load reads the new page.
    @Test func aTLBWriteRemappingAMirroredWordFlushesIt() {
        let mapping: (UInt32) -> [UInt32] = { rpn in
            [lis(5, 0x1001), asm(.mtspr, [Int64(SPR.mas0), 5]),                          // TLB1, entry 1
             lis(5, 0x8000), asm(.ori, [5, 5, 2 << 7]), asm(.mtspr, [Int64(SPR.mas1), 5]),  // valid, 4 KB
             lis(5, 0x1000), asm(.mtspr, [Int64(SPR.mas2), 5]),                          // EA 0x10000000
             asm(.addi, [5, 0, Int64(rpn | 0x3F)]), asm(.mtspr, [Int64(SPR.mas3), 5]), asm(.tlbwe)]
        }
        let guests = Self.runBoth { g in
            g.put(0x1800, [0xAAAA_0001])
            g.put(0x5800, [0xBBBB_0002])
            var program = mapping(0x1000)                                               // -> the traced page
            program += [asm(.addi, [12, 0, 4]), asm(.mtspr, [9, 12]), lis(9, 0x1000)]
            let loop = program.count
            program += [asm(.lwz, [20, 0x800, 9]), asm(.bc, [16, 0, -4])]               // translated; hits
            let check = program.count
            program += [asm(.cmpi, [0, 0, 25, 1]), asm(.bc, [12, 2, 0]), asm(.addi, [25, 0, 1]), asm(.or, [24, 20, 20])]
            program += mapping(0x5000)                                                  // -> a plain page
            program += [asm(.addi, [12, 0, 1]), asm(.mtspr, [9, 12])]
            program.append(asm(.b, [Int64(4 * loop) - Int64(4 * program.count)]))      // the site once more
            program[check + 1] = asm(.bc, [12, 2, Int64(4 * (program.count - check - 1))])   // beq to the end
            program.append(asm(.b, [0]))
            g.put(0x1100, program)
        }
        let (kvm, bt) = (AccessTranslationTests.state(guests[0]), AccessTranslationTests.state(guests[1]))
        #expect(kvm == bt, "kvm \(kvm) bt \(bt)")
        #expect(bt.gprs[24] == 0xAAAA_0001 && bt.gprs[20] == 0xBBBB_0002)
        let t = guests[1].vm.translator!
        #expect(t.statistics.mirrorFills >= 1 && t.statistics.mirrorHits >= 1 && t.statistics.mirrorWriteBacks >= 1,
                "\(t.statistics.summary)")
    }

    /// 65 words that all index one entry: each fill evicts the one before,
    /// which goes back to RAM; every word reads and writes as the guest's.
    @Test func conflictingWordsEvict() {
        let g = GuestHarness(assist: .binaryTranslation(Self.configuration(fragment: 64 << 10)))
        let t = g.vm.translator!
        t.mirror.code = []
        g.put(0x1000, [asm(.mfspr, [5, Int64(SPR.sprg0)])])
        #expect(t.patch(0x1000, g.vm) && t.tracing.fragment(containing: 0x1_0000 - 4) != nil)
        let words = (0..<65).map { UInt32(0x2000 + 256 * $0) }   // 0x2000 ... 0x6000: one entry, traced
        for (k, ea) in words.enumerated() { g.put(ea, [0xC000_0000 | UInt32(k)]) }
        for ea in words {
            t.fillMirror(ea, UInt64(ea), g.vm)
            #expect(g.vm.writeGuestWord(ea, ea ^ 0x5A5A_0000))
        }
        #expect(t.statistics.mirrorFills == 65 && t.statistics.mirrorEvictions == 64 && t.mirror.byPhysical.count == 1)
        #expect(words.allSatisfy { g.vm.readGuestWord($0) == $0 ^ 0x5A5A_0000 })
        #expect(words.dropLast().allSatisfy { g.word($0) == $0 ^ 0x5A5A_0000 })   // written back
        #expect(g.word(words.last!) == 0xC000_0040)                              // still only in the mirror
    }

    /// Device DMA: the mirror's values are in RAM while a device works
    /// (it reads them), and what it wrote is what the next translated load reads.
    @Test func DMAIntoAMirroredWordIsSeenByTheNextTranslatedLoad() {
        let g = GuestHarness(assist: .binaryTranslation(Self.configuration()))
        BinaryTranslationTests.installSpinningHandlers(g)
        let t = g.vm.translator!
        t.mirror.code = []
        g.put(0x1000, AccessTranslationTests.sitesLoop)
        g.put(0x1800, [0x1111_1111])
        g.put(0x1100, [
            asm(.addi, [12, 0, 5]), asm(.mtspr, [9, 12]), asm(.addi, [21, 0, 0x70]),
            asm(.lwz, [20, 0x1800, 0]),                      // 0x110c: translated, then hits
            asm(.addi, [21, 21, 1]), asm(.stw, [21, 0x1800, 0]),
            asm(.bc, [16, 0, -12]),
            asm(.b, [0]),
        ])
        g.vm.vcpu.msr = MSR.me | MSR.fp
        g.run(limit: 2_000)
        #expect(!t.mirror.isEmpty && g.word(0x1800) != 0x75 && g.vm.readGuestWord(0x1800) == 0x75)
        let ram = g.vm.board.ram
        ram.deviceAccess?(true)
        #expect(g.word(0x1800) == 0x75)                       // what a device reads
        ram.store32BE(0x1800, 0xD0A0_0001)                    // what a device writes
        ram.deviceAccess?(false)
        // The loop once more: its translated load reads what the device wrote.
        g.vm.hardware.ctr = 1
        g.vm.hardware.pc = 0x110C
        g.vm.run(limit: 200)
        #expect(g.vm.hardware.gpr[20] == 0xD0A0_0001 && g.vm.readGuestWord(0x1800) == 0x76)
    }
}
