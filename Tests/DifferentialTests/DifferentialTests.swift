import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The differential ISA suite: every program listed in Guest/isa/manifest.txt
// runs under qemu-ppc (the oracle) and under `trapeze user`; stdout and the
// exit status must agree.
//
// Where things are looked for:
//   TRAPEZE_ISA_DIR   the built programs (default ~/.cache/trapeze/isa, as
//                     built by `make -C Guest/isa`)
//   TRAPEZE_BIN       the trapeze executable (default: the one in the build
//                     products directory holding this test bundle)
//   QEMU_PPC          the qemu-ppc executable (default: qemu-ppc on PATH)
//   TRAPEZE_DIFF_STRICT=1   also compare what follows the "~undef:" and
//                     "~hwdiff:" markers (see "Comparison rule" below)
//   TRAPEZE_DIFF_TIMEOUT    seconds allowed for one run (default 180)
//
// Comparison rule: a test program prints fields whose value the ISA leaves
// undefined after " ~undef:", and values where qemu-ppc is known to differ
// from e500mc hardware / Linux after " ~hwdiff:" (each documented in the
// program's source). Lines are compared only up to the first such marker;
// everything else is compared byte for byte. Missing programs, a missing
// qemu-ppc or a missing trapeze binary fail the test; nothing is skipped.

/// One line of Guest/isa/manifest.txt.
struct ISAProgram: Sendable, CustomTestStringConvertible {
    var name: String
    /// qemu-ppc -cpu value, nil for qemu's default CPU.
    var qemuCPU: String?
    /// Exit status as a shell reports it (128+N for death by signal N).
    var expectedStatus: Int32
    var arguments: [String]
    /// Set when the manifest could not be read; the test then fails with it.
    var loadError: String?

    var testDescription: String { name }
}

enum Manifest {
    /// Guest/isa/manifest.txt in the source tree this file was compiled from.
    static let sourceURL: URL = {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // DifferentialTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Guest/isa/manifest.txt")
    }()

    static let programs: [ISAProgram] = load()

    static func load() -> [ISAProgram] {
        var candidates = [sourceURL]
        candidates.append(Locations.isaDirectory.appendingPathComponent("manifest.txt"))
        for url in candidates {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            do {
                let programs = try parse(text)
                if !programs.isEmpty { return programs }
            } catch {
                return [failure("\(url.path): \(error)")]
            }
        }
        return [failure("cannot read the ISA manifest (tried \(candidates.map(\.path).joined(separator: ", ")))")]
    }

    static func failure(_ message: String) -> ISAProgram {
        ISAProgram(name: "manifest", qemuCPU: nil, expectedStatus: 0, arguments: [], loadError: message)
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> [ISAProgram] {
        var result: [ISAProgram] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 4 else {
                throw ParseError(description: "line \(index + 1): expected name build-cpu qemu-cpu status [args]")
            }
            if fields[3] == "helper" { continue }
            guard let status = Int32(fields[3]) else {
                throw ParseError(description: "line \(index + 1): bad status \(fields[3])")
            }
            result.append(ISAProgram(
                name: fields[0],
                qemuCPU: fields[2] == "-" ? nil : fields[2],
                expectedStatus: status,
                arguments: Array(fields.dropFirst(4))))
        }
        return result
    }
}

enum Locations {
    static let environment = ProcessInfo.processInfo.environment

    static var isaDirectory: URL {
        if let dir = environment["TRAPEZE_ISA_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/trapeze/isa")
    }

