import Foundation
import Testing
@testable import ChorusCore

struct TemplateTests {
    static let jerusalem = Event(
        id: "e1", kind: "terror_attack", occurredAt: RFC3339.parse("2017-01-08T11:30:00Z"), countries: ["IL"],
        place: "Jerusalem", fatalities: 4, injured: 17,
        headline: ["en": "Attack in Jerusalem", "he": "פיגוע בירושלים"], link: "https://mfa.gov.il/x")
    static let berlin = TimeZone(identifier: "Europe/Berlin") ?? .current

    func render(_ template: String, _ event: Event = jerusalem, language: String = "en", timeZone: TimeZone = berlin) throws -> String {
        try Template(template).render(TemplateValues(event: event, language: language, timeZone: timeZone))
    }

    @Test func substitutesFields() throws {
        #expect(try render("{{country}}: {{fatalities}} killed, {{injured}} injured in {{place}}.") == "Israel: 4 killed, 17 injured in Jerusalem.")
        #expect(try render("{{ country | with }}") == "with Israel")
    }

    @Test(arguments: [
        ("en", "IL", "Israel", "in Israel", "with Israel"),
        ("de", "IL", "Israel", "in Israel", "mit Israel"),
        ("he", "IL", "ישראל", "בישראל", "עם ישראל"),
        ("ar", "IL", "إسرائيل", "في إسرائيل", "مع إسرائيل"),
        ("fr", "IL", "Israël", "en Israël", "avec Israël"),
        ("es", "IL", "Israel", "en Israel", "con Israel"),
        ("en", "US", "United States", "in the United States", "with the United States"),
        ("de", "GB", "Vereinigtes Königreich", "im Vereinigten Königreich", "mit dem Vereinigten Königreich"),
        ("fr", "DE", "Allemagne", "en Allemagne", "avec l’Allemagne"),
        ("fr", "US", "États-Unis", "aux États-Unis", "avec les États-Unis"),
        ("he", "DE", "גרמניה", "בגרמניה", "עם גרמניה"),
        ("ar", "DE", "ألمانيا", "في ألمانيا", "مع ألمانيا"),
    ])
    func countryNamesInSixLanguages(language: String, code: String, name: String, locative: String, comitative: String) throws {
        var event = Self.jerusalem
        event.countries = [code]
        #expect(try render("{{country}}", event, language: language) == name)
        #expect(try render("{{country|in}}", event, language: language) == locative)
        #expect(try render("{{country|with}}", event, language: language) == comitative)
    }

    @Test func datesInTheSendersTimeZoneAndLanguage() throws {
        // 23:30 UTC on 8 January is already 9 January in Jerusalem.
        var event = Self.jerusalem
        event.occurredAt = RFC3339.parse("2017-01-08T23:30:00Z")
        let jerusalemZone = TimeZone(identifier: "Asia/Jerusalem") ?? .current
        #expect(try render("{{occurred}}", event, language: "de", timeZone: Self.berlin) == "9. Januar")
        #expect(try render("{{occurred}}", event, language: "en", timeZone: TimeZone(identifier: "America/New_York") ?? .current) == "January 8")
        #expect(try render("{{occurred|time}}", event, language: "de", timeZone: jerusalemZone) == "1:30")
        #expect(try render("{{occurred}}", event, language: "he", timeZone: jerusalemZone) == "9 בינואר")
        #expect(try render("{{occurred|weekday}}", event, language: "fr", timeZone: jerusalemZone) == "lundi")
        #expect(try render("{{occurred}}", event, language: "es", timeZone: jerusalemZone) == "9 de enero")
    }

    @Test func numbersInTheLanguagesDigits() throws {
        var event = Self.jerusalem
        event.fatalities = 1234
        event.magnitude = 7.8
        #expect(try render("{{fatalities}} {{magnitude}}", event, language: "de") == "1.234 7,8")
        #expect(try render("{{fatalities}} {{magnitude}}", event, language: "en") == "1,234 7.8")
        // Whatever ICU's default numbering system for Arabic is, the draft uses it; ar-EG uses Arabic-Indic digits.
        let arabic = 1234.formatted(IntegerFormatStyle<Int>(locale: Locale(identifier: "ar")))
        #expect(try render("{{fatalities}}", event, language: "ar") == arabic)
        #expect(try render("{{fatalities}}", event, language: "ar-EG") == "١٬٢٣٤")
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
        #expect(try render("{{headline}}", event, language: "he") == "פיגוע בירושלים")
    }

    @Test func eventTextIsNeverReadAsTemplateSyntax() throws {
        var event = Self.jerusalem
        event.headline["en"] = "Breaking: {{country}} {{#place}}x{{/place}} }}{{"
        event.place = "{{fatalities}}"
        #expect(try render("{{headline}} / {{place}}", event) == "Breaking: {{country}} {{#place}}x{{/place}} }}{{ / {{fatalities}}")
    }

    @Test func rightToLeftTextNextToNumbersAndHashtags() throws {
        let template = "{{fatalities}} הרוגים ו־{{injured}} פצועים {{country|in}}. #{{fatalities}} {{country|hashtag}} {{place}}, {{fatalities}}"
        let text = try render(template, language: "he")
        // Logical order is kept exactly; the Latin place name is isolated so that the comma and digits after
        // it stay where the writer put them when shown right to left.
        #expect(text == "4 הרוגים ו־17 פצועים בישראל. #4 #ישראל \u{2068}Jerusalem\u{2069}, 4")
        #expect(Channel.x.length(of: text) == text.unicodeScalars.count + 2) // the two isolates weigh 2 each
        #expect(try render("{{place|hashtag}}", language: "ar") == "#Jerusalem")
        var telAviv = Self.jerusalem
        telAviv.place = "Tel Aviv-Yafo"
        #expect(try render("{{place|hashtag}}", telAviv) == "#TelAvivYafo")
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

    @Test func singleBracesAreText() throws {
        #expect(try render("{ {country} } {{country}}") == "{ {country} } Israel")
    }
}
