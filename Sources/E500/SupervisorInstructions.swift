import PowerISA

/// Privileged instructions at supervisor level (system mode, MSR[PR] = 0).
extension Core {
    /// Executes a privileged instruction; returns the new PC for the return-
    /// from-interrupt instructions, nil to fall through.
    func supervisorInstruction(_ op: Opcode, _ i: Instruction, executed: UInt64) -> UInt32? {
        // An MSR change takes effect after this instruction, which retires under the old MSR.
        let retired = executed &+ 1
        switch op {
        case .mfmsr:
            gpr[i.rD] = msr
        case .mtmsr:
            setMSR(gpr[i.rS], executed: retired)
        case .wrtee:
            setMSR((msr & ~MSR.ee) | (gpr[i.rS] & MSR.ee), executed: retired)
        case .wrteei:
            setMSR(i.e != 0 ? msr | MSR.ee : msr & ~MSR.ee, executed: retired)
        case .rfi:
            if debugEvents & DebugBits.ret != 0 {
                // Return debug event: with MSR[DE] = 1 the debug interrupt is
                // taken at the rfi, which does not execute.
                recordDebugEvent(DebugBits.ret)
                if msr & MSR.de != 0 { requestStop(.debugEvent); return nil }
            }
            setMSR(spr[SPR.srr1], executed: retired)
            return spr[SPR.srr0] & ~3
        case .rfci:
            setMSR(spr[SPR.csrr1], executed: retired)
            return spr[SPR.csrr0] & ~3
        case .rfmci:
            setMSR(spr[SPR.mcsrr1], executed: retired)
            return spr[SPR.mcsrr0] & ~3
        case .rfdi:
            setMSR(spr[SPR.dsrr1], executed: retired)
            return spr[SPR.dsrr0] & ~3
        case .mtpmr:
            if !writePerformanceMonitorRegister(i.spr, gpr[i.rS], executed: executed) {
                requestStop(.illegalInstruction(word: i.word))
            }
        case .tlbwe:
            guard let mmu else { requestStop(.illegalInstruction(word: i.word)); return nil }
            // Only translations in the replaced entry's page and the new one's can change.
            let slot = mmu.selectedEntry
            if let slot { forgetTranslations(of: mmu.entry(tlb: slot.tlb, index: slot.index)) }
            do {
                try mmu.write()
            } catch {
                // An unsupported page size: QEMU raises an illegal-instruction program interrupt.
                requestStop(.illegalInstruction(word: i.word))
            }
            if let slot { forgetTranslations(of: mmu.entry(tlb: slot.tlb, index: slot.index)) }
        case .tlbre:
            mmu?.read()
        case .tlbsx:
            mmu?.search(indexedEA(i))
        case .tlbivax:
            mmu?.invalidateVirtualAddress(indexedEA(i)) { forgetTranslations(of: $0) }
        case .tlbilx:
            mmu?.invalidateLocal(type: (i.word >> 21) & 3, ea: indexedEA(i)) { forgetTranslations(of: $0) }
        case .msgsnd, .msgclr:
            // Processor doorbells (message type 0 in rB[32:36]) to this core:
            // broadcast, or PIRTAG (rB[50:63]) equal to PIR.
            let rb = gpr[i.rB]
            let forUs = rb >> 27 == 0 && (rb & 0x0400_0000 != 0 || rb & 0x3FFF == spr[SPR.pir] & 0x3FFF)
            if forUs {
                doorbellPending = op == .msgsnd
                requestEventCheck()
            }
        case .tlbsync, .dcbi, .dcbtls, .dcbtstls, .icbtls, .icblc, .dcblc:
            // One core and no caches: nothing to synchronise or lock.
            break
        default:
            // mfdcr/mtdcr: the e500mc has no DCR bus.
            requestStop(.illegalInstruction(word: i.word))
        }
        return nil
    }

