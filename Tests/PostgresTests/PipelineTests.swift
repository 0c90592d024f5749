import Foundation
import Testing
import Postgres
import TestSupport

/// `Connection.pipeline`: several statements in one round trip (libpq's pipeline mode), against a real server.
struct PipelineTests {
    @Test(arguments: [false, true])
    func resultsComeBackInOrderWithTheirParameters(prepared: Bool) throws {
        let connection = try TestPostgres.connect()
        connection.preparesStatements = prepared
        try connection.execute("CREATE TABLE t (n int, v text)")
        try connection.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        let city = "ירושלים 'quoted' $1"
        // Twice: the second time, a preparing connection runs every statement by its name.
        for _ in 0..<2 {
            let results = try connection.pipeline([
                "SELECT v FROM t WHERE n = \(2)",
                "SELECT \(city) AS city, \(Int?.none) AS nothing",
                "SELECT v FROM t WHERE n > \(1) ORDER BY n DESC",
                "SELECT v FROM t WHERE n = \(99)",
                "UPDATE t SET v = v WHERE n <= \(2)",
            ])
            #expect(results.count == 5)
            #expect(try results[0].rows.map { try $0.decode("v", as: String.self) } == ["two"])
            #expect(try results[1].first?.decode("city", as: String.self) == city)
            #expect(try results[1].first?.decode("nothing", as: Int?.self) == nil)
            #expect(try results[2].rows.map { try $0.decode("v", as: String.self) } == ["three", "two"])
            // A statement that returns no rows still has its result (and its columns).
            #expect(results[3].rows.isEmpty)
            #expect(results[3].columns.map(\.name) == ["v"])
            #expect(results[4].affectedRows == 2)
        }
        #expect(try connection.pipeline([]).isEmpty)
    }

    @Test func aFailingStatementStopsTheRestRollsBackTheEarlierOnesAndLeavesTheConnectionUsable() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE t (n int PRIMARY KEY)")
        let secret = "do-not-leak-4711"
        let failure = #expect(throws: PostgresError.self) {
            try connection.pipeline([
                "INSERT INTO t VALUES (\(1))",
                "SELECT \(secret)::int AS n",
                "INSERT INTO t VALUES (\(2))",
            ])
        }
        // Mapped as `query` maps it: the server's SQLSTATE and the failing statement's text, not its value.
        #expect(failure?.kind == .server)
        #expect(failure?.sqlState == "22P02")
        #expect(failure?.query == "SELECT $1::int AS n")
        #expect(failure.map { "\($0)" }?.contains(secret) == false)
        #expect(failure?.message.contains(secret) == false)
        // Outside a transaction the pipeline is one implicit transaction: the first insert is rolled back,
        // the third never ran.
        #expect(try connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 0)
        // The connection is out of pipeline mode and in no transaction: statements and pipelines work.
        try connection.execute("INSERT INTO t VALUES (\(3))")
        let again = try connection.pipeline(["SELECT n FROM t", "SELECT \(4) AS n"])
        #expect(try again.map { try $0.first?.decode("n", as: Int.self) } == [3, 4])
        #expect(connection.reconnectCount == 0)
    }

    @Test func aValueThatCannotBeStoredFailsBeforeAnythingIsSent() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE t (v text)")
        let refused = #expect(throws: PostgresError.self) {
            try connection.pipeline(["INSERT INTO t VALUES (\("fine"))", "INSERT INTO t VALUES (\("cut\u{0}off"))"])
        }
        #expect(refused?.kind == .unstorableValue)
        #expect(try connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 0)
    }

    @Test func insideATransactionThePipelineIsPartOfItAndItsFailureRollsTheTransactionBack() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let connection = try Connection(conninfo)
        let other = try Connection(conninfo)
        try connection.execute("CREATE TABLE t (n int PRIMARY KEY)")
        // Committed with the transaction; the pipeline's sync does not commit on its own.
        try connection.transaction { connection in
            try connection.execute("INSERT INTO t VALUES (\(1))")
            let results = try connection.pipeline(["INSERT INTO t VALUES (\(2))", "SELECT count(*) AS n FROM t"])
            #expect(try results[1].first?.decode("n", as: Int.self) == 2)
            #expect(try other.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 0)
        }
        #expect(try connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 2)
        // A failure inside the pipeline reaches the closure; the whole transaction is rolled back.
        #expect(throws: PostgresError.self) {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO t VALUES (\(3))")
                _ = try connection.pipeline(["INSERT INTO t VALUES (\(4))", "INSERT INTO t VALUES (\(1))"])
            }
        }
        #expect(try connection.query("SELECT array_agg(n ORDER BY n) AS n FROM t").first?.decode("n", as: [Int].self) == [1, 2])
    }

    @Test func aConnectionLostMidPipelineFailsItAndTheNextStatementReconnects() throws {
        let connection = try TestPostgres.connect()
        connection.preparesStatements = true
        try connection.listen("after_loss")
        let firstBackend = connection.backendPID
        let lost = #expect(throws: PostgresError.self) {
            try connection.pipeline([
                "SELECT \(1) AS n",
                "SELECT pg_terminate_backend(pg_backend_pid())",
                "SELECT \(3) AS n",
            ])
        }
        #expect(lost?.kind == .connectionLost)
        #expect(lost?.isTransient == true)
        // As after `query`: the next statement reconnects, LISTENs renewed, statements prepared afresh.
        #expect(try connection.query("SELECT \(5) AS n").first?.decode("n", as: Int.self) == 5)
        #expect(connection.reconnectCount == 1)
        #expect(connection.backendPID != firstBackend)
        let results = try connection.pipeline(["SELECT \(1) AS n", "SELECT \(3) AS n"])
        #expect(try results.map { try $0.first?.decode("n", as: Int.self) } == [1, 3])
        try connection.notify("after_loss", payload: "still listening")
        #expect(try connection.waitForNotifications(timeout: .seconds(5)).map(\.payload) == ["still listening"])

        // Inside a transaction the loss reaches the closure and is not retried on a new connection.
        let inTransaction = #expect(throws: PostgresError.self) {
            try connection.transaction { connection in
                _ = try connection.pipeline(["SELECT \(1) AS n", "SELECT pg_terminate_backend(pg_backend_pid())"])
            }
        }
        #expect(inTransaction?.kind == .connectionLost)
        #expect(try connection.query("SELECT \(6) AS n").first?.decode("n", as: Int.self) == 6)
        #expect(connection.reconnectCount == 2)
    }
}
