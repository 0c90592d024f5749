/// Why a request was refused before it reached a handler: what the client sent breaks HTTP/1.1 or one of
/// the ``HTTPLimits``. Each case answers with its status code and closes the connection. The reason never
/// quotes what the client sent.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request line is malformed (no method, target or version; bad characters).
    case badRequestLine
    /// The request target is not an origin-form path (`/a/b?c`), or it holds a bad percent-escape,
    /// bytes that are not UTF-8 once decoded, a control character, or a `.` or `..` segment.
    case badTarget
    /// Not HTTP/1.0 or HTTP/1.1.
    case unsupportedVersion
    /// A header line is malformed: no colon, white space before the colon, a line folded onto the previous
    /// one (obs-fold), a control character in the value, a name that is not a token.
    case badHeader
    /// HTTP/1.1 without exactly one `Host` header.
    case badHost
    /// `Content-Length` is not a single decimal number, or it comes with `Transfer-Encoding`.
    case badContentLength
    /// A transfer coding other than `chunked`, or `chunked` not last.
    case unsupportedTransferEncoding
    /// A chunked body that breaks the chunked syntax (size line, CRLF after the data, trailers).
    case badChunk
    /// An `Expect` other than `100-continue`.
    case unsupportedExpectation
    /// The request line is longer than ``HTTPLimits/requestLineBytes``.
    case requestLineTooLong
    /// A header line, the header count or the whole head is over its limit.
    case headersTooLarge
    /// The body is over ``HTTPLimits/bodyBytes``.
    case bodyTooLarge
    /// The head or the body did not arrive in time.
    case timedOut
    /// The client closed the connection in the middle of a request.
    case truncated

    /// The status code the server answers with (none for a truncated request: nobody is listening).
    public var status: HTTPStatus? {
        switch self {
        case .badRequestLine, .badTarget, .badHeader, .badHost, .badContentLength, .badChunk: .badRequest
        case .unsupportedVersion: .versionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge: .headerFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .timedOut: .requestTimeout
        case .truncated: nil
        }
    }

    public var description: String {
        switch self {
        case .badRequestLine: "malformed request line"
        case .badTarget: "the request target is not a clean path"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are served"
        case .badHeader: "malformed header line"
        case .badHost: "HTTP/1.1 needs exactly one Host header"
        case .badContentLength: "bad Content-Length"
        case .unsupportedTransferEncoding: "only the chunked transfer coding is supported"
        case .badChunk: "malformed chunked body"
        case .unsupportedExpectation: "only Expect: 100-continue is supported"
        case .requestLineTooLong: "the request line is too long"
        case .headersTooLarge: "the request's headers are too large"
        case .bodyTooLarge: "the request's body is too large"
        case .timedOut: "the request did not arrive in time"
        case .truncated: "the connection closed in the middle of a request"
        }
    }
}
