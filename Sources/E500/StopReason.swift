/// Why `Core.run` returned: the core runs until something needs the outside
/// world, the way KVM_RUN returns with an exit reason.
public enum StopReason: Equatable, Sendable {
    /// `sc` executed; `pc` already points past it (as SRR0 would).
    case systemCall
    /// An instruction word the core does not implement or that is invalid
    /// at this privilege level; `pc` points at it.
    case illegalInstruction(word: UInt32)
    /// A privileged instruction executed in user mode; `pc` points at it.
    case privilegedInstruction(word: UInt32)
    /// A load, store or fetch touched an address with no (or the wrong)
    /// mapping; `pc` points at the faulting instruction.
    case memoryFault(address: UInt32, access: MemoryAccess)
    /// A `tw`/`twi` trap condition was met (Linux delivers SIGTRAP).
    case trap
    /// An alignment interrupt (e.g. `lwarx` on an unaligned address, or
    /// `dcbz` outside RAM); `pc` points at it.
    case alignment(address: UInt32)
    /// A floating-point instruction raised an exception that FPSCR enables
    /// (program interrupt, Linux delivers SIGFPE); `pc` points at it.
    case floatingPointException
    /// A floating-point instruction with MSR[FP] = 0 (system mode).
    case floatingPointUnavailable
    /// No TLB entry translates the address (Book E MMU): a TLB-miss interrupt.
    case tlbMiss(address: UInt32, access: MemoryAccess)
    /// A TLB entry translates the address but forbids the access: a storage interrupt.
    case storageViolation(address: UInt32, access: MemoryAccess)
    /// A debug event with MSR[DE] = 1 and DBCR0[IDM] = 1 that stops the
    /// instruction before it takes effect (a data address compare, a return
    /// debug event): system mode takes the debug interrupt at `pc`.
    case debugEvent
    /// A physical address no RAM or device answers: a machine check.
    case machineCheck(address: UInt64)
    /// A machine check with MSR[ME] = 0, or the watchdog's final timeout with
    /// TCR[WRC] asking for a reset: the core stops, as hardware does.
    case checkstop(reason: String)
    /// The core executed `wait` and no timer will wake it: only an external
    /// interrupt can (system mode).
    case waiting
    /// The instruction budget given to `run` is used up.
    case instructionLimit
}

public enum MemoryAccess: UInt8, Sendable {
    case read = 1
    case write = 2
    case execute = 4
}
