/// Reads the voice files (`voices/*.json5`: `{ id, description, messages: { MESSAGE: { LANGUAGE: text } } }`)
/// and checks them against the participants who speak with them.
struct VoiceDecoder {
    let kinds: Set<String>
    let participants: [String: Participant]
    /// False when participants.json5 could not be read: voices are then not checked against their speakers.
    var participantsReadable = true

    static let fields = ["id", "description", "messages"]

    /// Decodes every voice file into `voices` and returns the problems; `broken` gets the ids of voices
    /// whose files have errors, so that rules are not told again, text by text, that those voices lack them.
    /// Texts two voices share are found by ``copies(in:)``, which the loader runs beside the rule files.
    func decode(_ files: [(relative: String, node: JSON5Node)], into voices: inout [String: Voice], broken: inout Set<String>) -> [RuleDiagnostic] {
        var diagnostics: [RuleDiagnostic] = []
        var speakers: [String: [Participant]] = [:]
        for participant in participants.values.sorted(by: { $0.id < $1.id }) { speakers[participant.voiceID, default: []].append(participant) }
        for (relative, root) in files {
            var reader = NodeReader(file: relative)
            defer { diagnostics += reader.diagnostics }
            guard let fields = reader.object(root, "", allowed: Self.fields, required: Self.fields) else { continue }
            guard let idNode = fields["id"], let id = reader.string(idNode, "id") else { continue }
            if let earlier = voices[id] {
                reader.report(idNode, "id", "duplicate voice '\(id)' (also in \(earlier.file))")
                continue
            }
            let users = speakers[id] ?? []
            if users.isEmpty && participantsReadable {
                reader.report(idNode, "id", "no participant speaks with voice '\(id)': name a participant, or set a participant's voice")
                continue
            }
            let description = fields["description"].flatMap { reader.string($0, "description") } ?? ""
            // Each language's texts are checked against every channel the voice's speakers post it on.
            var channels: [String: Set<Channel>] = [:]
            for participant in users {
                for account in participant.accounts {
                    for language in account.languages { channels[language, default: []].insert(account.channel) }
                }
            }
            let decoder = TextDecoder(kinds: kinds, channels: channels)
            var messages: [String: [String: LanguageTemplates]] = [:]
            if let messagesNode = fields["messages"] {
                guard case .object(let members) = messagesNode.value else {
                    reader.report(messagesNode, "messages", "expected an object of messages, found \(messagesNode.value.typeName)")
                    continue
                }
                for member in members {
                    let path = "messages.\(member.key)"
                    guard RuleDecoder.isMessageID(member.key) else {
                        reader.report(at: member.keyPosition, path, "'\(member.key)' is not a message id (lower-case words joined by '.', '-' or '_')")
                        continue
                    }
                    guard let texts = decoder.languages(member.node, path, &reader) else { continue }
                    for language in texts.keys.sorted() where channels[language] == nil && participantsReadable {
                        let languages = Set(users.flatMap(\.languages)).sorted().joined(separator: ", ")
                        reader.warn(member.node, "\(path).\(language)",
                                    "no participant with voice '\(id)' posts in '\(language)' (they post in \(languages)): this text is never used")
                    }
                    messages[member.key] = texts
                }
            }
            guard !reader.diagnostics.contains(where: \.isError) else {
                broken.insert(id)
                continue
            }
            voices[id] = Voice(id: id, description: description, messages: messages, file: relative)
        }
        return diagnostics
    }

    /// Texts that two voices share word for word: two governments would post the same text.
    static func copies(in voices: [String: Voice]) -> [RuleDiagnostic] {
        var diagnostics: [RuleDiagnostic] = []
        var keys: Set<String> = []
        for voice in voices.values { for (message, texts) in voice.messages { for language in texts.keys { keys.insert("\(message)\u{0}\(language)") } } }
        for key in keys.sorted() {
            let parts = key.split(separator: "\u{0}").map(String.init)
            let (message, language) = (parts[0], parts[1])
            var items: [IdenticalTexts.Item] = []
            var owners: [Voice] = []
            for voice in voices.values.sorted(by: { $0.id < $1.id }) {
                guard let texts = voice.messages[message]?[language] else { continue }
                for choice in [texts.fallback].compactMap({ $0 }) + texts.byChannel.keys.sorted(by: { $0.rawValue < $1.rawValue }).compactMap({ texts.byChannel[$0] }) {
                    for alternative in choice.alternatives {
                        items.append(IdenticalTexts.Item(sender: voice.id, text: alternative.template.source))
                        owners.append(voice)
                    }
                }
            }
            for group in IdenticalTexts.groups(items) {
                let voicesInGroup = group.map { owners[$0] }
                guard let last = voicesInGroup.last else { continue }
                let others = Set(voicesInGroup.map(\.id)).subtracting([last.id]).sorted().map { "'\($0)'" }.joined(separator: ", ")
                diagnostics.append(RuleDiagnostic(file: last.file, position: nil, path: "messages.\(message).\(language)",
                    message: "the same text as voice \(others): two governments would post it word for word; write it in this voice's own words"))
            }
        }
        return diagnostics
    }
}
