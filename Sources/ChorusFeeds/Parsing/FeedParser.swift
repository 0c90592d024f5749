import ChorusCore
import Foundation

/// Turns a document of any supported format into normalized events and rejections.
///
/// The format is detected from the content (never from a file name) unless the caller names it. Parsing
/// never throws: a document that cannot be read at all is one ``Rejection`` without an item, a bad item
/// is a rejection of its own and the other items go on.
public struct FeedParser: Sendable {
    /// Limits, kind tables and the feed's name.
    public var options: ParserOptions

    public init(options: ParserOptions) {
        self.options = options
    }

    /// Parses one document: one of the formats, or a zip archive holding one (``ZipArchive``).
    public func parse(_ data: Data, format: FeedFormat = .auto) -> ParseResult {
        if data.count > options.maximumDocumentBytes {
            return ParseResult(rejections: [Rejection(
                reason: "the document is \(data.count) bytes, more than the limit of \(options.maximumDocumentBytes)")])
        }
        // A zipped document (GDELT's `*.export.CSV.zip`) is its one member, read with the same limit.
        if ZipArchive.isArchive(data) {
            let member: (name: String, data: Data)
            do {
                member = try ZipArchive.onlyMember(of: data, maximumBytes: options.maximumDocumentBytes)
            } catch {
                return .refused("the zip archive cannot be read: \(error.reason)")
            }
            if ZipArchive.isArchive(member.data) {
                return .refused("the zip archive holds another archive ('\(member.name.prefix(100))'), which is not opened")
            }
            return parse(member.data, format: format)
        }
        let resolved: FeedFormat
        if format == .auto {
            guard let detected = Self.detectFormat(data) else {
                return ParseResult(rejections: [Rejection(
                    reason: "unrecognized format: not JSON Lines, CAP 1.1/1.2, GDACS RSS, GeoJSON, a news feed (RSS, RDF, Atom) or a GDELT export")])
            }
            resolved = detected
        } else {
            resolved = format
        }
        switch resolved {
        case .jsonl, .auto:
            return JSONLinesParser(options: options).parse(data)
        case .cap:
            return CAPParser(options: options).parse(data)
        case .gdacs:
            return GDACSParser(options: options).parse(data)
        case .geojson:
            return GeoJSONParser(options: options).parse(data)
        case .news:
            return NewsFeedParser(options: options).parse(data)
        case .gdelt:
            return GDELTParser(options: options).parse(data)
        }
    }

    /// The format of `data` judged by its content, or `nil` when it is none Chorus reads.
    ///
    /// XML is GDACS when it declares the GDACS namespace, CAP when it uses a CAP 1.1 or 1.2 namespace
    /// (a single alert or a feed embedding alerts), and news when its root is `<rss>`, `<rdf:RDF>` or
    /// `<feed>` without either. A namespace counts only as an attribute value (in quotes): a news item
    /// that links to gdacs.org is still news. JSON is GeoJSON when an object has `"type":
    /// "FeatureCollection"` or `"Feature"`, and JSON Lines otherwise. Text whose first line is
    /// tab-separated with a number first is a GDELT table.
    public static func detectFormat(_ data: Data) -> FeedFormat? {
        let body = XMLDocumentReader.stripBOM(data)
        guard let first = body.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            return nil
        }
        switch first {
        case UInt8(ascii: "<"):
            func declares(_ namespace: String) -> Bool {
                ByteSearch.contains(body, "\"\(namespace)\"") || ByteSearch.contains(body, "'\(namespace)'")
            }
            if declares(GDACSParser.namespace) { return .gdacs }
            if CAPParser.namespaces.contains(where: declares) { return .cap }
            if isNewsFeed(body.prefix(4096)) { return .news }
            return nil
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return GDELTParser.looksLikeGDELT(body) ? .gdelt : nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return isGeoJSON(body.prefix(64 * 1024)) ? .geojson : .jsonl
        default:
            return nil
        }
    }

    /// Whether the first element (after the declaration, comments and processing instructions) is `<rss`,
    /// `<feed` or `<…RDF` (whatever its prefix).
    static func isNewsFeed(_ head: Data) -> Bool {
        var bytes = Substring(decoding: head, as: UTF8.self)
        while let open = bytes.firstIndex(of: "<") {
            let rest = bytes[bytes.index(after: open)...]
            if rest.hasPrefix("?") || rest.hasPrefix("!") {
                guard let close = rest.firstIndex(of: ">") else { return false }
                bytes = rest[rest.index(after: close)...]
                continue
            }
            let name = rest.prefix { !($0 == " " || $0 == ">" || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "/") }
            let local = name.split(separator: ":").last.map(String.init) ?? String(name)
            return local == "rss" || local == "feed" || local == "RDF"
        }
        return false
    }

    /// Whether `"type"` is followed by `:` and a string starting `"Feature`.
    static func isGeoJSON(_ head: Data) -> Bool {
        let bytes = Array(head)
        let key = Array("\"type\"".utf8)
        let value = Array("\"Feature".utf8)
        var index = 0
        while index + key.count <= bytes.count {
            if bytes[index] == key[0], Array(bytes[index..<index + key.count]) == key {
                var cursor = index + key.count
                func skipSpace() { while cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor += 1 } }
                skipSpace()
                if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") {
                    cursor += 1
                    skipSpace()
                    if cursor + value.count <= bytes.count, Array(bytes[cursor..<cursor + value.count]) == value { return true }
                }
            }
            index += 1
        }
        return false
    }
}

extension ParseResult {
    /// A result that refuses the whole document.
    static func refused(_ reason: String) -> ParseResult { ParseResult(rejections: [Rejection(reason: reason)]) }
}

/// Shared by the parsers: the last checks every event passes.
extension ParserOptions {
    /// Applies the configured source and default countries, validates, and turns failures into a rejection.
    func finish(_ event: Event, item: String?, into result: inout ParseResult) {
        var event = event
        if let source { event.source = source }
        if event.countries.isEmpty { event.countries = defaultCountries }
        do {
            try event.validate()
            if !kinds.kinds.contains(event.kind) {
                throw EventError(field: "kind", message: "\(quoted(event.kind)) is not a kind declared in kinds.json5")
            }
            result.events.append(event)
        } catch {
            result.rejections.append(Rejection(item: item, reason: "\(error)"))
        }
    }

    /// Checks a free-text value against the per-field limit.
    func checkField(_ value: String?, _ field: String) throws {
        if let value, value.utf8.count > maximumFieldBytes {
            throw ParseFailure(field: field, "is longer than \(maximumFieldBytes) bytes")
        }
    }
}
