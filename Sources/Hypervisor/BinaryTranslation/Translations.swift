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

    /// Where scratch register `r` of a translation was saved.
    static func scratchSlot(_ n: Int) -> Int { n == 0 ? SharedSpace.Slot.scratch0 : SharedSpace.Slot.scratch1 }
}
