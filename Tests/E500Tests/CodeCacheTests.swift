import Testing
import E500
import PowerISA

/// The code cache decodes a page once and forgets it exactly when its memory
/// changes: every way of writing an instruction that was already decoded
/// must make the next execution run the new one (as the interpreter that
/// fetched every word did).
@Suite struct CodeCacheTests {
    static let code: UInt32 = 0x10000
    static let target: UInt32 = 0x10800

    /// A user-mode core with `words` at 0x10000 (read/write/execute) and a
    /// data page at 0x20000.
    static func userCore(_ words: [UInt32]) -> (Core, AddressSpace) {
        let space = AddressSpace()
        space.map(code, length: 0x1000, protection: .all)
        space.map(0x20000, length: 0x1000, protection: [.read, .write])
        for (n, w) in words.enumerated() { space.write32(code + UInt32(4 * n), w) }
        let core = Core(translator: space)
        core.pc = code
        return (core, space)
    }

    static let addOne = asm(.addi, [3, 3, 1])
    static let addHundred = asm(.addi, [3, 3, 100])

    @Test func aPageIsDecodedOnceAndRunsFromTheCache() {
        let (core, space) = Self.userCore([
            asm(.addi, [4, 0, 50]), asm(.mtspr, [9, 4]),
            Self.addOne, asm(.bc, [16, 0, -4]),
            asm(.sc),
        ])
        #expect(core.run(limit: 1000) == .systemCall)
        #expect(core.gpr[3] == 50)
        #expect(space.codeCache?.pagesDecoded == 1)
        core.pc = Self.code
        _ = core.run(limit: 1000)
        #expect(core.gpr[3] == 100)
        #expect(space.codeCache?.pagesDecoded == 1)
    }

    /// A loop stores into an instruction of its own page that it has already
    /// executed (two words on): the second pass runs the new word.
    @Test func aStoreIntoTheNextDecodedInstructionTakesEffectAtOnce() {
        let (core, _) = Self.userCore([
            asm(.addi, [6, 0, 2]), asm(.mtspr, [9, 6]),
            asm(.stw, [7, 0x10, 8]),            // loop: stw r7,16(r8) -> 0x10010
            asm(.addi, [7, 7, 1]),              // the next store writes addi r3,r3,2
            Self.addOne,                        // 0x10010, rewritten each pass
            asm(.bc, [16, 0, -12]),
            asm(.sc),
        ])
        core.gpr[8] = Self.code
        core.gpr[7] = Self.addOne
        #expect(core.run(limit: 1000) == .systemCall)
        // Pass 1 runs addi 1, pass 2 the stored addi 2: 3. A stale decode gives 2.
        #expect(core.gpr[3] == 3)
    }

