import Testing
@testable import ChorusHTTP

/// Chunked bodies, whole and byte by byte, and broken ones.
@Suite struct ChunkedDecoderTests {
    func decode(_ text: String, limits: HTTPLimits = HTTPLimits(), byteByByte: Bool = false) throws(HTTPError) -> (String, Int)? {
        let bytes = Array(text.utf8)
        var decoder = ChunkedDecoder(limits: limits)
        if byteByByte {
            var buffer: [UInt8] = []
            var index = 0
            for byte in bytes {
                buffer.append(byte)
                index = try decoder.consume(buffer, from: index)
                if decoder.isDone { return (String(decoding: decoder.body, as: UTF8.self), index) }
            }
            return nil
        }
        let end = try decoder.consume(bytes, from: 0)
        return decoder.isDone ? (String(decoding: decoder.body, as: UTF8.self), end) : nil
    }

    func refusal(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPError? {
        do {
            _ = try decode(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [false, true])
    func wellFormed(byteByByte: Bool) throws {
        let body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: yes\r\n\r\nNEXT"
        let decoded = try #require(try decode(body, byteByByte: byteByByte))
        #expect(decoded.0 == "hello, world")
        #expect(decoded.1 == body.utf8.count - 4)
        #expect(try decode("A\r\n0123456789\r\n000\r\n\r\n")?.0 == "0123456789")
    }

    @Test func incompleteBodiesWait() throws {
        #expect(try decode("5\r\nhel") == nil)
        #expect(try decode("5\r\nhello\r\n0\r\n") == nil)
    }

    @Test(arguments: [
        "5\r\nhelloXX0\r\n\r\n",        // no CRLF after the data
        "5\r\nhello\n0\r\n\r\n",        // bare LF after the data
        "z\r\nhello\r\n0\r\n\r\n",      // not hex
        "\r\nhello\r\n0\r\n\r\n",       // empty size
        "-5\r\nhello\r\n0\r\n\r\n",     // signed
        "5\nhello\r\n0\r\n\r\n",        // bare LF after the size
        "5 x\r\nhello\r\n0\r\n\r\n",    // junk after the size
        "5;\u{01}\r\nhello\r\n0\r\n\r\n", // control character in an extension
        "0\r\nNo colon\r\n\r\n",        // malformed trailer
        "10000000000000000\r\n",        // more than 15 hex digits
    ])
    func broken(_ body: String) {
        #expect(refusal(body) == .badChunk)
    }

    @Test func limits() {
        let small = HTTPLimits(headerCount: 2, bodyBytes: 10, chunkLineBytes: 16)
        #expect(refusal("6\r\nhello!\r\n6\r\nhello!\r\n0\r\n\r\n", limits: small) == .bodyTooLarge)
        #expect(refusal("FFFFFFFF\r\n", limits: small) == .bodyTooLarge)
        #expect(refusal("1;" + String(repeating: "e", count: 40) + "\r\n", limits: small) == .badChunk)
        #expect(refusal("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: small) == .headersTooLarge)
    }
}
