import Foundation

/// One feed the daemon watches: the `sources` entries of the configuration file.
///
/// ```json5
/// { name: "ops", type: "file", format: "jsonl", location: "/var/spool/chorus/ops.jsonl",
///   pollInterval: "1s", defaultCountries: ["IL"] }
/// ```
public struct SourceConfiguration: Sendable, Equatable {
    /// How the documents arrive.
    public enum Kind: String, Sendable, CaseIterable {
        /// A growing file, followed like `tail -F`.
        case file
        /// A directory whose new files are documents.
        case spool
        /// A URL polled with conditional GET.
        case http
        /// Rows other systems insert into `chorus.inbox`.
        case inbox
    }

    /// The feed's name: the key of its cursor and of its advisory lock, every event's `source`.
    public var name: String
    public var kind: Kind
    /// `auto`, `jsonl`, `cap`, `gdacs` or `geojson` (as `chorus ingest --format`); `nil` is the source's default.
    public var format: String?
    /// A path (file, spool), a URL (http); unused by `inbox`.
    public var location: String?
    /// How often to look when nothing woke the source (file, spool, inbox) or between polls (http).
    public var pollInterval: Duration?
    /// Countries for events whose document names none (a national feed's own country).
    public var defaultCountries: [String]
    /// File sources: the most lines one delivery (and so, alone, one transaction) takes; default 1000.
    public var maximumLines: Int?

    public init(name: String, kind: Kind, format: String? = nil, location: String? = nil, pollInterval: Duration? = nil,
                defaultCountries: [String] = [], maximumLines: Int? = nil) {
        self.name = name
        self.kind = kind
        self.format = format
        self.location = location
        self.pollInterval = pollInterval
        self.defaultCountries = defaultCountries
        self.maximumLines = maximumLines
    }
}

/// Group commit: how many events may share one transaction and how long a busy pipeline waits for more.
///
/// When idle, every delivery commits at once whatever these say; under load, deliveries that arrive while a
/// transaction is in flight share the next one, up to ``maximumEvents``, waiting at most ``maximumDelay``
/// for more.
public struct BatchConfiguration: Sendable, Equatable {
    /// The most events one transaction takes (a single larger delivery still goes alone).
    public var maximumEvents: Int
    /// How long a transaction may wait for more deliveries once the pipeline is busy (0: never waits).
    public var maximumDelay: Duration

    public init(maximumEvents: Int = 5000, maximumDelay: Duration = .zero) {
        self.maximumEvents = maximumEvents
        self.maximumDelay = maximumDelay
    }
}

/// Reads durations in the configuration: `"250ms"`, `"5s"`, `"2m"`, `"1h"`, or a number of seconds.
enum ConfigurationDuration {
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // "5ms" also ends in "s": only accept a plain number before the unit.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            return .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite {
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        return nil
    }
}

/// A `CodingKey` for any field name, to find unknown fields.
struct AnyConfigurationKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == AnyConfigurationKey {
    /// Throws for the first field not in `known`, naming it with `path`.
    func rejectUnknownFields(_ known: [String], path: String) throws {
        let unknown = allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        if let field = unknown.first {
            throw ConfigurationError(file: nil, "\(path)\(field): unknown field (known: \(known.joined(separator: ", ")))")
        }
    }

    func string(_ name: String, path: String) throws -> String? {
        let key = AnyConfigurationKey(stringValue: name)
        guard contains(key) else { return nil }
        do {
            return try decode(String.self, forKey: key)
        } catch {
            throw ConfigurationError(file: nil, "\(path)\(name): expected a string")
        }
    }

