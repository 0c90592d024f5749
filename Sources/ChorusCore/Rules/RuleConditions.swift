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
