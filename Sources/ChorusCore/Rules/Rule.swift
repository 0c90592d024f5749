/// One rule (`Rules/rules/*.json5`): when it matches, who speaks where and in which languages, what they
/// say, which gestures to prepare, and how the bundle is released and suppressed.
///
/// An immutable value; its fields live in one shared box so that handing rules around (every match
/// carries its rule) costs a reference count, not a copy of every field.
public struct Rule: Sendable, Hashable {
    private final class Storage: Sendable {
        let id: String
        let description: String
        let conditions: [RuleConditions]
        let senders: [RuleSender]
        let skipsAffectedSenders: Bool
        let templates: [String: LanguageTemplates]
        let gestures: [Gesture]
        let release: ReleaseSettings
        let suppression: SuppressionSettings
        let corroboration: CorroborationPolicy?
        let file: String

        init(id: String, description: String, conditions: [RuleConditions], senders: [RuleSender], skipsAffectedSenders: Bool,
             templates: [String: LanguageTemplates], gestures: [Gesture], release: ReleaseSettings,
             suppression: SuppressionSettings, corroboration: CorroborationPolicy?, file: String) {
            self.id = id
            self.description = description
            self.conditions = conditions
            self.senders = senders
            self.skipsAffectedSenders = skipsAffectedSenders
            self.templates = templates
            self.gestures = gestures
            self.release = release
            self.suppression = suppression
            self.corroboration = corroboration
            self.file = file
        }
    }

    private let storage: Storage

    /// The rule's identifier, unique in the set.
    public var id: String { storage.id }
    /// What the rule is for, in a sentence.
    public var description: String { storage.description }
    /// Alternatives: the rule matches when every condition of at least one of them holds.
    public var conditions: [RuleConditions] { storage.conditions }
    /// The senders, each with its channels and languages.
    public var senders: [RuleSender] { storage.senders }
    /// Whether senders of an affected country stay silent (a ministry does not send solidarity to itself).
    public var skipsAffectedSenders: Bool { storage.skipsAffectedSenders }
    /// Templates by language.
    public var templates: [String: LanguageTemplates] { storage.templates }
    /// Symbolic gestures to prepare as action items.
    public var gestures: [Gesture] { storage.gestures }
    /// How the bundle is released.
    public var release: ReleaseSettings { storage.release }
    /// Which later events fold into the same bundle.
    public var suppression: SuppressionSettings { storage.suppression }
    /// What must report an incident before the rule drafts for it; `nil`: the first report drafts.
    public var corroboration: CorroborationPolicy? { storage.corroboration }
    /// The file the rule came from, relative to the rules directory.
    public var file: String { storage.file }

    /// Creates a rule; ``RuleSet/load(from:)`` is the checked way to get rules from files.
    public init(id: String, description: String, conditions: [RuleConditions], senders: [RuleSender], skipsAffectedSenders: Bool = true,
                templates: [String: LanguageTemplates], gestures: [Gesture] = [], release: ReleaseSettings = ReleaseSettings(),
                suppression: SuppressionSettings = SuppressionSettings(), corroboration: CorroborationPolicy? = nil, file: String = "") {
        storage = Storage(id: id, description: description, conditions: conditions, senders: senders,
                          skipsAffectedSenders: skipsAffectedSenders, templates: templates, gestures: gestures,
                          release: release, suppression: suppression, corroboration: corroboration, file: file)
    }

    public static func == (lhs: Rule, rhs: Rule) -> Bool {
        lhs.storage === rhs.storage || (lhs.id == rhs.id && lhs.description == rhs.description && lhs.conditions == rhs.conditions
            && lhs.senders == rhs.senders && lhs.skipsAffectedSenders == rhs.skipsAffectedSenders && lhs.templates == rhs.templates
            && lhs.gestures == rhs.gestures && lhs.release == rhs.release && lhs.suppression == rhs.suppression
            && lhs.corroboration == rhs.corroboration && lhs.file == rhs.file)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(conditions)
    }

    /// The template for `language` on `channel`: the channel's own, else the language's default.
    public func template(language: String, channel: Channel) -> Template? {
        guard let forLanguage = templates[language] else { return nil }
        return forLanguage.byChannel[channel] ?? forLanguage.fallback
    }
}

/// The templates of one language: one per channel, and a default for the other channels.
public struct LanguageTemplates: Sendable, Hashable {
    /// The template for channels without their own.
    public var fallback: Template?
    /// Channel-specific templates.
    public var byChannel: [Channel: Template]

    /// Creates the templates of a language.
    public init(fallback: Template?, byChannel: [Channel: Template]) {
        self.fallback = fallback
        self.byChannel = byChannel
    }
}

/// Who speaks in a rule's bundle: one participant, on which of its channels, in which languages.
public struct RuleSender: Sendable, Hashable {
    /// The participant's identifier.
    public var participant: String
    /// Channels to draft for; empty means every channel of the participant.
    public var channels: [Channel]
    /// Languages to draft in; empty means every language of the participant.
    public var languages: [String]

    /// Creates a sender entry.
    public init(participant: String, channels: [Channel] = [], languages: [String] = []) {
        self.participant = participant
        self.channels = channels
        self.languages = languages
    }
}

/// Release settings of a rule.
public struct ReleaseSettings: Sendable, Hashable {
    /// When a bundle is ready.
    public var policy: ReleasePolicy
    /// How long after drafting nothing may be released (a moment for second thoughts).
    public var notBefore: Duration
    /// How long after drafting unreleased drafts expire.
    public var expiry: Duration

    /// Creates release settings.
    public init(policy: ReleasePolicy = .all, notBefore: Duration = .zero, expiry: Duration = .seconds(48 * 3600)) {
        self.policy = policy
        self.notBefore = notBefore
        self.expiry = expiry
    }
}

/// When a bundle's drafts may go out.
public enum ReleasePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Together, once every participant's drafts are approved (a coordinated statement).
    case all
    /// Each draft as soon as it is approved.
    case each
    /// Each government's drafts together, once every live draft of that government's participants is
    /// approved: one country's approval never holds up another's.
    case perCountry
}

/// Suppression settings of a rule: events with the same key within the window fold into one bundle.
public struct SuppressionSettings: Sendable, Hashable {
    /// The event fields the key is made of, after the rule's id.
    public var fields: [SuppressionField]
    /// How long a key suppresses new bundles.
    public var window: Duration

    /// Creates suppression settings.
    public init(fields: [SuppressionField] = [.incident], window: Duration = .seconds(24 * 3600)) {
        self.fields = fields
        self.window = window
    }
}

/// An event field a suppression key can be made of.
public enum SuppressionField: String, Sendable, Hashable, Codable, CaseIterable {
    /// The event's kind.
    case kind
    /// The affected countries, sorted.
    case countries
    /// The place, lower-cased.
    case place
    /// The incident key (see ``BundlePlanner/incidentKey(of:)``).
    case incident
    /// The feed.
    case source
    /// The alert level.
    case alertLevel
}
