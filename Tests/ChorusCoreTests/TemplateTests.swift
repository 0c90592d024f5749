import Foundation
import Testing
@testable import ChorusCore

struct TemplateTests {
    static let jerusalem = Event(
        id: "e1", kind: "terror_attack", occurredAt: RFC3339.parse("2017-01-08T11:30:00Z"), countries: ["IL"],
        place: "Jerusalem", fatalities: 4, injured: 17,
        headline: ["en": "Attack in Jerusalem", "he": "פיגוע בירושלים"], link: "https://mfa.gov.il/x")
    static let berlin = TimeZone(identifier: "Europe/Berlin") ?? .current
    static let gazetteer = Gazetteer(places: [
        Place(id: "jerusalem", country: "IL", timeZone: "Asia/Jerusalem", location: Event.Location(lat: 31.77, lon: 35.21),
              names: ["en": "Jerusalem", "de": "Jerusalem", "fr": "Jérusalem", "es": "Jerusalén", "he": "ירושלים", "ar": "القدس"]),
        Place(id: "breitscheidplatz", country: "DE", timeZone: "Europe/Berlin", location: Event.Location(lat: 52.505, lon: 13.337),
              names: ["en": "Breitscheidplatz", "de": "Breitscheidplatz"],
              locatives: ["en": "at Breitscheidplatz in Berlin", "de": "am Breitscheidplatz in Berlin"], within: nil),
    ])

    func render(_ template: String, _ event: Event = jerusalem, language: String = "en", locale: String? = nil,
                timeZone: TimeZone = berlin, gazetteer: Gazetteer = gazetteer, host: String? = nil) throws -> String {
        let values = TemplateValues(facts: DraftFacts(event: event, gazetteer: gazetteer), language: language,
                                    locale: Locale(identifier: locale ?? LanguageSupport.defaultLocale(for: language)),
                                    senderTimeZone: timeZone, host: host)
        return try Template(template).render(values)
    }

    @Test func substitutesFields() throws {
        #expect(try render("{{country}}: {{fatalities}} killed, {{injured}} injured {{where}}.") == "Israel: 4 killed, 17 injured in Jerusalem.")
        #expect(try render("{{ country | with }}") == "with Israel")
    }

    @Test(arguments: [
        ("en", "IL", "Israel", "in Israel", "with Israel", "of Israel"),
        ("de", "IL", "Israel", "in Israel", "mit Israel", "Israels"),
        ("he", "IL", "ישראל", "בישראל", "עם ישראל", "ישראל"),
        ("ar", "IL", "إسرائيل", "في إسرائيل", "مع إسرائيل", "إسرائيل"),
        ("fr", "IL", "Israël", "en Israël", "avec Israël", "d’Israël"),
        ("es", "IL", "Israel", "en Israel", "con Israel", "de Israel"),
        ("en", "US", "the United States", "in the United States", "with the United States", "of the United States"),
        ("de", "GB", "das Vereinigte Königreich", "im Vereinigten Königreich", "mit dem Vereinigten Königreich", "des Vereinigten Königreichs"),
        ("de", "TR", "die Türkei", "in der Türkei", "mit der Türkei", "der Türkei"),
        ("de", "IQ", "der Irak", "im Irak", "mit dem Irak", "des Irak"),
        ("de", "NL", "die Niederlande", "in den Niederlanden", "mit den Niederlanden", "der Niederlande"),
        ("fr", "DE", "l’Allemagne", "en Allemagne", "avec l’Allemagne", "de l’Allemagne"),
        ("fr", "US", "les États-Unis", "aux États-Unis", "avec les États-Unis", "des États-Unis"),
        ("fr", "JP", "le Japon", "au Japon", "avec le Japon", "du Japon"),
        ("fr", "TR", "la Turquie", "en Turquie", "avec la Turquie", "de la Turquie"),
        ("fr", "PH", "les Philippines", "aux Philippines", "avec les Philippines", "des Philippines"),
        ("fr", "CU", "Cuba", "à Cuba", "avec Cuba", "de Cuba"),
        ("es", "GB", "el Reino Unido", "en el Reino Unido", "con el Reino Unido", "del Reino Unido"),
        ("he", "DE", "גרמניה", "בגרמניה", "עם גרמניה", "גרמניה"),
        ("he", "PH", "הפיליפינים", "בפיליפינים", "עם הפיליפינים", "הפיליפינים"),
        ("he", "US", "ארצות הברית", "בארצות הברית", "עם ארצות הברית", "ארצות הברית"),
        ("ar", "DE", "ألمانيا", "في ألمانيا", "مع ألمانيا", "ألمانيا"),
        ("en", "CD", "the Democratic Republic of the Congo", "in the Democratic Republic of the Congo",
         "with the Democratic Republic of the Congo", "of the Democratic Republic of the Congo"),
    ])
    func countriesWithTheirGrammar(language: String, code: String, name: String, locative: String, comitative: String, genitive: String) throws {
        var event = Self.jerusalem
        event.countries = [code]
        #expect(try render("{{country}}", event, language: language) == name)
        #expect(try render("{{country|in}}", event, language: language) == locative)
        #expect(try render("{{country|with}}", event, language: language) == comitative)
        #expect(try render("{{country|of}}", event, language: language) == genitive)
    }

