import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster in a directory of its own, reachable only through Unix sockets
/// (`listen_addresses = ''`): the database of `chorus` when none is configured, and the throwaway database
/// of the tests.
///
/// Access (``configureAccess()``, `pg_hba.conf` and `pg_ident.conf`, rewritten by chorus): every
/// operating-system user connects as the PostgreSQL role of the same name (peer authentication), so that
/// alice and bob on one machine are two reviewers; the cluster's owner (and root) also as the superuser
/// `chorus` and as `chorus_console`. There are two sockets: one in the data directory, which only the owner
/// can reach, and one in ``publicSocketDirectory`` beside it, for everyone else. The review console checks a
/// reviewer's password by logging in to the empty database ``loginDatabase`` — the one database where
/// passwords, not the operating-system user, decide.
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
        /// Who may connect, and as whom.
        public var access: Access

        public init(durable: Bool = true, superuser: String = "chorus", access: Access = .people) {
            self.durable = durable
            self.superuser = superuser
            self.access = access
        }
    }

    /// Who may connect to the cluster, and as whom (besides the password logins of ``loginDatabase``).
    public enum Access: Sendable {
        /// Every local user, through the public socket, as the role of their own name (peer authentication);
        /// the owner also as the superuser and the console's role. chorus's own clusters.
        case people
        /// Only the owner, through the socket in the data directory, as any role and without a password:
        /// a throwaway cluster for tests, whose roles stand in for people.
        case ownerOnly
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
    /// The cluster's superuser, which the owner connects as (``Options/superuser``).
    public var superuser: String { options.superuser }
    /// The empty database whose only use is checking a reviewer's password (`scram-sha-256` in pg_hba.conf).
    public static let loginDatabase = "chorus_login"
    /// The role the review console connects as.
    public static let consoleRole = "chorus_console"

    /// The socket directory every local user can reach (the data directory is the owner's alone): the
    /// data directory's name with `.sock`, beside it.
    public var publicSocketDirectory: URL {
        directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + ".sock", isDirectory: true)
    }

    /// Describes the cluster in `directory`; nothing is created or started yet.
    /// - Throws: ``EmbeddedPostgresError`` when no PostgreSQL server binaries are installed.
    public init(directory: URL, options: Options = Options(), environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.directory = directory.standardizedFileURL
        self.options = options
        self.binaries = try Self.findBinaries(environment: environment)
        self.serverAccount = try ServerAccount.resolve(environment: environment)
        let socket = publicSocketDirectory.path + "/.s.PGSQL.\(port)"
        if socket.utf8.count > 107 {
            throw EmbeddedPostgresError(
                "the socket path \(socket) is longer than a Unix socket path may be (107 bytes); "
                    + "choose a shorter state directory")
        }
    }

    private let serverAccount: ServerAccount?

    /// The conninfo for `database` on this cluster, as its superuser (or as `user`), through the owner's
    /// socket in the data directory.
    public func conninfo(database: String = "postgres", user: String? = nil) -> String {
        "host=\(ConnectionString.quote(directory.path)) port=\(port) user=\(ConnectionString.quote(user ?? options.superuser)) "
            + "dbname=\(ConnectionString.quote(database))"
    }

    /// The conninfo for `database` through the public socket, without a user: libpq takes the
    /// operating-system user's name, and peer authentication makes that the role — a person's own.
    public func personConninfo(database: String) -> String {
        "host=\(ConnectionString.quote(publicSocketDirectory.path)) port=\(port) dbname=\(ConnectionString.quote(database))"
    }

    /// Whether this process manages the cluster (creates, starts, stops, migrates it): it runs as root or as
    /// the owner of the data directory (or, before there is one, of the directory it goes into). Anyone
    /// else only connects, as themselves.
    public var isManagedByThisUser: Bool {
        if geteuid() == 0 { return true }
        var path = directory.path
        var info = stat()
        while stat(path, &info) != 0 {
            guard errno == ENOENT, path != "/" else { return false }
            path = (path as NSString).deletingLastPathComponent
        }
        return info.st_uid == geteuid()
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
        let reconfigured = try configureAccess()
        if !isRunning {
            try start()
            if outcome == .wasRunning { outcome = .started }
        } else if reconfigured {
            // pg_hba.conf and pg_ident.conf take effect on a reload; a new socket directory at the next start.
            _ = try run("pg_ctl", ["reload", "-D", directory.path, "-s"])
        }
        if outcome != .wasRunning || reconfigured { try ensureLoginDatabase() }
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
        var arguments = ["-D", directory.path, "-U", options.superuser, "--auth=peer", "--encoding=UTF8", "--locale=C"]
        if !options.durable { arguments.append("--no-sync") }
        let result = try run("initdb", arguments)
        guard result.status == 0 else {
            throw EmbeddedPostgresError("initdb failed in \(directory.path):\n\(result.output)")
        }
        try configureAccess()
    }

    // MARK: - Access

    /// The version of what ``configureAccess()`` writes; a cluster configured by an older chorus is
    /// rewritten (and its server reloaded) the next time a command starts or finds it.
    static let accessVersion = 2

    /// Writes chorus's part of the server's configuration — `chorus.conf` (included at the end of
    /// `postgresql.conf`: sockets only, both socket directories, the throwaway settings), `pg_hba.conf` and
    /// `pg_ident.conf` — when they are not what this version of chorus writes; returns whether it changed
    /// anything. A running server must reload (``ensureRunning()`` does) and, for a new socket directory,
    /// restart.
    @discardableResult
    public func configureAccess() throws -> Bool {
        let fileManager = FileManager.default
        let owner = try ownerOfDataDirectory()
        let publicSockets = publicSocketDirectory.path
        if options.access == .people, !fileManager.fileExists(atPath: publicSockets) {
            try fileManager.createDirectory(atPath: publicSockets, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o755])
        }
        if options.access == .people {
            _ = chmod(publicSockets, 0o755)
            _ = chown(publicSockets, owner.uid, owner.gid)
        }

        func quoted(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "''") + "'" }
        var settings = """
        # Written by chorus (access version \(Self.accessVersion)); rewritten when chorus changes it.
        # A private cluster, reachable only through its Unix sockets: one in the data directory for its owner,
        # one beside it for every local user (who connects as their own role: pg_hba.conf, pg_ident.conf).
        listen_addresses = ''
        unix_socket_directories = \(quoted(options.access == .people ? directory.path + ", " + publicSockets : directory.path))
        unix_socket_permissions = 0777
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
        var owners = ["root", owner.name]
        if let me = getpwuid(geteuid()).map({ String(cString: $0.pointee.pw_name) }), !owners.contains(me) { owners.append(me) }
        if let serverAccount, !owners.contains(serverAccount.name) { owners.append(serverAccount.name) }
        var identities = "# Written by chorus (access version \(Self.accessVersion)); rewritten when chorus changes it.\n"
            + "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n"
            + "# The cluster's owner: the superuser and the review console.\n"
        for name in owners {
            identities += "chorus  \(name)  \(options.superuser)\n"
            identities += "chorus  \(name)  \(Self.consoleRole)\n"
        }
        identities += "# Everyone else: the role of their own name (never a chorus_* role).\n"
        identities += "chorus  /^(?!chorus)(.*)$  \\1\n"
        let access = """
        # Written by chorus (access version \(Self.accessVersion)); rewritten when chorus changes it.
        # TYPE  DATABASE      USER  METHOD
        # The review console checks reviewers' passwords here: an empty database, for that alone.
        local   \(Self.loginDatabase)  all   scram-sha-256
        \(options.access == .people ? Self.peopleAccess : Self.ownerOnlyAccess)

        """
        var changed = false
        for (name, text) in [("chorus.conf", settings), ("pg_hba.conf", access), ("pg_ident.conf", identities)] {
            let url = directory.appendingPathComponent(name)
            if (try? String(contentsOf: url, encoding: .utf8)) == text { continue }
            try Data(text.utf8).write(to: url)
            _ = chown(url.path, owner.uid, owner.gid)
            _ = chmod(url.path, 0o600)
            changed = true
        }
        // postgresql.conf ends by including chorus.conf (clusters of older versions had the settings appended).
        let main = directory.appendingPathComponent("postgresql.conf")
        let include = "include_if_exists = 'chorus.conf'"
        let text = (try? String(contentsOf: main, encoding: .utf8)) ?? ""
        if !text.hasSuffix(include + "\n") {
            let handle = try FileHandle(forWritingTo: main)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("\n# Added by chorus: its settings, last so that they win.\n\(include)\n".utf8))
            changed = true
        }
        return changed
    }

    static let peopleAccess = """
        # Everything else: the operating-system user as the role of their own name; the owner also as the
        # superuser and chorus_console (pg_ident.conf).
        local   all           all   peer map=chorus
        """

    static let ownerOnlyAccess = """
        # A throwaway cluster: its socket is in the data directory, which only its owner reaches, as any role.
        local   all           all   trust
        """

    /// The account that owns the data directory (the server runs as it).
    private func ownerOfDataDirectory() throws -> (name: String, uid: uid_t, gid: gid_t) {
        var info = stat()
        guard stat(directory.path, &info) == 0 else {
            throw EmbeddedPostgresError("cannot read \(directory.path): \(String(cString: strerror(errno)))")
        }
        let name = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? String(info.st_uid)
        return (name, info.st_uid, info.st_gid)
    }

    /// Makes sure the login database exists (the console checks passwords there).
    func ensureLoginDatabase() throws {
        let admin = try Connection(conninfo())
        let exists = try admin.query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = \(Self.loginDatabase)) AS present")
            .first?.decode("present", as: Bool.self) ?? false
        guard !exists else { return }
        // Empty for good: since PostgreSQL 15 nobody but its owner may create anything in it.
        do {
            try admin.execute("CREATE DATABASE \(identifier: Self.loginDatabase)")
        } catch let error as PostgresError where error.sqlState == "42P04" || error.sqlState == "23505" {
            // Another chorus created it at the same moment.
        }
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
