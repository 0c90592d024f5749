import ChorusCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Polls a URL and forwards only the items it has not seen before.
///
/// Each poll is a conditional GET (`If-None-Match` with the last ETag, `If-Modified-Since` with the last
/// `Last-Modified`); a 304 costs nothing. A poll has a total deadline (``Configuration/timeout``), enforced
/// by a timer of its own — URLSession's timeouts only see a connection that is silent, so a server that
/// sends a byte a second held a poll forever — and a body larger than the document limit is cancelled
/// the moment it crosses it, the bytes received dropped. One URLSession serves all of a source's polls
/// (a session per poll left megabytes behind each time). A 200 is parsed, and only events whose id and sent time were not
/// seen before (an update sent later counts as new) and rejections not reported before are delivered. The
/// seen keys — bounded, oldest dropped first, the ones still in the feed kept — are part of the cursor, so
/// they survive restarts. Failures (a timeout, a connection refused, any status other than 200 and 304)
/// are retried with capped exponential backoff and jitter, honouring `Retry-After`; ``lastError`` says
/// what went wrong for `chorus status`. Nothing a document links to is ever fetched.
///
/// A toolchain limitation the deadline only bounds: while a response is still arriving, FoundationNetworking
/// (swift-corelibs-foundation's `_MultiHandle.register`) keeps the write-readiness source it created for
/// sending the request — it only ever adds sources until curl unregisters the socket — so an always-writable
/// socket wakes it without pause: a poll on a trickling server uses a whole core until its deadline
/// (measured: 7.9 s of CPU in 8 s), and the backoff (doubling to ``Configuration/maximumBackoff``) keeps
/// a feed that always trickles to a fraction of the time.
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
    private let session: URLSession
    private let router: FetchRouter
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
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        let seconds = Self.requestTimeout(configuration.timeout)
        sessionConfiguration.timeoutIntervalForRequest = seconds
        sessionConfiguration.timeoutIntervalForResource = seconds
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.urlCache = nil
        sessionConfiguration.httpCookieStorage = nil
        let router = FetchRouter()
        self.router = router
        self.session = URLSession(configuration: sessionConfiguration, delegate: router, delegateQueue: nil)
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

    /// Cancels a poll in flight and lets the session go.
    public func close() {
        session.invalidateAndCancel()
    }

    // MARK: Polling

    enum Outcome: Sendable {
        case notModified
        case document(Data, etag: String?, lastModified: String?)
        case failed(String, retryAfter: Duration?)
    }

    private func poll() async -> Outcome {
        var request = URLRequest(url: configuration.url, cachePolicy: .reloadIgnoringLocalCacheData,
                                 timeoutInterval: Self.requestTimeout(configuration.timeout))
        request.setValue("chorus", forHTTPHeaderField: "User-Agent")
        if let etag = state.etag { request.setValue(etag, forHTTPHeaderField: "If-None-Match") }
        if let lastModified = state.lastModified { request.setValue(lastModified, forHTTPHeaderField: "If-Modified-Since") }
        let limit = parser.options.maximumDocumentBytes
        let fetch = Fetch(limit: limit)
        let session = self.session
        let router = self.router
        let deadline = Self.seconds(configuration.timeout)
        let result: Result<(Data, URLResponse), any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                fetch.start(continuation)
                let task = session.dataTask(with: request)
                router.register(fetch, for: task)
                fetch.begin(task, deadline: deadline)
            }
        } onCancel: {
            fetch.cancel()
        }
        router.unregister(fetch)
        if fetch.exceededLimit {
            return .failed("the response is larger than the limit of \(limit) bytes", retryAfter: nil)
        }
        if fetch.deadlinePassed {
            return .failed("no complete answer within \(Self.shown(configuration.timeout))", retryAfter: nil)
        }
        switch result {
        case .failure(let error as URLError) where error.code == .timedOut:
            return .failed("timed out after \(Self.shown(configuration.timeout))", retryAfter: nil)
        case .failure(let error):
            return .failed(error.localizedDescription, retryAfter: nil)
        case .success(let (data, response)):
            guard let http = response as? HTTPURLResponse else { return .failed("not an HTTP response", retryAfter: nil) }
            switch http.statusCode {
            case 304:
                return .notModified
            case 200:
                return .document(data, etag: http.value(forHTTPHeaderField: "ETag"),
                                 lastModified: http.value(forHTTPHeaderField: "Last-Modified"))
            default:
                let retryAfter = http.value(forHTTPHeaderField: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
                return .failed("HTTP \(http.statusCode)", retryAfter: retryAfter)
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

    /// URLSession on Linux hands libcurl whole seconds, and a fraction below one means "fail at once":
    /// round up, at least one second.
    static func requestTimeout(_ duration: Duration) -> TimeInterval {
        max(1, seconds(duration).rounded(.up))
    }

    /// `2 s`, `1.5 s`.
    static func shown(_ duration: Duration) -> String {
        let value = seconds(duration)
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The session's one delegate: hands each task's events to the ``Fetch`` that started it.
private final class FetchRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: `fetches` is only touched under `lock`.
    private let lock = NSLock()
    private var fetches: [Int: Fetch] = [:]

    func register(_ fetch: Fetch, for task: URLSessionDataTask) {
        lock.withLock { fetches[task.taskIdentifier] = fetch }
    }

    func unregister(_ fetch: Fetch) {
        lock.withLock { fetches = fetches.filter { $0.value !== fetch } }
    }

    private func fetch(_ task: URLSessionTask) -> Fetch? {
        lock.withLock { fetches[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        completionHandler(fetch(dataTask)?.received(response) ?? false ? .allow : .cancel)
    }

    /// Redirects are followed only to http and https: a feed must not send Chorus to a file or FTP URL.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        let scheme = request.url?.scheme?.lowercased()
        completionHandler(scheme == "http" || scheme == "https" ? request : nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if fetch(dataTask)?.received(data) == false { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        fetch(task)?.completed(error: error, response: task.response)
    }
}

/// One poll's response: collected up to the size limit, cancelled the moment it crosses it or its
/// deadline passes.
private final class Fetch: @unchecked Sendable {
    // @unchecked: every mutable property is only touched under `lock`.
    private let lock = NSLock()
    private let limit: Int
    private var continuation: CheckedContinuation<Result<(Data, URLResponse), any Error>, Never>?
    private var task: URLSessionDataTask?
    private var body = Data()
    private var response: URLResponse?
    private var tooLarge = false
    private var late = false
    private var cancelled = false

    init(limit: Int) { self.limit = limit }

    var exceededLimit: Bool { lock.withLock { tooLarge } }
    var deadlinePassed: Bool { lock.withLock { late } }

    func start(_ continuation: CheckedContinuation<Result<(Data, URLResponse), any Error>, Never>) {
        lock.withLock { self.continuation = continuation }
    }

    /// Starts `task`, and a timer that cancels it `deadline` seconds from now whatever it is doing.
    func begin(_ task: URLSessionDataTask, deadline: Double) {
        let cancelNow = lock.withLock {
            self.task = task
            return cancelled
        }
        task.resume()
        if cancelNow { task.cancel() }
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline) { [weak self] in self?.expire() }
    }

    private func expire() {
        let task: URLSessionDataTask? = lock.withLock {
            guard continuation != nil else { return nil }
            late = true
            return self.task
        }
        task?.cancel()
    }

    /// The polling task was cancelled.
    func cancel() {
        let task: URLSessionDataTask? = lock.withLock {
            cancelled = true
            return self.task
        }
        task?.cancel()
    }

    /// Whether to go on with this response (its announced length fits).
    func received(_ response: URLResponse) -> Bool {
        lock.withLock {
            self.response = response
            if response.expectedContentLength > Int64(limit) { tooLarge = true }
            return !tooLarge
        }
    }

    /// Keeps `data`; false (cancel) once the body is larger than the limit, whose bytes are dropped.
    func received(_ data: Data) -> Bool {
        lock.withLock {
            guard !tooLarge else { return false }
            if body.count + data.count > limit {
                tooLarge = true
                body = Data()
                return false
            }
            body.append(data)
            return true
        }
    }

    func completed(error: (any Error)?, response fallback: URLResponse?) {
        let (continuation, outcome): (CheckedContinuation<Result<(Data, URLResponse), any Error>, Never>?, Result<(Data, URLResponse), any Error>) = lock.withLock {
            defer {
                self.continuation = nil
                body = Data()
            }
            if let error { return (self.continuation, .failure(error)) }
            guard let response = response ?? fallback else { return (self.continuation, .failure(URLError(.badServerResponse))) }
            return (self.continuation, .success((body, response)))
        }
        continuation?.resume(returning: outcome)
    }
}
