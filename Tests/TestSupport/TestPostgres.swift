import Foundation
import Synchronization
import Postgres

/// The PostgreSQL server of a test run: a throwaway cluster that the first test to need it starts
/// (fsync off, in a temporary directory) and that is stopped and removed when the test process exits —
/// unless `CHORUS_TEST_DATABASE_URL` names a server to use instead.
///
/// Each test asks for a database of its own (``makeDatabase()``), so tests run in parallel without
/// seeing each other's rows. There is no silent skip: without a server, the tests that need one fail.
public enum TestPostgres {
    /// A fresh, empty database; returns its conninfo.
    public static func makeDatabase() throws -> String {
        let server = try shared.get()
        let name = "chorus_test_\(getpid())_\(server.nextNumber())"
        let admin = try Connection(server.adminConninfo)
        try admin.execute("CREATE DATABASE \(identifier: name)")
        return server.conninfo(database: name)
    }

    /// A connection to a fresh, empty database.
    public static func connect() throws -> Connection {
        try Connection(try makeDatabase())
    }

    /// A cluster of the test's own, for tests that stop or restart the server (or need people's access, as
    /// chorus's own clusters have it); stop it when done (what a test leaves running is stopped when the test
    /// process exits).
    public static func makePrivateCluster(access: EmbeddedPostgres.Access = .ownerOnly) throws -> EmbeddedPostgres {
        let directory = try makeTemporaryDirectory(prefix: "chorus-test-private")
        let cluster = try EmbeddedPostgres(directory: directory.appendingPathComponent("data"),
                                           options: .init(durable: false, access: access))
        try cluster.ensureRunning()
        return cluster
    }

    /// Creates a directory that every user can traverse (the unprivileged server user must reach clusters
    /// inside it when the tests run as root), inside this test process's ``root``: whatever a test leaves
    /// there is removed when the process exits.
    public static func makeTemporaryDirectory(prefix: String) throws -> URL {
        let directory = try root.get().appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return directory
    }

    /// The one directory of this test process under the system's temporary directory: every scratch
    /// directory and cluster of its tests lives in it. At exit every cluster in it is stopped — the shared
    /// one, private ones, embedded ones the `chorus` binary created for a test — and it is removed; the
    /// next test run does the same for a process that crashed (its `owner.pid` is gone).
    public static let root: Result<URL, any Error> = Result {
        removeAbandonedRoots()
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("chorus-test-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try String(getpid()).write(to: root.appendingPathComponent("owner.pid"), atomically: true, encoding: .utf8)
        atexit { TestPostgres.removeRoot() }
        return root
    }

    static let shared: Result<Server, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["CHORUS_TEST_DATABASE_URL"], !url.isEmpty {
            return Server(adminConninfo: url, cluster: nil)
        }
        let directory = try makeTemporaryDirectory(prefix: "shared")
        // The test process may connect as any role: the tests' roles stand in for people.
        let cluster = try EmbeddedPostgres(directory: directory.appendingPathComponent("data"),
                                           options: .init(durable: false, access: .ownerOnly))
        try cluster.ensureRunning()
        return Server(adminConninfo: cluster.conninfo(), cluster: cluster)
    }

    private static func removeRoot() {
        guard case .success(let root) = root else { return }
        SpawnedProcesses.killAll()
        removeTree(root)
    }

    /// Roots left behind by test processes that crashed: stop their clusters and remove them. (Runs before
    /// this process makes its own root; public for the test that pins it.)
    public static func removeAbandonedRoots() {
        let temporary = FileManager.default.temporaryDirectory
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return }
        for entry in entries where entry.hasPrefix("chorus-test-") {
            let directory = temporary.appendingPathComponent(entry)
            let ownerFile = directory.appendingPathComponent("owner.pid")
            guard let text = try? String(contentsOf: ownerFile, encoding: .utf8), let pid = Int32(text),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            // A daemon the crashed run started must not outlive it (nor keep its cluster busy).
            SpawnedProcesses.killProcesses(under: directory)
            removeTree(directory)
        }
    }

    /// Stops every cluster below `directory` (a data directory holds `PG_VERSION`), then removes it.
    private static func removeTree(_ directory: URL) {
        for data in clusters(under: directory, depth: 5) {
            if let cluster = try? EmbeddedPostgres(directory: data), cluster.isRunning { try? cluster.stop(.immediate) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func clusters(under directory: URL, depth: Int) -> [URL] {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory.appendingPathComponent("PG_VERSION").path) { return [directory] }
        guard depth > 0, let entries = try? fileManager.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey]) else {
            return []
        }
        return entries.filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .flatMap { clusters(under: $0, depth: depth - 1) }
    }

    /// The server tests use and a counter for database names.
    final class Server: Sendable {
        let adminConninfo: String
        let cluster: EmbeddedPostgres?
        private let counter = Counter()

        init(adminConninfo: String, cluster: EmbeddedPostgres?) {
            self.adminConninfo = adminConninfo
            self.cluster = cluster
        }

        func nextNumber() -> Int { counter.next() }

        /// The conninfo of database `name` on this server.
        func conninfo(database name: String) -> String {
            if let cluster { return cluster.conninfo(database: name) }
            // An admin URL or conninfo string; libpq lets a later dbname override the first.
            return adminConninfo.contains("://")
                ? Self.replacingDatabase(inURL: adminConninfo, with: name)
                : adminConninfo + " dbname=\(ConnectionString.quote(name))"
        }

        private static func replacingDatabase(inURL url: String, with name: String) -> String {
            guard var components = URLComponents(string: url) else { return url }
            components.path = "/" + name
            return components.string ?? url
        }
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}



extension TestPostgres {
    /// Roles are the cluster's, shared by every test's database: one test at a time changes them (concurrent
    /// GRANTs on one role can fail with "tuple concurrently updated").
    public static let rolesLock = NSLock()

    /// The shared test cluster (`nil` when `CHORUS_TEST_DATABASE_URL` names a server instead).
    public static var cluster: EmbeddedPostgres? { try? shared.get().cluster }

    /// A conninfo for `database` on the test server as `user` (through the owner's socket: peer
    /// authentication maps the test process's user to the superuser and to `chorus_console`).
    public static func conninfo(database conninfo: String, user: String) throws -> String {
        try ConnectionString.replacing(["user": user], in: conninfo)
    }

    /// A password login as `user`, as the review console makes it: on the test cluster, to its login database.
    public static func loginConninfo(user: String, password: String) throws -> String {
        let server = try shared.get()
        guard let cluster = server.cluster else {
            return try ConnectionString.replacing(["user": user, "password": password], in: server.adminConninfo)
        }
        return try ConnectionString.replacing(["user": user, "password": password],
                                              in: cluster.conninfo(database: EmbeddedPostgres.loginDatabase))
    }
}
