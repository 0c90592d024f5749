/// One rule (`Rules/rules/*.json5`): when it matches, who speaks where and in which languages, what they
/// say in each phase of the bundle, which gestures to prepare, and how the bundle is released and suppressed.
///
/// An immutable value; its fields live in one shared box so that handing rules around (every match
/// carries its rule) costs a reference count, not a copy of every field.
public struct Rule: Sendable, Hashable {
    private final class Storage: Sendable {
        let id: String
        let description: String
        let conditions: [RuleConditions]
        let senders: [RuleSender]
        let phases: [Phase]
        let gestures: [Gesture]
        let release: ReleaseSettings
        let suppression: SuppressionSettings
        let corroboration: CorroborationPolicy?
        let file: String

        init(id: String, description: String, conditions: [RuleConditions], senders: [RuleSender], phases: [Phase],
             gestures: [Gesture], release: ReleaseSettings, suppression: SuppressionSettings,
             corroboration: CorroborationPolicy?, file: String) {
            self.id = id
            self.description = description
            self.conditions = conditions
            self.senders = senders
            self.phases = phases
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
    /// The phases of the bundle, the statement first: who speaks, when, and with which text.
    public var phases: [Phase] { storage.phases }
    /// Symbolic gestures to prepare as action items.
    public var gestures: [Gesture] { storage.gestures }
    /// How the bundle is released.
    public var release: ReleaseSettings { storage.release }
    /// Which later events fold into the same bundle.
    public var suppression: SuppressionSettings { storage.suppression }
    /// What must report an incident before the rule drafts for it; `nil` drafts for every report.
    public var corroboration: CorroborationPolicy? { storage.corroboration }
    /// The file the rule came from, relative to the rules directory.
    public var file: String { storage.file }

    /// Creates a rule; ``RuleSet/load(from:)`` is the checked way to get rules from files.
    ///
    /// `templates` are the statement's own texts by language (every partner sender drafts them); `phases`,
    /// when given, replace the statement built from them.
    public init(id: String, description: String, conditions: [RuleConditions], senders: [RuleSender],
                templates: [String: LanguageTemplates] = [:], phases: [Phase]? = nil, gestures: [Gesture] = [],
                release: ReleaseSettings = ReleaseSettings(), suppression: SuppressionSettings = SuppressionSettings(),
                corroboration: CorroborationPolicy? = nil, file: String = "") {
        storage = Storage(id: id, description: description, conditions: conditions, senders: senders,
                          phases: phases ?? [Phase(text: .templates(templates))], gestures: gestures,
                          release: release, suppression: suppression, corroboration: corroboration, file: file)
    }

    public static func == (lhs: Rule, rhs: Rule) -> Bool {
        lhs.storage === rhs.storage || (lhs.id == rhs.id && lhs.description == rhs.description && lhs.conditions == rhs.conditions
            && lhs.senders == rhs.senders && lhs.phases == rhs.phases && lhs.gestures == rhs.gestures
            && lhs.release == rhs.release && lhs.suppression == rhs.suppression && lhs.corroboration == rhs.corroboration
            && lhs.file == rhs.file)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(conditions)
    }
}

/// One phase of a bundle: the statement, or a draft due later (the stricken country's thanks, a consular
/// line, a post about a gesture), with who speaks in it, when, and what they say.
public struct Phase: Sendable, Hashable {
    /// The phase's name (`thanks`, `consular`, `gesture`); `nil` for the statement.
    public var id: String?
    /// Who speaks.
    public var speakers: SpeakerRole
    /// Only these of the rule's participants speak in the phase; `nil` for all of them.
    public var participants: Set<String>?
    /// The phase is drafted only when one of these holds for the event (a list, as a rule's `when`:
    /// Israel's thanks after a death or an attack the authorities call terror, never after a shooting
    /// that wounded and whose motive is not known).
    public var conditions: [RuleConditions]?
    /// Not before this long after the event happened.
    public var after: Duration?
    /// Not before this long after the bundle's gesture (the speaker's own gesture in a `gesture` phase);
    /// without a gesture the phase falls back to ``after``, or is not drafted.
    public var afterGesture: Duration?
    /// The text.
    public var text: TextSource

