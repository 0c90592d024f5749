import Foundation
import Synchronization

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
    /// Header fields every answer of a handler carries (security headers), encoded once: written after
    /// ``headers``, which must not repeat their names.
    public var fixedHeaders: HTTPHeaderBlock
    public var body: Body

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.fixedHeaders = HTTPHeaderBlock()
        self.body = body
    }

    /// A response with `bytes` as its body, of `contentType`.
    public init(status: HTTPStatus = .ok, contentType: String, bytes: [UInt8], headers: HTTPHeaders = HTTPHeaders()) {
        var headers = headers
        headers.set("Content-Type", contentType)
        self.init(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A response with `text` as its body, of `contentType`.
    public init(status: HTTPStatus = .ok, contentType: String, text: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.init(status: status, contentType: contentType, bytes: Array(text.utf8), headers: headers)
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
        var bytes: [UInt8] = []
        appendHead(to: &bytes, keepAlive: keepAlive)
        return bytes
    }

    /// The whole answer as it goes on the wire, in one buffer (the server's own short answers; a
    /// connection sends a handler's head and body with one `sendmsg`): the head, and a byte body unless the
    /// request was a `HEAD`.
    func wire(keepAlive: Bool, isHead: Bool) -> [UInt8] {
        guard case .bytes(let body) = self.body else { return head(keepAlive: keepAlive, isHead: isHead) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512 + fixedHeaders.bytes.count + (isHead ? 0 : body.count))
        appendHead(to: &bytes, keepAlive: keepAlive)
        if !isHead { bytes.append(contentsOf: body) }
        return bytes
    }

    /// Appends the status line and the header fields: the handler's (but those the server sets itself:
    /// `Date`, `Connection`, and `Content-Length` or an event stream's own), the fixed block, then the
    /// server's.
    private func appendHead(to bytes: inout [UInt8], keepAlive: Bool) {
        bytes.reserveCapacity(bytes.count + 512 + fixedHeaders.bytes.count)
        bytes.append(contentsOf: "HTTP/1.1 ".utf8)
        HTTPHeaderBlock.appendDecimal(status.code, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: status.reason.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        let isStream: Bool
        if case .eventStream = body { isStream = true } else { isStream = false }
        for (name, value) in headers {
            if Self.serverSets(name, isStream: isStream) { continue }
            HTTPHeaderBlock.append(name, value, to: &bytes)
        }
        bytes.append(contentsOf: fixedHeaders.bytes)
        bytes.append(contentsOf: "Date: ".utf8)
        HTTPDate.appendNow(to: &bytes)
        bytes.append(contentsOf: "\r\n".utf8)
        switch body {
        case .bytes(let body):
            if status.code >= 200 && status.code != 204 && status.code != 304 {
                bytes.append(contentsOf: "Content-Length: ".utf8)
                HTTPHeaderBlock.appendDecimal(body.count, to: &bytes)
                bytes.append(contentsOf: "\r\n".utf8)
            }
        case .eventStream:
            // Proxies (nginx) must pass events on as they come.
            bytes.append(contentsOf: "Content-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n".utf8)
        }
        bytes.append(contentsOf: (keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n").utf8)
    }

    /// Whether the server writes header `name` itself (a handler's field of that name is left out).
    private static func serverSets(_ name: String, isStream: Bool) -> Bool {
        // Checked by length first: most fields a handler sends match none of these.
        switch name.utf8.count {
        case 4: return HTTPHeaders.sameName(name, "Date")
        case 10: return HTTPHeaders.sameName(name, "Connection")
        case 14: return HTTPHeaders.sameName(name, "Content-Length")
        case 12: return isStream && HTTPHeaders.sameName(name, "Content-Type")
        case 13: return isStream && HTTPHeaders.sameName(name, "Cache-Control")
        case 17: return isStream && HTTPHeaders.sameName(name, "X-Accel-Buffering")
        default: return false
        }
    }
}

/// Header fields encoded once as they go on the wire (`Name: value\r\n` each), for the fields a handler
/// puts on every answer. A field with a line break (or a NUL) is dropped, never split.
public struct HTTPHeaderBlock: Sendable {
    /// The encoded fields.
    public let bytes: [UInt8]

    /// No fields.
    public init() { bytes = [] }

    public init(_ fields: [(name: String, value: String)]) {
        var bytes: [UInt8] = []
        for (name, value) in fields { Self.append(name, value, to: &bytes) }
        self.bytes = bytes
    }

    /// Appends `name: value` and its line end to `bytes`, unless either holds a line break (or a NUL):
    /// handlers never put one in a header; if one did, the header is dropped, not split.
    static func append(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        guard !breaksLine(name), !breaksLine(value) else { return }
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: ": ".utf8)
        bytes.append(contentsOf: value.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
    }

    /// Whether `text` holds a line break (or a NUL): bytes for ASCII text (every header chorus sends), the
    /// Unicode line breaks otherwise.
    static func breaksLine(_ text: String) -> Bool {
        var ascii = true
        for byte in text.utf8 {
            if byte == 0x0A || byte == 0x0D || byte == 0 { return true }
            if byte >= 0x80 { ascii = false }
        }
        return !ascii && text.contains(where: \.isNewline)
    }

    /// Appends the decimal digits of `value`.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: String(value).utf8)
    }
}

/// The date format of HTTP headers (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    public static func format(_ date: Date) -> String {
        String(decoding: bytes(time_t(date.timeIntervalSince1970.rounded(.down))), as: UTF8.self)
    }

    /// Appends the present second, formatted once a second (every answer carries it).
    static func appendNow(to bytes: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        if let known = latest.withLock({ $0.second == second ? $0.text : nil }) {
            bytes.append(contentsOf: known)
            return
        }
        let text = Self.bytes(second)
        latest.withLock { $0 = (second, text) }
        bytes.append(contentsOf: text)
    }

    private static let latest = Mutex<(second: time_t, text: [UInt8])>((-1, []))

    private static func bytes(_ second: time_t) -> [UInt8] {
        var time = second
        var parts = tm()
        gmtime_r(&time, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(29)
        func two(_ value: Int32) {
            out.append(UInt8(ascii: "0") + UInt8(value / 10))
            out.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        out.append(contentsOf: days[Int(parts.tm_wday)].utf8)
        out.append(contentsOf: ", ".utf8)
        two(parts.tm_mday)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: months[Int(parts.tm_mon)].utf8)
        out.append(UInt8(ascii: " "))
        HTTPHeaderBlock.appendDecimal(Int(parts.tm_year) + 1900, to: &out)
        out.append(UInt8(ascii: " "))
        two(parts.tm_hour)
        out.append(UInt8(ascii: ":"))
        two(parts.tm_min)
        out.append(UInt8(ascii: ":"))
        two(parts.tm_sec)
        out.append(contentsOf: " GMT".utf8)
        return out
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}

/// Answers requests. Called on the connection's own thread (never Swift's cooperative pool), so it may
/// block — on PostgreSQL, for instance.
public protocol HTTPHandler: Sendable {
    /// The response to `request`.
    func respond(to request: HTTPRequest) -> HTTPResponse
}
