import Foundation
import Testing
@testable import ChorusCore

/// The desk's standards (PRODUCT.md §10), held by the shipped library for every rule, every country it
/// covers and every state of the figures: the words follow the facts in every language.
struct ShippedLibraryTests {
    enum Figures: String, CaseIterable, CustomStringConvertible {
        case deaths, woundedOnly, unknown
        var description: String { rawValue }
        var counts: (fatalities: Int?, injured: Int?) {
            switch self {
            case .deaths: return (4, 17)
            case .woundedOnly: return (0, 25)
            case .unknown: return (nil, nil)
            }
        }
    }

    /// Words that call an attack terror.
    static let terrorWords: [String: [String]] = [
        "en": ["terror"], "de": ["terror"], "fr": ["terror"], "es": ["terror"], "he": ["טרור", "מחבל"], "ar": ["إرهاب", "ارهاب"],
    ]
    /// Words of mourning, which only deaths allow.
    static let mourningWords: [String: [String]] = [
        "en": ["condolence", "mourn", "grieve", "killed", "lost their li", "lives lost", "who died", "victims", "murdered", "took the lives"],
        "de": ["beileid", "trauer", "getötet", "todesopfer", "ums leben", "opfer", "gedenk", "anteilnahme"],
        "fr": ["condoléances", "deuil", "victimes", "coûté la vie", "morts"],
        "es": ["pésame", "condolencias", "víctimas", "murieron", "fallecid", "dolor"],
        "he": ["תנחומ", "נרצח", "נהרג", "הרוג", "נספ", "מתאבלים", "בצער", "קורבנות"],
        "ar": ["تعاز", "تعزية", "ضحايا", "مقتل", "أودى بحياة", "لذكرى"],
    ]
    /// Words wishing the wounded well.
    static let recoveryWords: [String: [String]] = [
        "en": ["recovery"], "de": ["genesung"], "fr": ["rétablissement"], "es": ["recuperación"], "he": ["החלמ"], "ar": ["الشفاء"],
    ]

    static func contains(_ text: String, _ words: [String]?) -> String? {
        let lower = text.lowercased()
        return words?.first { lower.contains($0.lowercased()) }
    }

    struct Case: CustomStringConvertible, Sendable {
        var rule: String
        var kind: String
        var country: String
        var figures: Figures
        var description: String { "\(rule) \(kind) \(country) \(figures)" }
    }

    static func cases() throws -> [Case] {
        let set = try RepositoryPaths.shipped()
        var cases: [Case] = []
        for rule in set.rules {
            let kinds = Set(rule.conditions.flatMap { $0.kinds ?? [] }).sorted()
            let countries = Set(rule.conditions.flatMap { $0.countries ?? [] }).sorted()
            for kind in kinds {
                for country in countries {
                    for figures in Figures.allCases { cases.append(Case(rule: rule.id, kind: kind, country: country, figures: figures)) }
                }
            }
        }
        return cases
    }

