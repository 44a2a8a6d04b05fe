import Hypervisor
import Platform
import PowerISA
import Telemetry

/// The per-PC tracing-fault table of a bt run (`TracingFaultProfile`),
/// named with the kernel's symbols and the disassembler: for the run
/// summary, the end of `--bt-log`, and bench's results.json.
struct TracingFaultTable {
    static let top = 10
    let profile: TracingFaultProfile
    let symbols: SymbolTable?

    init(_ translator: BinaryTranslator, kernelPath: String) {
        profile = translator.faultProfile
        symbols = try? SymbolTable(elfPath: kernelPath)
    }

    var text: String {
        profile.text(top: Self.top, symbolize: { symbols?.describe($0) }, disassemble: Disassembler.disassemble)
    }
    var rows: [TracingFaultPC] {
        profile.rows(top: Self.top, symbolize: { symbols?.describe($0) }, disassemble: Disassembler.disassemble)
    }
}
