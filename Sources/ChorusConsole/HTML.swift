/// A piece of HTML whose markup can only come from string literals in this module: every interpolated
/// `String` is escaped, so that no value — a draft's text, an event's headline, a reviewer's note — is ever
/// markup. Pieces interpolate into pieces unescaped.
///
/// The markup is UTF-8 bytes, built in place: literals are copied from the binary's static text, strings
/// escaped byte by byte straight into the buffer, and a page's bytes become the answer's body as they are
/// (no `String` is made on the way; a bundle page is a few hundred kilobytes).
///
/// ```swift
/// let row: HTML = "<td class=\"note\">\(audit.note ?? "")</td>"
/// ```
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup, UTF-8.
    private(set) var bytes: [UInt8]

    init(stringLiteral value: StaticString) {
        bytes = value.withUTF8Buffer { Array($0) }
    }

    init(stringInterpolation: StringInterpolation) {
        bytes = stringInterpolation.bytes
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Nothing.
    static let empty = HTML(bytes: [])

    var isEmpty: Bool { bytes.isEmpty }

    var description: String { String(decoding: bytes, as: UTF8.self) }

    /// `pieces` one after another.
    static func join(_ pieces: [HTML], separator: HTML = .empty) -> HTML {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pieces.reduce(0) { $0 + $1.bytes.count } + max(0, pieces.count - 1) * separator.bytes.count)
        for (index, piece) in pieces.enumerated() {
            if index > 0 { bytes.append(contentsOf: separator.bytes) }
            bytes.append(contentsOf: piece.bytes)
        }
        return HTML(bytes: bytes)
    }

    /// `piece` when `condition` holds, else nothing.
    static func when(_ condition: Bool, _ piece: @autoclosure () -> HTML) -> HTML {
        condition ? piece() : .empty
    }

    struct StringInterpolation: StringInterpolationProtocol {
        typealias StringLiteralType = StaticString
        var bytes: [UInt8] = []

        init(literalCapacity: Int, interpolationCount: Int) {
            bytes.reserveCapacity(literalCapacity + interpolationCount * 24)
        }

        mutating func appendLiteral(_ literal: StaticString) {
            literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        /// Text, escaped (also safe inside a double-quoted attribute).
        mutating func appendInterpolation(_ text: String) { HTML.appendEscaped(text, to: &bytes) }

        mutating func appendInterpolation(_ text: Substring) { HTML.appendEscaped(String(text), to: &bytes) }

        mutating func appendInterpolation(_ number: Int) { bytes.append(contentsOf: String(number).utf8) }

        /// Markup made elsewhere from literals.
        mutating func appendInterpolation(_ html: HTML) {
            makeRoom(html.bytes.count)
            bytes.append(contentsOf: html.bytes)
        }

        mutating func appendInterpolation(_ pieces: [HTML]) {
            makeRoom(pieces.reduce(0) { $0 + $1.bytes.count })
            for piece in pieces { bytes.append(contentsOf: piece.bytes) }
        }

        /// Room for `count` more bytes and the literals that follow: a large piece (a page's content in
        /// its layout) is copied once into a buffer that then has room for the rest, rather than growing it
        /// twice — every copy of a page is a fresh block of a few hundred kilobytes the system must map in.
        private mutating func makeRoom(_ count: Int) {
            let needed = bytes.count + count
            if needed > bytes.capacity { bytes.reserveCapacity(max(needed + 4096, 2 * bytes.capacity)) }
        }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities. Most text holds none of them and is returned as it is.
    static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` to `out` with `&`, `<`, `>`, `"` and `'` as entities: bytes, not scalars — every byte of
    /// a multi-byte character is ≥ 0x80, never one of the five; the runs between them are copied whole.
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var run = 0
            for index in 0..<bytes.count {
                let entity: StaticString
                switch bytes[index] {
                case 0x26: entity = "&amp;"
                case 0x3C: entity = "&lt;"
                case 0x3E: entity = "&gt;"
                case 0x22: entity = "&quot;"
                case 0x27: entity = "&#39;"
                default: continue
                }
                if run < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index])) }
                entity.withUTF8Buffer { out.append(contentsOf: $0) }
                run = index + 1
            }
            if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        }
    }
}
