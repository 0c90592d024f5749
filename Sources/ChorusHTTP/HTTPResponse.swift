import Foundation

/// What a handler answers: a status, headers and a body — bytes, or an event stream that stays open.
public struct HTTPResponse: Sendable {
    /// The body.
    public enum Body: Sendable {
        /// Bytes sent with a `Content-Length`.
        case bytes([UInt8])
        /// A `text/event-stream` (server-sent events) that `source` feeds until the client leaves or the
        /// server stops.
        case eventStream(any EventStreamSource)
    }

    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with `text` as its body, of `contentType`.
    public init(status: HTTPStatus = .ok, contentType: String, text: String, headers: HTTPHeaders = HTTPHeaders()) {
        var headers = headers
        headers.set("Content-Type", contentType)
        self.init(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    /// A plain-text response (errors, health checks).
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", text: text)
    }

    /// A `303 See Other` to `location` (after a form's POST: the browser GETs it).
    public static func redirect(to location: String) -> HTTPResponse {
        HTTPResponse(status: .seeOther, headers: ["Location": location], body: .bytes([]))
    }

    /// The status line and headers as they go on the wire; `Content-Length` for byte bodies, `Date` added.
    func head(keepAlive: Bool, isHead: Bool) -> [UInt8] {
        var bytes = Array("HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8)
        bytes.reserveCapacity(1024)
        var headers = self.headers
        headers.set("Date", HTTPDate.format(Date()))
        switch body {
        case .bytes(let body):
            if status.code >= 200 && status.code != 204 && status.code != 304 {
                headers.set("Content-Length", String(body.count))
            }
        case .eventStream:
            headers.set("Content-Type", "text/event-stream; charset=utf-8")
            headers.set("Cache-Control", "no-store")
            // Proxies (nginx) must pass events on as they come.
            headers.set("X-Accel-Buffering", "no")
        }
        headers.set("Connection", keepAlive ? "keep-alive" : "close")
        for (name, value) in headers {
            // Handlers never put a line break (or a NUL) in a header; if one did, the header is dropped, not split.
            guard !Self.breaksLine(name), !Self.breaksLine(value) else { continue }
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    /// Whether `text` holds a line break (or a NUL): bytes for ASCII text (every header chorus sends), the
    /// Unicode line breaks otherwise.
    private static func breaksLine(_ text: String) -> Bool {
        var ascii = true
        for byte in text.utf8 {
            if byte == 0x0A || byte == 0x0D || byte == 0 { return true }
            if byte >= 0x80 { ascii = false }
        }
        return !ascii && text.contains(where: \.isNewline)
    }
}

/// The date format of HTTP headers (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    public static func format(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// Answers requests. Called on the connection's own thread (never Swift's cooperative pool), so it may
/// block — on PostgreSQL, for instance.
public protocol HTTPHandler: Sendable {
    /// The response to `request`.
    func respond(to request: HTTPRequest) -> HTTPResponse
}
