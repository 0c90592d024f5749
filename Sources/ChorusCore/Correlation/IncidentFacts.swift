import Foundation

/// The facts of an event that a statement stands on: what happened, where, when, to whom, how bad.
///
/// When an update changes any of them, drafts written or approved for the old facts are looked at again
/// (``Correlation``). Headlines, descriptions, links and tags are the feed's wording, not facts: a new
/// headline alone changes nothing a reviewer approved — except the fact tags (``EventFact``: a motive the
/// authorities established, a figure given as a minimum), which are facts.
public struct IncidentFacts: Sendable, Hashable, Codable {
    public var kind: String
    public var countries: [String]
    public var actors: [String]
    /// The event's name (a storm's): a text that names it stands on it.
    public var name: String?
    public var place: String?
    public var occurredAt: Date?
    public var severity: Event.Severity
    public var certainty: Event.Certainty
    public var alertLevel: Event.AlertLevel?
    public var magnitude: Double?
    public var fatalities: Int?
    public var injured: Int?
    /// The event's fact tags (``EventFact/isFactTag(_:)``), sorted; `nil` when it has none.
    public var facts: [String]?

    /// The facts `event` states.
    public init(_ event: Event) {
        kind = event.kind
        countries = event.countries
        actors = event.actors
        name = event.name
        place = event.place
        occurredAt = event.occurredAt
        severity = event.severity
        certainty = event.certainty
        alertLevel = event.alertLevel
        magnitude = event.magnitude
        fatalities = event.fatalities
        injured = event.injured
        let tags = event.tags.filter(EventFact.isFactTag).sorted()
        facts = tags.isEmpty ? nil : tags
    }

    /// What differs in `new`, field by field, in the order of ``FactChange/Field``.
    public func changes(to new: IncidentFacts) -> [FactChange] {
        func text(_ values: [String]) -> String? { values.isEmpty ? nil : values.joined(separator: ",") }
        func number(_ value: Double?) -> String? {
            value.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) }
        }
        let pairs: [(FactChange.Field, String?, String?)] = [
            (.kind, kind, new.kind),
            (.countries, text(countries), text(new.countries)),
            (.actors, text(actors), text(new.actors)),
            (.name, name, new.name),
            (.place, place, new.place),
            (.occurredAt, occurredAt.map(RFC3339.format), new.occurredAt.map(RFC3339.format)),
            (.severity, severity.rawValue, new.severity.rawValue),
            (.certainty, certainty.rawValue, new.certainty.rawValue),
            (.alertLevel, alertLevel?.rawValue, new.alertLevel?.rawValue),
            (.magnitude, number(magnitude), number(new.magnitude)),
            (.fatalities, fatalities.map(String.init), new.fatalities.map(String.init)),
            (.injured, injured.map(String.init), new.injured.map(String.init)),
            (.facts, text(facts ?? []), text(new.facts ?? [])),
        ]
        return pairs.compactMap { field, before, after in
            before == after ? nil : FactChange(field: field, before: before, after: after)
        }
    }

    /// The facts as one line of JSON with sorted keys (what the audit stores as before and after facts).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Facts read back from ``jsonText()``.
    public static func decode(jsonText: String) throws -> IncidentFacts {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 date-time"))
            }
            return date
        }
        return try decoder.decode(IncidentFacts.self, from: Data(jsonText.utf8))
    }
}

/// One fact that an update changed: `injured: 17 → 15`.
public struct FactChange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A fact of ``IncidentFacts``.
    public enum Field: String, Sendable, Hashable, Codable, CaseIterable {
        case kind, countries, actors, name, place, occurredAt, severity, certainty, alertLevel, magnitude, fatalities, injured, facts
    }

    public var field: Field
    /// The old value as text; `nil` when it was not known.
    public var before: String?
    /// The new value as text; `nil` when it is no longer stated.
    public var after: String?

    public init(field: Field, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }

    public var description: String { "\(field.rawValue): \(before ?? "unknown") → \(after ?? "unknown")" }
}

extension Array where Element == FactChange {
    /// `injured: 17 → 15; place: Jerusalem → Armon Hanatziv, Jerusalem`.
    public var summary: String { map(\.description).joined(separator: "; ") }
}
