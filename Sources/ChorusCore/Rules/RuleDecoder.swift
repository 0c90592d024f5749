import Foundation

/// Decodes and checks one rule file against what the directory defines.
struct RuleDecoder {
    let context: LoaderContext

    static let ruleFields = ["id", "description", "when", "participants", "skipAffected", "templates", "gestures", "release", "suppress",
                             "corroboration"]
    static let conditionFields = ["kind", "countries", "place", "status", "severity", "certainty", "alertLevel",
                                  "fatalities", "injured", "magnitude", "tags"]
    static let senderFields = ["participant", "channels", "languages"]
    static let gestureFields = ["light", "countries", "at", "after"]
    static let corroborationFields = ["sources", "window", "authoritative"]

    func decode(_ root: JSON5Node, reader: inout NodeReader) -> Rule? {
        guard let fields = reader.object(root, "", allowed: Self.ruleFields, required: ["id", "description", "when", "participants", "templates"]) else { return nil }
        var ok = true
        var id: String?
        if let node = fields["id"], let text = reader.string(node, "id") {
            if text.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) {
                id = text
            } else {
                reader.report(node, "id", "'\(text)' is not a rule id (lower-case letters, digits, '-' and '_')")
            }
        }
        let description = fields["description"].flatMap { reader.string($0, "description") }
        var conditions: [RuleConditions] = []
        if let node = fields["when"] {
            if case .array(let alternatives) = node.value {
                if alternatives.isEmpty { reader.report(node, "when", "an empty list of alternatives never matches"); ok = false }
                for (index, alternative) in alternatives.enumerated() {
                    if let decoded = self.conditions(alternative, "when[\(index)]", &reader) { conditions.append(decoded) } else { ok = false }
                }
            } else if let decoded = self.conditions(node, "when", &reader) {
                conditions.append(decoded)
            } else {
                ok = false
            }
        }
        var skipAffected = true
        if let node = fields["skipAffected"], let value = reader.bool(node, "skipAffected") { skipAffected = value }
        let senders = fields["participants"].flatMap { self.senders($0, &reader) } ?? []
        let templates = fields["templates"].flatMap { self.templates($0, senders: senders, &reader) } ?? [:]
        var gestures: [Gesture] = []
        if let node = fields["gestures"], let items = reader.list(node, "gestures") {
            for (index, item) in items.enumerated() {
                if let gesture = self.gesture(item, "gestures[\(index)]", &reader) { gestures.append(gesture) } else { ok = false }
            }
        }
        var release = ReleaseSettings()
        if let node = fields["release"], let releaseFields = reader.object(node, "release", allowed: ["policy", "notBefore", "expiry"]) {
            if let policyNode = releaseFields["policy"], let policy = reader.enumeration(policyNode, "release.policy", ReleasePolicy.self) { release.policy = policy }
            if let valueNode = releaseFields["notBefore"], let value = reader.duration(valueNode, "release.notBefore") { release.notBefore = value }
            if let valueNode = releaseFields["expiry"], let value = reader.duration(valueNode, "release.expiry") {
                if value <= release.notBefore {
                    reader.report(valueNode, "release.expiry", "expiry \(RuleDuration.format(value)) is not after notBefore \(RuleDuration.format(release.notBefore)): the drafts could never be released")
                } else {
                    release.expiry = value
                }
            }
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
        guard ok, reader.diagnostics.isEmpty, let id, let description else { return nil }
        return Rule(id: id, description: description, conditions: conditions, senders: senders, skipsAffectedSenders: skipAffected,
                    templates: templates, gestures: gestures, release: release, suppression: suppression,
                    corroboration: corroboration, file: reader.file)
    }

