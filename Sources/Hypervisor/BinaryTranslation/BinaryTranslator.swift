import E500
import Platform
import PowerISA
import Telemetry

/// `bt` mode: host-side adaptive in-place binary translation of an
/// unmodified guest (the paper in ../shared/seeds/003, Sections 3, 4 and
/// 4.1; docs/binary-translation.md maps its sections to these files).
///
/// On top of trap-and-emulate, the translator
/// - counts privileged-instruction exits per guest PC (`monitor`); a kernel
///   PC that exits more than `threshold` times becomes a **patch site**;
/// - rewrites the site in place in guest memory (`Translation`): `mfmsr`,
///   `mfspr`, `mtspr` of side-effect-free SPRs become one load or store into
///   the **shared space** (`SharedSpace`, the top 4 KB), `wrteei`, `wrtee`
///   and `mtmsr` a branch into the **translation cache** (`TranslationCache`,
///   pages stolen from a kernel data section);
/// - traces what it changed (`Tracing.swift`): the fragments of guest RAM
///   holding sites or stolen pages are shadowed execute-only, and every guest
///   load or store there exits and is emulated against the original contents;
/// - resizes traced fragments adaptively (`adapt-pr`, Section 4.1).
public final class BinaryTranslator: ModeHooks {
    public struct Configuration: Sendable, Equatable {
        public enum Policy: String, Sendable, CaseIterable {
            /// Patching and tracing in uniform fragments of `fragmentSize`, no resizing.
            case inPlace = "in-place"
            /// Adaptive page resizing (the default).
            case adaptPR = "adapt-pr"
            /// Adaptive page resizing and adaptive data mirroring: load/store
            /// translations and the word mirror (DataMirror.swift).
            case adaptDM = "adapt-dm"
        }
        public var policy: Policy = .adaptPR
        /// Exits of one PC before it is patched.
        public var threshold = 16
        /// in-place: the size of every traced fragment; adapt-pr: the
        /// shortest page a burst splits down to (the paper's 64 KB).
        public var fragmentSize: UInt64 = 64 << 10
        /// adapt-pr: more tracing faults than this on one fragment within
        /// one window is a burst or a scan.
        public var burstFaults = 5000
        /// adapt-pr: the window (modelled seconds) for bursts, merges and the decay of T.
        public var windowSeconds = 0.1
        /// adapt-pr: how much each fragment's threshold T decays per window.
        public var decayPerWindow = 500
        /// The kernel section to steal translation-cache pages from (nil: `KernelSections.stealCandidates`).
        public var cacheSection: String? = nil
        /// At most this many pages are stolen.
        public var cachePages = 16
        /// Where the translation cache's pages come from.
        public enum CachePlacement: String, Sendable, CaseIterable {
            /// Page by page as translations need room, from `cacheSection`
            /// (default `__bug_table`, which Linux reads only on BUG/WARN).
            case bugTable = "bug-table"
            /// The paper's placement: `cachePages` contiguous pages at the
            /// start of the kernel's `.data`, all stolen at the first patch.
            /// The guest uses that data all the time, so its accesses there
            /// are tracing faults (what adaptive data mirroring is for).
            case dataStart = "data-start"
        }
        public var cacheAt: CachePlacement = .bugTable
        /// Rewrite kernel loads and stores that keep taking tracing faults
        /// into translations that look up the data mirror (AccessTranslation.swift).
        public var translateAccesses = false
        /// Whether traced fragments resize (adapt-pr and adapt-dm).
        public var resizes: Bool { policy != .inPlace }
        /// Whether hot faulting loads and stores are translated (adapt-dm, or asked for).
        public var translatesAccesses: Bool { translateAccesses || policy == .adaptDM }
        /// Mirror words of traced data for the translated loads and stores
        /// (adapt-dm does; tests turn it on beside in-place tracing).
        public var mirrorWords = false
        public var mirrors: Bool { mirrorWords || policy == .adaptDM }
        /// Tracing faults of one kernel load or store before it is translated.
        public var accessThreshold = 16
        /// Shadows of untraced guest memory smaller than this are 4 KB
        /// hardware TLB0 entries rather than TLB1 entries (0: never).
        /// adapt-dm's default is 256 KB: the fragments it keeps traced break
        /// the kernel's large pages into more 16 KB-64 KB pieces than the
        /// P2020's 16 TLB1 entries hold (docs/binary-translation.md).
        public var shadowTLB0Below: UInt64 { policy == .adaptDM ? 256 << 10 : 0 }
        /// Fold the rfi that ends the guest's TLB-miss handler into the exit
        /// of its tlbwe (ReturnFolding.swift; beyond the paper, off by default).
        public var foldReturns = false
        /// Pages to use for the translation cache instead of stealing from
        /// the kernel's sections (tests; a region the guest leaves alone).
        public var cacheRegion: CacheRegion? = nil
        public struct CacheRegion: Sendable, Equatable {
            public var ea: UInt32, physical: UInt64, pages: Int
            public init(ea: UInt32, physical: UInt64, pages: Int) { (self.ea, self.physical, self.pages) = (ea, physical, pages) }
        }
        public init() {}
    }

