/// The Freescale MPIC (OpenPIC) as QEMU's `fsl,mpic` model 4.2 presents it to
/// Linux (docs/platform-e500.md §4): 256 interrupt sources (0-15 external,
/// 16-255 internal), 4 IPIs, 4 global timers, one CPU.
///
/// Delivery follows QEMU's `hw/intc/openpic.c`: a pending, unmasked source
/// whose destination includes CPU 0 is *raised*; the CPU's INT output is
/// asserted while the highest raised priority is above both the CPU's task
/// priority (CTPR) and the highest priority in service. IACK moves the
/// highest raised source into service and returns its vector; EOI retires
/// the highest-priority source in service. One deliberate difference: the
/// output is recomputed from that rule after every change, where QEMU
/// updates it incrementally (its EOI path can assert INT for a source that
/// CTPR blocks, and IACK then returns the spurious vector). The rule is the
/// hardware's; Linux never reaches the case.
///
/// A source can instead be routed to the core's critical input: IDR[CI0]
/// (FSL MPIC, QEMU's `IDR_CI`) or ILR = 1 (4.x, with IDR[P0] as the
/// destination). Critical sources bypass priority, CTPR, IACK and EOI (as in
/// QEMU): the critical output is asserted while any of them is pending and
/// unmasked, so the handler must quiet (or mask) the source. An edge source
/// stays latched there until masked, as in QEMU, since no IACK clears it.
/// ILR = 2 (machine check) reaches no output.
///
/// Registers are 32-bit big-endian. The global timers keep their registers
/// but do not count: Linux only programs them masked (`mpic_init`) and our
/// kernel has no `CONFIG_MPIC_TIMER`. The error-interrupt summary block
/// (EISR/EIMR) reads 0 and source 16 never fires, as in QEMU.
public final class MPIC: MMIODevice {
    /// Source registers Linux can program (0x10000 + 0x20·n).
    public static let sourceCount = 256
    /// What FRR reports (QEMU: 196 sources, 1 CPU, version ID 2 = 0x00C30002);
    /// Linux ignores it because the platform passes 256.
    public static let reportedSourceCount = 196
    /// Block revision 4.2: Linux keeps coreint mode (EPR) only for ≥ 4.0.
    public static let brr1: UInt32 = 0x0040_0402
    public static let regionSize: UInt64 = 0x4_0000

    static let ipiBase = 256, timerBase = 260, internalSources = 264
    static let externalCount = 16   // 0-15 take their sense from IVPR[S]; 16-255 are internal

    // IVPR bits.
    static let maskBit: UInt32 = 0x8000_0000
    static let activityBit: UInt32 = 0x4000_0000
    static let polarityBit: UInt32 = 0x0080_0000
    static let senseBit: UInt32 = 0x0040_0000
    static let priorityMask: UInt32 = 0x000F_0000
    static let vectorMask: UInt32 = 0xFFFF

    // GCR bits.
    static let gcrReset: UInt32 = 0x8000_0000
    static let gcrModeMask: UInt32 = 0x6000_0000   // 4.2: mixed 0x2000_0000, proxy (coreint) 0x6000_0000
    static let gcrModeProxy: UInt32 = 0x6000_0000

    /// IDR: critical interrupt to CPU 0 (QEMU `IDR_CI0_SHIFT` 30).
    static let criticalDestination: UInt32 = 0x4000_0000

    static let timerCountInhibit: UInt32 = 0x8000_0000
    static let timerToggle: UInt32 = 0x8000_0000

    /// What a source is: how its sense and polarity bits behave.
    enum Kind { case external, internalLevel, ipiOrTimer }

    /// The CPU's interrupt output, as the core sees it.
    public final class Output {
        /// The level of the INT pin into the core's external-input
        /// exception (taken when MSR[EE] = 1).
        public fileprivate(set) var externalInterruptPending = false
        /// Called on every change of `externalInterruptPending`, so the core
        /// can set its stop flag instead of polling.
        public var onChange: ((Bool) -> Void)?
        /// The level of the critical interrupt pin (cint) into the core's
        /// critical-input exception (taken when MSR[CE] = 1).
        public fileprivate(set) var criticalInterruptPending = false
        unowned let mpic: MPIC
        init(mpic: MPIC) { self.mpic = mpic }

        /// What the core does on taking the external interrupt in coreint
        /// (proxy) mode: an IACK cycle whose vector goes to SPR EPR.
        /// Identical to a guest read of IACK (+0x200A0).
        public func acknowledge() -> UInt32 { mpic.interruptAcknowledge() }

        fileprivate func set(_ level: Bool) {
            guard level != externalInterruptPending else { return }
            externalInterruptPending = level
            onChange?(level)
        }
    }

