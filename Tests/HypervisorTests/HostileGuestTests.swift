import Foundation
import Testing
import E500
@testable import Hypervisor
import Platform
import PowerISA

// Hostile bare-metal guests (issue 9): small guest programs that map and
// touch what a guest should not reach — physical addresses with nothing
// behind them, a large page running past the end of RAM, the physical page
// where the VMM keeps the pv magic page, the magic page's address from
// guest user mode, the device window at odd sizes and alignments, the last
// bytes of RAM with accesses that cross its end. Each case runs bare (the
// reference: the same core straight on the machine's bus), under kvm and
// under pv, in a machine whose guest RAM is surrounded by 64 GiB of PROT_NONE
// host address space on each side: a host read or write outside guest RAM
// anywhere a 36-bit physical address can reach kills the test process. Every
// case checks that the run returns, that the guest ends in the interrupt the
// e500mc would give (or completes with the right data), and that kvm and pv
// leave exactly the state bare mode leaves.

/// The guest's TLB entry, as a guest program writes it with tlbwe.
struct GuestMapping: CustomStringConvertible {
    var ea: UInt32
    var pa: UInt64
    /// MAS1[TSIZE]: 2 = 4 KB ... 18 = 256 MB, 20 = 1 GB.
    var tsize: UInt32
    /// 4 KB pages may go to TLB0; larger ones are TLB1.
    var tlb1 = true
    var esel = 1
    var permissions: UInt32 = 0x3F
    var wimge: UInt32 = 0
    /// MAS1[TS]: the address space the entry belongs to.
    var ts: UInt32 = 0

    var size: UInt64 { 1024 << UInt64(tsize) }

    var description: String {
        let kb = size >> 10
        let sizeName = kb >= 1 << 20 ? "\(kb >> 20) GB" : kb >= 1024 ? "\(kb >> 10) MB" : "\(kb) KB"
        return "\(tlb1 ? "TLB1" : "TLB0") \(sizeName) EA 0x\(String(ea, radix: 16)) -> PA 0x\(String(pa, radix: 16))"
            + (permissions == 0x3F ? "" : " perms 0x\(String(permissions, radix: 16))")
    }

    /// MAS0-3 and MAS7 (the upper 4 bits of the 36-bit RPN), then tlbwe.
    var tlbwe: [UInt32] {
        let mas0: UInt32 = tlb1 ? 0x1000_0000 | UInt32(esel) << 16 : 0
        let mas1: UInt32 = 0x8000_0000 | ts << 12 | tsize << 7
        let mas2 = ea | wimge
        let mas3 = UInt32(truncatingIfNeeded: pa) & 0xFFFF_F000 | permissions
        let mas7 = UInt32(pa >> 32)
        return [(SPR.mas0, mas0), (SPR.mas1, mas1), (SPR.mas2, mas2), (SPR.mas3, mas3), (SPR.mas7, mas7)]
            .flatMap { spr, value in li32(10, value) + [asm(.mtspr, [Int64(spr), 10])] } + [asm(.tlbwe)]
    }
}

/// `lis; ori`: any 32-bit constant.
func li32(_ r: Int64, _ value: UInt32) -> [UInt32] {
    [lis(r, UInt16(value >> 16)), asm(.ori, [r, r, Int64(value & 0xFFFF)])]
}

/// One hostile access, with r9 = its effective address.
enum HostileAccess: String, CaseIterable {
    case lwz, stw, lbz, stb, lhz, lmw, stmw, dcbz, lfd, stfd, lwarx, stwcx, fetch

    var isStore: Bool { [.stw, .stb, .stmw, .dcbz, .stfd, .stwcx].contains(self) }
    var isData: Bool { self != .fetch }

    /// Bytes the access touches from r9 (dcbz: its line, which r9 need not start).
    var length: UInt64 {
        switch self {
        case .lbz, .stb: 1
        case .lhz: 2
        case .lwz, .stw, .lwarx, .stwcx, .fetch: 4
        case .lfd, .stfd: 8
        case .lmw, .stmw: 16   // r28-r31
        case .dcbz: UInt64(Core.cacheLineSize)
        }
    }

    /// The instructions; the last one is the access (fetch: the bctr that jumps there).
    var words: [UInt32] {
        switch self {
        case .lwz: [asm(.lwz, [3, 0, 9])]
        case .stw: [asm(.stw, [4, 0, 9])]
        case .lbz: [asm(.lbz, [3, 0, 9])]
        case .stb: [asm(.stb, [4, 0, 9])]
        case .lhz: [asm(.lhz, [3, 0, 9])]
        case .lmw: [asm(.lmw, [28, 0, 9])]
        case .stmw: [asm(.stmw, [28, 0, 9])]
        case .dcbz: [asm(.dcbz, [0, 9])]
        case .lfd: [asm(.lfd, [1, 0, 9])]
        case .stfd: [asm(.stfd, [2, 0, 9])]
        case .lwarx: [asm(.lwarx, [3, 0, 9])]
        case .stwcx: [asm(.stwcxRecord, [4, 0, 9])]
        case .fetch: [asm(.mtspr, [9, 9]), asm(.bcctr, [20, 0])]
        }
    }
}

/// The interrupt a hostile access ends in (the harness puts `b .` at each
/// vector, IVORn = n * 0x100), or none.
enum HostileOutcome: String {
    case completes, machineCheck, dataStorage, instructionStorage, alignment, dataTLBMiss, instructionTLBMiss

    var vector: UInt32? {
        switch self {
        case .completes: nil
        case .machineCheck: 0x100
        case .dataStorage: 0x200
        case .instructionStorage: 0x300
        case .alignment: 0x500
        case .dataTLBMiss: 0xD00
        case .instructionTLBMiss: 0xE00
        }
    }
}

