import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

@Suite struct GeoJSONParserTests {
    @Test func usgsAllDay() throws {
        let result = try Fixtures.parse("usgs_all_day_2018-09-16.geojson")
        #expect(result.rejections.isEmpty)
        #expect(result.events.count == 188)
        #expect(result.events.allSatisfy { $0.kind == "earthquake" && $0.source == "usgs" })

        let first = result.events[0]
        #expect(first.id == "ak20255160")
        #expect(first.magnitude == 2)
        #expect(first.place == "132km WNW of Arctic Village, Alaska")
        #expect(first.countries == ["US"])
        #expect(first.occurredAt == Date(timeIntervalSince1970: 1_537_070_431.969))
        #expect(first.sentAt == Date(timeIntervalSince1970: 1_537_070_826.993))
        #expect(first.location == Event.Location(lat: 68.7636, lon: -148.2799))
        #expect(first.alertLevel == nil)
        #expect(first.tags == ["sig:62", "usgs:ak20255160"])

        let japan = try #require(result.events.first { $0.id == "us2000hf73" })
        #expect(japan.alertLevel == .green)
        #expect(japan.severity == .minor)
        #expect(japan.magnitude == 5.5)
        #expect(japan.countries == ["JP"])
        #expect(japan.headline == ["en": "M 5.5 - 154km E of Nago, Japan"])
        #expect(japan.link == "https://earthquake.usgs.gov/earthquakes/eventpage/us2000hf73")

        // Several networks reported this one: every id is kept as a tag.
        let merged = try #require(result.events.first { $0.id == "ak20254969" })
        #expect(merged.tags.contains("usgs:us2000hf7h"))
        #expect(merged.tags.contains("usgs:ak20254969"))
    }

    @Test func unmappedTypesAreRejected() throws {
        let result = try Fixtures.parse("SYNTHETIC_usgs_fixture_null_mag_3features.json")
        #expect(result.events.isEmpty)
        #expect(result.rejections.map(\.item) == ["1234", "2345", "3456"])
        #expect(result.rejections[0].reason == "properties.type: 'Type 1' is not mapped to a kind in kinds.json5")
    }

    @Test func nullMagnitudeIsAccepted() throws {
        // The synthetic fixture with its placeholder strings replaced by real values.
        var text = try #require(String(data: try Fixtures.data("SYNTHETIC_usgs_fixture_null_mag_3features.json"), encoding: .utf8))
        for number in 1...3 {
            text = text.replacingOccurrences(of: "\"Type \(number)\"", with: "\"earthquake\"")
                .replacingOccurrences(of: "\"Alert \(number)\"", with: number == 2 ? "\"orange\"" : "null")
        }
        let result = try Fixtures.parser().parse(Data(text.utf8))
        #expect(result.rejections.isEmpty)
        #expect(result.events.map(\.id) == ["1234", "2345", "3456"])
        #expect(result.events.map(\.magnitude) == [3, 1.25, nil])
        #expect(result.events[1].alertLevel == .orange)
        #expect(result.events[1].severity == .severe)
        #expect(result.events[2].location == Event.Location(lat: -32.2345, lon: 149.1234))
        #expect(result.events[2].occurredAt == Date(timeIntervalSince1970: 1_537_603_200))
    }

    @Test(arguments: [
        ("\"mag\": \"big\"", "properties.mag: expected a number, found a string"),
        ("\"time\": 1e18", "properties.time: 1e+18 is not a plausible time in epoch milliseconds"),
        ("\"type\": \"quarry blast\"", "properties.type: 'quarry blast' is not a crisis"),
        ("\"alert\": \"purple\"", "properties.alert: 'purple' is not one of green, yellow, orange, red"),
        ("\"mag\": 99", "magnitude: 99.0 is not a plausible magnitude"),
        ("\"tsunami\": 7", "properties.tsunami: expected 0 or 1"),
    ])
    func badFieldIsNamed(property: String, reason: String) throws {
        let json = """
        {"type":"FeatureCollection","features":[
          {"type":"Feature","id":"bad","properties":{\(property)},"geometry":{"type":"Point","coordinates":[1,2,3]}},
          {"type":"Feature","id":"good","properties":{"mag":4.1,"tsunami":1,"place":"Off the coast of Chile"},"geometry":null}
        ]}
        """
        let result = try Fixtures.parser().parse(Data(json.utf8))
        #expect(result.rejections == [Rejection(item: "bad", reason: reason)])
        #expect(result.events.map(\.id) == ["good"])
        #expect(result.events.first?.tags == ["tsunami"])
    }
}
