import Foundation
import Testing
@testable import ChorusCore

/// Country phrases, list joining, the gazetteer and time-zone selection: the pure parts of naming where
/// something happened, checked for every country in the tables and every supported language.
struct CountryPhraseTests {
    static let languages = LanguageSupport.languages.sorted()

    /// What an interface name looks like, by language: the marks CLDR uses for menus, never for prose.
    static func interfaceMarks(_ language: String) -> [String] {
        var marks = ["(", ")", " - ", "&", " ,", "  "]
        switch language {
        case "en": marks += ["St. ", "U.S.", "So. ", "mainland", "SAR"]
        case "de": marks += ["Festland", ", "]
        case "fr": marks += ["continentale", "É.-U.", "partie "]
        case "es": marks += ["continental", "EE. UU.", "RAE"]
        case "he": marks += ["היבשתית"]
        case "ar": marks += ["الرئيسي", "منطقة إدارية"]
        default: break
        }
        return marks
    }

    @Test(arguments: CountryPhraseTests.languages)
    func everyCountryHasAPhraseInEveryForm(language: String) {
        for code in CountryPhrases.countries {
            for form in CountryForm.allCases {
                let phrase = CountryPhrases.phrase(code, language: language, form: form)
                if phrase.trimmingCharacters(in: .whitespaces).isEmpty { Issue.record("\(language) \(code) \(form): empty") }
                if phrase == code && !["CQ"].contains(code) { Issue.record("\(language) \(code) \(form): the bare code '\(phrase)'") }
                for mark in Self.interfaceMarks(language) where phrase.contains(mark) {
                    Issue.record("\(language) \(code) \(form): '\(phrase)' looks like an interface name ('\(mark)')")
                }
                if LanguageSupport.isRightToLeft(language), form != .hashtag,
                   phrase.unicodeScalars.contains(where: { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }) {
                    Issue.record("\(language) \(code) \(form): Latin letters in '\(phrase)'")
                }
                if form == .hashtag, phrase.contains(" ") { Issue.record("\(language) \(code): hashtag '\(phrase)' has a space") }
            }
        }
    }

    @Test(arguments: CountryPhraseTests.languages)
    func thePrepositionsOfEachLanguage(language: String) {
        for code in CountryPhrases.countries {
            let locative = CountryPhrases.phrase(code, language: language, form: .in)
            let comitative = CountryPhrases.phrase(code, language: language, form: .with)
            let ok: Bool
            switch language {
            case "en": ok = locative.hasPrefix("in ") && comitative.hasPrefix("with ")
            case "de": ok = ["in ", "im ", "auf ", "bei "].contains { locative.hasPrefix($0) } && comitative.hasPrefix("mit ")
            case "fr": ok = ["en ", "au ", "aux ", "à ", "sur ", "dans "].contains { locative.hasPrefix($0) } && comitative.hasPrefix("avec ")
            case "es": ok = locative.hasPrefix("en ") && comitative.hasPrefix("con ")
            case "he":
                // ב absorbs the article: never בהפיליפינים.
                let absorbed = !CountryTables.hebrewWithArticle.contains(code) || !locative.hasPrefix("בה")
                ok = locative.hasPrefix("ב") && absorbed && comitative.hasPrefix("עם ")
            case "ar": ok = locative.hasPrefix("في ") && comitative.hasPrefix("مع ")
            default: ok = false
            }
            if !ok { Issue.record("\(language) \(code): '\(locative)' / '\(comitative)'") }
        }
    }

    /// The failures the issue found, each fixed.
    @Test(arguments: [
        ("fr", "US", CountryForm.in, "aux États-Unis"), ("fr", "TR", .with, "avec la Turquie"), ("fr", "PH", .in, "aux Philippines"),
        ("fr", "MA", .in, "au Maroc"), ("fr", "IL", .with, "avec Israël"), ("fr", "HT", .of, "d’Haïti"), ("fr", "MX", .in, "au Mexique"),
        ("de", "TR", .in, "in der Türkei"), ("de", "US", .in, "in den Vereinigten Staaten"), ("de", "IR", .in, "im Iran"),
        ("de", "MV", .in, "auf den Malediven"), ("de", "CH", .of, "der Schweiz"), ("de", "LA", .of, "von Laos"),
        ("he", "PH", .in, "בפיליפינים"), ("he", "HT", .in, "בהאיטי"), ("he", "NL", .in, "בהולנד"), ("he", "DO", .in, "ברפובליקה הדומיניקנית"),
        ("en", "CD", .name, "the Democratic Republic of the Congo"), ("en", "MM", .name, "Myanmar"), ("en", "CN", .name, "China"),
        ("en", "KN", .name, "Saint Kitts and Nevis"), ("en", "GM", .in, "in the Gambia"), ("en", "US", .hashtag, "#UnitedStates"),
        ("es", "NL", .in, "en los Países Bajos"), ("es", "GB", .of, "del Reino Unido"), ("es", "MH", .with, "con las Islas Marshall"),
        ("ar", "CD", .name, "جمهورية الكونغو الديمقراطية"), ("ar", "US", .hashtag, "#الولايات_المتحدة"),
    ])
    func phrasesWithTheirGrammar(language: String, code: String, form: CountryForm, expected: String) {
        #expect(CountryPhrases.phrase(code, language: language, form: form) == expected)
    }

