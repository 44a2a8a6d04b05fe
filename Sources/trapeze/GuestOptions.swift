#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Hypervisor
import Platform
import Telemetry

/// The guest and machine options `run` and `compare` share.
struct GuestOptions: ParsableArguments {
    @Option(help: "Kernel: an ELF vmlinux or a uImage.") var kernel: String?
    @Option(help: "Initial ramdisk (cpio archive).") var initrd: String?
    @Option(help: "Kernel command line (default: \"console=ttyS0 nospectre_v2\").") var append: String?
    @Option(name: .customShort("m"), help: "RAM size in MB (a multiple of 64).") var memory: UInt64 = 256
    @Option(help: "Raw disk image for the virtio-mmio block device.") var drive: String?
    @Option(help: "Entries of the guest's TLB1 (16 as on the P2020).") var tlb1Entries: Int = 16
    @Option(help: "Cost model for modelled time: p2020, sequoia440, or a JSON profile file (docs/cost-model.md).")
    var costModel: String = "p2020"
    @Option(help: "bt: the translator's policy: in-place (uniform traced fragments of --bt-fragment), adapt-pr (adaptive page resizing) or adapt-dm (adapt-pr with adaptive data mirroring: load/store translations and a word mirror).")
    var bt: String = BinaryTranslator.Configuration.Policy.adaptPR.rawValue
    @Option(help: "bt: traced fragment size for in-place, shortest page for adapt-pr and adapt-dm (4K, 16K, 64K, ... 256M).")
    var btFragment: String = "64K"
    @Option(help: "bt: privileged-instruction exits of one guest PC before it is patched.")
    var btThreshold: Int = BinaryTranslator.Configuration().threshold
    @Option(help: "bt: the kernel data section the translation cache steals pages from (default: __bug_table, else the largest).")
    var btCacheSection: String?
    @Option(help: "bt: where the translation cache goes: bug-table (page by page from --bt-cache-section) or data-start (the paper's placement: 64 KB at the start of the kernel's .data, stolen at the first patch).")
    var btCacheAt: String = BinaryTranslator.Configuration().cacheAt.rawValue
    @Option(help: "bt: write the traced fragments and the hardware TLB1 over time to this file.")
    var btLog: String?
    @Flag(help: "bt: fold the rfi that ends the guest's TLB-miss handler into its tlbwe's exit (beyond the paper).")
    var btFoldReturns = false
    @Flag(help: "bt: rewrite kernel loads and stores that keep taking tracing faults into translations that look up the data mirror (empty for now: every lookup misses).")
    var btTranslateAccesses = false
    @Option(help: "bt: tracing faults of one kernel load or store before --bt-translate-accesses translates it.")
    var btAccessThreshold: Int = BinaryTranslator.Configuration().accessThreshold

