import Testing
import E500
import PowerISA
import TestSupport

/// The interrupt handlers both supervisor fuzzes install at IVORn = n * 0x100:
/// count the interrupt in a word at 0x3000 + 4n (absolute, d(0), so no
/// register is needed), step the saved PC past the instruction and return
/// with the rfi of the interrupt's class.
/// The counts are a rough profile only: random stores can overwrite them
/// (interruptsTaken, bare, is exact); the program-interrupt count is asserted.
enum FuzzVectors {
    static let counters: UInt32 = 0x3000
    static func handler(_ n: Int) -> [UInt32] {
        let (save, ret): (Int64, Opcode) = switch n {
        case 0, 12: (58, .rfci)  // critical input, watchdog: CSRR0
        case 1: (570, .rfmci)  // machine check: MCSRR0
        case 15: (574, .rfdi)  // debug: DSRR0
        default: (26, .rfi)  // SRR0
        }
        let counter = Int64(counters) + 4 * Int64(n)
        return [
            try! Encoder.encode(.lwz, [31, counter, 0]),
            try! Encoder.encode(.addi, [31, 31, 1]),
            try! Encoder.encode(.stw, [31, counter, 0]),
            try! Encoder.encode(.mfspr, [31, save]),
            try! Encoder.encode(.addi, [31, 31, 4]),
            try! Encoder.encode(.mtspr, [save, 31]),
            try! Encoder.encode(ret, []),
        ]
    }
    /// The random words of one case, followed by `b .`.
    static func words(_ rng: inout SplitMix64, count: Int) -> [UInt32] {
        (0..<count).map { _ in UInt32(truncatingIfNeeded: rng.next()) } + [0x4800_0000]
    }
}

/// Random instruction words in guest supervisor mode on the bare core
/// (system mode, no Linux): half of the million words of issue 9 (the kvm
/// half is in HypervisorTests). Every case must return from `run` within its
/// instruction budget with a defined stop reason, whatever the words do to
/// the MMU, MSR, timers or the handlers themselves.
@Suite struct SupervisorFuzzTests {
    static let cases = 7_813
    static let wordsPerCase = 64
    static let limit: UInt64 = 4 * 64

    @Test func randomWordsInSupervisorModeEndInDefinedStops() {
        var rng = SplitMix64(seed: 0x1550_E9)
        let machine = TestMachine()
        var stops: [String: Int] = [:]
        var interrupts = [Int](repeating: 0, count: 16)
        var taken: UInt64 = 0
        for _ in 0..<Self.cases {
            machine.ram.initializeMemory(as: UInt8.self, repeating: 0, count: 0x2_0000)
            for n in 0..<16 { machine.put(UInt32(n * 0x100), FuzzVectors.handler(n)) }
            machine.put(0x1_0000, FuzzVectors.words(&rng, count: Self.wordsPerCase))
            let mmu = BookEMMU()
            var e = BookEMMU.Entry()
            e.valid = true; e.protected = true; e.tsize = 10; e.epn = 0; e.rpn = 0; e.permissions = 0x3F
            mmu.setTLB1(0, e)
            let core = Core(systemWith: mmu, memory: machine)
            for n in 0..<16 { core.spr[400 + n] = UInt32(n * 0x100) }
            for r in 0..<32 { core.gpr[r] = UInt32(truncatingIfNeeded: rng.next()) }
            core.cr = UInt32(truncatingIfNeeded: rng.next())
            core.msr = MSR.me | MSR.fp
            core.pc = 0x1_0000
            let reason = core.run(limit: Self.limit)
            #expect(core.instructionsExecuted <= Self.limit, "ran past its budget: \(core.instructionsExecuted)")
            switch reason {
            case .instructionLimit: stops["instruction limit", default: 0] += 1
            case .waiting: stops["waiting", default: 0] += 1
            case .checkstop(let why): stops["checkstop: " + why.prefix(while: { $0 != ":" && $0 != "(" }), default: 0] += 1
            default: Issue.record("system mode returned \(reason), which it delivers to the guest as an interrupt")
            }
            taken += core.interruptsTaken
            for n in 0..<16 { interrupts[n] += Int(machine.word(FuzzVectors.counters + 4 * UInt32(n))) }
        }
        print("supervisor fuzz (bare): \(Self.cases * Self.wordsPerCase) random words in \(Self.cases) cases; stops: \(stops.sorted(by: { $0.key < $1.key })); interrupts taken: \(taken); handler counts by IVOR: \(interrupts)")
        #expect(stops.values.reduce(0, +) == Self.cases)
        // The words are random: most cases must have taken program interrupts.
        #expect(interrupts[6] > Self.cases)
    }
}
