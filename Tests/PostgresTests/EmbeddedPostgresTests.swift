import Foundation
import Synchronization
import Testing
import Postgres
import TestSupport

/// The embedded cluster: created, started, restarted under a live connection, and run as an
/// unprivileged user when the tests run as root.
struct EmbeddedPostgresTests {
    @Test func theConnectionRecoversAfterTheServerRestartsUnderIt() throws {
        let cluster = try TestPostgres.makePrivateCluster()
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: cluster.directory.deletingLastPathComponent())
        }
        let connection = try Connection(cluster.conninfo())
        try connection.listen("after_restart")
        try connection.execute("CREATE TABLE kept (n int)")
        try connection.execute("INSERT INTO kept VALUES (1)")
        let firstBackend = connection.backendPID

        try cluster.stop(.fast)
        try cluster.start()

        // The statement that discovers the break fails as a lost connection (never silently retried)...
        let lost = #expect(throws: PostgresError.self) {
            try connection.query("SELECT count(*) AS n FROM kept")
        }
        #expect(lost?.kind == .connectionLost)
        #expect(lost?.isTransient == true)
        // ...and the next one reconnects, with the LISTEN renewed.
        let count = try connection.query("SELECT count(*) AS n FROM kept").first?.decode("n", as: Int.self)
        #expect(count == 1)
        #expect(connection.backendPID != firstBackend)
        #expect(connection.reconnectCount == 1)
        try Connection(cluster.conninfo()).notify("after_restart", payload: "still listening")
        #expect(try connection.waitForNotifications(timeout: .seconds(5)).map(\.payload) == ["still listening"])
    }

    @Test func theClusterListensOnItsOwnSocketsOnlyAndNeverAsRoot() throws {
        guard ProcessInfo.processInfo.environment["CHORUS_TEST_DATABASE_URL"] == nil else { return }
        let connection = try TestPostgres.connect()
        let settings = try #require(try connection.query("""
            SELECT current_setting('listen_addresses') AS listen, current_setting('data_directory') AS data,
                   current_setting('unix_socket_directories') AS sockets
            """).first)
        #expect(try settings.decode("listen", as: String.self) == "")
        let data = try settings.decode("data", as: String.self)
        // The tests' cluster is reachable by its owner only (chorus's own clusters add a public socket:
        // EmbeddedAccessTests).
        #expect(try settings.decode("sockets", as: String.self) == data)
        let attributes = try FileManager.default.attributesOfItem(atPath: data)
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.intValue
        if geteuid() == 0 {
            #expect(owner != 0, "as root, the cluster must belong to an unprivileged user")
        } else {
            #expect(owner == Int(geteuid()))
        }
    }

    @Test func ensureRunningIsSafeFromSeveralThreadsAtOnce() throws {
        let parent = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-concurrent")
        let cluster = try EmbeddedPostgres(directory: parent.appendingPathComponent("data"), options: .init(durable: false))
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: parent)
        }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            do { try cluster.ensureRunning() } catch { failures.withLock { $0.append("\(error)") } }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(cluster.isRunning)
        #expect(try Connection(cluster.conninfo()).query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
    }
}

/// Who may connect to the embedded cluster, and as whom: the peer map and the password-only login database.
@Suite struct EmbeddedAccessTests {
    @Test func peopleConnectAsThemselvesAndPasswordsOnlyCountInTheLoginDatabase() throws {
        let cluster = try TestPostgres.makePrivateCluster(access: .people)
        defer { try? cluster.stop(.immediate) }
        let owner = try Connection(cluster.conninfo())
        let sockets = try owner.query("SELECT current_setting('unix_socket_directories') AS s").first?.decode("s", as: String.self)
        #expect(sockets == "\(cluster.directory.path), \(cluster.publicSocketDirectory.path)")
        let name = "t\(getpid())_peer_\(UUID().uuidString.prefix(6).lowercased())"
        try owner.execute("CREATE ROLE \(identifier: name) LOGIN PASSWORD 'a long enough password'")
        // The console's role is Deploy/roles.sql's; this bare cluster has none yet.
        try owner.execute("CREATE ROLE \(identifier: EmbeddedPostgres.consoleRole) LOGIN NOINHERIT")
        defer { _ = try? owner.execute("DROP ROLE \(identifier: name)") }
        // This process's user may be the superuser and the console, but nobody else without a password…
        #expect(try Connection(cluster.conninfo(user: EmbeddedPostgres.consoleRole)).user == EmbeddedPostgres.consoleRole)
        #expect(throws: PostgresError.self) { try Connection(cluster.conninfo(user: name)) }
        // …except in the login database, where the password decides.
        let login = "host=\(ConnectionString.quote(cluster.publicSocketDirectory.path)) dbname=\(EmbeddedPostgres.loginDatabase) "
        #expect(try Connection(login + "user=\(name) password='a long enough password'").user == name)
        #expect(throws: PostgresError.self) { try Connection(login + "user=\(name) password='wrong'") }
        #expect(throws: PostgresError.self) { try Connection(login + "user=chorus password='guess'") }
        let files = try String(contentsOf: cluster.directory.appendingPathComponent("pg_hba.conf"), encoding: .utf8)
        #expect(!files.contains("trust"))
    }
}
