/// The head of a request — request line and header fields — read from bytes and checked against HTTP/1.1
/// (RFC 9112) and the ``HTTPLimits``. Pure: the connection feeds it what the socket delivered, and garbage
/// tests feed it garbage.
public struct HTTPRequestHead: Sendable {
    /// How the body is delimited.
    public enum Framing: Sendable, Equatable {
        /// `Content-Length` bytes (0 when there is neither length nor coding).
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
    }

    public var method: String
    public var path: String
    public var query: [(name: String, value: String)]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: Framing
    /// `Expect: 100-continue`: the client waits for a 100 before it sends the body.
    public var expectsContinue: Bool

    // MARK: Finding the head

    /// Where the head that starts at `start` ends (the index after its blank line), or `nil` when more bytes
    /// are needed; the empty lines a client may send before a request are skipped (at most a few).
    /// - Throws: ``HTTPError/requestLineTooLong`` or ``HTTPError/headersTooLarge`` as soon as the bytes
    ///   seen already break a limit, so that an endless line is never buffered.
    public static func end(in buffer: [UInt8], from start: Int, limits: HTTPLimits) throws(HTTPError) -> Int? {
        var lineStart = start
        var skipped = 0
        var sawRequestLine = false
        var index = start
        while index < buffer.count {
            if buffer[index] == 10 {
                // A line ends here (CRLF is checked when the head is parsed).
                let length = index - lineStart - (index > lineStart && buffer[index - 1] == 13 ? 1 : 0)
                if !sawRequestLine {
                    if length == 0 && skipped < 4 {
                        skipped += 1
                        lineStart = index + 1
                        index += 1
                        continue
                    }
                    if length > limits.requestLineBytes { throw .requestLineTooLong }
                    sawRequestLine = true
                } else if length == 0 {
                    return index + 1
                } else if length > limits.headerLineBytes {
                    throw .headersTooLarge
                }
                lineStart = index + 1
            }
            index += 1
            if !sawRequestLine, index - lineStart > limits.requestLineBytes + 1 { throw .requestLineTooLong }
            if sawRequestLine, index - lineStart > limits.headerLineBytes + 1 { throw .headersTooLarge }
            if index - start > limits.headBytes + 8 { throw .headersTooLarge }
        }
        return nil
    }

    // MARK: Parsing

