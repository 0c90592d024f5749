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
        #expect(lines.count == 25)
        #expect(lines.contains("\(directory)/rules/unknown-field.json5:5:3: unknown field 'partcipants' (did you mean 'participants'?); allowed: id, description, when, participants, speakers, templates, message, phases, gestures, release, suppress, corroboration"))
        #expect(lines.contains("\(directory)/rules/missing-template.json5: templates.en: no template in 'en', which participant 'de-foreign-office' drafts in"))
        #expect(lines.contains("\(directory)/rules/stray.json: warning: not read: rule files end in .json5: rename it to stray.json5"))
        #expect(outcome.err == "Error: 24 problems in \(directory)\n", "warnings are not counted as problems")
    }

    @Test func checkJSONListsProblems() throws {
        let outcome = Self.run(["rules", "check", "Tests/ChorusCoreTests/Fixtures/BrokenRules", "--json"])
        #expect(outcome.code == .dataError)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.out.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.count == 25)
        #expect(problems.filter { $0["severity"] as? String == "warning" }.count == 1)
    }

    @Test func testOnTheJerusalemDrillMatchesTheGoldenJSON() throws {
        let outcome = Self.run(["rules", "test", "Rules/drills/jerusalem-2017.json5", "--json"])
        #expect(outcome.code == .success, "\(outcome.err)")
        let version = try RuleSet.load(from: Self.root.appendingPathComponent("Rules")).version
        try Self.compare(outcome.out.replacingOccurrences(of: version, with: "<version>"), golden: "jerusalem-2017.json")
    }

    @Test func testTextShowsReasonsPhasesDraftsAndActionItems() {
        let outcome = Self.run(["rules", "test", "Rules/drills/jerusalem-2017.json5", "--at", "2017-01-08T12:00:00Z"])
        #expect(outcome.code == .success, "\(outcome.err)")
        #expect(outcome.out.contains("matches attack:"))
        #expect(outcome.out.contains("    - kind terror_attack is one of [shooting, terror_attack]"))
        #expect(outcome.out.contains("      de-foreign-office x de @AuswaertigesAmt  "))
        #expect(outcome.out.contains("    gesture, not before 2017-01-09T15:54:00Z:"))
        #expect(outcome.out.contains("    thanks, not before 2017-01-09T16:54:00Z:"))
        #expect(outcome.out.contains("    consular, not before 2017-01-08T12:30:00Z:"))
        #expect(outcome.out.contains("(handle unverified)"))
        #expect(outcome.out.contains("Light the Brandenburg Gate (Berlin)"))
        #expect(outcome.out.contains("not before 2017-01-08T12:05:00Z"))
    }

    @Test func whyExplainsWhichConditionFailed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-why-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            {"id":"q","kind":"earthquake","countries":["TR"],"alertLevel":"green","magnitude":4.1}
            {"id":"x","kind":"diplomatic_expulsion","countries":["IL"],"actors":["FR"]}

            """.write(to: file, atomically: true, encoding: .utf8)
        let quake = Self.run(["rules", "test", file.path, "--why", "major-earthquake"])
        #expect(quake.code == .success, "\(quake.err)")
        #expect(quake.out.contains("  why not major-earthquake:\n    - when[0]: alertLevel green is not one of [red]\n"
                                   + "    - when[1]: alertLevel green is not one of [orange]; magnitude 4.1 is not at least 6\n"
                                   + "    - when[2]: fatalities unknown is not at least 10\n"), "\(quake.out)")
        let expulsion = Self.run(["rules", "test", file.path, "--why", "diplomatic-expulsion", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(expulsion.out.utf8)) as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        let why = try #require(events.last?["why"] as? [String: Any])
        #expect(why["matched"] as? Bool == false)
        #expect((why["failures"] as? [[String]]) == [["actor FR is one of the excluded [DE, ES, FR, GB, IL, US]"]])
        let unknown = Self.run(["rules", "test", file.path, "--why", "no-such-rule"])
        #expect(unknown.code == .dataError)
        #expect(unknown.err.contains("no rule 'no-such-rule'"))
    }

    @Test func testWarnsWhenTwoRulesPostToOneAccount() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-overlap-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Rules"), to: directory)
        let rule = try String(contentsOf: directory.appendingPathComponent("rules/attack.json5"), encoding: .utf8)
        try rule.replacingOccurrences(of: "id: \"attack\"", with: "id: \"attack-again\"")
            .write(to: directory.appendingPathComponent("rules/attack-again.json5"), atomically: true, encoding: .utf8)
        let outcome = Self.run(["rules", "test", "Rules/drills/jerusalem-2017.json5", "--rules", directory.path])
        #expect(outcome.code == .success, "\(outcome.err)")
        // Once for the pair in the whole run, on the first event, naming the accounts (not one line an
        // account and event) and the later event where it happens again.
        let warnings = outcome.out.components(separatedBy: "\n").filter { $0.contains("warning: rules") }
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.hasPrefix("  warning: rules attack and attack-again would both post to ") == true)
        #expect(warnings.first?.contains(" accounts about this event: de-foreign-office x (@AuswaertigesAmt), ") == true)
        #expect(warnings.first?.hasSuffix("; again for event drill-jerusalem-2017-02: keep one, or make their conditions exclusive") == true)
    }

    @Test func anUpdateRedraftsOnlyWhatItChangesAndKeepsWhatItLeavesOut() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-update-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        // An attack; the same message again under a new id; a bare update by reference revising the toll to a
        // minimum of five; a motive the authorities established.
        try """
            {"id":"a1","kind":"terror_attack","countries":["IL"],"place":"Jerusalem","certainty":"observed","severity":"severe","fatalities":4,"injured":17,"occurredAt":"2017-01-08T11:30:00Z","sentAt":"2017-01-08T11:45:00Z","headline":{"en":"Attack in Jerusalem"}}
            {"id":"a2","msgType":"update","references":["a1"],"kind":"terror_attack","countries":["IL"],"place":"Jerusalem","certainty":"observed","severity":"severe","fatalities":4,"injured":17,"occurredAt":"2017-01-08T11:30:00Z","sentAt":"2017-01-08T12:45:00Z","headline":{"en":"Attack in Jerusalem: figures confirmed"}}
            {"id":"a3","msgType":"update","references":["a2"],"fatalities":5,"tags":["fatalities:minimum"],"sentAt":"2017-01-08T13:45:00Z"}

            """.write(to: file, atomically: true, encoding: .utf8)
        let outcome = Self.run(["rules", "test", file.path])
        #expect(outcome.code == .success, "\(outcome.err)")
        let events = outcome.out.components(separatedBy: "\nEvent ")
        #expect(events.count == 4)
        #expect(events[2].contains("    - refers to a1, whose bundle it updates\n"), "\(events[2])")
        #expect(events[2].contains("  updates the bundle of a1: no fact changes\n  redrafts nothing: no draft's text changes ("), "\(events[2])")
        #expect(!events[2].contains("drafts ("))
        #expect(events[3].contains("  updates the bundle of a1: fatalities: 4 → 5; facts: unknown → fatalities:minimum\n"), "\(events[3])")
        #expect(events[3].contains("  redrafts "))
        // The date and the place the bare update left out are still in the redrafted texts.
        #expect(events[3].contains("Wir verurteilen den Terroranschlag in Jerusalem vom 8. Januar"), "\(events[3])")
        #expect(!events[3].contains("action items"), "the gesture asked for stays as it is")
        let json = Self.run(["rules", "test", file.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let results = try #require(object["events"] as? [[String: Any]])
        let update = try #require((results[1]["matches"] as? [[String: Any]])?.first?["update"] as? [String: Any])
        #expect(update["bundleOf"] as? String == "a1")
        #expect(update["redrafted"] as? Int == 0 && update["restated"] as? Int == 0)
        let revised = try #require((results[2]["matches"] as? [[String: Any]])?.first)
        #expect((revised["update"] as? [String: Any])?["redrafted"] as? Int == ((revised["bundle"] as? [String: Any])?["drafts"] as? [Any])?.count)
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