    /// What the translator did (for reports and tests).
    public struct Statistics: Sendable, Equatable {
        public var sitesPatched = 0, sitesUnpatched = 0, sitesRetranslated = 0
        public var singleInstruction = 0, multiInstruction = 0
        public var fragmentsTraced = 0, fragmentsUntraced = 0, fragmentsRetraced = 0
        public var splits = 0, merges = 0
        public var tracingFaults: UInt64 = 0
        public var sitesRejected = 0
        /// Return folding: instructions stepped inside a tlbwe's exit, and rfi exits saved.
        public var foldedInstructions: UInt64 = 0, foldedReturns: UInt64 = 0
        /// Load/store translations: sites, hot faulting PCs whose
        /// instruction has no translation, and exits inside a translation
        /// delivered at its site.
        public var accessSites = 0, accessNotTranslatable = 0
        public var accessRewinds: UInt64 = 0
        /// The word mirror (adapt-dm): words filled, translated accesses
        /// that hit (counted by the translations in the shared space),
        /// evictions and write-backs to guest RAM.
        public var mirrorFills = 0, mirrorEvictions = 0, mirrorWriteBacks = 0
        public var mirrorHits: UInt64 = 0
        public var sharedSpaceLost = false
        public var translationCacheBytes = 0, stolenPages = 0
        /// Bytes of the shared space in use: the slots of its layout.
        public var sharedSpaceBytes: Int { SharedSpace.Slot.firstSPR + 4 * SharedSpace.mirrored.count }

        /// One line for the end of a run.
        public var summary: String {
            "sites patched=\(sitesPatched) (single=\(singleInstruction) multi=\(multiInstruction)) unpatched=\(sitesUnpatched)"
                + " retranslated=\(sitesRetranslated)"
                + " rejected=\(sitesRejected) fragments traced=\(fragmentsTraced) untraced=\(fragmentsUntraced)"
                + " retraced=\(fragmentsRetraced) splits=\(splits) merges=\(merges) tracing-faults=\(tracingFaults)"
                + " cache=\(translationCacheBytes)B in \(stolenPages) stolen pages shared=\(sharedSpaceBytes)B"
                + (accessSites > 0 || accessNotTranslatable > 0 ? " access-sites=\(accessSites)"
                    + " not-translatable=\(accessNotTranslatable) rewinds=\(accessRewinds)" : "")
                + (mirrorFills > 0 ? " mirror fills=\(mirrorFills) hits=\(mirrorHits) evictions=\(mirrorEvictions)"
                    + " write-backs=\(mirrorWriteBacks)" : "")
                + (foldedInstructions > 0 ? " folded-returns=\(foldedReturns) folded-instructions=\(foldedInstructions)" : "")
                + (sharedSpaceLost ? " shared-space-lost" : "")
        }
    }

    public let configuration: Configuration
    public internal(set) var statistics = Statistics()
    /// Tracing faults per faulting instruction, since the statistics were last reset (`Tracing.swift`).
    public internal(set) var faultProfile = TracingFaultProfile()
    let shared = SharedSpace()
    let tracing = ShadowRestrictions()
    var cache = TranslationCache(candidates: [])
    let ramSize: UInt64

