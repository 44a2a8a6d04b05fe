import Foundation

/// Turns a run into modelled time: a cost per guest instruction plus a host
/// cost per exit type, in cycles of a named processor at its clock frequency.
/// docs/cost-model.md explains where the shipped profiles' numbers come from.
///
/// The simulator keeps one clock for everything (the machine clock of the
/// ppce500 model, 1.2 GHz, whose time base the guest reads); a profile's
/// cycles are converted to that clock with `inMachineCycles`.
public struct CostModel: Sendable, Equatable {
    public let name: String
    /// Clock of the profiled processor in Hz.
    public let frequency: Double
    /// Cycles one guest instruction costs on it (in the guest, not exiting).
    public let cyclesPerInstruction: Double
    /// Host cycles per exit, from the exit to the re-entry, by `ExitType.rawValue`.
    public let exitCycles: [Double]

    public init(name: String, frequency: Double, cyclesPerInstruction: Double, exitCycles: [ExitType: Double]) {
        self.name = name
        self.frequency = frequency
        self.cyclesPerInstruction = cyclesPerInstruction
        self.exitCycles = ExitType.allCases.map { exitCycles[$0] ?? 0 }
    }

    public func cycles(for type: ExitType) -> Double { exitCycles[type.rawValue] }

    public func microseconds(for type: ExitType) -> Double { cycles(for: type) / frequency * 1e6 }

    /// The same costs in cycles of a clock running at `machineFrequency`.
    /// Costs beyond `MachineCosts.maximumCycles` (only a profile built in
    /// code can have them; `load` refuses them) are capped there.
    public func inMachineCycles(_ machineFrequency: Double) -> MachineCosts {
        let scale = machineFrequency / frequency
        func capped(_ cycles: Double) -> Double {
            cycles.isNaN ? 0 : min(max(cycles, 0), MachineCosts.maximumCycles)
        }
        return MachineCosts(
            instruction: capped(cyclesPerInstruction * scale),
            exits: exitCycles.map { UInt64(capped(($0 * scale).rounded())) })
    }

    // MARK: Shipped profiles

    public static let profileNames = ["p2020", "sequoia440"]

    public static func named(_ name: String) -> CostModel? {
        switch name {
        case "p2020": p2020
        case "sequoia440": sequoia440
        default: nil
        }
    }

    /// Average microseconds per exit on the 440EPx Sequoia board at 667 MHz,
    /// from the "boot guest" table of the PowerPC Exittimings page (avg
    /// column). Rows the page has no figure for borrow the nearest kind:
    /// FP_UNAVAIL and the reflected interrupts as ISI, HCALL as EMULINST,
    /// EMUL_WRTEE as the page's EMUL_CORE (which is where 2008's KVM counted
    /// wrtee), EMUL_TLBINV as EMUL_TLBWE, EMUL_WAIT as EMUL_MTMSR (its idle
    /// time is added as modelled time passes, not as a cost). ACC_VIOL, a
    /// bt tracing fault, is an exit plus the emulation of one load or store:
    /// DSI plus EMULINST.
    static let sequoiaMicroseconds: [ExitType: Double] = [
        .mmio: 180.5584, .dcr: 47.2000, .signal: 98.0000,
        .itlbReal: 8.4341, .itlbVirt: 21.1919, .dtlbReal: 9.3589, .dtlbVirt: 23.4096,
        .syscall: 6.3143, .isi: 6.5862, .dsi: 6.7907, .emulatedInstruction: 7.4192,
        .emulatedWait: 8.0493, .emulatedCore: 8.0839, .emulatedMtspr: 8.3010, .emulatedMfspr: 8.2216,
        .emulatedMtmsr: 8.0493, .emulatedMfmsr: 8.1455, .emulatedTlbsx: 10.5791, .emulatedTlbwe: 15.5430,
        .emulatedRfi: 7.5060, .decrementer: 54.4345, .externalInterrupt: 74.5714,
        .floatingPointUnavailable: 6.5862, .hypercall: 7.4192, .emulatedWrtee: 8.0839, .emulatedTlbivax: 15.5430,
        .accessViolation: 6.7907 + 7.4192,
    ]

    /// The page's mean cost of a privileged-instruction exit: the EMULINST..EMUL_RFI
    /// rows of the boot table, sum over count (1,686,258 us / 207,906 exits).
    static let sequoiaPrivilegedExitMicroseconds = 1_686_258.0 / 207_906.0

    /// The paper's P2020 (e500v2, 1.2 GHz): removing 11,469,408 privileged
    /// exits (11,509,859 under KVM, 40,451 under KVM-PV) took linux-boot from
    /// 30.03 s to 11.79 s, 1.59 us per exit (Table 1 and the raw exit counts).
    static let p2020PrivilegedExitMicroseconds = (30.03 - 11.79) / Double(11_509_859 - 40_451) * 1e6

    public static let sequoia440 = CostModel(
        name: "sequoia440", frequency: 667e6, cyclesPerInstruction: 1,
        exitCycles: sequoiaMicroseconds.mapValues { $0 * 667 })

