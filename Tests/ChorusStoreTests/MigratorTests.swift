import Foundation
import Synchronization
import Testing
import ChorusStore
import Postgres
import TestSupport

/// Migrations against a real server: idempotent, safe when run concurrently, and the schema's guarantees hold.
struct MigratorTests {
    @Test func migrationsAreNumberedWithoutGaps() {
        #expect(Migrations.all.map(\.version) == Array(1...Migrations.all.count))
        #expect(Set(Migrations.all.map(\.name)).count == Migrations.all.count)
    }

    @Test func migratingTwiceAppliesEverythingOnce() throws {
        let connection = try TestPostgres.connect()
        let migrator = Migrator()
        #expect(try migrator.appliedMigrations(connection).isEmpty)
        let first = try migrator.migrate(connection)
        #expect(first.map(\.version) == Migrations.all.map(\.version))
        #expect(try migrator.migrate(connection).isEmpty)
        #expect(try migrator.appliedMigrations(connection).map(\.version) == Migrations.all.map(\.version))
    }

    @Test func concurrentMigratorsTakeTurns() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let outcomes = Mutex<[Result<Int, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let outcome = Result { try Migrator().migrate(try Connection(conninfo)).count }
            outcomes.withLock { $0.append(outcome) }
        }
        let counts = try outcomes.withLock { $0 }.map { try $0.get() }
        #expect(counts.sorted() == [0, 0, 0, Migrations.all.count])
    }

    @Test func aDatabaseFromANewerChorusIsRefused() throws {
        let connection = try TestPostgres.connect()
        try Migrator().migrate(connection)
        try connection.execute("INSERT INTO chorus.schema_migrations (version, name) VALUES (\(999), \("from_the_future"))")
        let error = #expect(throws: SchemaError.self) { try Migrator().migrate(connection) }
        #expect(error == .newerThanThisBuild(database: 999, known: Migrator().latestVersion))
    }

    @Test func aFailingMigrationRollsBackAloneAndLeavesNoBookkeepingRow() throws {
        let connection = try TestPostgres.connect()
        let broken = Migrator(migrations: Migrations.all + [
            Migration(version: Migrations.all.count + 1, name: "broken", sql: "CREATE TABLE chorus.half (n int); SELEKT 1"),
        ])
        let error = #expect(throws: PostgresError.self) { try broken.migrate(connection) }
        #expect(error?.sqlState == "42601")
        #expect(try Migrator().appliedMigrations(connection).count == Migrations.all.count)
        let half = try connection.query("SELECT to_regclass('chorus.half') IS NULL AS absent").first
        #expect(try half?.decode("absent", as: Bool.self) == true)
    }

    @Test func theDatabaseRefusesToReleaseADrillDraft() throws {
        let connection = try TestPostgres.connect()
        try Migrator().migrate(connection)
        let event = try #require(try connection.query("""
            INSERT INTO chorus.events (source, event_id, version, kind, status, msg_type, payload)
            VALUES ('drill', 'jerusalem-2017', '', 'terror_attack', 'exercise', 'alert', '{}')
            RETURNING id
            """).first).decode("id", as: Int.self)
        let bundle = try #require(try connection.query("""
            INSERT INTO chorus.bundles (rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill, release_policy)
            VALUES ('deadly-attack', 'v1', \(event), 'k', 'k', true, 'all') RETURNING id
            """).first).decode("id", as: Int.self)
        let draft = try #require(try connection.query("""
            INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, weighted_length,
                                       length_limit, is_drill, ruleset_version)
            VALUES (\(bundle), \(event), 'de-mfa', 'x', 'de', '[ÜBUNG] …', 10, 280, true, 'v1') RETURNING id
            """).first).decode("id", as: Int.self)
        let refused = #expect(throws: PostgresError.self) {
            try connection.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE id = \(draft)")
        }
        #expect(refused?.sqlState == "23514")
        // The contract key: one live draft per participant, channel and language.
        let duplicate = #expect(throws: PostgresError.self) {
            try connection.execute("""
                INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, weighted_length,
                                           length_limit, is_drill, ruleset_version)
                VALUES (\(bundle), \(event), 'de-mfa', 'x', 'de', 'again', 5, 280, true, 'v1')
                """)
        }
        #expect(duplicate?.sqlState == "23505")
    }

    @Test func anInsertIntoTheInboxWakesListeners() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let listener = try Connection(conninfo)
        try Migrator().migrate(listener)
        try listener.listen("chorus_inbox")
        try Connection(conninfo).execute("INSERT INTO chorus.inbox (document) VALUES (\("{\"id\": \"x\"}"))")
        #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == ["chorus_inbox"])
    }
}
