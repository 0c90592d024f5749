import Foundation

/// Repeats a measurement and keeps the median: the machine is small and shared, so single runs lie.
enum Measurement {
    /// Runs `body` `runs` times (after `warmups` unrecorded runs) and returns the median of what it returned.
    static func median(runs: Int, warmups: Int = 1, _ body: () throws -> Double) rethrows -> Double {
        for _ in 0..<warmups { _ = try body() }
        var values: [Double] = []
        for _ in 0..<runs { values.append(try body()) }
        return median(values)
    }

    /// Runs `measured` and `baseline` in alternating rounds (after `warmups` unrecorded rounds), switching
    /// which goes first, so that the shared machine's drift — another job, a checkpoint — falls on both alike.
    /// Returns the median of each and the median of the rounds' ratios `measured / baseline`.
    static func paired(runs: Int, warmups: Int = 1, _ measured: () throws -> Double,
                       against baseline: () throws -> Double) rethrows -> (measured: Double, baseline: Double, ratio: Double) {
        for _ in 0..<warmups {
            _ = try measured()
            _ = try baseline()
        }
        var pairs: [(Double, Double)] = []
        for round in 0..<runs {
            if round % 2 == 0 {
                let first = try measured()
                pairs.append((first, try baseline()))
            } else {
                let second = try baseline()
                pairs.append((try measured(), second))
            }
        }
        return (median(pairs.map(\.0)), median(pairs.map(\.1)), median(pairs.map { $0.0 / $0.1 }))
    }

    static func median(_ values: [Double]) -> Double {
        let values = values.sorted()
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    /// Seconds `body` took, on the monotonic clock.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let elapsed = try clock.measure(body)
        let (seconds, attoseconds) = elapsed.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The result table: one row per figure, with its baseline and their ratio where there is one.
struct ReportTable {
    struct Row {
        var section: String
        var figure: String
        var value: String
        var baseline: String
        var ratio: String
    }

    private(set) var rows: [Row] = []

    mutating func add(_ section: String, _ figure: String, _ value: String, baseline: String = "", ratio: String = "") {
        rows.append(Row(section: section, figure: figure, value: value, baseline: baseline, ratio: ratio))
        // Print as we go: a long run shows progress, and a crash keeps what was measured.
        FileHandle.standardError.write(Data("  \(section): \(figure) = \(value)\(baseline.isEmpty ? "" : " (baseline \(baseline), ratio \(ratio))")\n".utf8))
    }

    /// A Markdown table, ready for docs/BENCHMARKS.md.
    var markdown: String {
        var text = "| section | figure | value | baseline | ratio |\n|---|---|---|---|---|\n"
        for row in rows {
            text += "| \(row.section) | \(row.figure) | \(row.value) | \(row.baseline) | \(row.ratio) |\n"
        }
        return text
    }
}

extension Double {
    /// `123,456` style with no decimals.
    var grouped: String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        formatter.locale = Locale(identifier: "en_US")
        return formatter.string(from: NSNumber(value: self)) ?? String(Int(self))
    }

    /// Two decimals.
    var twoDecimals: String { String(format: "%.2f", self) }
}

extension Int {
    /// `123,456`.
    var grouped: String { Double(self).grouped }
}
