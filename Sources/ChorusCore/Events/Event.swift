import Foundation

/// A crisis event as Chorus understands it, whatever feed it came from (PRODUCT.md §4).
///
/// The same JSON is the native JSON Lines input format and the output of `chorus ingest --dry-run --json`.
/// Decoding is strict: an unknown field, a wrong type or an invalid value is an ``EventError`` that names
/// the field. Encoding writes the fields in a stable order and omits absent optionals and empty lists.
public struct Event: Sendable, Hashable {
    /// The feed's identifier of this message (CAP identifier, GDACS eventtype+eventid+episode, USGS id).
    public var id: String
    /// The feed name from the configuration, or the document's sender.
    public var source: String?
    /// A snake_case kind from the vocabulary of `Rules/kinds.json5` (`terror_attack`, `earthquake`, …).
    public var kind: String
    /// Whether the event is real, a drill, a test, …; drills and tests never produce live drafts.
    public var status: Status
    /// Whether the message is new, updates or cancels an earlier one.
    public var msgType: MessageType
    /// Identifiers of earlier messages this one updates or cancels.
    public var references: [String]
    /// A correlation key the feed gives (CAP incidents, GDACS eventid).
    public var incident: String?
    /// When the feed sent the message.
    public var sentAt: Date?
    /// When the event itself happened.
    public var occurredAt: Date?
    /// Affected countries, ISO 3166-1 alpha-2, upper case: where it happened, who is affected.
    public var countries: [String]
    /// The states that acted, where that matters (the state that expelled diplomats, that sent rescue
    /// teams), ISO 3166-1 alpha-2, upper case.
    public var actors: [String]
    /// Who reported it: the outlet, agency or authority (a news item's publisher domain, a CAP sender).
    /// Independent origins are what corroboration counts.
    public var origin: String?
    /// The event's own name where its source gives one: a storm's (*Helene*, *Daniel*, *Haiyan*, named by
    /// the agencies that track it), never read from a headline. Templates say *Hurricane {{name}}* only
    /// inside `{{#name}}…{{/name}}`, so that a text without a name still reads.
    public var name: String?
    /// A city or area description.
    public var place: String?
    /// A point for the event.
    public var location: Location?
    public var severity: Severity
    public var certainty: Certainty
    /// GDACS or USGS PAGER alert level.
    public var alertLevel: AlertLevel?
    public var magnitude: Double?
    public var fatalities: Int?
    public var injured: Int?
    /// Headline per language tag (`en`, `he-IL`, …).
    public var headline: [String: String]
    /// Description per language tag.
    public var description: [String: String]
    /// A link to the feed's page for the event.
    public var link: String?
    public var tags: [String]

    /// Creates an event; call ``validate()`` before trusting values that came from outside.
    public init(
        id: String, source: String? = nil, kind: String = "other", status: Status = .actual,
        msgType: MessageType = .alert, references: [String] = [], incident: String? = nil,
        sentAt: Date? = nil, occurredAt: Date? = nil, countries: [String] = [], actors: [String] = [],
        origin: String? = nil, name: String? = nil, place: String? = nil,
        location: Location? = nil, severity: Severity = .unknown, certainty: Certainty = .unknown,
        alertLevel: AlertLevel? = nil, magnitude: Double? = nil, fatalities: Int? = nil, injured: Int? = nil,
        headline: [String: String] = [:], description: [String: String] = [:], link: String? = nil,
        tags: [String] = []
    ) {
        self.id = id
        self.source = source
        self.kind = kind
        self.status = status
        self.msgType = msgType
        self.references = references
        self.incident = incident
        self.sentAt = sentAt
        self.occurredAt = occurredAt
        self.countries = countries
        self.actors = actors
        self.origin = origin
        self.name = name
        self.place = place
        self.location = location
        self.severity = severity
        self.certainty = certainty
        self.alertLevel = alertLevel
        self.magnitude = magnitude
        self.fatalities = fatalities
        self.injured = injured
        self.headline = headline
        self.description = description
        self.link = link
        self.tags = tags
    }

    /// Whether the event is a drill (`exercise`): drill events only ever produce drill drafts.
    public var isDrill: Bool { status == .exercise }

    /// A point on the earth.
    public struct Location: Codable, Sendable, Hashable {
        public var lat: Double
        public var lon: Double
        public init(lat: Double, lon: Double) {
            self.lat = lat
            self.lon = lon
        }
    }

    /// CAP `status`.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case actual, exercise, test, draft, system
    }

    /// CAP `msgType`, without Ack and Error, which Chorus rejects.
    public enum MessageType: String, Codable, Sendable, CaseIterable {
        case alert, update, cancel
    }

    /// CAP `severity`.
    public enum Severity: String, Codable, Sendable, CaseIterable {
        case extreme, severe, moderate, minor, unknown
    }

    /// CAP `certainty`.
    public enum Certainty: String, Codable, Sendable, CaseIterable {
        case observed, likely, possible, unlikely, unknown
    }

    /// GDACS alert level or USGS PAGER level.
    public enum AlertLevel: String, Codable, Sendable, CaseIterable {
        case red, orange, yellow, green
    }
}

