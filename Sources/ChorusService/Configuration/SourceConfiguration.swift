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
    /// HTTP sources: how long one poll may take in all (connect, wait, read the body); default 30 s.
    public var timeout: Duration?

    public init(name: String, kind: Kind, format: String? = nil, location: String? = nil, pollInterval: Duration? = nil,
                defaultCountries: [String] = [], maximumLines: Int? = nil, timeout: Duration? = nil) {
        self.name = name
        self.kind = kind
        self.format = format
        self.location = location
        self.pollInterval = pollInterval
        self.defaultCountries = defaultCountries
        self.maximumLines = maximumLines
        self.timeout = timeout
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
