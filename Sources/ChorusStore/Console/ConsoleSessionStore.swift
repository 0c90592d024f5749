import Foundation
import Postgres

/// A live console session: whose it is and until when.
public struct ConsoleSession: Sendable, Equatable {
    public var id: Int
    /// The reviewer (their PostgreSQL role).
    public var reviewer: String
    /// It ends at this time, however active.
    public var expiresAt: Date
    /// It ends at this time unless the reviewer does something first.
    public var idleUntil: Date
}

/// The review console's sessions, kept in PostgreSQL (so that several console instances share them), on a
/// connection of the console's own role (`chorus_console`). The token itself stays with the browser; the
/// database keeps its SHA-256.
///
/// A reviewer's work runs in ``acting(as:token:_:)``: one transaction in which the connection takes the
/// reviewer's role and presents their token, so that PostgreSQL applies the reviewer's privileges and
/// records the reviewer in the audit — and refuses if the session is not live (`chorus.actor()`).
public struct ConsoleSessionStore {
    /// The connection, used on the caller's thread.
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Opens a session for `reviewer` (whose password the console has just had checked by PostgreSQL)
    /// under `token`; returns its id.
    @discardableResult
    public func open(token: String, reviewer: String, lifetime: Duration, idle: Duration) throws -> Int {
        try ReviewError.mapping {
            try connection.query("""
                SELECT chorus.console_open(\(token), \(reviewer), make_interval(secs => \(Self.seconds(lifetime))),
                                           make_interval(secs => \(Self.seconds(idle)))) AS id
                """).first?.decode("id", as: Int.self) ?? 0
        }
    }

    /// The live session of `token`, its idle time started again; `nil` when there is none (unknown,
    /// expired, idle too long, logged out, or its reviewer removed).
    public func resume(token: String) throws -> ConsoleSession? {
        try ReviewError.mapping {
            try connection.query("SELECT session_id, reviewer, expires_at, idle_until FROM chorus.console_resume(\(token))")
                .first.map(Self.session(_:))
        }
    }

    /// Runs `body` in one transaction as the reviewer of `token`'s live session, found and taken on in one
    /// statement: the session resumed (its idle time started again), the reviewer's role and token set for the
    /// transaction as ``acting(as:token:_:)`` sets them, and PostgreSQL's generic plans used for the
    /// transaction's statements. `body` gets `nil` — and runs with the console's own role — when there is no
    /// live session.
    ///
    /// For reading (the console's pages): two round trips fewer than ``resume(token:)`` and then
    /// ``acting(as:token:_:)``, and no planning at each page — the page statements' custom plans (the bundle
    /// summaries' `= ANY($1)`, the queue's optional filters) cost PostgreSQL more than running them
    /// (docs/BENCHMARKS.md, *Session 6*). The generic plans apply to this transaction only: a review action
    /// runs in ``acting(as:token:_:)``, whose workflow functions keep PostgreSQL's own choice.
    public func reading<T>(token: String, _ body: (ConsoleSession?, Connection) throws -> T) throws -> T {
        try connection.transaction { connection in
            let session = try ReviewError.mapping {
                try connection.query("""
                    SELECT r.session_id, r.reviewer, r.expires_at, r.idle_until,
                           set_config('role', r.reviewer, true) AS role,
                           set_config('chorus.console_session', \(token), true) AS token,
                           set_config('plan_cache_mode', 'force_generic_plan', true) AS plans
                    FROM chorus.console_resume(\(token)) r
                    """).first.map(Self.session(_:))
            }
            return try body(session, connection)
        }
    }

    static func session(_ row: Row) throws -> ConsoleSession {
        ConsoleSession(id: try row.decode("session_id"), reviewer: try row.decode("reviewer"),
                       expiresAt: try row.decode("expires_at"), idleUntil: try row.decode("idle_until"))
    }

    /// Logs out: ends the session of `token`; `false` when it had ended already.
    @discardableResult
    public func close(token: String) throws -> Bool {
        try connection.query("SELECT chorus.console_close(\(token)) AS closed").first?.decode("closed", as: Bool.self) ?? false
    }

    /// Runs `body` in one transaction as the session's reviewer: their role (`SET LOCAL ROLE`) for
    /// privileges, their token for `chorus.actor()`. Both end with the transaction.
    public func acting<T>(as session: ConsoleSession, token: String, _ body: (Connection) throws -> T) throws -> T {
        try connection.transaction { connection in
            _ = try connection.query("""
                SELECT set_config('role', \(session.reviewer), true), set_config('chorus.console_session', \(token), true)
                """)
            return try body(connection)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
