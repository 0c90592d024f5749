/// Checks a rule's phases against the senders who could speak in them: every draft has a text, no two
/// senders would post the same text, a text names a landmark only where there is one, and every landmark
/// a sender posts about has a name in that sender's languages.
struct PhaseChecker {
    let context: LoaderContext
    let senders: [RuleSender]
    let conditions: [RuleConditions]
    let gestures: [Gesture]

    /// The countries the rule can be about: those its conditions name, or `nil` for any.
    private var coveredCountries: Set<String>? {
        var union: Set<String> = []
        for alternative in conditions {
            guard let countries = alternative.countries else { return nil }
            union.formUnion(countries)
        }
        return union
    }

    /// The rule's senders who can speak in `phase`, with the landmarks they would post about (gesture phases).
    func candidates(_ phase: Phase) -> [(sender: RuleSender, participant: Participant, landmarks: [Landmark])] {
        var result: [(RuleSender, Participant, [Landmark])] = []
        let covered = coveredCountries
        for sender in senders {
            guard let participant = context.participants[sender.participant] else { continue }
            if let only = phase.participants, !only.contains(participant.id) { continue }
            switch phase.speakers {
            case .partners, .all:
                result.append((sender, participant, []))
            case .affected:
                if participant.host != nil || covered?.contains(participant.country) ?? true { result.append((sender, participant, [])) }
            case .gesture:
                let landmarks = gestures.compactMap { context.landmarks[$0.landmark] }.filter { $0.country == participant.country }
                if !landmarks.isEmpty { result.append((sender, participant, landmarks)) }
            }
        }
        return result
    }

    func check(_ phase: Phase, node: JSON5Node, path: String, _ reader: inout NodeReader) {
        func at(_ key: String) -> String { NodeReader.join(path, key) }
        var shared: [String: [(participant: Participant, choice: TextChoice)]] = [:]
        for (sender, participant, landmarks) in candidates(phase) {
            for (account, language) in BundlePlanner.accountLanguages(participant, sender) {
                let channel = account.channel
                let choice: TextChoice?
                switch phase.text {
                case .templates(let byLanguage):
                    guard let forLanguage = byLanguage[language] else {
                        report(&reader, at("templates.\(language)"), "no template in '\(language)', which participant '\(participant.id)' drafts in")
                        continue
                    }
                    choice = forLanguage.choice(for: channel)
                    if choice == nil {
                        report(&reader, at("templates.\(language)"), "no template for channel '\(channel.rawValue)' (add '\(channel.rawValue)' or 'default'), which participant '\(participant.id)' drafts for")
                    }
                case .message(let message):
                    let voice = context.voices[participant.voiceID]
                    choice = voice?.text(message, language: language, channel: channel)
                    if choice == nil && !context.brokenVoices.contains(participant.voiceID) {
                        let file = voice?.file ?? "voices/\(participant.voiceID).json5"
                        report(&reader, at("message"), "participant '\(participant.id)' has no text for message '\(message)' in '\(language)' on \(channel.rawValue): add it to \(file)")
                    }
                }
                guard let choice else { continue }
                shared[Self.key(phase.text, participant: participant, language: language, channel: channel), default: []].append((participant, choice))
                let usesLandmark = choice.alternatives.contains { $0.template.usedFields.contains(.landmark) }
                if usesLandmark && phase.speakers != .gesture {
                    report(&reader, phase.id == nil ? "speakers" : at("speakers"), "the text of participant '\(participant.id)' in '\(language)' names {{landmark}}, which only a phase about a gesture (speakers: gesture) has")
                }
                if participant.host == nil && choice.alternatives.contains(where: { $0.template.usedFields.contains(.host) }) {
                    report(&reader, phase.id == nil ? "speakers" : at("speakers"), "the text of participant '\(participant.id)' in '\(language)' names {{host}}, and it is not an embassy")
                }
                for landmark in landmarks where usesLandmark && landmark.names[language] == nil {
                    report(&reader, at("speakers"), "landmark '\(landmark.id)' has no name in '\(language)' (landmarks.json5), which participant '\(participant.id)' posts about it in")
                }
            }
        }
        // Senders who draw on one text (the rule's own templates, or a voice they share) must never both
        // speak about one event: embassies of one government in different countries may share a house style.
        for (_, users) in shared.sorted(by: { $0.key < $1.key }) where users.count > 1 {
            let items = users.map { IdenticalTexts.Item(sender: $0.participant.id, text: $0.choice.alternatives.map(\.template.source).joined(separator: "\u{0}")) }
            for group in IdenticalTexts.groups(items) {
                let members = group.map { users[$0].participant }
                let hosts = members.map(\.host)
                if hosts.allSatisfy({ $0 != nil }) && Set(hosts).count == hosts.count { continue }
                let names = members.map { "'\($0.id)'" }.joined(separator: " and ")
                let what: String
                switch phase.text {
                case .templates: what = "share the rule's own templates"
                case .message(let message): what = "share voice '\(members[0].voiceID)' for message '\(message)'"
                }
                let location: String
                if phase.id != nil { location = path } else if case .message = phase.text { location = "message" } else { location = "templates" }
                report(&reader, location,
                       "participants \(names) \(what) and would post the same text \(phase.id.map { "in phase \($0)" } ?? "in the statement"): give each its own voice (Rules/voices), or one participant to the rule")
            }
        }
    }

    /// Which texts are the same object: the rule's templates per language and channel, or a voice's.
    private static func key(_ text: TextSource, participant: Participant, language: String, channel: Channel) -> String {
        switch text {
        case .templates: return "templates|\(language)|\(channel.rawValue)"
        case .message(let message): return "voice|\(participant.voiceID)|\(message)|\(language)|\(channel.rawValue)"
        }
    }

    private func report(_ reader: inout NodeReader, _ path: String, _ message: String) {
        if !reader.diagnostics.contains(where: { $0.path == path && $0.message == message }) {
            reader.report(at: nil, path, message)
        }
    }
}
