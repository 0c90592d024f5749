import Foundation

/// Step 9 of the pipeline: a way to hand released messages over — a webhook first (``WebhookPublisher``),
/// and whatever comes next (a platform's API, a chat channel for reviewers' notifications) behind the same
/// protocol, like Alertmanager's `notify/<integration>/`.
///
/// A publisher only makes attempts: ``Deliverer`` decides what is due, claims it in the store so that it
/// goes out exactly once, and records every attempt and its outcome.
public protocol Publisher: Sendable {
    /// Names the publisher in delivery claims and attempts (`webhook`); stable across restarts.
    var name: String { get }
    /// Whom it delivers to: participant ids for drafts, or other names (`reviewers`).
    var audiences: [String] { get }
    /// Where `audience`'s messages go, as it may be stored and shown to reviewers: never a secret part of
    /// the address (no user, password, path or query — those stay in the configuration).
    func destination(for audience: String) -> String?
    /// One attempt to hand `message` over. Returns within the publisher's own timeout and never throws:
    /// every failure is an outcome.
    func publish(_ message: PublicationMessage) -> PublicationOutcome
}

/// One message to hand over.
public struct PublicationMessage: Sendable, Hashable {
    /// Whom it is for (a participant id for a draft).
    public var audience: String
    /// The same for every attempt of this message, so that a receiver that saw an attempt whose answer got
    /// lost can ignore the retry.
    public var idempotencyKey: String
    /// The body: the outbox record of a draft (`chorus outbox --json`'s), or the message's own JSON.
    public var body: Data
    public var contentType: String

    public init(audience: String, idempotencyKey: String, body: Data, contentType: String = "application/json") {
        self.audience = audience
        self.idempotencyKey = idempotencyKey
        self.body = body
        self.contentType = contentType
    }
}

/// What one attempt came to.
public struct PublicationOutcome: Sendable, Hashable {
    /// The HTTP status, when there was an answer.
    public var statusCode: Int?
    /// Why it failed; `nil` when the message was taken.
    public var failure: PublicationFailure?

    public init(statusCode: Int?, failure: PublicationFailure?) {
        self.statusCode = statusCode
        self.failure = failure
    }

    /// Whether the message was taken.
    public var succeeded: Bool { failure == nil }
}

/// Why an attempt failed, in words that carry no address and no answer body.
public enum PublicationFailure: Sendable, Hashable, CustomStringConvertible {
    /// The receiver answered with a status other than 2xx and 3xx.
    case status(Int)
    /// The receiver answered with a redirect: never followed (a POST must not turn into a GET somewhere
    /// else), so a failure — the configured address is wrong.
    case redirect(Int)
    /// No answer within the timeout.
    case timedOut(seconds: Int)
    /// The host could not be reached (refused, unknown, no route).
    case unreachable
    /// The TLS handshake or the certificate failed.
    case tls
    /// Another transport error (the HTTP client's words, which never hold the address).
    case transport(String)
    /// Nothing is configured for the audience (any more).
    case noDestination
    /// The message is no longer there to send (its draft is not released).
    case gone

    public var description: String {
        switch self {
        case .status(let code): "HTTP \(code)"
        case .redirect(let code): "HTTP \(code): a redirect, which is never followed — configure the final address"
        case .timedOut(let seconds): "no answer within \(seconds) s"
        case .unreachable: "the host cannot be reached"
        case .tls: "the TLS connection failed"
        case .transport(let text): "transport error: \(text)"
        case .noDestination: "no destination is configured for it"
        case .gone: "the message is no longer there to send"
        }
    }
}

/// Addresses as they may be stored and shown: scheme, host and port only.
public enum PublisherAddress {
    /// `https://user:token@hooks.example:8443/services/T0/B0/secret?token=abc` → `https://hooks.example:8443`;
    /// `nil` when `url` has no scheme or host.
    public static func redacted(_ url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return nil }
        return "\(scheme)://\(host.lowercased())" + (url.port.map { ":\($0)" } ?? "")
    }

    /// The URL `text` names, when it is http or https with a host.
    public static func webURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return nil }
        return url
    }
}
