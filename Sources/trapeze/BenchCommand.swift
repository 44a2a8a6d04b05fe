#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Hypervisor
import Telemetry

/// `trapeze bench`: the paper's benchmark matrix, each (mode, workload) a
/// deterministic simulation in a process of its own, several at once;
/// writes results.json and the exit-timing files, prints Table 1, the raw
/// exit table and the % of bare-metal speed.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the paper's benchmark suite in several modes and print Table 1.",
        discussion: """
            Without --initrd, boots the benchmark image (Guest/linux/build-bench.sh: the guest image \
            plus Guest/bench's programs), building it first if missing. Each run boots the guest with \
            trapeze.workload=NAME trapeze.scale=SCALE; macro workloads are timed by Trapeze between \
            their markers, the others time themselves on the guest's clock. Figures are modelled time, \
            so every run is deterministic. Writes OUTPUT/results.json, OUTPUT/runs/ (each run's record \
            and log) and OUTPUT/timing/WORKLOAD-MODE/ (exit timing). Exit status 0 when every run \
            succeeded and every mode computed what the first mode computed, 2 otherwise; 1 when the \
            image cannot be built or the output written, 64 for a bad option.
            """)

    static let scales = ["quick", "paper"]

    @OptionGroup var guest: GuestOptions
    @Option(help: "The suite (paper: Table 1 of the paper and the exit-timing page's workloads).") var suite: String = "paper"
    @Option(help: "Comma-separated columns in order: bare, kvm, pv, bt, bt:POLICY (bt:in-place, bt:adapt-pr, bt:adapt-dm) for the translator's policy, +fold-returns (bt+fold-returns) for return folding, +paper-cache for the paper's translation-cache placement, +translate-accesses for load/store translations.")
    var modes: String = "bare,kvm,pv"
    @Option(help: "Comma-separated shortest pages for the bt columns (4K, 16K, 64K, 256K, ...): one column per bt configuration and size, named bt:POLICY/SIZE.")
    var shortestPage: String?
    @Option(help: "Comma-separated workloads (default: the whole suite; `trapeze bench --list` names them).")
    var workloads: String?
    @Option(help: "quick (the whole matrix in minutes, for CI) or paper (longer runs).") var scale: String = "quick"
    @Option(help: "Runs at once (default: the host's cores).") var jobs: Int?
    @Option(name: [.customShort("o"), .customLong("output")], help: "Directory for results.json, runs/ and timing/.")
    var output: String = "results"
    @Flag(help: "Print the paper's figures beside ours, with the ratio of the slowdowns against bare.")
    var comparePaper = false
    @Option(help: "Give up a run after this many seconds of host time.") var timeout: Double = 1800
    @Flag(help: "List the suite's workloads and exit.") var list = false

    /// The columns, parsed (validate() has checked them).
    var configurations: [BenchConfiguration] {
        (try? BenchConfiguration.parse(modes, shortestPages: shortestPage)) ?? []
    }

    /// The suite's rows to run, in the suite's order.
    var selectedRows: [BenchmarkRow] {
        guard let workloads else { return BenchmarkSuite.paper }
        let names = workloads.split(separator: ",").map(String.init)
        return BenchmarkSuite.paper.filter { names.contains($0.workload) }
    }

    func validate() throws {
        guard suite == "paper" else { throw ValidationError("unknown suite '\(suite)' (paper)") }
        let columns = try BenchConfiguration.parse(modes, shortestPages: shortestPage)
        guard Set(columns.map(\.name)).count == columns.count else { throw ValidationError("--modes names a column twice") }
        if let workloads {
            for w in workloads.split(separator: ",", omittingEmptySubsequences: false) where BenchmarkSuite.row(workload: String(w)) == nil {
                throw ValidationError("unknown workload '\(w)' (\(BenchmarkSuite.paper.map(\.workload).joined(separator: ", ")))")
            }
        }
        guard Self.scales.contains(scale) else { throw ValidationError("--scale must be quick or paper") }
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256") }
        guard guest.drive == nil else { throw ValidationError("--drive cannot be shared by parallel runs; bench boots from the initramfs") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        if list {
            for row in BenchmarkSuite.paper {
                print(pad(row.workload, 16) + pad(row.unit.rawValue, 6) + row.group.rawValue + " " + row.benchmark
                      + (BenchmarkSuite.pending[row.workload].map { " (\($0))" } ?? ""))
            }
            return
        }
        let status = try exitingOnBadInput { try bench() }
        if status != 0 { throw ExitCode(status) }
    }

    /// One planned run.
    struct Job {
        let row: BenchmarkRow
        let column: BenchConfiguration
        var name: String { "\(row.workload)-\(column.fileName)" }
    }

    func bench() throws -> Int32 {
        var options = guest
        if options.initrd == nil {
            printError("trapeze: bench: the benchmark image (Guest/linux/build-bench.sh; built on first use, takes minutes)")
            guard let dir = try GuestOptions.runGuestScript("build-bench.sh", arguments: []) else {
                throw CLIError("Guest/linux/build-bench.sh named no image")
            }
            options.initrd = dir + "/initramfs.cpio"
        }
        let fm = FileManager.default
        for sub in ["", "/runs", "/timing"] {
            do { try fm.createDirectory(atPath: output + sub, withIntermediateDirectories: true) } catch {
                throw CLIError("cannot create \(output + sub): \(error.localizedDescription)")
            }
        }
        let version = Self.versionLabel()
        var records: [String: BenchmarkRun] = [:]
        var queue: [Job] = []
        let columns = configurations
        for row in selectedRows {
            for column in columns {
                let job = Job(row: row, column: column)
                if let why = BenchmarkSuite.pending[row.workload] {
                    records[job.name] = BenchmarkRun(
                        mode: column.name, workload: row.workload, scale: scale, status: "not run: \(why)", unit: row.unit.rawValue)
                } else {
                    queue.append(job)
                }
            }
        }
        let parallel = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let progress = BenchProgress(total: queue.count, jobs: parallel, terminal: isatty(2) == 1)
        let runner = ParallelRunner(jobs: parallel)
        try runner.run(queue, start: { job in
            var arguments = ["bench-run", "--mode", job.column.mode.rawValue, "--label", job.column.name, "--workload", job.row.workload,
                             "--scale", scale, "--timeout", "\(timeout)", "--version-label", version] + job.column.options(options).arguments
            if job.column.mode != .bare { arguments += ["--exit-timing", "\(output)/timing/\(job.name)"] }
            progress.started(job.name)
            return (arguments, "\(output)/runs/\(job.name)")
        }, finished: { job, exitStatus, wall in
            var record = Self.readRecord("\(output)/runs/\(job.name)", job: job, scale: scale, exitStatus: exitStatus)
            if record.wallSeconds == 0 { record.wallSeconds = wall }
            records[job.name] = record
            progress.finished(job.name, ok: record.status == "ok", wall: wall)
        }, waited: progress.tick)
        progress.end()

        let runs = selectedRows.flatMap { row in columns.compactMap { records[Job(row: row, column: $0).name] } }
        try writeResults(runs, columns: columns, version: version, image: options.initrd ?? "")
        var report = BenchmarkReport(runs: runs, modes: columns.map(\.name))
        report.comparePaper = comparePaper
        print("Table 1 (suite \(suite), scale \(scale), cost model \(guest.costModel), modelled time; Trapeze \(version))")
        print(report.table1)
        if columns.contains(where: { $0.mode != .bare }) {
            print("Raw exit counts over each workload's span (privileged-instruction exits, TLB misses, access violations)")
            print(report.rawExitTable)
        }
        let faultTable = report.tracingFaultTable
        if !faultTable.isEmpty {
            print("Tracing faults by faulting instruction (bt columns; results.json has each run's top PCs)")
            print(faultTable)
        }
        if columns.contains(where: { $0.mode == .bare }) && columns.count > 1 {
            print("% of bare-metal speed")
            print(report.percentOfBare)
        }
        var failures = 0
        for r in runs where r.status != "ok" && !r.status.hasPrefix("not run") {
            printError("trapeze: bench: \(r.workload) in \(r.mode) mode \(r.status) (log: \(output)/runs/\(r.workload)-\(r.mode).log)")
            failures += 1
        }
        for (r, reference) in report.answerMismatches {
            printError("trapeze: bench: \(r.workload) computed a different answer in \(r.mode) mode (\(r.answer ?? "none")) "
                       + "than in \(reference.mode) mode (\(reference.answer ?? "none"))")
            failures += 1
        }
        let notRun = runs.filter { $0.status.hasPrefix("not run") }.count
        printError("trapeze: bench: \(runs.count - notRun) runs, \(failures) failures\(notRun > 0 ? ", \(notRun) not run" : ""); "
                   + "results in \(output)/results.json")
        return failures == 0 ? 0 : 2
    }

    /// A run's record from its JSON on standard output, or a failed record
    /// naming the last line of its log.
    static func readRecord(_ base: String, job: Job, scale: String, exitStatus: Int32) -> BenchmarkRun {
        if let data = FileManager.default.contents(atPath: base + ".json"),
           let record = try? JSONDecoder().decode(BenchmarkRun.self, from: data) {
            return record
        }
        let log = (try? String(contentsOfFile: base + ".log", encoding: .utf8)) ?? ""
        let last = log.split(separator: "\n").last.map(String.init) ?? "no output"
        return BenchmarkRun(mode: job.column.name, workload: job.row.workload, scale: scale,
                            status: "failed: the run exited with status \(exitStatus): \(last)", unit: job.row.unit.rawValue)
    }

    func writeResults(_ runs: [BenchmarkRun], columns: [BenchConfiguration], version: String, image: String) throws {
        let results = BenchmarkResults(suite: suite, scale: scale, modes: columns.map(\.name), costModel: guest.costModel,
                                       trapezeVersion: version, image: image, runs: runs)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = output + "/results.json"
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(results)) else { throw CLIError("cannot write \(path)") }
    }

    /// The source tree's commit (`git describe`), or "unknown" outside a checkout.
    static func versionLabel() -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["-C", root.path, "describe", "--always", "--dirty"]
        let out = Pipe()
        git.standardOutput = out
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return "unknown" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return git.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}

