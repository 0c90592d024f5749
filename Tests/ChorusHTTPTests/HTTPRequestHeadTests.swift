import Testing
@testable import ChorusHTTP

/// The head parser with well-formed requests and with garbage: every refusal has its status, and nothing
/// over a limit is accepted.
@Suite struct HTTPRequestHeadTests {
    let limits = HTTPLimits()

    func parse(_ text: String, limits: HTTPLimits? = nil) throws(HTTPError) -> HTTPRequestHead {
        let bytes = Array(text.utf8)
        guard let end = try HTTPRequestHead.end(in: bytes, from: 0, limits: limits ?? self.limits) else { throw .truncated }
        return try HTTPRequestHead(bytes[0..<end], limits: limits ?? self.limits)
    }

    func refusal(_ text: String, limits: HTTPLimits? = nil) -> HTTPError? {
        do {
            _ = try parse(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func aWellFormedRequest() throws {
        let head = try parse("GET /bundles/12?state=pending&participant=de%2Dforeign+office HTTP/1.1\r\nHost: x\r\nCookie: a=b\r\n\r\n")
        #expect(head.method == "GET")
        #expect(head.path == "/bundles/12")
        #expect(head.query.map(\.name) == ["state", "participant"])
        #expect(head.query.map(\.value) == ["pending", "de-foreign office"])
        #expect(head.headers["host"] == "x")
        #expect(head.framing == .length(0))
    }

    @Test func pathsArePercentDecodedToUTF8() throws {
        #expect(try parse("GET /caf%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n").path == "/café")
        #expect(try parse("GET /%D7%A9%D7%9C%D7%95%D7%9D HTTP/1.1\r\nHost: x\r\n\r\n").path == "/שלום")
    }

    @Test(arguments: [
        "GET /%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n",          // invalid UTF-8 sequence
        "GET /%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n",          // not UTF-8 at all
        "GET /%ED%A0%80 HTTP/1.1\r\nHost: x\r\n\r\n",       // a UTF-16 surrogate encoded as UTF-8
        "GET /%C0%AF HTTP/1.1\r\nHost: x\r\n\r\n",          // overlong '/'
        "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n",           // NUL
        "GET /a%0Ab HTTP/1.1\r\nHost: x\r\n\r\n",           // line feed
        "GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n",             // truncated escape
        "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",            // not hex
        "GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",   // dot segments
        "GET /a/%2E%2E/b HTTP/1.1\r\nHost: x\r\n\r\n",      // encoded dot segments
        "GET /a\\b HTTP/1.1\r\nHost: x\r\n\r\n",            // backslash
        "GET /a/. HTTP/1.1\r\nHost: x\r\n\r\n",             // a dot segment at the end
        "GET /./a HTTP/1.1\r\nHost: x\r\n\r\n",             // a dot segment first
        "GET /a/%2e HTTP/1.1\r\nHost: x\r\n\r\n",           // an encoded one
        "GET /a/%5Cb HTTP/1.1\r\nHost: x\r\n\r\n",          // an encoded backslash
        "GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", // absolute form
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",                // asterisk form
        "GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n",          // a fragment
        "GET /caf\u{E9} HTTP/1.1\r\nHost: x\r\n\r\n",       // raw non-ASCII byte in the target
        "GET /?q=%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n",       // invalid UTF-8 in the query
    ])
    func badTargets(_ request: String) {
        #expect(refusal(request) == .badTarget)
    }

    /// Dots that make no dot segment are names like any other.
    @Test func dotsInNamesAreKept() throws {
        for path in ["/.well-known/x", "/a/...", "/a./b", "/a/.b", "/a/b..", "/assets/console.css"] {
            #expect(try parse("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n").path == path)
        }
    }

    /// Header names match without regard to ASCII letter case — and only letters' case.
    @Test func headerNamesIgnoreLetterCase() {
        #expect(HTTPHeaders.sameName("Content-Length", "content-LENGTH"))
        #expect(HTTPHeaders.sameName("X-9", "x-9"))
        #expect(!HTTPHeaders.sameName("Content-Length", "Content-Lengtx"))
        #expect(!HTTPHeaders.sameName("Host", "Hos"))
        // `[` and `{` differ by the case bit but are no letters.
        #expect(!HTTPHeaders.sameName("a[", "a{"))
        #expect(!HTTPHeaders.sameName("a@", "a`"))
    }

    @Test(arguments: [
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",               // two spaces
        "GET /\r\nHost: x\r\n\r\n",                         // no version
        "G@T / HTTP/1.1\r\nHost: x\r\n\r\n",                // method not a token
        "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",          // four parts
        "GET / SPDY/3\r\nHost: x\r\n\r\n",                  // not HTTP
        "GET / HTTP/1.1\nHost: x\n\n",                      // bare line feeds
        "GET / HTTP/1.1\rHost: x\r\n\r\n",                  // bare carriage return
    ])
    func badRequestLines(_ request: String) {
        #expect(refusal(request) == .badRequestLine)
    }

    @Test func otherVersionsAre505() {
        #expect(refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == .unsupportedVersion)
        #expect(refusal("GET / HTTP/0.9\r\n\r\n") == .unsupportedVersion)
        #expect(refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n")?.status == .versionNotSupported)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: x\r\nNo-Colon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nName : value\r\n\r\n",             // white space before the colon
        "GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n folded\r\n\r\n",         // obs-fold
        "GET / HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nBad\u{01}Name: v\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nA: b\u{00}c\r\n\r\n",            // NUL in a value
        "GET / HTTP/1.1\r\nHost: x\r\nA: b\u{7F}c\r\n\r\n",            // DEL
        "GET / HTTP/1.1\r\nHost: x\r\nA: b\nB: c\r\n\r\n",              // bare LF inside the head
    ])
    func badHeaders(_ request: String) {
        #expect(refusal(request) == .badHeader)
    }

    @Test func hostIsRequiredOnceInHTTP11() throws {
        #expect(refusal("GET / HTTP/1.1\r\n\r\n") == .badHost)
        #expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .badHost)
        #expect(try parse("GET / HTTP/1.0\r\n\r\n").version == .http10)
    }

    @Test func framing() throws {
        #expect(try parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n").framing == .length(12))
        #expect(try parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").framing == .length(5))
        #expect(try parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").framing == .chunked)
        #expect(try parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n").framing == .chunked)
        // Smuggling: a length and a coding, two different lengths, a signed or hex length, chunked in HTTP/1.0.
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n") == .badContentLength)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(limits.bodyBytes + 1)\r\n\r\n") == .bodyTooLarge)
    }