    /// Creates a phase; the defaults are the statement's: the partners, at once.
    public init(id: String? = nil, speakers: SpeakerRole = .partners, participants: Set<String>? = nil, conditions: [RuleConditions]? = nil,
                after: Duration? = nil, afterGesture: Duration? = nil, text: TextSource) {
        self.id = id
        self.speakers = speakers
        self.participants = participants
        self.conditions = conditions
        self.after = after
        self.afterGesture = afterGesture
        self.text = text
    }

    /// What a reviewer calls the phase: its id, or `statement`.
    public var name: String { id ?? "statement" }
}

/// Who speaks in a phase, by the part their country plays in the event.
public enum SpeakerRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Governments neither affected nor acting, and their embassies in an affected country: solidarity.
    case partners
    /// The stricken country's government, and its embassies in the countries of partners that speak: its
    /// answer (thanks, a consular line).
    case affected
    /// For each gesture planned: its landmark's government, and its embassies in an affected country.
    case gesture
    /// Everyone of the rule but the actors, embassies only in an affected country (a joint statement).
    case all
}

/// Where a phase's text comes from.
public enum TextSource: Sendable, Hashable {
    /// The rule's own templates by language, the same for every sender (for a rule with one voice).
    case templates([String: LanguageTemplates])
    /// A message of each sender's voice (`Rules/voices`): every government says it in its own words.
    case message(String)
}

/// The texts of one language: one per channel, and a default for the other channels.
public struct LanguageTemplates: Sendable, Hashable {
    /// The text for channels without their own.
    public var fallback: TextChoice?
    /// Channel-specific texts.
    public var byChannel: [Channel: TextChoice]

    /// Creates the texts of a language.
    public init(fallback: TextChoice?, byChannel: [Channel: TextChoice]) {
        self.fallback = fallback
        self.byChannel = byChannel
    }

    /// Texts without alternatives.
    public init(fallback: Template?, byChannel: [Channel: Template]) {
        self.fallback = fallback.map(TextChoice.init)
        self.byChannel = byChannel.mapValues(TextChoice.init)
    }

    /// The text for `channel`: its own, else the default.
    public func choice(for channel: Channel) -> TextChoice? { byChannel[channel] ?? fallback }
}

/// A text and its alternatives chosen by the facts: the first alternative whose conditions hold is the
/// draft's template; the last one has none, so every event gets a text.
public struct TextChoice: Sendable, Hashable {
    /// One alternative.
    public struct Alternative: Sendable, Hashable {
        /// When it applies; `nil` for always.
        public var conditions: RuleConditions?
        /// Its template.
        public var template: Template

        /// Creates an alternative.
        public init(conditions: RuleConditions?, template: Template) {
            self.conditions = conditions
            self.template = template
        }
    }

    /// The alternatives in order.
    public let alternatives: [Alternative]
    /// Every field some alternative uses.
    public let usedFields: Set<TemplateField>

    /// A choice of alternatives.
    public init(alternatives: [Alternative]) {
        self.alternatives = alternatives
        usedFields = alternatives.reduce(into: []) { $0.formUnion($1.template.usedFields) }
    }

    /// A single text.
    public init(_ template: Template) { self.init(alternatives: [Alternative(conditions: nil, template: template)]) }

    /// The template for `event`: the first alternative that holds.
    public func template(for event: Event) -> Template? {
        alternatives.first { $0.conditions?.matches(event) ?? true }?.template
    }

    /// Whether some alternative uses `field`.
    public func uses(_ field: TemplateField) -> Bool { usedFields.contains(field) }
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
    /// Whether a desk officer (the country desk) must approve the bundle: always for expulsions, where
    /// every word is policy.
    public var deskOfficer: Bool

    /// Creates release settings.
    public init(policy: ReleasePolicy = .all, notBefore: Duration = .zero, expiry: Duration = .seconds(48 * 3600), deskOfficer: Bool = false) {
        self.policy = policy
        self.notBefore = notBefore
        self.expiry = expiry
        self.deskOfficer = deskOfficer
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
