import Foundation

/// Exit-timing statistics of one virtual CPU, as KVM keeps them in
/// arch/powerpc/kvm/timing.c: per exit type the count, minimum, maximum, sum
/// and sum of squares of the durations. Durations are in cycles of the
/// modelled clock and become microseconds only when printed, as KVM keeps
/// time-base ticks and divides when the debugfs file is read.
public struct ExitTiming: Sendable {
    public struct Row: Sendable, Equatable {
        public var count: UInt64 = 0
        public var min: UInt64 = .max
        public var max: UInt64 = 0
        public var sum: UInt64 = 0
        /// Sum of squared durations (for the standard deviation).
        public var sumOfSquares: Double = 0
    }

    public private(set) var rows = [Row](repeating: Row(), count: ExitType.allCases.count)

    public init() {}

    /// Accounts one exit (or one stretch of guest time) of `cycles`.
    @inline(__always)
    public mutating func record(_ type: ExitType, cycles: UInt64) {
        rows.withUnsafeMutableBufferPointer { rows in
            let r = rows.baseAddress.unsafelyUnwrapped + type.rawValue
            r.pointee.count &+= 1
            r.pointee.sum &+= cycles
            if cycles < r.pointee.min { r.pointee.min = cycles }
            if cycles > r.pointee.max { r.pointee.max = cycles }
            let c = Double(cycles)
            r.pointee.sumOfSquares += c * c
        }
    }

    public subscript(type: ExitType) -> Row { rows[type.rawValue] }

    /// Exits of every type (TIMEINGUEST is no exit).
    public var totalExits: UInt64 {
        ExitType.allCases.reduce(0) { $1 == .timeInGuest ? $0 : $0 + rows[$1.rawValue].count }
    }

    /// The paper's three counts (its raw exit tables): exits of trapped
    /// privileged instructions, TLB-miss exits, tracing faults.
    public var privilegedExits: UInt64 { ExitType.allCases.filter(\.isPrivilegedInstruction).reduce(0) { $0 + self[$1].count } }
    public var tlbMissExits: UInt64 { ExitType.allCases.filter(\.isTLBMiss).reduce(0) { $0 + self[$1].count } }
    public var paperSummary: String {
        "priv-exits=\(privilegedExits) tlb-misses=\(tlbMissExits) acc-viol=\(self[.accessViolation].count)"
    }

    public mutating func reset() { self = ExitTiming() }

    // MARK: Reports

    /// One row in microseconds, as printed.
    public struct ReportRow: Sendable, Codable, Equatable {
        public let type: String
        public let count: UInt64
        public let min: UInt64
        public let max: UInt64
        public let sum: UInt64
        public let avg: Double
        public let stddev: Double
        public let percent: Double
    }

    /// The rows in microseconds (integer min/max/sum, truncated as KVM's
    /// do_div does), every type in table order, and the "sum of time": the sum
    /// of the printed sums, so the rows add up to it exactly.
    public func report(cyclesPerMicrosecond: Double) -> (sumOfTime: UInt64, rows: [ReportRow]) {
        let sums = rows.map { UInt64(Double($0.sum) / cyclesPerMicrosecond) }
        let total = sums.reduce(0, +)
        var out: [ReportRow] = []
        for type in ExitType.allCases {
            let r = rows[type.rawValue]
            let n = Double(r.count)
            let mean = r.count == 0 ? 0 : Double(r.sum) / n
            let variance = r.count == 0 ? 0 : Swift.max(0, r.sumOfSquares / n - mean * mean)
            out.append(ReportRow(
                type: type.name, count: r.count,
                min: r.count == 0 ? 0 : UInt64(Double(r.min) / cyclesPerMicrosecond),
                max: UInt64(Double(r.max) / cyclesPerMicrosecond),
                sum: sums[type.rawValue],
                avg: mean / cyclesPerMicrosecond,
                stddev: variance.squareRoot() / cyclesPerMicrosecond,
                percent: total == 0 ? 0 : Double(sums[type.rawValue]) * 100 / Double(total)))
        }
        return (total, out)
    }

    /// The text layout of the "PowerPC Exittimings" page: `sum of time N`, a
    /// header, one right-aligned row per type, times in microseconds.
    public func text(cyclesPerMicrosecond: Double) -> String {
        let (total, rows) = report(cyclesPerMicrosecond: cyclesPerMicrosecond)
        var s = "sum of time \(total)\n"
        s += pad("type", 12) + pad("count", 9) + pad("min", 9) + pad("max", 9) + pad("sum", 13)
            + pad("avg", 17) + pad("stddev", 13) + pad("%", 6) + "\n"
        for r in rows {
            s += pad(r.type + ":", 12) + pad("\(r.count)", 9) + pad("\(r.min)", 9) + pad("\(r.max)", 9)
                + pad("\(r.sum)", 13) + pad(String(format: "%.4f", r.avg), 17)
                + pad(String(format: "%.3f", r.stddev), 13) + pad(String(format: "%.2f", r.percent), 6) + "\n"
        }
        return s
    }

    /// The same numbers as JSON.
    public func json(cyclesPerMicrosecond: Double, extra: [String: String] = [:]) -> String {
        struct Document: Codable {
            let sumOfTime: UInt64
            let unit: String
            let info: [String: String]
            let rows: [ReportRow]
        }
        let (total, rows) = report(cyclesPerMicrosecond: cyclesPerMicrosecond)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(Document(sumOfTime: total, unit: "us", info: extra, rows: rows))) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Right-aligns `s` in `width` columns (never truncates): the tables' cells.
public func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
