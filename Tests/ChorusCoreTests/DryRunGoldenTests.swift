import Foundation
import Testing
@testable import ChorusCore

/// `chorus rules test --json` output pinned in golden files. The rule-set version is replaced by
/// `<version>` so that an unrelated change (kinds.json5) does not break them; run with
/// `CHORUS_UPDATE_GOLDEN=1` to rewrite them after an intended change, and review the diff.
struct DryRunGoldenTests {
    static func normalized(_ json: String, version: String) -> String {
        json.replacingOccurrences(of: version, with: "<version>")
    }

    static func compare(_ actual: String, golden name: String) throws {
        let sourceURL = RepositoryPaths.root.appendingPathComponent("Tests/ChorusCoreTests/Fixtures/Golden/\(name)")
        if ProcessInfo.processInfo.environment["CHORUS_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: sourceURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: RepositoryPaths.fixture("Golden/\(name)"), encoding: .utf8)
        #expect(actual == expected, "\(name) differs; rerun with CHORUS_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test func jerusalem2017Drill() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let drill = try #require(set.drill(id: "jerusalem-2017"))
        let report = DryRunReport(events: drill.events(), ruleSet: set, now: nil)
        try Self.compare(Self.normalized(try report.jsonText(), version: set.version), golden: "jerusalem-2017.json")
    }

    @Test func sampleFeedEvents() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let text = try String(contentsOf: RepositoryPaths.fixture("Events/sample-feed.jsonl"), encoding: .utf8)
        let events = try text.split(separator: "\n").map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
        let report = DryRunReport(events: events, ruleSet: set, now: nil)
        #expect(report.events.map { $0.matches.map(\.rule) } == [["major-earthquake"], ["major-earthquake"], ["diplomatic-expulsion"], ["severe-weather"], [], []])
        try Self.compare(Self.normalized(try report.jsonText(), version: set.version), golden: "sample-feed.json")
    }

    @Test func theJSONReadsBack() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let drill = try #require(set.drill(id: "jerusalem-2017"))
        let report = DryRunReport(events: drill.events(), ruleSet: set, now: nil)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = RFC3339.parse(text) else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text)) }
            return date
        }
        let decoded = try decoder.decode(DryRunReport.self, from: Data(try report.jsonText().utf8))
        #expect(decoded == report)
    }
}