    /// Writes MSR (mtmsr, wrtee, rfi...) after `executed` instructions of the
    /// run. Enabling an interrupt class may make a pending interrupt
    /// deliverable: then the run loop looks after this instruction. Setting
    /// MSR[WE] enters the same wait state as `wait`: the run loop fast-forwards
    /// to the next event and the interrupt that ends the wait clears WE (SRR1
    /// keeps it, so returning with rfi waits again, as on hardware).
    func setMSR(_ value: UInt32, executed: UInt64) {
        let old = replaceMSR(value, executed: executed)
        if msr & ~old & (MSR.ee | MSR.ce | MSR.de) != 0 { requestEventCheck() }
        if msr & MSR.we != 0 {
            waiting = true
            requestEventCheck()
        }
    }

    /// Why an instruction fetch at `pc` failed.
    func fetchFault(_ pc: UInt32) -> StopReason {
        guard mmu != nil else { return .memoryFault(address: pc, access: .execute) }
        return systemTranslation(pc, .execute).fault ?? .machineCheck(address: UInt64(pc))
    }

    /// The Book E translation of `ea` in the current context, as a physical
    /// address or the stop that makes the matching interrupt.
    package func systemTranslation(_ ea: UInt32, _ access: MemoryAccess) -> (physical: UInt64?, fault: StopReason?) {
        guard let mmu = mmuUnretained else { return (nil, .memoryFault(address: ea, access: access)) }
        let space = (access == .execute ? msr & MSR.is : msr & MSR.ds) != 0 ? UInt32(1) : 0
        let (pid, pid1, user) = (spr[SPR.pid], spr[SPR.pid1], msr & MSR.pr != 0)
        let result = mmu._withUnsafeGuaranteedRef {
            $0.translate(ea, access: access, space: space, pid: pid, pid1: pid1, user: user)
        }
        switch result {
        case .translated(let physical, _): return (physical, nil)
        case .miss: return (nil, .tlbMiss(address: ea, access: access))
        case .protectionViolation: return (nil, .storageViolation(address: ea, access: access))
        }
    }

    /// Whether the data page holding `ea` is mapped caching-inhibited or
    /// write-through (WIMGE I or W), for dcbz's slow path. False without a
    /// Book E MMU (user mode) or a translation.
    func cachingInhibitedOrWriteThrough(_ ea: UInt32) -> Bool {
        guard let mmu = mmuUnretained else { return false }
        let space: UInt32 = msr & MSR.ds != 0 ? 1 : 0
        let (pid, pid1, user) = (spr[SPR.pid], spr[SPR.pid1], msr & MSR.pr != 0)
        let result = mmu._withUnsafeGuaranteedRef {
            $0.translate(ea, access: .write, space: space, pid: pid, pid1: pid1, user: user)
        }
        guard case .translated(_, let wimge) = result else { return false }
        return wimge & 0x18 != 0   // W = 0x10, I = 0x08
    }

    /// Slow-path load in system mode: RAM or a device register.
    func systemLoad(_ ea: UInt32, _ size: UInt32) -> UInt32 {
        if ea & 0xFFF > 0x1000 - size {
            // Crosses a page: each byte translates on its own.
            var value: UInt32 = 0
            for k in 0..<size { value = value << 8 | systemLoad(ea &+ k, 1); if stopPending { return 0 } }
            return value
        }
        let (physical, fault) = systemTranslation(ea, .read)
        guard let physical else { requestStop(fault!); return 0 }
        if debugEvents & DebugBits.dataEvents != 0 && dataAddressCompare(ea, size, .read) { return 0 }
        if let page = ramPage(physical & ~0xFFF) {
            var value: UInt32 = 0
            for k in 0..<Int(size) { value = value << 8 | UInt32(page.load(fromByteOffset: Int(physical & 0xFFF) + k, as: UInt8.self)) }
            return value
        }
        // A device register: re-evaluate interrupts after the access (reads can acknowledge).
        requestEventCheck()
        guard let value = physicalMemory?.read(physical, size: Int(size)) else {
            requestStop(.machineCheck(address: physical))
            return 0
        }
        return UInt32(truncatingIfNeeded: value)
    }

