import Foundation
import Testing
@testable import ChorusCore

/// Facts the event's own fields cannot say (fact tags, ``EventFact``), revised figures, and what an update
/// that leaves fields out keeps (``Correlation/merged(_:over:)``).
struct EventFactTests {
    static let halle = Event(
        id: "halle-1", kind: "terror_attack", occurredAt: RFC3339.parse("2019-10-09T10:00:00Z"), countries: ["DE"],
        place: "Halle", fatalities: 2, injured: 2,
        tags: ["target:synagogue", "motive:antisemitic", "day:yom_kippur", "fatalities:minimum", "target:synagog", "press"])

    func render(_ template: String, _ event: Event = halle, previous: Event? = nil, language: String = "en") throws -> String {
        let values = TemplateValues(facts: DraftFacts(event: event, gazetteer: .empty, previous: previous), language: language,
                                    locale: Locale(identifier: LanguageSupport.defaultLocale(for: language)),
                                    senderTimeZone: TimeZone(identifier: "Europe/Berlin") ?? .current)
        return try Template(template).render(values)
    }

    @Test func factTagsDecideTheWords() throws {
        let template = "{{#motive:antisemitic}}the antisemitic {{/motive:antisemitic}}attack{{#target:synagogue}} on the synagogue{{/target:synagogue}}"
            + "{{#day:yom_kippur}} on Yom Kippur{{/day:yom_kippur}}{{#target:church}} on a church{{/target:church}}"
        #expect(try render(template) == "the antisemitic attack on the synagogue on Yom Kippur")
        var plain = Self.halle
        plain.tags = []
        #expect(try render(template, plain) == "attack")
        // Any value of a fact, and its absence.
        #expect(try render("{{#motive}}motive known{{/motive}}{{^target}}, no target{{/target}}") == "motive known")
        #expect(try render("{{#motive}}motive known{{/motive}}{{^target}}no target{{/target}}", plain) == "no target")
    }

    @Test func aMinimumFigureSaysAtLeastInEveryLanguage() throws {
        let texts = [
            ("en", "{{#fatalities:minimum}}at least {{/fatalities:minimum}}{{fatalities}} killed", "at least 2 killed", "2 killed"),
            ("de", "{{#fatalities:minimum}}mindestens {{/fatalities:minimum}}{{fatalities}} Tote", "mindestens 2 Tote", "2 Tote"),
            ("he", "{{#fatalities:minimum}}לפחות {{/fatalities:minimum}}{{fatalities}} הרוגים", "לפחות 2 הרוגים", "2 הרוגים"),
            ("ar", "{{#fatalities:minimum}}ما لا يقل عن {{/fatalities:minimum}}{{fatalities}}", "ما لا يقل عن 2", "2"),
        ]
        var exact = Self.halle
        exact.tags = []
        for (language, template, minimum, final) in texts {
            #expect(try render(template, language: language) == minimum)
            #expect(try render(template, exact, language: language) == final)
        }
        // The qualifier belongs to its figure: injured is not a minimum here, and an unknown figure is never one.
        #expect(try render("{{#injured:minimum}}at least {{/injured:minimum}}{{injured}}") == "2")
        var unknown = Self.halle
        unknown.fatalities = nil
        #expect(try render("{{#fatalities:minimum}}at least{{/fatalities:minimum}}", unknown) == "")
    }

    @Test func revisedFiguresNameTheEarlierAndTheNewOne() throws {
        var alert = Self.halle
        alert.tags = []
        var update = alert
        update.id = "halle-2"
        update.msgType = .update
        update.fatalities = 3
        update.injured = 2
        let template = "{{#fatalities:risen}}The toll has risen from {{previousFatalities}} to {{fatalities}}.{{/fatalities:risen}}"
            + "{{#fatalities:fallen}}Revised down to {{fatalities}}.{{/fatalities:fallen}}"
            + "{{#injured:risen}} More injured.{{/injured:risen}}{{#previousInjured}} injured revised{{/previousInjured}}"
        #expect(try render(template, update, previous: alert) == "The toll has risen from 2 to 3.")
        #expect(try render("{{previousFatalities|words}}", update, previous: alert) == "two")
        update.fatalities = 1
        #expect(try render(template, update, previous: alert) == "Revised down to 1.")
        // Without a previous event (an alert), or when the figure did not change, nothing was revised.
        #expect(try render(template, alert) == "")
        update.fatalities = 2
        #expect(try render(template, update, previous: alert) == "")
        #expect(throws: TemplateRenderError.missingValue(.previousFatalities)) { try render("{{previousFatalities}}", update, previous: alert) }
    }