struct HostileCase: CustomStringConvertible {
    var kind: String
    var mappings: [GuestMapping]
    var access: HostileAccess
    var ea: UInt32
    var expected: HostileOutcome
    /// Where the access's first byte is in guest RAM, if it is: its data is
    /// prepared there and checked after the run.
    var ramAddress: UInt64? = nil
    /// A fetch that runs on from `ea` (one instruction there, `addi r27,0,2`)
    /// and faults at the next word.
    var fetchRunsOn = false
    /// Run the access in guest user mode (MSR[PR] = 1) at 0x2000.
    var user = false
    /// Read the page first (`lbz r26`), so under kvm and pv the access meets
    /// a shadow entry made for a read and the hardware TLB's permissions decide.
    var warmUp = false

    var description: String {
        "\(kind): \(access) at EA 0x\(String(ea, radix: 16))\(user ? " (user)" : "")\(warmUp ? " after a read" : "") through [\(mappings.map(\.description).joined(separator: "; "))], expecting \(expected)"
    }
}

/// `btDM`: bt with adaptive data mirroring, translating a load or store at its first tracing fault.
enum GuestMode: String, CaseIterable { case bare, kvm, pv, bt, btDM = "bt:adapt-dm" }

/// A guest machine for one hostile case: bare (`Machine`), or a
/// `VirtualMachine` in kvm, pv or bt mode, with guarded guest RAM (bt
/// patches a privileged instruction at its first exit, so the translator's
/// paths run in every case that has one).
final class HostileGuest {
    static let ramSize: UInt64 = 64 << 20
    static let sentinel: UInt32 = 0xDEAD_0003, pattern: UInt32 = 0x5A5A_A5A5
    static let multiple: [UInt32] = [0x1C1C_1C1C, 0x1D1D_1D1D, 0x1E1E_1E1E, 0x1F1F_1F1F]
    static let doublePattern: UInt64 = 0x0123_4567_89AB_CDEF
    static let userPC: UInt32 = 0x2000
    static let magicEA: UInt32 = 0xFFFF_F000

    final class Console { var bytes: [UInt8] = [] }
    let mode: GuestMode
    let machine: Machine
    let vm: VirtualMachine?
    let console = Console()
    /// The guest's privileged state: the bare core or the vCPU.
    var core: Core { vm?.vcpu ?? machine.core }
    /// Its user-visible registers after a run: the bare core or the hardware.
    var registers: Core { vm?.hardware ?? machine.core }
    var ram: GuestRAM { machine.board.ram }

    init(_ mode: GuestMode, disk: BlockImage? = nil) {
        self.mode = mode
        let console = console
        if mode == .bare {
            machine = Machine(ramSize: HostileGuest.ramSize, ramGuardBytes: GuestRAM.physicalAddressSpace, disk: disk) {
                console.bytes.append($0)
            }
            vm = nil
        } else {
            var translation = BinaryTranslator.Configuration()
            translation.threshold = 0
            translation.cacheRegion = .init(ea: 0x3F0_0000, physical: 0x3F0_0000, pages: 4)
            if mode == .btDM {
                translation.policy = .adaptDM
                translation.accessThreshold = 0
            }
            let assist: VirtualMachine.Assist = mode == .pv ? .paravirtual
                : mode == .bt || mode == .btDM ? .binaryTranslation(translation) : .none
            let vm = VirtualMachine(ramSize: HostileGuest.ramSize, ramGuardBytes: GuestRAM.physicalAddressSpace, disk: disk,
                                    assist: assist) { console.bytes.append($0) }
            self.vm = vm
            machine = vm.machine
        }
        let c = core
        for n in 0..<16 { c.spr[400 + n] = UInt32(n * 0x100) }
        c.spr[SPR.ivpr] = 0
        c.msr = MSR.me | MSR.fp
        var e = BookEMMU.Entry()
        e.valid = true; e.protected = true; e.tsize = 14; e.epn = 0; e.rpn = 0; e.permissions = 0x3F
        c.mmu!.setTLB1(0, e)
        c.pc = 0x1000
        c.gpr[3] = HostileGuest.sentinel
        c.gpr[4] = HostileGuest.pattern
        for k in 0..<4 { c.gpr[28 + k] = HostileGuest.multiple[k] }
        c.fpr[1] = 0
        c.fpr[2] = HostileGuest.doublePattern
        for vector in stride(from: UInt64(0x100), through: 0xF00, by: 0x100) { put(vector, [asm(.b, [0])]) }
    }

    func put(_ address: UInt64, _ words: [UInt32]) {
        for (n, w) in words.enumerated() { ram.store32BE(address + 4 * UInt64(n), w) }
    }

    /// pv: map the magic page at 0xFFFFF000 (KVM_HC_PPC_MAP_MAGIC_PAGE) and
    /// touch it, so its reserved hardware entry is live during the hostile
    /// access; bare and kvm: as many no-ops, so every mode runs the access
    /// at the same address.
    var prologue: [UInt32] {
        let words = li32(3, 0xFFFF_F000) + li32(4, HostileGuest.magicEA) + li32(11, 42 << 16 | 4)
            + li32(0, Paravirtualization.magicR0) + [asm(.sc)]
            + li32(10, HostileGuest.magicEA) + [asm(.lwz, [11, 92, 10])]
            + li32(3, HostileGuest.sentinel) + li32(4, HostileGuest.pattern)
        guard mode != .pv else { return words }
        return Array(repeating: asm(.ori, [0, 0, 0]), count: words.count - 4) + words.suffix(4)
    }