    /// A patched instruction.
    struct Site {
        let ea: UInt32
        let physical: UInt64
        let original: UInt32
        let patched: UInt32
        let op: Opcode
        let exitType: ExitType
        /// The translation's first word (multi-instruction translations).
        let translation: UInt32?
    }
    /// Patch sites by guest physical address, and by physical page.
    var sites: [UInt64: Site] = [:]
    var sitesByPage: [UInt64: Set<UInt64>] = [:]
    /// The `twi` words of translations: what each asks, for which site, with which scratch registers.
    var translationTraps: [UInt32: (site: UInt64, kind: Translation.TrapKind, scratch: [Int])] = [:]
    /// Translation start (EA) to site, for faults on the shared space from a translation.
    var translationStarts: [UInt32: UInt64] = [:]

    /// Privileged-instruction exits per guest kernel PC.
    var monitor: [UInt32: Int] = [:]
    /// Load/store translations (`AccessTranslation.swift`): tracing faults
    /// per kernel PC, PCs not to translate, every translation placed (by
    /// site), and every word of a patched one (EA to site and index).
    var accessFaults: [UInt32: Int] = [:]
    var accessRejected: Set<UInt32> = []
    var placedAccesses: [UInt64: PlacedAccess] = [:]
    /// Every multi-instruction translation placed, by site.
    var placedMultiple: [UInt64: (ea: UInt32, original: UInt32, start: UInt32)] = [:]
    var accessTranslationPCs: [UInt32: (site: UInt64, index: Int)] = [:]
    /// The word mirror (`DataMirror.swift`).
    var mirror = WordMirror()
    /// PCs patched at some time (a second patch is a retranslation).
    var everPatched: Set<UInt32> = []
    /// PCs the translator cannot patch (their instruction has no translation).
    var rejected: Set<UInt32> = []
    /// Once the guest maps the shared space's page itself, nothing is patched.
    var sharedSpaceActive = true
    /// Whether the shared space holds the vCPU's state (after the first patch).
    var sharing = false
    /// `--bt-cache-at data-start`: the whole cache is stolen at the first patch.
    var stealsAtFirstPatch = false

    /// adapt-pr bookkeeping (`Tracing.swift`).
    var fragmentStates: [UInt64: FragmentState] = [:]
    var untraced: [UInt64: UntracedRegion] = [:]
    var privilegedExitsByRegion: [UInt64: Int] = [:]
    var windowEnd: UInt64 = 0
    var windowCycles: UInt64 = 0

    /// `--bt-log`: one line per change of the traced fragments and, every
    /// window, the hardware TLB1 (the paper's Figure 8).
    public var log: ((String) -> Void)? = nil

    static func sizeName(_ size: UInt64) -> String {
        size >= 1 << 20 ? "\(size >> 20)M" : "\(size >> 10)K"
    }

    func logFragments(_ vm: VirtualMachine) {
        guard let log else { return }
        let list = tracing.fragments.map { String(format: "%09llx+", $0.start) + Self.sizeName($0.size) }
        log(String(format: "%.6f fragments ", vm.modelledSeconds) + (list.isEmpty ? "-" : list.joined(separator: " ")))
    }

    func logTLB1(_ vm: VirtualMachine) {
        guard let log else { return }
        let list = vm.shadow.tlb1Layout().sorted { $0.ea < $1.ea }.map {
            String(format: "%08x+", $0.ea) + Self.sizeName($0.size) + ($0.traced ? ":x" : ":rwx")
        }
        log(String(format: "%.6f tlb1 ", vm.modelledSeconds) + (list.isEmpty ? "-" : list.joined(separator: " ")))
    }

    public init(_ configuration: Configuration, ramSize: UInt64) {
        self.configuration = configuration
        self.ramSize = ramSize
        tracing.tlb0Below = configuration.shadowTLB0Below
        windowCycles = UInt64(configuration.windowSeconds * Double(Machine.coreFrequency))
        windowEnd = windowCycles
        if let region = configuration.cacheRegion {
            cache = TranslationCache(candidates: (0..<region.pages).map {
                (region.ea &+ UInt32($0 * 4096), region.physical + UInt64($0 * 4096))
            })
        }
    }

    // MARK: Hooks

    var vmmPage: UnsafeMutableRawPointer? { shared.page }
    var shadowRestrictions: ShadowRestrictions? { tracing }

