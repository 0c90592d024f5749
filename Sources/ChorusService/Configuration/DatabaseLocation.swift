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
    public static func resolve(
        option: String?, configuration: ChorusConfiguration, environment: [String: String]
    ) throws -> DatabaseLocation {
        if let option {
            return .server(conninfo: option, origin: "--database")
        }
        if let configured = configuration.database {
            return .server(conninfo: configured, origin: configuration.file?.path ?? "the configuration")
        }
        if let variable = libpqVariables.first(where: { !(environment[$0] ?? "").isEmpty }) {
            return .server(conninfo: "", origin: "$\(variable) and libpq's other environment variables")
        }
        let directory = StateDirectory.resolve(environment: environment).appendingPathComponent("postgres", isDirectory: true)
        return .embedded(try EmbeddedPostgres(directory: directory, environment: environment), database: embeddedDatabase)
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

    /// Connects, first creating and starting the embedded cluster (and its database) when that is where
    /// the database is.
    public func connect() throws -> Connection {
        switch self {
        case .server(let conninfo, _):
            return try Connection(conninfo)
        case .embedded(let cluster, let database):
            try cluster.ensureRunning()
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
}