    /// Writes the case's program; returns the address of its access instruction.
    func load(_ c: HostileCase) -> UInt32 {
        var code = prologue + c.mappings.flatMap(\.tlbwe)
        var accessAt: UInt32
        let body = li32(9, c.ea) + (c.warmUp ? [asm(.lbz, [26, 0, 9])] : []) + c.access.words
        if c.user {
            code += li32(10, HostileGuest.userPC) + [asm(.mtspr, [Int64(SPR.srr0), 10])]
                + li32(10, MSR.me | MSR.fp | MSR.pr) + [asm(.mtspr, [Int64(SPR.srr1), 10]), asm(.rfi)]
            put(UInt64(HostileGuest.userPC), body + [asm(.addi, [27, 0, 1]), asm(.b, [0])])
            accessAt = HostileGuest.userPC + 4 * UInt32(body.count - 1)
        } else {
            accessAt = 0x1000 + 4 * UInt32(code.count + body.count - 1)
            code += body + [asm(.addi, [27, 0, 1]), asm(.b, [0])]
        }
        put(0x1000, code)
        if let p = c.ramAddress {
            // Known bytes around the access, then (fetch) the code it runs.
            let lo = p >= 64 ? p - 64 : 0, hi = min(p + 64, HostileGuest.ramSize)
            for a in lo..<hi { ram.store8(a, HostileGuest.fill(a)) }
            if c.access == .fetch {
                put(p, c.fetchRunsOn ? [asm(.addi, [27, 0, 2])] : [asm(.addi, [27, 0, 2]), asm(.b, [0])])
            }
        }
        return accessAt
    }

    static func fill(_ a: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: a &* 13 &+ 7) }

    func run(limit: UInt64 = 20_000) -> StopReason {
        if let vm {
            vm.loadGuestState()
            return vm.run(limit: limit)
        }
        machine.core.flushTLB()
        return machine.run(limit: limit)
    }

    var pc: UInt32 { vm?.pc ?? machine.core.pc }

    /// What the three modes must agree on.
    struct Snapshot: Equatable {
        var pc: UInt32, msr: UInt32
        var gprs: [UInt32], fpr1: UInt64, cr: UInt32
        var srr0: UInt32, srr1: UInt32, mcsrr0: UInt32, mcsrr1: UInt32, dear: UInt32, esr: UInt32
        var ramAround: [UInt8]?
        var console: [UInt8]
    }

    func snapshot(_ c: HostileCase) -> Snapshot {
        let r = registers, v = core
        var around: [UInt8]? = nil
        if let p = c.ramAddress {
            let lo = p >= 64 ? p - 64 : 0, hi = min(p + 64, HostileGuest.ramSize)
            around = ram.read(lo, count: Int(hi - lo))
        }
        machine.board.tick()
        return Snapshot(pc: pc, msr: v.msr, gprs: [3, 27, 28, 29, 30, 31].map { r.gpr[$0] }, fpr1: r.fpr[1], cr: r.cr,
                        srr0: v.spr[SPR.srr0], srr1: v.spr[SPR.srr1], mcsrr0: v.spr[SPR.mcsrr0],
                        mcsrr1: v.spr[SPR.mcsrr1], dear: v.spr[SPR.dear], esr: v.spr[SPR.esr],
                        ramAround: around, console: console.bytes)
    }
}

@Suite struct HostileGuestTests {
    static let ram = HostileGuest.ramSize
    static let hostileEA: UInt32 = 0x8000_0000
    /// Sizes a hostile page comes in: 4 KB in TLB0 and in TLB1, then 16 KB to 256 MB.
    static let pageSizes: [(tsize: UInt32, tlb1: Bool)] = [(2, false), (2, true), (4, true), (6, true), (8, true),
                                                           (10, true), (14, true), (18, true)]

    /// Runs `c` bare, under kvm and under pv; checks the outcome in each and
    /// that kvm and pv end exactly where bare mode does.
    func check(_ c: HostileCase, extra: ((HostileGuest) -> Void)? = nil) {
        var reference: HostileGuest.Snapshot? = nil
        for mode in GuestMode.allCases {
            let g = HostileGuest(mode)
            let accessAt = g.load(c)
            let reason = g.run()
            #expect(reason == .instructionLimit, "\(mode): \(c): the run ended with \(reason)")
            verify(c, g, accessAt: accessAt, mode: mode)
            if let hardware = g.vm?.hardware.mmu {
                // No shadow entry maps anything but guest RAM (and the magic page in its own slot).
                let beyond = (hardware.tlb0 + hardware.tlb1).filter {
                    $0.valid && $0.rpn + $0.pageSize > HostileGuest.ramSize && $0.rpn != Paravirtualization.hardwarePhysical
                }
                #expect(beyond.isEmpty, "\(mode): \(c): shadows beyond RAM: \(beyond)")
            }
            extra?(g)
            let s = g.snapshot(c)
            if let reference {
                #expect(s == reference, "\(mode) differs from bare: \(c)\n  bare: \(reference)\n  \(mode): \(s)")
            } else {
                reference = s
            }
        }
    }

    func verify(_ c: HostileCase, _ g: HostileGuest, accessAt: UInt32, mode: GuestMode) {
        let r = g.registers, v = g.core
        let what = "\(mode): \(c)"
        // Where the access (the fetch: its target, or the word after it) is.
        let faultPC = c.access == .fetch ? (c.fetchRunsOn ? c.ea &+ 4 : c.ea) : accessAt
        guard let vector = c.expected.vector else {
            if c.access == .fetch {
                #expect(g.pc == c.ea &+ 4 && r.gpr[27] == 2, "\(what): pc 0x\(String(g.pc, radix: 16)), r27 \(r.gpr[27])")
            } else {
                #expect(g.pc == accessAt + 8 && r.gpr[27] == 1, "\(what): pc 0x\(String(g.pc, radix: 16))")
            }
            if let p = c.ramAddress { verifyData(c, g, p, what) }
            return
        }
        #expect(g.pc == vector, "\(what): pc 0x\(String(g.pc, radix: 16))")
        #expect(r.gpr[27] == (c.fetchRunsOn ? 2 : 0), "\(what): the instruction after the access ran")
        switch c.expected {
        case .machineCheck:
            #expect(v.spr[SPR.mcsrr0] == faultPC, "\(what): MCSRR0 0x\(String(v.spr[SPR.mcsrr0], radix: 16))")
        case .dataStorage, .dataTLBMiss, .alignment:
            #expect(v.spr[SPR.srr0] == faultPC, "\(what): SRR0 0x\(String(v.spr[SPR.srr0], radix: 16))")
            if c.expected != .alignment {
                #expect(v.spr[SPR.esr] & ESR.st == (c.access.isStore ? ESR.st : 0), "\(what): ESR 0x\(String(v.spr[SPR.esr], radix: 16))")
            }
            // DEAR is an address of the access, in the page that refused it.
            let dear = v.spr[SPR.dear]
            #expect(UInt64(dear) >= UInt64(c.ea & ~(Core.cacheLineSize - 1)) && UInt64(dear) < UInt64(c.ea) + c.access.length,
                    "\(what): DEAR 0x\(String(dear, radix: 16))")
            // A refused load changes no register.
            if c.access == .lwz || c.access == .lbz || c.access == .lhz || c.access == .lwarx {
                #expect(r.gpr[3] == HostileGuest.sentinel, "\(what): r3 changed")
            }
            if c.access == .lmw { #expect((28...31).map { r.gpr[$0] } == HostileGuest.multiple, "\(what)") }
        case .instructionStorage, .instructionTLBMiss:
            #expect(v.spr[SPR.srr0] == faultPC, "\(what): SRR0 0x\(String(v.spr[SPR.srr0], radix: 16))")
        case .completes:
            break
        }
        if c.expected == .machineCheck, c.access == .lwz || c.access == .lbz || c.access == .lhz || c.access == .lwarx {
            #expect(r.gpr[3] == HostileGuest.sentinel, "\(what): a load with nothing behind it wrote r3")
        }
        if c.expected != .completes, let p = c.ramAddress, c.access.isStore, c.expected != .machineCheck {
            // Refused before any byte was written.
            let lo = p >= 64 ? p - 64 : 0, hi = min(p + 64, HostileGuest.ramSize)
            for a in lo..<hi where g.ram.load8(a) != HostileGuest.fill(a) {
                Issue.record("\(what): RAM at 0x\(String(a, radix: 16)) was written")
                break
            }
        }
    }