    func guestLoaded(kernel: String, _ vm: VirtualMachine) {
        guard configuration.cacheRegion == nil else { return }
        let sections = KernelSections(path: kernel)
        if !sections.sections.isEmpty {
            mirror.code = sections.sections.filter { $0.executable }.map { $0.physical..<$0.physical + UInt64($0.size) }
        }
        switch configuration.cacheAt {
        case .bugTable:
            cache = TranslationCache(sections: sections.stealCandidates(preferred: configuration.cacheSection),
                                     pageLimit: configuration.cachePages, coldSection: configuration.cacheSection ?? "__bug_table")
        case .dataStart:
            cache = TranslationCache(sections: sections.sections.filter { $0.name == ".data" && $0.allocated },
                                     pageLimit: configuration.cachePages)
            stealsAtFirstPatch = true
        }
    }

    func willEnter(_ vm: VirtualMachine) {
        if sharing { shared.store(from: vm.vcpu, interruptPending: vm.interruptWaitsForEE()) }
    }

    func didLeave(_ vm: VirtualMachine) -> UInt32 {
        guard sharing else { return 0 }
        if configuration.mirrors { collectMirrorHits() }
        return shared.load(into: vm.vcpu)
    }

    /// No interrupt lands inside a translation: its scratch words would be
    /// reused by the handler. It finishes within a few instructions.
    func defersInterrupt(_ vector: InterruptVector, _ vm: VirtualMachine) -> Bool {
        cache.page(atEA: vm.hardware.pc) != nil && vm.vcpu.msr & MSR.pr == 0
    }

    var deferredRecheckInstructions: UInt64 { 16 }

    func handleExit(_ reason: StopReason, pc: UInt32, _ vm: VirtualMachine) -> ExitDisposition {
        if let at = accessTranslationPCs[pc], let site = sites[at.site] {
            return accessTranslationExit(reason, site, index: at.index, vm)
        }
        switch reason {
        case .storageViolation(let address, let access) where access != .execute:
            return tracingFault(address, access, pc: pc, vm)
        case .trap:
            guard let request = translationTraps[pc], let site = sites[request.site] else { return .notHandled }
            for (n, r) in request.scratch.enumerated() { vm.hardware.gpr[r] = shared.word(Translation.scratchSlot(n)) }
            switch request.kind {
            case .deliver:
                vm.hardware.pc = site.ea &+ 4
                vm.account(site.exitType)
                vm.profile?.record(pc: site.ea, class: InstructionClass(site.op))
                return .handled
            case .emulateOriginal:
                return emulateOriginal(site, vm)
            }
        case .tlbMiss(let address, let access) where access != .execute && address & 0xFFFF_F000 == SharedSpace.effectiveAddress:
            // A translation reaching the shared space (the guest's own accesses there are the guest TLB's).
            guard let site = translationStarts[pc].flatMap({ sites[$0] })
                    ?? sites.values.first(where: { $0.ea == pc && $0.translation == nil }) else { return .notHandled }
            if installSharedSpace(pc: pc, vm) { return .handled }
            // Not the guest kernel's address space 0: the shared space is not there, so emulate the original.
            vm.hardware.pc = site.ea
            return emulateOriginal(site, vm)
        default:
            return .notHandled
        }
    }

    func emulatedPrivileged(_ op: Opcode, at pc: UInt32, type: ExitType, _ vm: VirtualMachine) {
        if op == .tlbwe && configuration.foldReturns { foldReturn(afterTLBWriteAt: pc, vm) }
        let vcpu = vm.vcpu
        // Guest kernel code in address space 0 only: the shared space is mapped there.
        guard vcpu.msr & (MSR.pr | MSR.is) == 0, sharedSpaceActive else { return }
        let count = monitor[pc, default: 0] &+ 1
        monitor[pc] = count
        if configuration.resizes { notePrivilegedExit(pc, vm) }
        guard count > configuration.threshold, !rejected.contains(pc) else { return }
        if !patch(pc, vm) { rejected.insert(pc); statistics.sitesRejected += 1 }
    }

    func guestTLBChanged(_ vm: VirtualMachine) {
        recheckMirror(vm)
        guard sharedSpaceActive, guestMapsSharedSpace(vm.guestTLB) else { return }
        // The guest uses the top page itself: every translation reaching the
        // shared space goes (there is no other place a 16-bit displacement
        // with rA = 0 reaches that the guest kernel leaves alone).
        sharedSpaceActive = false
        statistics.sharedSpaceLost = true
        writeBackAll(vm)
        for site in Array(sites.values) { unpatch(site, vm) }
        vm.shadow.removeVMMPage()
        vm.hardware.flushTLB()
        sharing = false
    }

