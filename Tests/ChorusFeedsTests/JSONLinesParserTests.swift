import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

@Suite struct JSONLinesParserTests {
    @Test func badLineIsRejectedOthersGoOn() throws {
        let data = try Fixtures.data("events.jsonl")
        #expect(FeedParser.detectFormat(data) == .jsonl)
        let result = try Fixtures.parse("events.jsonl")
        #expect(result.events.map(\.id) == ["jerusalem-2017-01-08", "berlin-2016-12-19"])
        #expect(result.rejections == [
            Rejection(item: "line:2", reason: "countries[0]: 'XX' is not an ISO 3166-1 alpha-2 country code"),
        ])
        #expect(result.rejections.first?.raw == Data("{\"id\":\"bad-country\",\"kind\":\"earthquake\",\"countries\":[\"XX\"]}".utf8))
        let jerusalem = result.events[0]
        #expect(jerusalem.kind == "terror_attack")
        #expect(jerusalem.countries == ["IL"])
        #expect(jerusalem.fatalities == 4)
        #expect(jerusalem.source == "ops-desk")
        #expect(jerusalem.headline["he"] == "פיגוע דריסה בירושלים")
        #expect(result.events[1].references == ["berlin-2016-12-19-a"])
        #expect(result.events[1].sentAt == (try Fixtures.date("2016-12-19T19:00:00Z")))
    }

    @Test func configuredSourceWins() throws {
        let result = try Fixtures.parse("events.jsonl", source: "desk-feed")
        #expect(result.events.allSatisfy { $0.source == "desk-feed" })
    }

    @Test(arguments: [
        ("{\"id\":\"a\",\"kind\":\"alien_invasion\"}", "kind: 'alien_invasion' is not a kind declared in kinds.json5"),
        ("{\"id\":\"a\",\"colour\":\"red\"}", "colour: unknown field 'colour'; allowed: id, source, kind, status, msgType, references, incident, sentAt, occurredAt, countries, actors, origin, name, place, location, severity, certainty, alertLevel, magnitude, fatalities, injured, headline, description, link, tags"),
        ("{\"id\":\"a\",\"fatalities\":1e300}", "fatalities: "),
        ("{\"id\":\"a\",\"sentAt\":\"yesterday\"}", "sentAt: 'yesterday' is not an RFC 3339 date-time"),
        ("[1,2", "not a JSON object: "),
        ("{\"id\":\"a\",\"tags\":" + String(repeating: "[", count: 100) + "]", "JSON is nested deeper than 64 levels"),
    ])
    func rejectionReasons(line: String, reason: String) throws {
        let input = "{\"id\":\"ok-1\"}\n" + line + "\n{\"id\":\"ok-2\"}\n"
        let result = try Fixtures.parser().parse(Data(input.utf8), format: .jsonl)
        #expect(result.events.map(\.id) == ["ok-1", "ok-2"])
        #expect(result.rejections.count == 1)
        #expect(result.rejections.first?.item == "line:2")
        #expect(result.rejections.first?.reason.hasPrefix(reason) == true, "\(result.rejections)")
    }

    @Test func invalidUTF8LineIsRejected() throws {
        var data = Data("{\"id\":\"ok-1\"}\n{\"id\":\"".utf8)
        data.append(contentsOf: [0xC3, 0x28])
        data.append(Data("\"}\r\n{\"id\":\"ok-2\"}".utf8))
        let result = try Fixtures.parser().parse(data, format: .jsonl)
        #expect(result.events.map(\.id) == ["ok-1", "ok-2"])
        #expect(result.rejections == [Rejection(item: "line:2", reason: "the line is not valid UTF-8")])
    }
}
