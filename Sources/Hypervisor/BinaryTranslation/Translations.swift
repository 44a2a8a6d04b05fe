import E500
import PowerISA

/// The translations of privileged instructions (paper Section 3), as
/// instruction words built with the table's encoder.
///
/// - Single-instruction translations replace the site itself: `mfmsr rD`
///   and `mfspr rD, SPR` become `lwz rD, slot(0)`, `mtspr SPR, rS` becomes
///   `stw rS, slot(0)`, with rA = 0 and the slot's negative displacement
///   into the shared space.
/// - Multi-instruction translations (`wrteei`, `wrtee`, `mtmsr`) live in the
///   translation cache; the site becomes `b translation`, the translation
///   ends with `b site+4`. They keep every guest register, CR, XER, CTR and
///   LR: the one or two GPRs they need are saved in the shared space's
///   scratch words first and restored last, and they test with `twi`
///   (which traps, but sets no CR field) instead of a compare and branch.
///   A `twi` that traps is a request to the VMM (`TrapKind`): an interrupt
///   MSR[EE] was masking must be delivered now, or an `mtmsr` changes more
///   than MSR[EE] and must be emulated.
enum Translation {
    /// What a translation's `twi` asks of the VMM when it traps.
    enum TrapKind: Equatable {
        /// MSR[EE] is now 1 and an interrupt waits: the site's effect is
        /// complete; restore the scratch registers, continue at site + 4
        /// (where the VMM injects the interrupt).
        case deliver
        /// The instruction does more than a translation can: restore the
        /// scratch registers and emulate the original at the site.
        case emulateOriginal
    }

    /// A multi-instruction translation before placement: words, where each
    /// `twi` is and what it means, the scratch registers it saved, and the
    /// index of the final branch (patched when the translation is placed).
    struct Code {
        var words: [UInt32]
        var traps: [(index: Int, kind: TrapKind)]
        var scratch: [Int]
    }

    static func enc(_ op: Opcode, _ values: [Int64]) -> UInt32 {
        do { return try Encoder.encode(op, values) } catch { preconditionFailure("translation template: \(error)") }
    }
    static func load(_ rD: Int, slot: Int) -> UInt32 { enc(.lwz, [Int64(rD), SharedSpace.displacement(slot), 0]) }
    static func store(_ rS: Int, slot: Int) -> UInt32 { enc(.stw, [Int64(rS), SharedSpace.displacement(slot), 0]) }
    /// `twi 24, r, 0`: trap when r != 0 (TO = less than | greater than).
    static func trapIfNonzero(_ r: Int) -> UInt32 { enc(.twi, [24, Int64(r), 0]) }
    static func branch(from: UInt32, to: UInt32) -> UInt32? {
        let displacement = Int64(Int32(bitPattern: to &- from))
        return try? Encoder.encode(.b, [displacement])
    }

    /// The single instruction replacing `word` (op `op`), or nil when it
    /// needs more than one (or cannot be translated).
    static func single(_ op: Opcode, _ word: UInt32) -> UInt32? {
        let i = Instruction(word)
        switch op {
        case .mfmsr:
            return load(i.rD, slot: SharedSpace.Slot.msr)
        case .mfspr:
            guard let offset = SharedSpace.offsetOfSPR[i.spr] else { return nil }
            return load(i.rD, slot: offset)
        case .mtspr:
            guard let offset = SharedSpace.offsetOfSPR[i.spr], !SharedSpace.readOnly.contains(i.spr) else { return nil }
            return store(i.rS, slot: offset)
        default:
            return nil
        }
    }

    /// Two scratch registers other than `avoid`.
    static func scratchRegisters(avoiding avoid: Int) -> (Int, Int) {
        let free = [30, 29, 28].filter { $0 != avoid }
        return (free[0], free[1])
    }

