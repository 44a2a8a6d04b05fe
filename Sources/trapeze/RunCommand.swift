#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import E500
import Foundation
import Platform
import PowerISA

/// `trapeze run`: boots a kernel on the simulated ppce500 machine, QEMU style.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot Linux on the simulated e500mc machine (bare mode).",
        discussion: """
            Without --kernel, boots the project's guest image (Guest/linux/build.sh, cached in \
            ~/.cache/trapeze/linux), building it first if missing. The serial console is the terminal; \
            Ctrl-A x quits. Exit status: 0 when --until's text appeared (or the guest rebooted), \
            2 when the guest panicked or the machine stopped, 3 when --timeout expired, 1 on bad input.
            """)

    @Option(help: "Kernel: an ELF vmlinux or a uImage.") var kernel: String?
    @Option(help: "Initial ramdisk (cpio archive).") var initrd: String?
    @Option(help: "Kernel command line.") var append: String?
    @Option(name: .customShort("m"), help: "RAM size in MB (a multiple of 64).") var memory: UInt64 = 256
    @Option(help: "Raw disk image for the virtio-mmio block device.") var drive: String?
    @Option(help: "Guest workload: boot, echo-spawn, find, shell (adds trapeze.workload=NAME).") var workload: String?
    @Option(help: "Stop successfully when the console prints this text.") var until: String?
    @Option(help: "Give up after this many seconds of host time.") var timeout: Double?
    @Option(help: "Write an instruction trace (address, word, disassembly) to this file.") var trace: String?
    @Option(help: "Write the device tree blob given to the guest to this file.") var dumpDtb: String?
    @Option(help: "Entries of TLB1 (16 as on the P2020).") var tlb1Entries: Int = 16

    func validate() throws {
        guard memory >= 64, memory % 64 == 0, memory <= 3072 else {
            throw ValidationError("-m must be a multiple of 64 between 64 and 3072 MB")
        }
        guard (1...64).contains(tlb1Entries) else { throw ValidationError("--tlb1-entries must be 1 to 64") }
        if let workload, !["boot", "echo-spawn", "find", "shell"].contains(workload) {
            throw ValidationError("unknown workload '\(workload)' (boot, echo-spawn, find, shell)")
        }
    }

    func run() throws {
        let (kernelPath, initrdPath) = try bootImages()
        var commandLine = append ?? "console=ttyS0"
        if let workload { commandLine += " trapeze.workload=\(workload)" }

        let console = Console(interactive: isatty(0) == 1 && until == nil && workload == nil || workload == "shell")
        var disk: BlockImage?
        if let drive {
            do { disk = try BlockImage(path: drive, readOnly: false) } catch {
                fail("\(error)")
            }
        }
        let machine = Machine(ramSize: memory << 20, disk: disk, tlb1Entries: tlb1Entries) { console.output($0) }
        do {
            try machine.boot(kernel: kernelPath, initrd: initrdPath, commandLine: commandLine)
        } catch {
            fail("\(error)")
        }
        if let dumpDtb {
            let blob = machine.deviceTreeBlob
            guard FileManager.default.createFile(atPath: dumpDtb, contents: Data(blob)) else { fail("cannot write \(dumpDtb)") }
        }
        var traceFile: UnsafeMutablePointer<FILE>?
        if let trace {
            guard let f = fopen(trace, "w") else { fail("cannot write \(trace)") }
            traceFile = f
            machine.core.traceHook = { pc, word in
                fputs(Disassembler.traceLine(word, at: pc) + "\n", f)
            }
        }
        let status = runLoop(machine, console)
        if let traceFile { fclose(traceFile) }
        console.restore()
        let seconds = console.elapsed
        let instructions = machine.core.instructionsExecuted
        printError(String(format: "trapeze: instructions=%llu modelled=%.3fs wall=%.3fs mips=%.1f",
                          instructions, machine.modelledSeconds, seconds, Double(instructions) / max(seconds, 1e-9) / 1e6))
        throw ExitCode(status)
    }

    /// The default guest image, built on first use.
    func bootImages() throws -> (String, String?) {
        if let kernel { return (kernel, initrd) }
        let cache = ProcessInfo.processInfo.environment["TRAPEZE_CACHE"] ?? (NSHomeDirectory() + "/.cache/trapeze")
        var dir = cache + "/linux"
        if !FileManager.default.fileExists(atPath: dir + "/vmlinux") {
            printError("trapeze: no guest image in \(dir); building it with Guest/linux/build.sh (takes minutes)")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Guest/linux/build.sh").path
            let build = Process()
            build.executableURL = URL(fileURLWithPath: script)
            let out = Pipe()
            build.standardOutput = out
            try build.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            build.waitUntilExit()
            guard build.terminationStatus == 0 else { fail("building the guest image failed") }
            dir = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? dir
        }
        return (dir + "/vmlinux", initrd ?? dir + "/initramfs.cpio.gz")
    }

    /// Runs the machine in chunks, servicing the console between them.
    func runLoop(_ machine: Machine, _ console: Console) -> Int32 {
        let chunk: UInt64 = 200_000
        while true {
            let reason = machine.core.run(limit: chunk)
            machine.board.tick()
            if case .checkstop(let why) = reason { return report(machine, console, "the core checkstopped: \(why)") }
            if console.quitRequested { return 0 }
            // Only text printed since the last look is searched (plus an overlap
            // for markers split across chunks), so long runs stay cheap.
            let recent = console.recentOutput(overlap: max(until?.utf8.count ?? 0, 16))
            if let until, recent.contains(until) { return 0 }
            if recent.contains("Kernel panic") {
                // Let the panic message finish before reporting.
                _ = machine.core.run(limit: 5_000_000)
                return report(machine, console, "the guest kernel panicked")
            }
            if machine.board.guts.resetRequested {
                if until != nil { return report(machine, console, "the guest rebooted before printing '\(until!)'") }
                return 0
            }
            if let timeout, console.elapsed > timeout {
                return report(machine, console, "timed out after \(timeout) s", status: 3)
            }
            let typed = console.pollInput(wait: reason == .waiting)
            if !typed.isEmpty { machine.board.uart.enqueueInput(typed) }
            if machine.board.uart.queuedInputCount == 0, let line = console.nextScriptedLine() {
                machine.board.uart.enqueueInput(line)
            }
            if reason == .waiting && !console.interactive && console.inputClosed {
                return report(machine, console, "the guest is idle with no timer armed and no input to wake it")
            }
        }
    }

    func report(_ machine: Machine, _ console: Console, _ what: String, status: Int32 = 2) -> Int32 {
        console.restore()
        printError(String(format: "trapeze: %@ (pc 0x%08x, %llu instructions)", what, machine.core.pc, machine.core.instructionsExecuted))
        let core = machine.core
        printError(String(format: "trapeze: msr=%08x lr=%08x srr0=%08x srr1=%08x dear=%08x esr=%08x pid=%d",
                          core.msr, core.lr, core.spr[SPR.srr0], core.spr[SPR.srr1], core.spr[SPR.dear], core.spr[SPR.esr], core.spr[SPR.pid]))
        if let mmu = core.mmu {
            for (n, e) in mmu.tlb1.enumerated() where e.valid {
                printError(String(format: "trapeze: tlb1[%d] ea=%08x pa=%09llx size=%lluK ts=%d tid=%d perms=%03x wimge=%02x%@",
                                  n, e.epn, e.rpn, e.pageSize >> 10, e.ts, e.tid, e.permissions, e.wimge, e.protected ? " iprot" : ""))
            }
        }
        let tail = console.transcript.split(separator: "\n", omittingEmptySubsequences: false).suffix(15)
        printError("trapeze: last console lines:\n" + tail.map { "  | " + $0 }.joined(separator: "\n"))
        return status
    }
}