    @Test(arguments: [
        ("en", "in Türkiye and Syria"), ("de", "in der Türkei und in Syrien"), ("fr", "en Turquie et en Syrie"),
        ("es", "en Turquía y Siria"), ("he", "בטורקיה ובסוריה"), ("ar", "في تركيا وسوريا"),
    ])
    func everyAffectedCountryIsNamed(language: String, expected: String) throws {
        var event = Self.jerusalem
        event.countries = ["TR", "SY"]
        event.place = nil
        #expect(try render("{{where}}", event, language: language) == expected)
        // A place the gazetteer knows lies in one of them: naming it alone would leave Syria out.
        event.place = "Kahramanmaraş"
        let gazetteer = Gazetteer(places: [
            Place(id: "kahramanmaras", country: "TR", timeZone: "Europe/Istanbul", location: Event.Location(lat: 37.58, lon: 36.94),
                  names: ["en": "Kahramanmaraş", "de": "Kahramanmaraş", "fr": "Kahramanmaraş", "es": "Kahramanmaraş",
                          "he": "כהרמנמרש", "ar": "كهرمان مرعش"]),
        ])
        #expect(try render("{{where}}", event, language: language, gazetteer: gazetteer) == expected)
        #expect(try render("{{#place}}{{place|in}}{{/place}}", event, language: language, gazetteer: gazetteer)
                == (language == "he" ? "בכהרמנמרש" : language == "ar" ? "في كهرمان مرعش" : language == "fr" ? "à Kahramanmaraş" : language == "es" ? "en Kahramanmaraş" : "in Kahramanmaraş"),
                "the place itself stays at hand")
    }

    @Test func listsJoinAsEachLanguageJoins() throws {
        var event = Self.jerusalem
        event.countries = ["SY", "IQ", "IL"]
        #expect(try render("{{country|with}}", event, language: "en", locale: "en_GB") == "with Syria, Iraq and Israel")
        #expect(try render("{{country|with}}", event, language: "en", locale: "en_US") == "with Syria, Iraq, and Israel")
        #expect(try render("{{country|with}}", event, language: "de") == "mit Syrien, dem Irak und Israel")
        #expect(try render("{{country|of}}", event, language: "de") == "Syriens, des Irak und Israels")
        #expect(try render("{{country|with}}", event, language: "es") == "con Siria, Irak e Israel")
        #expect(try render("{{country|in}}", event, language: "he") == "בסוריה, בעיראק ובישראל")
        #expect(try render("{{country|in}}", event, language: "fr") == "en Syrie, en Irak et en Israël")
        #expect(try render("{{country|hashtag}}", event, language: "en") == "#Syria #Iraq #Israel")
    }

    @Test func placesInTheDraftsLanguageWithTheirPreposition() throws {
        #expect(try render("{{where}}", language: "fr") == "à Jérusalem")
        #expect(try render("{{where}}", language: "he") == "בירושלים")
        #expect(try render("{{where}}", language: "ar") == "في القدس")
        #expect(try render("{{where}}", language: "es") == "en Jerusalén")
        var berlin = Self.jerusalem
        berlin.countries = ["DE"]
        berlin.place = "Breitscheidplatz, Berlin"
        #expect(try render("{{where}}", berlin, language: "de") == "am Breitscheidplatz in Berlin")
        #expect(try render("{{where}}", berlin, language: "en") == "at Breitscheidplatz in Berlin")
        // Where the gazetteer has no name in a language, the country is named instead.
        #expect(try render("{{where}}", berlin, language: "he") == "בגרמניה")
    }

    @Test func feedTextIsShownOnlyInTheFeedsLanguage() throws {
        var event = Self.jerusalem
        event.countries = ["GR"]
        event.place = "Crete"
        event.headline = ["en": "Earthquake off Crete"]
        #expect(try render("{{where}}", event, language: "en") == "in Crete")
        #expect(try render("{{where}}", event, language: "de") == "in Griechenland", "never pasted into another language")
        #expect(try render("{{#place}}{{place}}{{/place}}{{^place}}-{{/place}}", event, language: "fr") == "-")
        // Headlines in several languages: which one the place is in is not known, so it is shown in none.
        event.headline["de"] = "Erdbeben vor Kreta"
        #expect(try render("{{where}}", event, language: "en") == "in Greece")
    }

    @Test func datesAsTheyWereWhereItHappened() throws {
        // 23:30 UTC on 8 January is already 9 January in Jerusalem, where it happened, whatever the sender's zone.
        var event = Self.jerusalem
        event.occurredAt = RFC3339.parse("2017-01-08T23:30:00Z")
        let newYork = TimeZone(identifier: "America/New_York") ?? .current
        #expect(try render("{{occurred}}", event, language: "de", timeZone: Self.berlin) == "9. Januar")
        #expect(try render("{{occurred}}", event, language: "en", locale: "en_US", timeZone: newYork) == "January 9")
        #expect(try render("{{occurred}}", event, language: "en", locale: "en_GB", timeZone: newYork) == "9 January")
        #expect(try render("{{occurred|time}}", event, language: "de") == "1:30")
        #expect(try render("{{occurred}}", event, language: "he") == "9 בינואר")
        #expect(try render("{{occurred|weekday}}", event, language: "fr") == "lundi")
        #expect(try render("{{occurred}}", event, language: "es") == "9 de enero")
        // Without a place or a country, the sender's own zone is all there is.
        event.countries = []
        event.place = nil
        #expect(try render("{{occurred}}", event, language: "en", timeZone: newYork) == "8 January")
    }

    @Test func theFirstOfTheMonthInFrench() throws {
        var event = Self.jerusalem
        event.countries = ["US"]
        event.place = nil
        event.occurredAt = RFC3339.parse("2025-01-01T09:15:00Z")
        #expect(try render("{{occurred}}", event, language: "fr") == "1er janvier")
        #expect(try render("{{occurred|datetime}}", event, language: "fr").hasPrefix("1er janvier"))
        #expect(try render("{{occurred}}", event, language: "en", locale: "en_US") == "January 1")
        #expect(try render("{{occurred}}", event, language: "de") == "1. Januar")
        event.occurredAt = RFC3339.parse("2025-01-11T15:00:00Z")
        #expect(try render("{{occurred}}", event, language: "fr") == "11 janvier")
    }

    @Test func lasVegasWasOnTheFirstOfOctober() throws {
        // 22:05 on 1 October in Las Vegas was 05:05 on 2 October in UTC and in Europe.
        let event = Event(id: "lv", kind: "shooting", occurredAt: RFC3339.parse("2017-10-02T05:05:00Z"), countries: ["US"],
                          location: Event.Location(lat: 36.095, lon: -115.171))
        #expect(try render("{{occurred}}", event, language: "de") == "1. Oktober")
        #expect(try render("{{occurred}}", event, language: "en", locale: "en_US") == "October 1")
    }

    @Test func numbersInTheLanguagesDigitsAndWords() throws {
        var event = Self.jerusalem
        event.fatalities = 1234
        event.magnitude = 7.8
        #expect(try render("{{fatalities}} {{magnitude}}", event, language: "de") == "1.234 7,8")
        #expect(try render("{{fatalities}} {{magnitude}}", event, language: "en") == "1,234 7.8")
        // Arabic in Latin digits has no Latin thousands comma (2300, not 2,300); in Arabic-Indic digits it keeps
        // the Arabic separator.
        let arabic = 1234.formatted(IntegerFormatStyle<Int>(locale: Locale(identifier: "ar")))
        #expect(try render("{{fatalities}}", event, language: "ar") == (arabic == "1,234" ? "1234" : arabic))
        #expect(try render("{{fatalities}}", event, language: "ar-EG") == "١٬٢٣٤")
        event.fatalities = 4
        #expect(try render("{{fatalities|words}}", event, language: "en") == "four")
        #expect(try render("{{fatalities|words}}", event, language: "de") == "vier")
        #expect(try render("{{fatalities|words}}", event, language: "fr") == "quatre")
        // Hebrew: the masculine forms (the nouns of the shipped texts are masculine), and the construct state after
        // an article; German "beiden" for two after an article.
        #expect(try render("{{fatalities|words}}", event, language: "he") == "ארבעה")
        #expect(try render("{{fatalities|definite}}", event, language: "he") == "ארבעת")
        #expect(try render("{{fatalities|definite}}", event, language: "de") == "vier")
        #expect(try render("{{fatalities|words}}", event, language: "ar") == "4", "Arabic number words agree with their noun: the plural sections do it")
        event.fatalities = 2
        #expect(try render("{{fatalities|definite}}", event, language: "de") == "beiden")
        #expect(try render("{{fatalities|definite}}", event, language: "he") == "שני")
        #expect(try render("{{fatalities|definite}}", event, language: "en") == "two")
        event.fatalities = 11
        #expect(try render("{{fatalities|words}}", event, language: "he") == "11")
        event.fatalities = 58
        #expect(try render("{{fatalities|words}}", event, language: "es") == "58")
    }

    @Test(arguments: [
        (1, "en", "one person"), (4, "en", "4 people"), (0, "fr", "zéro ou un"), (1, "fr", "zéro ou un"), (2, "fr", "plusieurs"),
        (1, "ar", "واحد"), (2, "ar", "اثنان"), (5, "ar", "بضعة"), (11, "ar", "كثير"), (100, "ar", "غير ذلك"), (0, "ar", "صفر"),
        (2, "he", "שניים"), (3, "he", "אחר"),
    ])
    func pluralSectionsAgreeWithTheCount(count: Int, language: String, expected: String) throws {
        var event = Self.jerusalem
        event.fatalities = count
        let template = "{{#fatalities:zero}}صفر{{/fatalities:zero}}{{#fatalities:one}}" + (language == "en" ? "one person" : language == "fr" ? "zéro ou un" : "واحد")
            + "{{/fatalities:one}}{{#fatalities:two}}" + (language == "he" ? "שניים" : "اثنان") + "{{/fatalities:two}}{{#fatalities:few}}بضعة{{/fatalities:few}}"
            + "{{#fatalities:many}}كثير{{/fatalities:many}}{{#fatalities:other}}" + (language == "en" ? "{{fatalities}} people" : language == "fr" ? "plusieurs" : language == "he" ? "אחר" : "غير ذلك")
            + "{{/fatalities:other}}"
        #expect(try render(template, event, language: language) == expected)
    }

    @Test func pluralSectionsNeedAKnownCount() throws {
        var event = Self.jerusalem
        event.injured = nil
        #expect(try render("[{{#injured:one}}one{{/injured:one}}{{^injured:one}}not one{{/injured:one}}]", event) == "[not one]")
        #expect(throws: TemplateSyntaxError.self) { try Template("{{#place:one}}x{{/place:one}}") }
        #expect(throws: TemplateSyntaxError.self) { try Template("{{#fatalities:several}}x{{/fatalities:several}}") }
    }

    @Test func optionalSections() throws {
        var event = Self.jerusalem
        #expect(try render("Attack{{#place}} in {{place}}{{/place}}.", event) == "Attack in Jerusalem.")
        #expect(try render("{{^injured}}No injuries reported.{{/injured}}", event) == "")
        event.place = nil
        event.injured = 0
        #expect(try render("Attack{{#place}} in {{place}}{{/place}}.", event) == "Attack.")
        #expect(try render("{{^injured}}No injuries reported.{{/injured}}", event) == "No injuries reported.")
    }

    @Test func aMissingRequiredValueIsAnError() throws {
        var event = Self.jerusalem
        event.place = nil
        #expect(throws: TemplateRenderError.missingValue(.place)) { try render("Attack in {{place}}.", event) }
        #expect(throws: TemplateRenderError.missingValue(.headline)) { try render("{{headline}}", event, language: "ar") }
        #expect(throws: TemplateRenderError.missingValue(.actor)) { try render("{{actor}}", event) }
        #expect(throws: TemplateRenderError.missingValue(.landmark)) { try render("{{landmark}}", event) }
        #expect(throws: TemplateRenderError.missingValue(.host)) { try render("{{host}}", event) }
        #expect(try render("{{headline}}", event, language: "he") == "פיגוע בירושלים")
        #expect(try render("Thank you, {{host}}!", event, host: "DE") == "Thank you, Germany!")
    }

    @Test func eventTextIsNeverReadAsTemplateSyntax() throws {
        var event = Self.jerusalem
        event.headline = ["en": "Breaking: {{country}} {{#place}}x{{/place}} }}{{"]
        event.place = "{{fatalities}}"
        #expect(try render("{{headline}} / {{place}}", event, gazetteer: .empty) == "Breaking: {{country}} {{#place}}x{{/place}} }}{{ / {{fatalities}}")
    }

    @Test func rightToLeftTextNextToNumbersAndHashtags() throws {
        var event = Self.jerusalem
        event.headline["he"] = "Jerusalem, 4"
        let template = "{{fatalities}} הרוגים ו־{{injured}} פצועים {{country|in}}. #{{fatalities}} {{country|hashtag}} {{place|hashtag}} {{headline}}, {{fatalities}}"
        let text = try render(template, event, language: "he")
        // Logical order is kept exactly; the Latin headline is isolated so that the comma and digits after
        // it stay where the writer put them when shown right to left.
        #expect(text == "4 הרוגים ו־17 פצועים בישראל. #4 #ישראל #ירושלים \u{2068}Jerusalem, 4\u{2069}, 4")
        #expect(Channel.x.length(of: text) == text.unicodeScalars.count + 2) // the two isolates weigh 2 each
        var usa = Self.jerusalem
        usa.countries = ["US"]
        #expect(try render("{{country|hashtag}}", usa, language: "he") == "#ארצות_הברית")
        var telAviv = Self.jerusalem
        telAviv.place = "Tel Aviv-Yafo"
        telAviv.headline = ["en": "x"]
        #expect(try render("{{place|hashtag}}", telAviv, gazetteer: .empty) == "#TelAvivYafo")
    }

    @Test(arguments: [
        ("{{city}}", "unknown placeholder '{{city}}'"),
        ("{{country|upper}}", "unknown filter 'upper'"),
        ("{{fatalities|date}}", "filter 'date' does not apply to 'fatalities'"),
        ("{{#place}}open", "section 'place' is not closed properly"),
        ("{{/place}}", "section 'place' is not closed properly"),
        ("{{#place}}x{{/country}}", "section 'country' is not closed properly"),
        ("text {{country", "'{{' without a closing '}}'"),
        ("{{}}", "malformed tag"),
        ("{{country|in|with}}", "malformed tag"),
        ("{{#injured:lots}}x{{/injured:lots}}", "unknown plural category 'lots'"),
        ("{{#where:one}}x{{/where:one}}", "'where' is not a count"),
    ])
    func syntaxErrors(template: String, message: String) {
        do {
            _ = try Template(template)
            Issue.record("parsed: \(template)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func minimumLengthLeavesOutSections() throws {
        let template = try Template("Hi {{country}}{{#place}} a very long optional part{{/place}}")
        #expect(template.minimumLength(on: .x) == 4)
    }

    /// A name reaches a draft only in the draft's script: as given in a language written in Latin letters, in the
    /// table's form in Hebrew and Arabic, and there as absent — the text without it — when the table has none.
    @Test(arguments: [
        ("Helene", "de", "Hurrikan Helene #Helene"),
        ("Helene", "en", "Hurricane Helene #Helene"),
        ("HELENE", "he", "הוריקן הלן #הלן"),
        ("Helene", "ar", "الإعصار هيلين #هيلين"),
        ("Beryl", "fr", "l’ouragan Beryl #Beryl"),
        ("Beryl", "he", "סופת ההוריקן"),
        ("Beryl", "ar", "الإعصار"),
        ("הלן", "he", "הוריקן הלן #הלן"),
        ("הלן", "de", "der Hurrikan"),
        ("הלן", "ar", "الإعصار"),
    ])
    func aNameIsShownInTheDraftsScriptOnly(name: String, language: String, expected: String) throws {
        let names = EventNames(entries: [EventNames.Entry(name: "Helene", forms: ["he": "הלן", "ar": "هيلين"])])
        let storm = Event(id: "tc", kind: "tropical_cyclone", countries: ["US"], name: name)
        let templates = [
            "de": "{{#name}}Hurrikan {{name}} {{name|hashtag}}{{/name}}{{^name}}der Hurrikan{{/name}}",
            "en": "{{#name}}Hurricane {{name}} {{name|hashtag}}{{/name}}{{^name}}the hurricane{{/name}}",
            "fr": "l’ouragan{{#name}} {{name}} {{name|hashtag}}{{/name}}",
            "he": "{{#name}}הוריקן {{name}} {{name|hashtag}}{{/name}}{{^name}}סופת ההוריקן{{/name}}",
            "ar": "الإعصار{{#name}} {{name}} {{name|hashtag}}{{/name}}",
        ]
        let values = TemplateValues(facts: DraftFacts(event: storm, gazetteer: .empty, names: names), language: language,
                                    locale: Locale(identifier: LanguageSupport.defaultLocale(for: language)), senderTimeZone: Self.berlin)
        #expect(try Template(try #require(templates[language])).render(values) == expected)
        #expect(EventNames.empty.forms(of: "Helene").isEmpty)
    }

    /// `{{gestureDay}}` is the weekday the landmark is lit where it stands, not where the sender is nor when
    /// the post goes out: lit at 00:30 on Saturday in Tel Aviv (23:30 on Friday in Berlin) is Saturday.
    @Test(arguments: [
        ("2016-07-15T17:30:00Z", "de", "Am Freitagabend leuchtete"),
        ("2016-07-15T17:30:00Z", "en", "On Friday evening, … was lit"),
        ("2016-07-15T17:30:00Z", "fr", "vendredi soir"),
        ("2016-07-15T17:30:00Z", "es", "el viernes por la noche"),
        ("2016-07-15T17:30:00Z", "he", "ביום שישי בערב הואר"),
        ("2016-07-15T17:30:00Z", "ar", "أُضيء … مساء يوم الجمعة"),
        ("2016-07-15T21:30:00Z", "de", "Am Samstagabend leuchtete"),
    ])
    func theGesturesDayIsTheLandmarksOwn(at: String, language: String, expected: String) throws {
        let templates = [
            "de": "Am {{gestureDay}}abend leuchtete", "en": "On {{gestureDay}} evening, … was lit", "fr": "{{gestureDay}} soir",
            "es": "el {{gestureDay}} por la noche", "he": "ב{{gestureDay}} בערב הואר", "ar": "أُضيء … مساء يوم {{gestureDay}}",
        ]
        let cityHall = Landmark(id: "tel-aviv-city-hall", name: "Tel Aviv City Hall", city: "Tel Aviv", country: "IL", timeZone: "Asia/Jerusalem",
                                owner: "Tel Aviv-Yafo Municipality", location: Event.Location(lat: 32.08, lon: 34.78))
        var values = TemplateValues(facts: DraftFacts(event: Self.jerusalem, gazetteer: .empty), language: language,
                                    locale: Locale(identifier: LanguageSupport.defaultLocale(for: language)), senderTimeZone: Self.berlin,
                                    landmark: cityHall)
        let template = try Template(try #require(templates[language]))
        #expect(throws: TemplateRenderError.missingValue(.gestureDay)) { try template.render(values) }
        #expect(!values.isPresent(.gestureDay))
        values.gestureAt = RFC3339.parse(at)
        #expect(try template.render(values) == expected)
    }

    @Test func singleBracesAreText() throws {
        #expect(try render("{ {country} } {{country}}") == "{ {country} } Israel")
    }
}
