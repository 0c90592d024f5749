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
        let file: String

        init(id: String, description: String, conditions: [RuleConditions], senders: [RuleSender], skipsAffectedSenders: Bool,
             templates: [String: LanguageTemplates], gestures: [Gesture], release: ReleaseSettings,
             suppression: SuppressionSettings, file: String) {
            self.id = id
            self.description = description
            self.conditions = conditions
            self.senders = senders
            self.skipsAffectedSenders = skipsAffectedSenders
            self.templates = templates
            self.gestures = gestures
            self.release = release
            self.suppression = suppression
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
    /// The file the rule came from, relative to the rules directory.
    public var file: String { storage.file }

    /// Creates a rule; ``RuleSet/load(from:)`` is the checked way to get rules from files.
    public init(id: String, description: String, conditions: [RuleConditions], senders: [RuleSender], skipsAffectedSenders: Bool = true,
                templates: [String: LanguageTemplates], gestures: [Gesture] = [], release: ReleaseSettings = ReleaseSettings(),
                suppression: SuppressionSettings = SuppressionSettings(), file: String = "") {
        storage = Storage(id: id, description: description, conditions: conditions, senders: senders,
                          skipsAffectedSenders: skipsAffectedSenders, templates: templates, gestures: gestures,
                          release: release, suppression: suppression, file: file)
    }

    public static func == (lhs: Rule, rhs: Rule) -> Bool {
        lhs.storage === rhs.storage || (lhs.id == rhs.id && lhs.description == rhs.description && lhs.conditions == rhs.conditions
            && lhs.senders == rhs.senders && lhs.skipsAffectedSenders == rhs.skipsAffectedSenders && lhs.templates == rhs.templates
            && lhs.gestures == rhs.gestures && lhs.release == rhs.release && lhs.suppression == rhs.suppression && lhs.file == rhs.file)
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

/// An inclusive numeric range; either end may be open.
public struct NumericRange: Sendable, Hashable, Codable {
    /// The smallest accepted value.
    public var minimum: Double?
    /// The largest accepted value.
    public var maximum: Double?

    /// Creates a range.
    public init(minimum: Double? = nil, maximum: Double? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Whether `value` is known and inside the range.
    public func contains(_ value: Double?) -> Bool {
        guard let value else { return false }
        if let minimum, value < minimum { return false }
        if let maximum, value > maximum { return false }
        return true
    }
}

/// One set of conditions; all must hold. A `nil` condition always holds; a list holds when any of it does.
public struct RuleConditions: Sendable, Hashable {
    /// Event kinds.
    public var kinds: Set<String>?
    /// Countries: holds when any affected country is listed.
    public var countries: Set<String>?
    /// Places: holds when the event's place contains any of these (case-insensitive).
    public var places: [String]?
    /// Statuses; by default `actual` and `exercise` (a drill drafts drill drafts).
    public var statuses: Set<Event.Status>
    /// Severities.
    public var severities: Set<Event.Severity>?
    /// Certainties.
    public var certainties: Set<Event.Certainty>?
    /// Alert levels.
    public var alertLevels: Set<Event.AlertLevel>?
    /// Fatalities; an unknown count does not hold.
    public var fatalities: NumericRange?
    /// Injured; an unknown count does not hold.
    public var injured: NumericRange?
    /// Magnitude; an unknown magnitude does not hold.
    public var magnitude: NumericRange?
    /// Tags: holds when the event has any of them.
    public var tags: Set<String>?

    /// The statuses a rule matches when it names none.
    public static let defaultStatuses: Set<Event.Status> = [.actual, .exercise]

    /// Creates conditions; everything left out always holds.
    public init(
        kinds: Set<String>? = nil, countries: Set<String>? = nil, places: [String]? = nil,
        statuses: Set<Event.Status> = RuleConditions.defaultStatuses, severities: Set<Event.Severity>? = nil,
        certainties: Set<Event.Certainty>? = nil, alertLevels: Set<Event.AlertLevel>? = nil,
        fatalities: NumericRange? = nil, injured: NumericRange? = nil, magnitude: NumericRange? = nil,
        tags: Set<String>? = nil
    ) {
        self.kinds = kinds
        self.countries = countries
        self.places = places?.map { $0.lowercased() }
        self.statuses = statuses
        self.severities = severities
        self.certainties = certainties
        self.alertLevels = alertLevels
        self.fatalities = fatalities
        self.injured = injured
        self.magnitude = magnitude
        self.tags = tags
    }

    /// Whether every condition holds for `event`: the plain reading of PRODUCT.md §5, which the index's
    /// compiled conditions are tested against.
    public func matches(_ event: Event) -> Bool {
        if let kinds, !kinds.contains(event.kind) { return false }
        if let countries, !event.countries.contains(where: countries.contains) { return false }
        if let places {
            guard let place = event.place?.lowercased(), places.contains(where: { place.contains($0) }) else { return false }
        }
        if !statuses.contains(event.status) { return false }
        if let severities, !severities.contains(event.severity) { return false }
        if let certainties, !certainties.contains(event.certainty) { return false }
        if let alertLevels {
            guard let level = event.alertLevel, alertLevels.contains(level) else { return false }
        }
        if let fatalities, !fatalities.contains(event.fatalities.map(Double.init)) { return false }
        if let injured, !injured.contains(event.injured.map(Double.init)) { return false }
        if let magnitude, !magnitude.contains(event.magnitude) { return false }
        if let tags, !event.tags.contains(where: tags.contains) { return false }
        return true
    }

    /// Why the conditions hold for `event`, one line a condition, or `nil` when one does not.
    public func explain(_ event: Event) -> [String]? {
        var reasons: [String] = []
        func list<T: Hashable>(_ values: Set<T>) -> String where T: CustomStringConvertible {
            values.map(\.description).sorted().joined(separator: ", ")
        }
        if let kinds {
            guard kinds.contains(event.kind) else { return nil }
            reasons.append("kind \(event.kind) is one of [\(list(kinds))]")
        }
        if let countries {
            guard let hit = event.countries.first(where: countries.contains) else { return nil }
            reasons.append("country \(hit) is one of [\(list(countries))]")
        }
        if let places {
            guard let place = event.place?.lowercased(), let hit = places.first(where: { place.contains($0) }) else { return nil }
            reasons.append("place '\(event.place ?? "")' contains '\(hit)'")
        }
        guard statuses.contains(event.status) else { return nil }
        reasons.append("status \(event.status.rawValue) is one of [\(statuses.map(\.rawValue).sorted().joined(separator: ", "))]")
        if let severities {
            guard severities.contains(event.severity) else { return nil }
            reasons.append("severity \(event.severity.rawValue) is one of [\(severities.map(\.rawValue).sorted().joined(separator: ", "))]")
        }
        if let certainties {
            guard certainties.contains(event.certainty) else { return nil }
            reasons.append("certainty \(event.certainty.rawValue) is one of [\(certainties.map(\.rawValue).sorted().joined(separator: ", "))]")
        }
        if let alertLevels {
            guard let level = event.alertLevel, alertLevels.contains(level) else { return nil }
            reasons.append("alertLevel \(level.rawValue) is one of [\(alertLevels.map(\.rawValue).sorted().joined(separator: ", "))]")
        }
        for (name, range, value) in [("fatalities", fatalities, event.fatalities.map(Double.init)),
                                     ("injured", injured, event.injured.map(Double.init)),
                                     ("magnitude", magnitude, event.magnitude)] {
            guard let range else { continue }
            guard range.contains(value), let value else { return nil }
            reasons.append("\(name) \(Self.format(value)) is \(Self.describe(range))")
        }
        if let tags {
            guard let hit = event.tags.first(where: tags.contains) else { return nil }
            reasons.append("tag \(hit) is one of [\(list(tags))]")
        }
        return reasons
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func describe(_ range: NumericRange) -> String {
        switch (range.minimum, range.maximum) {
        case let (minimum?, maximum?): return "between \(format(minimum)) and \(format(maximum))"
        case let (minimum?, nil): return "at least \(format(minimum))"
        case let (nil, maximum?): return "at most \(format(maximum))"
        case (nil, nil): return "known"
        }
    }
}

/// A symbolic gesture: light a landmark in the colours of the affected country's flag.
public struct Gesture: Sendable, Hashable {
    /// The landmark's identifier.
    public var landmark: String
    /// The gesture applies only when an affected country is one of these; `nil` means always.
    public var countries: Set<String>?
    /// When, in the landmark's local time.
    public var time: GestureTime
    /// The least time between the event and the gesture, so that the owner can arrange it.
    public var preparation: Duration

    /// Creates a gesture.
    public init(landmark: String, countries: Set<String>? = nil, time: GestureTime = .dusk, preparation: Duration = .seconds(3 * 3600)) {
        self.landmark = landmark
        self.countries = countries
        self.time = time
        self.preparation = preparation
    }
}

/// When a gesture takes place, local to its landmark.
public enum GestureTime: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Sunset (upper limb at the horizon, with refraction) at the landmark's coordinates.
    case sunset
    /// Civil dusk: the sun 6° below the horizon, when floodlights show.
    case dusk
    /// A fixed local clock time.
    case localTime(hour: Int, minute: Int)

    public var description: String {
        switch self {
        case .sunset: return "sunset"
        case .dusk: return "dusk"
        case .localTime(let hour, let minute):
            return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
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