/// The serial console on the host terminal: raw mode while running when
/// interactive, Ctrl-A x to quit, and a transcript for --until.
final class Console {
    let interactive: Bool
    private var saved = termios()
    private var rawMode = false
    private(set) var transcript = ""
    /// Where `recentOutput` stopped reading the transcript (in UTF-8 bytes).
    private var searchedUpTo = 0
    private var pendingBytes: [UInt8] = []
    private var sawCtrlA = false
    private(set) var quitRequested = false
    private(set) var inputClosed = false
    private let start = Date()
    private let terminalInput = isatty(0) == 1
    private var partialLine: [UInt8] = []

    init(interactive: Bool) {
        self.interactive = interactive
        if interactive && isatty(0) == 1 && tcgetattr(0, &saved) == 0 {
            var raw = saved
            cfmakeraw(&raw)
            raw.c_oflag |= tcflag_t(OPOST | ONLCR)
            tcsetattr(0, TCSANOW, &raw)
            rawMode = true
        }
        if !interactive { inputClosed = true }
    }

    var elapsed: Double { Date().timeIntervalSince(start) }

    func output(_ byte: UInt8) {
        var b = byte
        _ = write(1, &b, 1)
        pendingBytes.append(byte)
        if byte == 10 || pendingBytes.count > 256 { flushTranscript() }
    }

