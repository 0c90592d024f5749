import Foundation

/// Every failure of the libpq layer: a connection that cannot be made or was lost, an error the server
/// reported, or a value that does not decode as asked.
///
/// `description` names the SQLSTATE, the server's message and hint, and the query text — never the bound
/// values, which may hold personal data or secrets. The server's DETAIL (which quotes rows: `Key (x)=(…)`,
/// `Failing row contains (…)`) is not kept at all, and the messages that quote the offending input
/// (`invalid input syntax for type integer: "…"`) are replaced by what they mean and where (see
/// ``withheldValueMessage(sqlState:)``), so that no error built here can carry a value.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: Sendable, Hashable {
        /// No connection could be established (wrong address, server down, authentication failed).
        case connectionFailed
        /// The connection broke while in use; the next use reconnects.
        case connectionLost
        /// The server refused or failed the statement; ``PostgresError/sqlState`` says why.
        case server
        /// A column's value is not of the type the caller asked for, or is NULL where a value was required.
        case decoding
        /// The caller used the API in a way it does not allow (a nested transaction, an empty batch column).
        case misuse
        /// A wait for notifications or for the server ended without an answer.
        case timeout
        /// A bound value PostgreSQL cannot store (text holding U+0000); refused before anything was sent.
        case unstorableValue
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The server's SQLSTATE (`23505` unique violation, `42601` syntax error, …), when the server sent one.
    public var sqlState: String?
    /// The primary message.
    public var message: String
    /// The server's HINT field.
    public var hint: String?
    /// The SQL text of the statement, with `$n` placeholders and never the values bound to them.
    public var query: String?
    /// The column that failed to decode.
    public var column: String?

    public init(
        _ kind: Kind, message: String, sqlState: String? = nil, hint: String? = nil,
        query: String? = nil, column: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.hint = hint
        self.query = query
        self.column = column
    }

    /// Whether trying the same again later may succeed: the connection failed or was lost, or the server
    /// reported a condition that passes — serialization failure, deadlock, shutdown in progress, too many
    /// clients, the statement cancelled (`pg_cancel_backend`, `statement_timeout`: 57014), a lock not
    /// obtained in time (55P03), the lock table full (53200).
    public var isTransient: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .timeout: return true
        case .decoding, .misuse, .unstorableValue: return false
        case .server:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || ["40001", "40P01", "53200", "53300", "57014", "55P03"].contains(sqlState)
        }
    }

    /// Whether the server refused the statement for what the values are — a data exception (class 22), an
    /// integrity constraint (class 23), a program limit such as an index row too large (class 54) — or a
    /// value could not even be sent. Retrying the same values fails again; without the value at fault the
    /// rest may pass.
    public var isDataError: Bool {
        switch kind {
        case .unstorableValue: return true
        case .server:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState.hasPrefix("54")
        default: return false
        }
    }

    /// Whether the connection itself failed, as opposed to the server refusing a statement.
    public var isConnectionFailure: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .timeout: return true
        case .server: return sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P") == true
        default: return false
        }
    }

    /// For SQLSTATEs whose server message quotes the offending input, what the message says instead.
    public static func withheldValueMessage(sqlState: String) -> String? {
        switch sqlState {
        case "22P02": return "invalid input syntax (the value is not shown)"
        case "22003": return "a numeric value out of range (the value is not shown)"
        case "22007": return "an invalid date-time format (the value is not shown)"
        case "22008": return "a date-time field out of range (the value is not shown)"
        case "22021": return "a character not valid in the database's encoding (the value is not shown)"
        case "22025": return "an invalid escape sequence (the value is not shown)"
        case "2201B": return "an invalid regular expression (the value is not shown)"
        case "22P03": return "invalid binary data (the value is not shown)"
        default: return nil
        }
    }

    /// The failure in one line, without the query or the hint: `PostgreSQL error 54000: index row size …`.
    public var summary: String {
        switch kind {
        case .connectionFailed: return "cannot connect to PostgreSQL: \(message)"
        case .connectionLost: return "lost the connection to PostgreSQL: \(message)"
        case .server: return sqlState.map { "PostgreSQL error \($0): \(message)" } ?? "PostgreSQL error: \(message)"
        case .decoding: return column.map { "column \"\($0)\": \(message)" } ?? message
        case .misuse, .timeout, .unstorableValue: return message
        }
    }

    public var description: String {
        var text = summary
        if let hint, !hint.isEmpty { text += "\n  HINT: \(hint)" }
        if let query, !query.isEmpty { text += "\n  QUERY: \(Self.abbreviate(query))" }
        return text
    }

    private static func abbreviate(_ query: String) -> String {
        let oneLine = query.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return oneLine.count > 400 ? String(oneLine.prefix(400)) + "…" : oneLine
    }
}