    @Test func namesInAnyLanguageFindTheirCountry() {
        for (name, code) in [("Germany", "DE"), ("Deutschland", "DE"), ("Allemagne", "DE"), ("גרמניה", "DE"), ("ألمانيا", "DE"),
                             ("the United States", "US"), ("Vereinigte Staaten", "US"), ("États-Unis", "US"), ("ארצות הברית", "US"),
                             ("الولايات المتحدة", "US"), ("die Türkei", "TR"), ("Turkey", "TR"), ("turquie", "TR"), ("Congo - Kinshasa", "CD"),
                             ("Democratic Republic of the Congo", "CD"), ("Burma", "MM"), ("UK", "GB"), ("הפיליפינים", "PH")] {
            #expect(CountryPhrases.code(forName: name) == code, "\(name)")
        }
        #expect(CountryPhrases.code(forName: "Atlantis") == nil)
    }

    @Test func listsInEveryLanguage() {
        #expect(ListJoining.join([], language: "en") == "")
        #expect(ListJoining.join(["A"], language: "de") == "A")
        #expect(ListJoining.join(["A", "B", "C"], language: "en") == "A, B and C")
        #expect(ListJoining.join(["A", "B", "C"], language: "en", serialComma: true) == "A, B, and C")
        #expect(ListJoining.join(["A", "B"], language: "en", serialComma: true) == "A and B")
        #expect(ListJoining.join(["Siria", "Irak"], language: "es") == "Siria e Irak")
        #expect(ListJoining.join(["Siria", "Hierro"], language: "es") == "Siria y Hierro")
        #expect(ListJoining.join(["טורקיה", "סוריה", "לבנון"], language: "he") == "טורקיה, סוריה ולבנון")
        #expect(ListJoining.join(["تركيا", "سوريا", "لبنان"], language: "ar") == "تركيا وسوريا ولبنان")
    }
}

struct TimeZoneSelectionTests {
    @Test func everyZoneInTheTablesIsKnownToFoundation() {
        for (country, zone) in CountryTimeZones.main where TimeZone(identifier: zone) == nil {
            Issue.record("\(country): \(zone) is not a zone Foundation knows")
        }
        for (country, zones) in CountryTimeZones.zonesOfCountry {
            for zone in zones where TimeZone(identifier: zone.identifier) == nil { Issue.record("\(country): \(zone.identifier)") }
        }
    }

    @Test func everyCountryWithAClockHasAMainZone() {
        let withoutClock: Set<String> = ["EU", "EZ", "UN", "QO"]
        for code in CountryPhrases.countries where !withoutClock.contains(code) && CountryTimeZones.mainZone(of: code) == nil {
            Issue.record("\(code) has no main zone")
        }
    }

    @Test(arguments: [
        ("US", 36.17, -115.14, "America/Los_Angeles"),   // Las Vegas
        ("US", 29.95, -90.07, "America/Chicago"),        // New Orleans
        ("US", 40.71, -74.01, "America/New_York"),
        ("US", 21.31, -157.86, "Pacific/Honolulu"),
        ("AU", -31.95, 115.86, "Australia/Perth"),
        ("RU", 43.12, 131.89, "Asia/Vladivostok"),
        ("ES", 28.12, -15.43, "Atlantic/Canary"),
        ("IL", 31.77, 35.21, "Asia/Jerusalem"),
    ])
    func theZoneNearestThePlace(country: String, lat: Double, lon: Double, expected: String) {
        #expect(CountryTimeZones.zone(of: country, near: Event.Location(lat: lat, lon: lon)) == expected)
    }

    @Test func withoutAPointTheMainZone() {
        #expect(CountryTimeZones.zone(of: "US", near: nil) == "America/New_York")
        #expect(CountryTimeZones.zone(of: "DE", near: Event.Location(lat: 47.7, lon: 8.7)) == "Europe/Berlin", "one clock: no search")
        #expect(CountryTimeZones.mainZone(of: "RU") == "Europe/Moscow")
    }