    /// The access completed in RAM at `p`: registers or RAM hold what it moved.
    func verifyData(_ c: HostileCase, _ g: HostileGuest, _ p: UInt64, _ what: String) {
        let r = g.registers, ram = g.ram
        func word(_ a: UInt64) -> UInt32 { (0..<4).reduce(0) { $0 << 8 | UInt32(HostileGuest.fill(a + $1)) } }
        switch c.access {
        case .lwz, .lwarx: #expect(r.gpr[3] == word(p), "\(what)")
        case .lbz: #expect(r.gpr[3] == UInt32(HostileGuest.fill(p)), "\(what)")
        case .lhz: #expect(r.gpr[3] == word(p) >> 16, "\(what)")
        case .lmw: #expect((0..<4).map { r.gpr[28 + $0] } == (0..<4).map { word(p + 4 * UInt64($0)) }, "\(what)")
        case .lfd: #expect(r.fpr[1] == UInt64(word(p)) << 32 | UInt64(word(p + 4)), "\(what)")
        case .stw: #expect(ram.load32BE(p) == HostileGuest.pattern, "\(what)")
        case .stb: #expect(ram.load8(p) == UInt8(HostileGuest.pattern & 0xFF), "\(what)")
        case .stmw: #expect((0..<4).map { ram.load32BE(p + 4 * UInt64($0)) } == HostileGuest.multiple, "\(what)")
        case .stfd: #expect(ram.load64BE(p) == HostileGuest.doublePattern, "\(what)")
        case .dcbz:
            let line = Int(Core.cacheLineSize)
            #expect(ram.read(p & ~UInt64(line - 1), count: line) == [UInt8](repeating: 0, count: line), "\(what)")
        case .stwcx:
            // No reservation: nothing stored, CR0[EQ] clear.
            #expect(ram.load32BE(p) == word(p) && r.cr >> 28 == 0, "\(what)")
        case .fetch: break
        }
    }

    /// What an access whose every byte has nothing behind it gets: a machine
    /// check, except stwcx. without a reservation, which stores nothing and
    /// so never reaches the bus (CR0[EQ] = 0).
    static func nothingThere(_ access: HostileAccess) -> HostileOutcome {
        access == .stwcx ? .completes : .machineCheck
    }

    static func run(_ cases: [HostileCase], _ label: String, extra: ((HostileCase, HostileGuest) -> Void)? = nil) {
        let t = HostileGuestTests()
        for c in cases { t.check(c, extra: extra.map { f in { f(c, $0) } }) }
        print("hostile guests, \(label): \(cases.count) cases under bare, kvm and pv (\(cases.count * 3) runs)")
    }

    // MARK: (a) Mappings outside guest RAM and outside the device window

    @Test func mappingsOfPhysicalAddressesWithNothingBehindThemGiveAMachineCheck() {
        var cases: [HostileCase] = []
        // Just past RAM, the middle of the 36-bit space, below the platform bus, and the top 256 MB
        // (which holds the physical address the VMM gives the magic page).
        let targets: [UInt64] = [Self.ram, 0x8000_0000, 0x1_0000_0000, 0xE_0000_0000, 0xF_F000_0000]
        for (tsize, tlb1) in Self.pageSizes {
            let size: UInt64 = 1024 << UInt64(tsize)
            for pa in targets where pa % size == 0 {
                let m = GuestMapping(ea: Self.hostileEA, pa: pa, tsize: tsize, tlb1: tlb1)
                for offset in [0, size - 16] {
                    for access in HostileAccess.allCases {
                        cases.append(HostileCase(kind: "outside RAM", mappings: [m], access: access,
                                                 ea: Self.hostileEA + UInt32(offset), expected: Self.nothingThere(access)))
                    }
                }
            }
        }
        // The guest's own TLB refuses first: stores through a read-only
        // mapping are data storage interrupts, fetches through a no-execute
        // one instruction storage interrupts; what it allows has nothing behind it.
        for (tsize, tlb1) in [(UInt32(2), false), (6, true), (14, true)] {
            let readOnly = GuestMapping(ea: Self.hostileEA, pa: 0x1_0000_0000, tsize: tsize, tlb1: tlb1, permissions: 0x01)
            let noExecute = GuestMapping(ea: Self.hostileEA, pa: 0x1_0000_0000, tsize: tsize, tlb1: tlb1, permissions: 0x05)
            for access in HostileAccess.allCases {
                let ro: HostileOutcome = access.isStore ? .dataStorage : access == .fetch ? .instructionStorage : .machineCheck
                cases.append(HostileCase(kind: "outside RAM, read-only", mappings: [readOnly], access: access,
                                         ea: Self.hostileEA + 0x100, expected: ro))
                let nx: HostileOutcome = access == .fetch ? .instructionStorage : Self.nothingThere(access)
                cases.append(HostileCase(kind: "outside RAM, no execute", mappings: [noExecute], access: access,
                                         ea: Self.hostileEA + 0x100, expected: nx))
            }
        }
        Self.run(cases, "outside RAM")
    }