    private func flushTranscript() {
        transcript += String(decoding: pendingBytes, as: UTF8.self)
        pendingBytes.removeAll(keepingCapacity: true)
        // Keep the transcript bounded: it serves the report's tail and prompt detection.
        if transcript.utf8.count > 1 << 20 {
            let dropped = transcript.utf8.count - (1 << 19)
            transcript = String(transcript.utf8.suffix(1 << 19)) ?? ""
            searchedUpTo = max(0, searchedUpTo - dropped)
        }
    }

    /// The console text printed since the previous call, preceded by up to
    /// `overlap` bytes already seen, so a marker split between calls is found.
    func recentOutput(overlap: Int) -> Substring {
        flushTranscript()
        let bytes = transcript.utf8
        let start = max(0, searchedUpTo - overlap)
        searchedUpTo = bytes.count
        let from = bytes.index(bytes.startIndex, offsetBy: start)
        return Substring(transcript[from...])
    }

    /// Lines read from a non-terminal stdin, given to the guest one at a time
    /// when its shell shows a prompt: bytes sent before the guest's shell reads
    /// them would be dropped by the tty layer, as on real hardware.
    private var scriptedLines: [[UInt8]] = []
    private var lastPromptOffset = -1

    /// The next scripted line, if the guest shell is now at a new prompt.
    func nextScriptedLine() -> [UInt8]? {
        // busybox's line editor follows its prompt with a cursor-position query (ESC [6n).
        let prompts = ["# ", "$ ", "# \u{1b}[6n", "$ \u{1b}[6n"]
        guard !scriptedLines.isEmpty, prompts.contains(where: { transcript.hasSuffix($0) }) else { return nil }
        let offset = transcript.utf8.count
        guard offset != lastPromptOffset else { return nil }
        lastPromptOffset = offset
        return scriptedLines.removeFirst()
    }

    /// Bytes typed on the terminal (Ctrl-A x quits). With `wait`, blocks up to 10 ms for input.
    /// Input from a pipe or file is collected as lines for `nextScriptedLine` instead.
    func pollInput(wait: Bool) -> [UInt8] {
        flushTranscript()
        guard !inputClosed else { return [] }
        var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, wait ? 10 : 0) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(0, &buffer, buffer.count)
        if n <= 0 { inputClosed = true; return [] }
        if !terminalInput {
            partialLine += buffer[0..<n]
            while let end = partialLine.firstIndex(of: 10) {
                scriptedLines.append(Array(partialLine[...end]))
                partialLine.removeSubrange(...end)
            }
            return []
        }
        var out: [UInt8] = []
        for byte in buffer[0..<n] {
            if sawCtrlA {
                sawCtrlA = false
                if byte == UInt8(ascii: "x") { quitRequested = true; continue }
                out.append(byte)
            } else if byte == 1 {
                sawCtrlA = true
            } else {
                out.append(byte)
            }
        }
        return out
    }

    func restore() {
        if rawMode { tcsetattr(0, TCSANOW, &saved); rawMode = false }
    }
}

private func fail(_ message: String) -> Never {
    printError("trapeze: \(message)")
    Foundation.exit(1)
}