    @Test func theVocabularyIsChecked() {
        #expect(throws: TemplateSyntaxError.unknownFactValue(.target, "synagog", offset: 0)) { try Template("{{#target:synagog}}x{{/target:synagog}}") }
        #expect(throws: TemplateSyntaxError.sectionOnly(.motive, offset: 4)) { try Template("The {{motive}} attack") }
        #expect(throws: TemplateSyntaxError.unknownPluralCategory("minimum", offset: 0)) {
            try Template("{{#previousFatalities:minimum}}x{{/previousFatalities:minimum}}")
        }
        #expect(throws: TemplateSyntaxError.pluralNotApplicable(.place, offset: 0)) { try Template("{{#place:minimum}}x{{/place:minimum}}") }
        #expect(TemplateSyntaxError.unknownFactValue(.target, "synagog", offset: 0).description.contains("did you mean 'target:synagogue'?"))
        #expect(EventFact.problem(with: "target:synagog")?.contains("did you mean 'target:synagogue'?") == true)
        #expect(EventFact.problem(with: "fatalities:approximate") != nil)
        #expect(EventFact.problem(with: "fatalities:minimum") == nil)
        #expect(EventFact.problem(with: "press") == nil)
        // On an event, a tag outside the vocabulary is ignored, never an error.
        #expect(EventFact.values(in: Self.halle.tags) == [.target: ["synagogue"], .motive: ["antisemitic"], .day: ["yom_kippur"]])
        for fact in EventFact.allCases {
            #expect(!fact.values.isEmpty)
            #expect(Set(fact.values).count == fact.values.count)
            for value in fact.values { #expect(EventFact.isFactTag("\(fact.rawValue):\(value)")) }
        }
    }