    public private(set) lazy var output = Output(mpic: self)
    /// GCR mode = proxy: the core must acknowledge on taking the interrupt
    /// and put the vector in EPR (QEMU `ppce500_set_mpic_proxy`).
    public private(set) var coreintMode = false

    private var kind = [Kind](repeating: .external, count: internalSources)
    private var ivpr = [UInt32](repeating: 0, count: internalSources)
    private var idr = [UInt32](repeating: 0, count: internalSources)
    private var ilr = [UInt32](repeating: 0, count: internalSources)
    /// The wire level each device drives.
    private var lineLevel = [Bool](repeating: false, count: internalSources)
    /// Level sources: the wire; edge sources: latched on a rising edge until IACK.
    private var pending = [Bool](repeating: false, count: internalSources)
    private var levelSensitive = [Bool](repeating: false, count: internalSources)
    private var raised = SourceSet()
    private var inService = SourceSet()
    /// Sources asserting the critical output.
    private var criticalRaised = SourceSet()

    private var gcr: UInt32 = 0
    private var pir: UInt32 = 0
    private var spurious: UInt32 = 0xFFFF
    private var tfrr: UInt32 = 0
    public private(set) var currentTaskPriority: UInt32 = 15
    private var timerCurrentCount = [UInt32](repeating: 0, count: 4)
    private var timerBaseCount = [UInt32](repeating: 0, count: 4)

    public init() {
        for n in 0..<MPIC.internalSources {
            kind[n] = n < MPIC.externalCount ? .external : n < MPIC.ipiBase ? .internalLevel : .ipiOrTimer
        }
        reset()
    }

    /// Power-on state (also what a GCR reset does; QEMU finishes it at once,
    /// so GCR reads back 0 immediately). Wire levels survive: they belong
    /// to the devices.
    public func reset() {
        gcr = 0
        pir = 0
        spurious = MPIC.vectorMask
        tfrr = 0
        coreintMode = false
        for n in 0..<MPIC.internalSources {
            ivpr[n] = MPIC.maskBit
            switch kind[n] {
            case .external: levelSensitive[n] = false
            case .internalLevel: levelSensitive[n] = true; ivpr[n] |= MPIC.polarityBit
            case .ipiOrTimer: levelSensitive[n] = false
            }
            pending[n] = levelSensitive[n] && lineLevel[n]
            // QEMU 7.2 resets IPI destinations to none (they are set by dispatch).
            idr[n] = (MPIC.ipiBase..<MPIC.timerBase).contains(n) ? 0 : 1
            ilr[n] = 0
        }
        raised = SourceSet()
        inService = SourceSet()
        criticalRaised = SourceSet()
        currentTaskPriority = 15
        for t in 0..<4 { timerCurrentCount[t] = 0; timerBaseCount[t] = MPIC.timerCountInhibit }
        updateOutput()
    }

    // MARK: Wires from devices

    /// The wire for source `n` (0-255). Internal sources (16-255, e.g. the
    /// UART's 42) are level-sensitive; external ones (0-15, e.g. virtio's
    /// platform-bus 5-14) are edge until Linux programs IVPR[S].
    public func line(source n: Int) -> InterruptLine {
        precondition(n >= 0 && n < MPIC.sourceCount, "MPIC source \(n) out of range")
        return InterruptLine { [unowned self] level in self.setLine(n, level) }
    }

    public func setLine(_ n: Int, _ level: Bool) {
        let rising = level && !lineLevel[n]
        lineLevel[n] = level
        if levelSensitive[n] {
            pending[n] = level
        } else if rising {
            pending[n] = true
        } else {
            return
        }
        update(n)
    }

    // MARK: Delivery

    private func priority(_ n: Int) -> Int { Int((ivpr[n] & MPIC.priorityMask) >> 16) }

    /// Highest-priority member of `set`; ties go to the lowest source number
    /// (QEMU's `IRQ_check` scans upward and keeps the first strictly higher).
    private func highest(_ set: SourceSet) -> (source: Int, priority: Int) {
        var best = -1, bestPriority = -1
        for w in 0..<SourceSet.words {
            var bits = set.bits[w]
            while bits != 0 {
                let n = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                let p = priority(n)
                if p > bestPriority { best = n; bestPriority = p }
            }
        }
        return (best, bestPriority)
    }

    /// Where source `n` is delivered.
    private enum Target { case int, critical, none }

    private func target(_ n: Int) -> Target {
        // IDR[CI0] wins over IDR[P0] (QEMU: "configured for multiple output
        // types, using critical"); otherwise ILR picks the pin for IDR[P0].
        if idr[n] & MPIC.criticalDestination != 0 { return .critical }
        guard idr[n] & 1 != 0 else { return .none }
        switch ilr[n] {
        case 0: return .int
        case 1: return .critical
        default: return .none   // machine check (2) and reserved targets: not wired
        }
    }

