import ChorusCLI
import Foundation
import Testing
import TestSupport

/// `chorus run`'s command line: help, and the start-up failures that end it with their exit codes. (The
/// running daemon is tested in ChorusServiceTests.)
struct RunCommandTests {
    @Test func helpDescribesSignalsAndNotify() {
        let (code, output, _) = CommandLineTests.run(["run", "--help"])
        #expect(code == .success)
        #expect(output.contains("USAGE: chorus run [--config <file>] [--database <conninfo>] [--rules <dir>]"))
        #expect(output.contains("SIGHUP reloads"))
        #expect(output.contains("READY=1"))
    }

    @Test func aMissingConfigurationFileExits78() throws {
        let outcome = try ChorusProcess.run(["run", "--config", "/nonexistent/chorus.json5"])
        #expect(outcome.status == 78)
        #expect(outcome.standardError.contains("does not exist"))
    }

    @Test func anUnknownConfigurationFieldExits78() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("chorus.json5")
        try #"{ sources: [ { name: "a", type: "file", location: "a.jsonl", colour: "red" } ] }"#
            .write(to: file, atomically: true, encoding: .utf8)
        let outcome = try ChorusProcess.run(["run", "--config", file.path])
        #expect(outcome.status == 78)
        #expect(outcome.standardError == "Error: \(file.path):1:62: unknown field 'colour'; allowed: name, type, format, "
                + "location, pollInterval, defaultCountries, maxLines, timeout\n", "\(outcome.standardError)")
    }

    @Test func invalidRulesExit65WithEveryProblem() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = directory.appendingPathComponent("rules/rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try "{ id: \"broken\" ".write(to: rules.appendingPathComponent("broken.json5"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("chorus.json5")
        try #"{ rules: "rules" }"#.write(to: file, atomically: true, encoding: .utf8)
        let outcome = try ChorusProcess.run(["run", "--config", file.path, "--database", "host=/nonexistent"])
        #expect(outcome.status == 65, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("broken.json5"), "\(outcome.standardError)")
    }
}
