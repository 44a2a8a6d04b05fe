import PowerISA

/// One entry of the direct-mapped software TLB that sits in front of the
/// real translation (user page table now, the Book E MMU later). A tag is
/// the guest page address; an invalid tag has its low bit set, which no page
/// address has.
struct SoftTLBEntry {
    var readTag: UInt32 = 1
    var writeTag: UInt32 = 1
    var executeTag: UInt32 = 1
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
    /// Machine state register. In user mode (the Linux runner) PR stays set.
    public var msr: UInt32 = MSR.pr | MSR.fp {
        didSet {
            // Each translation context keeps its own software TLB (permissions
            // differ by privilege), so entering and leaving the kernel flushes nothing.
            if (msr ^ oldValue) & (MSR.pr | MSR.is | MSR.ds) != 0 { selectSoftTLBBank() }
        }
    }
    /// Plain storage for the SPRs without side effects (SRR0/1, SPRGs, IVPR,
    /// IVORs, DEAR, ESR, ...), indexed by SPR number. SPRs with behaviour
    /// (DEC, TSR, MAS registers, L1CSR0, ...) are handled in Supervisor.swift.
    public let spr: UnsafeMutablePointer<UInt32>

    /// True when the core models the supervisor level: privileged
    /// instructions execute in supervisor mode and interrupts are delivered
    /// through IVPR/IVORs. False for the Linux user-mode runner, where every
    /// interrupt stops `run` instead (the runner plays the kernel).
    public var systemMode = false
    /// Hardware under a hypervisor (the `kvm` modes): with `systemMode` off
    /// every interrupt condition already ends the run; this also makes `wait`
    /// end it (`.waiting`, PC past the instruction), so the VMM can idle the
    /// virtual CPU instead of the hardware thread.
    public var exitOnWait = false
    /// True for the Linux user-mode runner, which plays the kernel: the
    /// instructions the e500mc lacks but Linux emulates for user programs
    /// (load/store string and popcntb: arch/powerpc/kernel/traps.c,
    /// emulate_instruction) execute directly, with the result that
    /// emulation gives. False for the hardware (system mode, and the core
    /// under the VMM): they raise an illegal-instruction program interrupt
    /// as on the e500mc, and a guest Linux emulates them itself, so its
    /// instruction and exit counts are the hardware's.
    public var executesKernelEmulatedInstructions = true
    /// Interrupt-storm detection: instructions retired at the last
    /// synchronous interrupt, and how many came since without one retiring.
    var lastSynchronousRetired: UInt64 = .max
    var synchronousStreak = 0
    package static let interruptStormLimit = 100_000
    /// Fast-forwards through a wait that wakes nothing before `run` returns `.waiting`.
    package static let idleSkipsPerRun = 64
    /// Set while `step()` runs: an interrupt taken by the instruction ends the
    /// step at the vector instead of executing there.
    var stepping = false
    /// The Book E MMU (system mode); nil in user mode.
    public var mmu: BookEMMU? = nil { didSet { mmuUnretained = mmu.map { Unmanaged.passUnretained($0) } } }
    /// Physical memory behind the MMU (system mode).
    public var physicalMemory: PhysicalMemory? = nil { didSet { cacheRAM() } }
    // For the translation miss path (it runs on every software-TLB miss),
    // without reference counting: the MMU (`mmu` keeps it alive), and the
    // RAM as one host block when the memory has it that way.
    var mmuUnretained: Unmanaged<BookEMMU>? = nil
    var ramBase: UnsafeMutableRawPointer? = nil
    var ramSize: UInt64 = 0

    func cacheRAM() {
        if let ram = physicalMemory?.contiguousRAM {
            ramBase = ram.base
            ramSize = ram.size
        } else {
            ramBase = nil
            ramSize = 0
        }
        refreshCodeCache()
    }

    /// The host address of the RAM page at `physicalPage`, nil for device space.
    @inline(__always)
    func ramPage(_ physicalPage: UInt64) -> UnsafeMutableRawPointer? {
        if let ramBase, physicalPage < ramSize { return ramBase + Int(physicalPage) }
        return physicalMemory?.ramPage(physicalPage)
    }
    /// The interrupt controller's output to the core's external input.
    public var externalInterrupts: ExternalInterruptSource? = nil
    /// The interrupt controller's output to the core's critical input.
    public var criticalInterrupts: CriticalInterruptSource? = nil