    func duration(_ name: String, path: String) throws -> Duration? {
        let key = AnyConfigurationKey(stringValue: name)
        guard contains(key) else { return nil }
        if let seconds = try? decode(Double.self, forKey: key), seconds >= 0 {
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        guard let text = try? decode(String.self, forKey: key), let value = ConfigurationDuration.parse(text) else {
            throw ConfigurationError(file: nil, "\(path)\(name): expected a duration such as \"500ms\", \"5s\" or \"2m\"")
        }
        return value
    }
}

extension SourceConfiguration: Decodable {
    static let fields = ["name", "type", "format", "location", "pollInterval", "defaultCountries", "maxLines"]
    static let formats = ["auto", "jsonl", "cap", "gdacs", "geojson"]

    public init(from decoder: any Decoder) throws {
        let index = decoder.codingPath.last?.intValue.map(String.init) ?? "?"
        let container = try decoder.container(keyedBy: AnyConfigurationKey.self)
        let provisional = "sources[\(index)]."
        try container.rejectUnknownFields(Self.fields, path: provisional)
        guard let name = try container.string("name", path: provisional), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigurationError(file: nil, "\(provisional)name: required")
        }
        let path = "sources.\(name)."
        guard let type = try container.string("type", path: path) else {
            throw ConfigurationError(file: nil, "\(path)type: required (file, spool, http or inbox)")
        }
        guard let kind = Kind(rawValue: type) else {
            throw ConfigurationError(file: nil, "\(path)type: '\(type)' is not file, spool, http or inbox")
        }
        let format = try container.string("format", path: path)
        if let format, !Self.formats.contains(format) {
            throw ConfigurationError(file: nil, "\(path)format: '\(format)' is not one of \(Self.formats.joined(separator: ", "))")
        }
        let location = try container.string("location", path: path)
        if kind != .inbox, (location ?? "").isEmpty {
            throw ConfigurationError(file: nil, "\(path)location: required for a \(type) source")
        }
        let pollInterval = try container.duration("pollInterval", path: path)
        if let pollInterval, pollInterval <= .zero {
            throw ConfigurationError(file: nil, "\(path)pollInterval: must be more than zero")
        }
        var countries: [String] = []
        let countriesKey = AnyConfigurationKey(stringValue: "defaultCountries")
        if container.contains(countriesKey) {
            guard let values = try? container.decode([String].self, forKey: countriesKey) else {
                throw ConfigurationError(file: nil, "\(path)defaultCountries: expected a list of country codes")
            }
            for code in values where code.count != 2 || code.uppercased() != code || !code.allSatisfy(\.isLetter) {
                throw ConfigurationError(file: nil, "\(path)defaultCountries: '\(code)' is not an ISO 3166-1 alpha-2 code")
            }
            countries = values
        }
        var maximumLines: Int?
        let linesKey = AnyConfigurationKey(stringValue: "maxLines")
        if container.contains(linesKey) {
            guard kind == .file else { throw ConfigurationError(file: nil, "\(path)maxLines: only file sources read lines") }
            guard let value = try? container.decode(Int.self, forKey: linesKey), (1...1_000_000).contains(value) else {
                throw ConfigurationError(file: nil, "\(path)maxLines: expected a whole number from 1 to 1000000")
            }
            maximumLines = value
        }
        self.init(name: name, kind: kind, format: format, location: location, pollInterval: pollInterval,
                  defaultCountries: countries, maximumLines: maximumLines)
    }
}

extension BatchConfiguration: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyConfigurationKey.self)
        try container.rejectUnknownFields(["maxEvents", "maxDelay"], path: "batch.")
        self.init()
        let eventsKey = AnyConfigurationKey(stringValue: "maxEvents")
        if container.contains(eventsKey) {
            guard let value = try? container.decode(Int.self, forKey: eventsKey), value >= 1 else {
                throw ConfigurationError(file: nil, "batch.maxEvents: expected a whole number of at least 1")
            }
            maximumEvents = value
        }
        if let delay = try container.duration("maxDelay", path: "batch.") {
            guard delay <= .seconds(10) else {
                throw ConfigurationError(file: nil, "batch.maxDelay: at most 10s")
            }
            maximumDelay = delay
        }
    }
}
