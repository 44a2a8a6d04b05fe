import ArgumentParser

@main
struct Trapeze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trapeze",
        abstract: "A PowerPC e500 simulator.",
        subcommands: [UserCommand.self, RunCommand.self])
}