    /// The DBCR0 debug events that are armed (DBCR0[IDM] = 1 and the event
    /// enabled), 0 when none: the only debug state the interpreter looks at
    /// outside the places where debug state changes (Debug.swift).
    var debugEvents: UInt32 = 0
    /// The performance monitor's registers and counters (PerformanceMonitor.swift).
    var performanceMonitor = PerformanceMonitorState()

    // Modelled time: one instruction is one core cycle; the time base ticks
    // once every `cyclesPerTimeBaseTick` cycles (3: a 1.2 GHz core with the
    // 400 MHz time base the ppce500 device tree announces).
    public var cyclesPerTimeBaseTick: UInt64 = 1
    /// Core cycles elapsed, including time fast-forwarded by `wait`.
    public var cycles: UInt64 = 0
    package var timeBaseOffset: UInt64 = 0
    public var timerControl: UInt32 = 0
    public var timerStatus: UInt32 = 0
    var decrementerDeadline: UInt64 = 0
    var decrementerRunning = false
    var lastFixedIntervalEpoch: UInt64 = 0
    var lastWatchdogEpoch: UInt64 = 0
    /// The watchdog's second timeout expired with a reset action (TCR[WRC]).
    package var watchdogExpired = false
    /// A processor doorbell (msgsnd) is waiting to be taken.
    public var doorbellPending = false
    /// Set by `wait` (or by setting MSR[WE]) until an interrupt is taken.
    public var waiting = false {
        didSet { if waiting && !oldValue { idlePeriods &+= 1 } }
    }
    /// Times the core entered the wait state: whoever looks between runs
    /// (the console typing scripted input) learns that the guest idled since.
    public private(set) var idlePeriods: UInt64 = 0
    /// Interrupts delivered to the guest since creation.
    public var interruptsTaken: UInt64 = 0

    /// Reservation set by `lwarx`, cleared by `stwcx.` (nil when none).
    public var reservation: UInt32? = nil
    /// The word `lwarx` read; like QEMU's user mode, `stwcx.` succeeds only if
    /// memory still holds it (another process sharing the page may have stored).
    var reservationValue: UInt32 = 0

    /// e500mc's L1 data cache line: what `dcbz` zeroes.
    public static let cacheLineSize: UInt32 = 64

    /// Instructions retired since creation.
    public var instructionsExecuted: UInt64 = 0

    /// When true, `run` calls `traceHook` before each instruction.
    public var traceHook: ((UInt32, UInt32) -> Void)? = nil

    /// Resolves TLB misses.
    public var translator: MemoryTranslator { didSet { refreshCodeCache() } }

    // Software TLB, direct mapped on the guest page number.
    static let softTLBSize = 256
    /// A few banks, one per translation context (MSR[PR, IS, DS], PID,
    /// PID1): `softTLB` is the current context's. A context switch (an
    /// interrupt, rfi, a PID write, the VMM's shadow IDs) selects a bank
    /// instead of flushing; every TLB change forgets its pages in all banks,
    /// so a bank stays exact while its context is away.
    let softTLBBanks: UnsafeMutablePointer<SoftTLBEntry>
    var softTLB: UnsafeMutablePointer<SoftTLBEntry>
    static let softTLBContexts = 4
    static let softTLBEntries = softTLBContexts * softTLBSize
    /// Each bank's context (`translationContext`), or `unusedBank`.
    let softTLBBankContexts: UnsafeMutablePointer<UInt64>
    static let unusedBank = UInt64.max
    /// The bank the next new context takes (round robin).
    var softTLBNextBank = 0

    /// The entries of bank `n`.
    func softTLBBank(_ n: Int) -> UnsafeMutablePointer<SoftTLBEntry> { softTLBBanks + n * Core.softTLBSize }

    /// What a translation depends on besides the TLBs.
    var translationContext: UInt64 {
        UInt64(msr & (MSR.pr | MSR.is | MSR.ds)) << 16 | UInt64(spr[SPR.pid] & 0xFF) << 8 | UInt64(spr[SPR.pid1] & 0xFF)
    }

