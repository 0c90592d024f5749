import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster in a directory of its own, reachable only through a Unix socket in that
/// directory (`listen_addresses = ''`): the database of `chorus` when none is configured, and the
/// throwaway database of the tests.
///
/// The server binaries are found through `$CHORUS_POSTGRES_BIN`, `pg_config --bindir`,
/// `/usr/lib/postgresql/*/bin` (newest first) and `PATH`. `initdb` refuses to run as root, so when chorus
/// runs as root the cluster belongs to an unprivileged user (`postgres` if it exists, else `nobody`, or
/// `$CHORUS_POSTGRES_USER`) and every server command runs as that user through `setpriv`.
public struct EmbeddedPostgres: Sendable {
    /// How the cluster is set up.
    public struct Options: Sendable {
        /// Whether writes survive a power cut. Throwaway clusters turn `fsync` off, which is much faster.
        public var durable: Bool
        /// The cluster's superuser, which chorus connects as.
        public var superuser: String

        public init(durable: Bool = true, superuser: String = "chorus") {
            self.durable = durable
            self.superuser = superuser
        }
    }

    /// How to stop the server.
    public enum StopMode: String, Sendable {
        /// Disconnect clients, shut down cleanly.
        case fast
        /// Quit at once; the next start recovers from the WAL.
        case immediate
    }

    /// The data directory; the server's socket lives in it too.
    public let directory: URL
    /// Where `initdb`, `pg_ctl` and `postgres` are.
    public let binaries: URL
    public let options: Options
    /// The port number, which names the socket file (`.s.PGSQL.5432`); nothing listens on TCP.
    public let port = 5432

    /// Describes the cluster in `directory`; nothing is created or started yet.
    /// - Throws: ``EmbeddedPostgresError`` when no PostgreSQL server binaries are installed.
    public init(directory: URL, options: Options = Options(), environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.directory = directory.standardizedFileURL
        self.options = options
        self.binaries = try Self.findBinaries(environment: environment)
        self.serverAccount = try ServerAccount.resolve(environment: environment)
        let socket = self.directory.path + "/.s.PGSQL.\(port)"
        if socket.utf8.count > 107 {
            throw EmbeddedPostgresError(
                "the socket path \(socket) is longer than a Unix socket path may be (107 bytes); "
                    + "choose a shorter state directory")
        }
    }

    private let serverAccount: ServerAccount?

    /// The conninfo for `database` on this cluster, as its superuser.
    public func conninfo(database: String = "postgres") -> String {
        "host=\(ConnectionString.quote(directory.path)) port=\(port) user=\(ConnectionString.quote(options.superuser)) "
            + "dbname=\(ConnectionString.quote(database))"
    }