/// A field of an ``Event`` that is missing or invalid.
public struct EventError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field's JSON path (`countries[1]`, `location.lat`).
    public var field: String
    /// What is wrong with it.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

extension Event {
    /// Checks every value against the contract of PRODUCT.md §4 and the limits of ``EventLimits``.
    /// - Throws: ``EventError`` naming the first field that is wrong.
    public func validate() throws {
        func fail(_ field: String, _ message: String) -> EventError { EventError(field: field, message: message) }
        func storable(_ value: String, _ field: String) throws {
            if value.utf8.contains(0) { throw fail(field, "contains U+0000 (NUL), which cannot be stored") }
        }
        func identifier(_ value: String, _ field: String) throws {
            try storable(value, field)
            if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw fail(field, "must not be empty") }
            if value.utf8.count > EventLimits.identifierBytes {
                throw fail(field, "is longer than \(EventLimits.identifierBytes) bytes")
            }
        }
        func text(_ value: String, _ field: String) throws {
            try storable(value, field)
            if value.utf8.count > EventLimits.textBytes {
                throw fail(field, "is longer than \(EventLimits.textBytes) bytes")
            }
        }
        func count(_ list: some Collection, _ field: String, limit: Int, of what: String) throws {
            if list.count > limit { throw fail(field, "has \(list.count) \(what), more than the limit of \(limit)") }
        }
        try identifier(id, "id")
        if let source { try identifier(source, "source") }
        try identifier(kind, "kind")
        if !Self.isSnakeCase(kind) { throw fail("kind", "\(quoted(kind)) is not a snake_case kind") }
        try count(references, "references", limit: EventLimits.references, of: "entries")
        for (index, reference) in references.enumerated() { try identifier(reference, "references[\(index)]") }
        if let incident { try identifier(incident, "incident") }
        try count(countries, "countries", limit: EventLimits.countries, of: "entries")
        for (index, country) in countries.enumerated() where !ISO3166.isAlpha2(country) {
            throw fail("countries[\(index)]", "\(quoted(country)) is not an ISO 3166-1 alpha-2 country code")
        }
        try count(actors, "actors", limit: EventLimits.countries, of: "entries")
        for (index, actor) in actors.enumerated() where !ISO3166.isAlpha2(actor) {
            throw fail("actors[\(index)]", "\(quoted(actor)) is not an ISO 3166-1 alpha-2 country code")
        }
        if let origin { try identifier(origin, "origin") }
        if let name {
            try identifier(name, "name")
            if let control = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                throw fail("name", "contains the control character U+\(String(format: "%04X", control.value)): a name is one line of text")
            }
        }
        if let place { try text(place, "place") }
        if let location {
            if !location.lat.isFinite || !(-90...90).contains(location.lat) {
                throw fail("location.lat", "\(location.lat) is not a latitude between -90 and 90")
            }
            if !location.lon.isFinite || !(-180...180).contains(location.lon) {
                throw fail("location.lon", "\(location.lon) is not a longitude between -180 and 180")
            }
        }
        if let magnitude, !magnitude.isFinite || !(-10...12).contains(magnitude) {
            throw fail("magnitude", "\(magnitude) is not a plausible magnitude")
        }
        if let fatalities, fatalities < 0 { throw fail("fatalities", "must not be negative") }
        if let injured, injured < 0 { throw fail("injured", "must not be negative") }
        for (field, map) in [("headline", headline), ("description", description)] {
            try count(map, field, limit: EventLimits.languages, of: "languages")
            for (language, value) in map.sorted(by: { $0.key < $1.key }) {
                if !Self.isLanguageTag(language) {
                    throw fail("\(field).\(escaped(language))", "\(quoted(language)) is not a language tag")
                }
                try text(value, "\(field).\(language)")
            }
        }
        if let link {
            try storable(link, "link")
            if link.utf8.count > EventLimits.linkBytes { throw fail("link", "is longer than \(EventLimits.linkBytes) bytes") }
            guard let url = URL(string: link), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                throw fail("link", "\(quoted(link)) is not an http or https URL")
            }
        }
        try count(tags, "tags", limit: EventLimits.tags, of: "entries")
        for (index, tag) in tags.enumerated() { try identifier(tag, "tags[\(index)]") }
    }

    public static func isSnakeCase(_ value: String) -> Bool {
        guard let first = value.utf8.first, first >= 97, first <= 122 else { return false }
        return value.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// A BCP 47 tag in the shape feeds use: `en`, `he-IL`, `zh-Hant-TW`, `es-419`.
    public static func isLanguageTag(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count),
              primary.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) }) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (1...8).contains(part.count) && part.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }
        }
    }
}

// MARK: - Codable

