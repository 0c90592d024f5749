import Foundation

/// A request as the server hands it to a handler: validated and bounded by ``HTTPLimits``, its path
/// percent-decoded to clean UTF-8, its body complete (chunked bodies decoded).
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, … (a token, upper case as sent).
    public var method: String
    /// The decoded path (`/bundles/12`), always starting with `/`.
    public var path: String
    /// The decoded query parameters, in order (`?state=pending&state=needs_edit` gives two).
    public var query: [(name: String, value: String)]
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body, decoded.
    public var body: [UInt8]
    /// The client's address as the socket saw it (`127.0.0.1`, `::1`); behind a reverse proxy, the proxy's.
    public var remoteAddress: String

    public init(method: String, path: String, query: [(name: String, value: String)] = [], version: HTTPVersion = .http11,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteAddress: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// Every value of query parameter `name`.
    public func queryValues(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    /// The cookies of the `Cookie` header(s), by name (the first of a name wins).
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingOWS()
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                let name = String(trimmed[..<equals])
                var value = String(trimmed[trimmed.index(after: equals)...])
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                if cookies[name] == nil { cookies[name] = value }
            }
        }
        return cookies
    }

    /// Whether the connection stays open after the response (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    public var keepAlive: Bool {
        let tokens = headers.values("Connection").flatMap { $0.lowercased().split(separator: ",") }
            .map { $0.trimmingOWS() }
        switch version {
        case .http11: return !tokens.contains("close")
        case .http10: return tokens.contains("keep-alive")
        }
    }

    /// The body as `application/x-www-form-urlencoded` fields.
    /// - Throws: ``HTTPForm/Error`` when it is not well-formed or not UTF-8.
    public func form() throws -> HTTPForm {
        try HTTPForm(encoded: body)
    }
}

/// The protocol versions the server speaks.
public enum HTTPVersion: String, Sendable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"

    /// The version a request line names, read from its bytes.
    init?(bytes: ArraySlice<UInt8>) {
        if bytes.elementsEqual("HTTP/1.1".utf8) {
            self = .http11
        } else if bytes.elementsEqual("HTTP/1.0".utf8) {
            self = .http10
        } else {
            return nil
        }
    }
}
