import ChorusCore
import ChorusFeeds
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// PRODUCT.md §9, durable pipeline: events → drafts committed through the real write path (drafting and
/// `QueueWriter`) against a `COPY FROM STDIN` of the very same rows into the same tables, in the same run.
enum PipelineBench {
    /// The tables the write path fills, in an order `COPY` can load them (foreign keys first).
    static let tables = ["events", "bundles", "bundle_events", "corroborations", "corroboration_evidence", "drafts", "action_items",
                         "review_audit"]

    static func run(_ connection: Connection, rules: URL, quick: Bool, into table: inout ReportTable) throws {
        let ruleSet = try RuleSet.load(from: rules)
        let stage = DraftingStage(ruleSet: ruleSet)
        let events = generateEvents(count: quick ? 1_000 : 5_000)
        let batchSize = 250
        let runs = quick ? 3 : 5
        let now = Date()
        var drafts = 0

        // Group commit: batches of 250 events per transaction.
        func writeAll() throws -> Double {
            try truncate(connection)
            return try Measurement.seconds {
                var created = 0
                for start in stride(from: 0, to: events.count, by: batchSize) {
                    let slice = Array(events[start..<min(start + batchSize, events.count)])
                    let batch = stage.batch(source: "bench", origin: "bench", result: ParseResult(events: slice),
                                            cursor: #"{"offset": \#(start)}"#, now: now)
                    created += try QueueWriter().write([batch], on: connection).draftsCreated
                }
                drafts = created
            }
        }
        // A first write (unrecorded) leaves the rows the COPY baseline loads: read back as text.
        _ = try writeAll()
        var snapshot: [String: [[String?]]] = [:]
        for name in tables {
            snapshot[name] = try connection.query("SELECT * FROM chorus.\(unescaped: name) ORDER BY 1, 2")
                .rows.map(\.textValues)
        }
        func copyEverything() throws -> Double {
            try truncate(connection)
            return try Measurement.seconds { try copyAll(snapshot, connection) }
        }
        _ = try copyEverything()  // COPY's warm-up, as the first write was the pipeline's
        let (pipeline, copy, ratio) = try Measurement.paired(runs: runs, warmups: 0, writeAll, against: copyEverything)
        // Drafting alone (no database): what the write path's time includes of pure CPU.
        let drafting = Measurement.median(runs: runs) {
            Measurement.seconds {
                for start in stride(from: 0, to: events.count, by: batchSize) {
                    let slice = Array(events[start..<min(start + batchSize, events.count)])
                    _ = stage.batch(source: "bench", origin: "bench", result: ParseResult(events: slice), cursor: nil, now: now)
                }
            }
        }
        let rowCount = snapshot.values.reduce(0) { $0 + $1.count }
        table.add("pipeline", "events/s, group commit (\(batchSize) per transaction), \(events.count.grouped) events, alternating with COPY",
                  (Double(events.count) / pipeline).grouped,
                  baseline: "COPY of the same \(rowCount.grouped) rows: \((Double(events.count) / copy).grouped) events/s",
                  ratio: "\(ratio.twoDecimals)× COPY's time")
        table.add("pipeline", "drafts/s, group commit", (Double(drafts) / pipeline).grouped,
                  baseline: (Double(drafts) / copy).grouped, ratio: "\(ratio.twoDecimals)")
        table.add("pipeline", "events/s, drafting only (match, render, measure; no database)",
                  (Double(events.count) / drafting).grouped, baseline: "",
                  ratio: "\((drafting / pipeline * 100).rounded())% of the write path's time")

        // Idle: one event per transaction.
        let single = Array(events.prefix(quick ? 100 : 300))
        let idle = try Measurement.median(runs: runs) {
            try truncate(connection)
            return try Measurement.seconds {
                for (index, event) in single.enumerated() {
                    let batch = stage.batch(source: "bench", origin: "bench", result: ParseResult(events: [event]),
                                            cursor: #"{"offset": \#(index)}"#, now: now)
                    try QueueWriter().write([batch], on: connection)
                }
            }
        }
        table.add("pipeline", "events/s, one event per transaction (idle path)", (Double(single.count) / idle).grouped,
                  baseline: "", ratio: "\((idle / Double(single.count) * 1000).twoDecimals) ms per event")
        try truncate(connection)
    }

    /// Deadly attacks in the partner countries of the shipped rules, each its own incident.
    static func generateEvents(count: Int) -> [Event] {
        var random = SeededGenerator(seed: 8_1_2017)
        let places = [("IL", "Jerusalem"), ("DE", "Berlin"), ("FR", "Nice"), ("GB", "London"), ("US", "New York")]
        let start = Date(timeIntervalSince1970: 1_483_875_000)
        return (0..<count).map { index in
            let (country, place) = places.randomElement(using: &random) ?? ("IL", "Jerusalem")
            let at = start.addingTimeInterval(Double(index) * 60)
            return Event(id: "bench-\(index)", source: "bench", kind: "terror_attack", incident: "bench-incident-\(index)",
                         sentAt: at, occurredAt: at, countries: [country], place: place, severity: .severe,
                         certainty: .observed, fatalities: Int.random(in: 1...12, using: &random),
                         injured: Int.random(in: 0...40, using: &random),
                         headline: ["en": "Attack in \(place)"])
        }
    }

    static func truncate(_ connection: Connection) throws {
        try connection.executeScript("""
            TRUNCATE chorus.review_audit, chorus.action_items, chorus.drafts, chorus.bundle_events, chorus.bundles,
                     chorus.events, chorus.rejected_inputs, chorus.source_cursors RESTART IDENTITY CASCADE
            """)
    }

    static func copyAll(_ snapshot: [String: [[String?]]], _ connection: Connection) throws {
        try connection.transaction { transaction in
            try transaction.copyIn("COPY chorus.events FROM STDIN", rows: snapshot["events"] ?? [])
            try transaction.copyIn("COPY chorus.bundles FROM STDIN", rows: snapshot["bundles"] ?? [])
            try transaction.copyIn("COPY chorus.bundle_events FROM STDIN", rows: snapshot["bundle_events"] ?? [])
            try transaction.copyIn("COPY chorus.corroborations FROM STDIN", rows: snapshot["corroborations"] ?? [])
            try transaction.copyIn("COPY chorus.corroboration_evidence FROM STDIN", rows: snapshot["corroboration_evidence"] ?? [])
            try transaction.copyIn("COPY chorus.drafts FROM STDIN", rows: snapshot["drafts"] ?? [])
            try transaction.copyIn("COPY chorus.action_items FROM STDIN", rows: snapshot["action_items"] ?? [])
            try transaction.copyIn("COPY chorus.review_audit FROM STDIN", rows: snapshot["review_audit"] ?? [])
        }
    }
}
