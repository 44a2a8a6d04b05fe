import E500
import Platform
import PowerISA
import Telemetry

/// Return folding (`--bt-fold-returns`), beyond the paper: after an emulated
/// guest `tlbwe`, the rest of the guest's TLB-miss handler up to its `rfi`
/// runs on the vCPU in the same exit, so the `rfi` no longer exits.
///
/// Under every mode, kvm, pv and bt alike, the guest's TLB0 miss handler
/// exits twice per miss: at its `tlbwe` and at its `rfi` (in Linux's
/// head_fsl_booke.S, tlb_write_entry: `tlbwe`, restore r10-r13 and CR from
/// the exception frame, `mfsprg r10,0`, `rfi`). No paravirtual interface
/// removes either; a translator that sees the code can take the second with
/// the first. When the VMM has emulated a tlbwe in the guest kernel, it
/// looks at the instructions that follow it in the same page: if every one
/// up to an rfi is a plain integer load or store that reaches untraced guest
/// RAM through the guest's TLB, an SPR move, a CR move or an integer
/// operation (no branch, nothing that can fault or wait), it steps them all
/// on the vCPU with the guest's original words (a patch site's original
/// instruction, not its translation), then the rfi. Otherwise nothing is
/// folded and the hardware runs on as before.
///
/// What the guest sees is what stepping every instruction gives, so its
/// results are unchanged; its time is not: the folded instructions cost
/// their cycles (as on the hardware) and the rfi's exit is gone. MSR[EE] is
/// 0 from the TLB-miss interrupt to its rfi, so no interrupt the guest could
/// take lands between them; the VMM's loop delivers what is pending after
/// the rfi, as after the rfi's own exit.
extension BinaryTranslator {
    /// At most this many instructions after the tlbwe, the rfi included.
    static let foldLimit = 16

    /// One instruction to fold: where, and what the guest wrote there.
    struct FoldedInstruction {
        let ea: UInt32
        let physical: UInt64
        let word: UInt32
        let op: Opcode
    }

    /// Called after the VMM emulated a tlbwe at `pc` in the guest kernel.
    func foldReturn(afterTLBWriteAt pc: UInt32, _ vm: VirtualMachine) {
        let vcpu = vm.vcpu
        guard vcpu.msr & MSR.pr == 0, vm.hardware.pc == pc &+ 4, let plan = foldPlan(from: pc &+ 4, vm) else { return }
        let ram = vm.board.ram
        let taken = vcpu.interruptsTaken
        for step in plan {
            // A load or store must reach plain guest RAM with the registers it has now.
            if let spec = InstructionTable.spec(step.op), let memory = spec.memory,
               !accessIsFoldable(step, memory, indexed: spec.form == .X, vm) { break }
            let site = sites[step.physical]
            if let site { ram.store32BE(step.physical, site.original) }
            vm.hardware.pc = step.ea
            _ = vm.emulate(op: step.op)
            if let site, sites[step.physical] != nil { ram.store32BE(step.physical, site.patched) }
            // Its cycles, as if the hardware had run it.
            vm.hardware.cycles &+= 1 &+ vm.instructionClock.extraCycles(for: 1)
            statistics.foldedInstructions &+= 1
            guard vcpu.interruptsTaken == taken, vm.hardware.pc == step.ea &+ 4 || step.op == .rfi else { return }
            if step.op == .rfi { statistics.foldedReturns &+= 1 }
        }
    }

    /// The instructions from `ea` to the first rfi, if all can be folded.
    func foldPlan(from ea: UInt32, _ vm: VirtualMachine) -> [FoldedInstruction]? {
        var plan: [FoldedInstruction] = []
        var ea = ea
        let page = ea & ~0xFFF
        while plan.count < Self.foldLimit {
            guard ea & ~0xFFF == page, let physical = vm.vcpu.systemTranslation(ea, .execute).physical,
                  physical + 4 <= ramSize else { return nil }
            let word = guestWord(physical, ram: vm.board.ram)
            let op = DecodeTable.shared.decode(word)
            guard Self.foldable(op) else { return nil }
            plan.append(FoldedInstruction(ea: ea, physical: physical, word: word, op: op))
            if op == .rfi { return plan }
            ea &+= 4
        }
        return nil
    }

    /// What may run inside the exit: integer operations, SPR and CR moves,
    /// plain integer loads and stores (checked again before each runs), rfi.
    static func foldable(_ op: Opcode) -> Bool {
        switch op {
        case .rfi, .mfspr, .mtspr, .mfcr, .mtcrf: return true
        case .invalid: return false
        default: break
        }
        guard let spec = InstructionTable.spec(op) else { return false }
        if spec.flags.contains(.branch) || spec.flags.contains(.privileged) || spec.flags.contains(.floatingPoint) { return false }
        if let m = spec.memory { return m.kind == .single && !m.floatingPoint && !m.reservation }
        // Integer arithmetic, logical, rotate and compare; no trap, sc or cache operation.
        return spec.memory == nil && !spec.flags.contains(.load) && !spec.flags.contains(.store)
            && ![.sc, .tw, .twi, .wait, .sync, .isync, .mbar].contains(op)
    }

    /// The access of a folded load or store translates in the guest's TLB
    /// with its permission and lies in guest RAM, in one page, outside every
    /// traced fragment and stolen page (whose contents the hardware does not see).
    func accessIsFoldable(_ step: FoldedInstruction, _ memory: MemoryOperation, indexed: Bool, _ vm: VirtualMachine) -> Bool {
        // The hardware holds the guest's registers between exits.
        let i = Instruction(step.word)
        let ea = indexed ? vm.hardware.indexedEA(i) : vm.hardware.displacementEA(i)
        let size = UInt32(memory.size)
        guard ea & 0xFFF <= 0x1000 - size,
              let physical = vm.vcpu.systemTranslation(ea, memory.isStore ? .write : .read).physical,
              physical + UInt64(size) <= ramSize else { return false }
        return tracing.fragment(containing: physical) == nil && cache.page(containing: physical) == nil
    }
}
