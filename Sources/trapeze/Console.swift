#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The serial console on the host terminal: raw mode while running when
/// interactive, Ctrl-A x to quit, and a transcript for --until.
final class Console {
    let interactive: Bool
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

    /// Whether guest output goes to standard output (not for `compare`).
    let echo: Bool

    /// `interactive`: the terminal is the guest's console (raw mode from
    /// `enterRawMode`, typed keys go to the guest). Input from a pipe or file
    /// is typed into the guest a line at a time either way, unless
    /// `readsInput` is false.
    init(interactive: Bool, echo: Bool = true, readsInput: Bool = true) {
        self.interactive = interactive
        self.echo = echo
        if !readsInput || terminalInput && !interactive { inputClosed = true }
    }

    deinit { restore() }

    /// Puts an interactive console's terminal in raw mode, once the machine
    /// is set up: everything that can fail on bad input has failed by then.
    /// Until `restore`, a signal that ends the process puts the terminal back
    /// first (`TerminalGuard`).
    func enterRawMode() {
        guard interactive, terminalInput, !rawMode, TerminalGuard.save() else { return }
        var raw = TerminalGuard.saved.pointee
        cfmakeraw(&raw)
        raw.c_oflag |= tcflag_t(OPOST | ONLCR)
        tcsetattr(0, TCSANOW, &raw)
        rawMode = true
    }

    var elapsed: Double { Date().timeIntervalSince(start) }

    func output(_ byte: UInt8) {
        if echo {
            var b = byte
            _ = write(1, &b, 1)
        }
        outputCount += 1
        lastOutputByte = byte
        pendingBytes.append(byte)
        if byte == 10 || pendingBytes.count > 256 { flushTranscript() }
    }

    /// Called with each complete console line (statistics markers).
    var onLine: ((Substring) -> Void)?
    private var currentLine: [UInt8] = []

    /// Gives `onLine` the line printed so far, before its newline: the run
    /// stopped in the middle of it.
    func finishPartialLine() {
        flushTranscript()
        guard let onLine, !currentLine.isEmpty else { return }
        onLine(Substring(String(decoding: currentLine, as: UTF8.self)))
        currentLine.removeAll(keepingCapacity: true)
    }

    private func flushTranscript() {
        if let onLine {
            for byte in pendingBytes {
                if byte == 10 {
                    onLine(Substring(String(decoding: currentLine, as: UTF8.self)))
                    currentLine.removeAll(keepingCapacity: true)
                } else if currentLine.count < 4096 {
                    currentLine.append(byte)
                }
            }
        }
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

    /// Lines read from a non-terminal stdin, typed into the guest one at a
    /// time when it waits for input (`nextScriptedLine`).
    private var scriptedLines: [[UInt8]] = []
    /// Console bytes printed so far, and the last one.
    private var outputCount = 0
    private var lastOutputByte: UInt8 = 0
    /// `outputCount` when the last scripted line was typed, and at the last idle look.
    private var outputCountAtLastLine = 0
    private var outputCountAtLastIdleLook = -1
    /// Idle looks in a row with no console output in between.
    private var quietIdleLooks = 0
    /// False from typing a line until a look finds the guest took all of it.
    private var typedInputTaken = true
    /// A guest idle at this many looks in a row without printing waits for
    /// input without a prompt (a `read`, a prompt that ends its line). A look
    /// comes every run chunk; a running command, even a `sleep`, prints or
    /// finishes well before.
    static let quietIdleLooksBeforeTyping = 16

    /// Scripted lines still to type.
    var hasScriptedInput: Bool { !scriptedLines.isEmpty || !partialLine.isEmpty }

    /// The next scripted line, if now is when to type it (called between run
    /// chunks). Bytes received while nobody reads the tty would be lost, and
    /// a shell's line editor echoes only what arrives after it started, so a
    /// line goes in when the guest took the previous one and then waited for
    /// more: it went idle (`guestIdled`: the core entered `wait` since the
    /// last look, or is in it), its serial driver listens, and either it
    /// printed something since the last line that does not end a line (any
    /// prompt, with or without busybox's cursor query after it) or it stayed
    /// idle without printing. All of it is guest state in modelled time, so
    /// runs stay deterministic, whatever the prompt.
    func nextScriptedLine(guestIdled: Bool, receiverListening: Bool, unreadInput: Bool) -> [UInt8]? {
        guard !scriptedLines.isEmpty else { return nil }
        if unreadInput {
            typedInputTaken = false
            return nil
        }
        if !typedInputTaken {
            // Idling before this look may have come before the guest read the last byte.
            typedInputTaken = true
            return nil
        }
        guard guestIdled, receiverListening else { return nil }
        if outputCount == outputCountAtLastIdleLook {
            quietIdleLooks += 1
        } else {
            outputCountAtLastIdleLook = outputCount
            quietIdleLooks = 0
        }
        let atPrompt = outputCount > outputCountAtLastLine && lastOutputByte != UInt8(ascii: "\n")
        guard atPrompt || quietIdleLooks >= Console.quietIdleLooksBeforeTyping else { return nil }
        outputCountAtLastLine = outputCount
        quietIdleLooks = 0
        typedInputTaken = false
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
        if n <= 0 {
            inputClosed = true
            // A last line without its newline is typed as it is.
            if !partialLine.isEmpty { scriptedLines.append(partialLine); partialLine = [] }
            return []
        }
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
        if rawMode { TerminalGuard.restore(); rawMode = false }
    }
}

/// The terminal settings from before raw mode, and the handlers that put them
/// back when a signal ends the process while the console is raw: SIGTERM or
/// SIGHUP from outside, or a crash of the simulator itself (a Swift trap is
/// SIGILL or SIGTRAP), whose handler from the Swift runtime (its crash
/// report) then runs as before, with the terminal sane. The handler touches
/// only memory allocated here beforehand.
enum TerminalGuard {
    nonisolated(unsafe) static let saved = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    nonisolated(unsafe) static let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    nonisolated(unsafe) static var armed = false
    static let fatalSignals = [SIGTERM, SIGHUP, SIGQUIT, SIGINT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

    /// Saves the terminal's settings and arms the handlers; false if stdin is no terminal.
    static func save() -> Bool {
        guard tcgetattr(0, saved) == 0 else { return false }
        if !armed {
            for signal in fatalSignals {
                var action = sigaction()
                action.__sigaction_handler.sa_sigaction = terminalGuardHandler
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_SIGINFO
                sigaction(signal, &action, previousActions + Int(signal))
            }
            armed = true
        }
        return true
    }

    static func restore() {
        tcsetattr(0, TCSANOW, saved)
    }
}

/// Restores the terminal, then: a fault the kernel raised (si_code > 0) goes
/// to the previous action (the Swift runtime's crash report, then death),
/// since returning re-executes the faulting instruction; a signal another
/// process sent (kill, si_code <= 0) takes its default action, which ends
/// the process (the crash reporter would report a crash that did not happen
/// and carry on).
private func terminalGuardHandler(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    tcsetattr(0, TCSANOW, TerminalGuard.saved)
    if let info, info.pointee.si_code > 0 {
        sigaction(signal, TerminalGuard.previousActions + Int(signal), nil)
        return
    }
    var fallback = sigaction()
    fallback.__sigaction_handler.sa_handler = SIG_DFL
    sigemptyset(&fallback.sa_mask)
    sigaction(signal, &fallback, nil)
    raise(signal)
}
