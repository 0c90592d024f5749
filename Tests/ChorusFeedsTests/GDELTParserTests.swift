import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

@Suite struct GDELTParserTests {
    @Test func eventExportSample() throws {
        let name = "gdelt2_events_2015-02-18_2020-03-18_100rows.export.CSV"
        #expect(FeedParser.detectFormat(try Fixtures.data(name)) == .gdelt)
        let result = try Fixtures.parse(name)
        #expect(result.rejections.isEmpty, "\(result.rejections)")
        // 100 rows: two CAMEO 190 (military force) in Turkey, two 193 (small arms); the rest are statements,
        // consultations and cooperation — counted, not events.
        #expect(result.events.map(\.id) == ["gdelt-410412361", "gdelt-410412368", "gdelt-913097130", "gdelt-913097131"])
        #expect(result.nonIncidents == 96)
        let kruger = try #require(result.events.first { $0.id == "gdelt-913097130" })
        #expect(kruger.kind == "shooting")
        #expect(kruger.countries == ["ZA"])  // FIPS SF, not ISO SF (no such code)
        #expect(kruger.place == "Kruger National Park, Limpopo, South Africa")
        #expect(kruger.location == Event.Location(lat: -23.8333, lon: 31.5))
        #expect(kruger.origin == "bbc.co.uk" && kruger.link == "https://www.bbc.co.uk/news/world-africa-51942957")
        #expect(kruger.occurredAt == RFC3339.parse("2020-03-18T12:00:00Z") && kruger.sentAt == RFC3339.parse("2020-03-18T10:45:00Z"))
        #expect(kruger.tags == ["gdelt", "cameo:193", "mentions:4", "sources:1", "articles:4"])
        #expect(kruger.certainty == .possible)
        // ActionGeo_Type 1 is a country: no place, no point (its centroid is not where anything happened).
        let mozambique = try #require(result.events.last)
        #expect(mozambique.countries == ["MZ"] && mozambique.place == nil && mozambique.location == nil)
        // SQLDATE a year before DATEADDED: when it happened is SQLDATE.
        #expect(result.events.first?.occurredAt == RFC3339.parse("2014-02-18T12:00:00Z"))
        #expect(result.events.first?.countries == ["TR"])  // FIPS TU
    }

    @Test func otherGDELTTablesAreRefusedByName() throws {
        let mentions = try Fixtures.parse("gdelt2_mentions_2015-02-18_100rows.mentions.CSV")
        #expect(mentions.rejections.map(\.reason) == ["a GDELT mentions table (16 columns), not an event export; Chorus reads GDELT event exports"])
        let gkg = try Fixtures.parse("gdelt2_gkg_2015-02-18_HEAD12of100.gkg.csv")
        #expect(gkg.isRejectedEntirely && gkg.rejections.first?.reason.contains("GKG") == true)
    }

    static func row(id: String = "1", day: String = "20170108", actor1: String = "", actor2: String = "", code: String,
                    geoType: String = "4", geoCountry: String = "IS", url: String = "https://www.example.co.il/a") -> String {
        var fields = Array(repeating: "", count: 61)
        fields[0] = id; fields[1] = day; fields[7] = actor1; fields[17] = actor2; fields[26] = code
        fields[31] = "10"; fields[32] = "3"; fields[33] = "9"
        fields[51] = geoType; fields[52] = "Jerusalem, Israel (general), Israel"; fields[53] = geoCountry
        fields[56] = "31.7833"; fields[57] = "35.2167"; fields[59] = "20170108120000"; fields[60] = url
        return fields.joined(separator: "\t")
    }

    @Test func cameoCodesFIPSAndExpulsions() throws {
        let lines = [
            Self.row(id: "1", code: "1832"),                                     // vehicular bombing
            Self.row(id: "2", actor1: "RUS", actor2: "GBR", code: "166", geoCountry: "RS"),  // Russia expels Britons
            Self.row(id: "3", code: "1662"),                                     // withdraw inspectors: not an incident
            Self.row(id: "4", code: "043"),                                      // host a visit
            Self.row(id: "5", day: "20170231", code: "190"),                     // no such day
            "1\t2\t3",                                                           // not a row of this table
        ]
        let result = try Fixtures.parser().parse(Data(lines.joined(separator: "\n").utf8), format: .gdelt)
        #expect(result.events.map(\.kind) == ["terror_attack", "diplomatic_expulsion"])
        #expect(result.events.first?.countries == ["IL"])  // FIPS IS is Israel, not Iceland
        #expect(result.events.last?.countries == ["GB"] && result.events.last?.actors == ["RU"])
        #expect(result.nonIncidents == 2)
        #expect(result.rejections.map(\.item) == ["line:5", "line:6"])
        #expect(result.rejections.first?.reason.contains("SQLDATE") == true)
    }
}
