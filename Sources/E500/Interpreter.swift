import PowerISA

extension Core {
    /// Runs until something needs the outside world or `limit` instructions retire.
    ///
    /// In user mode every interrupt condition (system call, fault, illegal
    /// instruction) stops the run and is returned. In system mode the core
    /// delivers them to the guest through IVPR/IVORs, runs in chunks bounded by
    /// the next timer event (and the next counter overflow while the
    /// performance monitor can interrupt or freeze), takes asynchronous
    /// interrupts between chunks, and fast-forwards modelled time through
    /// `wait` and MSR[WE]. While a debug event that needs a look at every
    /// instruction is armed, it steps one instruction at a time instead.
    public func run(limit: UInt64) -> StopReason {
        guard systemMode else { return execute(limit: limit) }
        let start = instructionsExecuted
        var idleSkips = 0
        while true {
            let done = instructionsExecuted &- start
            if done >= limit { return .instructionLimit }
            let tb = timeBase(0)
            advanceTimers(to: tb)
            if watchdogExpired { return .checkstop(reason: "watchdog timer expired (TCR[WRC] reset)") }
            if performanceMonitor.isCounting { settlePerformanceMonitor(executed: 0) }
            if let vector = pendingInterrupt() {
                pc = takeInterrupt(vector, returnAddress: pc, executed: 0)
                // Look again: taking it may have made a higher class pending
                // (an interrupt-taken debug event); each taken class masks itself.
                continue
            }
            var untilEvent = instructionsUntilNextTimerEvent(tb)
            if performanceMonitor.isCounting {
                untilEvent = min(untilEvent, instructionsUntilPerformanceMonitorEvent(waiting: waiting))
            }
            if waiting {
                // Nothing to do until the next timer event (or cycle-counter
                // overflow): jump the clock there. With nothing armed only the
                // outside world can wake the core.
                guard untilEvent != .max else { return .waiting }
                cycles &+= max(1, untilEvent)
                // Timer events that wake nothing (their interrupt masked) could
                // be skipped forever: after a few, let the caller look around.
                idleSkips += 1
                if idleSkips > Core.idleSkipsPerRun { return .waiting }
                continue
            }
            if debugEvents != 0 && debugSingleStepping {
                let reason = debugStep()
                if reason != .instructionLimit { return reason }
                continue
            }
            let reason = execute(limit: min(limit - done, max(1, untilEvent)))
            if reason != .instructionLimit { return reason }
        }
    }

