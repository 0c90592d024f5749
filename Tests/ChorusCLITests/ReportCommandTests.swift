import ChorusCLI
import ChorusCore
import Foundation
import Postgres
import Testing
import TestSupport

/// `chorus report`: a duty officer's report, offline and into a real database.
struct ReportCommandTests {
    static let jerusalem = ["report", "--kind", "terror_attack", "--country", "il", "--place", "Jerusalem",
                            "--fatalities", "4", "--injured", "17", "--headline", "Truck-ramming attack in Jerusalem",
                            "--occurred", "2017-01-08T11:30:00Z", "--rules", "Rules"]

    @Test func dryRunJSONIsTheNormalizedEvent() throws {
        let outcome = IngestCommandTests.run(Self.jerusalem + ["--dry-run", "--json"])
        #expect(outcome.code == .success, "\(outcome.err)")
        let event = try JSONDecoder().decode(Event.self, from: Data(outcome.out.utf8))
        #expect(event.kind == "terror_attack" && event.countries == ["IL"] && event.place == "Jerusalem")
        #expect(event.fatalities == 4 && event.injured == 17 && event.headline == ["en": "Truck-ramming attack in Jerusalem"])
        #expect(event.certainty == .observed && event.status == .actual && event.source == "duty-officer")
        #expect(event.occurredAt == RFC3339.parse("2017-01-08T11:30:00Z") && event.id.hasPrefix("report-"))
        // Left out means unknown, never zero.
        let bare = IngestCommandTests.run(["report", "--kind", "shooting", "--country", "US", "--dry-run", "--json"])
        let unknown = try JSONDecoder().decode(Event.self, from: Data(bare.out.utf8))
        #expect(unknown.fatalities == nil && unknown.injured == nil)
        // Established facts travel as fact tags.
        let halle = IngestCommandTests.run(["report", "--kind", "terror_attack", "--country", "DE", "--place", "Halle", "--fatalities", "2",
                                            "--fact", "target:synagogue", "--fact", "motive:antisemitic", "--fact", "day:yom_kippur",
                                            "--dry-run", "--json"])
        #expect(halle.code == .success, "\(halle.err)")
        let facts = try JSONDecoder().decode(Event.self, from: Data(halle.out.utf8))
        #expect(facts.tags == ["duty-officer", "target:synagogue", "motive:antisemitic", "day:yom_kippur"])
        // The event's own name, as the agencies give it; none unless given.
        let helene = IngestCommandTests.run(["report", "--kind", "tropical_cyclone", "--country", "US", "--name", "Helene", "--dry-run", "--json"])
        #expect(helene.code == .success, "\(helene.err)")
        #expect(try JSONDecoder().decode(Event.self, from: Data(helene.out.utf8)).name == "Helene")
        #expect(unknown.name == nil)
        let neveYaakov = IngestCommandTests.run(["report", "--kind", "terror_attack", "--country", "IL", "--fact", "near:synagogue",
                                                 "--fact", "day:holocaust_remembrance", "--dry-run", "--json"])
        #expect(neveYaakov.code == .success, "\(neveYaakov.err)")
        #expect(try JSONDecoder().decode(Event.self, from: Data(neveYaakov.out.utf8)).tags == ["duty-officer", "near:synagogue", "day:holocaust_remembrance"])
    }

    @Test(arguments: [
        (["report", "--country", "IL", "--dry-run"], "missing '--kind <kind>'"),
        (["report", "--kind", "terror_attack", "--dry-run"], "missing '--country <code>'"),
        (["report", "--kind", "terror_attack", "--country", "XX", "--dry-run"], "not an ISO 3166-1 alpha-2 code"),
        (["report", "--kind", "riot", "--country", "IL", "--dry-run"], "not in the kinds vocabulary"),
        (["report", "--kind", "shooting", "--country", "IL", "--fatalities", "-1", "--dry-run"], "--fatalities <n>"),
        (["report", "--kind", "shooting", "--country", "IL", "--occurred", "yesterday", "--dry-run"], "--occurred <time>"),
        (["report", "--kind", "shooting", "--country", "IL", "--fact", "target:synagog", "--dry-run"], "did you mean 'target:synagogue'?"),
        (["report", "--kind", "shooting", "--country", "IL", "--fact", "urgent", "--dry-run"], "invalid value 'urgent' for '--fact <tag>'"),
        (["report", "--kind", "shooting", "--country", "IL", "--fact", "near:synagoge", "--dry-run"], "did you mean 'near:synagogue'?"),
        (["report", "--kind", "shooting", "--country", "DE", "--fact", "victims:XX", "--dry-run"], "ISO 3166-1 alpha-2 country code"),
        (["report", "--kind", "storm", "--country", "DE", "--name", "Daniel\nEvil", "--dry-run"],
         "the report is not a valid event: name: contains the control character U+000A"),
        (["report", "--kind", "storm", "--country", "DE", "--name", " ", "--dry-run"], "name: must not be empty"),
    ])
    func usageErrorsExit64(arguments: [String], message: String) {
        let outcome = IngestCommandTests.run(arguments)
        #expect(outcome.code == .usage)
        #expect(outcome.err.contains(message), "\(outcome.err)")
    }

    @Test func aReportIsQueuedAsTheReportingUserAndDrafts() throws {
        let database = try TestPostgres.makeDatabase()
        #expect(IngestCommandTests.run(["migrate", "--database", database]).code == .success)
        let outcome = IngestCommandTests.run(Self.jerusalem + ["--database", database, "--json"])
        #expect(outcome.code == .success, "\(outcome.err)")
        let output = try JSONDecoder().decode([String: JSONScalar].self, from: Data(outcome.out.utf8))
        let connection = try Connection(database)
        let user = try connection.query("SELECT session_user::text AS u").first?.decode("u", as: String.self) ?? ""
        #expect(output["origin"] == .string("duty-officer:\(user)"))
        let stored = try connection.query("""
            SELECT e.payload->>'origin' AS origin, count(d.id)::int AS drafts
            FROM chorus.events e JOIN chorus.bundles b ON b.event_id = e.id JOIN chorus.drafts d ON d.bundle_id = b.id
            WHERE e.source = 'duty-officer' GROUP BY 1
            """)
        #expect(try stored.first?.decode("origin", as: String.self) == "duty-officer:\(user)")
        #expect(try (stored.first?.decode("drafts", as: Int.self) ?? 0) > 0, "the attack rule drafts for it")
        // A named storm is stored with its name, and reads back as it was reported.
        let storm = IngestCommandTests.run(["report", "--kind", "tropical_cyclone", "--country", "US", "--name", "Helene", "--fatalities", "230",
                                            "--rules", "Rules", "--database", database, "--json"])
        #expect(storm.code == .success, "\(storm.err)")
        let payload = try connection.query("SELECT payload::text AS p FROM chorus.events WHERE payload->>'name' = 'Helene'")
        #expect(payload.rows.count == 1)
        let text = try #require(try payload.first?.decode("p", as: String.self))
        let event = try JSONDecoder().decode(Event.self, from: Data(text.utf8))
        #expect(event.name == "Helene" && event.kind == "tropical_cyclone" && event.fatalities == 230)
    }
}

/// A JSON value of `chorus report --json`'s one-level object.
enum JSONScalar: Decodable, Equatable {
    case string(String)
    case numbers([Int])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self = .string(text) } else { self = .numbers(try container.decode([Int].self)) }
    }
}
