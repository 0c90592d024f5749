import Synchronization

/// Checks a rule's phases against the senders who could speak in them: every draft has a text, no two
/// senders would post the same text, a text names a landmark (or the day it is lit) only where there is
/// one, and every landmark a sender posts about has a name in that sender's languages.
struct PhaseChecker {
    /// What the check depends on: rules with the same senders, phases, conditions and gestures have the same problems.
    struct Key: Hashable, Sendable {
        var phases: [Phase]
        var senders: [RuleSender]
        var conditions: [RuleConditions]
        var gestures: [Gesture]

        /// Hashes what tells rules apart cheaply — who speaks, the phases' names, the gestures' landmarks —
        /// and leaves the rest to `==`: hashing every condition and template of every rule file was a
        /// tenth of start-up's instructions.
        func hash(into hasher: inout Hasher) {
            hasher.combine(senders.count)
            for sender in senders { hasher.combine(sender.participant) }
            hasher.combine(phases.count)
            for phase in phases { hasher.combine(phase.id) }
            for gesture in gestures { hasher.combine(gesture.landmark) }
        }
    }

    /// A problem the check found (always reported at its JSON path).
    struct Problem: Sendable {
        var path: String
        var message: String
    }

    /// The checks already done during one load, shared by the loader's workers.
    final class Cache: Sendable {
        private let done = Mutex<[Key: [Problem]]>([:])

        func problems(for key: Key, _ check: () -> [Problem]) -> [Problem] {
            if let known = done.withLock({ $0[key] }) { return known }
            let found = check()
            done.withLock { $0[key] = found }
            return found
        }
    }

    let context: LoaderContext
    let gestures: [Gesture]
    /// The rule's senders, each with what it drafts, worked out once for all the phases.
    private let senders: [Sender]
    /// The countries the rule can be about: those its conditions name, or `nil` for any.
    private let coveredCountries: Set<String>?

    /// One sender of the rule (a class: the phases hand it around without copying the participant).
    final class Sender {
        let participant: Participant
        /// The (channel, language) pairs it drafts.
        let pairs: [(channel: Channel, language: String)]
        /// Whether another sender of the rule speaks with the same voice.
        var sharesVoice = false

        init(participant: Participant, pairs: [(channel: Channel, language: String)]) {
            self.participant = participant
            self.pairs = pairs
        }
    }

    init(context: LoaderContext, senders: [RuleSender], conditions: [RuleConditions], gestures: [Gesture]) {
        self.context = context
        self.gestures = gestures
        var covered: Set<String>? = []
        for alternative in conditions {
            guard let countries = alternative.countries else { covered = nil; break }
            covered?.formUnion(countries)
        }
        coveredCountries = covered
        let resolved = senders.compactMap { sender in
            context.participants[sender.participant].map { participant in
                Sender(participant: participant, pairs: BundlePlanner.accountLanguages(participant, sender).map { ($0.0.channel, $0.1) })
            }
        }
        var voices: [String: Int] = [:]
        for sender in resolved { voices[sender.participant.voiceID, default: 0] += 1 }
        for sender in resolved { sender.sharesVoice = (voices[sender.participant.voiceID] ?? 0) > 1 }
        self.senders = resolved
    }

    /// The rule's senders who can speak in `phase`, with the landmarks they would post about (gesture phases).
    func candidates(_ phase: Phase) -> [(sender: Sender, landmarks: [Landmark])] {
        var result: [(Sender, [Landmark])] = []
        for sender in senders {
            let participant = sender.participant
            if let only = phase.participants, !only.contains(participant.id) { continue }
            switch phase.speakers {
            case .partners, .all:
                result.append((sender, []))
            case .affected:
                if participant.host != nil || coveredCountries?.contains(participant.country) ?? true { result.append((sender, [])) }
            case .gesture:
                let landmarks = gestures.compactMap { context.landmarks[$0.landmark] }.filter { $0.country == participant.country }
                if !landmarks.isEmpty { result.append((sender, landmarks)) }
            }
        }
        return result
    }