    /// The interpreter loop proper.
    ///
    /// It runs in straight runs: from the PC to the end of its code page or
    /// to the limit, whichever comes first, leaving the run at a taken branch,
    /// an interrupt or anything that changes the fetch context (`ExitFlag`).
    /// Within a run the retired count is implicit in the PC, so the
    /// per-instruction work is the decoded slot, the handler and two register
    /// compares (docs/performance.md).
    package func execute(limit: UInt64) -> StopReason {
        // Instructions of this call retired before `runStart`; the ones of the
        // current run are (pc - runStart) / 4. Every exit folds them in.
        var retired: UInt64 = 0
        // The PC lives in a local while running; every exit stores it back
        // (pointing at the instruction that stopped, or past `sc`).
        var pc = self.pc
        var runStart = pc
        defer {
            self.pc = pc
            instructionsExecuted &+= retired
            cycles &+= retired
        }
        exitFlags = 0
        // Set between runs, never by an instruction: one look per run.
        let hook = traceHook
        let decodeTable = DecodeTable.sharedTable
        let residualReserved = DecodeTable.sharedResidualReserved
        outer: while retired < limit {
            // Fetch through the cached code page.
            if pc & Core.pageMask != fetchTag {
                guard let page = codePage(pc) else {
                    switch deliverSynchronous(fetchFault(pc), at: pc, executed: retired) {
                    case .interrupt(let target):
                        pc = target
                        if stepping || exitFlags & ExitFlag.endsChunk != 0 { exitFlags = 0; return .instructionLimit }
                        continue
                    case .stop(let reason): return reason
                    }
                }
                fetchTag = pc & Core.pageMask
                fetchPage = page
                fetchWords = codeCacheUnretained?._withUnsafeGuaranteedRef { $0.decodedPage(page) }
            }
            // Nothing but a refetch can be pending here, and this is it.
            exitFlags = 0
            // An uncached page runs from the scratch page, never written back.
            let words = fetchWords ?? uncachedWords
            let page = fetchPage.unsafelyUnwrapped
            runStart = pc
            // The run ends at the page end or at the limit.
            let runEnd = pc &+ UInt32(truncatingIfNeeded: min(UInt64(0x1000 &- (pc & 0xFFF)) >> 2, limit &- retired) << 2)
          run: while true {
            // Retired in this call before the instruction at `pc` (computed
            // where a handler needs it, not per instruction).
            var executed: UInt64 { retired &+ UInt64((pc &- runStart) >> 2) }
            // Decoded once per page (CodeCache.swift): the word and its opcode.
            let word: UInt32, op: Opcode
            let slot = words + Int((pc >> 2) & 0x3FF)
            if let decoded = slot.pointee.op {
                word = slot.pointee.word
                op = decoded
            } else {
                word = UInt32(bigEndian: page.load(fromByteOffset: Int(pc & 0xFFF), as: UInt32.self))
                var decoded = decodeTable[Int(word >> 26) << 10 | Int((word >> 1) & 0x3FF)]
                // Reserved bits the slot cannot hold (InstructionSpec.reserved):
                // one AND against a per-opcode mask; set ones make it illegal.
                if word & residualReserved[Int(decoded.rawValue)] != 0 { decoded = .invalid }
                op = decoded
                if words != uncachedWords { slot.pointee = DecodedInstruction(op: decoded, word: word) }
            }
            if let hook { hook(pc, word) }
            let i = Instruction(word)
            // Most instructions fall through to the next one; branches overwrite `next`.
            var next = pc &+ 4

            switch op {
            // MARK: Integer arithmetic
            case .addi: gpr[i.rD] = (i.rA == 0 ? 0 : gpr[i.rA]) &+ UInt32(bitPattern: i.simm)
            case .addis: gpr[i.rD] = (i.rA == 0 ? 0 : gpr[i.rA]) &+ (UInt32(bitPattern: i.simm) << 16)
            case .addic: gpr[i.rD] = addCarrying(gpr[i.rA], UInt32(bitPattern: i.simm), 0)
            case .addicRecord:
                gpr[i.rD] = addCarrying(gpr[i.rA], UInt32(bitPattern: i.simm), 0)
                setCR0(gpr[i.rD])
            case .subfic: gpr[i.rD] = addCarrying(~gpr[i.rA], UInt32(bitPattern: i.simm), 1)
            case .mulli: gpr[i.rD] = UInt32(bitPattern: Int32(bitPattern: gpr[i.rA]) &* i.simm)
            case .add, .addc, .adde, .addme, .addze, .subf, .subfc, .subfe, .subfme, .subfze, .neg:
                arithmetic(op, i)
            case .mullw, .mulhw, .mulhwu, .divw, .divwu:
                multiplyDivide(op, i)
            // MARK: Logical
            case .ori: gpr[i.rA] = gpr[i.rS] | i.uimm
            case .oris: gpr[i.rA] = gpr[i.rS] | (i.uimm << 16)
            case .xori: gpr[i.rA] = gpr[i.rS] ^ i.uimm
            case .xoris: gpr[i.rA] = gpr[i.rS] ^ (i.uimm << 16)
            case .andiRecord:
                gpr[i.rA] = gpr[i.rS] & i.uimm
                setCR0(gpr[i.rA])
            case .andisRecord:
                gpr[i.rA] = gpr[i.rS] & (i.uimm << 16)
                setCR0(gpr[i.rA])
            case .and: logical(i, gpr[i.rS] & gpr[i.rB])
            case .andc: logical(i, gpr[i.rS] & ~gpr[i.rB])
            case .or: logical(i, gpr[i.rS] | gpr[i.rB])
            case .orc: logical(i, gpr[i.rS] | ~gpr[i.rB])
            case .xor: logical(i, gpr[i.rS] ^ gpr[i.rB])
            case .nand: logical(i, ~(gpr[i.rS] & gpr[i.rB]))
            case .nor: logical(i, ~(gpr[i.rS] | gpr[i.rB]))
            case .eqv: logical(i, ~(gpr[i.rS] ^ gpr[i.rB]))
            case .extsb: logical(i, UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: gpr[i.rS]))))
            case .extsh: logical(i, UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: gpr[i.rS]))))
            case .cntlzw: logical(i, UInt32(gpr[i.rS].leadingZeroBitCount))
            case .popcntb:
                if executesKernelEmulatedInstructions {
                    gpr[i.rA] = populationCountPerByte(gpr[i.rS])
                } else {
                    requestStop(.illegalInstruction(word: word))  // not on e500mc
                }
            // MARK: Rotate and shift
            case .rlwinm: logical(i, rotateLeft(gpr[i.rS], i.sh) & rotateMask(i.mb, i.me))
            case .rlwnm: logical(i, rotateLeft(gpr[i.rS], gpr[i.rB] & 31) & rotateMask(i.mb, i.me))
            case .rlwimi:
                let m = rotateMask(i.mb, i.me)
                logical(i, (rotateLeft(gpr[i.rS], i.sh) & m) | (gpr[i.rA] & ~m))
            case .slw:
                let n = gpr[i.rB] & 63
                logical(i, n < 32 ? gpr[i.rS] << n : 0)
            case .srw:
                let n = gpr[i.rB] & 63
                logical(i, n < 32 ? gpr[i.rS] >> n : 0)
            case .sraw: logical(i, shiftRightAlgebraic(gpr[i.rS], gpr[i.rB] & 63))
            case .srawi: logical(i, shiftRightAlgebraic(gpr[i.rS], i.sh))
            // MARK: Compare and trap
            case .cmpi: compare(i.crfD, Int32(bitPattern: gpr[i.rA]) < i.simm, Int32(bitPattern: gpr[i.rA]) > i.simm)
            case .cmp:
                let a = Int32(bitPattern: gpr[i.rA]), b = Int32(bitPattern: gpr[i.rB])
                compare(i.crfD, a < b, a > b)
            case .cmpli: compare(i.crfD, gpr[i.rA] < i.uimm, gpr[i.rA] > i.uimm)
            case .cmpl: compare(i.crfD, gpr[i.rA] < gpr[i.rB], gpr[i.rA] > gpr[i.rB])
            case .twi:
                if trapCondition(i.bo, gpr[i.rA], UInt32(bitPattern: i.simm)) { requestStop(.trap) }
            case .tw:
                if trapCondition(i.bo, gpr[i.rA], gpr[i.rB]) { requestStop(.trap) }
            case .isel:
                let condition = (cr >> (31 - UInt32(i.rC))) & 1 != 0
                gpr[i.rD] = condition ? (i.rA == 0 ? 0 : gpr[i.rA]) : gpr[i.rB]
            // MARK: Branches
            case .b:
                if i.lk { lr = pc &+ 4 }
                next = (i.aa ? 0 : pc) &+ UInt32(bitPattern: i.li)
            case .bc:
                if branchTaken(i.bo, i.bi) { next = (i.aa ? 0 : pc) &+ UInt32(bitPattern: i.bd) }
                if i.lk { lr = pc &+ 4 }
            case .bclr:
                let target = lr & ~3
                if branchTaken(i.bo, i.bi) { next = target }
                if i.lk { lr = pc &+ 4 }
            case .bcctr:
                if InvalidForm.bcctrDecrement.rejects(word) {
                    requestStop(.illegalInstruction(word: word))
                } else {
                    if branchTaken(i.bo, i.bi) { next = ctr & ~3 }
                    if i.lk { lr = pc &+ 4 }
                }
            case .sc:
                retired = executed &+ 1
                if systemMode {
                    pc = takeInterrupt(.systemCall, returnAddress: next, executed: retired)
                    if exitFlags & ExitFlag.endsChunk != 0 { exitFlags = 0; return .instructionLimit }
                    continue outer
                }
                pc = next
                return .systemCall
            // MARK: Condition register
            case .mcrf:
                let field = (cr >> (28 - 4 * UInt32(i.crfS))) & 0xF
                setCRField(i.crfD, field)
            case .crand, .cror, .crxor, .crnand, .crnor, .creqv, .crandc, .crorc:
                conditionRegisterLogical(op, i)
            case .mfcr:
                // mfocrf (bit 11 set) copies one field and leaves the others undefined; QEMU zeroes them.
                if i.word & 0x0010_0000 != 0 {
                    gpr[i.rD] = cr & fieldMask(i.crm)
                } else {
                    gpr[i.rD] = cr
                }
            case .mtcrf:
                let mask = fieldMask(i.crm)
                cr = (cr & ~mask) | (gpr[i.rS] & mask)
            case .mcrxr:
                setCRField(i.crfD, xerSO << 3 | xerOV << 2 | xerCA << 1)
                xerSO = 0; xerOV = 0; xerCA = 0
            // MARK: Loads and stores
            case .lwz: loadInt(i, ea: displacementEA(i), size: 4, update: false)
            case .lwzu: loadInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 4, update: true)
            case .lbz: loadInt(i, ea: displacementEA(i), size: 1, update: false)
            case .lbzu: loadInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 1, update: true)
            case .lhz: loadInt(i, ea: displacementEA(i), size: 2, update: false)
            case .lhzu: loadInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 2, update: true)
            case .lha: loadInt(i, ea: displacementEA(i), size: 2, update: false, signed: true)
            case .lhau: loadInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 2, update: true, signed: true)
            case .stw: storeInt(i, ea: displacementEA(i), size: 4, update: false)
            case .stwu: storeInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 4, update: true)
            case .stb: storeInt(i, ea: displacementEA(i), size: 1, update: false)
            case .stbu: storeInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 1, update: true)
            case .sth: storeInt(i, ea: displacementEA(i), size: 2, update: false)
            case .sthu: storeInt(i, ea: gpr[i.rA] &+ UInt32(bitPattern: i.simm), size: 2, update: true)
            case .lwzx: loadInt(i, ea: indexedEA(i), size: 4, update: false)
            case .lwzux: loadInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 4, update: true)
            case .lbzx: loadInt(i, ea: indexedEA(i), size: 1, update: false)
            case .lbzux: loadInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 1, update: true)
            case .lhzx: loadInt(i, ea: indexedEA(i), size: 2, update: false)
            case .lhzux: loadInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 2, update: true)
            case .lhax: loadInt(i, ea: indexedEA(i), size: 2, update: false, signed: true)
            case .lhaux: loadInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 2, update: true, signed: true)
            case .stwx: storeInt(i, ea: indexedEA(i), size: 4, update: false)
            case .stwux: storeInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 4, update: true)
            case .stbx: storeInt(i, ea: indexedEA(i), size: 1, update: false)
            case .stbux: storeInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 1, update: true)
            case .sthx: storeInt(i, ea: indexedEA(i), size: 2, update: false)
            case .sthux: storeInt(i, ea: gpr[i.rA] &+ gpr[i.rB], size: 2, update: true)
            case .lhbrx:
                let v = load16(indexedEA(i))
                if !stopPending { gpr[i.rD] = UInt32(UInt16(truncatingIfNeeded: v).byteSwapped) }
            case .lwbrx:
                let v = load32(indexedEA(i))
                if !stopPending { gpr[i.rD] = v.byteSwapped }
            case .sthbrx: store16(indexedEA(i), UInt32(UInt16(truncatingIfNeeded: gpr[i.rS]).byteSwapped))
            case .stwbrx: store32(indexedEA(i), gpr[i.rS].byteSwapped)
            case .lmw: loadMultiple(i)
            case .stmw: storeMultiple(i)
            case .lswi, .lswx, .stswi, .stswx:
                // The e500mc has no string instructions: the hardware raises
                // an illegal-instruction interrupt, which Linux answers by
                // emulating them (executesKernelEmulatedInstructions). Its
                // emulation refuses lswx with rD = rA or rD = rB (SIGILL).
                if !executesKernelEmulatedInstructions || (op == .lswx && InvalidForm.lswx.rejects(word)) {
                    requestStop(.illegalInstruction(word: word))
                } else if op == .lswi {
                    loadString(i.rD, ea: i.rA == 0 ? 0 : gpr[i.rA], count: i.rB == 0 ? 32 : UInt32(i.rB))
                } else if op == .lswx {
                    loadString(i.rD, ea: indexedEA(i), count: xerByteCount)
                } else if op == .stswi {
                    storeString(i.rS, ea: i.rA == 0 ? 0 : gpr[i.rA], count: i.rB == 0 ? 32 : UInt32(i.rB))
                } else {
                    storeString(i.rS, ea: indexedEA(i), count: xerByteCount)
                }
            case .lwarx:
                let ea = indexedEA(i)
                let v = ea & 3 != 0 ? 0 : load32(ea)
                if ea & 3 != 0 {
                    requestStop(.alignment(address: ea))
                } else if !stopPending {
                    gpr[i.rD] = v
                    reservation = ea
                    reservationValue = v
                }
            case .stwcxRecord:
                let ea = indexedEA(i)
                if ea & 3 != 0 {
                    requestStop(.alignment(address: ea))
                } else {
                    storeConditional(i, ea)
                }
            // MARK: Barriers and caches
            case .sync, .isync, .mbar, .dcbt, .dcbtst, .icbt, .dcba:
                break
            case .dcbf, .dcbst, .icbi:
                // No caches to manage, but the access is checked like a load.
                _ = canRead(indexedEA(i), 1)
            case .dcbz:
                let ea = indexedEA(i)
                let line = ea & ~(Core.cacheLineSize - 1)
                if let host = fastHost(line, Core.cacheLineSize, write: true) {
                    host.initializeMemory(as: UInt8.self, repeating: 0, count: Int(Core.cacheLineSize))
                } else if canWrite(line, Core.cacheLineSize) {
                    if cachingInhibitedOrWriteThrough(line) {
                        // No cache line to allocate: the e500mc takes an alignment
                        // interrupt (Linux's align.c emulates the dcbz). Device pages
                        // are mapped I = 1; RAM pages take the fast path above, which
                        // does not look at WIMGE.
                        requestStop(.alignment(address: ea))
                    } else {
                        // A cacheable mapping of a device, or of nothing: word stores through the slow path.
                        for k in stride(from: 0, to: Core.cacheLineSize, by: 4) { store32(line &+ k, 0) }
                    }
                }
            // MARK: Special-purpose registers
            case .mfspr, .mftb:
                let supervisor = msr & MSR.pr == 0
                if let v = supervisor && op == .mfspr ? readSupervisorSPR(i.spr, executed: executed) : readUserSPR(i.spr, executed: executed) {
                    gpr[i.rD] = v
                } else {
                    requestStop(op == .mftb || supervisor || !SPR.isPrivileged(i.spr) ? .illegalInstruction(word: word) : .privilegedInstruction(word: word))
                }
            case .mtspr:
                let supervisor = msr & MSR.pr == 0
                let written = supervisor ? writeSupervisorSPR(i.spr, gpr[i.rS], executed: executed) : writeUserSPR(i.spr, gpr[i.rS])
                if !written {
                    requestStop(supervisor || !SPR.isPrivileged(i.spr) ? .illegalInstruction(word: word) : .privilegedInstruction(word: word))
                }
            case .mfpmr:
                // System mode only: the user-mode runner has no performance monitor.
                let supervisor = msr & MSR.pr == 0
                if systemMode, let v = readPerformanceMonitorRegister(i.spr, supervisor: supervisor, executed: executed) {
                    gpr[i.rD] = v
                } else {
                    requestStop(systemMode && !supervisor && PMR.isPrivileged(i.spr) ? .privilegedInstruction(word: word) : .illegalInstruction(word: word))
                }
            case .wait:
                // User mode: a hint with nothing to wait for. System mode: stop
                // until an interrupt; the run loop fast-forwards the clock.
                if systemMode {
                    waiting = true
                    requestEventCheck()
                } else if exitOnWait {
                    retired = executed &+ 1
                    pc = next
                    return .waiting
                }
            // MARK: Floating point
            case .lfs, .lfsu, .lfd, .lfdu, .stfs, .stfsu, .stfd, .stfdu,
                 .lfsx, .lfsux, .lfdx, .lfdux, .stfsx, .stfsux, .stfdx, .stfdux, .stfiwx:
                // FP loads and stores need MSR[FP] like FP arithmetic: a kernel
                // switching FP state lazily relies on the first FP access of a
                // process trapping, whether it is an lfd or an fadd. Without
                // this, a load went into the previous owner's registers and was
                // lost when the FP-unavailable handler restored this process's.
                if msr & MSR.fp == 0 {
                    requestStop(.floatingPointUnavailable)
                } else {
                    floatingPointLoadStore(op, i)
                }
            case .fadd, .fadds, .fsub, .fsubs, .fmul, .fmuls, .fdiv, .fdivs,
                 .fmadd, .fmadds, .fmsub, .fmsubs, .fnmadd, .fnmadds, .fnmsub, .fnmsubs,
                 .fres, .frsqrte, .fsel, .frsp, .fctiw, .fctiwz, .fcmpu, .fcmpo,
                 .fmr, .fneg, .fabs, .fnabs, .mffs, .mtfsf, .mtfsfi, .mtfsb0, .mtfsb1, .mcrfs:
                if msr & MSR.fp == 0 {
                    requestStop(.floatingPointUnavailable)
                } else if !floatingPoint(op, i) {
                    requestStop(.illegalInstruction(word: word))
                }
            // MARK: Supervisor
            case .mfmsr, .mtmsr, .wrtee, .wrteei, .rfi, .rfci, .rfmci, .rfdi, .mfdcr, .mtdcr, .mtpmr,
                 .tlbwe, .tlbre, .tlbsx, .tlbivax, .tlbilx, .tlbsync, .msgsnd, .msgclr, .dcbi,
                 .dcbtls, .dcbtstls, .icbtls, .icblc, .dcblc:
                if !systemMode || msr & MSR.pr != 0 {
                    requestStop(.privilegedInstruction(word: word))
                } else if let target = supervisorInstruction(op, i, executed: executed) {
                    next = target
                }
            case .invalid:
                requestStop(.illegalInstruction(word: word))
            }

            if exitFlags != 0 {
                if exitFlags & ExitFlag.stop != 0 {
                    // The instruction did not complete: it does not retire and the
                    // PC stays on it. System mode turns the cause into an interrupt.
                    exitFlags = 0
                    retired = executed
                    switch deliverSynchronous(pendingStop, at: pc, executed: retired) {
                    case .interrupt(let target):
                        pc = target
                        // Taking it asked the run loop to look first (debug events,
                        // performance monitor): end the chunk here.
                        if stepping || exitFlags & ExitFlag.endsChunk != 0 { exitFlags = 0; return .instructionLimit }
                        continue outer
                    case .stop(let reason): return reason
                    }
                }
                retired = executed &+ 1
                pc = next
                // Completed, but timers or interrupts need a look: end the chunk.
                if exitFlags & ExitFlag.events != 0 { exitFlags = 0; return .instructionLimit }
                // The fetch context changed (ExitFlag.refetch): a new run.
                continue outer
            }
            if next != pc &+ 4 || next == runEnd {
                // A taken branch, the page's end or the limit: a new run.
                retired = executed &+ 1
                pc = next
                continue outer
            }
            pc = next
          }
        }
        return .instructionLimit
    }

    package enum SynchronousOutcome {
        /// The interrupt was taken; continue at this vector.
        case interrupt(UInt32)
        /// The run stops with this reason.
        case stop(StopReason)
    }

    /// In system mode, turns an instruction that could not complete into the
    /// interrupt the hardware would take; in user mode (or for a reason that
    /// is no interrupt) the run stops with it. `executed` instructions of the
    /// run have retired (the one at `pc` has not).
    package func deliverSynchronous(_ reason: StopReason, at pc: UInt32, executed: UInt64) -> SynchronousOutcome {
        guard systemMode else { return .stop(reason) }
        if !stepping {
            // An interrupt whose handler faults at once, forever: no
            // instruction completes again. Hardware would spin; we report it.
            let retired = instructionsExecuted &+ executed
            if retired == lastSynchronousRetired {
                synchronousStreak &+= 1
                if synchronousStreak >= Core.interruptStormLimit {
                    synchronousStreak = 0
                    return .stop(.checkstop(reason:
                        "interrupt storm: \(Core.interruptStormLimit) interrupts without an instruction completing (last at pc 0x\(String(pc, radix: 16)))"))
                }
            } else {
                lastSynchronousRetired = retired
                synchronousStreak = 0
            }
        }
        func take(_ vector: InterruptVector, esr: UInt32? = nil, dear: UInt32? = nil) -> SynchronousOutcome {
            .interrupt(takeInterrupt(vector, returnAddress: pc, esr: esr, dear: dear, executed: executed))
        }
        switch reason {
        case .illegalInstruction: return take(.program, esr: ESR.pil)
        case .privilegedInstruction: return take(.program, esr: ESR.ppr)
        case .trap:
            if debugEvents & DebugBits.trap != 0 {
                // Trap debug event: with MSR[DE] = 1 it replaces the program
                // interrupt; with DE = 0 it is recorded (imprecise) and the trap
                // is taken as a program interrupt as well.
                recordDebugEvent(DebugBits.trap)
                if msr & MSR.de != 0 { return take(.debug) }
            }
            return take(.program, esr: ESR.ptr)
        case .debugEvent: return take(.debug)
        case .floatingPointException: return take(.program, esr: ESR.fp)
        case .floatingPointUnavailable: return take(.floatingPointUnavailable)
        case .alignment(let address): return take(.alignment, esr: 0, dear: address)
        case .tlbMiss(let address, let access):
            // The hardware preloads the MAS registers for the miss handler.
            let space: UInt32 = (access == .execute ? msr & MSR.is : msr & MSR.ds) != 0 ? 1 : 0
            mmu?.preloadOnMiss(address, space: space, pid: spr[SPR.pid])
            if access == .execute { return take(.instructionTLBMiss, esr: 0) }
            return take(.dataTLBMiss, esr: access == .write ? ESR.st : 0, dear: address)
        case .storageViolation(let address, let access):
            if access == .execute { return take(.instructionStorage, esr: 0) }
            return take(.dataStorage, esr: access == .write ? ESR.st : 0, dear: address)
        case .machineCheck(let address):
            // With MSR[ME] = 0 a machine check cannot be taken: the core checkstops.
            guard msr & MSR.me != 0 else {
                return .stop(.checkstop(reason: "machine check with MSR[ME] = 0 (physical address 0x\(String(address, radix: 16)))"))
            }
            return take(.machineCheck)
        default:
            return .stop(reason)
        }
    }
}
