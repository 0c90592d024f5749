import Foundation
import Postgres
import Testing
import TestSupport

/// Tests leave nothing behind: what a test process made lives under its root, and a root whose process
/// died is cleaned up by the next run — its clusters stopped, its directory removed.
struct TestSupportCleanupTests {
    @Test func everyScratchDirectoryIsInsideTheProcessRoot() throws {
        let root = try TestPostgres.root.get()
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-inside")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(directory.deletingLastPathComponent().standardizedFileURL == root.standardizedFileURL)
        #expect(root.lastPathComponent.hasPrefix("chorus-test-\(getpid())-"))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("owner.pid").path))
    }

    @Test func theRootOfACrashedRunIsStoppedAndRemoved() throws {
        // A process that is gone: its pid names the abandoned root.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let abandoned = FileManager.default.temporaryDirectory
            .appendingPathComponent("chorus-test-\(gone.processIdentifier)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: abandoned.appendingPathComponent("left"), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let cluster = try EmbeddedPostgres(directory: abandoned.appendingPathComponent("left/data"), options: .init(durable: false))
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: abandoned)
        }
        try cluster.ensureRunning()
        try String(gone.processIdentifier).write(to: abandoned.appendingPathComponent("owner.pid"), atomically: true, encoding: .utf8)

        TestPostgres.removeAbandonedRoots()
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(!cluster.isRunning)
        let servers = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil }.filter { pid in
            FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self).contains(abandoned.path) } ?? false
        } ?? []
        #expect(servers.isEmpty, "a server of the abandoned root still runs: \(servers)")
    }
}
