import Foundation
import Postgres

/// One person chorus reviews with: a login role in one of the groups of ``DatabaseRoles``.
public struct Reviewer: Sendable, Codable, Equatable {
    /// The role's name, which the audit records.
    public var name: String
    /// Their group.
    public var role: DatabaseRoles.Group
    /// Whether they can log in with a password (the console's login); `nil` when the schema's owner may
    /// not look (it is no superuser).
    public var hasPassword: Bool?
    /// Their console sessions that are live now.
    public var liveSessions: Int
}

/// The people who review: `chorus reviewers add|list|remove` over one connection, through the functions
/// of the console migration (`chorus.add_reviewer`, …), which refuse anything but a login role in the
/// reviewers' groups — so an admin grants what reviewing needs and nothing else.
public struct ReviewerStore {
    /// The connection, used on the caller's thread.
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// What ``add(_:as:password:)`` did.
    public enum Outcome: String, Sendable {
        /// A new reviewer.
        case added
        /// An existing reviewer's group (and password, when one was given) changed.
        case changed
    }

    /// Every reviewer, by name.
    public func list() throws -> [Reviewer] {
        try ReviewError.mapping {
            try connection.query("SELECT name, role, has_password, live_sessions FROM chorus.reviewers()").rows.map { row in
                Reviewer(name: try row.decode("name"), role: try row.decode("role", as: DatabaseRoles.Group.self),
                         hasPassword: try row.decode("has_password"), liveSessions: try row.decode("live_sessions"))
            }
        }
    }

    /// Adds `name` to `group`, or moves an existing reviewer there; with a password, it is stored as the
    /// SCRAM-SHA-256 verifier libpq computes here (the plain text never leaves this process).
    @discardableResult
    public func add(_ name: String, as group: DatabaseRoles.Group, password: String? = nil) throws -> Outcome {
        let verifier = try password.map { try connection.passwordVerifier($0, user: name) }
        return try ReviewError.mapping {
            let text = try connection.query("SELECT chorus.add_reviewer(\(name), \(group.rawValue), \(verifier)) AS outcome")
                .first?.decode("outcome", as: String.self)
            guard let outcome = text.flatMap(Outcome.init(rawValue:)) else {
                throw PostgresError(.decoding, message: "chorus.add_reviewer answered neither added nor changed", column: "outcome")
            }
            return outcome
        }
    }

    /// Removes a reviewer (their console sessions end); `false` when there is no such role.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        try ReviewError.mapping {
            try connection.query("SELECT chorus.remove_reviewer(\(name)) AS removed").first?.decode("removed", as: Bool.self) ?? false
        }
    }

    /// Whether the groups of Deploy/roles.sql exist on this server.
    public func rolesInstalled() throws -> Bool {
        let names = ["chorus_daemon", "chorus_reviewer", "chorus_editor", "chorus_admin", DatabaseRoles.consoleRole]
        return try connection.query("SELECT count(*) AS n FROM pg_roles WHERE rolname = ANY(\(names))")
            .first?.decode("n", as: Int.self) == names.count
    }

    /// Applies Deploy/roles.sql (``DatabaseRoles/script``): the groups and their grants. Needs the schema's
    /// owner or a superuser.
    public func installRoles() throws {
        try connection.executeScript(DatabaseRoles.script)
    }
}
