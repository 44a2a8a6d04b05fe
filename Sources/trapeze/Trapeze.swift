#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

@main
struct Trapeze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trapeze",
        abstract: "A PowerPC e500 simulator.",
        subcommands: [UserCommand.self, RunCommand.self, CompareCommand.self, BenchCommand.self, ReportCommand.self, BenchRunCommand.self])
}

/// One line on standard error, written directly (also safe after fork).
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
}
