import CLibPQ

/// libpq connection strings (`key=value …` or `postgres://` URLs), read the way libpq reads them.
///
/// Redaction is by construction, never by pattern: the string is parsed with libpq's own
/// `PQconninfoParse` and rebuilt from the options it found, with every option libpq marks as secret (the
/// password) shown as `***`. A URL whose password holds an unencoded `@` or `/` makes libpq put the rest of
/// the password into the host, port or database name; those values are redacted too (a host or database
/// name never holds an `@`, a port is a number), and libpq's own error messages are redacted the same way
/// before they reach a person.
public enum ConnectionString {
    /// One option libpq found, and whether libpq treats it as secret.
    public struct Option: Sendable, Hashable {
        /// The keyword (`host`, `dbname`, `password`, …).
        public var keyword: String
        /// The value as libpq read it (quotes and escapes resolved, URL parts decoded).
        public var value: String
        /// Whether libpq marks the option as secret (its `dispchar` is `*`): never shown.
        public var isSecret: Bool
    }

    /// Why libpq cannot read a connection string.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// libpq's message, with any fragment that could belong to a password replaced by `***`.
        public var message: String
        public var description: String { "libpq cannot read the connection string: \(message)" }
    }

    /// The options of `conninfo` as libpq reads them, in libpq's order; only those that are set.
    /// - Throws: ``ParseError`` with libpq's (redacted) message.
    public static func parse(_ conninfo: String) throws -> [Option] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw ParseError(message: redactParseError(
                message.trimmingCharacters(in: [" ", "\n", "\r", "\t"]), of: conninfo))
        }
        defer { PQconninfoFree(options) }
        var found: [Option] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                let secret = cursor.pointee.dispchar.map { String(cString: $0).hasPrefix("*") } ?? false
                found.append(Option(keyword: String(cString: keyword), value: String(cString: value), isSecret: secret))
            }
            cursor += 1
        }
        return found
    }

    /// `conninfo` rebuilt from libpq's reading of it, secrets as `***`, for logs, status and errors.
    /// A string libpq cannot read shows as what libpq says is wrong with it, and nothing of the string.
    public static func redacted(_ conninfo: String) -> String {
        let options: [Option]
        do {
            options = try parse(conninfo)
        } catch {
            return "(\(error))"
        }
        // Where first, then who, then the rest in libpq's order.
        let leading = ["host", "hostaddr", "port", "dbname", "user", "password"]
        let ordered = leading.flatMap { keyword in options.filter { $0.keyword == keyword } }
            + options.filter { !leading.contains($0.keyword) }
        return ordered.map { option in "\(option.keyword)=\(shown(option))" }.joined(separator: " ")
    }

    /// `message` (libpq's text about a connection made with `conninfo`) with every value that may hold a
    /// part of a password replaced as ``redacted(_:)`` replaces it.
    public static func redact(message: String, conninfo: String) -> String {
        guard let options = try? parse(conninfo) else { return redactParseError(message, of: conninfo) }
        var text = message
        for option in options.sorted(by: { $0.value.count > $1.value.count }) where !option.value.isEmpty {
            if option.isSecret {
                // libpq never prints a password; a short one is not looked for, which would garble the text.
                if option.value.count >= 4 { text = text.replacingOccurrences(of: option.value, with: "***") }
            } else if let spilled = spilled(option) {
                text = text.replacingOccurrences(of: option.value, with: spilled)
            }
        }
        return text
    }

    /// `conninfo` as libpq reads it, with the options in `overrides` set (replacing those it had), rebuilt
    /// as `keyword='value'` pairs — for the console, which logs in as each reviewer where the configured
    /// string names the daemon's role. A URL comes back in keyword form.
    /// - Throws: ``ParseError`` when libpq cannot read `conninfo`.
    public static func replacing(_ overrides: [String: String], in conninfo: String) throws -> String {
        var options = try parse(conninfo).filter { overrides[$0.keyword] == nil }.map { ($0.keyword, $0.value) }
        options += overrides.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return options.map { "\($0.0)=\(quote($0.1))" }.joined(separator: " ")
    }

    /// `value` quoted for a conninfo string: single quotes, with `'` and `\` escaped.
    public static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }

    /// How an option's value is shown: secrets as `***`, spilled values as ``spilled(_:)`` says, the rest as
    /// they are (quoted when they need it).
    private static func shown(_ option: Option) -> String {
        if option.isSecret { return "***" }
        let value = spilled(option) ?? option.value
        let plain = !value.isEmpty && value.allSatisfy { !$0.isWhitespace && $0 != "'" && $0 != "\\" }
        return plain ? value : quote(value)
    }

    /// A value that may hold the rest of a URL's password, redacted: a host, database name or user with an
    /// `@` from its last `@` on only, a port that is not a number not at all; `nil` for an ordinary value.
    private static func spilled(_ option: Option) -> String? {
        if option.keyword == "port", !option.value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ",") }) {
            return "***"
        }
        guard let at = option.value.lastIndex(of: "@") else { return nil }
        return "***" + option.value[at...]
    }

    /// libpq quotes the piece of the string it stumbled on (`missing "=" after "…"`). When the string may
    /// hold a password (it names one, or it is a URL with user information), a quoted piece taken from the
    /// string is not shown; libpq's own punctuation (`"="`) is.
    private static func redactParseError(_ message: String, of conninfo: String) -> String {
        let lowered = conninfo.lowercased()
        let mayHoldSecret = lowered.contains("password") || (lowered.contains("://") && lowered.contains("@"))
        guard mayHoldSecret else { return message }
        var text = ""
        var piece: String?
        for character in message {
            if character == "\"" {
                if let quoted = piece {
                    text += (quoted.count > 1 && conninfo.contains(quoted) ? "***" : quoted) + "\""
                    piece = nil
                } else {
                    text.append(character)
                    piece = ""
                }
            } else if piece != nil {
                piece?.append(character)
            } else {
                text.append(character)
            }
        }
        return text + (piece == nil ? "" : "***")
    }
}