    @Test func anEventsClockIsItsPlacesElseItsCountrys() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let vegas = DraftFacts(event: Event(id: "a", countries: ["US"], place: "Las Vegas"), gazetteer: set.gazetteer)
        #expect(vegas.timeZone?.identifier == "America/Los_Angeles")
        #expect(vegas.place?.id == "las-vegas")
        let somewhere = DraftFacts(event: Event(id: "b", countries: ["US"], place: "Somewhere", location: Event.Location(lat: 29.76, lon: -95.37)),
                                   gazetteer: set.gazetteer)
        #expect(somewhere.place == nil)
        #expect(somewhere.timeZone?.identifier == "America/Chicago", "Houston, by its point")
        #expect(DraftFacts(event: Event(id: "c", countries: ["FR"]), gazetteer: set.gazetteer).timeZone?.identifier == "Europe/Paris")
        #expect(DraftFacts(event: Event(id: "d"), gazetteer: set.gazetteer).timeZone == nil)
    }
}

struct GazetteerTests {
    static func shipped() throws -> Gazetteer { try RuleSet.load(from: RepositoryPaths.rules).gazetteer }

    @Test func placesByAnyNameInAnyLanguage() throws {
        let gazetteer = try Self.shipped()
        for name in ["Jerusalem", "jérusalem", "JERUSALEN", "ירושלים", "القدس", "Al-Quds"] {
            #expect(gazetteer.place(named: name, countries: [])?.id == "jerusalem", "\(name)")
        }
        #expect(gazetteer.place(named: "Köln", countries: ["DE"])?.id == "cologne")
        #expect(gazetteer.place(named: "Köln", countries: ["FR"]) == nil, "only in the event's countries")
        #expect(gazetteer.places(named: "nowhere").isEmpty)
    }

    @Test func aFeedsPlaceTextFromTheMostSpecificPart() throws {
        let gazetteer = try Self.shipped()
        #expect(gazetteer.resolve("Breitscheidplatz, Berlin", countries: ["DE"])?.id == "breitscheidplatz")
        #expect(gazetteer.resolve("Somewhere Street, Berlin", countries: ["DE"])?.id == "berlin")
        #expect(gazetteer.resolve("Pazarcık, Kahramanmaraş", countries: ["TR"])?.id == "kahramanmaras")
        #expect(gazetteer.resolve("Paris, Texas", countries: ["US"]) == nil, "Paris is in France")
    }

    @Test func everyPlaceIsNamedInEveryLanguageWithItsPreposition() throws {
        let gazetteer = try Self.shipped()
        for place in gazetteer.places {
            for language in LanguageSupport.languages.sorted() {
                guard let name = place.name(in: language), let locative = place.locative(in: language) else {
                    Issue.record("\(place.id) has no name in \(language)")
                    continue
                }
                #expect(!name.isEmpty && locative.count > name.count, "\(place.id) \(language): '\(locative)'")
                #expect(TimeZone(identifier: place.timeZone) != nil, "\(place.id): \(place.timeZone)")
            }
        }
    }

    @Test func theUsualPrepositionOfEachLanguage() {
        #expect(Place.defaultLocative("Paris", language: "fr") == "à Paris")
        #expect(Place.defaultLocative("ברלין", language: "he") == "בברלין")
        #expect(Place.defaultLocative("Kyiv", language: "he") == "ב־Kyiv", "a maqaf before a Latin letter")
        #expect(Place.defaultLocative("برلين", language: "ar") == "في برلين")
        #expect(Place.defaultLocative("Berlín", language: "es") == "en Berlín")
    }
}

struct IdenticalTextsTests {
    @Test func twoSendersWithOneTextAreFound() {
        let items = [
            IdenticalTexts.Item(sender: "a", text: "We stand with Israel."),
            IdenticalTexts.Item(sender: "b", text: "[DRILL]  We stand with   Israel. "),
            IdenticalTexts.Item(sender: "a", text: "We stand with Israel."),
            IdenticalTexts.Item(sender: "c", text: "Something else."),
            IdenticalTexts.Item(sender: "d", text: ""),
            IdenticalTexts.Item(sender: "e", text: ""),
        ]
        #expect(IdenticalTexts.groups(items) == [[0, 1, 2]])
    }

    @Test func oneSendersRepeatsOnSeveralChannelsAreNotAProblem() {
        let items = [IdenticalTexts.Item(sender: "a", text: "Same."), IdenticalTexts.Item(sender: "a", text: "Same.")]
        #expect(IdenticalTexts.groups(items).isEmpty)
    }
}
