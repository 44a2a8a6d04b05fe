import Testing
import E500
import PowerISA
import TestSupport

/// The instruction table's memory column against the interpreter: every
/// row's declared size, sign extension, byte order, register file, update
/// and store direction is what the core's handler does.
@Suite struct MemoryOperationTests {
    static let data: UInt32 = 0x20000
    // Every byte has its high bit set, so every halfword is negative (sign extension shows).
    static let pattern: [UInt8] = (0..<64).map { UInt8(0x80 | ($0 * 7 & 0x7F)) }

    /// Runs `word` once with r10 = data + 16 (r11 = 8 for indexed forms), data filled with `pattern`.
    static func run(_ word: UInt32) -> (Core, AddressSpace) {
        let space = AddressSpace()
        space.map(0x10000, length: 0x1000, protection: [.read, .execute])
        space.map(data, length: 0x1000, protection: [.read, .write])
        space.write(data, bytes: pattern)
        space.write32(0x10000, word)
        space.write32(0x10004, try! Encoder.encode(.sc, []))
        let core = Core(translator: space)
        core.pc = 0x10000
        core.gpr[10] = data + 16
        core.gpr[11] = 8
        for r in 20...31 { core.gpr[r] = 0xF1E2_D3C4 &+ UInt32(r) }
        core.fpr[3] = Double(1.5).bitPattern
        _ = core.run(limit: 10)
        return (core, space)
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }

    @Test func memoryOperationsMatchTheInterpreter() {
        var checked = 0
        for spec in InstructionTable.specs {
            guard let m = spec.memory, m.kind != .string, m.kind != .cacheBlock, !m.reservation,
                  let word = spec.memoryAccess(displacement: 8) else { continue }
            let (core, space) = Self.run(word)
            let ea = Self.data + 16 + 8
            let name = spec.mnemonic
            if spec.updatesRA { #expect(core.gpr[10] == ea, "\(name): rA is the EA") } else { #expect(core.gpr[10] == Self.data + 16, "\(name)") }
            let count = m.kind == .multiple ? 4 : 1
            for n in 0..<count {
                let offset = Int(ea - Self.data) + n * m.size
                var bytes = Array(Self.pattern[offset..<offset + m.size])
                if m.byteReversed { bytes.reverse() }
                let element = Self.bigEndian(bytes[...])
                let register = (m.kind == .multiple ? 28 : 20) + n
                if !m.isStore {
                    if m.floatingPoint {
                        let expected = m.size == 8 ? element : Double(Float(bitPattern: UInt32(element))).bitPattern
                        #expect(core.fpr[3] == expected, "\(name)")
                    } else {
                        let value = m.signExtends ? UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: element))) : UInt32(element)
                        #expect(core.gpr[register] == value, "\(name): r\(register)")
                    }
                } else {
                    let stored = Self.bigEndian((space.read(ea + UInt32(n * m.size), count: m.size) ?? [])[...])
                    var source: UInt64
                    if m.floatingPoint {
                        source = spec.opcode == .stfiwx ? core.fpr[3] & 0xFFFF_FFFF
                            : m.size == 8 ? core.fpr[3] : UInt64(Float(Double(bitPattern: core.fpr[3])).bitPattern)
                    } else {
                        source = UInt64(core.gpr[register]) & (m.size == 4 ? 0xFFFF_FFFF : (1 << (8 * m.size)) - 1)
                    }
                    if m.byteReversed {
                        source = m.size == 4 ? UInt64(UInt32(source).byteSwapped) : UInt64(UInt16(source).byteSwapped)
                    }
                    #expect(stored == source, "\(name): stored \(String(stored, radix: 16))")
                }
            }
            checked += 1
        }
        // Every integer and FP load/store row (34 + 17) but the string, reservation and cache ones.
        #expect(checked == 51)
    }
}
