import ChorusCLI
import ChorusCore
import Foundation
import Testing
import TestSupport

/// `chorus rules check` and `chorus rules test`, run in-process.
struct RulesCommandTests {
    static var root: URL { Repository.root }

    struct Outcome {
        var code: ExitCode
        var out: String
        var err: String
    }

    static func run(_ arguments: [String]) -> Outcome {
        let out = OutputSink.capture(), err = OutputSink.capture()
        let context = CommandContext(standardOutput: out, standardError: err, environment: [:], workingDirectory: root,
                                     readStandardInput: { Data() })
        let code = CommandRunner.run(arguments, context: context)
        return Outcome(code: code, out: out.text, err: err.text)
    }

    static func fixture(_ name: String) throws -> String {
        let url = (Bundle.module.resourceURL ?? root.appendingPathComponent("Tests/ChorusCLITests"))
            .appendingPathComponent("Fixtures/rules").appendingPathComponent(name)
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func compare(_ actual: String, golden name: String) throws {
        if ProcessInfo.processInfo.environment["CHORUS_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: root.appendingPathComponent("Tests/ChorusCLITests/Fixtures/rules/\(name)"), atomically: true, encoding: .utf8)
        }
        #expect(actual == (try fixture(name)), "\(name) differs; rerun with CHORUS_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test(arguments: [["rules", "check", "--help"], ["help", "rules", "check"], ["rules", "check", "-h"]])
    func checkHelpIsPinned(arguments: [String]) throws {
        let outcome = Self.run(arguments)
        #expect(outcome.code == .success)
        try Self.compare(outcome.out, golden: "check-help.txt")
    }

    @Test func testHelpIsPinned() throws {
        let outcome = Self.run(["rules", "test", "--help"])
        #expect(outcome.code == .success)
        try Self.compare(outcome.out, golden: "test-help.txt")
    }

    @Test func groupHelpListsTheSubcommands() {
        let outcome = Self.run(["rules", "--help"])
        #expect(outcome.code == .success)
        #expect(outcome.out.contains("SUBCOMMANDS:"))
        #expect(outcome.out.contains("check"))
        #expect(outcome.out.contains("test"))
        #expect(Self.run(["rules"]).code == .usage)
    }

    @Test func theShippedRulesPassTheCheck() {
        let outcome = Self.run(["rules", "check", "Rules"])
        #expect(outcome.code == .success, "\(outcome.out)\(outcome.err)")
        #expect(outcome.out.hasPrefix("Rules: OK: "))
        #expect(Self.run(["rules", "check"]).code == .success, "./Rules is the default")
        #expect(Self.run(["rules", "check", "--rules", "Rules"]).code == .success)
    }

    @Test func brokenRulesExit65WithEveryProblemOnItsOwnLine() {
        let directory = "Tests/ChorusCoreTests/Fixtures/BrokenRules"
        let outcome = Self.run(["rules", "check", directory])
        #expect(outcome.code == .dataError)
        let lines = outcome.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 15)
        #expect(lines.contains("\(directory)/rules/unknown-field.json5:5:3: unknown field 'partcipants' (did you mean 'participants'?); allowed: id, description, when, participants, skipAffected, templates, gestures, release, suppress, corroboration"))
        #expect(lines.contains("\(directory)/rules/missing-template.json5: templates.en: no template in 'en', which participant 'de-foreign-office' drafts in"))
        #expect(outcome.err == "Error: 15 problems in \(directory)\n")
    }

    @Test func checkJSONListsProblems() throws {
        let outcome = Self.run(["rules", "check", "Tests/ChorusCoreTests/Fixtures/BrokenRules", "--json"])
        #expect(outcome.code == .dataError)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.out.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        #expect((object["problems"] as? [[String: Any]])?.count == 15)
    }

    @Test func testOnTheJerusalemDrillMatchesTheGoldenJSON() throws {
        let outcome = Self.run(["rules", "test", "Rules/drills/jerusalem-2017.json5", "--json"])
        #expect(outcome.code == .success, "\(outcome.err)")
        let version = try RuleSet.load(from: Self.root.appendingPathComponent("Rules")).version
        try Self.compare(outcome.out.replacingOccurrences(of: version, with: "<version>"), golden: "jerusalem-2017.json")
    }

    @Test func testTextShowsReasonsDraftsAndActionItems() {
        let outcome = Self.run(["rules", "test", "Rules/drills/jerusalem-2017.json5", "--at", "2017-01-08T12:00:00Z"])
        #expect(outcome.code == .success, "\(outcome.err)")
        #expect(outcome.out.contains("matches deadly-attack:"))
        #expect(outcome.out.contains("    - fatalities 4 is at least 1"))
        #expect(outcome.out.contains("de-foreign-office x de @AuswaertigesAmt  248/280"))
        #expect(outcome.out.contains("Light the Brandenburg Gate (Berlin)"))
        #expect(outcome.out.contains("not before 2017-01-08T12:05:00Z"))
    }

    @Test func badArgumentsAreUsageErrors() {
        let noFile = Self.run(["rules", "test"])
        #expect(noFile.code == .usage)
        #expect(noFile.err.hasPrefix("Error: missing expected argument '<event-file>'"))
        let badTime = Self.run(["rules", "test", "x.jsonl", "--at", "yesterday"])
        #expect(badTime.code == .usage)
    }

    @Test func aBadEventFileExits65() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-bad-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try "{\"id\":\"x\",\"kind\":\"terror_attack\",\"countries\":[\"XX\"]}\n".write(to: file, atomically: true, encoding: .utf8)
        let outcome = Self.run(["rules", "test", file.path])
        #expect(outcome.code == .dataError)
        #expect(outcome.err.contains("countries"))
    }
}