    /// Where it happened is not what was attacked: Halle's synagogue was the target; at Neve Yaakov people
    /// were shot in the street outside one, on International Holocaust Remembrance Day, and the date stays.
    @Test func nearIsNotTheTargetAndRemembranceDayKeepsTheDate() throws {
        let template = "The attack{{#target:synagogue}} on the synagogue{{/target:synagogue}}{{#near:synagogue}} outside a synagogue{{/near:synagogue}}"
            + " on {{occurred}}{{#day:holocaust_remembrance}}, International Holocaust Remembrance Day{{/day:holocaust_remembrance}}"
        let neveYaakov = Event(id: "ny", kind: "terror_attack", occurredAt: RFC3339.parse("2023-01-27T18:15:00Z"), countries: ["IL"],
                               place: "Jerusalem", fatalities: 7, tags: ["near:synagogue", "day:holocaust_remembrance", "day:shabbat"])
        #expect(try render(template, neveYaakov)
            == "The attack outside a synagogue on 27 January, International Holocaust Remembrance Day")
        #expect(try render(template, Self.halle) == "The attack on the synagogue on 9 October")
        // The evening of Shabbat is stated as its own day fact, beside Shabbat.
        var eve = neveYaakov
        eve.tags = ["day:shabbat", "day:shabbat_eve"]
        #expect(try render("{{#day:shabbat_eve}}בליל שבת{{/day:shabbat_eve}}{{^day:shabbat_eve}}{{#day:shabbat}}בשבת{{/day:shabbat}}{{/day:shabbat_eve}}", eve,
                           language: "he") == "בליל שבת")
        // A day is stated, never derived from the date: the same date without the fact says only the date.
        var untagged = neveYaakov
        untagged.tags = []
        #expect(try render(template, untagged) == "The attack on 27 January")
        // `near` has target's values, checked as strictly; it replaces its own old value on an update, not target's.
        #expect(EventFact.near.values == EventFact.target.values)
        #expect(throws: TemplateSyntaxError.unknownFactValue(.near, "synagog", offset: 0)) { try Template("{{#near:synagog}}x{{/near:synagog}}") }
        #expect(throws: TemplateSyntaxError.sectionOnly(.near, offset: 0)) { try Template("{{near}}") }
        #expect(EventFact.problem(with: "near:synagog")?.contains("did you mean 'near:synagogue'?") == true)
        var update = Event(id: "ny-2", msgType: .update, references: ["ny"], tags: ["near:public_transport"])
        #expect(Set(Correlation.merged(update, over: neveYaakov).tags) == ["near:public_transport", "day:holocaust_remembrance", "day:shabbat"])
        update.tags = ["target:synagogue"]
        #expect(Set(Correlation.merged(update, over: neveYaakov).tags) == ["target:synagogue", "near:synagogue", "day:holocaust_remembrance", "day:shabbat"])
    }

    /// Berlin, 2016: an Israeli citizen among the injured. Israel's texts can say so; Germany's cannot be
    /// made to by the same section, which looks for each sender's own country.
    @Test func theSendersOwnNationalsAmongTheVictims() throws {
        let berlin = Event(id: "b", kind: "terror_attack", countries: ["DE"], fatalities: 12, injured: 56, tags: ["victims:IL"])
        func render(_ template: String, sender: String?, _ event: Event = berlin) throws -> String {
            let values = TemplateValues(facts: DraftFacts(event: event, gazetteer: .empty), language: "en", locale: Locale(identifier: "en_GB"),
                                        senderTimeZone: TimeZone(identifier: "Asia/Jerusalem") ?? .current, senderCountry: sender)
            return try Template(template).render(values)
        }
        let template = "We wish the injured{{#victims:own}}, including an Israeli citizen,{{/victims:own}} a speedy recovery."
        #expect(try render(template, sender: "IL") == "We wish the injured, including an Israeli citizen, a speedy recovery.")
        #expect(try render(template, sender: "DE") == "We wish the injured a speedy recovery.")
        #expect(try render(template, sender: nil) == "We wish the injured a speedy recovery.")
        #expect(try render("{{#victims:FR}}French{{/victims:FR}}{{#victims}}foreign nationals{{/victims}}", sender: "DE") == "foreign nationals")
        var none = berlin
        none.tags = []
        #expect(try render(template, sender: "IL", none) == "We wish the injured a speedy recovery.")
        // Codes are checked as country codes; `own` belongs to templates, never to an event or a condition.
        #expect(EventFact.isFactTag("victims:IL") && !EventFact.isFactTag("victims:XX") && !EventFact.isFactTag("victims:il"))
        #expect(EventFact.problem(with: "victims:XX")?.contains("ISO 3166-1 alpha-2 country code") == true)
        #expect(EventFact.problem(with: "victims:own") != nil)
        #expect(throws: TemplateSyntaxError.unknownFactValue(.victims, "Israel", offset: 0)) { try Template("{{#victims:Israel}}x{{/victims:Israel}}") }
        #expect(throws: TemplateSyntaxError.sectionOnly(.victims, offset: 0)) { try Template("{{victims}}") }
    }

    /// A storm's name reads where the event has one, and the text without it reads where it has none;
    /// `{{name}}` anywhere but inside `{{#name}}` is refused when the rules load.
    @Test func theEventsNameIsSaidOnlyInsideItsSection() throws {
        let helene = Event(id: "tc-1", kind: "tropical_cyclone", countries: ["US"], name: "Helene", fatalities: 230)
        var unnamed = helene
        unnamed.name = nil
        let english = "{{#name}}Hurricane {{name}} has{{/name}}{{^name}}The hurricane has{{/name}} claimed lives {{country | in}}. {{#name}}{{name | hashtag}}{{/name}}"
        #expect(try render(english, helene) == "Hurricane Helene has claimed lives in the United States. #Helene")
        #expect(try render(english, unnamed) == "The hurricane has claimed lives in the United States. ")
        // A name in Latin letters is never shown inside a Hebrew or Arabic draft: without a form in the names
        // table (none here; TemplateTests with one) it counts as absent there.
        #expect(try render("{{#name}}הוריקן {{name}}{{/name}}{{^name}}סופת ההוריקן{{/name}}", helene, language: "he") == "סופת ההוריקן")
        #expect(try render("{{#name}}l’ouragan {{name}}{{/name}}", helene, language: "fr") == "l’ouragan Helene")

        #expect(throws: TemplateSyntaxError.outsideSection(.name, offset: 10)) { try Template("Hurricane {{name}}") }
        #expect(throws: TemplateSyntaxError.outsideSection(.name, offset: 12)) { try Template("{{^name}}Da {{name}}{{/name}}") }
        #expect(throws: TemplateSyntaxError.outsideSection(.name, offset: 19)) { try Template("{{#fatalities}}The {{name}}{{/fatalities}}") }
        #expect(throws: TemplateSyntaxError.outsideSection(.name, offset: 0)) { try Template("{{name | hashtag}}") }
        #expect(throws: TemplateSyntaxError.filterNotApplicable(.in, .name, offset: 9)) { try Template("{{#name}}{{name | in}}{{/name}}") }
        // Nested inside its own section, under other sections, is fine.
        _ = try Template("{{#name}}{{#fatalities}}{{name}}: {{fatalities}}{{/fatalities}}{{/name}}")
        #expect(TemplateSyntaxError.outsideSection(.name, offset: 0).description
            == "'{{name}}' is known for few events: use it inside {{#name}}…{{/name}}, with {{^name}}…{{/name}} for the text without it")
    }

    @Test func anUpdateKeepsTheNameOrRenamesIt() throws {
        let alert = Event(id: "tc-1", kind: "tropical_cyclone", countries: ["US"], name: "Helene", fatalities: 40)
        let update = Event(id: "tc-2", msgType: .update, references: ["tc-1"], fatalities: 90)
        #expect(Correlation.merged(update, over: alert).name == "Helene", "left out keeps")
        var renamed = update
        renamed.name = "Milton"
        let merged = Correlation.merged(renamed, over: alert)
        #expect(merged.name == "Milton", "given replaces")
        #expect(IncidentFacts(alert).changes(to: IncidentFacts(merged)).map(\.description) == ["name: Helene → Milton", "fatalities: 40 → 90"])
        // The facts stored before the name existed still read.
        let stored = try IncidentFacts.decode(jsonText: #"{"actors":[],"certainty":"unknown","countries":["US"],"kind":"tropical_cyclone","severity":"unknown"}"#)
        #expect(stored.name == nil)
        #expect(try IncidentFacts.decode(jsonText: try IncidentFacts(alert).jsonText()).name == "Helene")
    }

    @Test func anUpdateKeepsWhatItLeavesOut() throws {
        let alert = Event(
            id: "a1", source: "ops", kind: "terror_attack", sentAt: RFC3339.parse("2019-10-09T10:30:00Z"),
            occurredAt: RFC3339.parse("2019-10-09T10:00:00Z"), countries: ["DE"], actors: [], place: "Halle",
            location: .init(lat: 51.48, lon: 11.97), severity: .severe, certainty: .observed, fatalities: 2, injured: 2,
            headline: ["de": "Anschlag in Halle"], link: "https://example.org/halle",
            tags: ["target:synagogue", "fatalities:minimum", "injured:minimum", "press"])
        // A duty officer revises the toll by reference only.
        let update = Event(id: "u1", source: "desk", msgType: .update, references: ["a1"], sentAt: RFC3339.parse("2019-10-09T14:00:00Z"),
                           fatalities: 3, tags: ["motive:antisemitic"])
        let merged = Correlation.merged(update, over: alert)
        #expect(merged.id == "u1" && merged.source == "desk" && merged.msgType == .update && merged.references == ["a1"])
        #expect(merged.sentAt == update.sentAt)
        #expect(merged.kind == "terror_attack" && merged.countries == ["DE"] && merged.place == "Halle")
        #expect(merged.occurredAt == alert.occurredAt && merged.location == alert.location)
        #expect(merged.severity == .severe && merged.certainty == .observed)
        #expect(merged.fatalities == 3 && merged.injured == 2)
        #expect(merged.headline == alert.headline && merged.link == alert.link)
        // The restated figure is exact now; the injured figure kept is still a minimum; facts are added.
        #expect(Set(merged.tags) == ["target:synagogue", "injured:minimum", "press", "motive:antisemitic"])
        // A fact the update states replaces that fact's old value.
        var retarget = update
        retarget.tags = ["target:school"]
        #expect(Set(Correlation.merged(retarget, over: alert).tags) == ["target:school", "injured:minimum", "press"])
        retarget.fatalities = nil
        #expect(Set(Correlation.merged(retarget, over: alert).tags) == ["target:school", "fatalities:minimum", "injured:minimum", "press"])
        // Only the figures changed: the facts the store compares say so, and nothing else.
        let changes = IncidentFacts(alert).changes(to: IncidentFacts(merged))
        #expect(changes.map(\.field) == [.fatalities, .facts])
        // An alert is a full statement, and a cancel carries nothing to merge.
        var cancel = update
        cancel.msgType = .cancel
        #expect(Correlation.merged(cancel, over: alert) == cancel)
    }
}
