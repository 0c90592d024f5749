/// A sender's own words (`Rules/voices/<id>.json5`): the texts of each message a rule can ask for, by
/// language and channel, kept by that sender's communications desk.
///
/// Rules say when and who; voices say what. Two governments never share a text (``RuleSet/load(from:)``
/// refuses a rule whose bundle would carry the same text under two senders), and a thousand rules asking
/// for the same message cost its texts once.
public struct Voice: Sendable, Hashable {
    /// The voice's id: a participant's id, or the `voice` several participants share.
    public var id: String
    /// Whose house style it is, for rule authors.
    public var description: String
    /// Message id → language → texts.
    public var messages: [String: [String: LanguageTemplates]]
    /// The file it came from, relative to the rules directory.
    public var file: String

    /// Creates a voice.
    public init(id: String, description: String, messages: [String: [String: LanguageTemplates]], file: String = "") {
        self.id = id
        self.description = description
        self.messages = messages
        self.file = file
    }

    /// The text of `message` in `language` on `channel`.
    public func text(_ message: String, language: String, channel: Channel) -> TextChoice? {
        messages[message]?[language]?.choice(for: channel)
    }
}
