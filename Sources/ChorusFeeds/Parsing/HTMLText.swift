/// Text that feeds write as HTML — escaped into an element or inside CDATA — as people read it.
///
/// Tags go (and what `<script>` and `<style>` hold), `<br>` and paragraph boundaries become line breaks,
/// character references (`&amp;`, `&#8217;`, `&#x2019;`, `&nbsp;` and the other common named ones) become
/// the characters, and each line loses the indentation the XML gave it. Nothing is ever fetched or run.
enum HTMLText {
    /// The plain text of `html`; with `keepingLines` false, all white space collapses into single spaces.
    static func plain(_ html: String, keepingLines: Bool = true) -> String {
        var output = ""
        var index = html.startIndex
        var skippingUntil: String?
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">"), html.distance(from: index, to: close) < 400 {
                let tag = html[html.index(after: index)..<close].lowercased().trimmingCharacters(in: .whitespaces)
                let name = String(tag.prefix { $0.isLetter || $0.isNumber || $0 == "/" || $0 == "!" })
                if let closing = skippingUntil {
                    if name == closing { skippingUntil = nil }
                    index = html.index(after: close)
                    continue
                }
                if name.first.map({ $0.isLetter || $0 == "/" || $0 == "!" }) == true {
                    if name == "script" || name == "style" { skippingUntil = "/" + name }
                    if ["br", "p", "/p", "div", "/div", "li", "/li", "tr", "h1", "h2", "h3", "/h1", "/h2", "/h3"].contains(name) {
                        output.append("\n")
                    }
                    index = html.index(after: close)
                    continue
                }
            }
            if skippingUntil != nil {
                index = html.index(after: index)
                continue
            }
            if character == "&", let semicolon = html[index...].prefix(12).firstIndex(of: ";"),
               let decoded = reference(html[html.index(after: index)..<semicolon]) {
                output.unicodeScalars.append(decoded)
                index = html.index(after: semicolon)
                continue
            }
            output.append(character)
            index = html.index(after: index)
        }
        if !keepingLines {
            return output.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        }
        return output.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{A0}" }).joined(separator: " ") }
            .joined(separator: "\n")
            .replacingOccurrences(of: "\n\n\n", with: "\n\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The character a reference names (`amp`, `#8217`, `#x2019`), `nil` when it is not one.
    static func reference(_ body: Substring) -> Unicode.Scalar? {
        if body.hasPrefix("#x") || body.hasPrefix("#X") {
            return UInt32(body.dropFirst(2), radix: 16).flatMap(scalar)
        }
        if body.hasPrefix("#") {
            return UInt32(body.dropFirst(), radix: 10).flatMap(scalar)
        }
        return named[String(body)]
    }

    /// A scalar that may stand in text (not NUL, a surrogate or another control character but tab and newline).
    private static func scalar(_ value: UInt32) -> Unicode.Scalar? {
        guard value == 0x09 || value == 0x0A || value >= 0x20, value != 0x7F, !(0x80...0x9F).contains(value) else { return nil }
        return Unicode.Scalar(value)
    }

    private static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "ndash": "\u{2013}",
        "mdash": "\u{2014}", "lsquo": "\u{2018}", "rsquo": "\u{2019}", "sbquo": "\u{201A}", "ldquo": "\u{201C}",
        "rdquo": "\u{201D}", "bdquo": "\u{201E}", "hellip": "\u{2026}", "laquo": "\u{AB}", "raquo": "\u{BB}",
        "middot": "\u{B7}", "bull": "\u{2022}", "copy": "\u{A9}", "reg": "\u{AE}", "trade": "\u{2122}", "euro": "\u{20AC}",
        "pound": "\u{A3}", "deg": "\u{B0}", "shy": "\u{AD}", "zwnj": "\u{200C}", "zwj": "\u{200D}", "lrm": "\u{200E}",
        "rlm": "\u{200F}", "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß",
        "eacute": "é", "egrave": "è", "ecirc": "ê", "euml": "ë", "Eacute": "É", "agrave": "à", "aacute": "á",
        "acirc": "â", "atilde": "ã", "ccedil": "ç", "Ccedil": "Ç", "iacute": "í", "icirc": "î", "iuml": "ï",
        "oacute": "ó", "ocirc": "ô", "otilde": "õ", "uacute": "ú", "ugrave": "ù", "ucirc": "û", "ntilde": "ñ",
        "Ntilde": "Ñ", "iexcl": "¡", "iquest": "¿", "oelig": "œ",
    ]
}
