import ChorusCore
import Foundation

/// Something that delivers feed documents: a followed file, a spool directory, a polled URL.
///
/// A source is pulled, not pushed: ``next()`` returns the next document (parsed) together with the cursor
/// *after* it, so the consumer can write the events and the cursor in one transaction. After that
/// transaction has committed, the consumer calls ``acknowledge(_:)``; only then may the source do anything
/// irreversible (the spool source moves the file). A restart passes the last stored cursor to the source's
/// initializer and the source goes on right after the last committed document: nothing is read twice,
/// nothing is skipped.
///
/// ```swift
/// let source = try FileSource(name: "desk", path: "/var/spool/chorus/events.jsonl", parser: parser,
///                             cursor: storedCursor)
/// while let delivery = try await source.next() {
///     try store.write(delivery.result, rejectedDocument: delivery.document, cursor: delivery.cursor)  // one transaction
///     try await source.acknowledge(delivery)
/// }
/// ```
///
/// Sources are actors. Their blocking work (file reads, directory listings, renames) runs on a serial
/// `DispatchQueue` of their own (``BlockingQueue``), never on Swift's cooperative thread pool, and waiting
/// for more input is inotify (through a `DispatchSource`) or a timer — never a busy loop and never a
/// blocked pool thread. Pulling keeps memory bounded: nothing is read ahead of what the consumer asked for.
public protocol Source: Actor {
    /// The feed's name from the configuration; the key of its cursor.
    var name: String { get }
    /// Waits for and returns the next document; `nil` only when the task was cancelled.
    func next() async throws -> SourceDelivery?
    /// Tells the source that the delivery (and its cursor) has been committed.
    func acknowledge(_ delivery: SourceDelivery) async throws
    /// What `chorus status` shows: how far behind the source is and what last went wrong.
    func status() async -> SourceStatus
    /// Releases what the source holds (an inotify watch, an open file, a claimed inbox row); the source is
    /// not used again.
    func close() async
}

/// How a source is doing.
public struct SourceStatus: Sendable, Hashable {
    /// What is waiting to be read, in the source's unit (bytes of a file, files in a spool), when known.
    public var backlog: Int?
    /// The unit of ``backlog``: `bytes` or `files`.
    public var backlogUnit: String?
    /// The last failure, `nil` once the source works again.
    public var lastError: String?
    /// When the source last read successfully.
    public var lastSuccess: Date?
    /// Since when the source has failed without a success in between (the first failure of the run).
    public var failingSince: Date?
    /// When a failing source tries again (its backoff), when it retries by itself.
    public var retryAt: Date?
    /// How many times the source has failed since it was made, and what the last failure was (kept after
    /// it recovered): so that a failure that came and went between two looks is still seen.
    public var failures: Int
    public var lastFailure: String?

    public init(backlog: Int? = nil, backlogUnit: String? = nil, lastError: String? = nil, lastSuccess: Date? = nil,
                failingSince: Date? = nil, retryAt: Date? = nil, failures: Int = 0, lastFailure: String? = nil) {
        self.backlog = backlog
        self.backlogUnit = backlogUnit
        self.lastError = lastError
        self.lastSuccess = lastSuccess
        self.failingSince = failingSince
        self.retryAt = retryAt
        self.failures = failures
        self.lastFailure = lastFailure
    }
}

/// One document from a source, parsed, with the source's position after it.
public struct SourceDelivery: Sendable {
    /// Where the document came from: `events.jsonl:1200-1450` (byte range), a spool file name, a URL.
    public var origin: String
    /// The document's bytes, for the rejected-input table (the store caps what it keeps).
    public var document: Data
    /// Accepted events and rejections.
    public var result: ParseResult
    /// The source's position after this document: store it in the same transaction as the events.
    public var cursor: SourceCursor

    public init(origin: String, document: Data, result: ParseResult, cursor: SourceCursor) {
        self.origin = origin
        self.document = document
        self.result = result
        self.cursor = cursor
    }
}

/// A source's position, as JSON text the store keeps in a `text`/`jsonb` column; its shape belongs to
/// the source (an offset and inode, the files in flight, an ETag and the ids already seen).
public struct SourceCursor: Sendable, Hashable, CustomStringConvertible {
    /// The JSON text.
    public var json: String

    public init(json: String) { self.json = json }

    init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        json = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func decode<T: Decodable>(_ type: T.Type, source: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw SourceError.badCursor(source: source, detail: "\(error)")
        }
    }

    public var description: String { json }
}

/// Why a source cannot go on.
public enum SourceError: Error, Sendable, CustomStringConvertible {
    /// The stored cursor is not one this source wrote.
    case badCursor(source: String, detail: String)
    /// A directory or file the source needs cannot be used.
    case io(source: String, path: String, detail: String)
    /// The configuration is unusable (a URL that is not http(s), a non-positive interval).
    case configuration(source: String, detail: String)

    public var description: String {
        switch self {
        case .badCursor(let source, let detail): return "source \(source): the stored cursor is unreadable: \(detail)"
        case .io(let source, let path, let detail): return "source \(source): \(path): \(detail)"
        case .configuration(let source, let detail): return "source \(source): \(detail)"
        }
    }
}

/// A serial queue for a source's blocking system calls, awaited without holding a pool thread.
struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