    // MARK: (b) A large page straddling the end of RAM; (e) accesses crossing the end

    @Test func aPageStraddlingTheEndOfRAMWorksInRAMAndMachineChecksBeyond() {
        var cases: [HostileCase] = []
        // 256 MB and 1 GB at physical 0: the first 64 MB are RAM, the rest nothing.
        for tsize: UInt32 in [18, 20] {
            let m = GuestMapping(ea: Self.hostileEA, pa: 0, tsize: tsize)
            let size = m.size
            for access in HostileAccess.allCases {
                for offset in [0x30_0000, Self.ram - 64] {
                    cases.append(HostileCase(kind: "straddling, in RAM", mappings: [m], access: access,
                                             ea: Self.hostileEA + UInt32(offset), expected: .completes, ramAddress: offset))
                }
                for offset in [Self.ram, Self.ram + 0x1_0000, size - 64] {
                    cases.append(HostileCase(kind: "straddling, beyond RAM", mappings: [m], access: access,
                                             ea: Self.hostileEA + UInt32(offset), expected: Self.nothingThere(access)))
                }
            }
        }
        // RAM the guest's TLB restricts, first read so a shadow exists: stores
        // through a read-only page and fetches from a no-execute one are the
        // guest's storage interrupts, under kvm and pv as bare.
        for (tsize, tlb1) in [(UInt32(2), false), (6, true), (14, true)] {
            for (name, permissions) in [("read-only", UInt32(0x01)), ("no execute", 0x05)] {
                let target: UInt64 = 0x30_0800, pa: UInt64 = tsize <= 6 ? 0x30_0000 : 0
                let m = GuestMapping(ea: Self.hostileEA, pa: pa, tsize: tsize, tlb1: tlb1, permissions: permissions)
                for access in HostileAccess.allCases {
                    let refused = permissions == 0x01 && access.isStore || access == .fetch
                    cases.append(HostileCase(kind: "RAM, \(name)", mappings: [m], access: access,
                                             ea: Self.hostileEA + UInt32(target - pa),
                                             expected: refused ? (access == .fetch ? .instructionStorage : .dataStorage) : .completes,
                                             ramAddress: target, warmUp: true))
                }
            }
        }
        Self.run(cases, "straddling the end of RAM and restricted RAM")
    }

    @Test func accessesCrossingTheEndOfRAM() {
        let m = GuestMapping(ea: Self.hostileEA, pa: 0, tsize: 18)   // 256 MB: RAM, then nothing
        let end = Self.hostileEA + UInt32(Self.ram)
        func at(_ access: HostileAccess, _ back: UInt32, _ expected: HostileOutcome, runsOn: Bool = false) -> HostileCase {
            HostileCase(kind: "crossing the end of RAM", mappings: [m], access: access, ea: end - back, expected: expected,
                        ramAddress: Self.ram - UInt64(back), fetchRunsOn: runsOn)
        }
        var cases = [
            at(.lwz, 2, .machineCheck), at(.lwz, 1, .machineCheck), at(.lhz, 1, .machineCheck),
            at(.stw, 2, .machineCheck), at(.stw, 3, .machineCheck),
            at(.lfd, 4, .machineCheck), at(.stfd, 4, .machineCheck), at(.lfd, 7, .machineCheck),
            at(.lmw, 8, .machineCheck), at(.lmw, 12, .machineCheck), at(.stmw, 8, .machineCheck),
            // The last byte, word and line of RAM are RAM.
            at(.lbz, 1, .completes), at(.stb, 1, .completes), at(.lwz, 4, .completes), at(.stw, 4, .completes),
            at(.lfd, 8, .completes), at(.stfd, 8, .completes), at(.lmw, 16, .completes), at(.stmw, 16, .completes),
            at(.dcbz, 1, .completes), at(.dcbz, 64, .completes), at(.lwarx, 4, .completes), at(.stwcx, 4, .completes),
            // An unaligned lwarx is an alignment interrupt before any access.
            at(.lwarx, 2, .alignment), at(.stwcx, 2, .alignment),
            // A fetch runs the last word of RAM and machine checks on the next.
            at(.fetch, 4, .machineCheck, runsOn: true),
        ]
        // The same across two 4 KB TLB0 pages: the last page of RAM and the first page after it.
        let last = GuestMapping(ea: Self.hostileEA, pa: Self.ram - 0x1000, tsize: 2, tlb1: false)
        let next = GuestMapping(ea: Self.hostileEA + 0x1000, pa: Self.ram, tsize: 2, tlb1: false)
        let boundary = Self.hostileEA + 0x1000
        for (access, back) in [(HostileAccess.lwz, UInt32(2)), (.stw, 2), (.lhz, 1), (.lfd, 4), (.stfd, 4), (.lmw, 8), (.stmw, 8)] {
            cases.append(HostileCase(kind: "crossing into the page after RAM", mappings: [last, next], access: access,
                                     ea: boundary - back, expected: .machineCheck, ramAddress: Self.ram - UInt64(back)))
            // Without the second mapping the guest's own TLB misses first, and nothing is accessed.
            cases.append(HostileCase(kind: "crossing into an unmapped page", mappings: [last], access: access,
                                     ea: boundary - back, expected: .dataTLBMiss, ramAddress: Self.ram - UInt64(back)))
        }
        cases.append(HostileCase(kind: "crossing into the page after RAM", mappings: [last, next], access: .fetch,
                                 ea: boundary - 4, expected: .machineCheck, ramAddress: Self.ram - 4, fetchRunsOn: true))
        cases.append(HostileCase(kind: "crossing into an unmapped page", mappings: [last], access: .fetch,
                                 ea: boundary - 4, expected: .instructionTLBMiss, ramAddress: Self.ram - 4, fetchRunsOn: true))
        Self.run(cases, "crossing the end of RAM")
    }

