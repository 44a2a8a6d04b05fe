#if canImport(Glibc)
import Glibc
#endif
import Foundation

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

    /// Whether guest output goes to standard output (not for `compare`).
    let echo: Bool

    init(interactive: Bool, echo: Bool = true) {
        self.interactive = interactive
        self.echo = echo
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
        if echo {
            var b = byte
            _ = write(1, &b, 1)
        }
        pendingBytes.append(byte)
        if byte == 10 || pendingBytes.count > 256 { flushTranscript() }
    }

    /// Called with each complete console line (statistics markers).
    var onLine: ((Substring) -> Void)?
    private var currentLine: [UInt8] = []

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

    /// Hands a last line that has no newline yet to `onLine`: a run stopped by
    /// --until can end between a marker's text and its line end.
    func finishPartialLine() {
        flushTranscript()
        guard let onLine, !currentLine.isEmpty else { return }
        onLine(Substring(String(decoding: currentLine, as: UTF8.self)))
        currentLine.removeAll(keepingCapacity: true)
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

func fail(_ message: String) -> Never {
    printError("trapeze: \(message)")
    Foundation.exit(1)
}
