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
///
/// The same conditions decide whether a rule matches (`when`), whether a phase of its bundle is drafted,
/// and which of a text's alternatives a draft takes.
public struct RuleConditions: Sendable, Hashable {
    /// Event kinds.
    public var kinds: Set<String>?
    /// Countries: holds when any affected country is listed.
    public var countries: Set<String>?
    /// Places: holds when the event's place contains any of these (case-insensitive).
    public var places: [String]?
    /// Statuses; by default `actual` and `exercise` (a drill drafts drill drafts).
    public var statuses: Set<Event.Status>
    /// Message types (`alert`, `update`); `nil` holds for all.
    public var messageTypes: Set<Event.MessageType>?
    /// Severities.
    public var severities: Set<Event.Severity>?
    /// Certainties.
    public var certainties: Set<Event.Certainty>?
    /// Alert levels.
    public var alertLevels: Set<Event.AlertLevel>?
    /// Fatalities: a known count in the range (and, with ``unknownFatalities``, an unknown count too).
    public var fatalities: NumericRange?
    /// Whether an unknown number of fatalities holds (`fatalities: "unknown"`, or `["unknown", {…}]`).
    public var unknownFatalities: Bool
    /// Injured, as ``fatalities``.
    public var injured: NumericRange?
    /// Whether an unknown number of injured holds.
    public var unknownInjured: Bool
    /// Magnitude; an unknown magnitude does not hold.
    public var magnitude: NumericRange?
    /// Tags: holds when the event has any of them.
    public var tags: Set<String>?
    /// Actors: holds when a state that acted is listed.
    public var actors: Set<String>?
    /// Whether the event must name at least one actor (`actors: "any"`): an expulsion whose expelling state
    /// is not known cannot be answered without the risk of speaking for it.
    public var requiresActor: Bool
    /// Actors that must not have acted: holds when none of them is among the event's actors.
    public var excludedActors: Set<String>?

    /// The statuses a rule matches when it names none.
    public static let defaultStatuses: Set<Event.Status> = [.actual, .exercise]

    /// Creates conditions; everything left out always holds.
    public init(
        kinds: Set<String>? = nil, countries: Set<String>? = nil, places: [String]? = nil,
        statuses: Set<Event.Status> = RuleConditions.defaultStatuses, messageTypes: Set<Event.MessageType>? = nil,
        severities: Set<Event.Severity>? = nil, certainties: Set<Event.Certainty>? = nil, alertLevels: Set<Event.AlertLevel>? = nil,
        fatalities: NumericRange? = nil, unknownFatalities: Bool = false, injured: NumericRange? = nil, unknownInjured: Bool = false,
        magnitude: NumericRange? = nil, tags: Set<String>? = nil, actors: Set<String>? = nil, requiresActor: Bool = false,
        excludedActors: Set<String>? = nil
    ) {
        self.kinds = kinds
        self.countries = countries
        self.places = places?.map { $0.lowercased() }
        self.statuses = statuses
        self.messageTypes = messageTypes
        self.severities = severities
        self.certainties = certainties
        self.alertLevels = alertLevels
        self.fatalities = fatalities
        self.unknownFatalities = unknownFatalities
        self.injured = injured
        self.unknownInjured = unknownInjured
        self.magnitude = magnitude
        self.tags = tags
        self.actors = actors
        self.requiresActor = requiresActor
        self.excludedActors = excludedActors
    }

    /// Whether a count condition holds: a known count in the range, or an unknown count when allowed.
    static func count(_ value: Int?, _ range: NumericRange?, unknown: Bool) -> Bool {
        guard let value else { return unknown || (range == nil && !unknown) }
        guard let range else { return !unknown }
        return range.contains(Double(value))
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
        if let messageTypes, !messageTypes.contains(event.msgType) { return false }
        if let severities, !severities.contains(event.severity) { return false }
        if let certainties, !certainties.contains(event.certainty) { return false }
        if let alertLevels {
            guard let level = event.alertLevel, alertLevels.contains(level) else { return false }
        }
        if !Self.count(event.fatalities, fatalities, unknown: unknownFatalities) { return false }
        if !Self.count(event.injured, injured, unknown: unknownInjured) { return false }
        if let magnitude, !magnitude.contains(event.magnitude) { return false }
        if let tags, !event.tags.contains(where: tags.contains) { return false }
        if let actors, !event.actors.contains(where: actors.contains) { return false }
        if requiresActor && event.actors.isEmpty { return false }
        if let excludedActors, event.actors.contains(where: excludedActors.contains) { return false }
        return true
    }

    /// Why the conditions hold for `event`, one line a condition, or `nil` when one does not.
    public func explain(_ event: Event) -> [String]? {
        let results = evaluate(event)
        guard results.allSatisfy(\.holds) else { return nil }
        return results.map(\.text)
    }

