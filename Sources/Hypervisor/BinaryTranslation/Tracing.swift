import E500
import Platform
import PowerISA
import Telemetry

/// Read/write tracing (paper Section 4) and adaptive page resizing
/// (Section 4.1).
///
/// The fragments of guest RAM holding patch sites or stolen pages are
/// shadowed execute-only (`ShadowRestrictions`). A guest load or store
/// there exits; the VMM serves it by stepping the instruction on the vCPU
/// with the original contents put back for that one instruction: the
/// original words of the patch sites, the saved data of stolen pages. So
/// every load/store opcode the core has (lwarx/stwcx., lmw/stmw, string,
/// FP, dcbz, ...) is emulated with exactly its own semantics. After the
/// step a site whose word the guest changed stays as the guest wrote it and
/// stops being a site (self-modifying code); the others are patched again,
/// and a stolen page's data goes back into the VMM.
extension BinaryTranslator {
    /// The tracing state of one traced fragment (adapt-pr).
    struct FragmentState {
        /// T: the privileged exits the fragment had before it was traced.
        var threshold: Int
        /// Tracing faults since it was traced, and in the current window.
        var faults = 0
        var windowFaults = 0
        /// Distinct 4 KB pages that faulted in the window (at most 64 kept).
        var windowPages: Set<UInt64> = []
        /// Faults per quarter of the fragment in the window (for scans).
        var quarterFaults = [0, 0, 0, 0]
        /// The 4 KB pages that faulted since it was traced (at most `faultPageLimit`).
        var faultPages: Set<UInt64> = []
        static let faultPageLimit = 256
    }

    /// A region whose patches were removed because tracing it cost more
    /// than it saved: it is traced again once its privileged exits exceed T.
    struct UntracedRegion {
        var size: UInt64
        var threshold: Int
        var exits = 0
    }

    // MARK: Tracing faults

    func tracingFault(_ address: UInt32, _ access: MemoryAccess, pc: UInt32, _ vm: VirtualMachine) -> ExitDisposition {
        guard let physical = vm.vcpu.systemTranslation(address, access).physical,
              let fragment = tracing.fragment(containing: physical) else { return .notHandled }
        statistics.tracingFaults &+= 1
        let (stop, reflected) = stepTracedAccess(pc: pc, address: address, vm)
        vm.account(reflected ? .dsi : .accessViolation)
        vm.profile?.record(pc: pc, class: reflected ? .dsi : .tracing)
        if !reflected && vm.recording { attributeFault(pc: pc, address: address, physical: physical, vm) }
        if configuration.resizes { noteTracingFault(fragment, physical, vm) }
        if !reflected { noteAccessFault(pc: pc, vm) }
        return stop.map { .stop($0) } ?? .handled
    }

    /// Steps the load or store at `pc` (to `address`) on the vCPU with the
    /// guest's contents in the pages it may touch and in the pages `also`
    /// (a site's page, whose original word is then what the vCPU steps).
    /// Returns a reason to stop and whether the access was reflected to the
    /// guest as an interrupt.
    func stepTracedAccess(pc: UInt32, address: UInt32, also: [UInt64] = [], _ vm: VirtualMachine) -> (StopReason?, Bool) {
        let vcpu = vm.vcpu
        // The pages the instruction may touch: its extent from the table's memory
        // column, either side of the faulting byte (a multi-byte access may fault past its start).
        let span = accessSpan(at: pc, vm)
        var pages = also
        for ea in [address &- span, address, address &+ span] {
            if let p = vcpu.systemTranslation(ea, .read).physical ?? vcpu.systemTranslation(ea, .write).physical {
                let page = p & ~0xFFF
                if !pages.contains(page) { pages.append(page) }
            }
        }
        putOriginals(pages, vm)
        let taken = vcpu.interruptsTaken
        let (stop, _) = vm.emulate(op: nil)
        takeOriginals(pages, vm)
        return (stop, vcpu.interruptsTaken != taken)
    }

    /// Records a tracing fault against its instruction (`faultProfile`):
    /// what it touched, and whether the access lay within one aligned word.
    func attributeFault(pc: UInt32, address: UInt32, physical: UInt64, _ vm: VirtualMachine) {
        let word = instructionWord(at: pc, vm) ?? 0
        let memory = InstructionTable.spec(DecodeTable.shared.decode(word))?.memory
        let span = Self.accessSpan(of: word)
        let target: TracedTarget
        if cache.page(containing: physical) != nil {
            target = .stolenPage
        } else if stride(from: physical & ~3, to: physical + UInt64(span), by: 4).contains(where: { sites[$0] != nil }) {
            target = .patchSite
        } else {
            target = .data
        }
        let alignedWord = memory.map { $0.kind == .single && $0.size <= 4 && address % UInt32($0.size) == 0 } ?? false
        faultProfile.record(pc: pc, word: word, target: target, alignedWord: alignedWord)
    }

