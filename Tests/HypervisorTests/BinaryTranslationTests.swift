import Testing
import E500
@testable import Hypervisor
import Platform
import PowerISA
import TestSupport
import Telemetry

/// `bt` mode on small guest programs, each checked against `kvm` mode
/// running the same program: the translator may only change how many exits
/// the guest takes, never what it computes.
@Suite struct BinaryTranslationTests {
    /// bt with patching after 2 exits, one traced 4 KB fragment per site
    /// page, and the translation cache at 8 MB (no kernel ELF to steal from).
    static func translatorConfiguration(policy: BinaryTranslator.Configuration.Policy = .inPlace) -> BinaryTranslator.Configuration {
        var c = BinaryTranslator.Configuration()
        c.policy = policy
        c.threshold = 2
        c.fragmentSize = 4096
        c.cacheRegion = .init(ea: 0x80_0000, physical: 0x80_0000, pages: 2)
        return c
    }

    /// A loop at 0x1000 whose sites (after two rounds) trace the page
    /// 0x1000-0x1fff and steal the page at 8 MB, then on to 0x1100.
    static let sitesLoop: [UInt32] = [
        asm(.addi, [3, 0, 4]), asm(.mtspr, [9, 3]),
        asm(.mfspr, [5, Int64(SPR.sprg0)]),       // 0x1008: sites
        asm(.wrteei, [1]),
        asm(.wrteei, [0]),
        asm(.bc, [16, 0, -12]),
        asm(.b, [0x100 - 0x18]),                  // to 0x1100
    ]

    static func harnesses() -> (kvm: GuestHarness, bt: GuestHarness) {
        (GuestHarness(), GuestHarness(assist: .binaryTranslation(translatorConfiguration())))
    }

    /// Every vector's handler spins (`b .`), so a program that takes an
    /// interrupt stops there with its SRR0/SRR1 showing where it was.
    static func installSpinningHandlers(_ g: GuestHarness) {
        for n in 0..<16 { g.put(UInt32(n * 0x100), [asm(.b, [0])]) }
    }

    /// The guest state both modes must agree on.
    struct GuestState: Equatable, CustomStringConvertible {
        var gprs: [UInt32], pc: UInt32, cr: UInt32, lr: UInt32, ctr: UInt32, xer: UInt32, msr: UInt32
        var sprs: [UInt32], memory: [UInt32]
        var description: String {
            "pc=\(Self.hex(pc)) msr=\(Self.hex(msr)) cr=\(Self.hex(cr)) gprs=\(gprs.map(Self.hex)) sprs=\(sprs.map(Self.hex))"
        }
        static func hex(_ v: UInt32) -> String { String(v, radix: 16) }
    }

    static func state(_ g: GuestHarness, memory: ClosedRange<UInt32>) -> GuestState {
        let h = g.vm.hardware, v = g.vm.vcpu
        return GuestState(gprs: (0..<32).map { h.gpr[$0] }, pc: h.pc, cr: h.cr, lr: h.lr, ctr: h.ctr, xer: h.xer, msr: v.msr,
                          sprs: SharedSpace.mirrored.map { v.readSupervisorSPR($0, executed: 0) ?? 0 },
                          memory: stride(from: memory.lowerBound, to: memory.upperBound, by: 4).map {
                              g.vm.translator?.guestWord(UInt64($0), ram: g.vm.board.ram) ?? g.word($0)
                          })
    }

    /// A random site: one of the instructions the translator rewrites.
    static func randomSite(_ rng: inout SplitMix64) -> UInt32 {
        let writable = SharedSpace.writable.map(\.1)
        let r = Int64(rng.next() % 32)
        switch rng.next() % 7 {
        case 0: return asm(.mfmsr, [r])
        case 1: return asm(.mfspr, [r, Int64(SharedSpace.mirrored[Int(rng.next() % UInt64(SharedSpace.mirrored.count))])])
        case 2: return asm(.mtspr, [Int64(writable[Int(rng.next() % UInt64(writable.count))]), r])
        case 3: return asm(.wrteei, [0])
        case 4: return asm(.wrteei, [1])
        case 5: return asm(.wrtee, [r])
        default: return asm(.mtmsr, [r])
        }
    }