    func check(_ phase: Phase, node: JSON5Node, path: String, _ reader: inout NodeReader) {
        func at(_ key: String) -> String { NodeReader.join(path, key) }
        let candidates = self.candidates(phase)
        // What each candidate drafts ("language channel"), kept only for those who may share a text.
        var drafted: [String: Set<String>] = [:]
        let isTemplates: Bool
        if case .templates = phase.text { isTemplates = true } else { isTemplates = false }
        for (sender, landmarks) in candidates {
            let participant = sender.participant
            // A rule's templates by language, or the voice's texts of the message by language.
            let texts: [String: LanguageTemplates]?
            switch phase.text {
            case .templates(let byLanguage): texts = byLanguage
            case .message(let message): texts = context.voices[participant.voiceID]?.messages[message]
            }
            let shares = isTemplates ? candidates.count > 1 : sender.sharesVoice
            for (channel, language) in sender.pairs {
                guard let choice = texts?[language]?.choice(for: channel) else {
                    switch phase.text {
                    case .templates:
                        if texts?[language] == nil {
                            report(&reader, at("templates.\(language)"), "no template in '\(language)', which participant '\(participant.id)' drafts in")
                        } else {
                            report(&reader, at("templates.\(language)"), "no template for channel '\(channel.rawValue)' (add '\(channel.rawValue)' or 'default'), which participant '\(participant.id)' drafts for")
                        }
                    case .message(let message):
                        if !context.brokenVoices.contains(participant.voiceID) {
                            let file = context.voices[participant.voiceID]?.file ?? "voices/\(participant.voiceID).json5"
                            report(&reader, at("message"), "participant '\(participant.id)' has no text for message '\(message)' in '\(language)' on \(channel.rawValue): add it to \(file)")
                        }
                    }
                    continue
                }
                if shares { drafted[participant.id, default: []].insert("\(language) \(channel.rawValue)") }
                let usesLandmark = choice.uses(.landmark)
                for field in [TemplateField.landmark, .gestureDay] where phase.speakers != .gesture && choice.uses(field) {
                    report(&reader, phase.id == nil ? "speakers" : at("speakers"), "the text of participant '\(participant.id)' in '\(language)' names {{\(field.rawValue)}}, which only a phase about a gesture (speakers: gesture) has")
                }
                if participant.host == nil && choice.uses(.host) {
                    report(&reader, phase.id == nil ? "speakers" : at("speakers"), "the text of participant '\(participant.id)' in '\(language)' names {{host}}, and it is not an embassy")
                }
                if participant.contact == nil && choice.uses(.contact) {
                    report(&reader, phase.id == nil ? "speakers" : at("speakers"), "the text of participant '\(participant.id)' in '\(language)' names {{contact}}, and participants.json5 gives it no contact")
                }
                for landmark in landmarks where usesLandmark && landmark.names[language] == nil {
                    report(&reader, at("speakers"), "landmark '\(landmark.id)' has no name in '\(language)' (landmarks.json5), which participant '\(participant.id)' posts about it in")
                }
            }
        }
        // Senders who draw on one text (the rule's own templates, or a voice they share) post it word for
        // word; they must never both speak about one event in one language on one channel. Embassies of one
        // government in different countries may share a house style. (Texts of different voices are
        // compared with IdenticalTexts when the voices are read.)
        let groups: [[Participant]]
        switch phase.text {
        case .templates: groups = [candidates.map(\.sender.participant)]
        case .message:
            let shared = candidates.map(\.sender).filter(\.sharesVoice).map(\.participant)
            groups = shared.isEmpty ? [] : Dictionary(grouping: shared, by: \.voiceID).values.sorted { $0[0].id < $1[0].id }
        }
        for group in groups where group.count > 1 {
            let hosts = group.map(\.host)
            if hosts.allSatisfy({ $0 != nil }) && Set(hosts).count == hosts.count { continue }
            var seen: [String: String] = [:]
            var clashing: [String] = []
            for participant in group {
                for pair in (drafted[participant.id] ?? []).sorted() {
                    if let other = seen[pair], other != participant.id {
                        if !clashing.contains(other) { clashing.append(other) }
                        if !clashing.contains(participant.id) { clashing.append(participant.id) }
                    } else {
                        seen[pair] = participant.id
                    }
                }
            }
            guard clashing.count > 1 else { continue }
            let names = clashing.map { "'\($0)'" }.joined(separator: " and ")
            let what: String
            switch phase.text {
            case .templates: what = "share the rule's own templates"
            case .message(let message): what = "share voice '\(group[0].voiceID)' for message '\(message)'"
            }
            let location: String
            if phase.id != nil { location = path } else if case .message = phase.text { location = "message" } else { location = "templates" }
            report(&reader, location,
                   "participants \(names) \(what) and would post the same text \(phase.id.map { "in phase \($0)" } ?? "in the statement"): give each its own voice (Rules/voices), or one participant to the rule")
        }
    }

    private func report(_ reader: inout NodeReader, _ path: String, _ message: String) {
        if !reader.diagnostics.contains(where: { $0.path == path && $0.message == message }) {
            reader.report(at: nil, path, message)
        }
    }
}
