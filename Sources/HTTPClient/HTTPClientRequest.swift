import Foundation

/// What to ask for, and the bounds of the answer.
public struct HTTPClientRequest: Sendable {
    /// The methods Chorus uses.
    public enum Method: String, Sendable {
        /// A feed's poll.
        case get = "GET"
        /// A webhook's delivery.
        case post = "POST"
    }

    /// An http or https URL (anything else is refused by libcurl before it connects).
    public var url: URL
    public var method: Method
    /// Header name → value, sent as given.
    public var headers: [String: String]
    /// The body of a POST.
    public var body: Data
    /// The total deadline: connecting, sending, waiting and reading.
    public var timeout: Duration
    /// The largest body accepted, counted as decoded.
    public var maximumBodyBytes: Int
    /// Whether redirects (to http and https only, at most 5) are followed.
    public var followsRedirects: Bool

    public init(
        url: URL, method: Method = .get, headers: [String: String] = [:], body: Data = Data(), timeout: Duration,
        maximumBodyBytes: Int, followsRedirects: Bool
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
        self.followsRedirects = followsRedirects
    }
}

/// The (last, after redirects) response.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Lower-cased header name → value; a repeated header keeps its last value.
    public var headers: [String: String]
    /// The body, decoded (gzip) and at most the request's limit.
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the header `name`, whatever its case.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Why a request got no answer. Descriptions never hold the URL (which may carry a password or token).
public enum HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The total deadline passed before the answer was complete.
    case timedOut(Duration)
    /// The answer came slower than a byte a second for 30 seconds.
    case tooSlow
    /// The body (announced or received) is larger than the limit; what was received is dropped.
    case tooLarge(limit: Int)
    /// The request was cancelled (shutdown or reload).
    case cancelled
    /// The host could not be resolved or connected to: libcurl's fixed text.
    case unreachable(String)
    /// The TLS handshake or the certificate failed: libcurl's fixed text.
    case tls(String)
    /// A redirect that is not followed: too many, or to another protocol.
    case redirect(String)
    /// The answer is not usable HTTP.
    case invalidResponse(String)
    /// The request cannot be sent as given.
    case invalidRequest(String)
    /// Any other transport failure: libcurl's fixed text.
    case transport(String)

    public var description: String {
        switch self {
        case .timedOut(let limit): "no complete answer within \(Self.shown(limit))"
        case .tooSlow: "the answer came slower than a byte a second for 30 s"
        case .tooLarge(let limit): "the response is larger than the limit of \(limit) bytes"
        case .cancelled: "cancelled"
        case .unreachable(let text): "cannot connect: \(text)"
        case .tls(let text): "TLS failed: \(text)"
        case .redirect(let text): text
        case .invalidResponse(let text): text
        case .invalidRequest(let text): text
        case .transport(let text): text
        }
    }

    /// `2 s`, `1.5 s`.
    static func shown(_ duration: Duration) -> String {
        let value = HTTPClient.seconds(duration)
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
