import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

@Suite struct NewsClassifierTests {
    static func classify(_ title: String, summary: String? = nil, language: String?, categories: [String] = [],
                         points: [Event.Location] = [], link: String = "https://www.paper.example.com/x") throws -> Event? {
        let classifier = NewsClassifier(options: ParserOptions(kinds: try Fixtures.kinds(), gazetteer: try Fixtures.gazetteer()))
        let item = NewsItem(id: "i", title: title, summary: summary, link: link, language: language,
                            categories: categories, points: points)
        return classifier.event(from: item, publisher: nil)
    }

    struct Case: Sendable, CustomStringConvertible {
        var title: String
        var language: String
        var kind: String?
        var countries: [String] = []
        var fatalities: Int? = nil
        var injured: Int? = nil
        var actors: [String] = []
        var place: String? = nil
        var description: String { title }
    }

    @Test(arguments: [
        // Places from the gazetteer, in every language it holds names for: the place, and its country.
        Case(title: "Truck-ramming attack in Jerusalem: four killed, 17 injured", language: "en", kind: "terror_attack",
             countries: ["IL"], fatalities: 4, injured: 17, place: "Jerusalem"),
        Case(title: "Anschlag in Jerusalem: vier Tote", language: "de", kind: "terror_attack", countries: ["IL"], fatalities: 4,
             place: "Jerusalem"),
        Case(title: "Fusillade à Marseille : deux morts", language: "fr", kind: "shooting", countries: ["FR"], fatalities: 2,
             place: "Marseille"),
        Case(title: "Atentado en Barcelona: una furgoneta arrolla a peatones en La Rambla", language: "es", kind: "terror_attack",
             countries: ["ES"], place: "Barcelona"),
        Case(title: "פיגוע ירי בירושלים: שלושה הרוגים", language: "he", kind: "shooting", countries: ["IL"], fatalities: 3,
             place: "ירושלים"),
        Case(title: "Attentat au camion-bélier à Nice", language: "fr", kind: "terror_attack", countries: ["FR"], place: "Nice"),
        Case(title: "Anschlag am Breitscheidplatz in Berlin", language: "de", kind: "terror_attack", countries: ["DE"],
             place: "Breitscheidplatz"),
        Case(title: "Truck-ramming attack in Israel kills four officers", language: "en", kind: "terror_attack",
             countries: ["IL"], fatalities: 4),
        Case(title: "Anschlag in Israel: vier Tote und 15 Verletzte", language: "de", kind: "terror_attack",
             countries: ["IL"], fatalities: 4, injured: 15),
        Case(title: "Attentat en Israël : quatre morts et dix-sept blessés", language: "fr", kind: "terror_attack",
             countries: ["IL"], fatalities: 4, injured: 17),
        Case(title: "Atentado en Israel: al menos cuatro muertos", language: "es", kind: "terror_attack",
             countries: ["IL"], fatalities: 4),
        Case(title: "פיגוע דריסה בישראל: ארבעה הרוגים ו-17 פצועים", language: "he", kind: "terror_attack",
             countries: ["IL"], fatalities: 4, injured: 17),
        Case(title: "مقتل 4 جنود في عملية دهس في القدس", language: "ar", kind: "terror_attack", countries: ["IL"], fatalities: 4,
             place: "القدس"),
        Case(title: "Shooting at Las Vegas concert: at least 58 people killed, 489 wounded", language: "en", kind: "shooting",
             countries: ["US"], fatalities: 58, injured: 489, place: "Las Vegas"),
        Case(title: "Schüsse in München: Polizei sucht Täter", language: "de", kind: "shooting", countries: ["DE"], fatalities: nil,
             place: "München"),
        Case(title: "Tormenta tropical golpea Honduras", language: "es", kind: "tropical_cyclone", countries: ["HN"]),
        Case(title: "La tempête tropicale Irma frappe la Guadeloupe", language: "fr", kind: "tropical_cyclone", countries: ["GP"]),
        Case(title: "Russia expels 23 British diplomats", language: "en", kind: "diplomatic_expulsion", actors: ["RU"]),
        Case(title: "Israel weist türkischen Diplomaten aus", language: "de", kind: "diplomatic_expulsion", actors: ["IL"]),
        // Not incidents: counter-terrorism, metaphors, anniversaries, trials.
        Case(title: "Australia unveils new counter-terrorism laws", language: "en", kind: nil),
        Case(title: "Senator wins in a landslide victory", language: "en", kind: nil),
        Case(title: "Stormy Daniels casts doubt on denial", language: "en", kind: nil),
        Case(title: "Jahrestag des Anschlags am Breitscheidplatz", language: "de", kind: nil),
        Case(title: "Gunman convicted over 2015 shooting", language: "en", kind: nil),
        Case(title: "Dozens killed in Syria", language: "en", kind: nil),
    ])
    func headlines(_ expected: Case) throws {
        let event = try Self.classify(expected.title, language: expected.language)
        #expect(event?.kind == expected.kind, "\(expected)")
        guard let event else { return }
        #expect(event.countries == expected.countries, "\(expected)")
        #expect(event.fatalities == expected.fatalities, "\(expected)")
        #expect(event.injured == expected.injured, "\(expected)")
        #expect(event.actors == expected.actors, "\(expected)")
        #expect(event.place == expected.place, "\(expected)")
        #expect(event.certainty == .possible)
    }

