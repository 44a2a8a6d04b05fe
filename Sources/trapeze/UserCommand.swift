#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LinuxUser

/// `trapeze user [--trace] [--stats] PROGRAM [ARGS...]`: runs a static
/// 32-bit PowerPC Linux program like qemu-ppc.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Run a static 32-bit big-endian PowerPC Linux program.",
        discussion: "Everything after PROGRAM is passed to the program unchanged, options included.")

    @Flag(help: "Print each executed instruction on stderr.")
    var trace = false

    @Flag(help: "Print the instruction count, wall time and MIPS on stderr at exit.")
    var stats = false

    @Argument(help: "The program to run (a host path).")
    var program: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the program.")
    var arguments: [String] = []

    func run() throws {
        let process = LinuxProcess(options: UserModeOptions(trace: trace, stats: stats))
        // argv[0] is the program path as given, like qemu-user.
        let argv = ([program] + arguments).map { Array($0.utf8) }
        do {
            try process.start(programPath: program, arguments: argv, environment: LinuxProcess.hostEnvironment())
        } catch {
            printError("trapeze: \(error)")
            throw ExitCode(1)
        }
        process.run()
    }
}
