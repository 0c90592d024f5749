import Foundation

/// Every failure of the libpq layer: a connection that cannot be made or was lost, an error the server
/// reported, or a value that does not decode as asked.
///
/// `description` names the SQLSTATE, the server's message, detail and hint, and the query text — never the
/// bound values, which may hold personal data or secrets.
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
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The server's SQLSTATE (`23505` unique violation, `42601` syntax error, …), when the server sent one.
    public var sqlState: String?
    /// The primary message.
    public var message: String
    /// The server's DETAIL field.
    public var detail: String?
    /// The server's HINT field.
    public var hint: String?
    /// The SQL text of the statement, with `$n` placeholders and never the values bound to them.
    public var query: String?
    /// The column that failed to decode.
    public var column: String?

    public init(
        _ kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        query: String? = nil, column: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.query = query
        self.column = column
    }

    /// Whether a retry on a fresh connection may succeed: the connection failed or was lost, or the server
    /// reported a condition that passes (serialization failure, deadlock, shutdown in progress, too many clients).
    public var isTransient: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .timeout: return true
        case .decoding, .misuse: return false
        case .server:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || sqlState == "40001"
                || sqlState == "40P01" || sqlState == "53300"
        }
    }

    public var description: String {
        var text: String
        switch kind {
        case .connectionFailed: text = "cannot connect to PostgreSQL: \(message)"
        case .connectionLost: text = "lost the connection to PostgreSQL: \(message)"
        case .server: text = sqlState.map { "PostgreSQL error \($0): \(message)" } ?? "PostgreSQL error: \(message)"
        case .decoding: text = column.map { "column \"\($0)\": \(message)" } ?? message
        case .misuse, .timeout: text = message
        }
        if let detail, !detail.isEmpty { text += "\n  DETAIL: \(detail)" }
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