    /// The multi-instruction translation of `word`, or nil. Its last word
    /// is a placeholder for the branch back.
    static func multiple(_ op: Opcode, _ word: UInt32) -> Code? {
        let i = Instruction(word)
        typealias S = SharedSpace.Slot
        let clearEE: (Int) -> UInt32 = { r in enc(.rlwinm, [Int64(r), Int64(r), 0, 17, 15]) }
        switch op {
        case .wrteei where i.e == 0:
            let t = 30
            return Code(words: [store(t, slot: S.scratch0), load(t, slot: S.msr), clearEE(t), store(t, slot: S.msr),
                                load(t, slot: S.scratch0), 0],
                        traps: [], scratch: [t])
        case .wrteei:
            let t = 30
            return Code(words: [store(t, slot: S.scratch0), load(t, slot: S.msr), enc(.ori, [Int64(t), Int64(t), Int64(MSR.ee)]),
                                store(t, slot: S.msr), load(t, slot: S.interruptPending), trapIfNonzero(t),
                                load(t, slot: S.scratch0), 0],
                        traps: [(5, .deliver)], scratch: [t])
        case .wrtee:
            let (t, u) = scratchRegisters(avoiding: i.rS)
            return Code(words: [store(t, slot: S.scratch0), store(u, slot: S.scratch1), load(t, slot: S.msr),
                                enc(.rlwimi, [Int64(t), Int64(i.rS), 0, 16, 16]), store(t, slot: S.msr),
                                load(u, slot: S.interruptPending), enc(.and, [Int64(u), Int64(u), Int64(t)]), trapIfNonzero(u),
                                load(t, slot: S.scratch0), load(u, slot: S.scratch1), 0],
                        traps: [(7, .deliver)], scratch: [t, u])
        case .mtmsr:
            let (t, u) = scratchRegisters(avoiding: i.rS)
            // Only MSR[EE], [ME] and [RI] may change here (no side effect but EE's
            // pending interrupt); any other bit, or one the core lacks, traps to be emulated.
            return Code(words: [store(t, slot: S.scratch0), store(u, slot: S.scratch1), load(t, slot: S.msr),
                                enc(.xor, [Int64(t), Int64(t), Int64(i.rS)]), load(u, slot: S.mtmsrTrapMask),
                                enc(.and, [Int64(t), Int64(t), Int64(u)]), trapIfNonzero(t),
                                store(i.rS, slot: S.msr), load(u, slot: S.interruptPending),
                                enc(.and, [Int64(u), Int64(u), Int64(i.rS)]), trapIfNonzero(u),
                                load(t, slot: S.scratch0), load(u, slot: S.scratch1), 0],
                        traps: [(6, .emulateOriginal), (10, .deliver)], scratch: [t, u])
        default:
            return nil
        }
    }

    // MARK: Load/store translations (adaptive data mirroring, paper Section 4.2)

    /// Where a load/store translation keeps the guest's registers and does
    /// its access, for exact rewind (AccessTranslation.swift): each scratch
    /// register, its spill slot and the indices of the words that save and
    /// restore it, and the index of the access itself.
    struct AccessLayout: Equatable {
        struct Spill: Equatable { let register: Int, slot: Int, save: Int, restore: Int }
        let spills: [Spill]
        let access: Int
    }

    /// Per opcode, the D-form row a load/store translation performs its
    /// access with (`lwzx` -> `lwz`: the address is computed first, the
    /// access takes it as a base with displacement 0), or nil when the
    /// opcode is not translated: only one GPR element of at most a word,
    /// big-endian, without update, reservation or FPR (update, multiple,
    /// string, reservation, byte-reversed and FP forms stay as they are).
    /// From the table's memory column, so no opcode is listed.
    static let accessTwin: [Opcode?] = {
        var twins = [Opcode?](repeating: nil, count: Opcode.allCases.count)
        let dForms = InstructionTable.specs.filter { $0.form == .D && !$0.updatesRA && $0.memory != nil }
        for spec in InstructionTable.specs {
            guard let m = spec.memory, m.kind == .single, m.size <= 4, !m.floatingPoint, !m.reservation, !m.byteReversed,
                  !spec.updatesRA, spec.form == .D || spec.form == .X else { continue }
            twins[Int(spec.opcode.rawValue)] = dForms.first { $0.memory == m }?.opcode
        }
        return twins
    }()

    static func accessTranslatable(_ op: Opcode) -> Bool { accessTwin[Int(op.rawValue)] != nil }

