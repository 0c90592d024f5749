import ChorusCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Delivers by HTTP POST to a webhook per audience: the message as the body (`Content-Type` as given),
/// `Idempotency-Key` the same for every attempt of a message.
///
/// A 2xx answer delivers the message; anything else is a failure, and so is a 3xx: redirects are never
/// followed (URLSession would turn the POST into a body-less GET to wherever the answer points). The URLs —
/// which may carry a user, a password or a token in their path or query — stay in memory, from the
/// configuration; what is stored and shown is ``PublisherAddress/redacted(_:)``.
public final class WebhookPublisher: Publisher, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; URLSession is thread-safe.
    public let name: String
    private let routes: [String: URL]
    private let timeout: Duration
    private let session: URLSession

    /// - Parameters:
    ///   - routes: audience (participant id) → webhook URL, http or https.
    ///   - timeout: how long one request may take.
    public init(name: String = "webhook", routes: [String: URL], timeout: Duration = .seconds(10)) {
        self.name = name
        self.routes = routes
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout.timeInterval
        configuration.timeoutIntervalForResource = timeout.timeInterval
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    public var audiences: [String] { routes.keys.sorted() }

    public func destination(for audience: String) -> String? {
        routes[audience].flatMap(PublisherAddress.redacted)
    }

    public func publish(_ message: PublicationMessage) -> PublicationOutcome {
        guard let url = routes[message.audience] else { return PublicationOutcome(statusCode: nil, failure: .noDestination) }
        let seconds = timeout.timeInterval
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: seconds)
        request.httpMethod = "POST"
        request.httpBody = message.body
        request.setValue(message.contentType, forHTTPHeaderField: "Content-Type")
        request.setValue(message.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        request.setValue("chorus", forHTTPHeaderField: "User-Agent")
        let answer = Answer()
        let task = session.dataTask(with: request) { _, response, error in
            answer.finish(status: (response as? HTTPURLResponse)?.statusCode, error: error as? URLError)
        }
        task.resume()
        guard answer.wait(seconds: seconds + 5) else {
            task.cancel()
            return PublicationOutcome(statusCode: nil, failure: .timedOut(seconds: Int(seconds.rounded())))
        }
        let (status, error) = answer.value
        if let error {
            return PublicationOutcome(statusCode: status, failure: Self.failure(error, seconds: seconds))
        }
        guard let status else { return PublicationOutcome(statusCode: nil, failure: .transport(0)) }
        switch status {
        case 200..<300: return PublicationOutcome(statusCode: status, failure: nil)
        case 300..<400: return PublicationOutcome(statusCode: status, failure: .redirect(status))
        default: return PublicationOutcome(statusCode: status, failure: .status(status))
        }
    }

    /// A URL error in words without the address (its description names the URL).
    static func failure(_ error: URLError, seconds: Double) -> PublicationFailure {
        switch error.code {
        case .timedOut: .timedOut(seconds: Int(seconds.rounded()))
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .networkConnectionLost, .notConnectedToInternet:
            .unreachable
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected, .clientCertificateRequired:
            .tls
        case .httpTooManyRedirects, .redirectToNonExistentLocation: .redirect(0)
        default: .transport(error.code.rawValue)
        }
    }

    /// The answer of one request, handed from URLSession's queue to the waiting thread.
    private final class Answer: @unchecked Sendable {
        // @unchecked: `status` and `error` are written once under `lock`, before `done` is signalled.
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)
        private var status: Int?
        private var error: URLError?

        func finish(status: Int?, error: URLError?) {
            lock.withLock {
                self.status = status
                self.error = error
            }
            done.signal()
        }

        func wait(seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }

        var value: (Int?, URLError?) { lock.withLock { (status, error) } }
    }
}

/// Answers every redirect with "do not follow": the task completes with the 3xx response itself.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // @unchecked: no state.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