    /// A random MSR value for mtmsr/wrtee operands: mostly bits a
    /// translation may change itself, sometimes bits it must not.
    static func randomMSR(_ rng: inout SplitMix64) -> UInt32 {
        var v = MSR.me
        if rng.next() & 1 != 0 { v |= MSR.ee }
        if rng.next() & 1 != 0 { v ^= MSR.me }
        if rng.next() & 1 != 0 { v |= MSR.ri }
        switch rng.next() % 8 {
        case 0: v |= MSR.fp
        case 1: v |= MSR.ce
        case 2: v |= 0x0100_0000   // not implemented
        case 3: v |= MSR.de
        default: break
        }
        return v
    }

    /// Each translation template against emulating the original instruction:
    /// a loop runs a random site 8 times with random registers, random MSR
    /// operands and (sometimes) a decrementer interrupt pending (3,000 cases), storing its
    /// registers after each pass; bt patches the site after 2 exits. The
    /// registers, CR, XER, CTR, LR, MSR, every mirrored SPR and the stored
    /// results equal kvm's, and where an interrupt was delivered it was
    /// delivered at the same instruction (SRR0).
    @Test func translationsComputeWhatTheOriginalInstructionComputes() {
        var rng = SplitMix64(seed: 0xB7_2026)
        var patched = 0, delivered = 0
        for n in 0..<3000 {
            let site = Self.randomSite(&rng)
            let pending = rng.next() % 4 == 0
            let initialMSR = (rng.next() & 1 != 0 ? MSR.ee : 0) | MSR.me
            let gprs = (0..<32).map { _ in rng.next() & 1 != 0 ? Self.randomMSR(&rng) : UInt32(truncatingIfNeeded: rng.next()) }
            let sprValues = SharedSpace.mirrored.map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            let step = UInt32(truncatingIfNeeded: rng.next()) | 1
            var results: [GuestState] = []
            var btStats: BinaryTranslator.Statistics?
            for g in [GuestHarness(), GuestHarness(assist: .binaryTranslation(Self.translatorConfiguration()))] {
                Self.installSpinningHandlers(g)
                // r2 walks the results; r3 is the loop's scratch; the site and the
                // perturbation use any register (r28-r30 included: the translations' scratch).
                let rD = Int64((site >> 21) & 31)
                g.put(0x1000, [
                    lis(2, 0x20),                        // results at 0x200000
                    asm(.addi, [3, 0, 8]), asm(.mtspr, [9, 3]),
                    site,                                // 0x100c
                    asm(.stmw, [5, 0, 2]),               // r5-r31
                    asm(.mfcr, [3]), asm(.stw, [3, 108, 2]),
                    asm(.addi, [2, 2, 128]),
                    asm(.xoris, [rD, rD, Int64(step >> 16)]),
                    asm(.bc, [16, 0, -24]),              // bdnz site
                    asm(.b, [0]),
                ])
                let v = g.vm.vcpu
                v.msr = initialMSR
                for r in 0..<32 where r != 2 && r != 3 { v.gpr[r] = gprs[r] }
                for (i, spr) in SharedSpace.writable {
                    _ = v.writeSupervisorSPR(spr, sprValues[i], executed: 0)
                }
                if pending {
                    v.timerControl = TimerBits.tcrDIE
                    v.timerStatus = TimerBits.tsrDIS
                }
                g.run(limit: 2_000)
                results.append(Self.state(g, memory: 0x20_0000...0x20_0400))
                btStats = g.vm.translator?.statistics ?? btStats
            }
            #expect(results[0] == results[1], "case \(n): \(Disassembler.disassemble(site, at: 0x100c)): kvm \(results[0]) bt \(results[1])")
            if let s = btStats, s.sitesPatched > 0 { patched += 1 }
            if pending && results[0].pc == 0xA00 { delivered += 1 }
            if results[0] != results[1] { break }
        }
        // The check checked something: most sites were patched, and some pending interrupts delivered.
        #expect(patched > 2000)
        #expect(delivered > 40)
    }
}

