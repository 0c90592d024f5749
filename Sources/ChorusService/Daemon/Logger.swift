import ChorusCore
import Foundation
import Postgres
import Synchronization

/// The daemon's logger: one line an event, `key=value` fields, on standard error.
///
/// A value type in the style of swift-log: data goes into metadata with dotted keys (`event.id`,
/// `rule.id`), never into the message. When standard error is the journal (`JOURNAL_STREAM` is set),
/// every line starts with its syslog priority (`<6>` for info), which journald turns into the priority
/// field.
///
/// ```
/// level=info msg="event queued" source=ops event.id=ev-42 rule.id=attack drafts=6
/// ```
public struct Logger: Sendable {
    /// A line's severity, with its syslog priority.
    public enum Level: String, Sendable, Comparable {
        case debug, info, notice, warning, error

        var priority: Int {
            switch self {
            case .debug: 7
            case .info: 6
            case .notice: 5
            case .warning: 4
            case .error: 3
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.priority > rhs.priority }
    }

    /// Key-value pairs; values are strings.
    public typealias Metadata = KeyValuePairs<String, String>

    let sink: LogSink
    /// Fields added to every line of this logger (`source=ops`).
    public var metadata: [(String, String)] = []

    /// A logger writing to `sink`.
    public init(sink: LogSink) {
        self.sink = sink
    }

    /// This logger with `key=value` added to every line.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    public func log(_ level: Level, _ message: String, _ fields: Metadata = [:]) {
        log(level, message, pairs: fields.map { ($0.key, $0.value) })
    }

    /// A line whose fields are only known at run time (a source's notice), in key order.
    public func log(_ level: Level, _ message: String, fields: [String: String]) {
        log(level, message, pairs: fields.sorted { $0.key < $1.key })
    }

    /// A line whose fields come in the order given (a component's own log callback).
    public func log(_ level: Level, _ message: String, pairs: [(String, String)]) {
        guard level >= sink.minimumLevel else { return }
        var line = "level=\(level.rawValue) msg=\(JSONString.quoted(message))"
        for (key, value) in metadata { line += " \(key)=\(Self.formatted(value))" }
        for (key, value) in pairs { line += " \(key)=\(Self.formatted(value))" }
        sink.write(line, priority: level.priority)
    }

    public func debug(_ message: String, _ fields: Metadata = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: Metadata = [:]) { log(.info, message, fields) }
    public func notice(_ message: String, _ fields: Metadata = [:]) { log(.notice, message, fields) }
    public func warning(_ message: String, _ fields: Metadata = [:]) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: Metadata = [:]) { log(.error, message, fields) }

    /// A value as it appears after `key=`: bare when it is a simple word, quoted otherwise.
    static func formatted(_ value: String) -> String {
        let simple = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "=" && scalar != "\\"
        }
        return simple ? value : JSONString.quoted(value)
    }

    /// `error` described for a log line, on one line. Errors carry no password by construction (libpq's
    /// messages are redacted where they are made, `ConnectionString`), so nothing is looked for here.
    public static func describe(_ error: any Error) -> String {
        let text = String(describing: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        return text
    }
}

/// Where log lines go: a file descriptor (standard error), or memory in tests.
public final class LogSink: Sendable {
    private let descriptor: Int32?
    private let journal: Bool
    private let captured = Mutex<[String]>([])
    /// Lines below this level are dropped.
    public let minimumLevel: Logger.Level

    /// Standard error, with priority prefixes when `environment` has `JOURNAL_STREAM`.
    public static func standardError(environment: [String: String], minimumLevel: Logger.Level = .info) -> LogSink {
        LogSink(descriptor: STDERR_FILENO, journal: !(environment["JOURNAL_STREAM"] ?? "").isEmpty, minimumLevel: minimumLevel)
    }

    /// Keeps the lines in memory (``lines``).
    public static func capture(minimumLevel: Logger.Level = .debug) -> LogSink {
        LogSink(descriptor: nil, journal: false, minimumLevel: minimumLevel)
    }

    init(descriptor: Int32?, journal: Bool, minimumLevel: Logger.Level) {
        self.descriptor = descriptor
        self.journal = journal
        self.minimumLevel = minimumLevel
    }

    /// The lines written so far (capturing sinks only).
    public var lines: [String] { captured.withLock { $0 } }

    func write(_ line: String, priority: Int) {
        guard let descriptor else {
            captured.withLock { $0.append(line) }
            return
        }
        // One write(2) a line, so that lines from several threads never interleave.
        var bytes = Array(((journal ? "<\(priority)>" : "") + line + "\n").utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
