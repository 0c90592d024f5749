import Foundation
import Synchronization
import Testing
import TestSupport

/// `chorus demo` end to end through the real binary: the whole story, and nothing left behind.
struct DemoCommandTests {
    static let repository = Repository.root

    @Test func theDemoTellsTheWholeStoryAndLeavesNothingRunning() throws {
        let home = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-demo-home")
        defer { try? FileManager.default.removeItem(at: home) }
        let outcome = try ChorusProcess.run(["demo"], environment: ["HOME": home.path, "NO_COLOR": "1"], directory: Self.repository)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let output = outcome.standardOutput
        for expected in ["Applied migration 2: review_workflow", "[ÜBUNG]", "[תרגיל]", "[DRILL]", "[تمرين]",
                         "Brandenburg Gate", "a drill is never released", "refused by the database: 23514",
                         "The outbox is empty", "For demonstration only", "#1 ", "4 events normalized",
                         "approved by demo_reviewer_ben", "demo_editor_anna edited d",
                         "demo_editor_anna approving her own edit — refused by the database", "another reviewer must approve it"] {
            #expect(output.contains(expected), "missing: \(expected)")
        }
        // It used a private cluster of its own, stopped it and removed its directory.
        let removed = try #require(outcome.standardError.split(separator: "\n")
            .first { $0.contains("stopped the private PostgreSQL and removed ") })
        let directory = String(try #require(removed.components(separatedBy: "removed ").last))
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(Self.processes(mentioning: directory).isEmpty)
        // Nothing under the user's state directory: the demo never touches the real embedded database.
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent(".local/state/chorus").path))
    }

    @Test func anInterruptedDemoStillCleansUp() throws {
        let process = Process()
        process.executableURL = ChorusProcess.executable
        process.arguments = ["demo"]
        process.currentDirectoryURL = Self.repository
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let seen = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            seen.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !seen.withLock({ $0.contains("2. The drill") }), Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // Interrupted (130), or finished just before the signal arrived (0): cleaned up either way.
        #expect([130, 0].contains(process.terminationStatus), "\(stderr)")
        #expect(stderr.contains("stopped the private PostgreSQL and removed"))
        let prefix = "chorus-demo-\(process.processIdentifier)-"
        let left = (try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path))?
            .filter { $0.hasPrefix(prefix) } ?? []
        #expect(left.isEmpty)
        #expect(Self.processes(mentioning: prefix).isEmpty)
    }

    /// Process ids whose command line mentions `text` (a server left running would name its data directory).
    static func processes(mentioning text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
        }
    }
}