extension BinaryTranslationTests {
    /// Read/write tracing: after two sites are patched (an mfspr in place,
    /// a wrteei 1 through the translation cache), loads and stores of every
    /// kind against the traced page and the stolen page see what the guest
    /// put there: a load of a site returns the original instruction, a load
    /// of the stolen page its saved data (zero), stores land; then the
    /// program overwrites a site with `li r5, 42` and runs it, and executes
    /// what it wrote. Everything equals kvm's run, and bt took tracing faults
    /// and unpatched the overwritten site.
    @Test func tracedPagesReadAndWriteAsIfNothingWasPatched() {
        let spr0 = Int64(SPR.sprg0)
        var program: [UInt32] = [
            asm(.addi, [3, 0, 4]), asm(.mtspr, [9, 3]),
            asm(.addi, [10, 0, 0x1008]), asm(.addi, [11, 0, 0x1800]), asm(.addi, [13, 0, 0x1820]), asm(.addi, [14, 0, 0x1840]),
            lis(17, 0x80),                    // the stolen page at 8 MB
        ]
        let siteIndex = program.count                // 0x101c: the loop with both sites
        program += [
            asm(.mfspr, [5, spr0]),
            asm(.wrteei, [1]),
            asm(.wrteei, [0]),
            asm(.bc, [16, 0, -12]),
        ]
        let site = UInt32(0x1000 + 4 * siteIndex)
        program += [
            asm(.lwz, [6, Int64(site), 0]),            // the site: the original mfspr
            asm(.lbz, [7, Int64(site + 1), 0]),
            asm(.lhz, [8, Int64(site + 2), 0]),
            asm(.lwbrx, [9, 0, 10]),
            asm(.lhbrx, [12, 0, 10]),
            asm(.lmw, [20, 0x1000, 0]),               // r20-r31 over the sites
            asm(.stw, [7, 0x1800, 0]),
            asm(.stb, [8, 0x1805, 0]),
            asm(.sth, [9, 0x1806, 0]),
            asm(.stwu, [6, 0x10, 11]),
            asm(.lfd, [1, 0x1000, 0]),
            asm(.stfd, [1, 0x1810, 0]),
            asm(.lwarx, [15, 0, 13]),
            asm(.stwcxRecord, [15, 0, 13]),
            asm(.mfcr, [16]),
            asm(.dcbz, [0, 14]),
            asm(.stmw, [28, 0x1900, 0]),
            asm(.lwz, [18, 0, 17]),                  // stolen page: its saved data
            asm(.stw, [6, 4, 17]),
            asm(.lwz, [19, 4, 17]),
            asm(.lhz, [4, 6, 17]),
        ]
        // Then once: overwrite the mfspr site with `li r5, 42` and run the loop again.
        let liWord = asm(.addi, [5, 0, 42])
        program += [
            asm(.cmpi, [0, 0, 2, 0x77]), asm(.bc, [12, 2, 32]),   // r2 = 0x77: done (beq)
            asm(.addi, [2, 0, 0x77]),
            lis(26, UInt16(liWord >> 16)), asm(.ori, [26, 26, Int64(liWord & 0xFFFF)]),
            asm(.stw, [26, Int64(site), 0]),
            asm(.addi, [3, 0, 1]), asm(.mtspr, [9, 3]),
        ]
        let back = Int64(site) - Int64(0x1000 + 4 * program.count)
        program += [asm(.b, [back]), asm(.b, [0])]
        var states: [GuestState] = []
        var stats: BinaryTranslator.Statistics?
        var tracingFaults: UInt64 = 0
        for g in [GuestHarness(), GuestHarness(assist: .binaryTranslation(Self.translatorConfiguration()))] {
            Self.installSpinningHandlers(g)
            g.put(0x1000, program)
            g.vm.vcpu.msr = MSR.me | MSR.fp
            g.vm.vcpu.spr[SPR.sprg0] = 0x5151_5151
            g.run(limit: 5_000)
            states.append(Self.state(g, memory: 0x1000...0x2000))
            if let t = g.vm.translator { stats = t.statistics; tracingFaults = g.count(.accessViolation) }
        }
        let firstDifference = zip(states[0].memory, states[1].memory).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(states[0] == states[1], "kvm \(states[0]) bt \(states[1]); memory differs first at \(firstDifference.map { String(0x1000 + 4 * $0.offset, radix: 16) + ": \($0.element)" } ?? "none")")
        // The second pass read the site as the program rewrote it.
        #expect(states[0].gprs[5] == 42 && states[0].gprs[6] == liWord && states[0].gprs[18] == 0)
        #expect(states[0].pc == UInt32(0x1000 + 4 * (program.count - 1)))
        #expect(stats?.sitesPatched ?? 0 >= 2 && stats?.multiInstruction ?? 0 >= 1 && stats?.stolenPages == 1)
        #expect(stats?.sitesUnpatched ?? 0 >= 1)
        #expect(tracingFaults >= 20)
    }

