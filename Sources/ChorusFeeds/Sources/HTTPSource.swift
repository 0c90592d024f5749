import ChorusCore
import Foundation
import HTTPClient

/// Polls a URL and forwards only the items it has not seen before.
///
/// Each poll is a conditional GET (`If-None-Match` with the last ETag, `If-Modified-Since` with the last
/// `Last-Modified`); a 304 costs nothing. A poll is one ``HTTPClient`` request — libcurl on a thread of its
/// own, waiting in `poll()` — with a total deadline (``Configuration/timeout``) however slowly the server
/// trickles, and a body larger than the document limit is refused or cut off the moment it crosses it,
/// the bytes received dropped. A 200 is parsed, and only events whose id and sent time were not
/// seen before (an update sent later counts as new) and rejections not reported before are delivered. The
/// seen keys — bounded, oldest dropped first, the ones still in the feed kept — are part of the cursor, so
/// they survive restarts. Failures (a timeout, a connection refused, any status other than 200 and 304)
/// are retried with capped exponential backoff and jitter, honouring `Retry-After`; ``lastError`` says
/// what went wrong for `chorus status`. Nothing a document links to is ever fetched.
public actor HTTPSource: Source {
    /// How to poll.
    public struct Configuration: Sendable {
        /// The feed's address (http or https).
        public var url: URL
        /// Time between successful polls.
        public var interval: Duration
        /// How long one request may take, all of it: connecting, waiting and reading the body.
        public var timeout: Duration
        /// The first retry delay after a failure; doubled each time up to ``maximumBackoff``.
        public var initialBackoff: Duration
        /// The longest retry delay.
        public var maximumBackoff: Duration
        /// How many seen items the cursor remembers.
        public var maximumSeen: Int
        /// Seeds the jitter (tests); `nil` uses the system generator.
        public var jitterSeed: UInt64?

        public init(
            url: URL, interval: Duration = .seconds(60), timeout: Duration = .seconds(30),
            initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(300), maximumSeen: Int = 5000,
            jitterSeed: UInt64? = nil
        ) {
            self.url = url
            self.interval = interval
            self.timeout = timeout
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.maximumSeen = maximumSeen
            self.jitterSeed = jitterSeed
        }
    }

    struct State: Codable, Sendable, Hashable {
        var etag: String?
        var lastModified: String?
        /// FNV-1a hashes (hex) of the keys of items already delivered, oldest first.
        var seen: [String]
    }

    /// The feed's name from the configuration.
    public nonisolated let name: String
    let configuration: Configuration
    let parser: FeedParser
    let format: FeedFormat
    /// Cancels the poll in flight when the source is closed.
    private var inFlight: HTTPCancellation?
    private var state: State
    private var failures = 0
    private var nextPoll: ContinuousClock.Instant?
    private var jitter: any RandomNumberGenerator & Sendable

    private var lastSuccess: Date?
    private var failingSince: Date?
    private var retryAt: Date?
    private var failuresSinceStart = 0
    private var lastFailure: String?
    /// The last failure, `nil` once a poll succeeds.
    public private(set) var lastError: String?
    /// How many polls failed in a row.
    public var consecutiveFailures: Int { failures }

    public init(
        name: String, configuration: Configuration, parser: FeedParser, format: FeedFormat = .auto,
        cursor: SourceCursor? = nil
    ) throws {
        guard let scheme = configuration.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw SourceError.configuration(source: name, detail: "'\(configuration.url)' is not an http or https URL")
        }
        guard configuration.interval > .zero, configuration.timeout > .zero else {
            throw SourceError.configuration(source: name, detail: "interval and timeout must be positive")
        }
        self.name = name
        self.configuration = configuration
        self.parser = parser
        self.format = format
        self.state = try cursor?.decode(State.self, source: name) ?? State(seen: [])
        if let seed = configuration.jitterSeed {
            jitter = SeededGenerator(seed: seed)
        } else {
            jitter = SystemRandomNumberGenerator()
        }
    }

    /// Polls until a response holds something new; failures are retried, never thrown.
    public func next() async throws -> SourceDelivery? {
        while !Task.isCancelled {
            if let nextPoll {
                do {
                    try await Task.sleep(until: nextPoll, clock: .continuous)
                } catch {
                    return nil
                }
            }
            let outcome = await poll()
            switch outcome {
            case .notModified:
                succeeded()
            case .document(let body, let etag, let lastModified):
                succeeded()
                if let delivery = try deliver(body, etag: etag, lastModified: lastModified) { return delivery }
            case .failed(let reason, let retryAfter):
                failed(reason, retryAfter: retryAfter)
            }
        }
        return nil
    }

    /// The last failure and the last successful poll; an HTTP feed has no backlog to measure.
    public func status() async -> SourceStatus {
        SourceStatus(lastError: lastError, lastSuccess: lastSuccess, failingSince: failingSince, retryAt: retryAt,
                     failures: failuresSinceStart, lastFailure: lastFailure)
    }

    /// Nothing to do: the seen items travel in the cursor.
    public func acknowledge(_ delivery: SourceDelivery) async throws {}

    /// Cancels a poll in flight.
    public func close() {
        inFlight?.cancel()
    }

    // MARK: Polling

    enum Outcome: Sendable {
        case notModified
        case document(Data, etag: String?, lastModified: String?)
        case failed(String, retryAfter: Duration?)
    }

    private func poll() async -> Outcome {
        var headers: [String: String] = [:]
        if let etag = state.etag { headers["If-None-Match"] = etag }
        if let lastModified = state.lastModified { headers["If-Modified-Since"] = lastModified }
        let request = HTTPClientRequest(
            url: configuration.url, headers: headers, timeout: configuration.timeout,
            maximumBodyBytes: parser.options.maximumDocumentBytes, followsRedirects: true)
        let cancellation = HTTPCancellation()
        inFlight = cancellation
        defer { inFlight = nil }
        let result: Result<HTTPClientResponse, HTTPClientError>
        do throws(HTTPClientError) {
            result = .success(try await HTTPClient.perform(request, cancellation: cancellation))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .failure(let error):
            return .failed(error.description, retryAfter: nil)
        case .success(let response):
            switch response.status {
            case 304:
                return .notModified
            case 200:
                return .document(response.body, etag: response.header("ETag"), lastModified: response.header("Last-Modified"))
            default:
                let retryAfter = response.header("Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
                return .failed("HTTP \(response.status)", retryAfter: retryAfter)
            }
        }
    }

    private func succeeded() {
        failures = 0
        lastError = nil
        failingSince = nil
        retryAt = nil
        lastSuccess = Date()
        nextPoll = ContinuousClock.now + configuration.interval
    }

    private func failed(_ reason: String, retryAfter: Duration?) {
        failures += 1
        failuresSinceStart += 1
        lastFailure = reason
        lastError = reason
        failingSince = failingSince ?? Date()
        let delay = backoff(afterFailures: failures, retryAfter: retryAfter)
        retryAt = Date().addingTimeInterval(Self.seconds(delay))
        nextPoll = ContinuousClock.now + delay
    }

    private func backoff(afterFailures count: Int, retryAfter: Duration?) -> Duration {
        Self.backoff(afterFailures: count, retryAfter: retryAfter, initial: configuration.initialBackoff,
                     maximum: configuration.maximumBackoff, using: &jitter)
    }

    /// Capped exponential backoff with "equal jitter": half the delay fixed, half random, so that many
    /// instances do not retry in step; a server's `Retry-After` is a floor, still capped.
    static func backoff(
        afterFailures count: Int, retryAfter: Duration?, initial: Duration, maximum: Duration,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let cap = seconds(maximum)
        let exponential = min(cap, seconds(initial) * pow(2, Double(min(max(count, 1) - 1, 30))))
        var delay = exponential / 2 + Double.random(in: 0...(exponential / 2), using: &generator)
        if let retryAfter { delay = min(cap, max(delay, seconds(retryAfter))) }
        return .milliseconds(Int64(delay * 1000))
    }

    // MARK: New items only

    private func deliver(_ body: Data, etag: String?, lastModified: String?) throws -> SourceDelivery? {
        var result = parser.parse(body, format: format)
        let seen = Set(state.seen)
        var present: [String] = []
        result.events = result.events.filter { event in
            let key = Self.key("event|\(event.id)|\(event.sentAt.map(RFC3339.format) ?? "-")")
            present.append(key)
            return !seen.contains(key)
        }
        result.rejections = result.rejections.filter { rejection in
            let key = Self.key("rejection|\(rejection.item ?? "-")|\(rejection.reason)")
            present.append(key)
            return !seen.contains(key)
        }
        let presentSet = Set(present)
        var unique: [String] = []
        var added: Set<String> = []
        for key in present where added.insert(key).inserted { unique.append(key) }
        var remembered = state.seen.filter { !presentSet.contains($0) } + unique
        if remembered.count > configuration.maximumSeen { remembered.removeFirst(remembered.count - configuration.maximumSeen) }
        state = State(etag: etag, lastModified: lastModified, seen: remembered)
        guard !result.events.isEmpty || !result.rejections.isEmpty else { return nil }
        return SourceDelivery(
            origin: configuration.url.absoluteString, document: body, result: result, cursor: try SourceCursor(encoding: state))
    }

    /// 64-bit FNV-1a as 16 hex digits: short, stable keys for the cursor.
    static func key(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