    /// The translator's configuration from the --bt options.
    func translatorConfiguration() throws -> BinaryTranslator.Configuration {
        var c = BinaryTranslator.Configuration()
        guard let policy = BinaryTranslator.Configuration.Policy(rawValue: bt) else {
            throw ValidationError("unknown --bt policy '\(bt)' (\(BinaryTranslator.Configuration.Policy.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        c.policy = policy
        guard let size = Self.pageSize(btFragment) else {
            throw ValidationError("--bt-fragment must be an e500 page size from 4K to 256M (4K, 16K, 64K, 256K, 1M, 4M, 16M, 64M, 256M)")
        }
        c.fragmentSize = size
        guard btThreshold >= 0 && btThreshold <= 1_000_000_000 else { throw ValidationError("--bt-threshold must be 0 to 10^9") }
        c.threshold = btThreshold
        c.cacheSection = btCacheSection
        guard let placement = BinaryTranslator.Configuration.CachePlacement(rawValue: btCacheAt) else {
            throw ValidationError("--bt-cache-at must be \(BinaryTranslator.Configuration.CachePlacement.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        guard placement == .bugTable || btCacheSection == nil else {
            throw ValidationError("--bt-cache-section applies to --bt-cache-at bug-table only")
        }
        c.cacheAt = placement
        c.foldReturns = btFoldReturns
        c.translateAccesses = btTranslateAccesses
        guard btAccessThreshold >= 0 && btAccessThreshold <= 1_000_000_000 else {
            throw ValidationError("--bt-access-threshold must be 0 to 10^9")
        }
        c.accessThreshold = btAccessThreshold
        return c
    }

    /// "64K", "1M": a page size of the e500's TLB1 (4 KB times a power of 4), up to 256 MB.
    static func pageSize(_ text: String) -> UInt64? {
        let upper = text.uppercased()
        let (digits, unit): (Substring, UInt64) = upper.hasSuffix("K") ? (upper.dropLast(), 1 << 10)
            : upper.hasSuffix("M") ? (upper.dropLast(), 1 << 20) : (Substring(upper), 1)
        guard let n = UInt64(digits), n > 0, n <= 1 << 30 else { return nil }
        let size = n * unit
        guard size >= 4096, size <= 256 << 20, size & (size - 1) == 0, (size.trailingZeroBitCount - 12) % 2 == 0 else { return nil }
        return size
    }

    static let workloads = ["boot", "echo-spawn", "find", "shell"]

    /// A workload name is one of `known`; with an --initrd of the user's, any
    /// plain name, since /init runs /workloads/NAME when the image adds one
    /// (the ISA image adds `isa` and `isa-busy`).
    func validateWorkload(_ name: String, known: [String]) throws {
        if known.contains(name) { return }
        let plain = !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
        }
        if initrd != nil && plain { return }
        throw ValidationError("unknown workload '\(name)' (\(known.joined(separator: ", "))\(initrd == nil ? "; others need --initrd with /workloads/NAME" : ""))")
    }

    /// The kernel command line without --append. `nospectre_v2` turns off the
    /// guest's branch-predictor flush on every entry from user mode (an
    /// `mtspr BUCSR` that traps under trap-and-emulate, with or without
    /// paravirtualization): the paper's Linux 3.0 guest had none, and every
    /// mode runs the same command line, so comparisons stay fair.
    static let defaultCommandLine = "console=ttyS0 nospectre_v2"

    func validate() throws {
        guard memory >= 64, memory % 64 == 0, memory <= 3072 else {
            throw ValidationError("-m must be a multiple of 64 between 64 and 3072 MB")
        }
        guard (1...64).contains(tlb1Entries) else { throw ValidationError("--tlb1-entries must be 1 to 64") }
        _ = try translatorConfiguration()
    }

    /// Kernel and initrd: the given ones, or the project's guest image, built
    /// on first use. `bt` boots the unmodified kernel (Guest/linux/kernel.sh
    /// --stock, without the pv patches) unless --kernel says otherwise.
    func bootImages(mode: Mode) throws -> (String, String?) {
        if let kernel { return (kernel, initrd) }
        let cache = ProcessInfo.processInfo.environment["TRAPEZE_CACHE"] ?? (NSHomeDirectory() + "/.cache/trapeze")
        var dir = cache + "/linux"
        if !FileManager.default.fileExists(atPath: dir + "/vmlinux") {
            printError("trapeze: no guest image in \(dir); building it with Guest/linux/build.sh (takes minutes)")
            dir = try Self.runGuestScript("build.sh", arguments: []) ?? dir
        }
        var kernelPath = dir + "/vmlinux"
        if mode == .bt, let stock = try Self.runGuestScript("kernel.sh", arguments: ["--stock"]) {
            kernelPath = stock + "/vmlinux"
        }
        return (kernelPath, initrd ?? dir + "/initramfs.cpio.gz")
    }

    /// These options as command-line arguments, for a child `trapeze`
    /// process that must boot the same guest (`trapeze bench`'s runs).
    var arguments: [String] {
        var a: [String] = []
        if let kernel { a += ["--kernel", kernel] }
        if let initrd { a += ["--initrd", initrd] }
        if let append { a += ["--append", append] }
        if let drive { a += ["--drive", drive] }
        if let btCacheSection { a += ["--bt-cache-section", btCacheSection] }
        if let btLog { a += ["--bt-log", btLog] }
        if btFoldReturns { a.append("--bt-fold-returns") }
        if btTranslateAccesses { a.append("--bt-translate-accesses") }
        a += ["--bt-access-threshold", "\(btAccessThreshold)"]
        a += ["--bt-cache-at", btCacheAt]
        return a + ["-m", "\(memory)", "--tlb1-entries", "\(tlb1Entries)", "--cost-model", costModel, "--bt", bt,
                    "--bt-fragment", btFragment, "--bt-threshold", "\(btThreshold)"]
    }

    /// Runs a script of Guest/linux (it builds or finds a cached guest
    /// part); the last line of its output, the directory it names.
    static func runGuestScript(_ name: String, arguments: [String]) throws -> String? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Guest/linux/" + name).path
        let build = Process()
        build.executableURL = URL(fileURLWithPath: script)
        build.arguments = arguments
        let out = Pipe()
        build.standardOutput = out
        try build.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        build.waitUntilExit()
        guard build.terminationStatus == 0 else { throw CLIError("Guest/linux/\(name) \(arguments.joined(separator: " ")) failed") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }

    /// Builds the machine for `mode` and boots the guest on it. Bad input
    /// throws a CLIError (one line; `run` and `compare` exit with status 1).
    func boot(mode: Mode, workload: String?, console: Console, extraCommandLine: String = "") throws(CLIError) -> GuestSystem {
        let kernelPath: String, initrdPath: String?
        do { (kernelPath, initrdPath) = try bootImages(mode: mode) } catch { throw CLIError(error) }
        var commandLine = append ?? GuestOptions.defaultCommandLine
        if let workload { commandLine += " trapeze.workload=\(workload)" }
        if !extraCommandLine.isEmpty { commandLine += " " + extraCommandLine }
        var disk: BlockImage?
        if let drive {
            do { disk = try BlockImage(path: drive, readOnly: false) } catch { throw CLIError(error) }
        }
        let costs: CostModel
        do { costs = try loadCostModel(costModel) } catch { throw CLIError(error) }
        do {
            switch mode {
            case .bare:
                let machine = Machine(ramSize: memory << 20, disk: disk, tlb1Entries: tlb1Entries, costModel: costs) {
                    console.output($0)
                }
                try machine.boot(kernel: kernelPath, initrd: initrdPath, commandLine: commandLine)
                return BareSystem(machine: machine, kernelPath: kernelPath)
            case .kvm, .pv, .bt:
                var assist = VirtualMachine.Assist.none
                if mode == .pv { assist = .paravirtual }
                if mode == .bt {
                    do { assist = .binaryTranslation(try translatorConfiguration()) } catch { throw CLIError(error) }
                }
                let vm = VirtualMachine(ramSize: memory << 20, disk: disk, tlb1Entries: tlb1Entries, costModel: costs,
                                        assist: assist) { console.output($0) }
                if let btLog, let translator = vm.translator {
                    guard let file = fopen(btLog, "w") else { throw CLIError("cannot write \(btLog)") }
                    translator.log = { line in fputs(line + "\n", file); fflush(file) }
                }
                try vm.boot(kernel: kernelPath, initrd: initrdPath, commandLine: commandLine)
                return VirtualizedSystem(vm: vm, mode: mode, kernelPath: kernelPath)
            }
        } catch {
            throw CLIError(error)
        }
    }
}
