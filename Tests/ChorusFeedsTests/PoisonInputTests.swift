import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

/// Garbage that used to cost more than itself: values PostgreSQL cannot store, lists without end, numbers
/// beyond a Double, Foundation's internal error names, and a DTD in UTF-16. Each costs its own item only,
/// with a reason a person can read.
@Suite struct PoisonInputTests {
    static func parse(_ lines: [String]) throws -> ParseResult {
        try Fixtures.parser().parse(Data(lines.joined(separator: "\n").utf8), format: .jsonl)
    }

    @Test(arguments: [
        (#"{"id":"a\u0000b"}"#, "id: contains U+0000 (NUL), which cannot be stored"),
        (#"{"id":"x","headline":{"en":"bad \u0000 byte"}}"#, "headline.en: contains U+0000 (NUL), which cannot be stored"),
        (#"{"id":"x","place":"\u0000"}"#, "place: contains U+0000 (NUL), which cannot be stored"),
        (#"{"id":"x","tags":["ok","\u0000"]}"#, "tags[1]: contains U+0000 (NUL), which cannot be stored"),
        (#"{"id":"x","link":"https://a.example/\u0000"}"#, "link: contains U+0000 (NUL), which cannot be stored"),
        (#"{"id":"x","kind":"earth\u0000quake"}"#, "kind: contains U+0000 (NUL), which cannot be stored"),
    ])
    func aNulCostsItsLineOnly(line: String, reason: String) throws {
        let result = try Self.parse([#"{"id":"ok-1"}"#, line, #"{"id":"ok-2"}"#])
        #expect(result.events.map(\.id) == ["ok-1", "ok-2"])
        #expect(result.rejections.map(\.item) == ["line:2"])
        #expect(result.rejections.first?.reason == reason)
        #expect(result.rejections.allSatisfy { !$0.reason.utf8.contains(0) })
    }

    @Test func aLoneSurrogateIsNamedInChorussWords() throws {
        let result = try Self.parse([#"{"id":"ok-1"}"#, #"{"id":"x","place":"\ud800 alone"}"#])
        #expect(result.events.map(\.id) == ["ok-1"])
        let reason = try #require(result.rejections.first?.reason)
        #expect(reason == "place: holds text that is not valid Unicode (a lone surrogate?)", "\(reason)")
        #expect(!reason.contains("Surrogate") && !reason.contains("UTF8Sequence"), "\(reason)")
    }

    @Test func aNumberBeyondADoubleIsNamedInChorussWords() throws {
        let huge = "1" + String(repeating: "0", count: 5000)
        let result = try Self.parse([#"{"id":"x","fatalities":\#(huge)}"#, #"{"id":"y","magnitude":1e400}"#, #"{"id":"ok"}"#])
        #expect(result.events.map(\.id) == ["ok"])
        #expect(result.rejections.count == 2)
        for rejection in result.rejections {
            #expect(!rejection.reason.contains("Representable") && !rejection.reason.contains("parsed:"), "\(rejection)")
            #expect(rejection.reason.count < 200, "\(rejection)")
        }
        #expect(result.rejections[0].reason.hasPrefix("fatalities: "), "\(result.rejections)")
        #expect(result.rejections[1].reason.hasPrefix("magnitude: "), "\(result.rejections)")
    }

    @Test(arguments: [
        ("tags", 200_000, "\"t\"", "tags: has 200000 entries, more than the limit of 256"),
        ("countries", 100_000, "\"IL\"", "countries: has 100000 entries, more than the limit of 250"),
        ("references", 100_000, "\"r\"", "references: has 100000 entries, more than the limit of 100"),
        ("actors", 1_000, "\"DE\"", "actors: has 1000 entries, more than the limit of 250"),
    ])
    func listsAreBoundedPerField(field: String, count: Int, element: String, reason: String) throws {
        let list = "[" + Array(repeating: element, count: count).joined(separator: ",") + "]"
        let result = try Self.parse([#"{"id":"big","\#(field)":\#(list)}"#, #"{"id":"ok"}"#])
        #expect(result.events.map(\.id) == ["ok"])
        #expect(result.rejections.first?.reason == reason)
    }

    @Test func theLimitsAreOneTableForEveryFormat() throws {
        // The same over-long headline is refused alike in JSON Lines and in CAP, by the same limit.
        let long = String(repeating: "a", count: EventLimits.textBytes + 1)
        let jsonl = try Self.parse([#"{"id":"x","headline":{"en":"\#(long)"}}"#])
        #expect(jsonl.rejections.first?.reason == "headline.en: is longer than \(EventLimits.textBytes) bytes")
        let cap = """
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a1</identifier><sender>s</sender>
            <sent>2020-01-01T00:00:00Z</sent><status>Actual</status><msgType>Alert</msgType>
            <info><event>Flood</event><headline>\(long)</headline></info></alert>
            """
        let result = try Fixtures.parser().parse(Data(cap.utf8), format: .cap)
        #expect(result.rejections.map(\.item) == ["a1"])
        #expect(result.rejections.first?.reason == "info[0].headline: is longer than \(EventLimits.textBytes) bytes")
    }

    @Test func anOutOfRangeNumberCostsItsFeatureOnly() throws {
        func feature(_ id: String, mag: String) -> String {
            #"{"type":"Feature","id":"\#(id)","properties":{"mag":\#(mag),"place":"10 km N of Nago, Japan","time":1537000000000,"type":"earthquake"},"geometry":{"type":"Point","coordinates":[128,26.7,10]}}"#
        }
        let document = #"{"type":"FeatureCollection","features":["# + [
            feature("good-1", mag: "5.1"), feature("poison", mag: "1e400"),
            feature("digits", mag: "1" + String(repeating: "0", count: 5000)), feature("good-2", mag: "4.2"),
        ].joined(separator: ",") + "]}"
        let result = try Fixtures.parser().parse(Data(document.utf8))
        #expect(result.events.map(\.id) == ["good-1", "good-2"])
        #expect(result.rejections.map(\.item) == ["poison", "digits"])
        #expect(result.rejections.allSatisfy { $0.reason == "properties.mag: is out of range" }, "\(result.rejections)")
    }

    /// UTF-16 without a byte-order mark: the XML parser detects it from the first bytes, a byte search for
    /// `<!DOCTYPE` does not. Refused whatever format is asked for, and no file is read.
    @Test(arguments: [FeedFormat.auto, .cap, .gdacs, .news])
    func aDTDInUTF16IsRefusedWhateverTheFormat(format: FeedFormat) throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-16"?>
            <!DOCTYPE alert [ <!ENTITY leak SYSTEM "file:///etc/passwd"> ]>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a</identifier><sender>s</sender>
            <sent>2020-01-01T00:00:00Z</sent><status>Actual</status><msgType>Alert</msgType>
            <info><event>&leak;</event></info></alert>
            """
        for encoding in [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf32LittleEndian] {
            let data = try #require(xml.data(using: encoding))
            let result = try Fixtures.parser().parse(data, format: format)
            #expect(result.events.isEmpty)
            #expect(result.rejections.count == 1)
            #expect(!"\(result)".contains("root:"), "\(result)")
            if format != .auto {
                #expect(result.rejections.first?.reason.contains("only UTF-8") == true, "\(result.rejections)")
            }
        }
    }
}