    /// Every kind of store that can overwrite an instruction: the target
    /// (addi r3,r3,1; blr) runs, the store replaces its first word with
    /// addi r3,r3,100, the target runs again.
    @Test(arguments: ["stw", "stwbrx", "stmw", "stfd", "stswi", "stwcx", "sth+sth", "stb*4", "host write"])
    func everyStoreKindInvalidates(_ kind: String) {
        let new = Self.addHundred
        var store: [UInt32] = []
        switch kind {
        case "stw": store = [asm(.stw, [7, 0, 8])]
        case "stwbrx": store = [asm(.stwbrx, [9, 0, 8])]
        case "stmw": store = [asm(.stmw, [30, 0, 8])]
        case "stfd": store = [asm(.stfd, [1, 0, 8])]
        case "stswi": store = [asm(.stswi, [7, 8, 4])]
        case "stwcx": store = [asm(.lwarx, [10, 0, 8]), asm(.stwcxRecord, [7, 0, 8])]
        case "sth+sth": store = [asm(.sth, [11, 0, 8]), asm(.sth, [7, 2, 8])]
        case "stb*4": store = (0..<4).map { asm(.stb, [Int64(12 + $0), Int64($0), 8]) }
        default: store = [asm(.ori, [0, 0, 0])]
        }
        var program = [asm(.b, [Int64(Self.target - Self.code)]) | 1]   // bl target
        program += store
        program.append(asm(.b, [Int64(Self.target) - Int64(Self.code + UInt32(4 * program.count))]) | 1)
        program.append(asm(.sc))
        let (core, space) = Self.userCore(program)
        space.write32(Self.target, Self.addOne)
        space.write32(Self.target + 4, asm(.bclr, [20, 0]))
        core.gpr[8] = Self.target
        core.gpr[7] = new
        core.gpr[9] = new.byteSwapped
        core.gpr[30] = new
        core.gpr[31] = asm(.bclr, [20, 0])
        core.fpr[1] = UInt64(new) << 32 | UInt64(asm(.bclr, [20, 0]))
        core.gpr[11] = new >> 16
        for k in 0..<4 { core.gpr[12 + k] = (new >> UInt32(24 - 8 * k)) & 0xFF }
        if kind == "host write" {
            // The host writes between two runs (a system call's result, a loader).
            #expect(core.run(limit: 2) == .instructionLimit)
            #expect(core.run(limit: 2) == .instructionLimit)   // the target ran: decoded
            space.write32(Self.target, new)
        }
        #expect(core.run(limit: 1000) == .systemCall, "\(kind)")
        #expect(core.gpr[3] == 101, "\(kind): the second call ran the old instruction")
    }

    @Test func dcbzOverDecodedCodeLeavesZeroWordsThatAreIllegal() {
        let (core, space) = Self.userCore([
            asm(.b, [0x800]) | 1,
            asm(.dcbz, [0, 8]),
            asm(.b, [0x800 - 8]) | 1,
            asm(.sc),
        ])
        space.write32(Self.target, Self.addOne)
        space.write32(Self.target + 4, asm(.bclr, [20, 0]))
        core.gpr[8] = Self.target
        #expect(core.run(limit: 1000) == .illegalInstruction(word: 0))
        #expect(core.pc == Self.target)
        #expect(core.gpr[3] == 1)
    }

    /// Pages a host MAP_SHARED mapping backs change behind the cache's back:
    /// they are never cached, so even an unannounced write is seen.
    @Test func sharedPagesAreDecodedEveryTime() {
        let (core, space) = Self.userCore([Self.addOne, asm(.sc)])
        space.setShared(Self.code, count: 0x1000, true)
        space.write32(Self.code, Self.addOne)
        space.write32(Self.code + 4, asm(.sc))
        #expect(core.run(limit: 10) == .systemCall)
        (space.base + Int(Self.code)).storeBytes(of: Self.addHundred.bigEndian, as: UInt32.self)
        core.pc = Self.code
        #expect(core.run(limit: 10) == .systemCall)
        #expect(core.gpr[3] == 101)
        #expect(space.codeCache?.pagesDecoded == 0)
    }

    /// Two cores on one RAM (the VMM's hardware core and vCPU): a store by
    /// one drops the other's decoded page, even while it runs on it.
    @Test func aStoreByOneCoreReachesAnotherRunningOnThePage() {
        let m = TestMachine()
        m.put(0x1000, [Self.addOne, asm(.b, [-4])])
        let runner = SystemModeTests().makeCore(m)
        let writer = SystemModeTests().makeCore(m)
        _ = runner.run(limit: 10)
        #expect(runner.gpr[3] == 5)
        m.put(0x2000, [asm(.stw, [7, 0, 8]), asm(.b, [0])])
        writer.pc = 0x2000
        writer.gpr[7] = Self.addHundred
        writer.gpr[8] = 0x1000
        _ = writer.run(limit: 1)
        _ = runner.run(limit: 2)
        #expect(runner.gpr[3] == 105)
        #expect(m.cache.pagesDecoded >= 2)
        #expect(m.cache.pagesDropped >= 1)
    }
}
