import ChorusStore
import Foundation
import Postgres

/// Where the queue's database is, by the rule of PRODUCT.md §3: `--database`, else the configuration file,
/// else libpq's environment variables when any is set, else the embedded cluster under the state directory.
public enum DatabaseLocation: Sendable {
    /// A server named by a conninfo string or URL (empty: libpq's environment variables).
    case server(conninfo: String, origin: String)
    /// chorus's own cluster; `database` is the database inside it.
    case embedded(EmbeddedPostgres, database: String)

    /// The name of the database chorus uses inside its embedded cluster.
    public static let embeddedDatabase = "chorus"

    /// The environment variables that, when set, mean "use libpq's environment".
    public static let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]

    /// Decides where the database is; creates and starts nothing.
    /// - Throws: ``ConfigurationError`` with libpq's own (redacted) reason when a connection string is one
    ///   libpq cannot read — a mistake to fix, not a server that "cannot be reached".
    public static func resolve(
        option: String?, configuration: ChorusConfiguration, environment: [String: String]
    ) throws -> DatabaseLocation {
        func checked(_ conninfo: String, origin: String, file: String?) throws -> DatabaseLocation {
            do {
                _ = try ConnectionString.parse(conninfo)
            } catch let error as ConnectionString.ParseError {
                throw ConfigurationError(file: file, "\(file == nil ? origin + ": " : "database: ")\(error)")
            }
            return .server(conninfo: conninfo, origin: origin)
        }
        if let option {
            return try checked(option, origin: "--database", file: nil)
        }
        if let configured = configuration.database {
            return try checked(configured, origin: configuration.file?.path ?? "the configuration", file: configuration.file?.path)
        }
        if let variable = libpqVariables.first(where: { !(environment[$0] ?? "").isEmpty }) {
            return .server(conninfo: "", origin: "$\(variable) and libpq's other environment variables")
        }
        return .embedded(try embeddedCluster(environment: environment), database: embeddedDatabase)
    }

    /// chorus's own cluster: `postgres/` in the state directory, whether or not it is the one in use.
    public static func embeddedCluster(environment: [String: String]) throws -> EmbeddedPostgres {
        let directory = StateDirectory.resolve(environment: environment).appendingPathComponent("postgres", isDirectory: true)
        return try EmbeddedPostgres(directory: directory, environment: environment)
    }

    /// Where the database is, for people (passwords redacted).
    public var summary: String {
        switch self {
        case .server(let conninfo, let origin):
            conninfo.isEmpty ? "libpq environment (\(origin))" : "\(ConnectionString.redacted(conninfo)) (from \(origin))"
        case .embedded(let cluster, let database):
            "embedded cluster in \(cluster.directory.path), database \(database)"
        }
    }

    /// Whom a command's connection is for, on the embedded cluster (a configured database's conninfo says
    /// whom, whatever is asked).
    public enum Identity: Sendable {
        /// The cluster's owner: the superuser `chorus` (the pipeline, migrations, the operator's commands).
        case owner
        /// The person at the terminal: the PostgreSQL role of their operating-system user's name (peer
        /// authentication) — a named reviewer — or, for the owner when they have no such role, the superuser.
        case person
    }

    /// Connects, first creating and starting the embedded cluster (and its database) when that is where
    /// the database is and this user manages it. `notice` hears, once, that a server was created or started:
    /// it keeps running after the command, and a person should know that.
    public func connect(as identity: Identity = .owner, notice: (String) -> Void = { _ in }) throws -> Connection {
        switch self {
        case .server(let conninfo, _):
            return try Connection(conninfo)
        case .embedded(let cluster, let database):
            guard cluster.isManagedByThisUser else {
                // Someone else's cluster (the service's, on a shared machine): connect as oneself, or explain.
                do {
                    return try Connection(cluster.personConninfo(database: database))
                } catch let error as PostgresError where error.kind == .connectionFailed {
                    throw PostgresError(.connectionFailed, message: "the embedded cluster in \(cluster.directory.path) belongs to another "
                        + "user, who starts it; on it you act as yourself, and an admin adds you with 'chorus reviewers add "
                        + "\(Self.userName) --role editor' (\(error.message))")
                }
            }
            let keepsRunning = "it keeps running for the next commands ('chorus embedded stop' stops it)"
            switch try cluster.ensureRunning() {
            case .created: notice("created the embedded PostgreSQL cluster in \(cluster.directory.path) and started it; \(keepsRunning)")
            case .started: notice("started the embedded PostgreSQL cluster in \(cluster.directory.path); \(keepsRunning)")
            case .wasRunning: break
            }
            if identity == .person, let connection = try? Connection(cluster.personConninfo(database: database)) {
                return connection
            }
            do {
                return try Connection(cluster.conninfo(database: database))
            } catch let error as PostgresError where error.kind == .connectionFailed {
                // libpq gives a refused connection no SQLSTATE: ask the server whether the database exists.
                let admin = try Connection(cluster.conninfo())
                let exists = try admin.query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = \(database)) AS present")
                    .first?.decode("present", as: Bool.self) ?? false
                guard !exists else { throw error }
                do {
                    try admin.execute("CREATE DATABASE \(identifier: database)")
                } catch let error as PostgresError where error.sqlState == "42P04" || error.sqlState == "23505" {
                    // Another chorus created it at the same moment.
                }
                return try Connection(cluster.conninfo(database: database))
            }
        }
    }

    /// Connects for work on the queue: ``connect(as:notice:)``, then ``prepareSchema(of:notice:)`` — on the
    /// embedded cluster through the owner's connection when the person at the terminal is someone else.
    public func open(as identity: Identity = .owner, notice: (String) -> Void = { _ in }) throws -> Connection {
        let connection = try connect(as: identity, notice: notice)
        try prepareSchema(for: connection, notice: notice)
        return connection
    }

    /// ``prepareSchema(of:notice:)`` for the work of `connection`: on the embedded cluster, when it is a
    /// person's and this user manages the cluster, through an owner's connection (a person may not migrate).
    public func prepareSchema(for connection: Connection, notice: (String) -> Void = { _ in }) throws {
        if case .embedded(let cluster, _) = self, connection.user != cluster.superuser, cluster.isManagedByThisUser {
            try prepareSchema(of: try connect(as: .owner, notice: notice), notice: notice)
        } else {
            try prepareSchema(of: connection, notice: notice)
        }
    }

    /// The operating-system user's name (what peer authentication compares with the role).
    public static var userName: String {
        getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? String(geteuid())
    }

    /// Where the review console connects as its own role (`chorus_console`): the configured database with
    /// that user, or the embedded cluster's owner socket (the console runs as the cluster's owner).
    public func consoleConninfo() throws -> String {
        switch self {
        case .server(let conninfo, _):
            return try ConnectionString.replacing(["user": EmbeddedPostgres.consoleRole], in: conninfo)
        case .embedded(let cluster, let database):
            return cluster.conninfo(database: database, user: EmbeddedPostgres.consoleRole)
        }
    }

    /// Where the console checks a reviewer's password by logging in as them: the configured database, or the
    /// embedded cluster's login database (the one place its pg_hba.conf asks for passwords).
    public func loginConninfo(user: String, password: String) throws -> String {
        switch self {
        case .server(let conninfo, _):
            return try ConnectionString.replacing(["user": user, "password": password], in: conninfo)
        case .embedded(let cluster, _):
            return try ConnectionString.replacing(["user": user, "password": password],
                                                  in: cluster.personConninfo(database: EmbeddedPostgres.loginDatabase))
        }
    }

    /// Makes sure the schema is one this build works with, before a command uses the queue. The embedded
    /// database is chorus's own: its schema is brought up to date here (and the roles of Deploy/roles.sql
    /// with it), and `notice` hears what was applied. A configured database belongs to its operator: its schema is only checked, and one that is
    /// behind is an error that says to run `chorus migrate`.
    /// - Throws: ``SchemaError`` (exit 78), ``PostgresError``.
    public func prepareSchema(of connection: Connection, notice: (String) -> Void = { _ in }) throws {
        let migrator = Migrator()
        guard case .embedded = self else {
            try migrator.requireCurrent(connection)
            return
        }
        let before = try migrator.schemaVersion(connection)
        if before > migrator.latestVersion {
            throw SchemaError.newerThanThisBuild(database: before, known: migrator.latestVersion)
        }
        let people = ReviewerStore(connection: connection)
        guard before < migrator.latestVersion else {
            if try !people.rolesInstalled() { try people.installRoles() }
            return
        }
        // Concurrent commands take turns in `migrate`; whoever comes second finds nothing left to apply.
        let applied = try migrator.migrate(connection)
        if !applied.isEmpty {
            notice("brought the embedded database's schema from version \(before) to \(migrator.latestVersion) "
                   + "(applied " + applied.map { "\($0.version) \($0.name)" }.joined(separator: ", ") + ")")
        }
        // The embedded cluster is chorus's own: its roles (Deploy/roles.sql) follow the schema.
        try people.installRoles()
    }
}