    @Test func thePlaceGivesTheCountryNeverTheOutlet() throws {
        // A German outlet's report of an attack in Jerusalem is about Israel, with Jerusalem's point.
        let german = try #require(try Self.classify("Anschlag in Jerusalem", language: "de", link: "https://www.tagesschau.de/ausland/x.html"))
        #expect(german.countries == ["IL"] && german.place == "Jerusalem" && german.origin == "tagesschau.de")
        #expect(german.location == Event.Location(lat: 31.7683, lon: 35.2137))
        // A headline naming the country only: the lead's place in that country.
        let lead = try #require(try Self.classify("Terror attack in Israel", summary: "A gunman opened fire near a synagogue in Jerusalem.",
                                                  language: "en"))
        #expect(lead.countries == ["IL"] && lead.place == "Jerusalem")
        // A lead that opens with the outlet's dateline: the country it names is where it happened.
        let dateline = try #require(try Self.classify("Absturz befürchtet", summary: "Frankfurt (ots) - Der Absturz der Egyptair-Maschine",
                                                      language: "de"))
        #expect(dateline.countries == ["EG"] && dateline.place == nil)
        // A country's name inside a place's name is not a second country ("Tel Aviv-Yafo" holds no country).
        let words = NewsText.words("Messerangriff in Tel Aviv-Yafo")
        let lookup = GazetteerPlaceLookup(gazetteer: try Fixtures.gazetteer())
        #expect(lookup.places(in: words, language: "de").map(\.country) == ["IL"])
        // Whole words only: "nicer" is not Nice.
        #expect(lookup.places(in: NewsText.words("a nicer day"), language: "en").isEmpty)
    }

    @Test func casualtyFiguresInWordsAndDigits() {
        #expect(CasualtyReader.figures(in: "the toll rose to 1,200 dead") == .init(fatalities: 1200))
        #expect(CasualtyReader.figures(in: "Zwölf Menschen wurden getötet, mehr als 1.000 verletzt") == .init(fatalities: 12, injured: 1000))
        #expect(CasualtyReader.figures(in: "גל הפיגועים: שלושה הרוגים") == .init(fatalities: 3))
        #expect(CasualtyReader.figures(in: "القتلى ٣") == .init())  // a number after a noun is not its count
        #expect(CasualtyReader.figures(in: "ارتفاع عدد القتلى إلى 12 قتيلا و٣٠ جريحا") == .init(fatalities: 12, injured: 30))
        #expect(CasualtyReader.figures(in: "One person was killed. Two crew members were taken to hospital") == .init(fatalities: 1))
        #expect(CasualtyReader.figures(in: "vingt et un morts, twenty-two injured") == .init(fatalities: 21, injured: 22))
        #expect(CasualtyReader.figures(in: "many dead, dozens injured") == .init())
    }

    @Test(arguments: [
        ("at least 12 killed in the blast", "en"), ("the attack, killing at least 12", "en"), ("mindestens zwölf Tote", "de"),
        ("au moins 12 morts", "fr"), ("al menos 12 muertos", "es"), ("pelo menos 12 mortos", "pt"), ("לפחות 12 הרוגים", "he"),
        ("ما لا يقل عن 12 قتيلا", "ar"), ("12 قتيلا على الأقل", "ar"),
    ])
    func minimumFigures(_ text: String, _ language: String) {
        #expect(CasualtyReader.figures(in: text) == .init(fatalities: 12, fatalitiesAreMinimum: true), "\(text)")
    }

    @Test func aMinimumFigureIsTaggedAnExactOneIsNot() throws {
        #expect(CasualtyReader.figures(in: "12 killed, at least 30 injured") == .init(fatalities: 12, injured: 30, injuredAreMinimum: true))
        #expect(CasualtyReader.figures(in: "12 killed") == .init(fatalities: 12))
        // "At least" before something else is not the figure's: "at least one gunman … 12 dead".
        #expect(CasualtyReader.figures(in: "at least one gunman, 12 dead") == .init(fatalities: 12))
        // The largest figure decides; it is a minimum when the statement giving it is one.
        #expect(CasualtyReader.figures(in: "at least 4 killed; the toll rose to 6 dead") == .init(fatalities: 6))
        let event = try #require(try Self.classify("Anschlag in Jerusalem: mindestens zwölf Tote",
                                                   summary: "Mindestens 30 Menschen wurden verletzt.", language: "de"))
        #expect(event.fatalities == 12 && event.injured == 30)
        #expect(event.tags.contains("fatalities:minimum") && event.tags.contains("injured:minimum"))
        let exact = try #require(try Self.classify("Anschlag in Jerusalem: zwölf Tote", language: "de"))
        #expect(exact.fatalities == 12 && !exact.tags.contains("fatalities:minimum"))
    }

    @Test(arguments: ["https://www.theguardian.com/us-news/2018/jan/31/x", "http://WWW.Tagesschau.DE:80/ausland", "https://apnews.com?x=1",
                      "https://apnews.com#top", "HTTPS://bbc.co.uk", "https://user@evil.example.com/", "https://[::1]/a",
                      "https://bücher.example/", "ftp://example.com/", "www.example.com/x", "https://"])
    func theFastHostIsURLsHost(_ link: String) {
        // The fast path answers only what it reads exactly as URL does; the rest falls through to URL.
        if let fast = NewsOrigin.plainHost(link) { #expect(fast == URL(string: link)?.host?.lowercased(), "\(link)") }
        let host = URL(string: link)?.host?.lowercased()
        let expected = host.flatMap { $0.isEmpty ? nil : NewsOrigin.registrableDomain($0) }
        #expect(NewsOrigin.domain(ofURL: link) == expected, "\(link)")
    }

    @Test func agencyBylinesNearTheStart() {
        func agency(_ text: String) -> String? { NewsOrigin.agency(texts: [text], authors: []) }
        #expect(agency("LONDON (AP) — A car hit a crowd") == "apnews.com")
        #expect(agency("BERLIN (dpa) - Bei einem Anschlag") == "dpa.com")
        #expect(agency("Explosion in the port | AFP") == "afp.com")
        #expect(agency("(Reuters) -") == "reuters.com")
        #expect(agency("(Reuters") == nil)
        #expect(agency("Reuters and AP reported, said the (ap) desk") == nil)
        // Only the first 480 bytes: a credit at the end of a long lead is not a byline.
        #expect(agency(String(repeating: "x", count: 476) + "(AP)") == "apnews.com")
        #expect(agency(String(repeating: "x", count: 477) + "(AP)") == nil)
        #expect(agency(String(repeating: "é", count: 200) + " (AFP)") == "afp.com")
        #expect(NewsOrigin.agency(texts: ["No byline", "PARIS (AFP) -"], authors: []) == "afp.com")
        #expect(NewsOrigin.agency(texts: ["No byline"], authors: ["Jane Doe/Reuters"]) == "reuters.com")
    }

    @Test func pointsGiveTheCountryTheyLieIn() throws {
        let boundaries = CoarseCountryBoundaries.shared
        #expect(boundaries.country(at: .init(lat: 31.25, lon: 34.79)) == "IL")       // Beersheba
        // Jerusalem lies on the 1:110m line between Israel and the West Bank: too fine for this table.
        #expect(boundaries.country(at: .init(lat: 52.52, lon: 13.40)) == "DE")       // Berlin
        #expect(boundaries.country(at: .init(lat: 36.17, lon: -115.14)) == "US")     // Las Vegas
        #expect(boundaries.country(at: .init(lat: -22.72, lon: -43.46)) == "BR")     // EMM's point near Rio
        #expect(boundaries.country(at: .init(lat: 1.29, lon: 103.85)) == "SG")       // too small for the outlines
        #expect(boundaries.country(at: .init(lat: 35.0, lon: -40.0)) == nil)         // mid-Atlantic
        let event = try Self.classify("Explosion in the old city", language: "en", points: [.init(lat: 31.25, lon: 34.79)])
        #expect(event?.countries == ["IL"] && event?.location == Event.Location(lat: 31.25, lon: 34.79))
    }

    @Test func matcherClitcsAndPrefixes() {
        var matcher = PhraseMatcher()
        matcher.add("פיגוע*", value: 0)
        matcher.add("terror*", value: 1)
        matcher.add("terrorwarnung*", value: 2)
        matcher.add("expel* … diplomat*", value: 3)
        #expect(matcher.hits(in: NewsText.words("בפיגוע")).map(\.value) == [0])
        #expect(matcher.hits(in: NewsText.words("Terrorwarnung für Berlin")).map(\.value) == [2])
        #expect(matcher.hits(in: NewsText.words("Russia expels 23 British diplomats")).map(\.value) == [3])
        #expect(matcher.hits(in: NewsText.words("expels the very last four British diplomats")).isEmpty)
        #expect(NewsText.words("Über 1.200 Tote — الجرحى ٣٠") == ["uber", "1200", "tote", "الجرحي", "30"])
    }
}