    /// Makes `softTLB` the current context's bank, taking (and emptying) the
    /// next one when the context has none; the fetch state goes either way.
    func selectSoftTLBBank() {
        let context = translationContext
        var bank = -1
        for n in 0..<Core.softTLBContexts where softTLBBankContexts[n] == context { bank = n }
        if bank < 0 {
            bank = softTLBNextBank
            softTLBNextBank = (bank + 1) % Core.softTLBContexts
            softTLBBankContexts[bank] = context
            softTLBBank(bank).update(repeating: SoftTLBEntry(), count: Core.softTLBSize)
        }
        softTLB = softTLBBank(bank)
        refetch()
    }

    // Instruction fetch: the guest page the PC is on, its host address and
    // its decoded words (nil: the page is not cached, decode every time).
    var fetchTag: UInt32 = 1
    var fetchPage: UnsafeMutableRawPointer? = nil
    var fetchWords: UnsafeMutablePointer<DecodedInstruction>? = nil
    /// Stands in for the decoded words of a page the code cache does not
    /// hold: all undecoded, so every instruction there is decoded as it runs.
    let uncachedWords: UnsafeMutablePointer<DecodedInstruction>

    /// The decoded code of the memory this core executes from (CodeCache.swift):
    /// the RAM's in system mode, the address space's in user mode; nil when
    /// the memory has none (every instruction is then decoded as it runs).
    public private(set) var codeCache: CodeCache? = nil
    var codeCacheUnretained: Unmanaged<CodeCache>? = nil

    /// Takes the code cache of the memory the core now reaches.
    func refreshCodeCache() {
        let cache = physicalMemory?.codeCache ?? translator.codeCache
        guard cache !== codeCache else { return }
        codeCache?.detach(self)
        codeCache = cache
        codeCacheUnretained = cache.map { Unmanaged.passUnretained($0) }
        cache?.attach(self)
        refetch()
    }

    /// A page became code: its stores must come through a refill (which
    /// invalidates), so no software-TLB entry may keep a write tag for it.
    func dropWriteTags(hostPage: UnsafeMutableRawPointer) {
        for n in 0..<Core.softTLBEntries where softTLBBanks[n].hostPage == hostPage { softTLBBanks[n].writeTag = 1 }
    }

    /// A page's decoded words were dropped: fetch again if running on them.
    func forgetDecodedPage(_ words: UnsafeMutablePointer<DecodedInstruction>) {
        if fetchWords == words { refetch() }
    }

    /// The core is about to store into the RAM page at `hostPage` outside
    /// the software TLB's write tags (a refill, the slow path): decoded code
    /// there goes first.
    @inline(__always)
    func willStore(toHostPage hostPage: UnsafeMutableRawPointer) {
        codeCacheUnretained?._withUnsafeGuaranteedRef { $0.invalidate(hostPage, count: 4096) }
    }

    // What the end of each instruction must look at, in one byte so the hot
    // path tests a single load: bit 0, the instruction could not complete (a
    // fault; `pendingStop` says why); bit 1, it completed but timers or
    // interrupts must be re-evaluated (`requestEventCheck`).
    var exitFlags: UInt8 = 0
    var pendingStop: StopReason = .instructionLimit
    var stopPending: Bool { exitFlags & ExitFlag.stop != 0 }

    /// The bits of `exitFlags`.
    enum ExitFlag {
        /// The instruction could not complete; `pendingStop` says why.
        static let stop: UInt8 = 1
        /// It completed, but timers or interrupts must be re-evaluated: the chunk ends.
        static let events: UInt8 = 2
        /// The fetch context changed (software TLB flushed, the code page's
        /// decoded words dropped): the interpreter starts a new straight run.
        static let refetch: UInt8 = 4
        /// What makes `execute` return to the run loop.
        static let endsChunk: UInt8 = stop | events
    }

    @inline(never)
    func requestStop(_ reason: StopReason) {
        pendingStop = reason
        exitFlags |= ExitFlag.stop
    }