    /// The paper's example (Section 4.1): the kernel's 256 MB page at
    /// 0xc0000000 with a 4 MB traced fragment around 0xc0801234 is shadowed by
    /// ten entries, each of a size the e500 has and aligned to it; only the
    /// fragment's is execute-only.
    /// adapt-dm's shadow policy (`ShadowRestrictions.tlb0Below`): around a
    /// traced 64 KB fragment, the 16 KB and 64 KB pieces of the kernel's
    /// page become 4 KB TLB0 entries; 256 KB and larger stay in TLB1.
    @Test func smallShadowPiecesGoToTLB0UnderAdaptDM() {
        let mmu = BookEMMU(tlb1Entries: 16)
        let shadow = ShadowTLB(hardware: mmu, ramSize: 256 << 20)
        let tracing = ShadowRestrictions()
        tracing.add(.init(start: 0x0025_0000, size: 64 << 10))
        tracing.tlb0Below = 256 << 10
        shadow.restrictions = tracing
        var guest = BookEMMU.Entry()
        guest.valid = true; guest.tsize = 14; guest.epn = 0xC000_0000; guest.rpn = 0; guest.permissions = 0x3F
        for ea: UInt32 in [0xC024_1234, 0xC025_1234, 0xC020_1234, 0xC040_1234] {
            #expect(shadow.install(ea, guest: guest, tlb: 1, index: 0, user: false))
        }
        // 0xc0240000: a 64 KB piece -> 4 KB in TLB0; the fragment (64 KB) -> 4 KB in TLB0;
        // 0xc0200000: a 256 KB piece stays in TLB1; 0xc0400000: a 4 MB piece too.
        let layout = shadow.tlb1Layout().sorted { $0.ea < $1.ea }
        #expect(layout.map(\.ea) == [0xC020_0000, 0xC040_0000] && layout.map(\.size) == [256 << 10, 4 << 20], "\(layout)")
        let tlb0 = (0..<BookEMMU.tlb0Ways * 128).map { mmu.entry(tlb: 0, index: $0) }.filter(\.valid)
        #expect(Set(tlb0.map(\.epn)) == [0xC024_1000, 0xC025_1000] && tlb0.allSatisfy { $0.tsize == 2 })
        tracing.tlb0Below = 0
        #expect(shadow.install(0xC024_5678, guest: guest, tlb: 1, index: 0, user: false))
        #expect(shadow.tlb1Layout().contains { $0.ea == 0xC024_0000 && $0.size == 64 << 10 })
    }

