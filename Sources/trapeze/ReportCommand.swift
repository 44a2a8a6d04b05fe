import ArgumentParser
import Foundation
import Telemetry

/// `trapeze report`: the page of a `trapeze bench` run (one HTML file with
/// SVG plots and the tables, nothing fetched from the network).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report (plots and tables) of a `trapeze bench` run.",
        discussion: "RESULTS is the bench's output directory or its results.json. Exit status 1 on bad input.")

    @Argument(help: "The bench's output directory, or its results.json.") var results: String
    @Option(name: [.customShort("o"), .customLong("output")], help: "The HTML file to write.") var output: String = "report.html"
    @Flag(help: "Put the paper's figures beside ours in the tables.") var comparePaper = false

    func run() throws {
        try exitingOnBadInput {
            var isDirectory: ObjCBool = false
            let path = FileManager.default.fileExists(atPath: results, isDirectory: &isDirectory) && isDirectory.boolValue
                ? results + "/results.json" : results
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
            let document: BenchmarkResults
            do { document = try JSONDecoder().decode(BenchmarkResults.self, from: data) } catch {
                throw CLIError("\(path) is not a trapeze bench results.json (\(error))")
            }
            var report = BenchmarkReport(runs: document.runs, modes: document.modes)
            report.comparePaper = comparePaper
            guard !report.rows.isEmpty else { throw CLIError("\(path) holds no runs of the suite") }
            let page = BenchmarkHTMLReport(report: report, title: "Trapeze: the paper's benchmarks", details: document.details)
            guard FileManager.default.createFile(atPath: output, contents: Data(page.html.utf8)) else {
                throw CLIError("cannot write \(output)")
            }
            printError("trapeze: report: \(page.plots.count) plots, \(report.rows.count) workloads; wrote \(output)")
        }
    }
}