/// A column of the bench: a mode and, for bt, the translator's policy and
/// shortest page. Named as given (`bt:adapt-pr`), with `/SIZE` when
/// --shortest-page lists sizes.
struct BenchConfiguration: Hashable {
    let name: String
    let mode: Mode
    let policy: String?
    let shortestPage: String?
    /// `+fold-returns`: the translator folds the TLB-miss handler's rfi (ReturnFolding.swift).
    var foldReturns = false
    /// `+paper-cache`: the translation cache at the start of the kernel's .data (`--bt-cache-at data-start`).
    var paperCache = false
    /// `+translate-accesses`: hot faulting kernel loads and stores become translations (AccessTranslation.swift).
    var translateAccesses = false
    /// The `+OPTION` suffixes a bt column takes.
    static let suffixes = ["fold-returns", "paper-cache", "translate-accesses"]

    /// File names use `_` for the `:`, `/` and `+` of the name.
    var fileName: String {
        name.replacingOccurrences(of: ":", with: "_").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "_")
    }

    /// The guest options of this column's runs.
    func options(_ base: GuestOptions) -> GuestOptions {
        var o = base
        if let policy { o.bt = policy }
        if let shortestPage { o.btFragment = shortestPage }
        if foldReturns { o.btFoldReturns = true }
        if paperCache { o.btCacheAt = BinaryTranslator.Configuration.CachePlacement.dataStart.rawValue }
        if translateAccesses { o.btTranslateAccesses = true }
        return o
    }

    static func parse(_ modes: String, shortestPages: String?) throws -> [BenchConfiguration] {
        let policies = BinaryTranslator.Configuration.Policy.allCases.map(\.rawValue)
        var sizes: [String?] = [nil]
        if let shortestPages {
            sizes = shortestPages.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for size in sizes where GuestOptions.pageSize(size!) == nil {
                throw ValidationError("--shortest-page: '\(size!)' is no e500 page size from 4K to 256M (4K, 16K, 64K, 256K, 1M, ...)")
            }
        }
        var out: [BenchConfiguration] = []
        for spec in modes.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            // bt[:POLICY][+fold-returns][+paper-cache]
            var options = spec.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
            let base = options.removeFirst()
            for option in options where !suffixes.contains(option) {
                throw ValidationError("unknown option '+\(option)' in '\(spec)' (\(suffixes.map { "+" + $0 }.joined(separator: ", ")))")
            }
            guard Set(options).count == options.count else { throw ValidationError("'\(spec)' names an option twice") }
            let parts = base.split(separator: ":", maxSplits: 1).map(String.init)
            guard let mode = parts.first.flatMap({ Mode(rawValue: $0) }) else {
                throw ValidationError("unknown mode '\(spec)' (\(Mode.names), or bt:POLICY)")
            }
            let policy = parts.count > 1 ? parts[1] : nil
            if let policy {
                guard mode == .bt else { throw ValidationError("'\(spec)': only bt takes a policy (bt:\(policies.joined(separator: ", bt:")))") }
                guard policies.contains(policy) else {
                    throw ValidationError("unknown bt policy in '\(spec)' (\(policies.joined(separator: ", ")))")
                }
            }
            guard mode == .bt else {
                guard options.isEmpty else { throw ValidationError("'\(spec)': only bt takes +\(options[0])") }
                out.append(BenchConfiguration(name: spec, mode: mode, policy: nil, shortestPage: nil))
                continue
            }
            for size in sizes {
                out.append(BenchConfiguration(name: spec + (size.map { "/" + $0.uppercased() } ?? ""), mode: mode, policy: policy,
                                              shortestPage: size, foldReturns: options.contains("fold-returns"),
                                              paperCache: options.contains("paper-cache"),
                                              translateAccesses: options.contains("translate-accesses")))
            }
        }
        return out
    }
}