    @Test func aLargeGuestPageIsShadowedByAlignedFragments() {
        let mmu = BookEMMU(tlb1Entries: 16)
        let shadow = ShadowTLB(hardware: mmu, ramSize: 256 << 20)
        let tracing = ShadowRestrictions()
        tracing.add(.init(start: 0x0080_0000, size: 4 << 20))
        shadow.restrictions = tracing
        var guest = BookEMMU.Entry()
        guest.valid = true; guest.tsize = 18; guest.epn = 0xC000_0000; guest.rpn = 0; guest.permissions = 0x3F
        let expected: [(UInt32, UInt64)] = [
            (0xC000_0000, 4 << 20), (0xC040_0000, 4 << 20), (0xC080_0000, 4 << 20), (0xC0C0_0000, 4 << 20),
            (0xC100_0000, 16 << 20), (0xC200_0000, 16 << 20), (0xC300_0000, 16 << 20),
            (0xC400_0000, 64 << 20), (0xC800_0000, 64 << 20), (0xCC00_0000, 64 << 20),
        ]
        for (ea, size) in expected {
            #expect(shadow.install(ea + 0x1234, guest: guest, tlb: 1, index: 0, user: false))
        }
        let layout = shadow.tlb1Layout().sorted { $0.ea < $1.ea }
        #expect(layout.map(\.ea) == expected.map(\.0))
        #expect(layout.map(\.size) == expected.map(\.1))
        #expect(layout.map(\.traced) == expected.map { $0.0 == 0xC080_0000 })
        #expect(layout.allSatisfy { UInt64($0.ea) % $0.size == 0 && $0.physical % $0.size == 0 })
    }
}

/// Adaptive page resizing on synthetic fault streams: sites patched
/// directly, tracing faults fed to the policy at chosen addresses.
@Suite struct AdaptivePageResizingTests {
    typealias Fragment = ShadowRestrictions.Fragment

    /// A bt VM (64 MB of RAM) with mfspr sites at `sites`, patched.
    static func translator(sites: [UInt32], burstFaults: Int = 5000) -> (GuestHarness, BinaryTranslator) {
        var c = BinaryTranslationTests.translatorConfiguration(policy: .adaptPR)
        c.fragmentSize = 64 << 10
        c.burstFaults = burstFaults
        let g = GuestHarness(assist: .binaryTranslation(c))
        let t = g.vm.translator!
        for pc in sites {
            g.put(pc, [asm(.mfspr, [5, Int64(SPR.sprg0)])])
            #expect(t.patch(pc, g.vm))
        }
        return (g, t)
    }

    static func fault(_ t: BinaryTranslator, _ g: GuestHarness, at physical: UInt64) {
        guard let f = t.tracing.fragment(containing: physical) else { return }
        t.noteTracingFault(f, physical, g.vm)
    }

    /// A site's first fragment is the largest page in RAM around it (here
    /// all 64 MB); a fault where the fragment's T (no privileged exits
    /// yet: 0) is exceeded splits it quarter by quarter: quarters without
    /// sites are dropped, a quarter with sites and no faulting page stays
    /// whole, one with a faulting page is broken again.
    @Test func faultsSplitAFragmentDownToWhereTheSitesAre() {
        let (g, t) = Self.translator(sites: [0x1000, 0x2000])
        #expect(t.tracing.fragments == [Fragment(start: 0, size: 64 << 20)])
        Self.fault(t, g, at: 0x30_0010)       // 3 MB: same 4 MB quarter as the sites, another 1 MB
        #expect(t.tracing.fragments == [Fragment(start: 0, size: 1 << 20)])
        Self.fault(t, g, at: 0x8_0000)        // 512 KB: another 256 KB
        #expect(t.tracing.fragments == [Fragment(start: 0, size: 256 << 10)])
        #expect(t.statistics.splits == 2)
        #expect(t.sites.count == 2)
        // The hardware maps what is left untraced with the largest pages that hold no traced byte.
        #expect(t.tracing.fragments.allSatisfy(ShadowRestrictions.isValid))
    }

