import Foundation

/// Decodes and checks one rule file against what the directory defines: participants, voices, landmarks,
/// kinds.
struct RuleDecoder {
    let context: LoaderContext

    static let ruleFields = ["id", "description", "when", "participants", "speakers", "templates", "message", "phases",
                             "gestures", "release", "suppress", "corroboration"]
    static let phaseFields = ["id", "speakers", "participants", "when", "after", "afterGesture", "templates", "message"]
    static let senderFields = ["participant", "channels", "languages"]
    static let gestureFields = ["light", "countries", "at", "after", "when"]
    static let corroborationFields = ["sources", "window", "authoritative"]
    /// Kinds whose bundles always need a desk officer, and whose rules must know who acted.
    static let kindsNeedingDeskOfficer: Set<String> = ["diplomatic_expulsion"]

    func decode(_ root: JSON5Node, reader: inout NodeReader) -> Rule? {
        guard let fields = reader.object(root, "", allowed: Self.ruleFields, required: ["id", "description", "when", "participants"]) else { return nil }
        var ok = true
        var id: String?
        if let node = fields["id"], let text = reader.string(node, "id") {
            if Self.isIdentifier(text) {
                id = text
            } else {
                reader.report(node, "id", "'\(text)' is not a rule id (lower-case letters, digits, '-' and '_')")
            }
        }
        let description = fields["description"].flatMap { reader.string($0, "description") }
        var conditions: [RuleConditions] = []
        if let node = fields["when"] {
            if let decoded = ConditionsDecoder(kinds: context.kinds).alternatives(node, "when", &reader) { conditions = decoded } else { ok = false }
        }
        let senders = fields["participants"].flatMap { self.senders($0, &reader) } ?? []
        var gestures: [Gesture] = []
        if let node = fields["gestures"], let items = reader.list(node, "gestures") {
            for (index, item) in items.enumerated() {
                if let gesture = self.gesture(item, "gestures[\(index)]", &reader) { gestures.append(gesture) } else { ok = false }
            }
        }

        // The statement, then the later phases.
        var phases: [(phase: Phase, node: JSON5Node, path: String)] = []
        // The channels each language is posted on, for the fit check of the rule's own templates.
        var channels: [String: Set<Channel>] = [:]
        for sender in senders {
            guard let participant = context.participants[sender.participant] else { continue }
            for (account, language) in BundlePlanner.accountLanguages(participant, sender) { channels[language, default: []].insert(account.channel) }
        }
        if let statement = phase(fields, path: "", id: nil, node: root, channels: channels, &reader) { phases.append((statement, root, "")) } else { ok = false }
        if let node = fields["phases"], let items = reader.list(node, "phases") {
            var ids: Set<String> = []
            for (index, item) in items.enumerated() {
                let path = "phases[\(index)]"
                guard let phaseFields = reader.object(item, path, allowed: Self.phaseFields, required: ["id"]) else { ok = false; continue }
                var phaseID: String?
                if let idNode = phaseFields["id"], let text = reader.string(idNode, "\(path).id") {
                    if !Self.isIdentifier(text) || text == "statement" {
                        reader.report(idNode, "\(path).id", "'\(text)' is not a phase id (lower-case letters, digits, '-' and '_'; not 'statement')")
                    } else if !ids.insert(text).inserted {
                        reader.report(idNode, "\(path).id", "phase '\(text)' is listed twice")
                    } else {
                        phaseID = text
                    }
                }
                guard let phaseID, let decoded = phase(phaseFields, path: path, id: phaseID, node: item, channels: channels, &reader) else { ok = false; continue }
                phases.append((decoded, item, path))
            }
        }
        for entry in phases {
            if (entry.phase.afterGesture != nil || entry.phase.speakers == .gesture) && gestures.isEmpty {
                reader.report(entry.node, entry.path.isEmpty ? "speakers" : entry.path, "phase '\(entry.phase.name)' follows a gesture, and the rule has none")
            }
        }

        var release = ReleaseSettings()
        if let node = fields["release"], let releaseFields = reader.object(node, "release", allowed: ["policy", "notBefore", "expiry", "deskOfficer"]) {
            if let policyNode = releaseFields["policy"], let policy = reader.enumeration(policyNode, "release.policy", ReleasePolicy.self) { release.policy = policy }
            if let valueNode = releaseFields["notBefore"], let value = reader.duration(valueNode, "release.notBefore") { release.notBefore = value }
            if let valueNode = releaseFields["expiry"], let value = reader.duration(valueNode, "release.expiry") {
                if value <= release.notBefore {
                    reader.report(valueNode, "release.expiry", "expiry \(RuleDuration.format(value)) is not after notBefore \(RuleDuration.format(release.notBefore)): the drafts could never be released")
                } else {
                    release.expiry = value
                }
            }
            if let valueNode = releaseFields["deskOfficer"], let value = reader.bool(valueNode, "release.deskOfficer") { release.deskOfficer = value }
        }
        var suppression = SuppressionSettings()
        if let node = fields["suppress"], let suppressFields = reader.object(node, "suppress", allowed: ["key", "window"]) {
            if let keyNode = suppressFields["key"], let values = reader.strings(keyNode, "suppress.key") {
                suppression.fields = values.compactMap { text, valueNode, path in
                    guard let field = SuppressionField(rawValue: text) else {
                        reader.report(valueNode, path, "'\(text)' is not a key field (\(SuppressionField.allCases.map(\.rawValue).joined(separator: ", ")))")
                        return nil
                    }
                    return field
                }
            }
            if let windowNode = suppressFields["window"], let value = reader.duration(windowNode, "suppress.window") { suppression.window = value }
        }
        let corroboration = fields["corroboration"].flatMap { self.corroboration($0, &reader) }
        // Expulsions: every word is policy, and the state that expelled must be known so that it never speaks.
        let kinds = conditions.map { $0.kinds ?? context.kinds }.reduce(into: Set<String>()) { $0.formUnion($1) }
        let sensitive = kinds.intersection(Self.kindsNeedingDeskOfficer).sorted()
        if !sensitive.isEmpty {
            if !release.deskOfficer {
                reader.report(fields["release"], "release.deskOfficer", "a rule for \(sensitive.joined(separator: ", ")) needs a desk officer's approval: set release.deskOfficer to true")
            }
            if conditions.contains(where: { !$0.requiresActor && $0.actors == nil }) {
                reader.report(fields["when"], "when.actors", "a rule for \(sensitive.joined(separator: ", ")) must know who acted: add actors (\"any\" or a list), so that the acting state never drafts")
            }
        }
        guard ok, reader.diagnostics.isEmpty, let id, let description else { return nil }
        // Rules often share their senders and phases (a library written from one pattern): the check of the
        // same senders, phases and gestures gives the same problems, so it is done once a load.
        let key = PhaseChecker.Key(phases: phases.map(\.phase), senders: senders, conditions: conditions, gestures: gestures)
        let problems = context.phaseChecks.problems(for: key) {
            var scratch = NodeReader(file: reader.file)
            let checker = PhaseChecker(context: context, senders: senders, conditions: conditions, gestures: gestures)
            for entry in phases { checker.check(entry.phase, node: entry.node, path: entry.path, &scratch) }
            return scratch.diagnostics.map { PhaseChecker.Problem(path: $0.path, message: $0.message) }
        }
        for problem in problems { reader.report(at: nil, problem.path, problem.message) }
        guard reader.diagnostics.isEmpty else { return nil }
        return Rule(id: id, description: description, conditions: conditions, senders: senders, phases: phases.map(\.phase),
                    gestures: gestures, release: release, suppression: suppression, corroboration: corroboration, file: reader.file)
    }

    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// A message id: an identifier, with `.` to group a rule's messages (`attack.thanks`).
    static func isMessageID(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isIdentifier(String($0)) }
    }

    /// A phase from its fields (the rule's own for the statement).
    private func phase(_ fields: JSON5Fields, path: String, id: String?, node: JSON5Node, channels: [String: Set<Channel>],
                       _ reader: inout NodeReader) -> Phase? {
        func at(_ key: String) -> String { NodeReader.join(path, key) }
        let before = reader.diagnostics.count
        var speakers = SpeakerRole.partners
        if let speakersNode = fields["speakers"], let role = reader.enumeration(speakersNode, at("speakers"), SpeakerRole.self) { speakers = role }
        var participants: Set<String>?
        if id != nil, let listNode = fields["participants"], let values = reader.strings(listNode, at("participants")) {
            participants = []
            for (participant, valueNode, valuePath) in values {
                if context.participants[participant] == nil && context.reportsUnknownParticipants {
                    reader.report(valueNode, valuePath, "unknown participant '\(participant)'")
                } else {
                    participants?.insert(participant)
                }
            }
        }
        var conditions: [RuleConditions]?
        if id != nil, let whenNode = fields["when"] {
            conditions = ConditionsDecoder(kinds: context.kinds).alternatives(whenNode, at("when"), &reader)
        }
        let after = fields["after"].flatMap { reader.duration($0, at("after")) }
        var afterGesture = fields["afterGesture"].flatMap { reader.duration($0, at("afterGesture")) }
        if speakers == .gesture && afterGesture == nil { afterGesture = .zero }
        var text: TextSource?
        switch (fields["templates"], fields["message"]) {
        case (let templatesNode?, nil):
            let decoder = TextDecoder(kinds: context.kinds, channels: channels)
            text = decoder.languages(templatesNode, at("templates"), &reader).map(TextSource.templates)
        case (nil, let messageNode?):
            if let message = reader.string(messageNode, at("message")) {
                if context.messages.contains(message) || !context.reportsUnknownMessages {
                    text = .message(message)
                } else {
                    let suggestion = NodeReader.closest(to: message, in: context.messages.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
                    reader.report(messageNode, at("message"), "no voice has a message '\(message)'\(suggestion)")
                }
            }
        case (_?, _?):
            reader.report(fields["message"], at("message"), "give either templates (the rule's own text) or message (each sender's voice), not both")
        case (nil, nil):
            reader.report(at: nil, path.isEmpty ? "templates" : path, "missing text: give templates (the rule's own text) or message (each sender's voice)")
        }
        guard reader.diagnostics.count == before, let text else { return nil }
        return Phase(id: id, speakers: speakers, participants: participants, conditions: conditions, after: after,
                     afterGesture: afterGesture, text: text)
    }

    /// `corroboration: { sources: 3, window: "6h", authoritative: ["police.gov.il"] }`.
    private func corroboration(_ node: JSON5Node, _ reader: inout NodeReader) -> CorroborationPolicy? {
        guard let fields = reader.object(node, "corroboration", allowed: Self.corroborationFields, required: ["sources"]),
              let sourcesNode = fields["sources"], let count = reader.number(sourcesNode, "corroboration.sources") else { return nil }
        guard count == count.rounded(), (2...100).contains(count) else {
            let hint = count == 1 ? ": one report needs no corroboration, leave the field out" : ""
            reader.report(sourcesNode, "corroboration.sources", "\(RuleConditions.format(count)) is not a number of independent origins from 2 to 100\(hint)")
            return nil
        }
        var window = Duration.seconds(6 * 3600)
        if let windowNode = fields["window"], let value = reader.duration(windowNode, "corroboration.window") {
            guard value > .zero else {
                reader.report(windowNode, "corroboration.window", "a window of 0 could never be corroborated")
                return nil
            }
            window = value
        }
        var authoritative: [String] = []
        if let listNode = fields["authoritative"], let values = reader.strings(listNode, "corroboration.authoritative") {
            for (text, valueNode, path) in values {
                let name = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
                guard !name.isEmpty, !name.contains("*"), !name.contains(where: \.isWhitespace) else {
                    reader.report(valueNode, path, "'\(text)' is not a feed name or an origin (a domain, '*.gov.il' for every domain under gov.il)")
                    continue
                }
                authoritative.append(text)
            }
        }
        return CorroborationPolicy(sources: Int(count), windowSeconds: Int(window.components.seconds), authoritative: authoritative)
    }

    private func senders(_ node: JSON5Node, _ reader: inout NodeReader) -> [RuleSender]? {
        guard let items = reader.list(node, "participants") else { return nil }
        if items.isEmpty { reader.report(node, "participants", "a rule needs at least one participant") }
        var result: [RuleSender] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "participants[\(index)]"
            guard let fields = reader.object(item, path, allowed: Self.senderFields, required: ["participant"]),
                  let idNode = fields["participant"], let id = reader.string(idNode, "\(path).participant") else { continue }
            guard let participant = context.participants[id] else {
                guard context.reportsUnknownParticipants else { continue }
                let suggestion = NodeReader.closest(to: id, in: context.participants.keys.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
                reader.report(idNode, "\(path).participant", "unknown participant '\(id)'\(suggestion)")
                continue
            }
            if !seen.insert(id).inserted { reader.report(idNode, "\(path).participant", "participant '\(id)' is listed twice") }
            var channels: [Channel] = []
            if let channelsNode = fields["channels"], let values = reader.strings(channelsNode, "\(path).channels") {
                for (name, valueNode, valuePath) in values {
                    guard let channel = Channel(rawValue: name) else {
                        reader.report(valueNode, valuePath, "unknown channel '\(name)' (channels: \(Channel.allCases.map(\.rawValue).joined(separator: ", ")))")
                        continue
                    }
                    if !participant.accounts.contains(where: { $0.channel == channel }) {
                        reader.report(valueNode, valuePath, "participant '\(id)' has no \(name) account")
                        continue
                    }
                    channels.append(channel)
                }
            }
            var languages: [String] = []
            if let languagesNode = fields["languages"], let values = reader.strings(languagesNode, "\(path).languages") {
                for (language, valueNode, valuePath) in values {
                    guard LanguageSupport.isSupported(language) else {
                        reader.report(valueNode, valuePath, "unknown language '\(language)' (supported: \(LanguageSupport.languages.sorted().joined(separator: ", ")))")
                        continue
                    }
                    guard participant.languages.contains(language) else {
                        reader.report(valueNode, valuePath, "participant '\(id)' does not write in '\(language)' (it writes in \(participant.languages.joined(separator: ", ")))")
                        continue
                    }
                    languages.append(language)
                }
            }
            let sender = RuleSender(participant: id, channels: channels, languages: languages)
            if reader.diagnostics.isEmpty && BundlePlanner.accountLanguages(participant, sender).isEmpty {
                reader.report(item, path, "participant '\(id)' would draft nothing: none of its accounts on these channels posts in these languages")
            }
            result.append(sender)
        }
        return result
    }

    private func gesture(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> Gesture? {
        guard let fields = reader.object(node, path, allowed: Self.gestureFields, required: ["light"]),
              let landmarkNode = fields["light"], let landmarkID = reader.string(landmarkNode, "\(path).light") else { return nil }
        var ok = true
        if context.landmarks[landmarkID] == nil && context.reportsUnknownLandmarks {
            let suggestion = NodeReader.closest(to: landmarkID, in: context.landmarks.keys.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
            reader.report(landmarkNode, "\(path).light", "unknown landmark '\(landmarkID)'\(suggestion)")
            ok = false
        }
        var countries: Set<String>?
        if let valueNode = fields["countries"], let values = reader.strings(valueNode, "\(path).countries") {
            countries = []
            for (code, itemNode, itemPath) in values {
                if ISO3166.isAlpha2(code) { countries?.insert(code) } else {
                    reader.report(itemNode, itemPath, "'\(code)' is not an ISO 3166-1 alpha-2 country code")
                    ok = false
                }
            }
        }
        var time = GestureTime.dusk
        if let atNode = fields["at"], let text = reader.string(atNode, "\(path).at") {
            if let parsed = Self.gestureTime(text) { time = parsed } else {
                reader.report(atNode, "\(path).at", "'\(text)' is not a time: use dusk, sunset or a local time HH:MM")
                ok = false
            }
        }
        var preparation = Duration.seconds(3 * 3600)
        if let afterNode = fields["after"] {
            if let value = reader.duration(afterNode, "\(path).after") { preparation = value } else { ok = false }
        }
        var conditions: RuleConditions?
        if let whenNode = fields["when"] {
            conditions = ConditionsDecoder(kinds: context.kinds).decode(whenNode, "\(path).when", &reader)
            if conditions == nil { ok = false }
        }
        guard ok else { return nil }
        return Gesture(landmark: landmarkID, countries: countries, time: time, preparation: preparation, conditions: conditions)
    }

    static func gestureTime(_ text: String) -> GestureTime? {
        switch text {
        case "dusk": return .dusk
        case "sunset": return .sunset
        default:
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
                  (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
            return .localTime(hour: hour, minute: minute)
        }
    }
}

/// Decodes condition objects: a rule's `when`, a phase's `when`, an alternative's `when`.
struct ConditionsDecoder {
    let kinds: Set<String>

    static let fields = ["kind", "countries", "place", "status", "msgType", "severity", "certainty", "alertLevel",
                         "fatalities", "injured", "magnitude", "tags", "actors", "notActors"]

    /// A rule's or a phase's `when`: one condition object, or a list of them that holds when any of them does.
    func alternatives(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> [RuleConditions]? {
        guard case .array(let items) = node.value else { return decode(node, path, &reader).map { [$0] } }
        if items.isEmpty { reader.report(node, path, "an empty list of alternatives never matches"); return nil }
        var decoded: [RuleConditions] = []
        for (index, item) in items.enumerated() {
            if let conditions = decode(item, "\(path)[\(index)]", &reader) { decoded.append(conditions) }
        }
        return decoded.count == items.count ? decoded : nil
    }

    func decode(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> RuleConditions? {
        guard let fields = reader.object(node, path, allowed: Self.fields) else { return nil }
        let before = reader.diagnostics.count
        var result = RuleConditions()
        func set<E: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: E.Type, _ reader: inout NodeReader) -> Set<E>? where E.RawValue == String {
            guard let valueNode = fields[key], let values = reader.strings(valueNode, "\(path).\(key)") else { return nil }
            return Set(values.compactMap { reader.enumeration($0.1, $0.2, type) })
        }
        if let valueNode = fields["kind"], let values = reader.strings(valueNode, "\(path).kind") {
            var kinds: Set<String> = []
            for (kind, itemNode, itemPath) in values {
                if self.kinds.contains(kind) {
                    kinds.insert(kind)
                } else {
                    let suggestion = NodeReader.closest(to: kind, in: self.kinds.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
                    reader.report(itemNode, itemPath, "unknown kind '\(kind)'\(suggestion)")
                }
            }
            result.kinds = kinds
        }
        result.countries = codes(fields["countries"], "\(path).countries", &reader)
        if let valueNode = fields["place"], let values = reader.strings(valueNode, "\(path).place") {
            result.places = values.map { $0.0.lowercased() }
        }
        if let statuses = set("status", Event.Status.self, &reader) { result.statuses = statuses }
        result.messageTypes = set("msgType", Event.MessageType.self, &reader)
        result.severities = set("severity", Event.Severity.self, &reader)
        result.certainties = set("certainty", Event.Certainty.self, &reader)
        result.alertLevels = set("alertLevel", Event.AlertLevel.self, &reader)
        (result.fatalities, result.unknownFatalities) = count(fields["fatalities"], "\(path).fatalities", &reader)
        (result.injured, result.unknownInjured) = count(fields["injured"], "\(path).injured", &reader)
        result.magnitude = range(fields["magnitude"], "\(path).magnitude", minimumValue: -10, &reader)
        if let valueNode = fields["tags"], let values = reader.strings(valueNode, "\(path).tags") {
            // A fact tag (`target:synagogue`) must be one of the facts' vocabulary: a misspelt one would never hold.
            for (tag, itemNode, itemPath) in values {
                if let problem = EventFact.problem(with: tag) { reader.report(itemNode, itemPath, problem) }
            }
            result.tags = Set(values.map(\.0))
        }
        if let valueNode = fields["actors"] {
            if case .string("any") = valueNode.value {
                result.requiresActor = true
            } else {
                result.actors = codes(valueNode, "\(path).actors", &reader)
            }
        }
        result.excludedActors = codes(fields["notActors"], "\(path).notActors", &reader)
        return reader.diagnostics.count == before ? result : nil
    }

    private func codes(_ node: JSON5Node?, _ path: @autoclosure () -> String, _ reader: inout NodeReader) -> Set<String>? {
        guard let node, let values = reader.strings(node, path()) else { return nil }
        var codes: Set<String> = []
        for (code, itemNode, itemPath) in values {
            if ISO3166.isAlpha2(code) { codes.insert(code) } else {
                reader.report(itemNode, itemPath, "'\(code)' is not an ISO 3166-1 alpha-2 country code")
            }
        }
        return codes
    }

    /// A count condition: `{ minimum, maximum }`, `"unknown"`, or a list of one range and `"unknown"`.
    private func count(_ node: JSON5Node?, _ path: @autoclosure () -> String, _ reader: inout NodeReader) -> (NumericRange?, Bool) {
        guard let node else { return (nil, false) }
        let path = path()
        var items: [(JSON5Node, String)] = [(node, path)]
        if case .array(let list) = node.value {
            if list.isEmpty { reader.report(node, path, "an empty list never matches; leave the field out instead") }
            items = list.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
        }
        var range: NumericRange?
        var unknown = false
        for (item, itemPath) in items {
            if case .string(let text) = item.value {
                if text == "unknown" { unknown = true } else {
                    reader.report(item, itemPath, "'\(text)' is not a count condition: use { minimum, maximum } or \"unknown\"")
                }
            } else if range != nil {
                reader.report(item, itemPath, "one range is enough: give its minimum and maximum together")
            } else {
                range = self.range(item, itemPath, minimumValue: 0, &reader)
            }
        }
        return (range, unknown)
    }

    private func range(_ node: JSON5Node?, _ path: @autoclosure () -> String, minimumValue: Double, _ reader: inout NodeReader) -> NumericRange? {
        guard let node else { return nil }
        let path = path()
        guard let fields = reader.object(node, path, allowed: ["minimum", "maximum"]) else { return nil }
        let minimum = fields["minimum"].flatMap { reader.number($0, "\(path).minimum") }
        let maximum = fields["maximum"].flatMap { reader.number($0, "\(path).maximum") }
        if minimum == nil && maximum == nil && fields.isEmpty {
            reader.report(node, path, "give a minimum, a maximum or both")
            return nil
        }
        if let minimum, let maximum, minimum > maximum {
            reader.report(node, path, "impossible condition: minimum \(RuleConditions.format(minimum)) is above maximum \(RuleConditions.format(maximum))")
            return nil
        }
        if let maximum, maximum < minimumValue {
            reader.report(node, path, "impossible condition: maximum \(RuleConditions.format(maximum)) is below \(RuleConditions.format(minimumValue))")
            return nil
        }
        return NumericRange(minimum: minimum, maximum: maximum)
    }
}

/// Decodes texts: an object of languages, each a template, a list of alternatives, or an object of
/// channels (with `default`) whose values are templates or lists of alternatives. Each template is checked
/// against the channels it would be posted on (`channels`, by language): one that cannot fit even with
/// every optional section left out is reported where it is written.
struct TextDecoder {
    let kinds: Set<String>
    /// The channels each language's texts are posted on.
    var channels: [String: Set<Channel>] = [:]

    func languages(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> [String: LanguageTemplates]? {
        guard case .object(let members) = node.value else {
            reader.report(node, path, "expected an object of languages, found \(node.value.typeName)")
            return nil
        }
        var result: [String: LanguageTemplates] = [:]
        for member in members {
            let language = member.key
            let languagePath = "\(path).\(language)"
            guard LanguageSupport.isSupported(language) else {
                reader.report(at: member.keyPosition, languagePath, "unknown language '\(language)' (supported: \(LanguageSupport.languages.sorted().joined(separator: ", ")))")
                continue
            }
            let posted = channels[language] ?? []
            var forLanguage = LanguageTemplates(fallback: nil as TextChoice?, byChannel: [:])
            if case .object(let channelMembers) = member.node.value {
                let own = Set(channelMembers.compactMap { Channel(rawValue: $0.key) })
                for channelMember in channelMembers {
                    let channelPath = "\(languagePath).\(channelMember.key)"
                    if channelMember.key == "default" {
                        forLanguage.fallback = choice(channelMember.node, channelPath, fit: posted.subtracting(own), &reader)
                    } else if let channel = Channel(rawValue: channelMember.key) {
                        forLanguage.byChannel[channel] = choice(channelMember.node, channelPath, fit: [channel], &reader)
                    } else {
                        let allowed = ["default"] + Channel.allCases.map(\.rawValue)
                        let suggestion = NodeReader.closest(to: channelMember.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                        reader.report(at: channelMember.keyPosition, channelPath, "unknown channel '\(channelMember.key)'\(suggestion); allowed: \(allowed.joined(separator: ", "))")
                    }
                }
            } else {
                forLanguage.fallback = choice(member.node, languagePath, fit: posted, &reader)
            }
            result[language] = forLanguage
        }
        return result
    }

    /// A template or a list of alternatives; the last alternative must hold always.
    func choice(_ node: JSON5Node, _ path: String, fit: Set<Channel>, _ reader: inout NodeReader) -> TextChoice? {
        switch node.value {
        case .string:
            return template(node, path, fit, &reader).map { TextChoice($0) }
        case .array(let items):
            if items.isEmpty {
                reader.report(node, path, "an empty list of alternatives gives no text")
                return nil
            }
            var alternatives: [TextChoice.Alternative] = []
            let before = reader.diagnostics.count
            for (index, item) in items.enumerated() {
                let itemPath = "\(path)[\(index)]"
                guard let fields = reader.object(item, itemPath, allowed: ["when", "text"], required: ["text"]) else { continue }
                var conditions: RuleConditions?
                if let whenNode = fields["when"] {
                    if index == items.count - 1 {
                        reader.report(whenNode, "\(itemPath).when", "the last alternative must have no 'when', so that every event gets a text")
                    }
                    conditions = ConditionsDecoder(kinds: kinds).decode(whenNode, "\(itemPath).when", &reader)
                } else if index < items.count - 1 {
                    reader.report(item, itemPath, "only the last alternative may leave out 'when': the ones after it could never be used")
                }
                if let textNode = fields["text"], let template = template(textNode, "\(itemPath).text", fit, &reader) {
                    alternatives.append(TextChoice.Alternative(conditions: conditions, template: template))
                }
            }
            return reader.diagnostics.count == before ? TextChoice(alternatives: alternatives) : nil
        default:
            reader.report(node, path, "expected a template, a list of alternatives or an object of channels, found \(node.value.typeName)")
            return nil
        }
    }

    func template(_ node: JSON5Node, _ path: String, _ fit: Set<Channel>, _ reader: inout NodeReader) -> Template? {
        guard let text = reader.string(node, path) else { return nil }
        do {
            let template = try Template(text)
            for channel in Channel.allCases where fit.contains(channel) && !template.canFit(channel) {
                reader.report(node, path, "template cannot fit \(channel.rawValue): at least \(template.minimumLength(on: channel)) of \(channel.limit) even with the shortest values")
            }
            return template
        } catch {
            var position = node.position
            if !text.contains("\n") && !text.contains("\\") { position.column += 1 + error.offset }
            reader.report(at: position, path, error.description)
            return nil
        }
    }
}