    /// Forgets the fetch state: the next instruction translates its PC again.
    func refetch() {
        fetchTag = 1
        fetchPage = nil
        fetchWords = nil
        exitFlags |= ExitFlag.refetch
    }

    public init(translator: MemoryTranslator) {
        self.translator = translator
        gpr = .allocate(capacity: 32)
        gpr.initialize(repeating: 0, count: 32)
        fpr = .allocate(capacity: 32)
        fpr.initialize(repeating: 0, count: 32)
        spr = .allocate(capacity: 1024)
        spr.initialize(repeating: 0, count: 1024)
        uncachedWords = .allocate(capacity: CodeCache.wordsPerPage)
        uncachedWords.initialize(repeating: .undecoded, count: CodeCache.wordsPerPage)
        softTLBBanks = .allocate(capacity: Core.softTLBEntries)
        softTLBBanks.initialize(repeating: SoftTLBEntry(), count: Core.softTLBEntries)
        softTLBBankContexts = .allocate(capacity: Core.softTLBContexts)
        softTLBBankContexts.initialize(repeating: Core.unusedBank, count: Core.softTLBContexts)
        softTLB = softTLBBanks
        refreshCodeCache()
        selectSoftTLBBank()
    }

    deinit {
        codeCache?.detach(self)
        gpr.deallocate()
        fpr.deallocate()
        spr.deallocate()
        softTLBBanks.deallocate()
        softTLBBankContexts.deallocate()
        uncachedWords.deallocate()
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
        for n in 0..<Core.softTLBContexts where softTLBBankContexts[n] != Core.unusedBank {
            softTLBBank(n).update(repeating: SoftTLBEntry(), count: Core.softTLBSize)
        }
        refetch()
    }

    /// Forgets the cached translations of the pages in [ea, ea + size) only
    /// (a hypervisor replaced one hardware TLB entry): cheaper than
    /// `flushTLB` for small ranges, and the other pages stay cached.
    public func invalidateTranslations(ea: UInt32, size: UInt64) {
        let first = UInt64(ea) >> 12, pages = max(1, size >> 12)
        func stale(_ tag: UInt32) -> Bool { tag & 0xFFF == 0 && UInt64(tag >> 12) &- first < pages }
        for n in 0..<Core.softTLBContexts where softTLBBankContexts[n] != Core.unusedBank {
            let bank = softTLBBank(n)
            func forget(_ n: Int) {
                let e = bank[n]
                if stale(e.readTag) || stale(e.writeTag) || stale(e.executeTag) { bank[n] = SoftTLBEntry() }
            }
            if pages >= UInt64(Core.softTLBSize) {
                for n in 0..<Core.softTLBSize { forget(n) }
            } else {
                for page in first..<(first + pages) { forget(Int(page & UInt64(Core.softTLBSize - 1))) }
            }
        }
        if stale(fetchTag) { refetch() }
    }

    /// Executes one instruction, or takes the interrupt it raises and stops
    /// at the vector (system mode). A hypervisor emulates a trapped guest
    /// instruction this way against its virtual CPU.
    public func step() -> StopReason {
        stepping = true
        defer { stepping = false }
        return execute(limit: 1)
    }

    /// Copies the user-visible register state (GPRs, FPRs, PC, LR, CTR, CR,
    /// XER, FPSCR, USPRG0, and with `readOnlySPRGs` SPRG3-7, which user mode
    /// reads but cannot write) to `other`: a hypervisor moves guest state
    /// between the hardware and its virtual CPU. From the hardware back to
    /// the vCPU the SPRGs stay out: the guest cannot have changed them there.
    public func copyUserState(to other: Core, readOnlySPRGs: Bool = true) {
        other.gpr.update(from: gpr, count: 32)
        other.fpr.update(from: fpr, count: 32)
        other.pc = pc; other.lr = lr; other.ctr = ctr; other.cr = cr
        other.xerSO = xerSO; other.xerOV = xerOV; other.xerCA = xerCA; other.xerByteCount = xerByteCount
        other.fpscr = fpscr
        other.spr[SPR.usprg0] = spr[SPR.usprg0]
        if readOnlySPRGs { for n in SPR.sprg3...SPR.sprg7 { other.spr[n] = spr[n] } }
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
