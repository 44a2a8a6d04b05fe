import E500
import Platform
import PowerISA
import Telemetry

/// Load/store translations (`--bt-translate-accesses`; the first half of
/// adaptive data mirroring, paper Section 4.2, issue 24).
///
/// The translator counts the tracing faults of each kernel instruction
/// (`accessFaults`); a load or store that took more than
/// `accessThreshold` becomes a patch site like a privileged instruction:
/// `b translation`, where `Translation.access` looks its word up in the
/// shared space's mirror and otherwise performs the original access at the
/// original address. Until the mirror is filled (issue 25) every lookup
/// misses, so the guest takes the same tracing faults, now inside the
/// translation.
///
/// **Exact rewind.** Whatever stops a translation before its access has
/// completed (a tracing fault, a DSI, a guest TLB miss, an alignment or
/// debug event, an address in the shared space's page, a shared-space miss
/// outside the kernel's context) is handled as if the site's original
/// instruction had done it: the scratch registers get the guest's values
/// back from their spill slots, the PC goes back to the site, and the
/// original instruction is stepped there against what the guest sees
/// (`stepTracedAccess`), so an interrupt it raises has SRR0 = the site and
/// DEAR = the original effective address, and the kernel's exception-table
/// fixups find the PC they know. A hardware TLB miss on guest RAM the
/// guest maps only refills the shadow TLB and the translation goes on.
/// Asynchronous interrupts wait until the translation is left
/// (`defersInterrupt`).
extension BinaryTranslator {
    /// Where an access translation is placed and how to rewind it.
    struct PlacedAccess {
        let ea: UInt32
        let original: UInt32
        let start: UInt32
        let length: Int
        let layout: Translation.AccessLayout
    }

    // MARK: Monitoring

    /// After a tracing fault of kernel instruction `pc` that was emulated
    /// (not reflected): counts it, and translates the instruction once it
    /// took more than `accessThreshold`.
    func noteAccessFault(pc: UInt32, _ vm: VirtualMachine) {
        guard configuration.translatesAccesses, sharedSpaceActive,
              vm.vcpu.msr & (MSR.pr | MSR.is | MSR.ds) == 0, !accessRejected.contains(pc) else { return }
        let n = accessFaults[pc, default: 0] &+ 1
        accessFaults[pc] = n
        guard n > configuration.accessThreshold,
              let physical = vm.vcpu.systemTranslation(pc, .execute).physical, physical + 4 <= ramSize,
              sites[physical] == nil else { return }
        let op = DecodeTable.shared.decode(guestWord(physical, ram: vm.board.ram))
        guard Translation.accessTranslatable(op) else {
            accessRejected.insert(pc)
            statistics.accessNotTranslatable += 1
            return
        }
        // T: the faults a mirrored word would have removed count as the
        // exits a patch saves, so the fragment a new site traces is not
        // untraced at its first fault (adapt-pr).
        creditRemovedFaults(physical, n, vm)
        if !patch(pc, vm) {
            accessRejected.insert(pc)
            statistics.sitesRejected += 1
        }
        accessFaults[pc] = 0
    }

    /// Counts `faults` a load/store site removed (or would remove) towards
    /// the threshold T of the region holding it and of its traced fragment.
    func creditRemovedFaults(_ physical: UInt64, _ faults: Int, _ vm: VirtualMachine) {
        guard configuration.resizes else { return }
        creditSavedExits(physical, faults)
        if let f = tracing.fragment(containing: physical) { fragmentStates[f.start]?.threshold += faults }
    }

    // MARK: Placement

    // In the default placement a load/store translation takes only cold
    // pages (`__bug_table`'s) or room in pages stolen already: the pages
    // after `__bug_table`'s come from the start of `.data`, the kernel's
    // hottest data (`init_task`, `irq_stat`), and one taken for a load or
    // store would cost more tracing faults than the translation saves. With
    // the paper's placement the whole region is stolen at the first patch.

