import Foundation
import PowerISA
import Testing

/// Issue 9: programs that each execute 64 fully random instruction words
/// (RandomWordProgram) under qemu-ppc -cpu e500mc and `trapeze user`; the
/// output (how it ended, every register, a hash of scratch memory) and the
/// exit status must agree, or the difference must be one of the explained
/// departures below, each a place where qemu-ppc is not an e500mc running
/// Linux. TRAPEZE_RANDOM_WORD_PROGRAMS raises the count (default 300),
/// TRAPEZE_RANDOM_WORD_SEED moves the seeds.
@Suite struct RandomWordTests {
    static let environment = ProcessInfo.processInfo.environment
    static let programs = Int(environment["TRAPEZE_RANDOM_WORD_PROGRAMS"] ?? "") ?? 300
    static let baseSeed = UInt64(environment["TRAPEZE_RANDOM_WORD_SEED"] ?? "") ?? 9_000_000
    /// Replaces every primary-17 word by a trap. Only for measuring an older
    /// trapeze binary (which ran invalid sc forms as system calls with random
    /// numbers) safely; the test proper keeps them.
    static let noOpcode17 = environment["TRAPEZE_RANDOM_WORD_NO_OPCODE17"] == "1"
    static let wordsPerProgram = 64

    /// How one run ended, from the first line of its output.
    struct Ending: Equatable {
        var kind: String  // "end", "signal", "timeout", or "none"
        var signal: Int = 0
        var code: Int = 0
        var nip: UInt32 = 0
        var address: UInt32 = 0

        init(_ output: Data) {
            let first = Compare.lines(output).lines.first.map(String.init) ?? ""
            let f = first.split(separator: " ").map(String.init)
            func field(_ name: String) -> UInt32 {
                guard let k = f.firstIndex(of: name), k + 1 < f.count else { return 0 }
                return UInt32(f[k + 1], radix: 16) ?? 0
            }
            kind = f.first ?? "none"
            if kind == "signal", f.count > 1 { signal = Int(f[1], radix: 16) ?? 0 }
            code = Int(field("code"))
            nip = field("nip")
            address = field("addr")
        }
    }

    /// A documented reason qemu-ppc and Trapeze may end a program differently.
    enum Departure: String, CaseIterable {
        case stringInstruction =
            "lswi/lswx/stswi/stswx: the e500mc lacks them and Linux emulates them for user programs (arch/powerpc/kernel/traps.c emulate_string_inst), as trapeze user does; qemu-ppc -cpu e500mc (no PPC_STRING) raises SIGILL"
        case popcntb =
            "popcntb: Linux emulates it for user programs (traps.c emulate_popcntb_inst), as trapeze user does; qemu-ppc -cpu e500mc raises SIGILL"
        case privilegedNotInQEMU =
            "mtpmr, mfdcr/mtdcr, dcbtstls, icbtls, icblc, dcblc: privileged on the e500mc (ILL_PRVOPC in user mode); qemu-ppc's e500mc model lacks them and reports ILL_ILLOPC"
        case dcbtlsUser =
            "dcbtls: privileged on the e500mc (Linux leaves MSR[UCLE] = 0), so Trapeze raises SIGILL/ILL_PRVOPC; qemu-ppc executes it as a no-op in user mode"
        case mffsField =
            "mffs with the rA field set (ISA 3.0's mffsl, mffsce, ...): the e500mc ignores the field and runs mffs, which glibc relies on (CoreTests.mffslRunsAsMffsLikeE500mcHardware); qemu-ppc raises SIGILL"
        case mcrfAlias =
            "primary 19 with extended opcode 32, 64, ..., 992: no instruction in the ISA (mcrf is 0); qemu-ppc registers mcrf for every value of bits 21-25 (opc3 0xFF) and runs them as mcrf, Trapeze raises SIGILL"
        case timeBase = "the words read the time base (mftb, mfspr 268/269): the values depend on when they run"
        case readOnlyStore =
            "a store to a page mapped read-only (the program's text or the .fuzz section, reached through a register the words loaded with a code address, e.g. by mflr): Linux reports SEGV_ACCERR, as Trapeze does; qemu-ppc 7.2 reports SEGV_MAPERR (Guest/isa/README.md)"
    }

