import E500
import Platform

/// The VMM reading and writing guest memory by guest effective address,
/// through the guest's TLB in the vCPU's current context, as the guest
/// itself would see it: in `bt` mode a patch site reads as its original
/// instruction and a stolen page as its saved data, and a write there goes
/// where the guest's own store would (a site the VMM overwrites stops being
/// a site). For debuggers and tools (gdb's memory packets, issue 14).
extension VirtualMachine {
    /// The guest physical address of `ea` for `access`, or nil (no mapping, or not allowed).
    public func guestPhysical(_ ea: UInt32, _ access: MemoryAccess) -> UInt64? {
        vcpu.systemTranslation(ea, access).physical
    }

    /// The aligned word at `ea` as the guest sees it, or nil when it is not guest RAM.
    public func readGuestWord(_ ea: UInt32) -> UInt32? {
        guard ea & 3 == 0, let physical = guestPhysical(ea, .read), board.ram.contains(physical, length: 4) else { return nil }
        if let translator { return translator.guestWord(physical, ram: board.ram) }
        return board.ram.load32BE(physical)
    }

    /// Writes the aligned word at `ea` as a guest store would land; false when it is not guest RAM.
    @discardableResult
    public func writeGuestWord(_ ea: UInt32, _ value: UInt32) -> Bool {
        guard ea & 3 == 0, let physical = guestPhysical(ea, .write), board.ram.contains(physical, length: 4) else { return false }
        if let translator {
            translator.writeGuestWord(physical, value, self)
        } else {
            board.ram.store32BE(physical, value)
        }
        return true
    }
}

extension BinaryTranslator {
    /// A VMM write of guest memory: into a stolen page's saved data, or RAM;
    /// a site written over is unpatched and keeps what was written.
    func writeGuestWord(_ physical: UInt64, _ value: UInt32, _ vm: VirtualMachine) {
        if let n = mirror.byPhysical[physical] {
            setMirrorValue(n, value)
            return
        }
        if let page = cache.page(containing: physical) {
            page.setSavedWord(Int(physical & 0xFFF), value)
            return
        }
        vm.board.ram.store32BE(physical, value)
        if let site = sites[physical] {
            if value == site.original {
                vm.board.ram.store32BE(physical, site.patched)
            } else {
                unpatch(site, vm, keepRAM: true)
                releaseIfEmpty(physical, vm)
            }
        }
    }
}