    /// Parses the head in `bytes` (as ``end(in:from:limits:)`` delimited it, blank line included).
    public init(_ bytes: ArraySlice<UInt8>, limits: HTTPLimits) throws(HTTPError) {
        var lines = try Self.lines(bytes)
        while lines.first?.isEmpty == true { lines.removeFirst() }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { throw .badRequestLine }
        guard requestLine.count <= limits.requestLineBytes else { throw .requestLineTooLong }
        guard lines.count - 1 <= limits.headerCount else { throw .headersTooLarge }
        guard bytes.count <= limits.headBytes + 8 else { throw .headersTooLarge }

        // request-line = method SP request-target SP HTTP-version, single spaces.
        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].count <= 20, parts[0].allSatisfy(Self.isTokenByte) else {
            throw .badRequestLine
        }
        method = String(decoding: parts[0], as: UTF8.self)
        guard let version = HTTPVersion(bytes: parts[2]) else {
            let text = String(decoding: parts[2], as: UTF8.self)
            let isVersion = text.hasPrefix("HTTP/") && text.dropFirst(5).allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            throw isVersion ? .unsupportedVersion : .badRequestLine
        }
        self.version = version
        (path, query) = try Self.target(parts[1])

        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard line.count <= limits.headerLineBytes else { throw .headersTooLarge }
            headers.add(contentsOf: try Self.field(line))
        }
        self.headers = headers

        if version == .http11 {
            guard headers.values("Host").count == 1 else { throw .badHost }
        }
        let expectations = headers.values("Expect")
        if expectations.isEmpty {
            expectsContinue = false
        } else if expectations.count == 1, expectations[0].lowercased() == "100-continue" {
            expectsContinue = true
        } else {
            throw .unsupportedExpectation
        }
        framing = try Self.framing(headers, version: version, limits: limits)
    }

    /// The lines of a head; each must end in CRLF (a bare LF or CR is refused: parsers that disagree about
    /// line ends are how requests are smuggled).
    static func lines(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch bytes[index] {
            case 10:
                guard index > bytes.startIndex, bytes[index - 1] == 13 else { throw lines.isEmpty ? .badRequestLine : .badHeader }
                lines.append(bytes[start..<(index - 1)])
                start = index + 1
            case 13:
                guard index + 1 < bytes.endIndex, bytes[index + 1] == 10 else { throw lines.isEmpty ? .badRequestLine : .badHeader }
            default:
                break
            }
            index += 1
        }
        guard start == bytes.endIndex else { throw .truncated }
        return lines
    }

    /// The decoded path and query of an origin-form target (`/a/b?c=d`).
    static func target(_ raw: ArraySlice<UInt8>) throws(HTTPError) -> (String, [(name: String, value: String)]) {
        guard raw.first == UInt8(ascii: "/"), raw.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            throw .badTarget
        }
        let question = raw.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = raw[..<(question ?? raw.endIndex)]
        let path: String
        if !rawPath.contains(UInt8(ascii: "%")) {
            // Printable ASCII without escapes (checked above) is its own decoding.
            path = String(decoding: rawPath, as: UTF8.self)
        } else {
            do {
                path = try HTTPForm.decode(rawPath, plusIsSpace: false, allowLineBreaks: false)
            } catch {
                throw .badTarget
            }
        }
        // No `.` or `..` segment and no backslash, in the decoded path (`%2E%2E` is `..`): bytes, one pass.
        var length = 0, dots = 0
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "\\"):
                throw .badTarget
            case UInt8(ascii: "/"):
                if length > 0, length <= 2, dots == length { throw .badTarget }
                length = 0
                dots = 0
            default:
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        if length > 0, length <= 2, dots == length { throw .badTarget }
        var query: [(name: String, value: String)] = []
        if let question {
            do {
                query = try HTTPForm(encoded: Array(raw[raw.index(after: question)...])).fields
            } catch {
                throw .badTarget
            }
            guard query.allSatisfy({ !$0.value.contains(where: { $0.isNewline }) }) else { throw .badTarget }
        }
        return (path, query)
    }

    /// One header line: `name: value`, the name a token right before the colon, the value without its
    /// surrounding white space and free of control characters. Obs-text (bytes ≥ 0x80) is kept as Latin-1.
    static func field(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { throw .badHeader }
        let name = line[..<colon]
        guard name.allSatisfy(isTokenByte) else { throw .badHeader }
        var value = line[line.index(after: colon)...]
        while let first = value.first, first == 32 || first == 9 { value = value.dropFirst() }
        while let last = value.last, last == 32 || last == 9 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else { throw .badHeader }
        // Bytes above 0x7F are ISO-8859-1 (RFC 9110 §5.5), each its own character; ASCII decodes as it is.
        let text: String
        if value.allSatisfy({ $0 < 0x80 }) {
            text = String(decoding: value, as: UTF8.self)
        } else {
            var latin1 = ""
            latin1.unicodeScalars.append(contentsOf: value.map { Unicode.Scalar($0) })
            text = latin1
        }
        return (String(decoding: name, as: UTF8.self), text)
    }

    static func framing(_ headers: HTTPHeaders, version: HTTPVersion, limits: HTTPLimits) throws(HTTPError) -> Framing {
        let codings = headers.values("Transfer-Encoding").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS().lowercased() }
        let lengths = headers.values("Content-Length").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingOWS() }
        if !headers.values("Transfer-Encoding").isEmpty {
            // A length beside a coding, or a coding in HTTP/1.0, is how requests are smuggled past a proxy.
            guard lengths.isEmpty, version == .http11 else { throw .badContentLength }
            guard codings == ["chunked"] else { throw .unsupportedTransferEncoding }
            return .chunked
        }
        guard let first = lengths.first else { return .length(0) }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 18,
              first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(first) else {
            throw .badContentLength
        }
        guard length <= limits.bodyBytes else { throw .bodyTooLarge }
        return .length(length)
    }

    /// tchar of RFC 9110: letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

extension HTTPHeaders {
    mutating func add(contentsOf field: (String, String)) { add(field.0, field.1) }
}

extension StringProtocol {
    /// Without the optional white space (spaces and tabs) around it.
    func trimmingOWS() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