    static func plan(_ item: Case, _ set: RuleSet) throws -> BundlePlan {
        let rule = try #require(set.rule(id: item.rule))
        let city = set.gazetteer.places.first { $0.country == item.country && $0.within == nil }
        let event = Event(id: "standards", kind: item.kind, occurredAt: RFC3339.parse("2024-05-01T09:00:00Z"), countries: [item.country],
                          actors: item.kind == "diplomatic_expulsion" ? ["RU"] : [], place: city?.names["en"], certainty: .observed,
                          alertLevel: .red, magnitude: 6.8, fatalities: item.figures.counts.fatalities, injured: item.figures.counts.injured,
                          headline: ["en": "Test event"])
        return BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: Date(timeIntervalSince1970: 1_714_554_000))
    }

    @Test(arguments: try ShippedLibraryTests.cases())
    func theWordsFollowTheFacts(item: Case) throws {
        let set = try RepositoryPaths.shipped()
        let plan = try Self.plan(item, set)
        let statement = plan.drafts.filter { $0.phase == nil }
        #expect(!statement.isEmpty, "\(item): partners must speak")
        for draft in plan.drafts {
            let language = draft.language
            let label = "\(item) \(draft.participant) \(draft.phase ?? "statement") \(draft.channel.rawValue) \(language): \(draft.text)"
            #expect(draft.state == .pending, "\(label) — \(draft.problem ?? "")")
            // A shooting is not called terrorism until the authorities say so (kind terror_attack).
            if item.kind != "terror_attack", let word = Self.contains(draft.text, Self.terrorWords[language]) {
                Issue.record("'\(word)' without an attack the authorities call terror: \(label)")
            }
            // Condolences only when people died.
            if item.figures != .deaths, let word = Self.contains(draft.text, Self.mourningWords[language]) {
                Issue.record("'\(word)' without deaths: \(label)")
            }
        }
        // Wounded only: words of concern for them in every statement of an attack or a disaster with injured.
        if item.figures == .woundedOnly, ["terror_attack", "shooting"].contains(item.kind) {
            for draft in statement where Self.contains(draft.text, Self.recoveryWords[draft.language]) == nil {
                Issue.record("no wishes for the wounded: \(item) \(draft.participant) \(draft.language): \(draft.text)")
            }
        }
        // Unknown figures: a holding line, which states no number.
        if item.figures == .unknown {
            for draft in statement where draft.text.contains(where: \.isNumber) && item.kind != "earthquake" {
                Issue.record("a number in a holding line: \(item) \(draft.participant) \(draft.language): \(draft.text)")
            }
        }
        #expect(DryRunReport.identicalTexts([DryRunReport.MatchResult(rule: item.rule, alternative: 0, reasons: [], bundle: plan)]).isEmpty,
                "\(item): two senders with one text")
    }

    /// French typography: a narrow no-break space before ; : ! ? and inside guillemets.
    @Test func frenchTypography() throws {
        let set = try RepositoryPaths.shipped()
        var checked = 0
        for item in try Self.cases() {
            for draft in try Self.plan(item, set).drafts where draft.language == "fr" {
                checked += 1
                let scalars = Array(draft.text.unicodeScalars)
                for (index, scalar) in scalars.enumerated() where ";:!?»".unicodeScalars.contains(scalar) && index > 0 {
                    if scalar == ":" && scalars.dropFirst(index + 1).starts(with: "//".unicodeScalars) { continue }
                    #expect(scalars[index - 1] == "\u{202F}", "\(draft.participant): '\(scalar)' in \(draft.text)")
                }
                for (index, scalar) in scalars.enumerated() where scalar == "«" && index + 1 < scalars.count {
                    #expect(scalars[index + 1] == "\u{202F}", "\(draft.participant): « in \(draft.text)")
                }
                #expect(!draft.text.contains("'"), "typographic apostrophes: \(draft.text)")
            }
        }
        #expect(checked > 100)
    }

    /// A state that acted never speaks, whatever the phase; an expulsion always needs a desk officer.
    @Test func theActingStateNeverSpeaks() throws {
        let set = try RepositoryPaths.shipped()
        let attack = try #require(set.rule(id: "attack"))
        let event = Event(id: "a", kind: "terror_attack", countries: ["IL"], actors: ["FR"], place: "Jerusalem", fatalities: 2)
        let plan = BundlePlanner.plan(event: event, rule: attack, ruleSet: set, now: Date())
        #expect(!plan.drafts.isEmpty)
        #expect(!plan.drafts.contains { $0.participant.hasPrefix("fr-") })
        let expulsion = try #require(set.rule(id: "diplomatic-expulsion"))
        let expelled = Event(id: "x", kind: "diplomatic_expulsion", countries: ["DE"], actors: ["RU"], place: "Moscow")
        let bundle = BundlePlanner.plan(event: expelled, rule: expulsion, ruleSet: set, now: Date())
        #expect(bundle.release.deskOfficer)
        #expect(bundle.drafts.filter { $0.phase == nil }.allSatisfy { $0.participant != "de-foreign-office" })
        #expect(bundle.drafts.filter { $0.phase == "consular" }.map(\.participant).allSatisfy { $0 == "de-foreign-office" })
        #expect(bundle.drafts.contains { $0.phase == "consular" && $0.language == "de" && $0.text.contains("in Russland") })
        // Partners stay out of a quarrel between partners: no bundle at all.
        #expect(set.match(Event(id: "y", kind: "diplomatic_expulsion", countries: ["IL"], actors: ["FR"])).isEmpty)
    }

    /// A place the gazetteer does not know is never pasted into another language.
    @Test func anUnknownPlaceStaysInItsLanguage() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "attack"))
        let event = Event(id: "p", kind: "shooting", countries: ["DE"], place: "Kleinkleckersdorf", fatalities: 2,
                          headline: ["en": "Shooting in Kleinkleckersdorf"])
        let plan = BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: Date())
        for draft in plan.drafts where draft.text.contains("Kleinkleckersdorf") {
            #expect(draft.language == "en", "\(draft.participant) \(draft.language): \(draft.text)")
        }
        #expect(plan.drafts.contains { $0.language == "en" && $0.text.contains("in Kleinkleckersdorf") })
        #expect(plan.drafts.contains { $0.language == "fr" && $0.text.contains("en Allemagne") })
    }

    /// Every affected country is named: the Turkey–Syria earthquake of 6 February 2023 struck near
    /// Kahramanmaraş, a place the gazetteer knows, and no statement may leave Syria out.
    @Test func everyStrickenCountryIsNamed() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "major-earthquake"))
        let event = Event(id: "tr-sy", kind: "earthquake", occurredAt: RFC3339.parse("2023-02-06T01:17:00Z"), countries: ["TR", "SY"],
                          place: "Kahramanmaraş", location: Event.Location(lat: 37.226, lon: 37.014), alertLevel: .red,
                          magnitude: 7.8, fatalities: 1500, headline: ["en": "Magnitude 7.8 earthquake in southern Turkey and northern Syria"])
        let plan = BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: Date())
        let syria = ["en": "Syria", "de": "Syrien", "fr": "Syrie", "es": "Siria", "he": "סוריה", "ar": "سوريا"]
        let statement = plan.drafts.filter { $0.phase == nil }
        #expect(!statement.isEmpty)
        for draft in statement {
            #expect(draft.text.contains(syria[draft.language] ?? "?"), "\(draft.participant) \(draft.language): \(draft.text)")
        }
    }

    /// Without a gesture, the thanks wait for the partners' statements: six hours after the attack.
    @Test func thanksWithoutAGestureComeAfterTheStatements() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "attack"))
        let occurred = try #require(RFC3339.parse("2017-09-15T07:20:00Z"))
        let event = Event(id: "w", kind: "terror_attack", occurredAt: occurred, countries: ["GB"], place: "London", certainty: .observed,
                          fatalities: 0, injured: 29)
        let plan = BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: occurred)
        #expect(plan.actionItems.isEmpty, "landmarks are lit in mourning")
        #expect(!plan.drafts.contains { $0.phase == "gesture" })
        let thanks = plan.drafts.filter { $0.phase == "thanks" }
        #expect(!thanks.isEmpty)
        #expect(thanks.allSatisfy { $0.notBefore == occurred.addingTimeInterval(6 * 3600) })
        // Both British embassies thank their hosts in the shared house style, each naming its own.
        #expect(thanks.contains { $0.participant == "gb-embassy-israel" && $0.text.hasPrefix("Thank you, Israel,") })
        #expect(thanks.contains { $0.participant == "gb-embassy-germany" && $0.text.hasPrefix("Thank you, Germany,") })
    }

    /// The stricken country thanks only when people died or the authorities call it terror: after a shooting
    /// that wounded and whose motive is not established (Huwara, 12 May 2023) the partners posted concern,
    /// and a ministry does not thank for a holding line.
    @Test func noThanksForAHoldingLine() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "attack"))
        func thanks(_ kind: String, fatalities: Int?, injured: Int?) -> [Draft] {
            let event = Event(id: "h", kind: kind, occurredAt: RFC3339.parse("2023-05-12T15:55:00Z"), countries: ["IL"], place: "Huwara",
                              certainty: .observed, fatalities: fatalities, injured: injured)
            return BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: Date(timeIntervalSince1970: 1_683_907_000))
                .drafts.filter { $0.phase == "thanks" }
        }
        #expect(thanks("shooting", fatalities: 0, injured: 1).isEmpty)
        #expect(thanks("shooting", fatalities: nil, injured: nil).isEmpty)
        #expect(Set(thanks("shooting", fatalities: 2, injured: 1).map(\.participant)) == ["il-foreign-ministry", "il-embassy-germany"])
        let terror = thanks("terror_attack", fatalities: 0, injured: 2)
        #expect(Set(terror.map(\.participant)) == ["il-foreign-ministry", "il-embassy-germany"])
        // Nobody died: the thanks are for solidarity, never for condolences.
        #expect(terror.contains { $0.language == "ar" && $0.text.contains("رسائل التضامن") && !$0.text.contains("التعزية") })
        #expect(terror.contains { $0.language == "de" && $0.text.contains("Solidarität") && !$0.text.contains("Anteilnahme") })
    }

    /// A West Bank town reported under IL is named by itself, never "in Israel", whatever the kind and the
    /// figures: every town the gazetteer files in the West Bank, in every language (a town missing from the
    /// gazetteer would be named by its country: Jenin was "في إسرائيل بالضفة الغربية").
    @Test func aWestBankTownIsNeverInIsrael() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "attack"))
        let towns = set.gazetteer.places.filter { $0.locatives["de"]?.hasSuffix("im Westjordanland") == true }
        #expect(towns.count >= 9, "\(towns.map(\.id))")
        // The senders' own names say where they sit; the place is what must not be "in Israel".
        let selves = ["ambassade de France en Israël", "Embajada de España en Israel", "שגרירות צרפת בישראל", "שגרירות ספרד בישראל"]
        let inIsrael = ["in Israel", "en Israël", "en Israel", "בישראל", "في إسرائيل"]
        for town in towns {
            for kind in ["terror_attack", "shooting"] {
                for figures in Figures.allCases {
                    let event = Event(id: "wb", kind: kind, countries: ["IL"], place: town.names["en"], certainty: .observed,
                                      fatalities: figures.counts.fatalities, injured: figures.counts.injured)
                    let plan = BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: Date(timeIntervalSince1970: 1_683_907_000))
                    for draft in plan.drafts where draft.phase == nil {
                        let text = selves.reduce(draft.text) { $0.replacingOccurrences(of: $1, with: "") }
                        if let hit = inIsrael.first(where: text.contains) {
                            Issue.record("'\(hit)' for \(town.id) (\(kind) \(figures)): \(draft.participant) \(draft.language): \(draft.text)")
                        }
                    }
                }
            }
        }
    }

    /// An embassy of the stricken country answers only in a country whose government spoke.
    @Test func theStrickenCountrysEmbassiesThankTheirHosts() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "attack"))
        let both = Event(id: "b", kind: "terror_attack", countries: ["IL", "DE"], fatalities: 3)
        let plan = BundlePlanner.plan(event: both, rule: rule, ruleSet: set, now: Date())
        // Germany and Israel are both struck: neither is the other's partner here, so no embassy thanks its host.
        #expect(!plan.drafts.contains { $0.phase == "thanks" && ($0.participant == "il-embassy-germany" || $0.participant == "de-embassy-israel") })
        #expect(plan.drafts.contains { $0.phase == nil && $0.language == "de" && $0.text.contains("in Israel und in Deutschland") })
    }
}
