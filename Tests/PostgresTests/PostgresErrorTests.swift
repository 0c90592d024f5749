import Foundation
import Postgres
import Testing
import TestSupport

/// Errors carry no value, by construction: no NUL cut off silently, no DETAIL, no echoed input.
struct PostgresErrorTests {
    @Test func aValueHoldingANulIsRefusedBeforeItIsSent() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE t (v text)")
        #expect {
            try connection.execute("INSERT INTO t VALUES (\("kept\u{0}cut off"))")
        } throws: { error in
            (error as? PostgresError)?.kind == .unstorableValue && (error as? PostgresError)?.isDataError == true
                && !"\(error)".contains("cut off")
        }
        #expect(try connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 0)
    }

    @Test func noDetailAndNoEchoedInput() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE u (k text PRIMARY KEY, n integer CHECK (n > 0))")
        try connection.execute("INSERT INTO u VALUES (\("private-key-1"), 1)")
        for query: Query in ["INSERT INTO u VALUES (\("private-key-1"), 2)", "INSERT INTO u VALUES (\("private-key-2"), \(-5))",
                             "SELECT \("private-number")::integer", "SELECT \("private-date")::timestamptz"] {
            do {
                try connection.execute(query)
                Issue.record("\(query) succeeded")
            } catch let error as PostgresError {
                #expect(error.isDataError)
                #expect(!"\(error)".contains("private") && !"\(error)".contains("DETAIL") && !"\(error)".contains("Key ("), "\(error)")
            }
        }
    }

    @Test func cancelledAndTimedOutStatementsAreTransient() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("SET statement_timeout = '20ms'")
        #expect {
            try connection.execute("SELECT pg_sleep(2)")
        } throws: { error in
            (error as? PostgresError)?.sqlState == "57014" && (error as? PostgresError)?.isTransient == true
                && (error as? PostgresError)?.isConnectionFailure == false
        }
        // The connection is still good for the next statement.
        try connection.execute("SET statement_timeout = 0")
        #expect(try connection.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
    }
}
