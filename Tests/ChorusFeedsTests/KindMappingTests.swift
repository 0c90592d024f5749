import ChorusCore
import Foundation
import Testing

@Suite struct KindMappingTests {
    @Test func repositoryFileLoads() throws {
        let mapping = try Fixtures.kinds()
        for kind in ["terror_attack", "shooting", "earthquake", "tsunami", "flood", "tropical_cyclone", "volcano",
                     "wildfire", "drought", "storm", "epidemic", "diplomatic_expulsion", "other"] {
            #expect(mapping.kinds.contains(kind), "\(kind)")
        }
        #expect(mapping.gdacsKind(eventType: "EQ") == "earthquake")
        #expect(mapping.gdacsKind(eventType: "wf") == "wildfire")
        #expect(mapping.gdacsKind(eventType: "XX") == nil)
        #expect(mapping.usgsKind(type: "earthquake") == .kind("earthquake"))
        #expect(mapping.usgsKind(type: "Quarry Blast") == .notACrisis)
        #expect(mapping.usgsKind(type: "Type 1") == .unknown)
        #expect(mapping.keywordKind(in: "Truck-ramming attack in Jerusalem") == "terror_attack")
        #expect(mapping.keywordKind(in: "TROPICAL STORM WARNING") == "tropical_cyclone")
        #expect(mapping.keywordKind(in: "Nothing to see") == nil)
        #expect(mapping.capKind(eventCodes: [("SAME", "tsw")], event: "whatever", headline: nil, categories: []) == "tsunami")
        #expect(mapping.capKind(eventCodes: [], event: "Flash  Flood\nWarning", headline: nil, categories: ["Met"]) == "flood")
        #expect(mapping.capKind(eventCodes: [], event: "Strange", headline: nil, categories: ["Health"]) == "epidemic")
        #expect(mapping.capKind(eventCodes: [], event: nil, headline: nil, categories: []) == "other")
    }

    @Test(arguments: [
        ("{kinds: {other: 'x'}, colour: 1}", "k.json5:1:23: colour: unknown field 'colour'; allowed: cap, gdacs, gdelt, keywords, kinds, news, usgs, version"),
        ("{kinds: {other: 'x'}, gdacs: {eventtypes: {EQ: 'quake'}}}", "k.json5:1:48: gdacs.eventtypes.EQ: 'quake' is not a kind declared in 'kinds'"),
        ("{kinds: {Other: 'x'}}", "k.json5:1:10: kinds.Other: 'Other' is not a snake_case kind"),
        ("{kinds: {flood: 'x'}}", "k.json5:1:9: kinds: must declare 'other', the kind of events no table maps"),
        ("{kinds: {other: 'x'}, keywords: [{kind: 'other', words: []}]}", "k.json5:1:57: keywords[0].words: expected a non-empty list of words"),
        ("{kinds: {other: 'x'}, keywords: [{kind: 'other', words: ['a'], weight: 2}]}", "k.json5:1:64: keywords[0].weight: unknown field 'weight'; allowed: kind, words"),
        ("{kinds: {other: 'x'}, cap: {events: {Fire: 'other', FIRE: 'other'}}}", "k.json5:1:53: cap.events.FIRE: is listed twice (keys are compared ignoring case)"),
        ("{version: 2, kinds: {other: 'x'}}", "k.json5:1:11: version: this Chorus reads version 1 of the kinds file"),
        ("{cap: {}}", "k.json5: kinds: is required: the kind vocabulary"),
        ("{kinds: ", "k.json5:1:9: syntax error: unexpected end of file, expected a value"),
    ])
    func errorsNameTheField(text: String, message: String) {
        do {
            _ = try KindMapping(json5: Data(text.utf8), file: "k.json5")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func json5Syntax() throws {
        let text = """
        // comment
        { version: 1, kinds: { other: "Anything", flood: 'Water', }, usgs: { types: { earthquake: "other", }, }, }
        """
        let mapping = try KindMapping(json5: Data(text.utf8))
        #expect(mapping.kinds == ["other", "flood"])
        #expect(mapping.usgsKind(type: "earthquake") == .kind("other"))
    }

    @Test func missingFileIsAnError() {
        #expect(throws: KindMappingError.self) {
            try KindMapping.load(from: URL(fileURLWithPath: "/nonexistent/kinds.json5"))
        }
    }
}