    /// Whether `address` lies in memory the program maps read-only: its text
    /// (linked at 0x10000000, under 1 MB) or the .fuzz section.
    static func isReadOnly(_ address: UInt32) -> Bool {
        (0x1000_0000..<0x1010_0000).contains(address)
            || (RandomWordProgram.base..<RandomWordProgram.base + 0x10_0000).contains(address)
    }

    /// The decoded opcode of the word at `nip` if it is one of the random words.
    static func word(at nip: UInt32, _ program: RandomWordProgram) -> UInt32? {
        let start = RandomWordProgram.wordsAddress
        guard nip >= start, nip < start + 4 * UInt32(program.words.count), nip & 3 == 0 else { return nil }
        return program.words[Int((nip - start) / 4)]
    }

    /// Why the two runs may differ, or nil when nothing explains it.
    static func explain(_ program: RandomWordProgram, qemu: RunResult, trapeze: RunResult) -> Departure? {
        let q = Ending(qemu.stdout), t = Ending(trapeze.stdout)
        let sameState = Compare.lines(qemu.stdout).lines.dropFirst() == Compare.lines(trapeze.stdout).lines.dropFirst()
        // qemu-ppc stopped with SIGILL on a word Trapeze executes as Linux would.
        if q.kind == "signal", q.signal == 4, let w = word(at: q.nip, program), t.nip != q.nip || t.kind != "signal" {
            switch DecodeTable.shared.decode(w) {
            case .lswi, .lswx, .stswi, .stswx: return .stringInstruction
            case .popcntb: return .popcntb
            case .mffs: return .mffsField
            default: break
            }
        }
        if q.kind == "signal", t.kind == "signal", q.signal == 4, t.signal == 4, q.nip == t.nip, sameState,
           q.code == 1, t.code == 5, let w = word(at: q.nip, program) {
            switch DecodeTable.shared.decode(w) {
            case .mtpmr, .mfdcr, .mtdcr, .dcbtstls, .icbtls, .icblc, .dcblc: return .privilegedNotInQEMU
            default: break
            }
        }
        if t.kind == "signal", t.signal == 4, t.code == 1, let w = word(at: t.nip, program),
           w >> 26 == 19, Instruction(w).xo10 & 0x1F == 0, Instruction(w).xo10 != 0, q.nip != t.nip || q.kind != "signal" {
            return .mcrfAlias
        }
        if t.kind == "signal", t.signal == 4, t.code == 5, let w = word(at: t.nip, program),
           DecodeTable.shared.decode(w) == .dcbtls {
            return .dcbtlsUser
        }
        // The same store faulting on a read-only page, each side with its code.
        if q.kind == "signal", t.kind == "signal", q.signal == 11, t.signal == 11, q.nip == t.nip, sameState,
           q.code == 1, t.code == 2, q.address == t.address, isReadOnly(t.address),
           let w = word(at: t.nip, program), InstructionTable.spec(DecodeTable.shared.decode(w))?.flags.contains(.store) == true {
            return .readOnlyStore
        }
        if q.kind == t.kind, q.signal == t.signal, q.nip == t.nip, qemu.status == trapeze.status,
           program.words.contains(where: { w in
               let op = DecodeTable.shared.decode(w)
               return (op == .mftb || op == .mfspr) && [268, 269].contains(Instruction(w).spr)
           })
        {
            return .timeBase
        }
        return nil
    }

