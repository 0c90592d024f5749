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

    @Test func theClusterListensOnItsOwnSocketOnlyAndNeverAsRoot() throws {
        guard ProcessInfo.processInfo.environment["CHORUS_TEST_DATABASE_URL"] == nil else { return }
        let connection = try TestPostgres.connect()
        let settings = try #require(try connection.query("""
            SELECT current_setting('listen_addresses') AS listen, current_setting('data_directory') AS data,
                   current_setting('unix_socket_directories') AS sockets
            """).first)
        #expect(try settings.decode("listen", as: String.self) == "")
        let data = try settings.decode("data", as: String.self)
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
