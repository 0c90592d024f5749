/// The place of a draft in its bundle: one participant, one channel, one language. A bundle holds at most
/// one live draft per slot (the database's `drafts_one_live_per_slot`).
public struct DraftSlot: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The participant's id.
    public var participant: String
    public var channel: Channel
    /// The language tag.
    public var language: String

    /// Creates a slot.
    public init(participant: String, channel: Channel, language: String) {
        self.participant = participant
        self.channel = channel
        self.language = language
    }

    public static func < (lhs: DraftSlot, rhs: DraftSlot) -> Bool {
        (lhs.participant, lhs.channel.rawValue, lhs.language) < (rhs.participant, rhs.channel.rawValue, rhs.language)
    }

    public var description: String { "\(participant) \(channel.rawValue) \(language)" }
}

extension Draft {
    /// The slot this planned draft fills.
    public var slot: DraftSlot { DraftSlot(participant: participant, channel: channel, language: language) }
}
