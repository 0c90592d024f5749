import Foundation
import Postgres
import Testing
import TestSupport

/// `chorus review watch` in text: a line for each thing that happened, and a database restart survived.
struct ReviewWatchTests {
    @Test func everyLineSaysWhatHappenedAndARestartIsSurvived() throws {
        let cluster = try TestPostgres.makePrivateCluster()
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: cluster.directory.deletingLastPathComponent())
        }
        let database = cluster.conninfo()
        func chorus(_ arguments: [String]) throws -> ChorusProcess.Outcome {
            let outcome = try ChorusProcess.run(arguments + ["--database", database], environment: ["NO_COLOR": "1"])
            #expect(outcome.status == 0, "\(arguments): \(outcome.standardError)")
            return outcome
        }
        _ = try chorus(["migrate"])
        let watcher = try ChorusProcess.start(["review", "watch", "--database", database], environment: ["NO_COLOR": "1"])
        defer { _ = try? watcher.stop(SIGKILL) }
        #expect(watcher.wait { $0.standardError.contains("Watching the review queue") })
        // The watcher listens before it says "Watching": the drill's notification cannot be missed.
        let drilled = try chorus(["drill", "jerusalem-2017", "--rules", Repository.rules.path])
        #expect(watcher.wait { $0.standardOutput.contains("opened: attack") }, "\(watcher.standardOutput)")
        let summary = try #require(drilled.standardOutput.split(separator: "\n").first { $0.hasPrefix("Drill ") })
        let bundle = try #require(summary.split(separator: " ").last.flatMap { Int($0) })
        #expect(watcher.standardOutput.contains("[DRILL] bundle \(bundle): opened: attack terror_attack IL Jerusalem exercise — "),
                "\(watcher.standardOutput)")

        let shown = try chorus(["review", "show", String(bundle), "--json"])
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])
        let drafts = try #require(detail["drafts"] as? [[String: Any]]).compactMap { $0["id"] as? Int }.sorted()
        let (first, second) = (try #require(drafts.first), try #require(drafts.last))
        _ = try chorus(["review", "approve", "d\(first)"])
        let user = try Connection(database).user
        #expect(watcher.wait { $0.standardOutput.contains("bundle \(bundle): d\(first) approved by \(user)") }, "\(watcher.standardOutput)")

        // The server restarts under the watcher: it says so, waits, reconnects, and reports what it missed.
        try cluster.stop(.fast)
        #expect(watcher.wait { $0.standardError.contains("lost the database (") }, "\(watcher.standardError)")
        #expect(watcher.standardError.contains("reconnecting in "))
        try cluster.start()
        _ = try chorus(["review", "reject", "d\(second)", "--reason", "wrong tone"])
        #expect(watcher.wait { $0.standardOutput.contains("bundle \(bundle): d\(second) rejected by \(user) — wrong tone") },
                "\(watcher.standardOutput)\n\(watcher.standardError)")
        #expect(watcher.standardError.contains("reconnected to the database; what happened meanwhile follows"))
        #expect(watcher.isRunning, "a restart of the database must not end the watch")
        let stopped = try watcher.stop(SIGKILL)
        #expect(!stopped.standardOutput.contains("SELECT"))
    }
}