    // MARK: (c) The magic page

    /// A guest kernel mapping of the physical page where the hardware sees
    /// the magic page (`Paravirtualization.hardwarePhysical`): it is not
    /// guest-physical memory, so the guest gets a machine check and the page
    /// keeps what the VMM put there (under pv it is mapped and live).
    @Test func theMagicPagesHostPhysicalAddressIsNothingToTheGuest() {
        let physical = Paravirtualization.hardwarePhysical
        var cases: [HostileCase] = []
        for (tsize, tlb1) in [(UInt32(2), false), (2, true), (6, true), (10, true), (14, true), (18, true)] {
            let size: UInt64 = 1024 << UInt64(tsize)
            let m = GuestMapping(ea: Self.hostileEA, pa: physical & ~(size - 1), tsize: tsize, tlb1: tlb1)
            let page = Self.hostileEA + UInt32(physical & (size - 1))
            // The sprg0 and MSR fields.
            for field: UInt32 in [32, 88] {
                for access in HostileAccess.allCases {
                    cases.append(HostileCase(kind: "magic page's physical address", mappings: [m], access: access,
                                             ea: page + field, expected: Self.nothingThere(access)))
                }
            }
        }
        Self.run(cases, "the magic page's physical address") { _, g in
            guard let pv = g.vm?.paravirt else { return }
            // The page holds the vCPU's state, none of the guest's stores.
            #expect(pv.long(Paravirtualization.Field.sprg0) == g.core.spr[SPR.sprg0])
            #expect(g.core.spr[SPR.sprg0] != HostileGuest.pattern)
            #expect(pv.long(Paravirtualization.Field.msr) == g.core.msr)
            #expect(!(0..<1024).contains { pv.word(4 * $0) == HostileGuest.pattern || pv.word(4 * $0) == HostileGuest.multiple[0] })
        }
    }

    /// Guest user mode at the magic page's effective address: the guest TLB
    /// decides, as for any address (KVM maps the page for the guest kernel
    /// only): without a user mapping a TLB miss; with one, the guest RAM it
    /// maps; never the VMM's page.
    @Test func theMagicPagesEffectiveAddressFromGuestUserModeIsTheGuestTLBs() {
        let magic = HostileGuest.magicEA
        var cases: [HostileCase] = []
        let userPage = GuestMapping(ea: magic, pa: 0x30_0000, tsize: 2, tlb1: false, permissions: 0x2A)  // UX UW UR
        let userReadOnly = GuestMapping(ea: magic, pa: 0x30_0000, tsize: 2, tlb1: false, permissions: 0x02)
        let kernelOnly = GuestMapping(ea: magic, pa: 0x30_0000, tsize: 2, tlb1: false, permissions: 0x15)
        for field: UInt32 in [32, 88] {
            for access in HostileAccess.allCases {
                cases.append(HostileCase(kind: "magic EA from user mode, unmapped", mappings: [], access: access,
                                         ea: magic + field, expected: access == .fetch ? .instructionTLBMiss : .dataTLBMiss,
                                         user: true))
                cases.append(HostileCase(kind: "magic EA from user mode, mapped to RAM", mappings: [userPage], access: access,
                                         ea: magic + field, expected: .completes, ramAddress: 0x30_0000 + UInt64(field), user: true))
                let ro: HostileOutcome = access.isStore ? .dataStorage : access == .fetch ? .instructionStorage : .completes
                cases.append(HostileCase(kind: "magic EA from user mode, read-only", mappings: [userReadOnly], access: access,
                                         ea: magic + field, expected: ro, ramAddress: 0x30_0000 + UInt64(field), user: true))
                cases.append(HostileCase(kind: "magic EA from user mode, mapped to RAM", mappings: [userPage], access: access,
                                         ea: magic + field, expected: .completes, ramAddress: 0x30_0000 + UInt64(field), user: true,
                                         warmUp: true))
                cases.append(HostileCase(kind: "magic EA from user mode, read-only", mappings: [userReadOnly], access: access,
                                         ea: magic + field, expected: ro, ramAddress: 0x30_0000 + UInt64(field), user: true,
                                         warmUp: true))
                let ko: HostileOutcome = access == .fetch ? .instructionStorage : .dataStorage
                cases.append(HostileCase(kind: "magic EA from user mode, kernel-only", mappings: [kernelOnly], access: access,
                                         ea: magic + field, expected: ko, ramAddress: 0x30_0000 + UInt64(field), user: true))
            }
        }
        Self.run(cases, "the magic page's address from user mode") { _, g in
            guard let pv = g.vm?.paravirt else { return }
            #expect(g.core.spr[SPR.sprg0] != HostileGuest.pattern)
            #expect(pv.long(Paravirtualization.Field.msr) == g.core.msr)
        }
    }

