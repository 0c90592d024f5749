import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// `chorus migrate` and `chorus status` as a user runs them: the real binary, no configuration at all,
/// so chorus creates and starts its embedded cluster under the state directory.
struct MigrateCommandTests {
    @Test func migrateWorksTwiceWithNoConfigurationAtAll() throws {
        let home = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-home")
        let state = home.appendingPathComponent("state")
        let environment = ["HOME": home.path, "STATE_DIRECTORY": state.path]
        defer {
            // The embedded cluster outlives the command on purpose; the test stops it.
            stopCluster(at: state.appendingPathComponent("postgres").path)
            try? FileManager.default.removeItem(at: home)
        }

        let first = try ChorusProcess.run(["migrate"], environment: environment, directory: home)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("embedded cluster in \(state.path)/postgres"))
        #expect(first.standardOutput.contains("Applied migration 1: initial_schema"))

        let second = try ChorusProcess.run(["migrate"], environment: environment, directory: home)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.contains("up to date; nothing to do"))
        #expect(second.standardError.isEmpty)

        let status = try ChorusProcess.run(["status", "--json"], environment: environment, directory: home)
        #expect(status.status == 0, "\(status.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any]
        let database = report?["database"] as? [String: Any]
        let schema = report?["schema"] as? [String: Any]
        #expect(database?["reachable"] as? Bool == true)
        #expect(database?["embeddedDirectory"] as? String == state.appendingPathComponent("postgres").path)
        #expect(schema?["version"] as? Int == schema?["latest"] as? Int)
    }

    @Test func twoMigratorsAtOnceOnAFreshMachineBothSucceed() throws {
        let home = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-home")
        let state = home.appendingPathComponent("state")
        let environment = ["HOME": home.path, "STATE_DIRECTORY": state.path]
        defer {
            stopCluster(at: state.appendingPathComponent("postgres").path)
            try? FileManager.default.removeItem(at: home)
        }
        let outcomes = Mutex<[ChorusProcess.Outcome]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if let outcome = try? ChorusProcess.run(["migrate"], environment: environment, directory: home) {
                outcomes.withLock { $0.append(outcome) }
            }
        }
        let results = outcomes.withLock { $0 }
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardError))")
        #expect(results.filter { $0.standardOutput.contains("Applied migration 1") }.count == 1)
    }

    private func stopCluster(at directory: String) {
        guard let cluster = try? EmbeddedPostgres(directory: URL(fileURLWithPath: directory)) else { return }
        try? cluster.stop()
    }
}