    /// Why the conditions do not hold for `event`: one line for each condition that fails (empty when they hold).
    public func failures(_ event: Event) -> [String] {
        evaluate(event).filter { !$0.holds }.map(\.text)
    }

    /// One condition checked against an event, said the way it turned out.
    struct Outcome {
        var holds: Bool
        var text: String
    }

    /// Every condition in the order of PRODUCT.md §5, each with whether it holds and why.
    func evaluate(_ event: Event) -> [Outcome] {
        var results: [Outcome] = []
        func list<T: CustomStringConvertible>(_ values: Set<T>) -> String { values.map(\.description).sorted().joined(separator: ", ") }
        func raw<T: RawRepresentable>(_ values: Set<T>) -> String where T.RawValue == String { values.map(\.rawValue).sorted().joined(separator: ", ") }
        func member(_ name: String, _ value: String, _ holds: Bool, _ allowed: String) {
            results.append(Outcome(holds: holds, text: "\(name) \(value) is \(holds ? "" : "not ")one of [\(allowed)]"))
        }
        if let kinds { member("kind", event.kind, kinds.contains(event.kind), list(kinds)) }
        if let countries {
            if let hit = event.countries.first(where: countries.contains) {
                member("country", hit, true, list(countries))
            } else {
                let shown = event.countries.isEmpty ? "(none)" : event.countries.joined(separator: ", ")
                results.append(Outcome(holds: false, text: "no country of [\(shown)] is one of [\(list(countries))]"))
            }
        }
        if let places {
            if let place = event.place, let hit = places.first(where: { place.lowercased().contains($0) }) {
                results.append(Outcome(holds: true, text: "place '\(place)' contains '\(hit)'"))
            } else {
                results.append(Outcome(holds: false, text: "place '\(event.place ?? "")' contains none of [\(places.joined(separator: ", "))]"))
            }
        }
        member("status", event.status.rawValue, statuses.contains(event.status), raw(statuses))
        if let messageTypes { member("msgType", event.msgType.rawValue, messageTypes.contains(event.msgType), raw(messageTypes)) }
        if let severities { member("severity", event.severity.rawValue, severities.contains(event.severity), raw(severities)) }
        if let certainties { member("certainty", event.certainty.rawValue, certainties.contains(event.certainty), raw(certainties)) }
        if let alertLevels {
            if let level = event.alertLevel {
                member("alertLevel", level.rawValue, alertLevels.contains(level), raw(alertLevels))
            } else {
                results.append(Outcome(holds: false, text: "alertLevel is unknown, not one of [\(raw(alertLevels))]"))
            }
        }
        for (name, range, unknown, value) in [("fatalities", fatalities, unknownFatalities, event.fatalities),
                                              ("injured", injured, unknownInjured, event.injured)] where range != nil || unknown {
            let wanted = Self.describe(range: range, unknown: unknown)
            let holds = Self.count(value, range, unknown: unknown)
            let shown = value.map { String($0) } ?? "unknown"
            results.append(Outcome(holds: holds, text: "\(name) \(shown) is \(holds ? "" : "not ")\(wanted)"))
        }
        if let magnitude {
            let holds = magnitude.contains(event.magnitude)
            let shown = event.magnitude.map(Self.format) ?? "unknown"
            results.append(Outcome(holds: holds, text: "magnitude \(shown) is \(holds ? "" : "not ")\(Self.describe(magnitude))"))
        }
        if let tags {
            if let hit = event.tags.first(where: tags.contains) {
                results.append(Outcome(holds: true, text: "tag \(hit) is one of [\(list(tags))]"))
            } else {
                results.append(Outcome(holds: false, text: "no tag is one of [\(list(tags))]"))
            }
        }
        if let actors {
            if let hit = event.actors.first(where: actors.contains) {
                member("actor", hit, true, list(actors))
            } else {
                results.append(Outcome(holds: false, text: "no actor is one of [\(list(actors))]"))
            }
        }
        if requiresActor {
            results.append(Outcome(holds: !event.actors.isEmpty, text: event.actors.isEmpty
                ? "the event names no actor (who acted must be known)" : "actors are known: \(event.actors.joined(separator: ", "))"))
        }
        if let excludedActors {
            if let hit = event.actors.first(where: excludedActors.contains) {
                results.append(Outcome(holds: false, text: "actor \(hit) is one of the excluded [\(list(excludedActors))]"))
            } else {
                results.append(Outcome(holds: true, text: "no actor is one of the excluded [\(list(excludedActors))]"))
            }
        }
        return results
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

    static func describe(range: NumericRange?, unknown: Bool) -> String {
        switch (range, unknown) {
        case let (range?, true): return "\(describe(range)) or unknown"
        case let (range?, false): return describe(range)
        case (nil, _): return "unknown"
        }
    }
}

extension [RuleConditions] {
    /// Whether any of the alternatives holds for `event` (a phase's `when` given as a list).
    public func matches(_ event: Event) -> Bool { contains { $0.matches(event) } }
}
