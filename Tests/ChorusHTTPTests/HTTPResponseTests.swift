import Foundation
import Testing
@testable import ChorusHTTP

/// What an answer looks like on the wire: the status line, the handler's fields, the fixed block, and the
/// fields the server sets itself — each once.
@Suite struct HTTPResponseTests {
    /// The head's lines (without the blank line) and the body of an answer as sent.
    func wire(_ response: HTTPResponse, keepAlive: Bool = true, isHead: Bool = false) -> (lines: [String], body: String) {
        let text = String(decoding: response.wire(keepAlive: keepAlive, isHead: isHead), as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (parts[0].components(separatedBy: "\r\n"), parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test func aByteAnswer() throws {
        var response = HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", bytes: Array("<p>hé</p>".utf8),
                                    headers: ["Set-Cookie": "a=b"])
        response.fixedHeaders = HTTPHeaderBlock([("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff")])
        let (lines, body) = wire(response)
        #expect(lines[0] == "HTTP/1.1 200 OK")
        #expect(Array(lines[1...4]) == ["Set-Cookie: a=b", "Content-Type: text/html; charset=utf-8", "X-Frame-Options: DENY",
                                        "X-Content-Type-Options: nosniff"])
        #expect(lines.contains("Content-Length: \("<p>hé</p>".utf8.count)"))
        #expect(lines.last == "Connection: keep-alive")
        let date = try #require(lines.first { $0.hasPrefix("Date: ") })
        #expect(date.hasSuffix(" GMT") && date.count == "Date: Sun, 06 Nov 1994 08:49:37 GMT".count)
        #expect(body == "<p>hé</p>")
    }

    /// The fields the server sets are its own: a handler's `Date`, `Content-Length` or `Connection` is left out,
    /// whatever its case, and a field with a line break is dropped, never split.
    @Test func theServersFieldsAreItsOwn() {
        let response = HTTPResponse(status: .notFound, headers: [
            "content-length": "999", "DATE": "yesterday", "Connection": "upgrade", "X-Ok": "1",
            "X-Split": "a\r\nInjected: yes", "X-Unicode": "a\u{2028}b",
        ], body: .bytes(Array("gone\n".utf8)))
        let (lines, body) = wire(response, keepAlive: false)
        #expect(lines[0] == "HTTP/1.1 404 Not Found")
        #expect(lines.filter { $0.lowercased().hasPrefix("content-length:") } == ["Content-Length: 5"])
        #expect(lines.filter { $0.lowercased().hasPrefix("date:") }.count == 1)
        #expect(!lines.contains("DATE: yesterday"))
        #expect(lines.filter { $0.lowercased().hasPrefix("connection:") } == ["Connection: close"])
        #expect(lines.contains("X-Ok: 1"))
        #expect(!lines.contains { $0.hasPrefix("X-Split") || $0.hasPrefix("Injected") || $0.hasPrefix("X-Unicode") })
        #expect(body == "gone\n")
        #expect(HTTPHeaderBlock([("A", "1"), ("B", "x\ny"), ("C\r", "2")]).bytes == Array("A: 1\r\n".utf8))
    }

    /// A `HEAD` gets the head alone, with the length the body would have; a 204 and a 304 no length.
    @Test func headAndBodilessStatuses() {
        let response = HTTPResponse(status: .ok, contentType: "text/plain", text: "twelve bytes")
        let (lines, body) = wire(response, isHead: true)
        #expect(lines.contains("Content-Length: 12"))
        #expect(body.isEmpty)
        for status in [HTTPStatus.noContent, .notModified] {
            #expect(!wire(HTTPResponse(status: status)).lines.contains { $0.hasPrefix("Content-Length") })
        }
    }

    /// The date is the present second, in IMF-fixdate.
    @Test func dates() {
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 1_767_225_599.9)) == "Wed, 31 Dec 2025 23:59:59 GMT")
        var now: [UInt8] = []
        HTTPDate.appendNow(to: &now)
        let expected = [Date(), Date().addingTimeInterval(-1)].map { HTTPDate.format($0) }
        #expect(expected.contains(String(decoding: now, as: UTF8.self)))
    }
}
