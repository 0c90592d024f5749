import ChorusCore
import Foundation
import HTTPClient

/// Delivers by HTTP POST to a webhook per audience: the message as the body (`Content-Type` as given),
/// `Idempotency-Key` the same for every attempt of a message, through ``HTTPClient`` (the feeds' client).
///
/// A 2xx answer delivers the message; anything else is a failure, and so is a 3xx: redirects are never
/// followed (a POST must not turn into a body-less GET to wherever the answer points). The URLs —
/// which may carry a user, a password or a token in their path or query — stay in memory, from the
/// configuration; what is stored and shown is ``PublisherAddress/redacted(_:)``, and the client's errors
/// never name them.
public final class WebhookPublisher: Publisher, Sendable {
    public let name: String
    private let routes: [String: URL]
    private let timeout: Duration

    /// The most of an answer's body read (it is not used; a webhook that answers more is cut off there).
    static let maximumAnswerBytes = 1 << 20

    /// - Parameters:
    ///   - routes: audience (participant id) → webhook URL, http or https.
    ///   - timeout: how long one request may take, all of it.
    public init(name: String = "webhook", routes: [String: URL], timeout: Duration = .seconds(10)) {
        self.name = name
        self.routes = routes
        self.timeout = timeout
    }

    public var audiences: [String] { routes.keys.sorted() }

    public func destination(for audience: String) -> String? {
        routes[audience].flatMap(PublisherAddress.redacted)
    }

    /// Blocks the calling thread for the request (the deliverer's own, never the cooperative pool).
    public func publish(_ message: PublicationMessage) -> PublicationOutcome {
        guard let url = routes[message.audience] else { return PublicationOutcome(statusCode: nil, failure: .noDestination) }
        let request = HTTPClientRequest(
            url: url, method: .post,
            headers: ["Content-Type": message.contentType, "Idempotency-Key": message.idempotencyKey],
            body: message.body, timeout: timeout, maximumBodyBytes: Self.maximumAnswerBytes, followsRedirects: false)
        switch HTTPClient.performBlocking(request) {
        case .failure(let error):
            return PublicationOutcome(statusCode: nil, failure: Self.failure(error, seconds: timeout.timeInterval))
        case .success(let response):
            switch response.status {
            case 200..<300: return PublicationOutcome(statusCode: response.status, failure: nil)
            case 300..<400: return PublicationOutcome(statusCode: response.status, failure: .redirect(response.status))
            default: return PublicationOutcome(statusCode: response.status, failure: .status(response.status))
            }
        }
    }

    /// The client's error as a publication failure (neither names the address).
    static func failure(_ error: HTTPClientError, seconds: Double) -> PublicationFailure {
        switch error {
        case .timedOut, .tooSlow: .timedOut(seconds: Int(seconds.rounded()))
        case .unreachable: .unreachable
        case .tls: .tls
        case .redirect: .redirect(0)
        case .tooLarge, .cancelled, .invalidResponse, .invalidRequest, .transport: .transport(error.description)
        }
    }
}