    @Test func expectations() throws {
        #expect(try parse("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectsContinue)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n") == .unsupportedExpectation)
    }

    @Test func limits_requestLine() {
        let small = HTTPLimits(requestLineBytes: 64)
        let long = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(refusal(long, limits: small) == .requestLineTooLong)
        // Refused before the line ends: an endless line is never buffered.
        let endless = Array(("GET /" + String(repeating: "a", count: 100)).utf8)
        #expect(throws: HTTPError.requestLineTooLong) { try HTTPRequestHead.end(in: endless, from: 0, limits: small) }
        #expect(HTTPError.requestLineTooLong.status == .uriTooLong)
    }

    @Test func limits_headers() {
        let small = HTTPLimits(headerLineBytes: 64, headerCount: 4, headBytes: 256)
        #expect(refusal("GET / HTTP/1.1\r\nHost: x\r\nA: \(String(repeating: "v", count: 100))\r\n\r\n", limits: small) == .headersTooLarge)
        let many = (0..<5).map { "H\($0): v\r\n" }.joined()
        #expect(refusal("GET / HTTP/1.1\r\nHost: x\r\n\(many)\r\n", limits: small) == .headersTooLarge)
        let big = (0..<8).map { "H\($0): \(String(repeating: "v", count: 40))\r\n" }.joined()
        #expect(refusal("GET / HTTP/1.1\r\nHost: x\r\n\(big)\r\n", limits: HTTPLimits(headerLineBytes: 64, headBytes: 256)) == .headersTooLarge)
        let endless = Array(("GET / HTTP/1.1\r\nHost: x\r\nA: " + String(repeating: "v", count: 100)).utf8)
        #expect(throws: HTTPError.headersTooLarge) { try HTTPRequestHead.end(in: endless, from: 0, limits: small) }
        #expect(HTTPError.headersTooLarge.status == .headerFieldsTooLarge)
    }

    @Test func leadingEmptyLinesAreSkipped() throws {
        #expect(try parse("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").path == "/")
    }

    @Test func incompleteHeadsWaitForMoreBytes() throws {
        let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)
        #expect(try HTTPRequestHead.end(in: bytes, from: 0, limits: limits) == nil)
    }

    @Test func cookiesAndKeepAlive() {
        let request = HTTPRequest(method: "GET", path: "/", headers: ["Cookie": "a=1; b=\"2\"; a=3", "Connection": "close"])
        #expect(request.cookies == ["a": "1", "b": "2"])
        #expect(!request.keepAlive)
        #expect(HTTPRequest(method: "GET", path: "/", version: .http10).keepAlive == false)
        #expect(HTTPRequest(method: "GET", path: "/", version: .http10, headers: ["Connection": "Keep-Alive"]).keepAlive)
    }

    @Test func forms() throws {
        let form = try HTTPForm(encoded: Array("reason=not+now%21&text=line1%0D%0Aline2&empty=&flag".utf8))
        #expect(form["reason"] == "not now!")
        #expect(form["text"] == "line1\r\nline2")
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
        #expect(throws: HTTPForm.Error.notText) { try HTTPForm(encoded: Array("a=%FF".utf8)) }
        #expect(throws: HTTPForm.Error.notText) { try HTTPForm(encoded: Array("a=%00".utf8)) }
        #expect(throws: HTTPForm.Error.notText) { try HTTPForm(encoded: Array("a%0A=b".utf8)) }
        #expect(throws: HTTPForm.Error.badEscape) { try HTTPForm(encoded: Array("a=%4".utf8)) }
        #expect(HTTPForm.encode("a b/ש") == "a%20b%2F%D7%A9")
    }
}
