/// The place of a draft in its bundle: one participant, one channel, one language, one phase (the
/// statement, or a later phase: the post about a gesture on the same account is a draft of its own). A
/// bundle holds at most one live draft per slot (the database's `drafts_one_live_per_slot`).
public struct DraftSlot: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The participant's id.
    public var participant: String
    public var channel: Channel
    /// The language tag.
    public var language: String
    /// The phase (`gesture`, `thanks`, …); `nil` for the statement.
    public var phase: String?

    /// Creates a slot.
    public init(participant: String, channel: Channel, language: String, phase: String? = nil) {
        self.participant = participant
        self.channel = channel
        self.language = language
        self.phase = phase
    }

    public static func < (lhs: DraftSlot, rhs: DraftSlot) -> Bool {
        (lhs.participant, lhs.channel.rawValue, lhs.language, lhs.phase ?? "") < (rhs.participant, rhs.channel.rawValue, rhs.language, rhs.phase ?? "")
    }

    public var description: String { "\(participant) \(channel.rawValue) \(language)" + (phase.map { " (\($0))" } ?? "") }
}

extension Draft {
    /// The slot this planned draft fills.
    public var slot: DraftSlot { DraftSlot(participant: participant, channel: channel, language: language, phase: phase) }
}
