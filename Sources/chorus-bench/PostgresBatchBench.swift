import Foundation
import Postgres

/// The libpq layer's batch write against `COPY`: 100,000 rows into an indexed table with a JSONB column,
/// through `INSERT … SELECT * FROM unnest($1, $2, …)` in chunks, and through `COPY FROM STDIN`.
enum PostgresBatchBench {
    static func run(_ connection: Connection, quick: Bool, into table: inout ReportTable) throws {
        let count = 100_000
        try connection.executeScript("""
            DROP TABLE IF EXISTS bench_rows;
            CREATE TABLE bench_rows (id bigint PRIMARY KEY, source text NOT NULL, name text NOT NULL, payload jsonb NOT NULL);
            CREATE INDEX bench_rows_by_source ON bench_rows (source);
            """)
        let ids = Array(1...count)
        let sources = ids.map { "source-\($0 % 17)" }
        let names = ids.map { "Ereignis \($0) — ירושלים — القدس" }
        let payloads = ids.map { #"{"n": \#($0), "kind": "earthquake", "countries": ["IL", "DE"]}"# }
        let runs = quick ? 3 : 5
        let chunk = 10_000
        let rows: [[String?]] = (0..<count).map { [String(ids[$0]), sources[$0], names[$0], payloads[$0]] }
        let (unnest, copy, ratio) = try Measurement.paired(runs: runs) {
            try connection.executeScript("TRUNCATE bench_rows")
            // One transaction, as COPY is one statement: the comparison is of the write, not of ten commits.
            return try Measurement.seconds {
                try connection.transaction { connection in
                    for start in stride(from: 0, to: count, by: chunk) {
                        let range = start..<min(start + chunk, count)
                        try connection.execute("""
                            INSERT INTO bench_rows (id, source, name, payload)
                            SELECT * FROM unnest(\(Array(ids[range])), \(Array(sources[range])), \(Array(names[range])),
                                                 \(payloads[range].map(PostgresJSONText.init)))
                            """)
                    }
                }
            }
        } against: {
            try connection.executeScript("TRUNCATE bench_rows")
            return try Measurement.seconds {
                try connection.copyIn("COPY bench_rows (id, source, name, payload) FROM STDIN", rows: rows)
            }
        }
        table.add("postgres", "rows/s, 100,000 rows, unnest batches of 10,000 vs COPY, alternating",
                  (Double(count) / unnest).grouped, baseline: (Double(count) / copy).grouped,
                  ratio: "\(ratio.twoDecimals)× COPY's time")
        try connection.executeScript("DROP TABLE bench_rows")
    }
}
