/// Why the guest left the hardware, named as Linux KVM's exit-timing
/// statistics name it (arch/powerpc/kvm/timing.c and the "PowerPC
/// Exittimings" page). The order is the page's table order, with the Book E
/// additions after the page's rows and TIMEINGUEST, which is not an exit but
/// the time between entry and the next exit, last.
public enum ExitType: Int, CaseIterable, Sendable, Codable {
    /// A guest load or store to a device region, emulated by the VMM.
    case mmio
    /// A device control register access (440 cores; never on e500).
    case dcr
    /// The VMM returned to its user-space side (here: host console input).
    case signal
    /// Instruction TLB miss the guest TLB cannot satisfy: injected into the guest.
    case itlbReal
    /// Instruction TLB miss the guest TLB maps: the VMM installs a shadow entry.
    case itlbVirt
    case dtlbReal
    case dtlbVirt
    /// `sc` reflected to the guest kernel.
    case syscall
    /// Instruction or data storage interrupt reflected to the guest.
    case isi
    case dsi
    /// Any other emulated instruction (program interrupts reflected, mfdcr...).
    case emulatedInstruction
    /// `wait` or mtmsr with MSR[WE]: the vCPU idles until an interrupt.
    case emulatedWait
    /// Other core-specific instructions: tlbre, tlbsync, msgsnd/msgclr, rfci/rfdi/rfmci, cache locking.
    case emulatedCore
    case emulatedMtspr
    case emulatedMfspr
    case emulatedMtmsr
    case emulatedMfmsr
    case emulatedTlbsx
    case emulatedTlbwe
    case emulatedRfi
    /// The host timer that emulates the guest's decrementer/FIT/watchdog fired.
    case decrementer
    /// A device interrupt arrived for the guest.
    case externalInterrupt
    /// A floating-point instruction with the guest's MSR[FP] = 0.
    case floatingPointUnavailable
    /// A hypercall (paravirtual mode).
    case hypercall
    /// e500 additions: wrtee/wrteei (KVM 6.1 counts them as EMUL_WRTEE) and
    /// the TLB invalidations tlbivax/tlbilx (EMUL_TLBINV: eleven characters, so the
    /// table keeps its columns).
    case emulatedWrtee
    case emulatedTlbivax
    /// A guest load or store to a page the binary translator traces (`bt`
    /// mode: execute-only shadow), emulated by the VMM: the paper's "Acc.
    /// Viol." exits, its tracing page faults.
    case accessViolation
    case timeInGuest

    /// The name in KVM's tables.
    public var name: String {
        switch self {
        case .mmio: "MMIO"
        case .dcr: "DCR"
        case .signal: "SIGNAL"
        case .itlbReal: "ITLBREAL"
        case .itlbVirt: "ITLBVIRT"
        case .dtlbReal: "DTLBREAL"
        case .dtlbVirt: "DTLBVIRT"
        case .syscall: "SYSCALL"
        case .isi: "ISI"
        case .dsi: "DSI"
        case .emulatedInstruction: "EMULINST"
        case .emulatedWait: "EMUL_WAIT"
        case .emulatedCore: "EMUL_CORE"
        case .emulatedMtspr: "EMUL_MTSPR"
        case .emulatedMfspr: "EMUL_MFSPR"
        case .emulatedMtmsr: "EMUL_MTMSR"
        case .emulatedMfmsr: "EMUL_MFMSR"
        case .emulatedTlbsx: "EMUL_TLBSX"
        case .emulatedTlbwe: "EMUL_TLBWE"
        case .emulatedRfi: "EMUL_RFI"
        case .decrementer: "DEC"
        case .externalInterrupt: "EXTINT"
        case .floatingPointUnavailable: "FP_UNAVAIL"
        case .hypercall: "HCALL"
        case .emulatedWrtee: "EMUL_WRTEE"
        case .emulatedTlbivax: "EMUL_TLBINV"
        case .accessViolation: "ACC_VIOL"
        case .timeInGuest: "TIMEINGUEST"
        }
    }

    public init?(name: String) {
        guard let t = ExitType.allCases.first(where: { $0.name == name }) else { return nil }
        self = t
    }

    /// TLB-miss exits (the paper's "TLB misses").
    public var isTLBMiss: Bool {
        switch self {
        case .itlbReal, .itlbVirt, .dtlbReal, .dtlbVirt: true
        default: false
        }
    }

    /// Exits caused by executing a privileged instruction (the paper's "privileged exits").
    public var isPrivilegedInstruction: Bool {
        switch self {
        case .emulatedInstruction, .emulatedWait, .emulatedCore, .emulatedMtspr, .emulatedMfspr, .emulatedMtmsr,
             .emulatedMfmsr, .emulatedTlbsx, .emulatedTlbwe, .emulatedRfi, .emulatedWrtee, .emulatedTlbivax:
            true
        default: false
        }
    }
}
