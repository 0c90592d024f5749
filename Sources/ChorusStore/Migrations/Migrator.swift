import Foundation
import Postgres

/// Brings a database's `chorus` schema up to date.
///
/// Concurrent migrators take turns through a PostgreSQL advisory lock; each pending migration runs in its
/// own transaction together with its row in `chorus.schema_migrations`, so a crash leaves the schema at
/// a version that exists, and a second `chorus migrate` has nothing to do.
public struct Migrator: Sendable {
    /// The advisory lock key migrators share ("chorus" in ASCII).
    public static let lockKey: Int64 = 0x63_68_6F_72_75_73

    /// The known migrations, oldest first.
    public let migrations: [Migration]

    /// - Precondition: `migrations` are numbered 1, 2, … without gaps (checked by the tests of `Migrations.all`).
    public init(migrations: [Migration] = Migrations.all) {
        self.migrations = migrations
    }

    /// The newest version this build knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every pending migration and returns those it applied (empty when the schema was current).
    /// - Throws: ``SchemaError/newerThanThisBuild`` when the database was migrated by a newer chorus;
    ///   ``PostgresError`` when a statement fails (that migration is rolled back, earlier ones stay).
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try connection.executeScript("""
            CREATE SCHEMA IF NOT EXISTS chorus;
            CREATE TABLE IF NOT EXISTS chorus.schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        let applied = Set(try appliedMigrations(connection).map(\.version))
        if let newest = applied.max(), newest > latestVersion {
            throw SchemaError.newerThanThisBuild(database: newest, known: latestVersion)
        }
        var done: [Migration] = []
        for migration in migrations where !applied.contains(migration.version) {
            try connection.transaction { transaction in
                try transaction.executeScript(migration.sql)
                try transaction.execute("""
                    INSERT INTO chorus.schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))
                    """)
            }
            done.append(migration)
        }
        return done
    }

    /// The newest migration recorded in the database; 0 when chorus never migrated it.
    public func schemaVersion(_ connection: Connection) throws -> Int {
        try appliedMigrations(connection).last?.version ?? 0
    }

    /// Checks, before a command uses the queue, that the schema is the one this build works with.
    /// - Throws: ``SchemaError/behind(database:required:)`` or ``SchemaError/newerThanThisBuild(database:known:)``.
    public func requireCurrent(_ connection: Connection) throws {
        let version = try schemaVersion(connection)
        if version < latestVersion { throw SchemaError.behind(database: version, required: latestVersion) }
        if version > latestVersion { throw SchemaError.newerThanThisBuild(database: version, known: latestVersion) }
    }

    /// The migrations recorded in the database, oldest first; empty when chorus never migrated it.
    public func appliedMigrations(_ connection: Connection) throws -> [AppliedMigration] {
        let exists = try connection.query("SELECT to_regclass('chorus.schema_migrations') IS NOT NULL AS present")
            .first?.decode("present", as: Bool.self) ?? false
        guard exists else { return [] }
        return try connection.query("SELECT version, name, applied_at FROM chorus.schema_migrations ORDER BY version")
            .rows.map { row in
                AppliedMigration(
                    version: try row.decode("version", as: Int.self), name: try row.decode("name", as: String.self),
                    appliedAt: try row.decode("applied_at", as: Date.self))
            }
    }
}

/// A migration recorded in `chorus.schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let appliedAt: Date
}

/// The schema is not one this build of chorus can work with.
public enum SchemaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The database was migrated by a newer chorus; this one must not touch it.
    case newerThanThisBuild(database: Int, known: Int)
    /// The database has not been migrated (far enough) for this build.
    case behind(database: Int, required: Int)

    public var description: String {
        switch self {
        case .newerThanThisBuild(let database, let known):
            "the database schema is at version \(database), newer than this chorus knows (\(known)); upgrade chorus"
        case .behind(0, let required):
            "the database has no chorus schema (this chorus needs version \(required)); run 'chorus migrate' "
                + "with the same --database or --config, as the schema's owner"
        case .behind(let database, let required):
            "the database schema is at version \(database) but this chorus needs \(required); run 'chorus migrate' "
                + "with the same --database or --config, as the schema's owner"
        }
    }
}