/// Runs child `trapeze` processes, at most `jobs` at once, each with its
/// standard output in BASE.json and its standard error in BASE.log.
struct ParallelRunner {
    let jobs: Int

    /// `waited` is called after each look at the running processes (20 a second).
    func run<Job>(_ queue: [Job], start: (Job) -> ([String], String), finished: (Job, Int32, Double) -> Void,
                  waited: () -> Void = {}) throws {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var waiting = queue[...]
        var running: [(Job, Process, Date)] = []
        while !waiting.isEmpty || !running.isEmpty {
            while running.count < jobs, let job = waiting.popFirst() {
                let (arguments, base) = start(job)
                let process = Process()
                process.executableURL = me
                process.arguments = arguments
                guard FileManager.default.createFile(atPath: base + ".json", contents: nil),
                      FileManager.default.createFile(atPath: base + ".log", contents: nil),
                      let out = FileHandle(forWritingAtPath: base + ".json"), let err = FileHandle(forWritingAtPath: base + ".log") else {
                    throw CLIError("cannot write \(base).json")
                }
                process.standardOutput = out
                process.standardError = err
                process.standardInput = FileHandle.nullDevice
                do { try process.run() } catch { throw CLIError("cannot start \(me.path): \(error.localizedDescription)") }
                try? out.close()
                try? err.close()
                running.append((job, process, Date()))
            }
            usleep(50_000)
            running.removeAll { job, process, began in
                guard !process.isRunning else { return false }
                finished(job, process.terminationStatus, Date().timeIntervalSince(began))
                return true
            }
            waited()
        }
    }
}