    /// At the shortest page, faults beyond T untrace it: its sites go and
    /// the region remembers the faults as its T; it is traced again once
    /// its privileged exits exceed that.
    @Test func aShortestPageThatKeepsFaultingIsUntracedAndLaterRetraced() {
        let (g, t) = Self.translator(sites: [0x1000])
        Self.fault(t, g, at: 0x1_0000)        // splits down to the 64 KB around the site
        Self.fault(t, g, at: 0x0_8000)        // the site's own 64 KB: faults > T = 0, untraced
        #expect(t.tracing.fragments.isEmpty)
        #expect(t.sites.isEmpty && t.statistics.fragmentsUntraced >= 1)
        let region = t.untraced[0]
        #expect(region?.size == 64 << 10 && region?.threshold == 1)
        #expect(!t.mayTrace(0x1000))
        for _ in 0..<2 { t.notePrivilegedExit(0x1000, g.vm) }
        #expect(t.mayTrace(0x1000))
        #expect(t.patch(0x1000, g.vm))
        #expect(t.statistics.fragmentsRetraced == 1 && t.tracing.fragments == [Fragment(start: 0, size: 64 << 10)])
    }

    /// Within a window: more than `burstFaults` faults spread over many pages
    /// (a scan) split the fragment into its quarters that hold sites; T
    /// decays by 500 per window; four traced siblings merge.
    @Test func scansSplitIntoQuartersAndSiblingsMerge() {
        let (g, t) = Self.translator(sites: [0x1000, 0x41000, 0x81000, 0xC1000], burstFaults: 50)
        // Above the faults this test makes, so only the window decides.
        t.fragmentStates[0]?.threshold = 10_000
        for n in 0..<60 { Self.fault(t, g, at: 0x100_0000 + UInt64(n % 16) * 0x10_0000) }  // 16 pages, 16-32 MB
        g.vm.hardware.cycles = t.windowEnd
        t.endWindow(g.vm)
        #expect(t.statistics.splits == 1)
        #expect(t.tracing.fragments == [Fragment(start: 0, size: 16 << 20)])
        #expect(t.fragmentStates[0]?.threshold == 10_000 - 500)
        // Four 256 KB siblings, each holding a site, become their 1 MB parent.
        t.tracing.removeAll()
        t.fragmentStates.removeAll()
        for q in 0..<4 { t.addFragment(.init(start: UInt64(q) << 18, size: 256 << 10), g.vm, threshold: 0) }
        t.merge(g.vm)
        #expect(t.tracing.fragments == [Fragment(start: 0, size: 1 << 20)] && t.statistics.merges == 1)
    }
}