    static func isExecutable(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir)
            && !isDir.boolValue && FileManager.default.isExecutableFile(atPath: url.path)
    }

    /// The trapeze executable: $TRAPEZE_BIN, else the build products
    /// directory that holds this test bundle (swift build puts the `trapeze`
    /// product next to the .xctest bundle).
    static func trapeze() -> (url: URL?, searched: [String]) {
        if let bin = environment["TRAPEZE_BIN"], !bin.isEmpty {
            let url = URL(fileURLWithPath: bin)
            return (isExecutable(url) ? url : nil, [bin])
        }
        var dirs: [URL] = []
        if let arg0 = CommandLine.arguments.first {
            dirs.append(URL(fileURLWithPath: arg0).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for bundle in [Bundle.main] + Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            dirs.append(bundle.bundleURL.deletingLastPathComponent())
        }
        dirs.append(Bundle.main.bundleURL)
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        var searched: [String] = []
        for start in dirs {
            // the .xctest may be an executable (Linux) or a bundle whose
            // binary sits a few levels down (macOS): walk up a little.
            var dir = start
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("trapeze")
                if !searched.contains(candidate.path) {
                    searched.append(candidate.path)
                    if isExecutable(candidate) { return (candidate, searched) }
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        return (nil, searched)
    }

    static func qemu() -> URL? {
        if let q = environment["QEMU_PPC"], !q.isEmpty {
            let url = URL(fileURLWithPath: q)
            return isExecutable(url) ? url : nil
        }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        for dir in dirs {
            let url = URL(fileURLWithPath: dir).appendingPathComponent("qemu-ppc")
            if isExecutable(url) { return url }
        }
        return nil
    }
}

struct RunResult {
    var stdout: Data
    var stderr: Data
    /// Shell-style status: the exit code, or 128+N after death by signal N.
    var status: Int32
    var timedOut: Bool
}

enum Runner {
    static var timeout: TimeInterval {
        Locations.environment["TRAPEZE_DIFF_TIMEOUT"].flatMap(TimeInterval.init) ?? 180
    }

    /// A fixed environment so both runs see the same thing.
    static let childEnvironment = ["PATH=/usr/bin:/bin", "LC_ALL=C"]

    #if canImport(Darwin)
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t?>, UnsafePointer<CChar>) -> Int32
    #else
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    #endif
    static let addChdir: AddChdir? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addchdir_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `executable args` in a fresh working directory, stdin from
    /// /dev/null, stdout and stderr into files (no pipe-buffer deadlocks).
    ///
    /// posix_spawn rather than Foundation's Process: Swift Testing runs test
    /// bodies on libdispatch worker threads, which block almost every signal,
    /// and Process passes that mask on to the child. A guest would then start
    /// with SIGALRM, SIGCHLD, SIGUSR1, SIGTERM... blocked (pause() never
    /// returns). Here the child starts like it would from a shell: empty
    /// signal mask, default dispositions, its own process group (so a
    /// timeout can kill the guest's children too).
    static func run(_ executable: URL, _ args: [String], scratch: URL) throws -> RunResult {
        let fm = FileManager.default
        let cwd = scratch.appendingPathComponent("cwd")
        try fm.createDirectory(at: cwd, withIntermediateDirectories: true)
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")

        #if canImport(Darwin)
        var attr: posix_spawnattr_t? = nil
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var attr = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawnattr_init(&attr)
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawnattr_destroy(&attr)
            posix_spawn_file_actions_destroy(&actions)
        }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        posix_spawnattr_setsigdefault(&attr, &allSignals)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // The working directory (where a core file would land). glibc has
        // posix_spawn_file_actions_addchdir_np since 2.29 but Swift's Glibc
        // module does not export it; without it the child inherits ours.
        if let addchdir = addChdir {
            _ = addchdir(&actions, cwd.path)
        }

        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
            strings.map { strdup($0) } + [nil]
        }
        let argv = cStrings([executable.path] + args)
        let envp = cStrings(childEnvironment)
        defer { (argv + envp).forEach { free($0) } }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, &attr, argv, envp)
        guard rc == 0 else {
            throw SpawnError(description: "posix_spawn \(executable.path): \(String(cString: strerror(rc)))")
        }

        var status: Int32 = 0
        var timedOut = false
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR {
                throw SpawnError(description: "waitpid: \(String(cString: strerror(errno)))")
            }
            if Date() > deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(2_000)
        }
        // A guest's own children may outlive it (a failed test); clean up.
        kill(-pid, SIGKILL)

        // wait status: low 7 bits = terminating signal (0: exited normally,
        // exit code in bits 8-15).
        let signal = status & 0x7f
        let shellStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return RunResult(
            stdout: try Data(contentsOf: outURL),
            stderr: try Data(contentsOf: errURL),
            status: shellStatus,
            timedOut: timedOut)
    }
}

enum Compare {
    static let markers = [" ~undef:", " ~hwdiff:"]
    static var strict: Bool { Locations.environment["TRAPEZE_DIFF_STRICT"] == "1" }

    /// The lines of an output, without the empty piece after a final
    /// newline; `newlineAtEnd` tells whether there was one.
    static func lines(_ data: Data) -> (lines: [Substring], newlineAtEnd: Bool) {
        let text = String(decoding: data, as: UTF8.self)
        var l = text.split(separator: "\n", omittingEmptySubsequences: false)
        let newlineAtEnd = text.hasSuffix("\n")
        if newlineAtEnd || text.isEmpty { l.removeLast() }
        return (l, newlineAtEnd)
    }

    /// The part of a line that must match: up to the first marker.
    static func comparable(_ line: Substring) -> Substring {
        if strict { return line }
        var end = line.endIndex
        for marker in markers {
            if let r = line.range(of: marker), r.lowerBound < end { end = r.lowerBound }
        }
        return line[..<end]
    }

    /// nil when the outputs agree, else a description of the first difference.
    static func firstDifference(qemu: Data, trapeze: Data) -> String? {
        if qemu == trapeze { return nil }
        let (a, aNL) = lines(qemu), (b, bNL) = lines(trapeze)
        func show(_ l: [Substring], _ i: Int) -> String { i < l.count ? "\"\(l[i])\"" : "<end of output>" }
        for i in 0..<max(a.count, b.count) {
            let la = i < a.count ? comparable(a[i]) : nil
            let lb = i < b.count ? comparable(b[i]) : nil
            if la != lb {
                return """
                    stdout differs at line \(i + 1) (qemu \(a.count) lines, trapeze \(b.count) lines):
                      qemu:    \(show(a, i))
                      trapeze: \(show(b, i))
                    """
            }
        }
        if aNL != bNL {
            return "stdout differs only at the end: qemu's \(aNL ? "ends" : "does not end") with a newline, trapeze's \(bNL ? "does" : "does not")"
        }
        return nil  // equal up to the markers
    }

