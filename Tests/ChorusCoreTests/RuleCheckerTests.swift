import Foundation
import Testing
@testable import ChorusCore

struct RuleCheckerTests {
    @Test func theShippedRulesPass() throws {
        let diagnostics = RuleSet.check(directory: RepositoryPaths.rules)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        #expect(Set(set.rules.map(\.id)).isSuperset(of: ["attack", "major-earthquake", "diplomatic-expulsion", "severe-weather"]))
        #expect(set.drill(id: "jerusalem-2017")?.steps.count == 2)
        #expect(set.version.count == 64)
        for participant in ["de-foreign-office", "de-embassy-israel", "il-foreign-ministry", "il-embassy-germany",
                            "fr-foreign-ministry", "gb-fcdo", "us-state-department", "es-foreign-ministry"] {
            #expect(set.participants[participant] != nil, "\(participant)")
            #expect(set.voices[set.participants[participant]?.voiceID ?? ""] != nil, "\(participant) has its voice")
        }
        #expect(set.participants["gb-embassy-israel"]?.voiceID == "gb-embassy", "a house style shared by two embassies")
        #expect(set.landmarks["brandenburg-gate"]?.city == "Berlin")
        #expect(set.landmarks["brandenburg-gate"]?.names["he"] == "שער ברנדנבורג")
        #expect(set.gazetteer.place(id: "breitscheidplatz")?.timeZone == "Europe/Berlin", "a square keeps its city's clock")
        #expect(set.names.forms(of: "Helene") == ["he": "הלן", "ar": "هيلين"], "the storm of the shipped scenario has its Hebrew and Arabic forms")
    }

    /// Each broken file is broken in one way, and the checker says which, where.
    @Test(arguments: [
        "rules/syntax-error.json5:4:3: syntax error: unexpected 'w', expected ',' or '}'",
        "rules/unknown-field.json5:5:3: unknown field 'partcipants' (did you mean 'participants'?)",
        "rules/unknown-participant.json5:5:33: unknown participant 'de-foreign-ofice' (did you mean 'de-foreign-office'?)",
        "rules/unknown-landmark.json5:7:23: unknown landmark 'reichstag'",
        "rules/unknown-kind.json5:4:17: unknown kind 'earthqauke' (did you mean 'earthquake'?)",
        "rules/unknown-channel.json5:5:65: unknown channel 'myspace'",
        "rules/unknown-language.json5:6:48: unknown language 'klingon'",
        "rules/unknown-placeholder.json5:6:33: unknown placeholder '{{city}}'",
        "rules/unknown-filter.json5:6:30: unknown filter 'upper'",
        "rules/name-outside-section.json5:6:30: '{{name}}' is known for few events: use it inside {{#name}}…{{/name}}",
        "rules/duplicate-b.json5:2:7: duplicate rule id 'duplicate' (also in rules/duplicate-a.json5)",
        "rules/impossible-range.json5:4:42: impossible condition: minimum 7 is above maximum 5",
        "rules/too-long.json5:7:14: template cannot fit x: at least 347 of 280 even with the shortest values",
        "rules/missing-template.json5: templates.en: no template in 'en', which participant 'de-foreign-office' drafts in",
        "drills/bad-drill.json5:6:68: a drill event has status 'exercise' (or leave it out)",
        "rules/drafts-nothing.json5:5:18: participant 'de-foreign-office' would draft nothing: none of its accounts on these channels posts in these languages",
        "rules/identical-texts.json5: templates: participants 'de-foreign-office' and 'fr-foreign-ministry' share the rule's own templates and would post the same text in the statement",
        "rules/last-alternative-when.json5:6:29: the last alternative must have no 'when', so that every event gets a text",
        "rules/expulsion-without-desk-officer.json5: release.deskOfficer: a rule for diplomatic_expulsion needs a desk officer's approval",
        "rules/unknown-message.json5:6:12: no voice has a message 'quak' (did you mean 'quake'?)",
        "rules/missing-voice-text.json5: message: participant 'de-foreign-office' has no text for message 'partial' in 'en' on x: add it to voices/de-foreign-office.json5",
        "rules/landmark-in-statement.json5: speakers: the text of participant 'de-foreign-office' in 'de' names {{landmark}}, which only a phase about a gesture (speakers: gesture) has",
        "voices/fr-foreign-ministry.json5: messages.quake.en: the same text as voice 'de-foreign-office': two governments would post it word for word",
        "voices/nobody.json5:3:7: no participant speaks with voice 'nobody'",
        "rules/stray.json: warning: not read: rule files end in .json5: rename it to stray.json5",
    ])
    func brokenRulesReportTheirProblem(expected: String) {
        let lines = RuleSet.check(directory: RepositoryPaths.fixture("BrokenRules")).map(\.description)
        #expect(lines.contains { $0.hasPrefix(expected) }, "\(lines.joined(separator: "\n"))")
    }