    /// Source `n` changed (wire, mask, priority, destination, routing).
    private func update(_ n: Int) {
        let active = pending[n] && ivpr[n] & MPIC.maskBit == 0
        if active { ivpr[n] |= MPIC.activityBit } else { ivpr[n] &= ~MPIC.activityBit }
        let to = target(n)
        raised[n] = active && to == .int
        criticalRaised[n] = active && to == .critical
        updateOutput()
    }

    private func updateOutput() {
        let top = highest(raised).priority
        let serving = highest(inService).priority
        output.set(top > Int(currentTaskPriority) && top > serving)
        output.criticalInterruptPending = !criticalRaised.isEmpty
    }

    /// IACK (QEMU `openpic_iack`): the highest raised source goes into
    /// service; an edge source's latch clears, a level source stays pending
    /// while its wire is high. Nothing deliverable → the spurious vector.
    func interruptAcknowledge() -> UInt32 {
        let (n, p) = highest(raised)
        guard n >= 0, p > Int(currentTaskPriority) else {
            updateOutput()
            return spurious
        }
        inService[n] = true
        let vector = ivpr[n] & MPIC.vectorMask
        if !levelSensitive[n] {
            pending[n] = false
            if (MPIC.ipiBase..<MPIC.timerBase).contains(n) { idr[n] &= ~1 }  // delivered to CPU 0
            update(n)
        } else {
            updateOutput()
        }
        return vector
    }

    /// EOI: retire the highest-priority source in service. A level source
    /// whose wire is still high is raised again at once.
    public func endOfInterrupt() {
        let (n, _) = highest(inService)
        guard n >= 0 else { return }
        inService[n] = false
        updateOutput()
    }

