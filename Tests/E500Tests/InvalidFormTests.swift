import Testing
import TestSupport
import E500
import PowerISA

/// The interpreter raises an illegal-instruction stop for exactly the
/// invalid forms the instruction table describes (reserved bits, required
/// bits, operand rules), whichever part of the core checks them: the decode
/// slot, the residual reserved mask in the loop, or the handler.
@Suite struct InvalidFormTests {
    /// Runs one word at 0x10000 in user mode with every GPR pointing at a
    /// mapped, writable page; returns how the run stopped.
    func execute(_ word: UInt32) -> StopReason {
        let space = AddressSpace()
        space.map(0x10000, length: 0x1000, protection: [.read, .execute])
        space.map(0x20000, length: 0x2000, protection: [.read, .write])
        _ = space.write32(0x10000, word)
        let core = Core(translator: space)
        core.pc = 0x10000
        for r in 0..<32 { core.gpr[r] = 0x20800 }
        return core.run(limit: 1)
    }

    func isIllegal(_ reason: StopReason) -> Bool {
        if case .illegalInstruction = reason { return true }
        return false
    }

    /// A valid word of `spec`: distinct registers (so no operand rule
    /// fires), L = 0, BO = 20.
    func validWord(_ spec: InstructionSpec) throws -> UInt32 {
        try Encoder.encode(spec.opcode, spec.validOperandValues)
    }

    @Test func everyReservedBitMakesTheWordIllegal() throws {
        var checked = 0
        for spec in InstructionTable.specs where spec.reserved != 0 {
            let base = try validWord(spec)
            #expect(!spec.isInvalid(base), "\(spec.mnemonic): base word 0x\(String(base, radix: 16)) is itself invalid")
            for bit in 0..<32 where spec.reserved >> bit & 1 != 0 {
                let word = base | 1 << bit
                #expect(DecodeTable.shared.decode(word) == .invalid, "\(spec.mnemonic) with bit \(31 - bit)")
                #expect(isIllegal(execute(word)), "\(spec.mnemonic) 0x\(String(word, radix: 16)): \(execute(word))")
                checked += 1
            }
        }
        print("invalid forms: \(checked) reserved bits checked")
        #expect(checked > 300)
    }

    @Test func operandRulesMakeTheWordIllegal() throws {
        for spec in InstructionTable.specs where spec.invalidForm != .none {
            let base = try validWord(spec)
            #expect(!isIllegal(execute(base)), "\(spec.mnemonic) 0x\(String(base, radix: 16)) should execute")
            var bad: [UInt32] = []
            switch spec.invalidForm {
            case .updateRAZero: bad = [base & ~0x001F_0000]
            case .updateRAZeroOrRD: bad = [base & ~0x001F_0000, base & ~0x001F_0000 | UInt32(Instruction(base).rD) << 16]
            case .lswx: bad = [base & ~0x001F_0000 | UInt32(Instruction(base).rD) << 16, base & ~0xF800 | UInt32(Instruction(base).rD) << 11]
            case .bcctrDecrement: bad = [base & ~0x0080_0000]
            case .none: break
            }
            for word in bad {
                #expect(spec.isInvalid(word), "\(spec.mnemonic) 0x\(String(word, radix: 16)) should be an invalid form")
                #expect(isIllegal(execute(word)), "\(spec.mnemonic) 0x\(String(word, radix: 16)): \(execute(word))")
            }
        }
    }

    @Test func systemCallNeedsBit30() {
        #expect(DecodeTable.shared.decode(0x4400_0002) == .sc)
        #expect(DecodeTable.shared.decode(0x4400_0000) == .invalid)  // POWER svc
        #expect(DecodeTable.shared.decode(0x4400_0003) == .invalid)  // bit 31 set
        #expect(isIllegal(execute(0x4400_0000)))
        if case .systemCall = execute(0x4400_0002) {} else { Issue.record("sc did not stop as a system call") }
    }
}
