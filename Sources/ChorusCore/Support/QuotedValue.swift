/// A value from outside (a document, a feed, a reviewer) as error messages show it: in single quotes, at
/// most 80 characters, control and format characters escaped (`\n`, `\u{0}`), so that a rejection or a log
/// line stays one line, whatever the value holds, and never carries a NUL.
public func quoted(_ value: some StringProtocol) -> String {
    "'" + escaped(value) + "'"
}

/// ``quoted(_:)`` without the quotes, for a value that is part of a field path (`headline.en`).
public func escaped(_ value: some StringProtocol) -> String {
    var text = ""
    for scalar in value.unicodeScalars.prefix(80) {
        switch scalar {
        case "\n": text += "\\n"
        case "\r": text += "\\r"
        case "\t": text += "\\t"
        default:
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                text += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
    }
    return value.unicodeScalars.count > 80 ? text + "…" : text
}