    /// P2020: the Sequoia costs scaled so a privileged exit costs what the
    /// paper measured (1.59 us), keeping the page's ratios between exit types.
    public static let p2020: CostModel = {
        let scale = p2020PrivilegedExitMicroseconds / sequoiaPrivilegedExitMicroseconds
        return CostModel(name: "p2020", frequency: 1.2e9, cyclesPerInstruction: 1,
                         exitCycles: sequoiaMicroseconds.mapValues { $0 * scale * 1200 })
    }()

    // MARK: Profile files

    public struct FileError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A key from the file as an error message can quote it: control
    /// characters (a newline would split the one-line message) escaped.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
            .joined())
    }

    /// Reads a profile from JSON:
    /// `{"name": "...", "frequency_mhz": 1200, "cycles_per_instruction": 1.0,
    ///   "exit_cycles": {"EMULINST": 1750, "DTLBVIRT": 5500, ...}}`.
    /// Exit types left out cost `default_exit_cycles` (0 if absent).
    public static func load(path: String) throws(FileError) -> CostModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(description: "cannot read cost profile \(path)")
        }
        return try parse(data, path: path)
    }

    /// The profile in `data`, read from `path` (named in errors, and the
    /// profile's name when it has none). Numbers are bounded so that modelled
    /// time stays meaningful in 64-bit cycle counts: a clock of 1 kHz to 100
    /// GHz, at most 10^6 cycles per instruction and 10^12 per exit.
    public static func parse(_ data: Data, path: String) throws(FileError) -> CostModel {
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw FileError(description: "cost profile \(path) is not a JSON object")
        }
        let known: Set<String> = ["name", "frequency_mhz", "cycles_per_instruction", "exit_cycles", "default_exit_cycles"]
        if let unknown = dict.keys.sorted().first(where: { !known.contains($0) }) {
            throw FileError(description: "cost profile \(path): unknown key '\(printable(unknown))'")
        }
        func number(_ key: String, _ value: Any?, atMost limit: Double) throws(FileError) -> Double? {
            guard let value else { return nil }
            guard let n = value as? NSNumber, !(value is Bool), n.doubleValue.isFinite, n.doubleValue >= 0,
                  n.doubleValue <= limit else {
                let bound = limit < 1e15 && limit == limit.rounded() ? String(Int64(limit)) : "\(limit)"
                throw FileError(description: "cost profile \(path): '\(printable(key))' must be a number from 0 to \(bound)")
            }
            return n.doubleValue
        }
        guard let mhz = try number("frequency_mhz", dict["frequency_mhz"], atMost: 1e5), mhz >= 1e-3 else {
            throw FileError(description: "cost profile \(path): 'frequency_mhz' must be a number from 0.001 to 100000")
        }
        let cpi = try number("cycles_per_instruction", dict["cycles_per_instruction"], atMost: 1e6) ?? 1
        guard cpi > 0 else { throw FileError(description: "cost profile \(path): 'cycles_per_instruction' must be positive") }
        let fallback = try number("default_exit_cycles", dict["default_exit_cycles"], atMost: 1e12) ?? 0
        var exits: [ExitType: Double] = [:]
        for t in ExitType.allCases where t != .timeInGuest { exits[t] = fallback }
        if let table = dict["exit_cycles"] {
            guard let table = table as? [String: Any] else {
                throw FileError(description: "cost profile \(path): 'exit_cycles' must map exit names to cycles")
            }
            for (key, value) in table {
                guard let type = ExitType(name: key), type != .timeInGuest else {
                    throw FileError(description: "cost profile \(path): unknown exit type '\(printable(key))'")
                }
                exits[type] = try number(key, value, atMost: 1e12)
            }
        }
        // The name goes into reports' one-line headers.
        let given = (dict["name"] as? String).map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
        let name = given ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return CostModel(name: name, frequency: mhz * 1e6, cyclesPerInstruction: cpi, exitCycles: exits)
    }
}

/// A cost model in cycles of the simulator's machine clock.
public struct MachineCosts: Sendable {
    /// Machine cycles per guest instruction (fractional).
    public let instruction: Double
    public let exits: [UInt64]
    /// The most one instruction or exit may cost: 2^50 cycles, ten days at
    /// 1.2 GHz, far from overflowing the 64-bit clock.
    public static let maximumCycles = Double(1 << 50)

    @inline(__always)
    public func exit(_ type: ExitType) -> UInt64 { exits[type.rawValue] }
}

/// Converts retired instructions into machine cycles at a fractional rate
/// without drift: the core counts one cycle per instruction itself, and this
/// supplies the rest.
public struct InstructionClock: Sendable {
    let extraPerInstruction: Double
    var remainder: Double = 0

    public init(cyclesPerInstruction: Double) { extraPerInstruction = cyclesPerInstruction - 1 }

    /// Extra cycles (beyond one per instruction) for `instructions` more.
    public mutating func extraCycles(for instructions: UInt64) -> UInt64 {
        guard extraPerInstruction != 0 else { return 0 }
        let exact = Double(instructions) * extraPerInstruction + remainder
        let whole = max(0, exact.rounded(.down))
        remainder = exact - whole
        return UInt64(min(whole, Double(1 << 62)))
    }
}
