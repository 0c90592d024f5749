import Foundation
import Synchronization
import Testing
import Postgres
import TestSupport

/// The libpq layer against a real server (a throwaway cluster, or `CHORUS_TEST_DATABASE_URL`).
struct ConnectionTests {
    @Test(arguments: [
        "it's \"quoted\"", #"back\slash \\ and \n not a newline"#, "$1 $2 ? :name %s", "'; DROP TABLE t; --",
        "שלום, ירושלים", "مرحبا بالعالم", "🇮🇱🇩🇪 🕯️ 👩🏽‍🚒", "line\nbreak\ttab\r", "",
    ])
    func textRoundTripsUnchanged(value: String) throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE t (v text)")
        try connection.execute("INSERT INTO t (v) VALUES (\(value))")
        let row = try #require(try connection.query("SELECT v, length(v) AS n FROM t WHERE v = \(value)").first)
        #expect(try row.decode("v", as: String.self) == value)
        #expect(try row.decode("n", as: Int.self) == value.unicodeScalars.count)
    }

    @Test func typedValuesRoundTrip() throws {
        let connection = try TestPostgres.connect()
        let date = Date(timeIntervalSince1970: 1_483_875_000.123456)
        let uuid = UUID()
        let bytes = Data([0, 1, 2, 0xFE, 0xFF, 0x5C, 0x27])
        struct Payload: Codable, Sendable, Equatable { var name: String; var count: Int }
        let row = try #require(try connection.query("""
            SELECT \(Int.max) AS big, \(Int32(-7)) AS small, \(3.25) AS real, \(true) AS yes, \(date) AS at,
                   \(uuid) AS id, \(bytes) AS raw, \(PostgresJSON(Payload(name: "Jerusalem", count: 4))) AS doc,
                   \(["Berlin", "ירושלים", "a,b", "NULL"]) AS names, \([1, 2, 3]) AS numbers,
                   NULL::text AS nothing, \(PostgresNullableArray<String>(["x", nil])) AS holes
            """).first)
        #expect(try row.decode("big", as: Int.self) == Int.max)
        #expect(try row.decode("small", as: Int32.self) == -7)
        #expect(try row.decode("real", as: Double.self) == 3.25)
        #expect(try row.decode("yes", as: Bool.self))
        let decodedDate = try row.decode("at", as: Date.self)
        #expect(abs(decodedDate.timeIntervalSince(date)) < 0.000_001)
        #expect(try row.decode("id", as: UUID.self) == uuid)
        #expect(try row.decode("raw", as: Data.self) == bytes)
        #expect(try row.decode("doc", as: PostgresJSON<Payload>.self).value == Payload(name: "Jerusalem", count: 4))
        #expect(try row.decode("names", as: [String].self) == ["Berlin", "ירושלים", "a,b", "NULL"])
        #expect(try row.decode("numbers", as: [Int].self) == [1, 2, 3])
        #expect(try row.decode("nothing", as: String?.self) == nil)
        #expect(row.isNull("nothing"))
        #expect(try row.decode("holes", as: PostgresNullableArray<String>.self).elements == ["x", nil])
    }

    @Test func aTypeMismatchNamesTheColumn() throws {
        let connection = try TestPostgres.connect()
        let row = try #require(try connection.query("SELECT 'Berlin'::text AS city, NULL::int AS deaths").first)
        let mismatch = #expect(throws: PostgresError.self) { try row.decode("city", as: Int.self) }
        #expect(mismatch?.kind == .decoding)
        #expect(mismatch?.column == "city")
        #expect(mismatch?.description.contains("column \"city\"") == true)
        let null = #expect(throws: PostgresError.self) { try row.decode("deaths", as: Int.self) }
        #expect(null?.column == "deaths")
        #expect(null?.message.contains("NULL") == true)
        let missing = #expect(throws: PostgresError.self) { try row.decode("nope", as: Int.self) }
        #expect(missing?.column == "nope")
    }

    @Test func serverErrorsCarrySQLStateAndQueryButNotValues() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE people (name text PRIMARY KEY)")
        let secret = "Private Person"
        try connection.execute("INSERT INTO people VALUES (\(secret))")
        let duplicate = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO people VALUES (\(secret))")
        }
        #expect(duplicate?.kind == .server)
        #expect(duplicate?.sqlState == "23505")
        #expect(duplicate?.query == "INSERT INTO people VALUES ($1)")
        #expect(duplicate?.description.contains("QUERY: INSERT INTO people VALUES ($1)") == true)

        let syntax = #expect(throws: PostgresError.self) { try connection.execute("SELEKT 1") }
        #expect(syntax?.sqlState == "42601")
        #expect(syntax?.isTransient == false)
        // The connection is still usable after errors.
        #expect(try connection.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
    }

    @Test func aTransactionCommitsWhenTheClosureReturnsAndRollsBackWhenItThrows() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE t (n int)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction { transaction in
                try transaction.execute("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        let inserted = try connection.transaction { transaction in
            try transaction.execute("INSERT INTO t VALUES (\(2)), (\(3))")
        }
        #expect(inserted == 2)
        let rows = try connection.query("SELECT n FROM t ORDER BY n").rows.map { try $0.decode("n", as: Int.self) }
        #expect(rows == [2, 3])
        let nested = #expect(throws: PostgresError.self) {
            try connection.transaction { transaction in try transaction.transaction { _ in } }
        }
        #expect(nested?.kind == .misuse)
    }

    /// A ROLLBACK that a cancel or a statement timeout interrupted leaves the session in an aborted
    /// transaction; the next `transaction` must still work rather than fail with 25P02 forever.
    @Test func aTransactionLeftOpenByAnInterruptedRollbackDoesNotPoisonTheConnection() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE t (n int)")
        // What an interrupted ROLLBACK leaves behind: a session inside a failed transaction.
        try connection.executeScript("BEGIN")
        #expect(throws: PostgresError.self) { try connection.executeScript("SELECT 1/0") }
        let aborted = #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(aborted?.sqlState == "25P02")
        let inserted = try connection.transaction { transaction in try transaction.execute("INSERT INTO t VALUES (\(1))") }
        #expect(inserted == 1)
        #expect(try connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 1)
    }

    @Test func aNotificationArrivesWithinTheTimeoutAndASilentWaitTimesOut() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let listener = try Connection(conninfo)
        try listener.listen("chorus_bundles")
        let clock = ContinuousClock()
        var silence: [Postgres.Notification] = []
        let silent = try clock.measure {
            silence = try listener.waitForNotifications(timeout: .milliseconds(150))
        }
        #expect(silence.isEmpty)
        #expect(silent >= .milliseconds(140))

        let sent = Mutex<(any Error)?>(nil)
        let thread = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            do {
                try Connection(conninfo).notify("chorus_bundles", payload: "bundle 42")
            } catch {
                sent.withLock { $0 = error }
            }
        }
        thread.start()
        var received: [Postgres.Notification] = []
        let waited = try clock.measure {
            received = try listener.waitForNotifications(timeout: .seconds(10))
        }
        #expect(sent.withLock { $0 } == nil)
        #expect(received.map(\.payload) == ["bundle 42"])
        #expect(received.first?.channel == "chorus_bundles")
        #expect(waited < .seconds(5))
    }

    @Test func notificationsAreDeliveredOnCommitOnly() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let listener = try Connection(conninfo)
        try listener.listen("wake")
        let sender = try Connection(conninfo)
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try sender.transaction { transaction in
                try transaction.notify("wake", payload: "rolled back")
                throw Abort()
            }
        }
        try sender.transaction { transaction in try transaction.notify("wake", payload: "committed") }
        #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.payload) == ["committed"])
    }

    @Test func aBatchOfTenThousandRowsGoesInAsArrays() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE events (id bigint PRIMARY KEY, name text, payload jsonb)")
        let ids = Array(1...10_000)
        let names = ids.map { "event \($0) — ירושלים" }
        let payloads = ids.map { PostgresJSONText("{\"n\": \($0)}") }
        let inserted = try connection.execute("""
            INSERT INTO events (id, name, payload)
            SELECT * FROM unnest(\(ids), \(names), \(payloads)) ON CONFLICT DO NOTHING
            """)
        #expect(inserted == 10_000)
        // Idempotent: the same batch again inserts nothing.
        #expect(try connection.execute("""
            INSERT INTO events (id, name, payload) SELECT * FROM unnest(\(ids), \(names), \(payloads))
            ON CONFLICT DO NOTHING
            """) == 0)
        let row = try #require(try connection.query(
            "SELECT count(*) AS n, sum((payload->>'n')::int) AS total FROM events").first)
        #expect(try row.decode("n", as: Int.self) == 10_000)
        #expect(try row.decode("total", as: Int.self) == 50_005_000)
    }

    @Test func copyStreamsRowsWithEscapes() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TABLE copied (id bigint, note text)")
        let rows: [[String?]] = [["1", "tab\there"], ["2", "new\nline \\ backslash"], ["3", nil]]
        #expect(try connection.copyIn("COPY copied (id, note) FROM STDIN", rows: rows) == 3)
        let notes = try connection.query("SELECT note FROM copied ORDER BY id").rows.map { try $0.decode("note", as: String?.self) }
        #expect(notes == ["tab\there", "new\nline \\ backslash", nil])
    }

    @Test func aClientRunsItsConnectionOffTheCooperativePool() async throws {
        let client = PostgresClient(conninfo: try TestPostgres.makeDatabase(), label: "test")
        let count = try await client.withConnection { connection in
            try connection.query("SELECT count(*) AS n FROM generate_series(1, 100)").first?.decode("n", as: Int.self)
        }
        #expect(count == 100)
        await client.close()
    }

    @Test func aWrongAddressIsAConnectionFailure() throws {
        let error = #expect(throws: PostgresError.self) {
            try Connection("host=/nonexistent/chorus port=1 user=nobody password=s3cret dbname=x connect_timeout=2")
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.isTransient == true)
        #expect(error?.description.contains("s3cret") == false)
    }
}
