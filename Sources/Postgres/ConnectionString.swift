/// Helpers for libpq connection strings (`key=value …` or `postgres://` URLs).
public enum ConnectionString {
    /// `conninfo` with any password replaced by `***`, for logs and error messages.
    public static func redacted(_ conninfo: String) -> String {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") {
            return redactURL(conninfo)
        }
        var output = ""
        var rest = Substring(conninfo)
        while let range = rest.range(of: "password") {
            output += rest[..<range.lowerBound]
            output += "password"
            rest = rest[range.upperBound...]
            let spaces = rest.prefix { $0 == " " }
            guard rest.dropFirst(spaces.count).first == "=" else { continue }
            output += spaces + "="
            rest = rest.dropFirst(spaces.count + 1)
            let leading = rest.prefix { $0 == " " }
            output += leading
            rest = rest.dropFirst(leading.count)
            if rest.first == "'" {
                var index = rest.index(after: rest.startIndex)
                while index < rest.endIndex, rest[index] != "'" {
                    if rest[index] == "\\" { index = rest.index(after: index) }
                    if index < rest.endIndex { index = rest.index(after: index) }
                }
                rest = index < rest.endIndex ? rest[rest.index(after: index)...] : ""
            } else {
                rest = rest.drop { $0 != " " }
            }
            output += "***"
        }
        output += rest
        return redactURL(output)
    }

    private static func redactURL(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let authorityEnd = text[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" } ?? text.endIndex
        let authority = text[scheme.upperBound..<authorityEnd]
        var result = text
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            result.replaceSubrange(authority.index(after: colon)..<at, with: "***")
        }
        if let query = result.firstIndex(of: "?") {
            let parameters = result[result.index(after: query)...].split(separator: "&").map { parameter in
                parameter.hasPrefix("password=") ? "password=***" : String(parameter)
            }
            result = String(result[...query]) + parameters.joined(separator: "&")
        }
        return result
    }
}

extension ConnectionString {
    /// `value` quoted for a conninfo string: single quotes, with `'` and `\` escaped.
    public static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }
}