    /// The translation of a hot faulting kernel load or store (`word`,
    /// opcode `op`), or nil. It computes the effective address, looks its
    /// word up in the shared space's mirror (`SharedSpace.Slot.mirror`:
    /// entry (EA >> 2) & 63, a tag for loads and one for stores, then the
    /// value) and selects without a branch, so CR, XER, CTR and LR stay
    /// untouched: the mirrored copy on a hit, else the original address,
    /// where it performs the original access (same size, sign and byte
    /// order; only the base differs). The tag compare ignores the address
    /// bits below the access's size, so a byte or an aligned halfword of a
    /// mirrored word hits and a halfword across two words never does. An
    /// empty entry's tag has other index bits than any address it could
    /// match. Three scratch registers, none of them rA, rB or rD/rS (and
    /// never r0, which is no base), are saved in the shared space first
    /// and restored last. An effective address in the shared space's page
    /// (or the word below it) traps: only the original may touch it.
    static func access(_ op: Opcode, _ word: UInt32) -> (code: Code, layout: AccessLayout)? {
        guard let twin = accessTwin[Int(op.rawValue)], let spec = InstructionTable.spec(op), let m = spec.memory else { return nil }
        let i = Instruction(word)
        let data = m.isStore ? i.rS : i.rD
        let indexed = spec.form == .X
        let operands = [data, i.rA] + (indexed ? [i.rB] : [])
        let free = [30, 29, 28, 27, 26].filter { !operands.contains($0) }
        let (t, u, v) = (Int64(free[0]), Int64(free[1]), Int64(free[2]))
        typealias S = SharedSpace.Slot
        var words = [store(Int(t), slot: S.scratch0), store(Int(u), slot: S.scratch1), store(Int(v), slot: S.scratch2)]
        if indexed {
            // rA = 0 means 0 in the address, not r0.
            words.append(i.rA == 0 ? enc(.or, [t, Int64(i.rB), Int64(i.rB)]) : enc(.add, [t, Int64(i.rA), Int64(i.rB)]))
        } else {
            words.append(enc(.addi, [t, Int64(i.rA), Int64(i.simm)]))   // rA = 0: li
        }
        words += [enc(.twi, [5, t, -4100]),                            // EA >= 0xffffeffc (logically): trap
                  enc(.rlwinm, [u, t, 2, 22, 27]),                     // ((EA >> 2) & 63) * 16: the entry
                  enc(.lwz, [v, SharedSpace.displacement(S.mirror + (m.isStore ? 4 : 0)), u]),
                  enc(.xor, [v, v, t])]
        switch m.size {
        case 1: words.append(enc(.rlwinm, [v, v, 0, 0, 29]))          // a byte: any of the word's four
        case 2: words.append(enc(.rlwinm, [v, v, 0, 0, 30]))          // a halfword: either aligned one
        default: break
        }
        words += [enc(.cntlzw, [v, v]), enc(.rlwinm, [v, v, 27, 31, 31]), enc(.neg, [v, v]),   // -1 on a hit, 0 on a miss
                  enc(.rlwimi, [u, t, 0, 30, 31]),                     // the byte offset within the word
                  enc(.addi, [u, u, SharedSpace.displacement(S.mirror + 8)]),
                  enc(.and, [u, u, v]), enc(.andc, [t, t, v]), enc(.or, [t, t, u]),
                  // hits += 1 on a hit (u - mask): counted without an exit.
                  load(Int(u), slot: S.mirrorHits), enc(.subf, [u, v, u]), store(Int(u), slot: S.mirrorHits)]
        let access = words.count
        words += [enc(twin, [Int64(data), 0, t]),
                  load(Int(v), slot: S.scratch2), load(Int(u), slot: S.scratch1), load(Int(t), slot: S.scratch0), 0]
        let n = words.count
        let layout = AccessLayout(spills: [.init(register: Int(t), slot: S.scratch0, save: 0, restore: n - 2),
                                           .init(register: Int(u), slot: S.scratch1, save: 1, restore: n - 3),
                                           .init(register: Int(v), slot: S.scratch2, save: 2, restore: n - 4)],
                                  access: access)
        return (Code(words: words, traps: [], scratch: [Int(t), Int(u), Int(v)]), layout)
    }

    /// Where scratch register `r` of a translation was saved.
    static func scratchSlot(_ n: Int) -> Int { n == 0 ? SharedSpace.Slot.scratch0 : SharedSpace.Slot.scratch1 }
}