extension BinaryTranslationTests {
    /// Every load, store and cache operation of the table against a traced
    /// page and the stolen page, at a patch site, next to one, inside one,
    /// across the traced page's end and inside the translations: the same
    /// registers (FPRs included), CR, MSR, SPRs and guest-visible memory as
    /// kvm, whether the access completes or faults.
    @Test func everyLoadAndStoreOnTracedMemoryActsAsOnPlainMemory() {
        let ops = InstructionTable.specs.filter {
            !$0.flags.contains(.privileged)
                && ($0.flags.contains(.load) || $0.flags.contains(.store) || [.dcbst, .dcbf, .icbi, .dcbt, .dcbtst].contains($0.opcode))
        }
        #expect(ops.count >= 50)
        let loop = Self.sitesLoop
        // (base in r10, offset in r11 or displacement): the site, inside it, next to it,
        // across the traced page's end, the stolen page's data, its translation code.
        let targets: [(UInt32, Int64)] = [(0x1008, 0), (0x1009, 0), (0x1004, 0), (0x1FFC, 0), (0x80_0100, 0), (0x80_0000, 4)]
        var cases = 0, traced: UInt64 = 0
        for spec in ops {
            for (base, offset) in targets {
                guard let word = spec.memoryAccess(displacement: offset) else { continue }
                var states: [GuestState] = []
                var fprs: [[UInt64]] = []
                for g in [GuestHarness(), GuestHarness(assist: .binaryTranslation(Self.translatorConfiguration()))] {
                    Self.installSpinningHandlers(g)
                    g.put(0x1000, loop)
                    g.put(0x1100, [lis(10, UInt16(base >> 16)), asm(.ori, [10, 10, Int64(base & 0xFFFF)]),
                                   asm(.addi, [11, 0, offset]), word, asm(.b, [0])])
                    g.put(0x80_0100, [0x1122_3344, 0x5566_7788])
                    let v = g.vm.vcpu
                    v.msr = MSR.me | MSR.fp
                    for r in 20...31 { v.gpr[r] = 0xA000_0000 | UInt32(r) }
                    v.fpr[3] = 0x4009_21FB_5444_2D18
                    g.run(limit: 400)
                    states.append(Self.state(g, memory: 0x1000...0x2010))
                    states[states.count - 1].memory += (0..<16).map {
                        g.vm.translator?.guestWord(0x80_0000 + UInt64(4 * $0), ram: g.vm.board.ram) ?? g.word(0x80_0000 + UInt32(4 * $0))
                    }
                    fprs.append((0..<32).map { g.vm.hardware.fpr[$0] })
                    if g.vm.translator != nil { traced += g.count(.accessViolation) }
                }
                #expect(states[0] == states[1] && fprs[0] == fprs[1],
                        "\(Disassembler.disassemble(word)) at \(String(base, radix: 16)): kvm \(states[0]) bt \(states[1])")
                cases += 1
            }
        }
        #expect(cases >= 300)
        // Most accesses hit traced memory in bt (a tracing fault each).
        #expect(traced >= UInt64(cases / 2))
    }
}

extension BinaryTranslationTests {
    /// The VMM's guest-memory primitives see what the guest sees: a patched
    /// site reads as its original instruction, the stolen page as its saved
    /// data; writing the original back keeps the patch, writing something
    /// else unpatches the site, and the guest then executes that.
    @Test func theVMMReadsAndWritesGuestMemoryAsTheGuestSeesIt() {
        let g = GuestHarness(assist: .binaryTranslation(Self.translatorConfiguration()))
        let site = asm(.mfspr, [5, Int64(SPR.sprg0)])
        g.put(0x1000, [asm(.addi, [3, 0, 4]), asm(.mtspr, [9, 3]), site, asm(.wrteei, [1]), asm(.wrteei, [0]),
                       asm(.bc, [16, 0, -12]), asm(.b, [0])])
        g.put(0x80_0040, [0xCAFE_F00D])
        g.run(limit: 200)
        let t = g.vm.translator!
        #expect(t.sites.count == 3 && t.statistics.stolenPages == 1)   // mfspr, wrteei 1, wrteei 0
        #expect(g.word(0x1008) != site && g.vm.readGuestWord(0x1008) == site)
        // RAM holds the translation cache's image there (zero past the translations); the guest sees its data.
        #expect(g.vm.readGuestWord(0x80_0040) == 0xCAFE_F00D && g.word(0x80_0040) == 0)
        #expect(g.vm.writeGuestWord(0x80_0044, 0x1234_5678) && g.vm.readGuestWord(0x80_0044) == 0x1234_5678)
        #expect(g.vm.writeGuestWord(0x1008, site) && t.sites.count == 3 && g.word(0x1008) != site)
        let li = asm(.addi, [5, 0, 77])
        #expect(g.vm.writeGuestWord(0x1008, li) && t.sites.count == 2 && g.word(0x1008) == li)
        g.vm.hardware.pc = 0x1000
        g.vm.run(limit: 200)
        #expect(g.vm.hardware.gpr[5] == 77)
        #expect(g.vm.readGuestWord(0x4000_0000) == nil)   // no guest mapping
    }
}