    /// The guest's instruction word at kernel `pc` (as the guest sees it), nil when unmapped.
    func instructionWord(at pc: UInt32, _ vm: VirtualMachine) -> UInt32? {
        guard let physical = vm.vcpu.systemTranslation(pc, .execute).physical, physical + 4 <= ramSize else { return nil }
        return guestWord(physical, ram: vm.board.ram)
    }

    /// How many bytes the load or store at `pc` may touch (its row's memory
    /// column); 128 when the instruction cannot be read.
    func accessSpan(at pc: UInt32, _ vm: VirtualMachine) -> UInt32 {
        instructionWord(at: pc, vm).map(Self.accessSpan(of:)) ?? 128
    }

    /// How many bytes the load or store `word` may touch; 128 for anything else.
    static func accessSpan(of word: UInt32) -> UInt32 {
        guard let m = InstructionTable.spec(DecodeTable.shared.decode(word))?.memory else { return 128 }
        switch m.kind {
        case .single: return UInt32(m.size)
        case .multiple: return UInt32(4 * (32 - Instruction(word).rD))
        case .string: return 128
        case .cacheBlock: return 64
        }
    }

    /// The word at guest physical `physical` as the guest sees it: a site's
    /// original instruction, a stolen page's saved data, else guest RAM.
    public func guestWord(_ physical: UInt64, ram: GuestRAM) -> UInt32 {
        if physical & 3 == 0, let n = mirror.byPhysical[physical] { return mirrorValue(n) }
        if let site = sites[physical & ~3], physical & 3 == 0 { return site.original }
        if let page = cache.page(containing: physical) { return page.savedWord(Int(physical & 0xFFF)) }
        return ram.load32BE(physical)
    }

    /// Guest RAM as the guest left it, in these pages, for one emulated access.
    func putOriginals(_ pages: [UInt64], _ vm: VirtualMachine) {
        let ram = vm.board.ram
        for page in pages {
            if let stolen = cache.page(containing: page) {
                // Through GuestRAM, like every VMM write: decoded code there goes.
                stolen.saved.withUnsafeBytes { _ = ram.write($0, at: page) }
            }
            for p in sitesByPage[page] ?? [] {
                guard let site = sites[p] else { continue }
                ram.store32BE(p, site.original)
            }
        }
        putMirrored(pages, ram)
    }