extension Event: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, source, kind, status, msgType, references, incident, sentAt, occurredAt, countries, actors, origin, name,
             place, location, severity, certainty, alertLevel, magnitude, fatalities, injured, headline, description,
             link, tags
    }

    /// Decodes and validates an event; unknown fields are refused so that a typo never passes silently.
    public init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys
            .map(\.stringValue).filter { CodingKeys(rawValue: $0) == nil }.sorted()
        if let field = unknown.first {
            throw EventError(field: field, message: NodeReader.unknownField(field, allowed: CodingKeys.allCases.map(\.rawValue)))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ type: T.Type, _ key: CodingKeys) throws -> T? {
            do {
                return try container.decodeIfPresent(type, forKey: key)
            } catch let error as EventError {
                throw error
            } catch {
                throw EventError(field: key.rawValue, message: Self.describe(error, expecting: type))
            }
        }
        func date(_ key: CodingKeys) throws -> Date? {
            guard let text = try value(String.self, key) else { return nil }
            guard let date = RFC3339.parse(text) else {
                throw EventError(field: key.rawValue, message: "'\(text)' is not an RFC 3339 date-time")
            }
            return date
        }
        func enumeration<E: RawRepresentable & CaseIterable>(_ type: E.Type, _ key: CodingKeys) throws -> E?
        where E.RawValue == String {
            guard let text = try value(String.self, key) else { return nil }
            guard let result = E(rawValue: text) else {
                let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
                throw EventError(field: key.rawValue, message: "'\(text)' is not one of \(allowed)")
            }
            return result
        }
        guard let id = try value(String.self, .id) else { throw EventError(field: "id", message: "is required") }
        self.init(
            id: id,
            source: try value(String.self, .source),
            kind: try value(String.self, .kind) ?? "other",
            status: try enumeration(Status.self, .status) ?? .actual,
            msgType: try enumeration(MessageType.self, .msgType) ?? .alert,
            references: try value([String].self, .references) ?? [],
            incident: try value(String.self, .incident),
            sentAt: try date(.sentAt),
            occurredAt: try date(.occurredAt),
            countries: try value([String].self, .countries) ?? [],
            actors: try value([String].self, .actors) ?? [],
            origin: try value(String.self, .origin),
            name: try value(String.self, .name),
            place: try value(String.self, .place),
            location: try value(Location.self, .location),
            severity: try enumeration(Severity.self, .severity) ?? .unknown,
            certainty: try enumeration(Certainty.self, .certainty) ?? .unknown,
            alertLevel: try enumeration(AlertLevel.self, .alertLevel),
            magnitude: try value(Double.self, .magnitude),
            fatalities: try value(Int.self, .fatalities),
            injured: try value(Int.self, .injured),
            headline: try value([String: String].self, .headline) ?? [:],
            description: try value([String: String].self, .description) ?? [:],
            link: try value(String.self, .link),
            tags: try value([String].self, .tags) ?? []
        )
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encode(kind, forKey: .kind)
        try container.encode(status, forKey: .status)
        try container.encode(msgType, forKey: .msgType)
        if !references.isEmpty { try container.encode(references, forKey: .references) }
        try container.encodeIfPresent(incident, forKey: .incident)
        try container.encodeIfPresent(sentAt.map(RFC3339.format), forKey: .sentAt)
        try container.encodeIfPresent(occurredAt.map(RFC3339.format), forKey: .occurredAt)
        try container.encode(countries, forKey: .countries)
        if !actors.isEmpty { try container.encode(actors, forKey: .actors) }
        try container.encodeIfPresent(origin, forKey: .origin)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(place, forKey: .place)
        try container.encodeIfPresent(location, forKey: .location)
        try container.encode(severity, forKey: .severity)
        try container.encode(certainty, forKey: .certainty)
        try container.encodeIfPresent(alertLevel, forKey: .alertLevel)
        try container.encodeIfPresent(magnitude, forKey: .magnitude)
        try container.encodeIfPresent(fatalities, forKey: .fatalities)
        try container.encodeIfPresent(injured, forKey: .injured)
        if !headline.isEmpty { try container.encode(headline, forKey: .headline) }
        if !description.isEmpty { try container.encode(description, forKey: .description) }
        try container.encodeIfPresent(link, forKey: .link)
        if !tags.isEmpty { try container.encode(tags, forKey: .tags) }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func describe<T>(_ error: any Error, expecting type: T.Type) -> String {
        switch error {
        case DecodingError.typeMismatch, DecodingError.valueNotFound:
            return "expected \(Self.jsonName(of: type))"
        case DecodingError.keyNotFound(let key, _):
            return "\(quoted(key.stringValue)) is required"
        default:
            // Foundation refused the value itself; its own words for that are its internals
            // (`numberIsNotRepresentableInSwift(parsed: …)`, `expectedLowSurrogateUTF8SequenceAfterHighSurrogate`).
            switch type {
            case is Int.Type, is Double.Type: return "the number is out of range"
            case is String.Type, is [String].Type, is [String: String].Type:
                return "holds text that is not valid Unicode (a lone surrogate?)"
            default: return "expected \(Self.jsonName(of: type))"
            }
        }
    }

    private static func jsonName<T>(of type: T.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is [String].Type: return "a list of strings"
        case is [String: String].Type: return "an object of language tags to strings"
        case is Location.Type: return "an object {\"lat\": number, \"lon\": number}"
        default: return "\(type)"
        }
    }
}

extension Event {
    /// The event as one line of JSON (the native JSON Lines format), keys in a stable order.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