    func guestMapsSharedSpace(_ tlb: BookEMMU) -> Bool {
        let ea = SharedSpace.effectiveAddress
        return Self.space0TLB1Entry(ea, tlb) != nil || Self.space0TLB0Covers(ea, tlb)
    }

    /// The first valid guest TLB1 entry of address space 0 covering `ea`, whatever its TID.
    static func space0TLB1Entry(_ ea: UInt32, _ tlb: BookEMMU) -> BookEMMU.Entry? {
        for i in 0..<tlb.tlb1Entries {
            let e = tlb.entry(tlb: 1, index: i)
            if e.valid && e.ts == 0 && ea & e.pageMask == e.epn { return e }
        }
        return nil
    }

    /// Whether a valid guest TLB0 entry of address space 0 covers `ea`.
    static func space0TLB0Covers(_ ea: UInt32, _ tlb: BookEMMU) -> Bool {
        let set = Int((ea >> 12) & 127)
        for way in 0..<BookEMMU.tlb0Ways {
            let e = tlb.entry(tlb: 0, index: set * BookEMMU.tlb0Ways + way)
            if e.valid && e.ts == 0 && ea & e.pageMask == e.epn { return true }
        }
        return false
    }

    /// A translation's access to the shared space missed in the hardware
    /// TLB: maps the page when the guest kernel's address space 0 is
    /// current (the exit is accounted to `pc`); false when it is not.
    func installSharedSpace(pc: UInt32, _ vm: VirtualMachine) -> Bool {
        guard vm.vcpu.msr & (MSR.pr | MSR.ds) == 0 && sharedSpaceActive else { return false }
        vm.shadow.installVMMPage(at: SharedSpace.effectiveAddress, writable: true)
        vm.hardware.flushTLB()
        vm.account(.dtlbVirt)
        vm.profile?.record(pc: pc, class: .dtlbmiss)
        return true
    }

    // MARK: Patching

    /// Patches the instruction at kernel PC `pc`; false when it cannot be.
    func patch(_ pc: UInt32, _ vm: VirtualMachine) -> Bool {
        let (physical, _) = vm.vcpu.systemTranslation(pc, .execute)
        guard let physical, physical + 4 <= ramSize, sites[physical] == nil,
              cache.page(containing: physical) == nil else { return false }
        if configuration.resizes && !mayTrace(physical) { return true }   // untraced: not yet again
        if let n = mirror.byPhysical[physical] { writeBack(n, vm) }   // a word becoming a site leaves the mirror
        let ram = vm.board.ram
        if stealsAtFirstPatch {
            stealsAtFirstPatch = false
            cache.stealAll(ram: ram) { steal($0, vm) }
            if cache.page(containing: physical) != nil { return false }   // the site was in the stolen data
        }
        let original = ram.load32BE(physical)
        let op = DecodeTable.shared.decode(original)
        let type = VirtualMachine.exitType(of: op)
        var translationStart: UInt32? = nil
        let patched: UInt32
        if let single = Translation.single(op, original) {
            patched = single
            statistics.singleInstruction += 1
        } else if let code = Translation.multiple(op, original) {
            // With load/store translations, which need the cache's room, a site patched again (after its
            // fragment was untraced) reuses its translation: the cache never frees. (adapt-pr without it
            // fills __bug_table and steals the hot start of .data on echo-spawn: docs/binary-translation.md.)
            let reused = !configuration.translatesAccesses ? nil
                : placedMultiple[physical].flatMap { $0.ea == pc && $0.original == original ? $0.start : nil }
            guard let start = reused ?? place(code, pc: pc, vm), let there = Translation.branch(from: pc, to: start) else { return false }
            placedMultiple[physical] = (pc, original, start)
            for (index, kind) in code.traps {
                translationTraps[start &+ UInt32(4 * index)] = (physical, kind, code.scratch)
            }
            translationStarts[start] = physical
            translationStart = start
            patched = there
            statistics.multiInstruction += 1
        } else if configuration.translatesAccesses && Translation.accessTranslatable(op),
                  let there = placeAccess(op, original, pc: pc, physical: physical, vm) {
            translationStart = placedAccesses[physical]?.start
            patched = there
        } else {
            return false
        }
        trace(physical, vm, shortest: placedAccesses[physical]?.start == translationStart && translationStart != nil)
        sites[physical] = Site(ea: pc, physical: physical, original: original, patched: patched, op: op,
                               exitType: type, translation: translationStart)
        sitesByPage[physical & ~0xFFF, default: []].insert(physical)
        ram.store32BE(physical, patched)
        statistics.sitesPatched += 1
        if !everPatched.insert(pc).inserted { statistics.sitesRetranslated += 1 }
        if !sharing {
            sharing = true
            shared.store(from: vm.vcpu, interruptPending: vm.interruptWaitsForEE())
        }
        return true
    }

