import E500
import Platform
import PowerISA
import Telemetry

/// The KVM paravirtual interface of the `pv` mode, as Linux KVM offers it to
/// Book E guests without hardware virtualization (arch/powerpc/kvm/powerpc.c
/// `kvmppc_kvm_pv`, booke.c, e500_mmu_host.c `kvmppc_map_magic`; the guest
/// side is arch/powerpc/kernel/kvm.c, kvm_emul.S and epapr_paravirt.c).
///
/// - Discovery: the device tree's `/hypervisor` node (compatible "linux,kvm",
///   "epapr,hypervisor-1"; `hcall-instructions` = `lis r0,'KV'; ori r0,r0,'M!';
///   sc; nop`; `has-idle`).
/// - Hypercalls: `sc` from the guest kernel with r0 = "KVM!" (0x4b564d21),
///   the ePAPR token in r11, arguments in r3-r6; status back in r3, a value in r4.
/// - The magic page: a 4 KB page of the VMM holding `struct
///   kvm_vcpu_arch_shared` (include/uapi/asm/kvm_para.h), mapped at the
///   guest's chosen effective address (the top 4 KB) for the guest kernel
///   through a reserved hardware TLB1 entry. The guest's patched code reads
///   and writes its MSR, SPRGs, SRR0/1, DEAR, ESR and MAS registers there
///   without exiting; the VMM takes those values into the vCPU after the
///   guest ran and writes the vCPU's back before it runs again.
public final class Paravirtualization: ModeHooks, VMMPageOwner {
    /// ePAPR hypercall tokens (vendor << 16 | number) and status codes.
    static let kvmVendor: UInt32 = 42, epaprVendor: UInt32 = 1
    static let features = kvmVendor << 16 | 3          // KVM_HC_FEATURES
    static let mapMagicPage = kvmVendor << 16 | 4      // KVM_HC_PPC_MAP_MAGIC_PAGE
    static let idle = epaprVendor << 16 | 16           // EV_IDLE
    static let success: UInt32 = 0, unimplemented: UInt32 = 12
    /// r0 of a KVM hypercall: "KVM!".
    static let magicR0: UInt32 = 0x4B56_4D21
    /// KVM_FEATURE_MAGIC_PAGE as a bit; the magic-page features KVM grants
    /// (KVM_MAGIC_FEAT_SR | KVM_MAGIC_FEAT_MAS0_TO_SPRG7).
    static let featureMagicPage: UInt32 = 1 << 1
    static let magicPageFeatures: UInt32 = 3

    /// Where the hardware sees the page.
    static let hardwarePhysical = VirtualMachine.vmmPagePhysical

    /// Byte offsets of `struct kvm_vcpu_arch_shared` (64-bit fields big
    /// endian, so a 32-bit guest reads the low word at offset + 4).
    enum Field {
        static let critical = 24, sprg0 = 32, srr0 = 64, srr1 = 72, dear = 80, msr = 88
        static let intPending = 100, mas0 = 168, mas1 = 172, mas7_3 = 176, mas2 = 184
        static let mas4 = 192, mas6 = 196, esr = 200, pir = 204, sprg4 = 208
    }

    let page: UnsafeMutableRawPointer
    /// The guest's choice (KVM_HC_PPC_MAP_MAGIC_PAGE): effective and physical address.
    private(set) var effectiveAddress: UInt32? = nil
    private(set) var guestPhysical: UInt64 = 0

    init() {
        page = Self.allocatePage()
    }

    deinit { page.deallocate() }

    // MARK: The hooks in the VMM's exit loop

    var hypervisorNode: HypervisorNode? { .kvmStyle }
    var vmmPage: UnsafeMutableRawPointer? { page }

    func willEnter(_ vm: VirtualMachine) {
        if mapped { store(from: vm.vcpu, interruptPending: vm.interruptWaitsForEE()) }
    }

    func didLeave(_ vm: VirtualMachine) -> UInt32 {
        mapped ? load(into: vm.vcpu) : 0
    }

    /// The guest kernel's patched sequences mark themselves critical;
    /// interrupts that MSR[EE] masks wait until they are done.
    func defersInterrupt(_ vector: InterruptVector, _ vm: VirtualMachine) -> Bool {
        guard mapped, vm.vcpu.msr & MSR.pr == 0 else { return false }
        switch vector {
        case .external, .decrementer, .fixedInterval, .doorbell, .performanceMonitor:
            return inCriticalSection(r1: vm.hardware.gpr[1])
        default:
            return false
        }
    }

    func handleExit(_ reason: StopReason, pc: UInt32, _ vm: VirtualMachine) -> ExitDisposition {
        switch reason {
        case .systemCall where vm.vcpu.msr & MSR.pr == 0 && vm.hardware.gpr[0] == Self.magicR0:
            vm.profile?.record(pc: pc &- 4, class: .hypercall)
            if hypercall(vm) {
                vm.beginWait(as: .hypercall)
            } else {
                vm.account(.hypercall)
            }
            return .handled
        case .tlbMiss(let address, let access)
            where access != .execute && effectiveAddress == address & 0xFFFF_F000 && vm.vcpu.msr & (MSR.pr | MSR.ds) == 0:
            // The magic page, for the guest kernel, whatever the guest TLB says (KVM's kvmppc_map_magic).
            // Its entry has the shadow ID of guest address space 0, as KVM's does, so the page exists
            // there only: in address space 1 the guest TLB decides (mapping it there would only miss again).
            vm.shadow.installVMMPage(at: address & 0xFFFF_F000, writable: true)
            vm.hardware.flushTLB()
            vm.account(.dtlbVirt)
            vm.profile?.record(pc: pc, class: .dtlbmiss)
            return .handled
        default:
            return .notHandled
        }
    }