    /// Whether `initdb` has run in ``directory``.
    public var isInitialized: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("PG_VERSION").path)
    }

    /// Whether the server is running (`pg_ctl status`).
    public var isRunning: Bool {
        guard isInitialized else { return false }
        return (try? run("pg_ctl", ["status", "-D", directory.path]).status) == 0
    }

    /// What ``ensureRunning()`` had to do, so that a command can say so when it started a server.
    public enum StartOutcome: Sendable, Equatable {
        /// The server was running already.
        case wasRunning
        /// The cluster existed and its server was started.
        case started
        /// The cluster was created (`initdb`) and its server started.
        case created
    }

    /// Creates the cluster when it does not exist and starts it when it is not running; safe to call from
    /// several processes at once (they take turns through a lock file beside the directory).
    @discardableResult
    public func ensureRunning() throws -> StartOutcome {
        let parent = directory.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let lockPath = parent.appendingPathComponent(".\(directory.lastPathComponent).lock").path
        let lock = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else {
            throw EmbeddedPostgresError("cannot open the lock file \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError("cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
        }
        var outcome = StartOutcome.wasRunning
        if !isInitialized {
            try initialize()
            outcome = .created
        }
        if !isRunning {
            try start()
            if outcome == .wasRunning { outcome = .started }
        }
        return outcome
    }

    /// Runs `initdb` in ``directory`` and configures the cluster for socket-only access.
    public func initialize() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
        if let serverAccount {
            guard chown(directory.path, serverAccount.uid, serverAccount.gid) == 0 else {
                throw EmbeddedPostgresError("cannot give \(directory.path) to user \(serverAccount.name): \(String(cString: strerror(errno)))")
            }
            try serverAccount.checkCanReach(directory)
        }
        var arguments = ["-D", directory.path, "-U", options.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C"]
        if !options.durable { arguments.append("--no-sync") }
        let result = try run("initdb", arguments)
        guard result.status == 0 else {
            throw EmbeddedPostgresError("initdb failed in \(directory.path):\n\(result.output)")
        }
        var settings = """

        # Added by chorus: a private cluster, reachable only through the Unix socket in its own directory.
        listen_addresses = ''
        unix_socket_directories = '\(directory.path.replacingOccurrences(of: "'", with: "''"))'
        unix_socket_permissions = 0700
        port = \(port)
        max_connections = 100

        """
        if !options.durable {
            settings += """
            # A throwaway cluster: speed over durability.
            fsync = off
            synchronous_commit = off
            full_page_writes = off

            """
        }
        let configuration = directory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: configuration)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
    }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        let log = directory.appendingPathComponent("server.log").path
        let result = try run("pg_ctl", ["start", "-D", directory.path, "-l", log, "-w", "-t", "60", "-s"])
        guard result.status == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?
                .split(separator: "\n").suffix(8).joined(separator: "\n") ?? ""
            throw EmbeddedPostgresError("the PostgreSQL server in \(directory.path) did not start:\n\(result.output)\(tail)")
        }
    }

    /// Stops the server and waits until it is gone.
    public func stop(_ mode: StopMode = .fast) throws {
        guard isInitialized else { return }
        let result = try run("pg_ctl", ["stop", "-D", directory.path, "-m", mode.rawValue, "-w", "-t", "60", "-s"])
        guard result.status == 0 || !isRunning else {
            throw EmbeddedPostgresError("the PostgreSQL server in \(directory.path) did not stop:\n\(result.output)")
        }
    }

    // MARK: - Processes

    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let executable = binaries.appendingPathComponent(tool).path
        var command = [executable] + arguments
        if let serverAccount {
            command = [ServerAccount.setpriv, "--reuid=\(serverAccount.uid)", "--regid=\(serverAccount.gid)",
                       "--clear-groups", "--"] + command
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        for variable in ["PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS"] { environment[variable] = nil }
        return try ServerCommand.run(command, environment: environment)
    }

    static func findBinaries(environment: [String: String]) throws -> URL {
        let fileManager = FileManager.default
        func hasServer(_ directory: String) -> Bool {
            ["initdb", "pg_ctl", "postgres"].allSatisfy { fileManager.isExecutableFile(atPath: directory + "/" + $0) }
        }
        if let configured = environment["CHORUS_POSTGRES_BIN"], !configured.isEmpty {
            guard hasServer(configured) else {
                throw EmbeddedPostgresError("CHORUS_POSTGRES_BIN=\(configured) does not hold initdb, pg_ctl and postgres")
            }
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        var candidates: [String] = []
        if let bindir = pgConfigBindir(environment: environment) { candidates.append(bindir) }
        if let versions = try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            let sorted = versions.sorted { (Int($0) ?? 0, $0) > (Int($1) ?? 0, $1) }
            candidates += sorted.map { "/usr/lib/postgresql/\($0)/bin" }
        }
        candidates += (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        guard let found = candidates.first(where: hasServer) else {
            throw EmbeddedPostgresError(
                "no PostgreSQL server found (looked for initdb, pg_ctl and postgres in pg_config --bindir, "
                    + "/usr/lib/postgresql/*/bin and PATH); install it (Debian/Ubuntu: apt-get install postgresql) "
                    + "or configure a database with --database")
        }
        return URL(fileURLWithPath: found, isDirectory: true)
    }

    private static func pgConfigBindir(environment: [String: String]) -> String? {
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { $0 + "/pg_config" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path, let result = try? ServerCommand.run([path, "--bindir"], environment: environment),
              result.status == 0 else { return nil }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The unprivileged account that runs the server when chorus runs as root.
struct ServerAccount: Sendable {
    static let setpriv = "/usr/bin/setpriv"

    let name: String
    let uid: uid_t
    let gid: gid_t

    /// `nil` when chorus does not run as root (the server then runs as chorus's own user).
    static func resolve(environment: [String: String]) throws -> ServerAccount? {
        guard geteuid() == 0 else { return nil }
        let names = environment["CHORUS_POSTGRES_USER"].map { [$0] } ?? ["postgres", "nobody"]
        for name in names {
            guard let entry = getpwnam(name) else { continue }
            guard entry.pointee.pw_uid != 0 else {
                throw EmbeddedPostgresError("the PostgreSQL server cannot run as \(name): it is root")
            }
            guard FileManager.default.isExecutableFile(atPath: setpriv) else {
                throw EmbeddedPostgresError("running as root needs \(setpriv) (util-linux) to start PostgreSQL as \(name)")
            }
            return ServerAccount(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
        }
        throw EmbeddedPostgresError(
            "chorus runs as root, and initdb refuses root: create a user for the server (e.g. 'postgres') "
                + "or name one in CHORUS_POSTGRES_USER")
    }

    /// The server needs to reach its directory through every parent.
    func checkCanReach(_ directory: URL) throws {
        var path = directory.deletingLastPathComponent().path
        while path != "/" && !path.isEmpty {
            var info = stat()
            if stat(path, &info) == 0 {
                let mode = info.st_mode
                let reachable = (info.st_uid == uid && mode & S_IXUSR != 0)
                    || (info.st_gid == gid && mode & S_IXGRP != 0) || mode & S_IXOTH != 0
                if !reachable {
                    throw EmbeddedPostgresError(
                        "user \(name), which runs the PostgreSQL server, cannot reach \(directory.path) because "
                            + "\(path) is closed to it; choose a state directory it can reach (STATE_DIRECTORY)")
                }
            }
            path = (path as NSString).deletingLastPathComponent
        }
    }
}

/// Why the embedded PostgreSQL cluster could not be found, created, started or stopped.
public struct EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the server's own words where it gave any.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