    /// The guest kernel with MSR[DS] = 1 at the magic page's address: KVM
    /// maps the page for guest address space 0 only, so in address space 1
    /// the guest TLB decides (here it has no entry: a data TLB miss the
    /// guest handles), in pv as in kvm and bare. (It used to map the page
    /// for AS 0 again and again, a miss loop the VMM ended as an interrupt storm.)
    @Test func theMagicPageBelongsToGuestAddressSpace0() {
        for mode in GuestMode.allCases {
            let g = HostileGuest(mode)
            let c = HostileCase(kind: "magic EA in AS 1", mappings: [], access: .lwz, ea: HostileGuest.magicEA + 92, expected: .dataTLBMiss)
            // The program itself mapped in address space 1 too, then MSR[IS, DS] = 1.
            var code = g.prologue + GuestMapping(ea: 0, pa: 0, tsize: 14, esel: 2, ts: 1).tlbwe
            code += li32(10, MSR.me | MSR.fp | MSR.is | MSR.ds) + [asm(.mtmsr, [10])]
            code += li32(9, c.ea) + [asm(.lwz, [3, 0, 9]), asm(.addi, [27, 0, 1]), asm(.b, [0])]
            g.put(0x1000, code)
            let reason = g.run(limit: 300_000)
            #expect(reason == .instructionLimit, "\(mode): \(reason)")
            #expect(g.pc == 0xD00, "\(mode): pc 0x\(String(g.pc, radix: 16))")
            #expect(g.core.spr[SPR.dear] == c.ea, "\(mode)")
            #expect(g.registers.gpr[3] == HostileGuest.sentinel, "\(mode)")
        }
        print("hostile guests, the magic page in address space 1: 1 case under bare, kvm and pv (3 runs)")
    }

    // MARK: (d) The device window

    @Test func theDeviceWindowAtOddSizesAndAlignments() {
        let ccsr = MachineLayout.ccsrBase
        let base: UInt32 = 0xE000_0000
        var cases: [HostileCase] = []
        // Guarded, caching-inhibited (WIMGE = I|G) mappings of the CCSR window at every size from 4 KB to 256 MB.
        for (tsize, tlb1) in [(UInt32(2), false), (2, true), (4, true), (6, true), (10, true), (14, true), (18, true)] {
            let size: UInt64 = 1024 << UInt64(tsize)
            let uartPage = (MachineLayout.uartBase - ccsr) & ~(size - 1)
            let m = GuestMapping(ea: base + UInt32(uartPage), pa: ccsr + uartPage, tsize: tsize, tlb1: tlb1, wimge: 0xA)
            func device(_ offset: UInt64) -> UInt32 { base + UInt32(offset) }
            let uart = MachineLayout.uartBase - ccsr
            // Registers, misaligned words and halves, multiple and FP accesses: the device answers as on bare.
            for (access, offset) in [(HostileAccess.lbz, uart + 5), (.lwz, uart + 1), (.lhz, uart + 3), (.lwz, uart + 4),
                                     (.stb, uart + 7), (.stw, uart + 6), (.lmw, uart), (.stmw, uart + 0x18),
                                     (.lfd, uart + 4), (.stfd, uart + 0x24), (.lwarx, uart + 4), (.stwcx, uart + 4)] {
                cases.append(HostileCase(kind: "device window", mappings: [m], access: access, ea: device(offset), expected: .completes))
            }
            // Past the UART's 0x100 bytes: a hole in CCSR, and a word that runs from the UART into it.
            for access in HostileAccess.allCases {
                // dcbz has no cache line to allocate in caching-inhibited storage: an alignment interrupt, first.
                cases.append(HostileCase(kind: "device window hole", mappings: [m], access: access, ea: device(uart + 0x300),
                                         expected: access == .dcbz ? .alignment : Self.nothingThere(access)))
            }
            cases.append(HostileCase(kind: "device window dcbz", mappings: [m], access: .dcbz, ea: device(uart + 0x44),
                                     expected: .alignment))
            // Mapped cacheable (WIMGE = 0), the device gets the line's zeroes as word stores, as on bare.
            var cacheable = m
            cacheable.wimge = 0
            cases.append(HostileCase(kind: "device window dcbz, cacheable", mappings: [cacheable], access: .dcbz,
                                     ea: device(uart + 0x44), expected: .completes))
            cases.append(HostileCase(kind: "device window hole, cacheable", mappings: [cacheable], access: .dcbz,
                                     ea: device(uart + 0x300), expected: .machineCheck))
            for access in [HostileAccess.lwz, .stw, .lhz, .lfd, .stfd, .lmw, .stmw] {
                cases.append(HostileCase(kind: "device window, crossing a device's end", mappings: [m], access: access,
                                         ea: device(uart + 0x100 - 1), expected: .machineCheck))
            }
            // Instructions are never fetched from a device.
            cases.append(HostileCase(kind: "device window fetch", mappings: [m], access: .fetch, ea: device(uart), expected: .machineCheck))
            if size >= 1 << 20 {
                // The MPIC and the global utilities, one word register read misaligned and as a double.
                let mpic = MachineLayout.mpicBase - ccsr, guts = MachineLayout.gutsBase - ccsr
                for (access, offset) in [(HostileAccess.lwz, mpic), (.lwz, mpic + 1), (.lfd, mpic), (.lmw, mpic),
                                         (.lwz, guts + 0xA0), (.lhz, guts + 0xA2), (.lfd, guts + 0xA0)] {
                    cases.append(HostileCase(kind: "device window", mappings: [m], access: access, ea: device(offset), expected: .completes))
                }
            }
            // A read-only device mapping refuses stores in the guest's TLB, before any device sees them.
            var ro = m
            ro.permissions = 0x01
            for access in [HostileAccess.stb, .stw, .stmw, .stfd, .dcbz, .stwcx] {
                cases.append(HostileCase(kind: "device window, read-only", mappings: [ro], access: access,
                                         ea: device(uart), expected: .dataStorage))
            }
        }
        Self.run(cases, "the device window") { c, g in
            if c.kind == "device window", c.access == .lbz {
                #expect(g.registers.gpr[3] & 0x60 == 0x60, "\(g.mode): LSR")   // THR empty, transmitter empty
            }
            if c.kind == "device window", c.access == .lwz, c.ea & 0xFFFFF == 0xE00A0 {
                #expect(g.registers.gpr[3] == 0x8023_0020, "\(g.mode): guts PVR")
            }
        }
    }
}

/// A guest driving the virtio block device with hostile requests, bare,
/// under kvm and under pv: the guest programs the virtio-mmio registers
/// through its own mapping of the platform bus (each exit an emulated MMIO
/// access), and the device, reached through the VMM, only ever touches
/// guarded guest RAM; a broken request makes it ask for a reset.
@Suite struct HostileVirtioGuestTests {
    static let window: UInt32 = 0xD000_0000
    static let descriptors: UInt64 = 0x10_0000, available: UInt64 = 0x10_1000, used: UInt64 = 0x10_2000
    static let header: UInt64 = 0x11_0000, data: UInt64 = 0x12_0000, status: UInt64 = 0x13_0000