    private func conditions(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> RuleConditions? {
        guard let fields = reader.object(node, path, allowed: Self.conditionFields) else { return nil }
        let before = reader.diagnostics.count
        var result = RuleConditions()
        func set<E: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: E.Type, _ reader: inout NodeReader) -> Set<E>? where E.RawValue == String {
            guard let valueNode = fields[key], let values = reader.strings(valueNode, "\(path).\(key)") else { return nil }
            return Set(values.compactMap { reader.enumeration($0.1, $0.2, type) })
        }
        if let valueNode = fields["kind"], let values = reader.strings(valueNode, "\(path).kind") {
            var kinds: Set<String> = []
            for (kind, itemNode, itemPath) in values {
                if context.kinds.contains(kind) {
                    kinds.insert(kind)
                } else {
                    let suggestion = NodeReader.closest(to: kind, in: context.kinds.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
                    reader.report(itemNode, itemPath, "unknown kind '\(kind)'\(suggestion)")
                }
            }
            result.kinds = kinds
        }
        if let valueNode = fields["countries"], let values = reader.strings(valueNode, "\(path).countries") {
            var countries: Set<String> = []
            for (code, itemNode, itemPath) in values {
                if ISO3166.isAlpha2(code) { countries.insert(code) } else {
                    reader.report(itemNode, itemPath, "'\(code)' is not an ISO 3166-1 alpha-2 country code")
                }
            }
            result.countries = countries
        }
        if let valueNode = fields["place"], let values = reader.strings(valueNode, "\(path).place") {
            result.places = values.map { $0.0.lowercased() }
        }
        if let statuses = set("status", Event.Status.self, &reader) { result.statuses = statuses }
        result.severities = set("severity", Event.Severity.self, &reader)
        result.certainties = set("certainty", Event.Certainty.self, &reader)
        result.alertLevels = set("alertLevel", Event.AlertLevel.self, &reader)
        result.fatalities = range(fields["fatalities"], "\(path).fatalities", minimumValue: 0, &reader)
        result.injured = range(fields["injured"], "\(path).injured", minimumValue: 0, &reader)
        result.magnitude = range(fields["magnitude"], "\(path).magnitude", minimumValue: -10, &reader)
        if let valueNode = fields["tags"], let values = reader.strings(valueNode, "\(path).tags") { result.tags = Set(values.map(\.0)) }
        return reader.diagnostics.count == before ? result : nil
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

    private func range(_ node: JSON5Node?, _ path: String, minimumValue: Double, _ reader: inout NodeReader) -> NumericRange? {
        guard let node, let fields = reader.object(node, path, allowed: ["minimum", "maximum"]) else { return nil }
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

    /// Every (language, channel) a rule drafts for, with the sender that needs it first.
    private func draftedPairs(_ senders: [RuleSender]) -> [(language: String, channel: Channel, participant: String)] {
        var pairs: [(String, Channel, String)] = []
        var seen: Set<String> = []
        for sender in senders {
            guard let participant = context.participants[sender.participant] else { continue }
            for (account, language) in BundlePlanner.accountLanguages(participant, sender) where seen.insert("\(language)/\(account.channel.rawValue)").inserted {
                pairs.append((language, account.channel, sender.participant))
            }
        }
        return pairs
    }

    private func templates(_ node: JSON5Node, senders: [RuleSender], _ reader: inout NodeReader) -> [String: LanguageTemplates]? {
        guard case .object(let members) = node.value else {
            reader.report(node, "templates", "expected an object of languages, found \(node.value.typeName)")
            return nil
        }
        var result: [String: LanguageTemplates] = [:]
        var templateNodes: [String: JSON5Node] = [:]
        for member in members {
            let language = member.key
            let path = "templates.\(language)"
            guard LanguageSupport.isSupported(language) else {
                reader.report(at: member.keyPosition, path, "unknown language '\(language)' (supported: \(LanguageSupport.languages.sorted().joined(separator: ", ")))")
                continue
            }
            var forLanguage = LanguageTemplates(fallback: nil, byChannel: [:])
            if case .string = member.node.value {
                forLanguage.fallback = template(member.node, path, &reader)
                templateNodes[path + ".default"] = member.node
            } else if case .object(let channelMembers) = member.node.value {
                for channelMember in channelMembers {
                    let channelPath = "\(path).\(channelMember.key)"
                    if channelMember.key == "default" {
                        forLanguage.fallback = template(channelMember.node, channelPath, &reader)
                    } else if let channel = Channel(rawValue: channelMember.key) {
                        forLanguage.byChannel[channel] = template(channelMember.node, channelPath, &reader)
                    } else {
                        let allowed = ["default"] + Channel.allCases.map(\.rawValue)
                        let suggestion = NodeReader.closest(to: channelMember.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                        reader.report(at: channelMember.keyPosition, channelPath, "unknown channel '\(channelMember.key)'\(suggestion); allowed: \(allowed.joined(separator: ", "))")
                        continue
                    }
                    templateNodes[channelPath] = channelMember.node
                }
            } else {
                reader.report(member.node, path, "expected a template string or an object of channels, found \(member.node.value.typeName)")
                continue
            }
            result[language] = forLanguage
        }
        // Every draft needs a template, and every template has to be able to fit its channel.
        for (language, channel, participant) in draftedPairs(senders) {
            guard let forLanguage = result[language] else {
                if !reader.diagnostics.contains(where: { $0.path == "templates.\(language)" }) {
                    reader.report(at: nil, "templates.\(language)", "no template in '\(language)', which participant '\(participant)' drafts in")
                }
                continue
            }
            let ownPath = "templates.\(language).\(channel.rawValue)"
            let defaultPath = "templates.\(language).default"
            guard let template = forLanguage.byChannel[channel] ?? forLanguage.fallback else {
                if templateNodes[ownPath] == nil && templateNodes[defaultPath] == nil {
                    reader.report(at: nil, "templates.\(language)", "no template for channel '\(channel.rawValue)' (add '\(channel.rawValue)' or 'default'), which participant '\(participant)' drafts for")
                }
                continue
            }
            let used = forLanguage.byChannel[channel] != nil ? ownPath : defaultPath
            if !template.canFit(channel) {
                let minimum = template.minimumLength(on: channel)
                reader.report(templateNodes[used], used, "template cannot fit \(channel.rawValue): at least \(minimum) of \(channel.limit) even with the shortest values")
            }
        }
        return result
    }

    private func template(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> Template? {
        guard let text = reader.string(node, path) else { return nil }
        do {
            return try Template(text)
        } catch {
            var position = node.position
            if !text.contains("\n") && !text.contains("\\") { position.column += 1 + error.offset }
            reader.report(at: position, path, error.description)
            return nil
        }
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
        guard ok else { return nil }
        return Gesture(landmark: landmarkID, countries: countries, time: time, preparation: preparation)
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