    /// Back to what the hardware executes, keeping what the access changed.
    func takeOriginals(_ pages: [UInt64], _ vm: VirtualMachine) {
        let ram = vm.board.ram, base = ram.base
        takeMirrored(pages, ram)
        for page in pages {
            if let stolen = cache.page(containing: page) {
                stolen.saved.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: base.advanced(by: Int(page)), byteCount: 4096) }
                stolen.image.withUnsafeBytes { _ = ram.write($0, at: page) }
            }
            for p in sitesByPage[page] ?? [] {
                guard let site = sites[p] else { continue }
                if ram.load32BE(p) == site.original {
                    ram.store32BE(p, site.patched)
                } else {
                    // The guest rewrote its instruction: it runs what it wrote.
                    unpatch(site, vm, keepRAM: true)
                    releaseIfEmpty(p, vm)
                }
            }
        }
    }

    // MARK: Traced fragments

    /// Traces the fragment holding `physical` (a new patch site), if no
    /// traced fragment holds it yet.
    /// A load/store site (`shortest`) traces only the shortest page around
    /// it under adapt-pr: it is kernel code, which the kernel rarely reads,
    /// and starting from the guest's whole page would trace all the data
    /// around it again (the paper's chain effect).
    func trace(_ physical: UInt64, _ vm: VirtualMachine, shortest: Bool = false) {
        guard tracing.fragment(containing: physical) == nil else { return }
        let size: UInt64
        switch configuration.policy {
        case .inPlace:
            size = configuration.fragmentSize
        case .adaptPR where shortest, .adaptDM where shortest:
            size = configuration.fragmentSize
        case .adaptPR, .adaptDM:
            // The paper starts from the guest's page (here at most 256 MB, in RAM) and breaks it when it faults.
            if let (start, region) = untraced.first(where: { physical >= $0.key && physical < $0.key + $0.value.size }) {
                untraced[start] = nil
                statistics.fragmentsRetraced += 1
                addFragment(.init(start: start, size: region.size), vm, threshold: region.exits)
                return
            }
            // The largest page around the site (at most 256 MB, in RAM) that holds no traced fragment:
            // what splitting learned about the pages around it stays.
            var s: UInt64 = 256 << 20
            while s > 4096 && ((physical & ~(s - 1)) + s > ramSize || tracing.overlaps(physical & ~(s - 1), s)) { s >>= 2 }
            size = s
        }
        let start = physical & ~(size - 1)
        addFragment(.init(start: start, size: size), vm, threshold: privilegedExits(in: start, size))
    }

    /// Starts tracing `fragment` (fragments inside it merge into it).
    func addFragment(_ fragment: ShadowRestrictions.Fragment, _ vm: VirtualMachine, threshold: Int) {
        var t = threshold
        for f in tracing.fragments where f.overlaps(fragment.start, fragment.size) {
            if f.start <= fragment.start && f.end >= fragment.end { return }   // already traced
            t = max(t, fragmentStates[f.start]?.threshold ?? 0)
            fragmentStates[f.start] = nil
        }
        tracing.add(fragment)
        fragmentStates[fragment.start] = FragmentState(threshold: t)
        statistics.fragmentsTraced += 1
        shadowsChanged(fragment.start, fragment.size, vm)
    }

    /// Stops tracing `fragment`.
    func removeFragment(_ fragment: ShadowRestrictions.Fragment, _ vm: VirtualMachine) {
        tracing.remove(fragment)
        fragmentStates[fragment.start] = nil
        statistics.fragmentsUntraced += 1
        shadowsChanged(fragment.start, fragment.size, vm)
    }

    func shadowsChanged(_ start: UInt64, _ size: UInt64, _ vm: VirtualMachine) {
        // Shadows of the whole guest page around it change size too: drop every shadow touching the
        // fragment's 256 MB neighbourhood, they come back on demand at their new sizes.
        let region: UInt64 = 256 << 20
        vm.shadow.dropMapping(physical: start & ~(region - 1), size: region)
        vm.hardware.flushTLB()
        writeBackUntraced(vm)
        logFragments(vm)
    }

    /// Whether a fragment holds anything that needs tracing.
    func holdsTracedContent(_ f: ShadowRestrictions.Fragment) -> Bool {
        if cache.pages.contains(where: { f.contains($0.physical) }) { return true }
        return sitesByPage.keys.contains { f.contains($0) }
    }

    func holdsStolenPage(_ f: ShadowRestrictions.Fragment) -> Bool {
        cache.pages.contains { f.contains($0.physical) }
    }

    /// Untraces the fragment holding `physical` once nothing in it needs tracing.
    func releaseIfEmpty(_ physical: UInt64, _ vm: VirtualMachine) {
        guard let f = tracing.fragment(containing: physical), !holdsTracedContent(f) else { return }
        removeFragment(f, vm)
    }

    // MARK: Adaptive page resizing

    func privilegedExits(in start: UInt64, _ size: UInt64) -> Int {
        if size <= 64 << 10 { return privilegedExitsByRegion[start >> 16] ?? 0 }
        return privilegedExitsByRegion.reduce(0) { $0 + ($1.key >= start >> 16 && $1.key < (start + size) >> 16 ? $1.value : 0) }
    }

    func notePrivilegedExit(_ pc: UInt32, _ vm: VirtualMachine) {
        guard let physical = vm.vcpu.systemTranslation(pc, .execute).physical else { return }
        creditSavedExits(physical, 1)
        if vm.hardware.cycles >= windowEnd { endWindow(vm) }
    }

    /// `n` exits a patch at guest physical `physical` saves (or would):
    /// they count towards T of its 64 KB region and of any untraced region holding it.
    func creditSavedExits(_ physical: UInt64, _ n: Int) {
        privilegedExitsByRegion[physical >> 16, default: 0] += n
        for (start, var region) in untraced where physical >= start && physical < start + region.size {
            region.exits += n
            untraced[start] = region
        }
    }

    /// An untraced region is traced again only once its privileged exits exceed its T.
    func mayTrace(_ physical: UInt64) -> Bool {
        guard let region = untraced.first(where: { physical >= $0.key && physical < $0.key + $0.value.size })?.value
        else { return true }
        return region.exits > region.threshold
    }

    func noteTracingFault(_ fragment: ShadowRestrictions.Fragment, _ physical: UInt64, _ vm: VirtualMachine) {
        guard var state = fragmentStates[fragment.start] else { return }
        state.faults += 1
        state.windowFaults += 1
        if state.windowPages.count < 64 { state.windowPages.insert(physical & ~0xFFF) }
        if state.faultPages.count < FragmentState.faultPageLimit { state.faultPages.insert(physical & ~0xFFF) }
        state.quarterFaults[Int((physical - fragment.start) / (fragment.size / 4))] += 1
        fragmentStates[fragment.start] = state
        if state.faults > state.threshold {
            // Tracing this fragment costs more than the exits its patches saved.
            if fragment.size > shortestPage(fragment) {
                split(fragment, burst: true, vm)
            } else if !holdsStolenPage(fragment) {
                untrace(fragment, faults: state.faults, vm)
            }
        }
        if vm.hardware.cycles >= windowEnd { endWindow(vm) }
    }

    /// The smallest size a fragment is split to: the configured shortest
    /// page, or 4 KB for the translation cache's own pages.
    func shortestPage(_ f: ShadowRestrictions.Fragment) -> UInt64 {
        holdsStolenPage(f) && !sitesByPage.keys.contains(where: { f.contains($0) }) ? 4096 : configuration.fragmentSize
    }

    /// Removes every patch in `fragment` and stops tracing it; it is traced
    /// again when its privileged exits exceed the faults it had.
    func untrace(_ fragment: ShadowRestrictions.Fragment, faults: Int, _ vm: VirtualMachine) {
        for (page, set) in sitesByPage where fragment.contains(page) {
            for p in set { if let site = sites[p] { unpatch(site, vm) } }
        }
        removeFragment(fragment, vm)
        untraced[fragment.start] = UntracedRegion(size: fragment.size, threshold: faults)
    }

    /// Breaks a fragment: a burst into the shortest pages holding its
    /// sites and stolen pages; a scan into quarters, the one with the most
    /// faults untraced when they exceed T.
    func split(_ fragment: ShadowRestrictions.Fragment, burst: Bool, _ vm: VirtualMachine) {
        guard let state = fragmentStates[fragment.start] else { return }
        statistics.splits += 1
        tracing.remove(fragment)
        fragmentStates[fragment.start] = nil
        if burst {
            // Quarter by quarter: a quarter without sites is untraced, one whose
            // pages did not fault stays traced whole (one TLB entry), one that
            // faulted is broken again, down to the shortest page.
            var pieces: [ShadowRestrictions.Fragment] = []
            let everywhere = state.faultPages.count >= FragmentState.faultPageLimit
            for q in fragment.quarters { carve(q, faulting: state.faultPages, everywhere: everywhere, into: &pieces) }
            for f in pieces {
                tracing.add(f)
                fragmentStates[f.start] = FragmentState(threshold: state.threshold)
            }
        } else {
            let worst = state.quarterFaults.indices.max { state.quarterFaults[$0] < state.quarterFaults[$1] }!
            for (q, f) in fragment.quarters.enumerated() {
                guard holdsTracedContent(f) else { continue }
                tracing.add(f)
                fragmentStates[f.start] = FragmentState(threshold: state.threshold)
                if q == worst && state.quarterFaults[q] > state.threshold && !holdsStolenPage(f) {
                    untrace(f, faults: state.quarterFaults[q], vm)
                }
            }
        }
        shadowsChanged(fragment.start, fragment.size, vm)
    }

    func carve(_ f: ShadowRestrictions.Fragment, faulting: Set<UInt64>, everywhere: Bool,
               into pieces: inout [ShadowRestrictions.Fragment]) {
        guard holdsTracedContent(f) else { return }
        let faulted = everywhere || faulting.contains { f.contains($0) }
        if !faulted || f.size <= shortestPage(f) {
            pieces.append(f)
            return
        }
        for q in f.quarters { carve(q, faulting: faulting, everywhere: everywhere, into: &pieces) }
    }

    /// Every window: bursts and scans split, T decays, and four traced
    /// siblings merge into their parent page.
    func endWindow(_ vm: VirtualMachine) {
        let now = vm.hardware.cycles
        windowEnd = now + windowCycles
        logTLB1(vm)
        for f in tracing.fragments {
            guard let state = fragmentStates[f.start] else { continue }
            if state.windowFaults > configuration.burstFaults && f.size > shortestPage(f) {
                split(f, burst: state.windowPages.count <= 8, vm)
            }
        }
        for (start, var state) in fragmentStates {
            state.threshold = max(0, state.threshold - configuration.decayPerWindow)
            state.windowFaults = 0
            state.windowPages.removeAll(keepingCapacity: true)
            state.quarterFaults = [0, 0, 0, 0]
            fragmentStates[start] = state
        }
        for (start, var region) in untraced {
            region.threshold = max(0, region.threshold - configuration.decayPerWindow)
            untraced[start] = region
        }
        merge(vm)
    }

    /// Four traced fragments that together make an aligned page of four times their size become that page.
    func merge(_ vm: VirtualMachine) {
        var merged = true
        while merged {
            merged = false
            for f in tracing.fragments where f.size < 256 << 20 {
                let parent = f.parent, siblings = parent.quarters
                guard siblings.allSatisfy({ tracing.fragments.contains($0) }) else { continue }
                let t = siblings.map { fragmentStates[$0.start]?.threshold ?? 0 }.max() ?? 0
                for s in siblings { tracing.remove(s); fragmentStates[s.start] = nil }
                tracing.add(parent)
                fragmentStates[parent.start] = FragmentState(threshold: t)
                statistics.merges += 1
                shadowsChanged(parent.start, parent.size, vm)
                merged = true
                break
            }
        }
    }
}