    /// Linux's writel: the register's value byte-swapped by stwbrx; here a plain stw of the swapped value.
    func writel(_ offset: Int64, _ value: UInt32) -> [UInt32] { li32(10, value.byteSwapped) + [asm(.stw, [10, offset, 9])] }

    /// vm_probe, feature negotiation (VERSION_1), vm_setup_vq for an 8-entry queue, DRIVER_OK, then one notify;
    /// r20 = Status and r21 = InterruptStatus as `lwz` sees them (byte-swapped).
    var program: [UInt32] {
        let mapping = GuestMapping(ea: Self.window, pa: MachineLayout.virtioBase, tsize: 2, tlb1: false, permissions: 0x05, wimge: 0xA)
        var code = mapping.tlbwe + li32(9, Self.window)
        code += writel(0x070, 0) + writel(0x070, 1) + writel(0x070, 3)
        code += writel(0x024, 1) + writel(0x020, 1) + writel(0x024, 0) + writel(0x020, 0) + writel(0x070, 0xB)
        code += writel(0x030, 0) + writel(0x038, 8)
        for (register, address) in [(Int64(0x080), Self.descriptors), (0x090, Self.available), (0x0A0, Self.used)] {
            code += writel(register, UInt32(address)) + writel(register + 4, 0)
        }
        code += writel(0x044, 1) + writel(0x070, 0xF) + writel(0x050, 0)
        return code + [asm(.lwz, [20, 0x70, 9]), asm(.lwz, [21, 0x60, 9]), asm(.addi, [27, 0, 1]), asm(.b, [0])]
    }

    struct Request {
        var name: String
        /// Descriptors from index 0: address, length, flags, next.
        var chain: [(UInt64, UInt32, UInt16, UInt16)]
        var needsReset: Bool
    }

    @Test func aGuestsHostileVirtioRequestsNeverReachBeyondItsRAM() throws {
        let ram = HostileGuest.ramSize
        let good: [(UInt64, UInt32, UInt16, UInt16)] = [(Self.header, 16, 1, 1), (Self.data, 512, 3, 2), (Self.status, 1, 2, 0)]
        func with(_ k: Int, _ address: UInt64, _ length: UInt32? = nil) -> [(UInt64, UInt32, UInt16, UInt16)] {
            var chain = good
            chain[k].0 = address
            if let length { chain[k].1 = length }
            return chain
        }
        let requests = [
            Request(name: "a good read", chain: good, needsReset: false),
            Request(name: "data just past RAM", chain: with(1, ram), needsReset: true),
            Request(name: "data straddling the end of RAM", chain: with(1, ram - 256), needsReset: true),
            Request(name: "data at the magic page's host physical address", chain: with(1, Paravirtualization.hardwarePhysical), needsReset: true),
            Request(name: "data in the device window", chain: with(1, MachineLayout.uartBase), needsReset: true),
            Request(name: "data of length 2^32 - 1", chain: with(1, 0, .max), needsReset: true),
            Request(name: "data wrapping the 64-bit space", chain: with(1, .max - 0xFF), needsReset: true),
            Request(name: "header past RAM", chain: with(0, ram), needsReset: true),
            Request(name: "status past RAM", chain: with(2, ram), needsReset: true),
            Request(name: "status in the last byte of RAM", chain: with(2, ram - 1), needsReset: false),
            Request(name: "a descriptor chained to itself", chain: [(Self.header, 16, 1, 0)], needsReset: true),
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trapeze-hostile-\(getpid()).img").path
        let sectors = (0..<8 * 512).map { UInt8(truncatingIfNeeded: $0 / 512 * 16 + $0 % 16) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(sectors)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for r in requests {
            for mode in GuestMode.allCases {
                let g = HostileGuest(mode, disk: try BlockImage(path: path))
                g.put(0x1000, program)
                for (i, d) in r.chain.enumerated() {
                    let at = Self.descriptors + 16 * UInt64(i)
                    g.ram.base.storeBytes(of: d.0.littleEndian, toByteOffset: Int(at), as: UInt64.self)
                    g.ram.store32LE(at + 8, d.1)
                    g.ram.store16LE(at + 12, d.2)
                    g.ram.store16LE(at + 14, d.3)
                }
                g.ram.store32LE(Self.header, 0)                       // IN, sector 0
                g.ram.store16LE(Self.available + 4, 0)
                g.ram.store16LE(Self.available + 2, 1)
                g.ram.store8(Self.status, 0xFF)
                let reason = g.run()
                let what = "\(mode): \(r.name)"
                #expect(reason == .instructionLimit, "\(what): \(reason)")
                #expect(g.registers.gpr[27] == 1, "\(what): pc 0x\(String(g.pc, radix: 16))")
                let deviceStatus = g.registers.gpr[20].byteSwapped, interrupts = g.registers.gpr[21].byteSwapped
                #expect((deviceStatus & 0x40 != 0) == r.needsReset, "\(what): status 0x\(String(deviceStatus, radix: 16))")
                #expect(interrupts == (r.needsReset ? 2 : 1), "\(what): interrupt status \(interrupts)")
                #expect(g.ram.load16LE(Self.used + 2) == (r.needsReset ? 0 : 1), "\(what): used index")
                if !r.needsReset {
                    let statusAt = r.chain[2].0
                    #expect(g.ram.load8(statusAt) == 0, "\(what): request status")
                    #expect(g.ram.read(Self.data, count: 16) == (0..<16).map { UInt8($0) }, "\(what): sector 0")
                }
                if let vm = g.vm { #expect(vm.timing[.mmio].count >= 20, "\(what): the registers were emulated MMIO") }
            }
        }
        print("hostile guests, virtio requests from the guest: \(requests.count) cases under bare, kvm and pv (\(requests.count * 3) runs)")
    }
}