    /// Places a load/store translation for the site at `pc` (guest physical
    /// `physical`) in the translation cache, or reuses the one placed for
    /// the same instruction before (the cache never frees space). Returns
    /// the branch that replaces the site.
    func placeAccess(_ op: Opcode, _ original: UInt32, pc: UInt32, physical: UInt64, _ vm: VirtualMachine) -> UInt32? {
        let placed: PlacedAccess
        if let old = placedAccesses[physical], old.ea == pc, old.original == original {
            placed = old
        } else {
            guard let (code, layout) = Translation.access(op, original),
                  let start = place(code, pc: pc, onlyColdPages: configuration.cacheAt == .bugTable, vm) else { return nil }
            placed = PlacedAccess(ea: pc, original: original, start: start, length: code.words.count, layout: layout)
            placedAccesses[physical] = placed
        }
        for n in 0..<placed.length { accessTranslationPCs[placed.start &+ UInt32(4 * n)] = (physical, n) }
        statistics.accessSites += 1
        return Translation.branch(from: pc, to: placed.start)
    }

    /// A site's translation words leave the PC map (the site was unpatched).
    func forgetAccessTranslation(_ physical: UInt64) {
        guard let placed = placedAccesses[physical] else { return }
        for n in 0..<placed.length where accessTranslationPCs[placed.start &+ UInt32(4 * n)]?.site == physical {
            accessTranslationPCs[placed.start &+ UInt32(4 * n)] = nil
        }
    }

    // MARK: Exits inside a translation

    /// An exit at word `index` of the load/store translation of `site`.
    func accessTranslationExit(_ reason: StopReason, _ site: Site, index: Int, _ vm: VirtualMachine) -> ExitDisposition {
        guard let placed = placedAccesses[site.physical] else { return .notHandled }
        let vcpu = vm.vcpu
        if case .tlbMiss(let address, let access) = reason {
            if address & 0xFFFF_F000 == SharedSpace.effectiveAddress && access != .execute {
                // The spill slots or the mirror (the guest's own addresses there trap before the access).
                if installSharedSpace(pc: site.ea, vm) { return .handled }
            } else if let physical = vcpu.systemTranslation(address, access).physical, physical < ramSize {
                // Guest RAM the guest maps (the access's data, the translation's own page):
                // the common handler shadows it and the translation goes on.
                return .notHandled
            }
        }
        return rewind(site, index: index, placed.layout, reason: reason, vm)
    }

    /// Delivers what stopped the translation as the site's original
    /// instruction would have it (see the type's comment).
    func rewind(_ site: Site, index: Int, _ layout: Translation.AccessLayout, reason: StopReason,
                _ vm: VirtualMachine) -> ExitDisposition {
        statistics.accessRewinds &+= 1
        let hardware = vm.hardware
        for spill in layout.spills where spill.save < index && index <= spill.restore {
            hardware.gpr[spill.register] = shared.word(spill.slot)
        }
        guard index <= layout.access else {
            // The access is done; only restoring the scratch registers was left.
            hardware.pc = site.ea &+ 4
            vm.account(.dtlbVirt)
            vm.profile?.record(pc: site.ea, class: .dtlbmiss)
            return .handled
        }
        hardware.pc = site.ea
        let i = Instruction(site.original)
        guard let spec = InstructionTable.spec(site.op) else { return .notHandled }
        let ea = spec.form == .X ? hardware.indexedEA(i) : hardware.displacementEA(i)
        let access: MemoryAccess = spec.memory?.isStore == true ? .write : .read
        let physical = vm.vcpu.systemTranslation(ea, access).physical
        let fragment = physical.flatMap { tracing.fragment(containing: $0) }
        let (stop, reflected) = stepTracedAccess(pc: site.ea, address: ea, also: [site.physical & ~0xFFF], vm)
        let type: ExitType
        if reflected {
            if case .tlbMiss = reason { type = .dtlbReal } else { type = .dsi }
        } else if fragment != nil {
            type = .accessViolation
        } else if physical.map({ $0 >= ramSize }) ?? false {
            type = .mmio
        } else {
            type = .emulatedInstruction
        }
        vm.account(type)
        vm.profile?.record(pc: site.ea, class: type == .accessViolation ? .tracing : type == .emulatedInstruction ? .other
                                               : InstructionClass(exit: type, access: access))
        if let fragment, let physical, !reflected {
            statistics.tracingFaults &+= 1
            if vm.recording { attributeFault(pc: site.ea, address: ea, physical: physical, vm) }
            if configuration.resizes { noteTracingFault(fragment, physical, vm) }
            // A word of kernel data the site reads or writes whole (or a part of): mirror it.
            if let m = spec.memory, m.kind == .single, m.size <= 4, ea % UInt32(m.size) == 0 { fillMirror(ea, physical, vm) }
        }
        return stop.map { .stop($0) } ?? .handled
    }
}
