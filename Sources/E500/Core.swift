import PowerISA

/// One entry of the direct-mapped software TLB that sits in front of the
/// real translation (user page table now, the Book E MMU later). A tag is
/// the guest page address; an invalid tag has its low bit set, which no page
/// address has.
struct SoftTLBEntry {
    var readTag: UInt32 = 1
    var writeTag: UInt32 = 1
    var hostPage: UnsafeMutableRawPointer? = nil
}

/// An e500 core: architectural state plus the interpreter (see Interpreter.swift).
///
/// Register files live in manually allocated buffers so the hot loop indexes
/// them without bounds checks or copy-on-write checks.
public final class Core {
    /// General-purpose registers r0-r31.
    public let gpr: UnsafeMutablePointer<UInt32>
    /// Floating-point registers f0-f31 as IEEE double bit patterns.
    public let fpr: UnsafeMutablePointer<UInt64>

    public var pc: UInt32 = 0
    public var lr: UInt32 = 0
    public var ctr: UInt32 = 0
    /// Condition register; CR0 is the most significant nibble.
    public var cr: UInt32 = 0
    /// XER is kept split: summary overflow, overflow and carry as 0/1, plus the
    /// byte count used by the string instructions; `xer` composes them.
    public var xerSO: UInt32 = 0
    public var xerOV: UInt32 = 0
    public var xerCA: UInt32 = 0
    public var xerByteCount: UInt32 = 0
    public var fpscr: UInt32 = 0
    /// User-visible SPRG registers (SPRG3-7 readable in user mode on Book E), VRSAVE/USPRG0.
    public var usprg0: UInt32 = 0
    public var sprg: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// Reservation set by `lwarx`, cleared by `stwcx.` (nil when none).
    public var reservation: UInt32? = nil
    /// The word `lwarx` read; like QEMU's user mode, `stwcx.` succeeds only if
    /// memory still holds it (another process sharing the page may have stored).
    var reservationValue: UInt32 = 0

    /// e500mc's L1 data cache line: what `dcbz` zeroes.
    public static let cacheLineSize: UInt32 = 64

    /// Time base, advanced by one per executed instruction in user mode.
    public var timeBase: UInt64 = 0
    /// Instructions retired since creation.
    public var instructionsExecuted: UInt64 = 0

    /// When true, `run` calls `traceHook` before each instruction.
    public var traceHook: ((UInt32, UInt32) -> Void)? = nil

    /// Resolves TLB misses.
    public var translator: MemoryTranslator

    // Software TLB, direct mapped on the guest page number.
    static let softTLBSize = 256
    let softTLB: UnsafeMutablePointer<SoftTLBEntry>
    // Instruction fetch: the guest page the PC is on and its host address.
    var fetchTag: UInt32 = 1
    var fetchPage: UnsafeMutableRawPointer? = nil

    // Set by a handler that could not complete (a fault); the loop returns
    // `pendingStop`. The Bool is what the hot path tests: one byte, not an
    // optional enum with a payload.
    var stopPending = false
    var pendingStop: StopReason = .instructionLimit

    @inline(never)
    func requestStop(_ reason: StopReason) {
        pendingStop = reason
        stopPending = true
    }

    public init(translator: MemoryTranslator) {
        self.translator = translator
        gpr = .allocate(capacity: 32)
        gpr.initialize(repeating: 0, count: 32)
        fpr = .allocate(capacity: 32)
        fpr.initialize(repeating: 0, count: 32)
        softTLB = .allocate(capacity: Core.softTLBSize)
        softTLB.initialize(repeating: SoftTLBEntry(), count: Core.softTLBSize)
    }

    deinit {
        gpr.deallocate()
        fpr.deallocate()
        softTLB.deallocate()
    }

    /// XER as software sees it.
    public var xer: UInt32 {
        get { xerSO << 31 | xerOV << 30 | xerCA << 29 | (xerByteCount & 0x7f) }
        set {
            xerSO = newValue >> 31
            xerOV = (newValue >> 30) & 1
            xerCA = (newValue >> 29) & 1
            xerByteCount = newValue & 0x7f
        }
    }

    /// Forgets every cached translation. Call after the translator's
    /// mappings change (mmap, munmap, mprotect, execve).
    public func flushTLB() {
        softTLB.update(repeating: SoftTLBEntry(), count: Core.softTLBSize)
        fetchTag = 1
        fetchPage = nil
    }

    /// Resets all user-visible registers to zero (execve).
    public func resetRegisters() {
        gpr.update(repeating: 0, count: 32)
        fpr.update(repeating: 0, count: 32)
        pc = 0; lr = 0; ctr = 0; cr = 0
        xer = 0; fpscr = 0
        reservation = nil
    }
}