    static func tail(_ data: Data, lines count: Int = 15) -> String {
        let l = lines(data).lines.filter { !$0.isEmpty }
        return l.suffix(count).joined(separator: "\n")
    }
}

@Suite struct DifferentialTests {
    @Test("qemu-ppc and trapeze user agree", arguments: Manifest.programs)
    func program(_ program: ISAProgram) throws {
        if let error = program.loadError {
            Issue.record(Comment(rawValue: error))
            return
        }
        let isaDir = Locations.isaDirectory
        let binary = isaDir.appendingPathComponent(program.name)
        try #require(
            Locations.isExecutable(binary),
            "\(binary.path) is missing: build the ISA programs with `make -C Guest/isa` (OUT=… with TRAPEZE_ISA_DIR=…)")
        // The oracle runs the copy Guest/isa/hwpatch.py made: the same program
        // with the instructions qemu-ppc executes unlike the hardware rewritten.
        let oracleBinary = isaDir.appendingPathComponent("qemu").appendingPathComponent(program.name)
        try #require(
            Locations.isExecutable(oracleBinary),
            "\(oracleBinary.path) is missing: build the ISA programs with `make -C Guest/isa`")
        let qemu = try #require(Locations.qemu(), "qemu-ppc not found (apt-get install qemu-user, or set QEMU_PPC)")

        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("trapeze-diff-\(program.name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }

        func arguments(prefix: [String], tmp: URL) throws -> [String] {
            var args: [String] = []
            for token in program.arguments {
                switch token {
                case "@TMPDIR":
                    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
                    args.append(tmp.path)
                case "@EXEC_PREFIX":
                    args += prefix
                case let t where t.hasPrefix("@ISADIR"):
                    args.append(isaDir.path + t.dropFirst("@ISADIR".count))
                default:
                    args.append(token)
                }
            }
            return args
        }

        // The oracle.
        let cpuArgs = program.qemuCPU.map { ["-cpu", $0] } ?? []
        let qemuScratch = scratch.appendingPathComponent("qemu")
        let qemuArgs = try arguments(prefix: [qemu.path] + cpuArgs, tmp: qemuScratch.appendingPathComponent("tmp"))
        let expected = try Runner.run(qemu, cpuArgs + [oracleBinary.path] + qemuArgs, scratch: qemuScratch)
        try #require(!expected.timedOut, "qemu-ppc timed out on \(program.name)")
        try #require(
            expected.status == program.expectedStatus,
            """
            oracle broken: qemu-ppc \(cpuArgs.joined(separator: " ")) \(program.name) exited \(expected.status), \
            manifest says \(program.expectedStatus)
            \(Compare.tail(expected.stderr))
            """)

        // The simulator.
        let (trapezeURL, searched) = Locations.trapeze()
        let trapeze = try #require(
            trapezeURL,
            "trapeze executable not found (set TRAPEZE_BIN); looked at: \(searched.joined(separator: ", "))")
        let trapezeScratch = scratch.appendingPathComponent("trapeze")
        let trapezeArgs = try arguments(prefix: [], tmp: trapezeScratch.appendingPathComponent("tmp"))
        let actual = try Runner.run(trapeze, ["user", binary.path] + trapezeArgs, scratch: trapezeScratch)
        let stderrTail = Compare.tail(actual.stderr)

        #expect(!actual.timedOut, "trapeze timed out after \(Runner.timeout) s on \(program.name)")
        let difference = Compare.firstDifference(qemu: expected.stdout, trapeze: actual.stdout)
        #expect(difference == nil, "\(program.name): \(difference ?? "")\ntrapeze stderr:\n\(stderrTail)")
        #expect(
            actual.status == expected.status,
            "\(program.name): exit status qemu \(expected.status), trapeze \(actual.status)\ntrapeze stderr:\n\(stderrTail)")
    }

    @Test func comparisonStopsAtMarkers() {
        let q = Data("a 1\nb 2 ~undef: rt=1\nc ~hwdiff: x\n".utf8)
        let same = Data("a 1\nb 2 ~undef: rt=9\nc ~hwdiff: y\n".utf8)
        let differs = Data("a 1\nb 3 ~undef: rt=1\nc ~hwdiff: x\n".utf8)
        if !Compare.strict {
            #expect(Compare.firstDifference(qemu: q, trapeze: same) == nil)
        }
        #expect(Compare.firstDifference(qemu: q, trapeze: differs)?.contains("line 2") == true)
        #expect(Compare.firstDifference(qemu: q, trapeze: Data("a 1\n".utf8))?.contains("<end of output>") == true)
        #expect(Compare.firstDifference(qemu: Data("x\n".utf8), trapeze: Data("x".utf8))?.contains("newline") == true)
        #expect(Compare.firstDifference(qemu: Data(), trapeze: Data("x\n".utf8))?.contains("line 1") == true)
    }
}
