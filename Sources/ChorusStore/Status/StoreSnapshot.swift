import Foundation
import Postgres

/// What `chorus status` reads from the database, in one place (SQL on `chorus.*` lives in ChorusStore):
/// the server, the schema, the daemons' heartbeat rows, the cursors, the queue and the held incidents.
public struct StoreSnapshot: Sendable {
    /// One `chorus run` instance's heartbeat row (migration 3).
    public struct DaemonRow: Sendable {
        public var instance: String
        public var phase: String
        public var heartbeatAgeSeconds: Double
        public var ruleSetVersion: String
        public var status: String
        /// `{source: SourceState}` as the daemon wrote it.
        public var sourcesJSON: String
    }

    /// A source's committed cursor.
    public struct Cursor: Sendable {
        public var source: String
        public var updatedAt: Date
        public var lagSeconds: Double
    }

    public var serverVersion: String?
    /// Why the database takes no writes (a standby in recovery, read-only by default), `nil` when it does.
    public var readOnly: String?
    public var schemaVersion: Int
    public var migrations: [String]
    public var daemons: [DaemonRow] = []
    public var cursors: [Cursor] = []
    public var drafts: [String: Int] = [:]
    public var bundles = 0
    public var rejectedInputs = 0
    public var lastRejection: String?
    /// Incidents held until corroborated (migration 9), `nil` before it.
    public var held: HeldSummary?

    /// Reads everything; a schema not created yet gives the server and nothing else.
    public static func read(_ connection: Connection) throws -> StoreSnapshot {
        let server = try connection.query("""
            SELECT current_setting('server_version') AS version, pg_is_in_recovery() AS recovery,
                   current_setting('transaction_read_only') AS read_only
            """).first
        let readOnly: String?
        if try server?.decode("recovery", as: Bool.self) == true {
            readOnly = "a standby in recovery"
        } else if try server?.decode("read_only", as: String.self) == "on" {
            readOnly = "read-only by default (default_transaction_read_only)"
        } else {
            readOnly = nil
        }
        let applied = try Migrator().appliedMigrations(connection)
        var snapshot = StoreSnapshot(serverVersion: try server?.decode("version", as: String.self), readOnly: readOnly,
                                     schemaVersion: applied.last?.version ?? 0,
                                     migrations: applied.map { "\($0.version) \($0.name)" })
        guard snapshot.schemaVersion >= 1 else { return snapshot }
        if snapshot.schemaVersion >= 3 {
            snapshot.daemons = try connection.query("""
                SELECT instance, phase, extract(epoch FROM now() - heartbeat_at)::float8 AS age, ruleset_version,
                       status, sources::text AS sources
                FROM chorus.daemon_instances
                WHERE heartbeat_at > now() - interval '1 day'
                ORDER BY heartbeat_at DESC
                """).rows.map { row in
                DaemonRow(instance: try row.decode("instance"), phase: try row.decode("phase"),
                          heartbeatAgeSeconds: try row.decode("age"), ruleSetVersion: try row.decode("ruleset_version"),
                          status: try row.decode("status"), sourcesJSON: try row.decode("sources"))
            }
        }
        snapshot.cursors = try connection.query("""
            SELECT source, updated_at, extract(epoch FROM now() - updated_at)::float8 AS lag
            FROM chorus.source_cursors ORDER BY source
            """).rows.map { row in
            Cursor(source: try row.decode("source"), updatedAt: try row.decode("updated_at"), lagSeconds: try row.decode("lag"))
        }
        for row in try connection.query("SELECT state, count(*) AS n FROM chorus.drafts GROUP BY state").rows {
            snapshot.drafts[try row.decode("state")] = try row.decode("n", as: Int.self)
        }
        let counts = try connection.query("""
            SELECT (SELECT count(*) FROM chorus.bundles) AS bundles,
                   (SELECT count(*) FROM chorus.rejected_inputs) AS rejected,
                   (SELECT source || ': ' || reason FROM chorus.rejected_inputs ORDER BY id DESC LIMIT 1) AS last
            """).first
        snapshot.bundles = try counts?.decode("bundles") ?? 0
        snapshot.rejectedInputs = try counts?.decode("rejected") ?? 0
        snapshot.lastRejection = try counts?.decode("last")
        if applied.contains(where: { $0.name == Migrations.corroboration.name }) {
            snapshot.held = try CorroborationStore(connection: connection).summary()
        }
        return snapshot
    }
}