    /// A KVM hypercall, as `kvmppc_kvm_pv` answers it: status in r3, a
    /// value in r4. Returns true when the vCPU now idles (EV_IDLE).
    func hypercall(_ vm: VirtualMachine) -> Bool {
        let hardware = vm.hardware
        var status = Self.success, value: UInt32 = 0, idles = false
        switch hardware.gpr[11] {
        case Self.features:
            value = Self.featureMagicPage
        case Self.mapMagicPage:
            map(physical: hardware.gpr[3], effective: hardware.gpr[4])
            value = Self.magicPageFeatures
            // The guest's registers now live in the page too.
            store(from: vm.vcpu, interruptPending: vm.interruptWaitsForEE())
        case Self.idle:
            vm.vcpu.waiting = true
            idles = true
        default:
            status = Self.unimplemented
        }
        hardware.gpr[3] = status
        hardware.gpr[4] = value
        return idles
    }

    var mapped: Bool { effectiveAddress != nil }

    func map(physical: UInt32, effective: UInt32) {
        guestPhysical = UInt64(physical & ~0xFFF)
        effectiveAddress = effective & ~0xFFF
    }

    // MARK: The shared page

    /// A 64-bit field as a 32-bit guest uses it: the low word.
    func long(_ offset: Int) -> UInt32 { word(offset + 4) }
    func setLong(_ offset: Int, _ value: UInt32) { setWord(offset, 0); setWord(offset + 4, value) }

    /// What the guest kernel may have written without exiting, into the
    /// vCPU. Returns the MSR bits that changed.
    func load(into vcpu: Core) -> UInt32 {
        for n in 0..<4 { vcpu.spr[SPR.sprg0 + n] = long(Field.sprg0 + 8 * n) }
        for n in 0..<4 { vcpu.spr[SPR.sprg4 + n] = long(Field.sprg4 + 8 * n) }
        vcpu.spr[SPR.srr0] = long(Field.srr0)
        vcpu.spr[SPR.srr1] = long(Field.srr1)
        vcpu.spr[SPR.dear] = long(Field.dear)
        vcpu.spr[SPR.esr] = word(Field.esr)
        if let mmu = vcpu.mmu {
            mmu.mas0 = word(Field.mas0)
            mmu.mas1 = word(Field.mas1)
            mmu.mas2 = long(Field.mas2)
            mmu.mas3 = word(Field.mas7_3 + 4)
            mmu.mas7 = word(Field.mas7_3)
            mmu.mas4 = word(Field.mas4)
            mmu.mas6 = word(Field.mas6)
        }
        let old = vcpu.replaceMSR(long(Field.msr), executed: 0)
        return old ^ vcpu.msr
    }

    /// The vCPU's registers, and whether an interrupt waits for MSR[EE],
    /// into the page before the guest runs again.
    func store(from vcpu: Core, interruptPending: Bool) {
        for n in 0..<4 { setLong(Field.sprg0 + 8 * n, vcpu.spr[SPR.sprg0 + n]) }
        for n in 0..<4 { setLong(Field.sprg4 + 8 * n, vcpu.spr[SPR.sprg4 + n]) }
        setLong(Field.srr0, vcpu.spr[SPR.srr0])
        setLong(Field.srr1, vcpu.spr[SPR.srr1])
        setLong(Field.dear, vcpu.spr[SPR.dear])
        setLong(Field.msr, vcpu.msr)
        setWord(Field.esr, vcpu.spr[SPR.esr])
        setWord(Field.pir, vcpu.spr[SPR.pir])
        if let mmu = vcpu.mmu {
            setWord(Field.mas0, mmu.mas0)
            setWord(Field.mas1, mmu.mas1)
            setLong(Field.mas2, mmu.mas2)
            setWord(Field.mas7_3, mmu.mas7)
            setWord(Field.mas7_3 + 4, mmu.mas3)
            setWord(Field.mas4, mmu.mas4)
            setWord(Field.mas6, mmu.mas6)
        }
        setWord(Field.intPending, interruptPending ? 1 : 0)
    }

    /// The guest kernel is inside one of its patched-code sequences (they
    /// set `critical` to r1 on entry and to r2 on exit): interrupts that
    /// MSR[EE] masks must wait, as KVM's delivery code does.
    func inCriticalSection(r1: UInt32) -> Bool { long(Field.critical) == r1 }
}

/// The hardware's view of physical memory under the VMM: guest RAM, and the
/// VMM's page (pv's magic page, bt's shared space), nothing else. Devices are the VMM's to emulate,
/// so a device access never reaches them from the hardware (the shadow TLB
/// never maps one).
final class GuestRAMOnly: PhysicalMemory {
    let bus: PhysicalBus
    var vmmPage: UnsafeMutableRawPointer? = nil
    init(_ bus: PhysicalBus) { self.bus = bus }
    func ramPage(_ physicalPage: UInt64) -> UnsafeMutableRawPointer? {
        if physicalPage == VirtualMachine.vmmPagePhysical { return vmmPage }
        return bus.ramPointer(physicalPage)
    }
    var contiguousRAM: (base: UnsafeMutableRawPointer, size: UInt64)? { bus.contiguousRAM }
    var codeCache: CodeCache? { bus.ram.codeCache }
    func read(_ physical: UInt64, size: Int) -> UInt64? { nil }
    func write(_ physical: UInt64, size: Int, value: UInt64) -> Bool { false }
}