    // MARK: Registers

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let word = readRegister(offset & ~3)
        return size == 4 && offset & 3 == 0 ? UInt64(word) : extractBigEndian(word: word, offset: offset, size: size)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard size == 4, offset & 3 == 0 else { return }
        writeRegister(offset, UInt32(truncatingIfNeeded: value))
    }

    /// Register read at a word offset. Unknown registers inside a block QEMU
    /// models read all ones (as QEMU's handlers return); space between blocks
    /// reads 0 (QEMU's unassigned memory).
    func readRegister(_ a: UInt64) -> UInt32 {
        switch a {
        case 0..<0x10F0:
            guard a & 0xF == 0 else { return 0xFFFF_FFFF }
            switch a {
            case 0x0000: return MPIC.brr1
            case 0x0040...0x00B0: return readCPURegister(a)
            case 0x1000: return UInt32(MPIC.reportedSourceCount - 1) << 16 | 0 << 8 | 2
            case 0x1020: return gcr
            case 0x1080: return 0   // VIR: generic vendor
            case 0x1090: return 0   // PIR reads 0 in QEMU
            case 0x10A0, 0x10B0, 0x10C0, 0x10D0: return ivpr[MPIC.ipiBase + Int((a - 0x10A0) >> 4)]
            case 0x10E0: return spurious
            default: return 0xFFFF_FFFF
            }
        case 0x10F0..<0x1310:
            guard a & 0xF == 0 else { return 0xFFFF_FFFF }
            if a == 0x10F0 { return tfrr }
            let t = Int((a >> 6) & 3)
            switch a & 0x30 {
            case 0x00: return timerCurrentCount[t]
            case 0x10: return timerBaseCount[t]
            case 0x20: return ivpr[MPIC.timerBase + t]
            default: return idr[MPIC.timerBase + t]
            }
        case 0x1600..<0x1800, 0x3800..<0x4000:
            return 0   // MSI and error-summary blocks: nothing pending
        case 0x10000..<0x12000:
            let n = Int((a - 0x10000) >> 5)
            switch a & 0x1F {
            case 0x00: return ivpr[n]
            case 0x10: return idr[n]
            case 0x18: return ilr[n]
            default: return 0xFFFF_FFFF
            }
        case 0x20000..<0x3F100:
            // CPU c's window is 0x20000 + 0x1000·c; only CPU 0 exists.
            return a < 0x21000 ? readCPURegister(a & 0xFFF) : 0xFFFF_FFFF
        default:
            return 0
        }
    }

    private func readCPURegister(_ a: UInt64) -> UInt32 {
        guard a & 0xF == 0 else { return 0xFFFF_FFFF }
        switch a {
        case 0x80: return currentTaskPriority
        case 0x90: return 0   // WHOAMI: CPU 0
        case 0xA0: return interruptAcknowledge()
        case 0xB0: return 0
        default: return 0xFFFF_FFFF
        }
    }

    func writeRegister(_ a: UInt64, _ v: UInt32) {
        switch a {
        case 0..<0x10F0:
            guard a & 0xF == 0 else { return }
            switch a {
            case 0x0040...0x00B0: writeCPURegister(a, v)
            case 0x1020: writeGlobalConfiguration(v)
            case 0x1090: pir = v   // processor reset lines: one CPU, never held in reset
            case 0x10A0, 0x10B0, 0x10C0, 0x10D0: writeVectorPriority(MPIC.ipiBase + Int((a - 0x10A0) >> 4), v)
            case 0x10E0: spurious = v & MPIC.vectorMask
            default: break   // BRR1, FRR, VIR are read-only
            }
        case 0x10F0..<0x1310:
            guard a & 0xF == 0 else { return }
            if a == 0x10F0 { tfrr = v; return }
            let t = Int((a >> 6) & 3)
            switch a & 0x30 {
            case 0x00: break   // TCCR is read-only
            case 0x10:
                // Clearing CI restarts the count: TOG resets (QEMU openpic_tmr_write).
                if timerCurrentCount[t] & MPIC.timerToggle != 0, v & MPIC.timerCountInhibit == 0,
                   timerBaseCount[t] & MPIC.timerCountInhibit != 0 {
                    timerCurrentCount[t] &= ~MPIC.timerToggle
                }
                timerBaseCount[t] = v
            case 0x20: writeVectorPriority(MPIC.timerBase + t, v)
            default: writeDestination(MPIC.timerBase + t, v)
            }
        case 0x10000..<0x12000:
            let n = Int((a - 0x10000) >> 5)
            switch a & 0x1F {
            case 0x00: writeVectorPriority(n, v)
            case 0x10: writeDestination(n, v)
            case 0x18: ilr[n] = v & 0xFF; update(n)
            default: break
            }
        case 0x20000..<0x21000:
            writeCPURegister(a & 0xFFF, v)
        default:
            break
        }
    }

    private func writeCPURegister(_ a: UInt64, _ v: UInt32) {
        guard a & 0xF == 0 else { return }
        switch a {
        case 0x40, 0x50, 0x60, 0x70:
            // IPI dispatch: the value is a CPU mask; only CPU 0 exists.
            guard v & 1 != 0 else { return }
            let n = MPIC.ipiBase + Int((a - 0x40) >> 4)
            idr[n] |= 1
            pending[n] = true
            update(n)
        case 0x80:
            currentTaskPriority = v & 0xF
            updateOutput()
        case 0xB0:
            endOfInterrupt()
        default:
            break   // WHOAMI and IACK are read-only
        }
    }

    private func writeGlobalConfiguration(_ v: UInt32) {
        if v & MPIC.gcrReset != 0 {
            reset()
            return
        }
        gcr = gcr & ~MPIC.gcrModeMask | v & MPIC.gcrModeMask
        coreintMode = v & MPIC.gcrModeMask == MPIC.gcrModeProxy
    }

    private func writeVectorPriority(_ n: Int, _ v: UInt32) {
        let writable = MPIC.maskBit | MPIC.priorityMask | MPIC.senseBit | MPIC.polarityBit | MPIC.vectorMask
        ivpr[n] = ivpr[n] & MPIC.activityBit | v & writable
        switch kind[n] {
        case .external:
            let level = ivpr[n] & MPIC.senseBit != 0
            // Switching to level sense samples the wire, so a line that went
            // high and low while the source was edge is not left latched.
            if level != levelSensitive[n] { levelSensitive[n] = level; if level { pending[n] = lineLevel[n] } }
        case .internalLevel:
            ivpr[n] &= ~MPIC.senseBit   // reserved, reads 0: always level
        case .ipiOrTimer:
            ivpr[n] &= ~(MPIC.senseBit | MPIC.polarityBit)
        }
        update(n)
    }

    private func writeDestination(_ n: Int, _ v: UInt32) {
        idr[n] = v & (1 | MPIC.criticalDestination)   // one CPU: P0 and CI0 (EP, the external pin, is not modelled)
        update(n)
    }
}

/// A set of MPIC source numbers (sources, IPIs, timers) as a bitmap.
struct SourceSet {
    static let words = (MPIC.internalSources + 63) / 64
    var bits = [UInt64](repeating: 0, count: SourceSet.words)

    var isEmpty: Bool { bits.allSatisfy { $0 == 0 } }

    subscript(n: Int) -> Bool {
        get { bits[n >> 6] & (1 << UInt64(n & 63)) != 0 }
        set {
            if newValue { bits[n >> 6] |= 1 << UInt64(n & 63) } else { bits[n >> 6] &= ~(1 << UInt64(n & 63)) }
        }
    }
}
