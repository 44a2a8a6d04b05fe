import Testing
import E500
@testable import Hypervisor
import Platform
import PowerISA
import TestSupport
import Telemetry

/// Load/store translations and their exact rewind (issue 24, parts 3-5),
/// each checked against kvm running the same program.
@Suite struct AccessTranslationTests {
    typealias GuestState = BinaryTranslationTests.GuestState

    /// bt as `BinaryTranslationTests` has it, translating a load or store at its second tracing fault.
    static func configuration() -> BinaryTranslator.Configuration {
        var c = BinaryTranslationTests.translatorConfiguration()
        c.translateAccesses = true
        c.accessThreshold = 1
        return c
    }

    static var sitesLoop: [UInt32] { BinaryTranslationTests.sitesLoop }

    /// The load `lwz r20,0(r10)` at 0x110c (the site) run on each address
    /// of `targets` in turn, forever: traced data first, so that it is
    /// translated, then what the test is about.
    static func walk(_ g: GuestHarness, _ targets: [UInt32]) {
        g.put(0x3000, targets)
        g.put(0x1100, [
            asm(.addi, [12, 0, 0]), asm(.addi, [13, 0, 0x3000]),
            asm(.lwzx, [10, 12, 13]),
            asm(.lwz, [20, 0, 10]),                          // 0x110c: the site
            asm(.addi, [12, 12, 4]),
            asm(.b, [-12]),
        ])
    }

    /// A kvm and a bt guest, each with the sites loop, spinning handlers and `setup`, run to the end.
    static func runBoth(limit: UInt64 = 2_000, _ setup: (GuestHarness) -> Void) -> [GuestHarness] {
        [GuestHarness(), GuestHarness(assist: .binaryTranslation(configuration()))].map { g in
            BinaryTranslationTests.installSpinningHandlers(g)
            g.put(0x1000, sitesLoop)
            g.vm.vcpu.msr = MSR.me | MSR.fp
            g.vm.vcpu.spr[SPR.sprg0] = 0x5151_5151
            setup(g)
            g.run(limit: limit)
            return g
        }
    }

    static func state(_ g: GuestHarness) -> GuestState {
        var s = BinaryTranslationTests.state(g, memory: 0x1000...0x2010)
        s.memory += (0..<64).map { g.vm.translator?.guestWord(0x80_0000 + UInt64(4 * $0), ram: g.vm.board.ram) ?? g.word(0x80_0000 + UInt32(4 * $0)) }
        s.memory += (0..<16).map { g.word(0x4000 + UInt32(4 * $0)) } + (0..<16).map { g.word(0x5000 + UInt32(4 * $0)) }
        return s
    }

    /// Every opcode the translator translates, run eleven times by a loop
    /// whose base address changes: three times on traced data (the
    /// second fault translates it), then through the translation on traced
    /// data at each byte offset, across the traced page's end, on the
    /// stolen page's data (aligned and not) and on plain memory. Registers,
    /// CR, SPRs and every byte the guest sees equal kvm's.
    @Test func everyTranslatableOpcodeActsAsOnPlainMemory() {
        let ops = InstructionTable.specs.filter { Translation.accessTranslatable($0.opcode) }
        // lwz lbz lhz lha stw stb sth and their indexed forms.
        #expect(Set(ops.map(\.opcode)) == [.lwz, .lbz, .lhz, .lha, .stw, .stb, .sth, .lwzx, .lbzx, .lhzx, .lhax, .stwx, .stbx, .sthx])
        let bases: [UInt32] = [0x1800, 0x1804, 0x1808, 0x1809, 0x180A, 0x180B, 0x1FFE, 0x80_0100, 0x80_0102, 0x4000, 0x4003]
        var translated = 0
        for spec in ops {
            guard let word = spec.memoryAccess(displacement: 0) else { Issue.record("no encoding for \(spec.mnemonic)"); continue }
            let guests = Self.runBoth { g in
                g.put(0x3000, bases)
                g.put(0x1800, [0x8081_8283, 0x8485_8687, 0xF0F1_F2F3])
                g.put(0x1FFC, [0xA1A2_A3A4])
                g.put(0x80_0100, [0x1122_3344, 0x5566_7788])
                g.put(0x4000, [0xC1C2_C3C4, 0xC5C6_C7C8])
                g.put(0x1100, [
                    asm(.addi, [12, 0, 0]), asm(.addi, [13, 0, 0x3000]), asm(.addi, [15, 0, 0x5000]),
                    asm(.addi, [11, 0, 0]), asm(.addi, [20, 0, 0x77]),
                    asm(.lwzx, [10, 12, 13]),                    // 0x1114: the loop
                    word,
                    asm(.stwx, [20, 12, 15]),
                    asm(.addi, [20, 20, 0x11]),                  // a new value for the next store
                    asm(.addi, [12, 12, 4]),
                    asm(.cmpi, [0, 0, 12, Int64(4 * bases.count)]),
                    asm(.bc, [12, 0, -24]),                      // blt
                    asm(.b, [0]),
                ])
                for r in 26...31 { g.vm.vcpu.gpr[r] = 0xA000_0000 | UInt32(r) }
            }
            let (kvm, bt) = (Self.state(guests[0]), Self.state(guests[1]))
            #expect(kvm == bt, "\(Disassembler.disassemble(word)): kvm \(kvm) bt \(bt)")
            #expect(kvm.pc == 0x1130, "\(Disassembler.disassemble(word)) ended at \(String(kvm.pc, radix: 16))")
            if guests[1].vm.translator!.statistics.accessSites >= 1 { translated += 1 }
        }
        #expect(translated == ops.count)
    }

