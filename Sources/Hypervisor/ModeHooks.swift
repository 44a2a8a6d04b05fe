import E500
import Platform
import PowerISA
import Telemetry

/// What a virtualization mode adds to trap-and-emulate: the places where
/// `pv` (`Paravirtualization`) and `bt` (`BinaryTranslator`) act in the
/// VMM's mode-neutral exit loop (`VirtualMachine`). `kvm` has no hooks.
///
/// The loop calls these once per entry, exit or guest TLB change, never per
/// guest instruction, so one protocol call there costs nothing measurable.
protocol ModeHooks: AnyObject {
    /// The `/hypervisor` device-tree node the mode offers the guest, if any.
    var hypervisorNode: HypervisorNode? { get }
    /// A 4 KB page of the VMM the hardware maps for the guest kernel at
    /// `VirtualMachine.vmmPagePhysical` (pv's magic page, bt's shared
    /// space), or nil; it takes one reserved hardware TLB1 entry.
    var vmmPage: UnsafeMutableRawPointer? { get }
    /// What the shadow TLB must not map with the guest's permissions (bt's
    /// traced fragments), or nil.
    var shadowRestrictions: ShadowRestrictions? { get }

    /// The kernel was loaded into guest RAM (bt reads its ELF sections).
    func guestLoaded(kernel: String, _ vm: VirtualMachine)
    /// The guest is about to run: publish the vCPU state it may read or
    /// write without exiting.
    func willEnter(_ vm: VirtualMachine)
    /// The guest left the hardware: take what it wrote without exiting into
    /// the vCPU. Returns the guest MSR bits that changed.
    func didLeave(_ vm: VirtualMachine) -> UInt32
    /// An interrupt the vCPU would take now must wait (pv's critical sections).
    func defersInterrupt(_ vector: InterruptVector, _ vm: VirtualMachine) -> Bool
    /// After deferring an interrupt, run at most this many instructions
    /// before looking again (pv: until the next exit or timer event).
    var deferredRecheckInstructions: UInt64 { get }
    /// An exit the mode handles itself (hypercalls, its own page's TLB
    /// misses, tracing faults, its translations' traps), before the common
    /// handler sees it.
    func handleExit(_ reason: StopReason, pc: UInt32, _ vm: VirtualMachine) -> ExitDisposition
    /// The common handler emulated a trapped privileged instruction at `pc`
    /// (bt's monitoring).
    func emulatedPrivileged(_ op: Opcode, at pc: UInt32, type: ExitType, _ vm: VirtualMachine)
    /// The guest changed its TLB (tlbwe, tlbivax, tlbilx, MMUCSR0).
    func guestTLBChanged(_ vm: VirtualMachine)
    /// A device is about to access guest RAM by DMA (`before`), or has (bt's data mirror).
    func deviceAccess(before: Bool, _ vm: VirtualMachine)
}

/// What a mode's exit hook did with an exit.
enum ExitDisposition {
    /// The common handler takes it.
    case notHandled
    /// Handled and accounted; the guest runs on.
    case handled
    /// The guest is beyond saving.
    case stop(StopReason)
}

extension ModeHooks {
    var hypervisorNode: HypervisorNode? { nil }
    var vmmPage: UnsafeMutableRawPointer? { nil }
    var shadowRestrictions: ShadowRestrictions? { nil }
    func guestLoaded(kernel: String, _ vm: VirtualMachine) {}
    func willEnter(_ vm: VirtualMachine) {}
    func didLeave(_ vm: VirtualMachine) -> UInt32 { 0 }
    func defersInterrupt(_ vector: InterruptVector, _ vm: VirtualMachine) -> Bool { false }
    var deferredRecheckInstructions: UInt64 { .max }
    func handleExit(_ reason: StopReason, pc: UInt32, _ vm: VirtualMachine) -> ExitDisposition { .notHandled }
    func emulatedPrivileged(_ op: Opcode, at pc: UInt32, type: ExitType, _ vm: VirtualMachine) {}
    func guestTLBChanged(_ vm: VirtualMachine) {}
    func deviceAccess(before: Bool, _ vm: VirtualMachine) {}
}

/// An owner of a 4 KB page of the VMM that the guest kernel reads and
/// writes without exiting (pv's magic page, bt's shared space), as
/// big-endian words.
protocol VMMPageOwner: AnyObject {
    var page: UnsafeMutableRawPointer { get }
}

extension VMMPageOwner {
    /// A zeroed, page-aligned 4 KB page (its owner deallocates it).
    static func allocatePage() -> UnsafeMutableRawPointer {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        return page
    }

    func word(_ offset: Int) -> UInt32 { UInt32(bigEndian: page.load(fromByteOffset: offset, as: UInt32.self)) }
    func setWord(_ offset: Int, _ value: UInt32) { page.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self) }
}
