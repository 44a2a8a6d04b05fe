import Foundation

/// `trapeze report`'s page: one self-contained HTML file (inline SVG and
/// CSS, no network) with the plots of a `trapeze bench` run and its tables.
/// A small inline script counts the plots that have bars and writes the
/// counts on <body> (data-plots, data-plots-drawn), so a headless browser
/// can check the page (Guest/linux/check-bench.sh).
public struct BenchmarkHTMLReport {
    public let report: BenchmarkReport
    public let title: String
    /// Lines under the title: suite, scale, cost model, version, image.
    public let details: [String]

    public init(report: BenchmarkReport, title: String, details: [String]) {
        self.report = report
        self.title = title
        self.details = details
    }

    static let modeColors = ["bare": "#4c72b0", "kvm": "#dd8452", "pv": "#55a868", "bt": "#c44e52"]
    static let palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
                          "#64b5cd", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]

    var virtualized: [String] { report.modes.filter { $0 != "bare" } }

    func color(mode: String, index: Int) -> String { Self.modeColors[mode] ?? Self.palette[index % Self.palette.count] }

    func label(_ row: BenchmarkRow) -> String { row.group.rawValue + " " + row.benchmark }

    /// The plots that have data for this run's modes, in page order.
    public var plots: [(id: String, title: String, caption: String, svg: String)] {
        var out: [(String, String, String, String)] = []
        let rows = report.rows
        let okRuns = report.runs.filter { $0.status == "ok" }
        // 1. Modelled time of each span, log scale: the figures span four decades.
        let times = rows.map { row in report.modes.map { m in report.run(row.workload, m).flatMap { $0.status == "ok" ? $0.modelledSeconds : nil } } }
        if times.joined().contains(where: { ($0 ?? 0) > 0 }) {
            let chart = BarChart(categories: rows.map(label), series: report.modes, colors: report.modes.enumerated().map { color(mode: $1, index: $0) },
                                 values: times, logScale: true, axisLabel: "modelled seconds of the workload's span (log scale)")
            out.append(("time", "Modelled time per workload and mode",
                        "The measured span of each workload (boot: power-on to TRAPEZE-BOOTED; the others their BEGIN to END markers), modelled time.",
                        chart.svg))
        }
        // 2. % of bare-metal speed (seed 001's table).
        if report.modes.contains("bare") && !virtualized.isEmpty {
            let values = rows.map { row in virtualized.map { m -> Double? in
                guard let bare = report.figure(row.workload, "bare"), bare > 0, let v = report.figure(row.workload, m), v > 0 else { return nil }
                return 100 / BenchmarkReport.slowdown(v, bare: bare, unit: row.unit)
            } }
            if values.joined().contains(where: { $0 != nil }) {
                let chart = BarChart(categories: rows.map(label), series: virtualized,
                                     colors: virtualized.enumerated().map { color(mode: $1, index: $0) }, values: values,
                                     logScale: false, axisLabel: "% of bare-metal speed", minimumMaximum: 100)
                out.append(("percent", "% of bare-metal speed",
                            "Bare's figure over the mode's (times), or the mode's over bare's (scores), as the exit-timing page's table.",
                            chart.svg))
            }
        }
        // 3. Exits by instruction class (the paper's Figure 1), 100% stacked.
        let classes = InstructionClass.allCases.map(\.name).filter { name in okRuns.contains { ($0.exitClasses[name] ?? 0) > 0 } }
        var bars: [(String, [Double])] = []
        for row in rows {
            for m in virtualized {
                guard let r = report.run(row.workload, m), r.status == "ok" else { continue }
                let total = Double(r.exitClasses.values.reduce(0, +))
                guard total > 0 else { continue }
                bars.append(("\(label(row)) \(m)", classes.map { Double(r.exitClasses[$0] ?? 0) / total * 100 }))
            }
        }
        if !bars.isEmpty {
            let chart = StackedBarChart(bars: bars, segments: classes, colors: classes.indices.map { Self.palette[$0 % Self.palette.count] },
                                        axisLabel: "% of the run's exits")
            out.append(("classes", "Exits by instruction class",
                        "What caused each virtualized run's exits, by instruction or event class (the paper's Figure 1 and Table 3).",
                        chart.svg))
        }
        // 4. Distinct exit PCs by exit count (Figure 2, Table 4), on linux-boot when it ran.
        if let row = rows.first(where: { $0.workload == "boot" }) ?? rows.first {
            let bins = ExitProfile.bins.map(\.label)
            let values = bins.indices.map { b in virtualized.map { m -> Double? in
                guard let r = report.run(row.workload, m), r.status == "ok", b < r.exitPCBins.count, r.exitPCBins[b].pcs > 0 else { return nil }
                return Double(r.exitPCBins[b].pcs)
            } }
            if values.joined().contains(where: { $0 != nil }) {
                let chart = BarChart(categories: bins.map { "\($0) exits" }, series: virtualized,
                                     colors: virtualized.enumerated().map { color(mode: $1, index: $0) }, values: values,
                                     logScale: true, axisLabel: "distinct guest PCs (log scale)")
                out.append(("pcs", "Distinct exit PCs by exit count, \(label(row))",
                            "How many distinct guest PCs caused more than 20000, 10000, ... exits (the paper's Figure 2 and Table 4).",
                            chart.svg))
            }
        }
        // 5. % reduction in exits against kvm (Figures 5 and 6).
        let others = virtualized.filter { $0 != "kvm" }
        if report.modes.contains("kvm") && !others.isEmpty {
            let values = rows.map { row in others.map { m -> Double? in
                guard let k = report.run(row.workload, "kvm"), k.status == "ok", let r = report.run(row.workload, m), r.status == "ok" else { return nil }
                let before = Double(k.totalExits), after = Double(r.totalExits)
                return before > 0 ? max(0, (before - after) / before * 100) : nil
            } }
            if values.joined().contains(where: { $0 != nil }) {
                let chart = BarChart(categories: rows.map(label), series: others,
                                     colors: others.enumerated().map { color(mode: $1, index: $0 + 1) }, values: values,
                                     logScale: false, axisLabel: "% fewer exits than kvm", minimumMaximum: 100)
                out.append(("reduction", "% reduction in exits against kvm",
                            "Exits of the whole span, every type, against unmodified kvm (the paper's Figures 5 and 6).", chart.svg))
            }
        }
        return out
    }

    public var html: String {
        let plots = self.plots
        var s = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(htmlEscaped(title))</title>
        <style>
        body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
        p.details { color: #555; margin: 0.2em 0; font-size: 0.9em; }
        p.caption { color: #555; font-size: 0.9em; }
        svg.plot { display: block; }
        svg text { font-size: 11px; fill: #222; }
        table { border-collapse: collapse; font-size: 0.8em; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 2px 6px; } th { background: #f0f0f0; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        </style></head>
        <body>
        <h1>\(htmlEscaped(title))</h1>

        """
        for line in details { s += "<p class=\"details\">\(htmlEscaped(line))</p>\n" }
        s += "<ul>" + plots.map { "<li><a href=\"#\($0.id)\">\(htmlEscaped($0.title))</a></li>" }.joined()
            + "<li><a href=\"#tables\">Tables</a></li></ul>\n"
        for plot in plots {
            s += "<section id=\"\(plot.id)\"><h2>\(htmlEscaped(plot.title))</h2>\n\(plot.svg)\n<p class=\"caption\">\(htmlEscaped(plot.caption))</p></section>\n"
        }
        s += "<section id=\"tables\"><h2>Table 1</h2>\n" + report.table1Table.html
        if !virtualized.isEmpty { s += "<h2>Raw exit counts</h2>\n" + report.rawExitTextTable.html }
        if report.modes.contains("bare") && !virtualized.isEmpty { s += "<h2>% of bare-metal speed</h2>\n" + report.percentOfBareTable.html }
        s += """
        </section>
        <script>
        (function () {
          var plots = document.querySelectorAll("svg.plot"), drawn = 0;
          plots.forEach(function (p) { if (p.querySelectorAll("rect.bar").length > 0) drawn++; });
          document.body.setAttribute("data-plots", String(plots.length));
          document.body.setAttribute("data-plots-drawn", String(drawn));
        })();
        </script>
        </body></html>

        """
        return s
    }
}

/// Horizontal grouped bars: a group per category, a bar per series, on a
/// linear or a log axis; missing values draw no bar.
struct BarChart {
    var categories: [String]
    var series: [String]
    var colors: [String]
    var values: [[Double?]]
    var logScale: Bool
    var axisLabel: String
    /// The axis reaches at least this far (100 for percentages).
    var minimumMaximum: Double = 0

    static let width = 900.0, labelWidth = 210.0, barHeight = 9.0, groupGap = 7.0, top = 28.0

    var svg: String {
        let present = values.joined().compactMap { $0 }.filter { !logScale || $0 > 0 }
        let plotWidth = Self.width - Self.labelWidth - 20
        let groupHeight = Double(series.count) * Self.barHeight + Self.groupGap
        let height = Self.top + Double(categories.count) * groupHeight + 40
        // The axis: decades for log, rounded to a tidy step for linear.
        let lo: Double, hi: Double
        if logScale {
            lo = pow(10, floor(log10(present.min() ?? 1)))
            hi = pow(10, ceil(log10(max(present.max() ?? 10, lo * 10))))
        } else {
            lo = 0
            hi = max(minimumMaximum, (present.max() ?? 1) * 1.05)
        }
        func x(_ v: Double) -> Double {
            let f = logScale ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo)
            return Self.labelWidth + max(0, min(1, f)) * plotWidth
        }
        var s = "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\">\n"
        // Legend.
        var lx = Self.labelWidth
        for (i, name) in series.enumerated() {
            s += "<rect x=\"\(lx)\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(colors[i])\"/><text x=\"\(lx + 14)\" y=\"15\">\(htmlEscaped(name))</text>\n"
            lx += 24 + Double(name.count) * 7
        }
        // Grid and ticks.
        let axisY = Self.top + Double(categories.count) * groupHeight
        var ticks: [Double] = []
        if logScale {
            var t = lo
            while t <= hi * 1.0001 { ticks.append(t); t *= 10 }
        } else {
            let step = Self.tidyStep(hi / 5)
            var t = 0.0
            while t <= hi + step * 0.001 { ticks.append(t); t += step }
        }
        for t in ticks {
            let tx = x(t)
            s += "<line x1=\"\(tx)\" y1=\"\(Self.top - 4)\" x2=\"\(tx)\" y2=\"\(axisY)\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(tx)\" y=\"\(axisY + 14)\" text-anchor=\"middle\">\(Self.tickLabel(t))</text>\n"
        }
        s += "<text x=\"\(Self.labelWidth + plotWidth / 2)\" y=\"\(axisY + 32)\" text-anchor=\"middle\">\(htmlEscaped(axisLabel))</text>\n"
        // Bars.
        for (c, category) in categories.enumerated() {
            let gy = Self.top + Double(c) * groupHeight
            s += "<text x=\"\(Self.labelWidth - 6)\" y=\"\(gy + Double(series.count) * Self.barHeight / 2 + 4)\" text-anchor=\"end\">\(htmlEscaped(category))</text>\n"
            for (i, name) in series.enumerated() {
                guard c < values.count, i < values[c].count, let v = values[c][i], !logScale || v > 0 else { continue }
                let w = max(1, x(v) - Self.labelWidth)
                s += "<rect class=\"bar\" x=\"\(Self.labelWidth)\" y=\"\(gy + Double(i) * Self.barHeight)\" width=\"\(w)\" height=\"\(Self.barHeight - 1)\" fill=\"\(colors[i])\">"
                s += "<title>\(htmlEscaped("\(category), \(name): \(Self.tickLabel(v))"))</title></rect>\n"
            }
        }
        return s + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func tidyStep(_ raw: Double) -> Double {
        guard raw > 0 else { return 1 }
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    static func tickLabel(_ v: Double) -> String {
        if v == 0 { return "0" }
        if v >= 1e6 || v < 1e-3 { return String(format: "%.0e", v) }
        return String(format: "%g", (v * 1000).rounded() / 1000)
    }
}

/// Horizontal bars split into segments that add up to 100.
struct StackedBarChart {
    var bars: [(String, [Double])]
    var segments: [String]
    var colors: [String]
    var axisLabel: String

    var svg: String {
        let width = 900.0, labelWidth = 210.0, barHeight = 11.0, top = 16.0 + 16.0 * ceil(Double(segments.count) / 8)
        let plotWidth = width - labelWidth - 20
        let height = top + Double(bars.count) * barHeight + 40
        var s = "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        for (i, name) in segments.enumerated() {
            let lx = labelWidth + Double(i % 8) * 82, ly = 6 + 16 * Double(i / 8)
            s += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"10\" height=\"10\" fill=\"\(colors[i])\"/><text x=\"\(lx + 14)\" y=\"\(ly + 9)\">\(htmlEscaped(name))</text>\n"
        }
        for (b, bar) in bars.enumerated() {
            let y = top + Double(b) * barHeight
            s += "<text x=\"\(labelWidth - 6)\" y=\"\(y + barHeight - 2)\" text-anchor=\"end\">\(htmlEscaped(bar.0))</text>\n"
            var x = labelWidth
            for (i, share) in bar.1.enumerated() where share > 0 {
                let w = share / 100 * plotWidth
                s += "<rect class=\"bar\" x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(barHeight - 1)\" fill=\"\(colors[i])\">"
                s += "<title>\(htmlEscaped("\(bar.0): \(segments[i]) \(String(format: "%.1f", share))%"))</title></rect>\n"
                x += w
            }
        }
        let axisY = top + Double(bars.count) * barHeight
        for t in stride(from: 0.0, through: 100, by: 20) {
            let tx = labelWidth + t / 100 * plotWidth
            s += "<text x=\"\(tx)\" y=\"\(axisY + 14)\" text-anchor=\"middle\">\(Int(t))</text>\n"
        }
        s += "<text x=\"\(labelWidth + plotWidth / 2)\" y=\"\(axisY + 32)\" text-anchor=\"middle\">\(htmlEscaped(axisLabel))</text>\n"
        return s + "</svg>"
    }
}
