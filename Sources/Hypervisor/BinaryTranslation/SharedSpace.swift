import E500

/// The shared space of `bt` mode (paper Section 3): a 4 KB page of the VMM
/// at the top of the guest's effective address space (0xfffff000; Linux's
/// fixmap ends just below it), mapped for the guest kernel's context only
/// (guest AS 0, PR 0), where the vCPU registers a translation reads or
/// writes live while the guest runs. A patched `mfspr rD, SRR0` is
/// `lwz rD, -4096 + offset(0)`: rA = 0 and a negative 16-bit displacement
/// reach the page without a base register.
///
/// The VMM writes the vCPU's values into the page before each entry and
/// takes the writable ones back after each exit, so the vCPU stays the one
/// copy of the guest's state everywhere else.
final class SharedSpace: VMMPageOwner {
    static let effectiveAddress: UInt32 = 0xFFFF_F000

    /// The page's layout: one big-endian word per register.
    enum Slot {
        static let msr = 0, interruptPending = 4
        /// Scratch words for the translations' temporary registers.
        static let scratch0 = 8, scratch1 = 12
        /// A constant: the MSR bits an `mtmsr` translation may not change itself.
        static let mtmsrTrapMask = 16
        /// The third scratch word (load/store translations).
        static let scratch2 = 20
        /// Hits of the data mirror, counted by the translations (DataMirror.swift).
        static let mirrorHits = 24
        /// The mirrored SPRs from here on, in `mirrored` order.
        static let firstSPR = 64
        /// The data mirror load/store translations look up: `mirrorEntries`
        /// entries of 16 bytes (the tag loads compare, the tag stores
        /// compare, the word's value, unused), indexed by effective-address
        /// bits 2-7. Empty in this version (issue 25 fills it).
        static let mirror = 0x400
        static let mirrorEntries = 64
    }

    /// The tag of empty mirror entry `n`: index bits other than `n`, so no
    /// address that indexes entry `n` equals it, whatever bits below the
    /// access's size the compare ignores.
    static func emptyMirrorTag(_ n: Int) -> UInt32 { UInt32((n ^ 1) << 2) }

    /// SPRs a translation may read or write through the page: their access
    /// has no side effect at that moment (SPRG0-9, the save/restore pairs,
    /// DEAR, ESR, the MAS registers), and two read-only ones (PID, PIR).
    /// A write to PID changes the guest's context (not mirrored for writes).
    static let mirrored: [Int] = [
        SPR.sprg0, SPR.sprg1, SPR.sprg2, SPR.sprg3, SPR.sprg4, 277, 278, SPR.sprg7, SPR.sprg8, SPR.sprg9,
        SPR.srr0, SPR.srr1, SPR.csrr0, SPR.csrr1, SPR.mcsrr0, SPR.mcsrr1, SPR.dsrr0, SPR.dsrr1,
        SPR.dear, SPR.esr,
        SPR.mas0, SPR.mas1, SPR.mas2, SPR.mas3, SPR.mas4, SPR.mas6, SPR.mas7,
        SPR.pid, SPR.pir,
    ]
    static let readOnly: Set<Int> = [SPR.pid, SPR.pir]
    /// The mirrored SPRs a translation may write, with their index in `mirrored`.
    static let writable = mirrored.enumerated().filter { !readOnly.contains($0.element) }.map { ($0.offset, $0.element) }

    /// Byte offset of SPR `n` in the page, or nil when it is not mirrored.
    static let offsetOfSPR: [Int: Int] = Dictionary(uniqueKeysWithValues:
        mirrored.enumerated().map { ($0.element, Slot.firstSPR + 4 * $0.offset) })

    /// The displacement of a page offset as a load or store with rA = 0 encodes it.
    static func displacement(_ offset: Int) -> Int64 { Int64(offset) - 4096 }

    let page: UnsafeMutableRawPointer

    init() {
        page = Self.allocatePage()
        setWord(Slot.mtmsrTrapMask, ~(MSR.ee | MSR.me | MSR.ri))
        for n in 0..<Slot.mirrorEntries {
            setWord(Slot.mirror + 16 * n, Self.emptyMirrorTag(n))
            setWord(Slot.mirror + 16 * n + 4, Self.emptyMirrorTag(n))
        }
    }

    deinit { page.deallocate() }


    /// The vCPU's registers, and whether an interrupt waits for MSR[EE]
    /// (as MSR[EE]'s bit, so a translation can AND it with the new MSR).
    func store(from vcpu: Core, interruptPending: Bool) {
        setWord(Slot.msr, vcpu.msr)
        setWord(Slot.interruptPending, interruptPending ? MSR.ee : 0)
        for (n, spr) in Self.mirrored.enumerated() {
            setWord(Slot.firstSPR + 4 * n, vcpu.readSupervisorSPR(spr, executed: 0) ?? 0)
        }
    }

    /// What the guest kernel wrote without exiting, into the vCPU. Returns
    /// the MSR bits that changed.
    func load(into vcpu: Core) -> UInt32 {
        for (n, spr) in Self.writable {
            let value = word(Slot.firstSPR + 4 * n)
            if vcpu.readSupervisorSPR(spr, executed: 0) != value {
                _ = vcpu.writeSupervisorSPR(spr, value, executed: 0)
            }
        }
        let old = vcpu.msr
        let new = word(Slot.msr)
        if new != old { vcpu.replaceMSR(new, executed: 0) }
        return old ^ vcpu.msr
    }
}