/// The bench's progress on standard error: a refreshing status line on a
/// terminal (runs done of total, the runs going on, elapsed time and an
/// estimate of the rest), one line per finished run otherwise.
final class BenchProgress {
    let total: Int
    let jobs: Int
    let terminal: Bool
    let began = Date()
    var done = 0
    var active: [String] = []
    var runWall: Double = 0
    var drawn = Date()

    init(total: Int, jobs: Int, terminal: Bool) {
        self.total = total
        self.jobs = jobs
        self.terminal = terminal
        draw()
    }

    /// The clock moves on between events: redraw once a second.
    func tick() {
        if terminal && Date().timeIntervalSince(drawn) >= 1 { draw() }
    }

    func started(_ name: String) {
        active.append(name)
        draw()
    }

    func finished(_ name: String, ok: Bool, wall: Double) {
        active.removeAll { $0 == name }
        done += 1
        runWall += wall
        if terminal {
            if !ok { write("\r\u{1B}[K[bench] \(name) FAILED\n") }
            draw()
        } else {
            write(String(format: "[bench] %d/%d %@ %@ %.1f s\n", done, total, name, ok ? "ok" : "FAILED", wall))
        }
    }

    func end() {
        if terminal { write("\r\u{1B}[K") }
    }

    func draw() {
        guard terminal else { return }
        drawn = Date()
        let elapsed = drawn.timeIntervalSince(began)
        // The rest at the pace so far: finished runs' mean wall time, the
        // runs left spread over the jobs.
        var eta = "?"
        if done > 0 {
            let parallel = Double(max(1, min(jobs, total - done)))
            eta = Self.clock(runWall / Double(done) * Double(total - done) / parallel)
        }
        let current = active.prefix(3).joined(separator: " ") + (active.count > 3 ? " ..." : "")
        write("\r\u{1B}[K[bench] \(done)/\(total) done, running \(current) | \(Self.clock(elapsed)) elapsed, ETA \(eta)")
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    func write(_ text: String) {
        var t = text
        t.withUTF8 { b in _ = Glibc.write(2, b.baseAddress, b.count) }
    }
}
