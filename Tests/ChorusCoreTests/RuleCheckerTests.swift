import Foundation
import Testing
@testable import ChorusCore

struct RuleCheckerTests {
    @Test func theShippedRulesPass() throws {
        let diagnostics = RuleSet.check(directory: RepositoryPaths.rules)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        #expect(Set(set.rules.map(\.id)).isSuperset(of: ["deadly-attack", "major-earthquake", "diplomatic-expulsion", "severe-weather"]))
        #expect(set.drill(id: "jerusalem-2017")?.steps.count == 2)
        #expect(set.version.count == 64)
        for participant in ["de-foreign-office", "de-embassy-israel", "il-foreign-ministry", "il-embassy-germany",
                            "fr-foreign-ministry", "gb-fcdo", "us-state-department"] {
            #expect(set.participants[participant] != nil, "\(participant)")
        }
        #expect(set.landmarks["brandenburg-gate"]?.city == "Berlin")
    }

    /// Each broken file is broken in one way, and the checker says which, where.
    @Test(arguments: [
        "rules/syntax-error.json5:4:3: syntax error: unexpected 'w', expected ',' or '}'",
        "rules/unknown-field.json5:5:3: unknown field 'partcipants' (did you mean 'participants'?)",
        "rules/unknown-participant.json5:5:33: unknown participant 'de-foreign-ofice' (did you mean 'de-foreign-office'?)",
        "rules/unknown-landmark.json5:7:23: unknown landmark 'reichstag'",
        "rules/unknown-kind.json5:4:17: unknown kind 'earthqauke' (did you mean 'earthquake'?)",
        "rules/unknown-channel.json5:5:65: unknown channel 'myspace'",
        "rules/unknown-language.json5:6:48: unknown language 'klingon'",
        "rules/unknown-placeholder.json5:6:33: unknown placeholder '{{city}}'",
        "rules/unknown-filter.json5:6:30: unknown filter 'upper'",
        "rules/duplicate-b.json5:2:7: duplicate rule id 'duplicate' (also in rules/duplicate-a.json5)",
        "rules/impossible-range.json5:4:42: impossible condition: minimum 7 is above maximum 5",
        "rules/too-long.json5:7:14: template cannot fit x: at least 347 of 280 even with the shortest values",
        "rules/missing-template.json5: templates.en: no template in 'en', which participant 'de-foreign-office' drafts in",
        "drills/bad-drill.json5:6:68: a drill event has status 'exercise' (or leave it out)",
        "rules/drafts-nothing.json5:5:18: participant 'de-foreign-office' would draft nothing: none of its accounts on these channels posts in these languages",
    ])
    func brokenRulesReportTheirProblem(expected: String) {
        let lines = RuleSet.check(directory: RepositoryPaths.fixture("BrokenRules")).map(\.description)
        #expect(lines.contains { $0.hasPrefix(expected) }, "\(lines.joined(separator: "\n"))")
    }

    @Test func everyProblemIsReportedAndLoadingRefuses() {
        let directory = RepositoryPaths.fixture("BrokenRules")
        let diagnostics = RuleSet.check(directory: directory)
        let files = Set(diagnostics.map(\.file))
        #expect(files.count == 15, "\(files.sorted())")
        #expect(diagnostics.count == 15, "one problem a file: \(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(diagnostics == diagnostics.sorted())
        #expect(throws: RuleSetError.self) { try RuleSet.load(from: directory) }
    }

    @Test func theVersionIsTheContentHash() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try RuleSet.load(from: directory).version
        #expect(try RuleSet.load(from: directory).version == first)
        // A comment changes the bytes, so the version.
        let rule = directory.appendingPathComponent("rules/deadly-attack.json5")
        try (String(contentsOf: rule, encoding: .utf8) + "\n// reviewed\n").write(to: rule, atomically: true, encoding: .utf8)
        #expect(try RuleSet.load(from: directory).version != first)
        // The hash is over each file's path, size and own SHA-256 in a fixed order, as documented.
        let files = try ["participants.json5", "landmarks.json5", "rules/deadly-attack.json5"].map {
            ($0, try Data(contentsOf: directory.appendingPathComponent($0)))
        }
        var hash = SHA256()
        for (path, data) in files {
            var own = SHA256()
            own.update(data)
            hash.update(path); hash.update([0]); hash.update(String(data.count)); hash.update([0]); hash.update(own.finalize())
        }
        #expect(try RuleSet.load(from: directory).version == hash.hexDigest())
    }

    @Test func aBrokenKindsFileIsReportedWhereItIsBroken() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Without kinds.json5 the rules check against the contract's kinds, and feeds cannot be read.
        let drafting = try RuleSet.load(from: directory)
        #expect(drafting.kindMapping == nil && drafting.kinds == RuleSetLoader.defaultKinds)
        #expect(throws: RuleSetError.self) { try drafting.feedKindMapping() }

        let kinds = """
            {
              kinds: { other: "Anything", terror_attack: "An attack", shooting: "A shooting" },
              cap: { events: { Fire: "other", FIRE: "other" } },
            }
            """
        try kinds.write(to: directory.appendingPathComponent("kinds.json5"), atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description)
                == ["kinds.json5:3:35: cap.events.FIRE: is listed twice (keys are compared ignoring case)"])

        try kinds.replacingOccurrences(of: "FIRE", with: "Flood").write(to: directory.appendingPathComponent("kinds.json5"), atomically: true, encoding: .utf8)
        let set = try RuleSet.load(from: directory)
        #expect(set.kinds == ["other", "terror_attack", "shooting"])
        #expect(try set.feedKindMapping().capKind(eventCodes: [], event: "fire", headline: nil, categories: []) == "other")
    }

    @Test func aBrokenParticipantsFileIsOneProblemNotOneARule() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-broken-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["landmarks.json5", "rules"] {
            try FileManager.default.copyItem(at: RepositoryPaths.rules.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        try "{ participants: [ { id: 'x' ".write(to: directory.appendingPathComponent("participants.json5"), atomically: true, encoding: .utf8)
        let diagnostics = RuleSet.check(directory: directory)
        #expect(diagnostics.map(\.description) == ["participants.json5:1:29: syntax error: unexpected end of file, expected ',' or '}'"])
    }

    @Test func aMissingDirectoryIsAProblem() {
        let diagnostics = RuleSet.check(directory: URL(fileURLWithPath: "/nonexistent/rules"))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "no such directory")
    }

    /// A scratch rules directory: the shipped participants, landmarks and deadly-attack rule, no kinds.json5.
    static func shippedRuleWithoutKinds() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        for name in ["participants.json5", "landmarks.json5", "rules/deadly-attack.json5"] {
            try FileManager.default.copyItem(at: RepositoryPaths.rules.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        return directory
    }
}
