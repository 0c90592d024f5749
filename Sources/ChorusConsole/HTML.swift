/// A piece of HTML whose markup can only come from string literals in this module: every interpolated
/// `String` is escaped, so that no value — a draft's text, an event's headline, a reviewer's note — is ever
/// markup. Pieces interpolate into pieces unescaped.
///
/// ```swift
/// let row: HTML = "<td class=\"note\">\(audit.note ?? "")</td>"
/// ```
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var markup: String

    init(stringLiteral value: StaticString) {
        markup = value.description
    }

    init(stringInterpolation: StringInterpolation) {
        markup = stringInterpolation.markup
    }

    private init(markup: String) {
        self.markup = markup
    }

    /// Nothing.
    static let empty = HTML(markup: "")

    var description: String { markup }

    /// `pieces` one after another.
    static func join(_ pieces: [HTML], separator: HTML = .empty) -> HTML {
        HTML(markup: pieces.map(\.markup).joined(separator: separator.markup))
    }

    /// `piece` when `condition` holds, else nothing.
    static func when(_ condition: Bool, _ piece: @autoclosure () -> HTML) -> HTML {
        condition ? piece() : .empty
    }

    struct StringInterpolation: StringInterpolationProtocol {
        typealias StringLiteralType = StaticString
        var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: StaticString) { markup += literal.description }

        /// Text, escaped (also safe inside a double-quoted attribute).
        mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }

        mutating func appendInterpolation(_ text: Substring) { markup += HTML.escape(String(text)) }

        mutating func appendInterpolation(_ number: Int) { markup += String(number) }

        /// Markup made elsewhere from literals.
        mutating func appendInterpolation(_ html: HTML) { markup += html.markup }

        mutating func appendInterpolation(_ pieces: [HTML]) { markup += pieces.map(\.markup).joined() }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