    @Test func everyProblemIsReportedAndLoadingRefuses() {
        let directory = RepositoryPaths.fixture("BrokenRules")
        let diagnostics = RuleSet.check(directory: directory)
        let files = Set(diagnostics.map(\.file))
        #expect(files.count == 25, "\(files.sorted())")
        #expect(diagnostics.count == 25, "one problem a file: \(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(diagnostics.filter { !$0.isError }.map(\.file) == ["rules/stray.json"])
        #expect(diagnostics == diagnostics.sorted())
        #expect(throws: RuleSetError.self) { try RuleSet.load(from: directory) }
    }

    /// Files the loader does not read are warnings: the set still loads, and the author learns why a rule never drafts.
    @Test func skippedFilesAreWarnedAbout() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rule = try String(contentsOf: directory.appendingPathComponent("rules/attack.json5"), encoding: .utf8)
        try rule.replacingOccurrences(of: "id: \"attack\"", with: "id: \"attack-copy\"")
            .write(to: directory.appendingPathComponent("rules/attack-copy.json"), atomically: true, encoding: .utf8)
        try rule.write(to: directory.appendingPathComponent("flood.json5"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules/old"), withIntermediateDirectories: true)
        try "{}".write(to: directory.appendingPathComponent("landmarks.json"), atomically: true, encoding: .utf8)
        try "notes".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let (set, diagnostics) = RuleSetLoader.load(directory: directory)
        #expect(set?.rules.map(\.id) == ["attack"], "warnings do not stop the set")
        #expect(diagnostics.map(\.description) == [
            "flood.json5: warning: not read: a rule belongs in rules/, a drill in drills/, a voice in voices/",
            "landmarks.json: warning: not read: rename it to landmarks.json5",
            "rules/attack-copy.json: warning: not read: rule files end in .json5: rename it to attack-copy.json5",
            "rules/old/: warning: not read: rule files are read from rules/ itself, not from folders inside it",
        ])
        #expect(try RuleSet.load(from: directory).rules.count == 1)
    }

    /// Rules that share senders and phases are checked once a load: every one of them still reports its problems.
    @Test func rulesSharingTheirPhasesEachReportTheirProblems() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rule = try String(contentsOf: directory.appendingPathComponent("rules/attack.json5"), encoding: .utf8)
            .replacingOccurrences(of: "message: \"consular\"", with: "message: \"gesture\"")
        for id in ["attack", "attack-two"] {
            try rule.replacingOccurrences(of: "id: \"attack\"", with: "id: \"\(id)\"")
                .write(to: directory.appendingPathComponent("rules/\(id).json5"), atomically: true, encoding: .utf8)
        }
        let diagnostics = RuleSet.check(directory: directory)
        #expect(Set(diagnostics.map(\.file)) == ["rules/attack.json5", "rules/attack-two.json5"])
        let first = diagnostics.filter { $0.file == "rules/attack.json5" }.map(\.message)
        #expect(!first.isEmpty)
        #expect(first == diagnostics.filter { $0.file == "rules/attack-two.json5" }.map(\.message))
        #expect(first.contains { $0.contains("participant 'gb-fcdo' has no text for message 'gesture'") }, "\(first)")
    }

    @Test func alternativesNeedAFallbackAndComeInOrder() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            { id: "gb-fcdo", description: "x", messages: { attack: { en: [
                { text: "First." },
                { when: { fatalities: "unknown" }, text: "Never used." },
            ] } } }
            """.write(to: directory.appendingPathComponent("voices/gb-fcdo.json5"), atomically: true, encoding: .utf8)
        let lines = RuleSet.check(directory: directory).map(\.description)
        #expect(lines == [
            "voices/gb-fcdo.json5:2:5: only the last alternative may leave out 'when': the ones after it could never be used",
            "voices/gb-fcdo.json5:3:13: the last alternative must have no 'when', so that every event gets a text",
        ], "the voice's problems, not one more a rule that asks for its texts")
    }

    @Test func theVersionIsTheContentHash() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try RuleSet.load(from: directory).version
        #expect(try RuleSet.load(from: directory).version == first)
        // A comment changes the bytes, so the version.
        let rule = directory.appendingPathComponent("rules/attack.json5")
        try (String(contentsOf: rule, encoding: .utf8) + "\n// reviewed\n").write(to: rule, atomically: true, encoding: .utf8)
        #expect(try RuleSet.load(from: directory).version != first)
        // The hash is over each file's path, size and own SHA-256 in a fixed order, as documented: the names
        // table after the gazetteer (none here), before the rules, though "names" sorts after "landmarks" only.
        try FileManager.default.copyItem(at: RepositoryPaths.rules.appendingPathComponent("names.json5"), to: directory.appendingPathComponent("names.json5"))
        let voices = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("voices").path).sorted().map { "voices/\($0)" }
        let files = try (["participants.json5", "landmarks.json5", "names.json5", "rules/attack.json5"] + voices).map {
            ($0, try Data(contentsOf: directory.appendingPathComponent($0)))
        }
        var hash = SHA256()
        for (path, data) in files {
            var own = SHA256()
            own.update(data)
            hash.update(path); hash.update([0]); hash.update(String(data.count)); hash.update([0]); hash.update(own.finalize())
        }
        #expect(try RuleSet.load(from: directory).version == hash.hexDigest())
    }

    @Test func aBrokenKindsFileIsReportedWhereItIsBroken() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Without kinds.json5 the rules check against the contract's kinds, and feeds cannot be read.
        let drafting = try RuleSet.load(from: directory)
        #expect(drafting.kindMapping == nil && drafting.kinds == RuleSetLoader.defaultKinds)
        #expect(throws: RuleSetError.self) { try drafting.feedKindMapping() }

        let kinds = """
            {
              kinds: { other: "Anything", terror_attack: "An attack", shooting: "A shooting", earthquake: "A quake", flood: "A flood", tropical_cyclone: "A hurricane" },
              cap: { events: { Fire: "other", FIRE: "other" } },
            }
            """
        try kinds.write(to: directory.appendingPathComponent("kinds.json5"), atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description)
                == ["kinds.json5:3:35: cap.events.FIRE: is listed twice (keys are compared ignoring case)"])

        try kinds.replacingOccurrences(of: "FIRE", with: "Flood").write(to: directory.appendingPathComponent("kinds.json5"), atomically: true, encoding: .utf8)
        let set = try RuleSet.load(from: directory)
        #expect(set.kinds == ["other", "terror_attack", "shooting", "earthquake", "flood", "tropical_cyclone"])
        #expect(try set.feedKindMapping().capKind(eventCodes: [], event: "fire", headline: nil, categories: []) == "other")
    }

    @Test func aBrokenParticipantsFileIsOneProblemNotOneARule() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-broken-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["landmarks.json5", "kinds.json5", "gazetteer.json5", "rules", "voices"] {
            try FileManager.default.copyItem(at: RepositoryPaths.rules.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        try "{ participants: [ { id: 'x' ".write(to: directory.appendingPathComponent("participants.json5"), atomically: true, encoding: .utf8)
        let diagnostics = RuleSet.check(directory: directory)
        #expect(diagnostics.map(\.description) == ["participants.json5:1:29: syntax error: unexpected end of file, expected ',' or '}'"])
    }

    /// A consular contact is a participant's (participants.json5): a text that gives it for a sender without one is
    /// refused where the rule asks for it, and an empty one where it is written.
    @Test func aContactIsCheckedWhereItIsUsedAndWritten() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("participants.json5")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        let line = try #require(shipped.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("contact: { value: \"+44 20 7008 5000\" }") })
        try shipped.replacingOccurrences(of: "contact: { value: \"+44 20 7008 5000\" },", with: "")
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description).contains {
            $0.contains("rules/attack.json5") && $0.contains("the text of participant 'gb-fcdo' in 'en' names {{contact}}, and participants.json5 gives it no contact")
        })
        try shipped.replacingOccurrences(of: "contact: { value: \"+44 20 7008 5000\" }", with: "contact: { value: \" \" }")
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description).contains { $0.hasPrefix("participants.json5:\(line + 1):") && $0.hasSuffix("must not be empty") })
    }

    /// A draft gives its sender's contact as published, isolated left to right in Hebrew and Arabic; `rules test`
    /// marks a contact nobody could confirm, as it marks an unverified handle.
    @Test func aDraftGivesItsSendersContactAndMarksAnUnverifiedOne() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let rule = try #require(set.rule(id: "attack"))
        var event = Event(id: "contact-test", kind: "terror_attack", countries: ["DE"], place: "Berlin", certainty: .observed)
        event.occurredAt = Date(timeIntervalSince1970: 1_482_174_120)
        event.fatalities = 12
        let plan = BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: try #require(event.occurredAt))
        let consular = plan.drafts.filter { $0.phase == "consular" }
        #expect(!consular.contains { $0.participant == "de-foreign-office" }, "no consular line at home")
        let british = try #require(consular.first { $0.participant == "gb-fcdo" })
        #expect(british.state == .pending && british.text.contains("call the FCDO on +44 20 7008 5000"))
        let hebrew = try #require(consular.first { $0.participant == "il-foreign-ministry" && $0.language == "he" })
        #expect(hebrew.text.contains("\u{2066}+972-2-5303155\u{2069}"))
        #expect(hebrew.state == .pending)
        let report = DryRunReport(events: [event], ruleSet: set, now: event.occurredAt).text(ruleSet: set)
        #expect(report.contains("il-foreign-ministry x he @IsraelMFA (contact unverified)"))
        #expect(!report.contains("gb-fcdo x en @FCDOGovUK (contact unverified)"))
    }

    /// A text that names the storm inside its section, with the text without it beside, is a valid rule.
    @Test func aRuleNamingTheStormInItsSectionPasses() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        {
          id: "named-storm",
          description: "a storm, by its name where it has one",
          when: { kind: "tropical_cyclone", fatalities: { minimum: 1 } },
          participants: [{ participant: "de-foreign-office", languages: ["de"] }],
          templates: { de: "{{#name}}Hurrikan {{name}}: {{/name}}{{^name}}Nach dem Sturm {{country | in}}: {{/name}}Wir trauern um die Opfer.{{#name}} {{name | hashtag}}{{/name}}" },
        }
        """.write(to: directory.appendingPathComponent("rules/named-storm.json5"), atomically: true, encoding: .utf8)
        let problems = RuleSet.check(directory: directory).filter { $0.severity == .error }
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let set = try RuleSet.load(from: directory)
        let rule = try #require(set.rule(id: "named-storm"))
        let helene = Event(id: "tc", kind: "tropical_cyclone", countries: ["US"], name: "Helene", certainty: .observed, fatalities: 230)
        let drafts = BundlePlanner.plan(event: helene, rule: rule, ruleSet: set, now: Date()).drafts
        #expect(!drafts.isEmpty && Set(drafts.map(\.text)) == ["Hurrikan Helene: Wir trauern um die Opfer. #Helene"])
        var unnamed = helene
        unnamed.name = nil
        #expect(Set(BundlePlanner.plan(event: unnamed, rule: rule, ruleSet: set, now: Date()).drafts.map(\.text))
            == ["Nach dem Sturm in den Vereinigten Staaten: Wir trauern um die Opfer."])
    }

    /// `{{#victims:own}}` is decided per sender: after an attack in France, Israel's text names the Israeli among the injured, Germany's does not.
    @Test func ownNationalsAreTheSendersOwn() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        {
          id: "own-nationals",
          description: "the sender's own nationals among the injured",
          when: { kind: "terror_attack" },
          participants: [{ participant: "de-foreign-office", languages: ["de"] }, { participant: "il-foreign-ministry", languages: ["en"] }],
          templates: {
            de: "Den Verletzten{{#victims:own}}, darunter Deutsche,{{/victims:own}} wünschen wir rasche Genesung.",
            en: "We wish the injured{{#victims:own}}, including an Israeli citizen,{{/victims:own}} a speedy recovery.",
          },
        }
        """.write(to: directory.appendingPathComponent("rules/own-nationals.json5"), atomically: true, encoding: .utf8)
        let problems = RuleSet.check(directory: directory).filter { $0.severity == .error }
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let set = try RuleSet.load(from: directory)
        let rule = try #require(set.rule(id: "own-nationals"))
        let nice = Event(id: "n", kind: "terror_attack", countries: ["FR"], certainty: .observed, injured: 56, tags: ["victims:IL"])
        let texts = Set(BundlePlanner.plan(event: nice, rule: rule, ruleSet: set, now: Date()).drafts.map(\.text))
        #expect(texts == ["Den Verletzten wünschen wir rasche Genesung.", "We wish the injured, including an Israeli citizen, a speedy recovery."])
    }

    /// A phase's `when` may be a list, as a rule's: the phase is drafted when any of its objects holds
    /// (thanks after a death or an attack the authorities call terror, never after a shooting that only wounded).
    @Test func aPhaseWhenListHoldsWhenAnyOfItHolds() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rule = """
        {
          id: "either",
          description: "thanks after deaths or terror",
          when: { kind: ["terror_attack", "shooting"] },
          participants: [{ participant: "de-foreign-office", languages: ["de"] }, { participant: "il-foreign-ministry", languages: ["en"] }],
          message: "attack",
          phases: [{ id: "thanks", speakers: "affected", message: "thanks",
                     when: [{ kind: "terror_attack" }, { fatalities: { minimum: 1 } }] }],
        }
        """
        try rule.write(to: directory.appendingPathComponent("rules/either.json5"), atomically: true, encoding: .utf8)
        let problems = RuleSet.check(directory: directory).filter { $0.severity == .error }
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let set = try RuleSet.load(from: directory)
        let either = try #require(set.rule(id: "either"))
        func thanks(_ kind: String, _ fatalities: Int) -> Int {
            let event = Event(id: "e", kind: kind, countries: ["IL"], place: "Jerusalem", certainty: .observed, fatalities: fatalities, injured: 1)
            return BundlePlanner.plan(event: event, rule: either, ruleSet: set, now: Date()).drafts.filter { $0.phase == "thanks" }.count
        }
        #expect(thanks("terror_attack", 0) > 0 && thanks("shooting", 2) > 0 && thanks("terror_attack", 2) > 0)
        #expect(thanks("shooting", 0) == 0)
        // Each object of the list is checked where it is written; an empty list never holds.
        try rule.replacingOccurrences(of: "{ fatalities: { minimum: 1 } }", with: "{ kind: \"shooting_x\" }")
            .write(to: directory.appendingPathComponent("rules/either.json5"), atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description).contains(
            "rules/either.json5:8:56: unknown kind 'shooting_x' (did you mean 'shooting'?)"), "\(RuleSet.check(directory: directory).map(\.description))")
        try rule.replacingOccurrences(of: "[{ kind: \"terror_attack\" }, { fatalities: { minimum: 1 } }]", with: "[]")
            .write(to: directory.appendingPathComponent("rules/either.json5"), atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.message).contains("an empty list of alternatives never matches"))
    }

    @Test func aMissingDirectoryIsAProblem() {
        let diagnostics = RuleSet.check(directory: URL(fileURLWithPath: "/nonexistent/rules"))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "no such directory")
    }

    /// A scratch rules directory: the shipped participants, voices, landmarks and attack rule, no kinds.json5.
    /// The names table is checked like the gazetteer: every problem where it is written, and a table with one
    /// stops the rules.
    @Test func aBrokenNamesTableIsReportedWhereItIsBroken() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            {
              names: [
                { name: "Helene", forms: { he: "הלן", ar: "هيلين" } },
                { name: "helene", forms: { he: "הלן" } },
                { name: 42, forms: { he: "הלן" } },
                { name: "Milton", forms: { de: "Milton", he: "מילטון" } },
                { name: "Ian", forms: { xx: "איאן" } },
                { name: "Katrina", forms: { he: "كاترينا", ar: 7 } },
                { name: "Daniel", forms: ["דניאל"] },
                { name: "Beryl", forms: {} },
                { name: "דניאל", forms: { he: "דניאל" } },
                { name: "Otis", form: { he: "אוטיס" } },
                { name: " Kirk", forms: { he: "קירק", ar: "1" } },
                "Oscar",
              ],
              storms: [],
            }
            """.write(to: directory.appendingPathComponent("names.json5"), atomically: true, encoding: .utf8)
        let lines = RuleSet.check(directory: directory).map(\.description)
        #expect(lines == [
            "names.json5:4:13: duplicate name 'helene' (also at line 3)",
            "names.json5:5:13: expected a string, found a number",
            "names.json5:6:32: 'de' is written in Latin letters and keeps the name as given: forms are for ar, he",
            "names.json5:7:29: unknown language 'xx' (forms are for ar, he)",
            "names.json5:8:37: 'كاترينا' is not written in Hebrew letters, as 'he' is",
            "names.json5:8:52: expected a string, found a number",
            "names.json5:9:30: expected an object of languages to forms ({ he: \"הלן\", ar: \"هيلين\" }), found a list",
            "names.json5:10:29: a name needs its form in at least one of ar, he",
            "names.json5:11:13: 'דניאל' is not in Latin letters: the table is looked up by the name as the agencies give it (Helene)",
            "names.json5:12:21: unknown field 'form' (did you mean 'forms'?); allowed: name, forms",
            "names.json5:13:13: ' Kirk' has spaces at its start or end",
            "names.json5:13:47: '1' is not written in Arabic letters, as 'ar' is",
            "names.json5:14:5: expected an object, found a string",
            "names.json5:16:3: unknown field 'storms'; allowed: names",
        ], "\(lines.joined(separator: "\n"))")
        #expect(throws: RuleSetError.self) { try RuleSet.load(from: directory) }

        // A good table loads: the first entry stands, and the name is found whatever its case.
        try "{ names: [{ name: 'Helene', forms: { he: 'הלן' } }, { name: 'Man-yi', forms: { ar: 'مان-يي' } }] }"
            .write(to: directory.appendingPathComponent("names.json5"), atomically: true, encoding: .utf8)
        let set = try RuleSet.load(from: directory)
        #expect(set.names.forms(of: "HELENE") == ["he": "הלן"])
        #expect(set.names.entries.map(\.name) == ["Helene", "Man-yi"])
        try "{ names: [ { name: 'Helene', forms: { he: 'הלן' } }".write(to: directory.appendingPathComponent("names.json5"), atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description) == ["names.json5:1:52: syntax error: unexpected end of file, expected ',' or ']'"])
    }

    /// Helene in every language of the shipped voices: in Hebrew and Arabic by the table's forms, and an unknown
    /// storm leaves the name out there while German and English keep it.
    @Test func theShippedVoicesNameTheStormInEachScript() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let rule = try #require(set.rule(id: "severe-weather"))
        var storm = Event(id: "tc", kind: "tropical_cyclone", countries: ["US"], name: "Helene", certainty: .observed, alertLevel: .red, fatalities: 52)
        storm.occurredAt = RFC3339.parse("2024-09-27T03:10:00Z")
        func texts(_ event: Event, _ participant: String, _ language: String) -> [String] {
            BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: event.occurredAt ?? Date()).drafts
                .filter { $0.participant == participant && $0.language == language }.map(\.text)
        }
        let hebrew = texts(storm, "il-foreign-ministry", "he")
        #expect(hebrew.count == 2 && hebrew.allSatisfy { $0.contains("הוריקן הלן בארצות הברית") }, "\(hebrew)")
        for participant in ["il-foreign-ministry", "fr-foreign-ministry"] {
            let arabic = texts(storm, participant, "ar")
            #expect(!arabic.isEmpty && arabic.allSatisfy { !$0.contains("Helene") }, "\(arabic)")
            #expect(arabic.filter { $0.contains("الإعصار هيلين") }.count >= 2, "\(participant): \(arabic)")
        }
        // A tropical cyclone outside the Americas is no hurricane: Daniel, the Mediterranean storm of 2023, in Greece,
        // gets the storm texts in every voice and language (the Arabic desk: «العاصفة دانيال», never «الإعصار دانيال»).
        var daniel = storm
        daniel.name = "Daniel"
        daniel.countries = ["GR"]
        let greece = BundlePlanner.plan(event: daniel, rule: rule, ruleSet: set, now: storm.occurredAt ?? Date()).drafts
        #expect(greece.count > 10)
        for word in ["Hurricane", "hurricane", "Hurrikan", "ouragan", "huracán", "הוריקן", "الإعصار"] {
            #expect(!greece.contains { $0.text.contains(word) }, "\(word): \(greece.filter { $0.text.contains(word) }.map(\.text))")
        }
        #expect(greece.contains { $0.participant == "us-state-department" && $0.language == "ar" && $0.text.contains("اليونان") })
        storm.name = "Beryl"
        #expect(texts(storm, "il-foreign-ministry", "he").allSatisfy { $0.contains("סופת ההוריקן בארצות הברית") && !$0.contains("Beryl") })
        #expect(texts(storm, "il-foreign-ministry", "ar").allSatisfy { $0.contains("الإعصار في الولايات المتحدة") })
        #expect(texts(storm, "il-foreign-ministry", "en").allSatisfy { $0.contains("Hurricane Beryl") })
        #expect(texts(storm, "de-foreign-office", "de").allSatisfy { $0.contains("des Hurrikans Beryl") })
    }

    /// `{{gestureDay}}` is the day a landmark is lit: a text outside a phase about a gesture that names it is
    /// refused, as `{{landmark}}` is, and a gesture phase may use it.
    @Test func theGesturesDayOnlyInAPhaseAboutAGesture() throws {
        let directory = try Self.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        {
          id: "gesture-day",
          description: "the day of a gesture",
          when: { kind: "flood" },
          participants: [{ participant: "de-foreign-office", languages: ["de"] }],
          templates: { de: "Am {{gestureDay}}abend gedenken wir der Opfer {{country|in}}." },
          phases: [{ id: "gesture", speakers: "gesture", afterGesture: "0", templates: { de: "Am {{gestureDay}}abend leuchtete {{landmark}}." } }],
          gestures: [{ light: "brandenburg-gate", at: "dusk" }],
        }
        """.write(to: directory.appendingPathComponent("rules/gesture-day.json5"), atomically: true, encoding: .utf8)
        #expect(RuleSet.check(directory: directory).map(\.description) == [
            "rules/gesture-day.json5: speakers: the text of participant 'de-foreign-office' in 'de' names {{gestureDay}}, which only a phase about a gesture (speakers: gesture) has",
        ])
    }

    static func shippedRuleWithoutKinds() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        for name in ["participants.json5", "landmarks.json5", "voices", "rules/attack.json5"] {
            try FileManager.default.copyItem(at: RepositoryPaths.rules.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        return directory
    }
}
