import Testing
import TestSupport
import E500
import Hypervisor
import PowerISA

/// The kvm half of issue 9's million random words in guest supervisor mode:
/// the guest "kernel" runs deprivileged behind the shadow TLB, so every
/// privileged or TLB word exits to the VMM, which must emulate or reflect it.
/// Each case must return within its budget with a defined stop reason.
/// Under bt the same, with every translatable privileged instruction patched
/// at its first exit (the handlers' mfspr/mtspr run translated from then on)
/// and the random stores landing on traced pages, patch sites and the
/// translation cache.
@Suite struct KVMSupervisorFuzzTests {
    static let cases = 7_813
    static let wordsPerCase = 64
    static let limit: UInt64 = 4 * 64
    /// A fresh virtual machine after this many cases (state the words left
    /// behind, such as armed timers, carries over between the others).
    static let casesPerMachine = 64

    /// IVORn handlers as in E500Tests' SupervisorFuzzTests: count at 0x3000 + 4n, resume past.
    /// The counts are a rough profile only: random stores can overwrite them
    /// (interruptsTaken, bare, is exact); the program-interrupt count is asserted.
    static func handler(_ n: Int) -> [UInt32] {
        let (save, ret): (Int64, Opcode) = switch n {
        case 0, 12: (58, .rfci)
        case 1: (570, .rfmci)
        case 15: (574, .rfdi)
        default: (26, .rfi)
        }
        let counter = 0x3000 + 4 * Int64(n)
        return [asm(.lwz, [31, counter, 0]), asm(.addi, [31, 31, 1]), asm(.stw, [31, counter, 0]),
                asm(.mfspr, [31, save]), asm(.addi, [31, 31, 4]), asm(.mtspr, [save, 31]), asm(ret)]
    }

    static func harness(_ mode: String) -> GuestHarness {
        guard mode == "bt" else { return GuestHarness() }
        var c = BinaryTranslator.Configuration()
        c.threshold = 0
        c.cacheRegion = .init(ea: 0x80_0000, physical: 0x80_0000, pages: 4)
        return GuestHarness(assist: .binaryTranslation(c))
    }

    @Test(arguments: ["kvm", "bt"]) func randomWordsInGuestSupervisorModeEndInDefinedStops(mode: String) {
        var rng = SplitMix64(seed: 0x1550_E9_4B)
        var stops: [String: Int] = [:]
        var interrupts = [Int](repeating: 0, count: 16)
        var exits: UInt64 = 0
        var harness = Self.harness(mode)
        var patched = 0
        for k in 0..<Self.cases {
            if k % Self.casesPerMachine == 0 && k > 0 {
                patched += harness.vm.translator?.statistics.sitesPatched ?? 0
                harness = Self.harness(mode)
            }
            let g = harness
            g.vm.board.ram.base.initializeMemory(as: UInt8.self, repeating: 0, count: 0x2_0000)
            for n in 0..<16 { g.put(UInt32(n * 0x100), Self.handler(n)) }
            let words = (0..<Self.wordsPerCase).map { _ in UInt32(truncatingIfNeeded: rng.next()) } + [0x4800_0000]
            g.put(0x1_0000, words)
            let vcpu = g.vm.vcpu
            var e = BookEMMU.Entry()
            e.valid = true; e.protected = true; e.tsize = 14; e.epn = 0; e.rpn = 0; e.permissions = 0x3F
            vcpu.mmu!.setTLB1(0, e)
            for n in 0..<16 { vcpu.spr[400 + n] = UInt32(n * 0x100) }
            vcpu.spr[SPR.ivpr] = 0
            for r in 0..<32 { vcpu.gpr[r] = UInt32(truncatingIfNeeded: rng.next()) }
            vcpu.cr = UInt32(truncatingIfNeeded: rng.next())
            vcpu.msr = MSR.me | MSR.fp
            vcpu.pc = 0x1_0000
            let before = g.vm.instructionsExecuted
            let reason = g.run(limit: Self.limit)
            #expect(g.vm.instructionsExecuted &- before <= Self.limit, "ran past its budget")
            switch reason {
            case .instructionLimit: stops["instruction limit", default: 0] += 1
            case .waiting: stops["waiting", default: 0] += 1
            case .checkstop(let why): stops["checkstop: " + why.prefix(while: { $0 != ":" && $0 != "(" }), default: 0] += 1
            default: Issue.record("the VMM returned \(reason), which it should deliver to the guest")
            }
            for n in 0..<16 { interrupts[n] += Int(g.word(0x3000 + 4 * UInt32(n))) }
            if k % Self.casesPerMachine == Self.casesPerMachine - 1 || k == Self.cases - 1 {
                exits += g.vm.timing.totalExits
            }
        }
        print("supervisor fuzz (\(mode)): \(Self.cases * Self.wordsPerCase) random words in \(Self.cases) cases; stops: \(stops.sorted(by: { $0.key < $1.key })); VMM exits: \(exits); guest handler counts by IVOR: \(interrupts)")
        #expect(stops.values.reduce(0, +) == Self.cases)
        #expect(interrupts[6] > Self.cases)
        if mode == "bt" { #expect(patched > Self.cases / Self.casesPerMachine) }
    }
}