    @Test func randomWordsEndAsUnderQEMU() throws {
        let compiler = URL(fileURLWithPath: "/usr/bin/powerpc-linux-gnu-gcc")
        try #require(Locations.isExecutable(compiler), "powerpc-linux-gnu-gcc not found")
        let qemuURL = try #require(Locations.qemu(), "qemu-ppc not found (apt-get install qemu-user, or set QEMU_PPC)")
        let trapezeURL = try #require(Locations.trapeze().url, "trapeze executable not found (set TRAPEZE_BIN)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trapeze-random-words-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The handler must not use r2 (TLS: the stack protector's canary) or r13.
        let cflags = ["-O1", "-fno-stack-protector", "-msdata=none", "-Wall"]
        let driverC = dir.appendingPathComponent("driver.c"), driverO = dir.appendingPathComponent("driver.o")
        try RandomWordProgram.driver.write(to: driverC, atomically: true, encoding: .utf8)
        let cc = try Runner.run(compiler, cflags + ["-c", "-o", driverO.path, driverC.path], scratch: dir.appendingPathComponent("cc"))
        try #require(cc.status == 0, "cross compiler failed on the driver: \(Compare.tail(cc.stderr))")

        struct Outcome {
            var seed: UInt64
            var program: RandomWordProgram
            var qemu: RunResult
            var trapeze: RunResult
            var buildError: String?
        }
        /// Filled by the workers, each slot by one of them.
        final class Results: @unchecked Sendable {
            var outcomes: [Outcome?]
            let lock = NSLock()
            init(_ n: Int) { outcomes = [Outcome?](repeating: nil, count: n) }
        }
        let results = Results(Self.programs)
        let workers = 2
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for n in stride(from: worker, to: Self.programs, by: workers) {
                let seed = Self.baseSeed &+ UInt64(n)
                let program = RandomWordProgram(seed: seed, count: Self.wordsPerProgram, replaceOpcode17: Self.noOpcode17)
                let work = dir.appendingPathComponent("p\(n)")
                var outcome = Outcome(seed: seed, program: program, qemu: RunResult(stdout: Data(), stderr: Data(), status: -1, timedOut: false),
                                      trapeze: RunResult(stdout: Data(), stderr: Data(), status: -1, timedOut: false))
                do {
                    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                    let asm = work.appendingPathComponent("fuzz.S"), binary = work.appendingPathComponent("fuzz")
                    try program.assembly.write(to: asm, atomically: true, encoding: .utf8)
                    let link = try Runner.run(compiler, ["-static", "-o", binary.path, driverO.path, asm.path,
                                                         "-Wl,--section-start=.fuzz=0x\(String(RandomWordProgram.base, radix: 16))"],
                                              scratch: work.appendingPathComponent("cc"))
                    if link.status != 0 {
                        outcome.buildError = Compare.tail(link.stderr)
                    } else {
                        outcome.qemu = try Runner.run(qemuURL, ["-cpu", "e500mc", binary.path], scratch: work.appendingPathComponent("qemu"))
                        outcome.trapeze = try Runner.run(trapezeURL, ["user", binary.path], scratch: work.appendingPathComponent("trapeze"))
                    }
                    try? FileManager.default.removeItem(at: work)
                } catch {
                    outcome.buildError = "\(error)"
                }
                results.lock.lock()
                results.outcomes[n] = outcome
                results.lock.unlock()
            }
        }

        var agreed = 0
        var byEnding: [String: Int] = [:]
        var explained: [Departure: Int] = [:]
        for case let o? in results.outcomes {
            if let error = o.buildError {
                Issue.record("seed \(o.seed): could not build or run: \(error)")
                continue
            }
            // The oracle must say something: a dump (end or signal) or the timeout line.
            let q = Ending(o.qemu.stdout)
            guard q.kind != "none", !o.qemu.timedOut else {
                Issue.record("seed \(o.seed): qemu-ppc printed nothing (status \(o.qemu.status)): \(Compare.tail(o.qemu.stderr))")
                continue
            }
            byEnding[q.kind == "signal" ? "signal \(q.signal)" : q.kind, default: 0] += 1
            if o.qemu.stdout == o.trapeze.stdout && o.qemu.status == o.trapeze.status {
                agreed += 1
            } else if let reason = Self.explain(o.program, qemu: o.qemu, trapeze: o.trapeze) {
                explained[reason, default: 0] += 1
            } else {
                let t = Ending(o.trapeze.stdout)
                let at = [q.nip, t.nip].compactMap { Self.word(at: $0, o.program) }
                    .map { "0x\(String($0, radix: 16)) (\(Disassembler.disassemble($0)))" }
                Issue.record("""
                    seed \(o.seed): qemu-ppc and trapeze differ (status \(o.qemu.status) / \(o.trapeze.status)); words at the stops: \(at)
                    \(Compare.firstDifference(qemu: o.qemu.stdout, trapeze: o.trapeze.stdout) ?? "stdout equal")
                    trapeze stderr: \(Compare.tail(o.trapeze.stderr, lines: 3))
                    """)
            }
        }
        let endings = byEnding.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        print("random words: \(Self.programs) programs of \(Self.wordsPerProgram) words (seeds \(Self.baseSeed)...); qemu-ppc endings: \(endings)")
        print("random words: \(agreed) identical, \(explained.values.reduce(0, +)) explained departures")
        for (reason, count) in explained.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("  \(count) x \(reason.rawValue)")
        }
        #expect(agreed + explained.values.reduce(0, +) == Self.programs)
    }
}
