import ChorusCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of a parsed XML document: its namespace URI and local name (prefixes are gone), its
/// attributes, its children and its own text.
final class XMLNode {
    /// The namespace URI, or `nil` for an element in no namespace.
    let namespace: String?
    /// The local name, without any prefix.
    let name: String
    /// Attributes by their name as written (`unit`, `xml:lang`).
    let attributes: [String: String]
    private(set) var children: [XMLNode] = []
    /// The element's own character data, as written (entities and CDATA resolved).
    fileprivate(set) var text = ""

    init(namespace: String?, name: String, attributes: [String: String]) {
        self.namespace = namespace
        self.name = name
        self.attributes = attributes
    }

    /// Whether this element is `name` in one of `namespaces` (`nil` in the set allows no namespace).
    func isElement(_ name: String, in namespaces: Set<String?>) -> Bool {
        self.name == name && namespaces.contains(namespace)
    }

    /// The first child named `name` in `namespace`.
    func child(_ name: String, _ namespace: String?) -> XMLNode? {
        children.first { $0.name == name && $0.namespace == namespace }
    }

    /// Every child named `name` in `namespace`, in document order.
    func children(_ name: String, _ namespace: String?) -> [XMLNode] {
        children.filter { $0.name == name && $0.namespace == namespace }
    }

    /// The trimmed text of the first child named `name`, `nil` when absent or empty.
    func value(_ name: String, _ namespace: String?) -> String? {
        guard let text = child(name, namespace)?.trimmedText, !text.isEmpty else { return nil }
        return text
    }

    /// The text with leading and trailing white space removed.
    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The element's own text followed by its descendants' (for Atom's `type="xhtml"` content), each
    /// piece separated by a space; the order of mixed content is not kept.
    var deepText: String {
        var pieces = [text]
        var stack = Array(children.reversed())
        while let node = stack.popLast() {
            pieces.append(node.text)
            stack.append(contentsOf: node.children.reversed())
        }
        return pieces.joined(separator: " ")
    }

    /// Every descendant (not this element itself) for which `isMatch` holds, without looking inside matches.
    func descendants(where isMatch: (XMLNode) -> Bool) -> [XMLNode] {
        var found: [XMLNode] = []
        var stack = Array(children.reversed())
        while let node = stack.popLast() {
            if isMatch(node) {
                found.append(node)
            } else {
                stack.append(contentsOf: node.children.reversed())
            }
        }
        return found
    }

    fileprivate func append(_ child: XMLNode) { children.append(child) }
    fileprivate func appendText(_ more: String) { text += more }
}

/// Turns bytes into an ``XMLNode`` tree — safely.
///
/// Before `XMLParser` sees a byte, the document must be UTF-8 and must not contain a DTD (`<!DOCTYPE`),
/// an entity declaration (`<!ENTITY`) or an XInclude namespace: without a DTD there is nothing to expand
/// and nothing external to resolve, so no file is read and no connection is made whatever the document
/// says. External entity resolution is switched off as well, in case the check above is ever loosened.
/// Nesting depth and the number of elements are bounded (the size of the document bounds the text); the
/// size of a field is checked where the field is read, so that a long one costs its item only.
enum XMLDocumentReader {
    static let xincludeNamespace = "http://www.w3.org/2001/XInclude"

    /// Parses `data` (a UTF-8 byte-order mark is allowed) into its root element.
    /// - Throws: ``ParseFailure`` saying what was refused or where the XML is broken.
    static func read(_ data: Data, options: ParserOptions) throws -> XMLNode {
        let bytes = stripBOM(data)
        try refuseUnsafe(bytes)
        let builder = TreeBuilder(maximumDepth: options.maximumDepth, maximumElements: options.maximumElements)
        let parser = XMLParser(data: bytes)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let succeeded = parser.parse()
        if let failure = builder.failure { throw failure }
        guard succeeded, let root = builder.root else {
            let error = parser.parserError.map { Self.describe($0, line: parser.lineNumber) } ?? "not well-formed XML"
            throw ParseFailure(error)
        }
        // XMLParser can report success for a document cut short; an element left open means exactly that.
        if let open = builder.stack.last {
            throw ParseFailure("not well-formed XML: the document ends inside <\(open.name)> (truncated?)")
        }
        return root
    }

    static func stripBOM(_ data: Data) -> Data {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
    }

    /// Refuses what must never reach the XML parser: other encodings, DTDs, entity declarations, XInclude.
    ///
    /// Whatever format the caller asked for, the checks run on the document as the XML parser would decode
    /// it. The parser detects UTF-16 and UTF-32 from the first bytes even without a byte-order mark, where a
    /// search for `<!DOCTYPE` in the raw bytes finds nothing; such a document always holds a 0x00 byte,
    /// which in UTF-8 can only be U+0000, a character XML forbids. So: UTF-8 only, no 0x00 byte at all, and
    /// then the searches below see exactly the text the parser would.
    static func refuseUnsafe(_ bytes: Data) throws {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.contains(0) {
            throw ParseFailure("only UTF-8 XML is accepted (the document holds 0x00 bytes: UTF-16 or UTF-32?)")
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            throw ParseFailure("the document is not valid UTF-8")
        }
        if ByteSearch.containsIgnoringCase(bytes, "<!DOCTYPE") {
            throw ParseFailure("the document has a DTD (<!DOCTYPE>); DTDs and entities are refused, nothing was resolved")
        }
        if ByteSearch.containsIgnoringCase(bytes, "<!ENTITY") {
            throw ParseFailure("the document declares entities (<!ENTITY>); refused, nothing was resolved")
        }
        if ByteSearch.contains(bytes, xincludeNamespace) {
            throw ParseFailure("the document uses XInclude; refused, nothing was included")
        }
        if let declared = declaredEncoding(bytes) {
            let name = declared.lowercased()
            if name != "utf-8" && name != "utf8" && name != "us-ascii" && name != "ascii" {
                throw ParseFailure("the document declares encoding \(quoted(declared)); only UTF-8 is accepted")
            }
        }
    }