    /// Slow-path store in system mode: RAM or a device register. A faulting
    /// page-crossing store writes nothing.
    func systemStore(_ ea: UInt32, _ size: UInt32, _ value: UInt32) {
        if ea & 0xFFF > 0x1000 - size {
            let last = ea &+ (size - 1)
            for a in [ea, last] {
                let (physical, fault) = systemTranslation(a, .write)
                if physical == nil { requestStop(fault!); return }
            }
            if debugEvents & DebugBits.dataEvents != 0 && dataAddressCompare(ea, size, .write) { return }
            for k in 0..<size { systemStore(ea &+ k, 1, value >> ((size - 1 - k) * 8)) }
            return
        }
        let (physical, fault) = systemTranslation(ea, .write)
        guard let physical else { requestStop(fault!); return }
        if debugEvents & DebugBits.dataEvents != 0 && dataAddressCompare(ea, size, .write) { return }
        if let page = ramPage(physical & ~0xFFF) {
            willStore(toHostPage: page)
            for k in 0..<Int(size) {
                page.storeBytes(of: UInt8(truncatingIfNeeded: value >> (UInt32(Int(size) - 1 - k) * 8)),
                                toByteOffset: Int(physical & 0xFFF) + k, as: UInt8.self)
            }
            return
        }
        requestEventCheck()
        if physicalMemory?.write(physical, size: Int(size), value: UInt64(value)) != true {
            requestStop(.machineCheck(address: physical))
        }
    }
}

/// Fills the core's software TLB in system mode: Book E translation in the
/// core's current context, RAM pages only (device pages always take the slow
/// path, so every access reaches the device).
public final class SystemTranslator: MemoryTranslator {
    // The core owns this translator, so it outlives it; unowned(unsafe) spares
    // the reference count traffic of a checked unowned reference on every miss.
    unowned(unsafe) let core: Core

    public init(core: Core) { self.core = core }

    public func hostPage(for address: UInt32, access: MemoryAccess) -> UnsafeMutableRawPointer? {
        core.systemHostPage(address, access)
    }
}

extension Core {
    /// The host page behind `address` through the Book E MMU, RAM only.
    @inline(__always)
    func systemHostPage(_ address: UInt32, _ access: MemoryAccess) -> UnsafeMutableRawPointer? {
        // A page a data address compare watches stays out of the software
        // TLB, so its loads and stores reach the check in the slow path.
        if access != .execute && debugEvents & DebugBits.dataEvents != 0 && watchesDataPage(address) { return nil }
        guard let physical = systemTranslation(address, access).physical else { return nil }
        return ramPage(physical & ~0xFFF)
    }
}

/// A translator with nothing mapped: a placeholder while a system-mode core is built.
final class NoMemory: MemoryTranslator {
    func hostPage(for address: UInt32, access: MemoryAccess) -> UnsafeMutableRawPointer? { nil }
}

extension Core {
    /// A core at supervisor level behind a Book E MMU: interrupts go through
    /// IVPR/IVORs, memory through `mmu` to `memory`. MSR starts as after reset
    /// (everything clear but ME is up to the machine; here 0).
    public convenience init(systemWith mmu: BookEMMU, memory: PhysicalMemory) {
        self.init(translator: NoMemory())
        translator = SystemTranslator(core: self)
        self.mmu = mmu
        physicalMemory = memory
        // Observers do not run inside an initializer.
        mmuUnretained = Unmanaged.passUnretained(mmu)
        cacheRAM()
        systemMode = true
        executesKernelEmulatedInstructions = false
        msr = 0
        selectSoftTLBBank()   // observers do not run in initializers
    }
}
