import Testing
import TestSupport
import PowerISA

@Suite struct InstructionTableTests {
    @Test func everyOpcodeHasExactlyOneRow() {
        var seen: [Opcode: Int] = [:]
        for spec in InstructionTable.specs { seen[spec.opcode, default: 0] += 1 }
        for op in Opcode.allCases where op != .invalid {
            #expect(seen[op] == 1, "\(op) has \(seen[op] ?? 0) rows")
        }
    }

    @Test func decodeFindsEveryRowFromItsEncoding() throws {
        for spec in InstructionTable.specs {
            let word = try Encoder.encode(spec.opcode, spec.validOperandValues)
            #expect(DecodeTable.shared.decode(word) == spec.opcode, "\(spec.mnemonic) encodes to \(String(word, radix: 16)) which decodes as \(DecodeTable.shared.decode(word))")
        }
    }

    /// The VMM and the translator classify trapped instructions by the
    /// table's trap class: only privileged rows (and wait, which exits to
    /// idle the vCPU) have one, and every class names at least one row.
    @Test func trapClassesBelongToPrivilegedRowsAndAreAllUsed() {
        for spec in InstructionTable.specs where spec.trap != .none {
            #expect(spec.flags.contains(.privileged) || spec.flags.contains(.sprPrivilege) || spec.opcode == .wait,
                    "\(spec.mnemonic) has trap class \(spec.trap) but is not privileged")
        }
        for trap in TrapClass.allCases where trap != .none {
            #expect(InstructionTable.specs.contains { $0.trap == trap }, "no row has trap class \(trap)")
        }
        #expect(InstructionTable.trapClasses[Int(Opcode.wrteei.rawValue)] == .wrtee)
        #expect(InstructionTable.trapClasses[Int(Opcode.add.rawValue)] == TrapClass.none)
    }

    @Test func decodeRejectsUnknownWords() {
        #expect(DecodeTable.shared.decode(0x0000_0000) == .invalid)
        #expect(DecodeTable.shared.decode(0x7C00_07FE) == .invalid)  // primary 31, xo 1023
    }

    @Test func oeFormsDecodeToTheSameOpcode() {
        #expect(DecodeTable.shared.decode(0x7C64_2E15) == .add)  // addo. r3,r4,r5
        #expect(DecodeTable.shared.decode(0x7C64_2A14) == .add)  // add r3,r4,r5
    }

    @Test func encoderMatchesTheAssembler() throws {
        // Words from powerpc-linux-gnu-as.
        #expect(try Encoder.encode(.addi, [3, 1, 8]) == 0x3861_0008)
        #expect(try Encoder.encode(.lwz, [3, 8, 1]) == 0x8061_0008)
        #expect(try Encoder.encode(.stwu, [1, -16, 1]) == 0x9421_FFF0)
        #expect(try Encoder.encode(.add, [3, 4, 5], record: true, overflow: true) == 0x7C64_2E15)
        #expect(try Encoder.encode(.rlwimi, [3, 4, 8, 16, 23]) == 0x5083_442E)
        #expect(try Encoder.encode(.mfspr, [9, 272]) == 0x7D30_42A6)
        #expect(try Encoder.encode(.fmadd, [1, 2, 3, 4], record: true) == 0xFC22_20FB)
        #expect(try Encoder.encode(.isel, [3, 4, 5, 2]) == 0x7C64_289E)
        #expect(try Encoder.encode(.bc, [12, 2, -8]) == 0x4182_FFF8)
        #expect(try Encoder.encode(.b, [0x100], absolute: true) == 0x4800_0102)
        #expect(try Encoder.encode(.sc, []) == 0x4400_0002)
        #expect(throws: Encoder.EncodeError.self) { try Encoder.encode(.addi, [32, 0, 0]) }
        #expect(throws: Encoder.EncodeError.self) { try Encoder.encode(.addi, [3, 0]) }
    }
}