    /// A translated load whose address later has a guest mapping without
    /// read permission, or none: the DSI and the data TLB miss are the
    /// original's, with SRR0 = the site, DEAR = its effective address, ESR
    /// and the scratch registers as kvm has them.
    @Test func aFaultInsideATranslationIsTheSitesFault() {
        for (target, vector): (UInt32, UInt32) in [(0x1000_0000, 0x200), (0x2000_0000, 0xD00)] {
            let site: UInt32 = 0x110C
            let guests = Self.runBoth { g in
                var e = BookEMMU.Entry()
                e.valid = true; e.tsize = 1; e.epn = 0x1000_0000; e.rpn = 0x4000; e.permissions = 0   // no access
                g.vm.vcpu.mmu!.setTLB1(1, e)
                Self.walk(g, [0x1800, 0x1804, 0x1808, target])
                for r in 26...31 { g.vm.vcpu.gpr[r] = 0xA000_0000 | UInt32(r) }
            }
            let (kvm, bt) = (Self.state(guests[0]), Self.state(guests[1]))
            let t = guests[1].vm.translator!
            #expect(kvm == bt, "kvm \(kvm) bt \(bt)")
            let v = guests[1].vm.vcpu
            #expect(bt.pc == vector && v.spr[SPR.srr0] == site && v.spr[SPR.dear] == target,
                    "pc \(String(bt.pc, radix: 16)) srr0 \(String(v.spr[SPR.srr0], radix: 16)) dear \(String(v.spr[SPR.dear], radix: 16))")
            #expect(t.statistics.accessSites == 1 && t.statistics.accessRewinds >= 1)
            #expect((26...31).allSatisfy { v.gpr[$0] == 0xA000_0000 | UInt32($0) })
        }
    }

    /// Linux's user copies: a load with an `__ex_table` entry faults on a
    /// user address and the DSI handler finds its fixup by SRR0. Inside a
    /// translation SRR0 is the site, so the fixup runs (the handler
    /// spins for any other PC).
    @Test func aUserCopyFaultInsideATranslationReachesItsFixup() {
        let site: UInt32 = 0x110C, fixup: UInt32 = 0x1200
        let handler: [UInt32] = [
            asm(.mfspr, [3, Int64(SPR.srr0)]),
            asm(.addi, [4, 0, Int64(site)]),
            asm(.cmp, [0, 0, 3, 4]),
            asm(.bc, [4, 2, 8]),                                  // bne: no fixup for this PC, spin
            asm(.addi, [4, 0, Int64(fixup)]), asm(.mtspr, [Int64(SPR.srr0), 4]), asm(.rfi),
            asm(.b, [0]),
        ]
        let guests = Self.runBoth { g in
            g.put(0x200, handler)
            g.put(0xD00, handler)
            Self.walk(g, [0x1800, 0x1804, 0x1808, 0x3000_0000])   // the last: no mapping (a bad user pointer)
            g.put(fixup, [asm(.addi, [21, 0, 0x7EED]), asm(.b, [0])])
        }
        let (kvm, bt) = (Self.state(guests[0]), Self.state(guests[1]))
        #expect(kvm == bt, "kvm \(kvm) bt \(bt)")
        #expect(bt.pc == fixup + 4 && bt.gprs[21] == 0x7EED, "pc \(String(bt.pc, radix: 16))")
        #expect(guests[1].vm.translator!.statistics.accessSites == 1)
    }

    /// A load of a translated site reads the original instruction; a store
    /// over it: the site goes (its translation's words leave the rewind
    /// map) and the guest runs what it wrote.
    @Test func aStoreOverATranslatedSiteUnpatchesIt() {
        let site: UInt32 = 0x110C
        let li = asm(.addi, [20, 0, 42])
        let guests = Self.runBoth { g in
            g.put(0x3000, [0x1800, 0x1804, 0x1808, 0x180C])
            g.put(0x1800, [1, 2, 3, 4])
            g.put(0x1100, [
                asm(.addi, [12, 0, 0]), asm(.addi, [13, 0, 0x3000]),
                asm(.lwzx, [10, 12, 13]),
                asm(.lwz, [20, 0, 10]),                          // 0x110c: the site
                asm(.stwx, [20, 12, 13]),                        // what it read, over the table
                asm(.addi, [12, 12, 4]),
                asm(.cmpi, [0, 0, 12, 16]),
                asm(.bc, [12, 0, -20]),                          // blt
                asm(.cmpi, [0, 0, 23, 1]), asm(.bc, [12, 2, 28]),   // the second time: done (beq)
                asm(.addi, [23, 0, 1]),
                asm(.lwz, [24, Int64(site), 0]),                 // the translated site: its original word
                lis(22, UInt16(li >> 16)), asm(.ori, [22, 22, Int64(li & 0xFFFF)]),
                asm(.stw, [22, Int64(site), 0]),                 // over the site
                asm(.b, [Int64(site) - 0x113C]),                 // run it again
                asm(.b, [0]),
            ])
        }
        let (kvm, bt) = (Self.state(guests[0]), Self.state(guests[1]))
        #expect(kvm == bt, "kvm \(kvm) bt \(bt)")
        let t = guests[1].vm.translator!
        #expect(bt.gprs[20] == 42 && bt.gprs[24] == asm(.lwz, [20, 0, 10]) && t.statistics.accessSites == 1 && t.sites[UInt64(site)] == nil)
        #expect(!t.accessTranslationPCs.values.contains { $0.site == UInt64(site) })
    }

    /// T (adapt-pr): a load/store site's code page is traced at the
    /// shortest page with the faults the site took before it was translated
    /// as its T, so its first fault there does not untrace it (and the site).
    @Test func aLoadStoreSiteCreditsItsFaultsToT() {
        var c = Self.configuration()
        c.policy = .adaptPR
        c.fragmentSize = 64 << 10
        let g = GuestHarness(assist: .binaryTranslation(c))
        let t = g.vm.translator!
        let pc: UInt32 = 0x20_0000
        g.put(pc, [asm(.lwz, [5, 0, 9])])
        t.noteAccessFault(pc: pc, g.vm)
        #expect(t.sites.isEmpty)                                   // one fault: not yet
        t.noteAccessFault(pc: pc, g.vm)
        #expect(t.sites[UInt64(pc)] != nil && t.statistics.accessSites == 1)
        let fragment = ShadowRestrictions.Fragment(start: UInt64(pc), size: 64 << 10)
        #expect(t.tracing.fragments.contains(fragment) && t.fragmentStates[fragment.start]?.threshold == 2)
        AdaptivePageResizingTests.fault(t, g, at: UInt64(pc) + 0x100)
        AdaptivePageResizingTests.fault(t, g, at: UInt64(pc) + 0x104)
        #expect(t.sites[UInt64(pc)] != nil && t.tracing.fragments.contains(fragment))
        AdaptivePageResizingTests.fault(t, g, at: UInt64(pc) + 0x108)   // past T: untraced, as any site's page
        #expect(t.sites[UInt64(pc)] == nil && !t.tracing.fragments.contains(fragment))
    }
}
