import ChorusCore
import Foundation
import Testing

/// The normalized event's JSON contract (PRODUCT.md §4): strict decoding, field-named errors, stable encoding.
struct EventTests {
    static let jerusalem = """
        {"id":"il-2017-01-08-armon-hanatziv","source":"upstream","kind":"terror_attack","status":"actual",\
        "msgType":"alert","sentAt":"2017-01-08T13:45:00+02:00","occurredAt":"2017-01-08T13:30:00+02:00",\
        "countries":["IL"],"place":"Jerusalem","location":{"lat":31.7537,"lon":35.2393},"severity":"extreme",\
        "certainty":"observed","fatalities":4,"injured":17,"headline":{"en":"Truck-ramming attack in Jerusalem",\
        "he":"פיגוע דריסה בירושלים"}}
        """

    @Test func aValidEventDecodesAndEncodesStably() throws {
        let event = try JSONDecoder().decode(Event.self, from: Data(Self.jerusalem.utf8))
        #expect(event.id == "il-2017-01-08-armon-hanatziv")
        #expect(event.countries == ["IL"])
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1_483_875_000))
        #expect(event.headline["he"] == "פיגוע דריסה בירושלים")
        let line = try event.jsonLine()
        #expect(line.hasPrefix(#"{"certainty":"observed","countries":["IL"],"#))
        #expect(line.contains(#""occurredAt":"2017-01-08T11:30:00Z""#))
        #expect(try JSONDecoder().decode(Event.self, from: Data(line.utf8)) == event)
    }

    /// An event's own name (a storm's) is optional, travels through the JSON and is left out when unknown.
    @Test func aNameIsOptionalAndRoundTrips() throws {
        let helene = try JSONDecoder().decode(Event.self, from: Data(#"{"id":"tc-1","kind":"tropical_cyclone","name":"Helene","countries":["US"]}"#.utf8))
        #expect(helene.name == "Helene")
        let line = try helene.jsonLine()
        #expect(line.contains(#""name":"Helene""#))
        #expect(try JSONDecoder().decode(Event.self, from: Data(line.utf8)) == helene)
        let unnamed = try JSONDecoder().decode(Event.self, from: Data(Self.jerusalem.utf8))
        let unnamedLine = try unnamed.jsonLine()
        #expect(unnamed.name == nil && !unnamedLine.contains("\"name\""))
    }

    @Test func defaultsApplyWhenOptionalFieldsAreMissing() throws {
        let event = try JSONDecoder().decode(Event.self, from: Data(#"{"id":"x"}"#.utf8))
        #expect(event.status == .actual)
        #expect(event.msgType == .alert)
        #expect(event.kind == "other")
        #expect(event.severity == .unknown)
        #expect(!event.isDrill)
    }

    @Test(arguments: [
        (#"{"kind":"earthquake"}"#, "id: is required"),
        (#"{"id":"x","partcipants":[]}"#, "partcipants: unknown field 'partcipants'; allowed: id, source, kind, status, msgType, references, incident, sentAt, occurredAt, countries, actors, origin, name, place, location, severity, certainty, alertLevel, magnitude, fatalities, injured, headline, description, link, tags"),
        (#"{"id":"x","countries":["IL","XX"]}"#, "countries[1]: 'XX' is not an ISO 3166-1 alpha-2 country code"),
        (#"{"id":"x","countries":["il"]}"#, "countries[0]: 'il' is not an ISO 3166-1 alpha-2 country code"),
        (#"{"id":"x","sentAt":"yesterday"}"#, "sentAt: 'yesterday' is not an RFC 3339 date-time"),
        (#"{"id":"x","sentAt":"2017-02-30T10:00:00Z"}"#, "sentAt: '2017-02-30T10:00:00Z' is not an RFC 3339 date-time"),
        (#"{"id":"x","status":"Actual"}"#, "status: 'Actual' is not one of actual, exercise, test, draft, system"),
        (#"{"id":"x","msgType":"ack"}"#, "msgType: 'ack' is not one of alert, update, cancel"),
        (#"{"id":"x","fatalities":-1}"#, "fatalities: must not be negative"),
        (#"{"id":"x","fatalities":"four"}"#, "fatalities: expected an integer"),
        (#"{"id":"x","magnitude":1e308}"#, "magnitude: 1e+308 is not a plausible magnitude"),
        (#"{"id":"x","location":{"lat":91,"lon":0}}"#, "location.lat: 91.0 is not a latitude between -90 and 90"),
        (#"{"id":"x","kind":"Terror Attack"}"#, "kind: 'Terror Attack' is not a snake_case kind"),
        (#"{"id":"x","headline":{"english!":"x"}}"#, "headline.english!: 'english!' is not a language tag"),
        (#"{"id":"x","link":"javascript:alert(1)"}"#, "link: 'javascript:alert(1)' is not an http or https URL"),
        (#"{"id":""}"#, "id: must not be empty"),
        (#"{"id":"x","name":" "}"#, "name: must not be empty"),
        (#"{"id":"x","name":"Hel\nene"}"#, "name: contains the control character U+000A: a name is one line of text"),
        (#"{"id":"x","name":"Helene\u0085"}"#, "name: contains the control character U+0085: a name is one line of text"),
        (#"{"id":"x","name":["Helene"]}"#, "name: expected a string"),
    ])
    func invalidEventsAreRejectedNamingTheField(json: String, message: String) {
        #expect {
            try JSONDecoder().decode(Event.self, from: Data(json.utf8))
        } throws: { error in
            (error as? EventError)?.description == message
        }
    }

    @Test(arguments: [
        ("2017-01-08T11:30:00Z", 1_483_875_000.0),
        ("2017-01-08T13:30:00+02:00", 1_483_875_000.0),
        ("2017-01-08t11:30:00.5z", 1_483_875_000.5),
        ("2017-01-08 06:30:00-05:00", 1_483_875_000.0),
        ("2016-02-29T00:00:00Z", 1_456_704_000.0),
    ])
    func rfc3339Parses(text: String, seconds: Double) {
        #expect(RFC3339.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: ["2017-01-08", "2017-01-08T11:30:00", "2017-13-01T00:00:00Z", "2015-02-29T00:00:00Z",
                      "2017-01-08T24:00:00Z", "2017-01-08T11:30:00+2:00", "2017-01-08T11:30:00Z junk"])
    func rfc3339RejectsWhatIsNotOne(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func rfc3339FormatsInUTC() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_483_875_000)) == "2017-01-08T11:30:00Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_483_875_000.25)) == "2017-01-08T11:30:00.250Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }
}

/// The limit table (`EventLimits`) and the characters PostgreSQL cannot store.
struct EventLimitsTests {
    @Test func aNulAnywhereIsRefusedNamingTheField() {
        let cases: [(Event, String)] = [
            (Event(id: "a\u{0}"), "id"), (Event(id: "x", source: "s\u{0}"), "source"),
            (Event(id: "x", references: ["r", "\u{0}"]), "references[1]"), (Event(id: "x", incident: "\u{0}i"), "incident"),
            (Event(id: "x", origin: "o\u{0}"), "origin"), (Event(id: "x", place: "\u{0}"), "place"), (Event(id: "x", name: "\u{0}"), "name"),
            (Event(id: "x", headline: ["he": "\u{0}"]), "headline.he"), (Event(id: "x", description: ["en": "a\u{0}"]), "description.en"),
            (Event(id: "x", tags: ["\u{0}"]), "tags[0]"),
        ]
        for (event, field) in cases {
            #expect(throws: EventError(field: field, message: "contains U+0000 (NUL), which cannot be stored")) { try event.validate() }
        }
    }

    @Test func valuesInMessagesAreQuotedOnOneLine() {
        #expect(throws: EventError(field: "kind", message: #"'bad\nkind' is not a snake_case kind"#)) {
            try Event(id: "x", kind: "bad\nkind").validate()
        }
        #expect(throws: EventError(field: "countries[0]", message: #"'I\u{1b}L' is not an ISO 3166-1 alpha-2 country code"#)) {
            try Event(id: "x", countries: ["I\u{1b}L"]).validate()
        }
    }

    @Test func eachListHasItsBound() throws {
        try Event(id: "x", countries: Array(repeating: "IL", count: EventLimits.countries), tags: Array(repeating: "t", count: EventLimits.tags)).validate()
        #expect(throws: EventError.self) { try Event(id: "x", countries: Array(repeating: "IL", count: EventLimits.countries + 1)).validate() }
        #expect(throws: EventError.self) { try Event(id: "x", tags: Array(repeating: "t", count: EventLimits.tags + 1)).validate() }
        #expect(throws: EventError.self) { try Event(id: "x", references: Array(repeating: "r", count: EventLimits.references + 1)).validate() }
        let languages = Dictionary(uniqueKeysWithValues: (0...EventLimits.languages).map { ("x\(String(format: "%02d", $0 % 100))-\($0)", "t") })
        #expect(throws: EventError(field: "headline", message: "has \(languages.count) languages, more than the limit of \(EventLimits.languages)")) {
            try Event(id: "x", headline: languages).validate()
        }
        #expect(throws: EventError.self) { try Event(id: "x", link: "https://a.example/" + String(repeating: "p", count: EventLimits.linkBytes)).validate() }
        try Event(id: "x", name: String(repeating: "n", count: EventLimits.identifierBytes)).validate()
        #expect(throws: EventError(field: "name", message: "is longer than \(EventLimits.identifierBytes) bytes")) {
            try Event(id: "x", name: String(repeating: "n", count: EventLimits.identifierBytes + 1)).validate()
        }
    }
}