    /// The `encoding` of the XML declaration, if there is one.
    static func declaredEncoding(_ bytes: Data) -> String? {
        let head = bytes.prefix(200)
        guard head.starts(with: Array("<?xml".utf8)), let end = ByteSearch.firstIndex(of: "?>", in: head) else { return nil }
        let declaration = String(decoding: head[head.startIndex..<end], as: UTF8.self)
        guard let range = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote })
    }

    private static func describe(_ error: any Error, line: Int) -> String {
        let nsError = error as NSError
        let detail = (nsError.userInfo[NSLocalizedDescriptionKey] as? String)?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let detail, !detail.isEmpty, !detail.hasPrefix("The operation could not be completed") {
            return "not well-formed XML at line \(line): \(detail)"
        }
        return "not well-formed XML at line \(line) (XMLParser error \(nsError.code))"
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    let maximumDepth: Int
    let maximumElements: Int
    var stack: [XMLNode] = []
    var root: XMLNode?
    var failure: ParseFailure?
    var elements = 0

    init(maximumDepth: Int, maximumElements: Int) {
        self.maximumDepth = maximumDepth
        self.maximumElements = maximumElements
    }

    func fail(_ parser: XMLParser, _ reason: String) {
        if failure == nil { failure = ParseFailure(reason) }
        parser.abortParsing()
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        elements += 1
        if stack.count >= maximumDepth { return fail(parser, "elements are nested deeper than \(maximumDepth) levels") }
        if elements > maximumElements { return fail(parser, "the document has more than \(maximumElements) elements") }
        let namespace = namespaceURI.flatMap { $0.isEmpty ? nil : $0 }
        if namespace == XMLDocumentReader.xincludeNamespace {
            return fail(parser, "the document uses XInclude; refused, nothing was included")
        }
        // Without namespace processing of an undeclared prefix, the name may still carry it.
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        let node = XMLNode(namespace: namespace, name: local, attributes: attributeDict)
        if let parent = stack.last {
            parent.append(node)
        } else if root == nil {
            root = node
        }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard failure == nil else { return }
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        append(string, parser)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard let string = String(validating: CDATABlock, as: UTF8.self) else {
            return fail(parser, "a CDATA section is not valid UTF-8")
        }
        append(string, parser)
    }

    private func append(_ string: String, _ parser: XMLParser) {
        guard failure == nil, let node = stack.last else { return }
        node.appendText(string)
    }

    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        // Never reached for documents that passed the DTD check; refuse anyway.
        fail(parser, "external entity \(quoted(name)) refused")
        return nil
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(parser, "entity declarations are refused")
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        fail(parser, "external entity declarations are refused")
    }

    // Never reached for documents that passed the DTD check: any declaration means a DTD got through.
    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
        fail(parser, "DTD declarations are refused")
    }

    func parser(_ parser: XMLParser, foundAttributeDeclarationWithName attributeName: String, forElement elementName: String,
                type: String?, defaultValue: String?) {
        fail(parser, "DTD declarations are refused")
    }

    func parser(_ parser: XMLParser, foundNotationDeclarationWithName name: String, publicID: String?, systemID: String?) {
        fail(parser, "DTD declarations are refused")
    }

    func parser(_ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?, systemID: String?,
                notationName: String?) {
        fail(parser, "DTD declarations are refused")
    }
}

/// Byte-level searches that run before any decoding.
enum ByteSearch {
    static func firstIndex(of needle: String, in haystack: Data) -> Data.Index? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, haystack.count >= pattern.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - pattern.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < pattern.count, haystack[index + offset] == pattern[offset] { offset += 1 }
                if offset == pattern.count { return index }
            }
            index += 1
        }
        return nil
    }

    static func contains(_ haystack: Data, _ needle: String) -> Bool { firstIndex(of: needle, in: haystack) != nil }

    /// ASCII case-insensitive search.
    static func containsIgnoringCase(_ haystack: Data, _ needle: String) -> Bool {
        let pattern = Array(needle.lowercased().utf8)
        guard haystack.count >= pattern.count, let first = pattern.first else { return false }
        func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
        return haystack.withUnsafeBytes { raw -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            let last = bytes.count - pattern.count
            while index <= last {
                if lower(bytes[index]) == first {
                    var offset = 1
                    while offset < pattern.count, lower(bytes[index + offset]) == pattern[offset] { offset += 1 }
                    if offset == pattern.count { return true }
                }
                index += 1
            }
            return false
        }
    }
}