    /// Places a multi-instruction translation for the site at `pc` in the
    /// translation cache, its last word a branch back to `pc + 4`; returns
    /// its start (nil: no room in branch range).
    func place(_ code: Translation.Code, pc: UInt32, onlyColdPages: Bool = false, _ vm: VirtualMachine) -> UInt32? {
        var words = code.words
        let ram = vm.board.ram
        guard let (page, offset) = cache.allocate(words: words.count, near: pc, ram: ram, onlyCold: onlyColdPages,
                                                  steal: { steal($0, vm) })
        else { return nil }
        let start = page.ea &+ UInt32(offset)
        let last = words.count - 1
        guard let back = Translation.branch(from: start &+ UInt32(4 * last), to: pc &+ 4),
              Translation.branch(from: pc, to: start) != nil else { return nil }
        words[last] = back
        for (n, w) in words.enumerated() {
            page.setImageWord(offset + 4 * n, w)
            ram.store32BE(page.physical + UInt64(offset + 4 * n), w)
        }
        statistics.translationCacheBytes = cache.bytesUsed
        return start
    }

    /// Puts the original instruction back (the guest wrote to the site, or
    /// its fragment is untraced). With `keepRAM` the guest's own new word stays.
    func unpatch(_ site: Site, _ vm: VirtualMachine, keepRAM: Bool = false) {
        if !keepRAM {
            vm.board.ram.store32BE(site.physical, site.original)
        }
        sites[site.physical] = nil
        sitesByPage[site.physical & ~0xFFF]?.remove(site.physical)
        if sitesByPage[site.physical & ~0xFFF]?.isEmpty == true { sitesByPage[site.physical & ~0xFFF] = nil }
        if let start = site.translation {
            translationStarts[start] = nil
            for (ea, request) in translationTraps where request.site == site.physical { translationTraps[ea] = nil }
            forgetAccessTranslation(site.physical)
        }
        monitor[site.ea] = 0
        statistics.sitesUnpatched += 1
    }

    /// Takes a page for the translation cache: its data moves into the VMM
    /// and the page is traced from now on.
    func steal(_ page: TranslationCache.Page, _ vm: VirtualMachine) {
        let ram = vm.board.ram
        // Mirrored words there: their values are the guest's data the page saved.
        for (n, entry) in mirror.entries.enumerated() where entry.map({ $0.physical & ~0xFFF == page.physical }) ?? false {
            page.setSavedWord(Int(entry!.physical & 0xFFF), mirrorValue(n))
            writeBack(n, vm)
        }
        page.image.withUnsafeBytes { _ = ram.write($0, at: page.physical) }
        statistics.stolenPages += 1
        addFragment(.init(start: page.physical, size: 4096), vm, threshold: .max)
    }

    /// Emulates a site's original instruction at the site (a translation
    /// asked for it, or the shared space is not mapped in this context).
    func emulateOriginal(_ site: Site, _ vm: VirtualMachine) -> ExitDisposition {
        let ram = vm.board.ram
        vm.hardware.pc = site.ea
        ram.store32BE(site.physical, site.original)
        let (stop, waited) = vm.emulate(op: site.op)
        if sites[site.physical] != nil {
            ram.store32BE(site.physical, site.patched)
        }
        if waited {
            vm.beginWait()
            vm.profile?.record(pc: site.ea, class: .wait)
        } else {
            vm.account(site.exitType)
            vm.profile?.record(pc: site.ea, class: InstructionClass(site.op))
        }
        return stop.map { .stop($0) } ?? .handled
    }
}
