import ChorusCLI
import ChorusStore
import Foundation
import Testing
import TestSupport

/// Corroboration through the commands a duty desk uses: news reports ingested one document after the
/// other, the held incident in `review list --held` and `chorus status`, the bundle its third independent
/// origin opens with the evidence in `review show`, and a duty officer's report raising its certainty.
struct CorroborationCommandTests {
    static let first = "Tests/ChorusCLITests/Fixtures/news/shooting-first-report.xml"
    static let more = "Tests/ChorusCLITests/Fixtures/news/shooting-more-reports.xml"

    static func run(_ arguments: [String], database: String) -> IngestCommandTests.Outcome {
        IngestCommandTests.run(arguments + ["--database", database])
    }

    @Test func aHeldIncidentIsShownThenCorroboratedIntoOneBundleWithItsEvidence() throws {
        let database = try TestPostgres.makeDatabase()
        #expect(IngestCommandTests.run(["migrate", "--database", database]).code == .success)

        // One report: nothing drafted, the incident held.
        let ingested = Self.run(["ingest", Self.first, "--source", "reuters-world", "--rules", "Rules"], database: database)
        #expect(ingested.code == .success, "\(ingested.err)")
        #expect(ingested.out.contains("Bundles: 0 opened"), "\(ingested.out)")
        #expect(ingested.out.contains("Corroboration: 1 report held with 1 incident awaiting corroboration"), "\(ingested.out)")
        let list = Self.run(["review", "list", "--held"], database: database)
        #expect(list.code == .success, "\(list.err)")
        #expect(list.out.contains("Held until corroborated (no bundle yet): 1"), "\(list.out)")
        #expect(list.out.contains("attack  shooting IL"), "\(list.out)")
        #expect(list.out.contains("possible: 1 of 3 independent origins"), "\(list.out)")
        #expect(list.out.contains("✓ reuters.com  via reuters-world"), "\(list.out)")
        let json = Self.run(["review", "list", "--held", "--json"], database: database)
        let held = try ReviewJSON.decoder().decode(HeldList.self, from: Data(json.out.utf8)).held
        #expect(held.count == 1 && held.first?.state == .held && held.first?.evidence.map(\.origin) == ["reuters.com"])
        let status = Self.run(["status"], database: database)
        #expect(status.out.contains("Held:      1 incident awaiting corroboration (1 report;"), "\(status.out)")
        #expect(Self.run(["review", "list", "--held", "--status", "all"], database: database).code == .usage)

        // The aggregator's document: a copy of the Reuters story and two independent reports.
        let corroborated = Self.run(["ingest", Self.more, "--source", "aggregator", "--rules", "Rules"], database: database)
        #expect(corroborated.code == .success, "\(corroborated.err)")
        #expect(corroborated.out.contains("Bundles: 1 opened"), "\(corroborated.out)")
        #expect(Self.run(["review", "list", "--held"], database: database).out.contains("No incidents held"))
        let bundles = try ReviewJSON.decoder().decode(ReviewList.self, from: Data(
            Self.run(["review", "list", "--json"], database: database).out.utf8)).bundles
        #expect(bundles.count == 1)
        let bundle = try #require(bundles.first)
        #expect(bundle.corroboration == CorroborationBrief(certainty: .likely, origins: 3, required: 3))
        // Drafted when it opened, from the report that corroborated it.
        #expect((bundle.draftStates[.pending] ?? 0) == 33 && bundle.event.id == "toi-2026-shooting-1", "\(bundle)")
        let show = Self.run(["review", "show", "\(bundle.id)"], database: database)
        #expect(show.out.contains("Corroboration: likely, 3 of 3 independent origins, corroborated"), "\(show.out)")
        #expect(show.out.contains("· reuters.com (carried by nytimes.com) — same origin as an earlier report, not counted"), "\(show.out)")
        #expect(show.out.contains("✓ haaretz.com  via aggregator"), "\(show.out)")
        #expect(show.out.contains("✓ timesofisrael.com  via aggregator"), "\(show.out)")

        // A duty officer confirms: the same bundle, observed.
        let report = Self.run(["report", "--kind", "shooting", "--country", "IL", "--fatalities", "4", "--rules", "Rules"], database: database)
        #expect(report.code == .success, "\(report.err)")
        #expect(report.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(bundle.id)")
        let detail = try ReviewJSON.decoder().decode(BundleDetail.self, from: Data(
            Self.run(["review", "show", "\(bundle.id)", "--json"], database: database).out.utf8))
        #expect(detail.corroboration?.certainty == .observed)
        #expect(detail.corroboration?.evidence.last?.isAuthoritative == true)
        #expect(detail.corroboration?.evidence.last?.origin.hasPrefix("duty-officer:") == true)
    }

    struct HeldList: Decodable { var held: [CorroborationRecord] }
    struct ReviewList: Decodable { var bundles: [BundleSummary] }
}
