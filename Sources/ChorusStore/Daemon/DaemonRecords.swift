import Foundation
import Postgres

/// What the daemon itself writes and reads beside the queue: its heartbeat row (migration 3), read by
/// `chorus status` through ``StoreSnapshot``, and a source's committed cursor.
public enum DaemonRecords {
    /// One heartbeat of a `chorus run` instance.
    public struct Heartbeat: Sendable {
        public var instance: String
        public var host: String
        public var pid: Int
        public var startedAt: Date
        public var phase: String
        public var ruleSetVersion: String
        public var status: String
        /// `{source: SourceState}`, as JSON.
        public var sourcesJSON: String

        public init(instance: String, host: String, pid: Int, startedAt: Date, phase: String, ruleSetVersion: String,
                    status: String, sourcesJSON: String) {
            self.instance = instance
            self.host = host
            self.pid = pid
            self.startedAt = startedAt
            self.phase = phase
            self.ruleSetVersion = ruleSetVersion
            self.status = status
            self.sourcesJSON = sourcesJSON
        }
    }

    /// Inserts or refreshes the instance's row, `heartbeat_at` the server's `now()`.
    public static func beat(_ beat: Heartbeat, on connection: Connection) throws {
        try connection.execute("""
            INSERT INTO chorus.daemon_instances (instance, host, pid, started_at, heartbeat_at, phase, ruleset_version, status, sources)
            VALUES (\(beat.instance), \(beat.host), \(beat.pid), \(beat.startedAt), now(), \(beat.phase), \(beat.ruleSetVersion),
                    \(beat.status), \(beat.sourcesJSON)::jsonb)
            ON CONFLICT (instance) DO UPDATE SET heartbeat_at = now(), phase = EXCLUDED.phase,
                ruleset_version = EXCLUDED.ruleset_version, status = EXCLUDED.status, sources = EXCLUDED.sources
            """)
    }

    /// The source's committed cursor as JSON, `nil` before its first commit.
    public static func cursor(of source: String, on connection: Connection) throws -> String? {
        try connection.query("SELECT cursor::text AS cursor FROM chorus.source_cursors WHERE source = \(source)")
            .first?.decode("cursor", as: String.self)
    }
}
