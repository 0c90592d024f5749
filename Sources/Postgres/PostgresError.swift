import Foundation

/// Every failure of the libpq layer: a connection that cannot be made or was lost, an error the server
/// reported, or a value that does not decode as asked.
///
/// **Errors never carry values.** A server error keeps its SQLSTATE and what names the place of the
/// failure — constraint, table, column, data type — and never the server's DETAIL (which quotes the row or
/// the key: `Key (name)=(…) already exists`, `Failing row contains (…)`), nor a primary message that may
/// echo the input (`malformed array literal: "…"`, `invalid input syntax for type integer: "…"`). Such a
/// message is replaced by the condition's name and the fields; messages are kept as the server wrote them
/// only where they cannot hold data: written by a PL/pgSQL `RAISE` (chorus's functions name drafts, states
/// and roles in theirs — never a value), or of a class that describes the statement, the connection or the
/// server, never a value (syntax and access rules, transactions, resources, shutdowns, chorus's `CH`). `description` adds the query
/// text with its `$n` placeholders, never the values bound to them. Nothing derived from an error — a log
/// line, a rejected input's reason, an exit message — can show more than it holds.
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
    /// What went wrong, without values (see the type's documentation).
    public var message: String
    /// The server's HINT, where the message is kept (it is dropped with a message that could hold values).
    public var hint: String?
    /// The SQL text of the statement, with `$n` placeholders and never the values bound to them.
    public var query: String?
    /// The column that failed to decode, or the server's column field.
    public var column: String?
    /// The constraint the server names (`drill_drafts_are_never_released`, `events_source_event_id_version_key`).
    public var constraint: String?
    /// The table the server names, schema-qualified when it says the schema (`chorus.drafts`).
    public var table: String?
    /// The data type the server names.
    public var dataType: String?

    public init(
        _ kind: Kind, message: String, sqlState: String? = nil, hint: String? = nil, query: String? = nil,
        column: String? = nil, constraint: String? = nil, table: String? = nil, dataType: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.hint = hint
        self.query = query
        self.column = column
        self.constraint = constraint
        self.table = table
        self.dataType = dataType
    }

    /// The fields of an error result that the server sent, as libpq hands them over.
    struct ServerFields {
        var sqlState: String?
        var message: String
        var hint: String?
        var context: String?
        var schema: String?
        var table: String?
        var column: String?
        var dataType: String?
        var constraint: String?
    }

    /// The error for a server's error result: what `fields` say, minus anything that may quote values.
    init(server fields: ServerFields, query: String) {
        let table = fields.table.map { table in fields.schema.map { "\($0).\(table)" } ?? table }
        let keepsMessage = Self.mayShowMessage(sqlState: fields.sqlState, context: fields.context)
        let message: String
        if keepsMessage {
            message = fields.message
        } else {
            var parts = [fields.sqlState.flatMap { Self.conditionNames[$0] } ?? Self.className(of: fields.sqlState)]
            if let constraint = fields.constraint { parts.append("on constraint \"\(constraint)\"") }
            if let table { parts.append("of table \(table)") }
            if let column = fields.column { parts.append("in column \"\(column)\"") }
            if let type = fields.dataType { parts.append("for type \(type)") }
            message = parts.joined(separator: " ")
        }
        self.init(.server, message: message, sqlState: fields.sqlState, hint: keepsMessage ? fields.hint : nil, query: query,
                  column: fields.column, constraint: fields.constraint, table: table, dataType: fields.dataType)
    }

    /// Whether the server's primary message can be shown: it cannot quote a value.
    static func mayShowMessage(sqlState: String?, context: String?) -> Bool {
        // A PL/pgSQL RAISE is a message its function's author wrote (the innermost frame of the context is
        // the RAISE; an error of a statement inside a function has another frame). chorus's functions — the
        // only ones a chorus database runs — name drafts, states and roles in theirs, never a value.
        if let frame = context?.split(whereSeparator: \.isNewline).first, frame.hasPrefix("PL/pgSQL function "),
           frame.hasSuffix(" at RAISE") {
            return true
        }
        guard let sqlState, sqlState.count == 5 else { return false }
        return Self.valueFreeClasses.contains(String(sqlState.prefix(2)))
    }

    /// SQLSTATE classes whose messages describe the statement, the session or the server — never data:
    /// connection exceptions, unsupported features, transaction states, authorization, rollbacks (serialization
    /// failures, deadlocks), syntax and access rules, resources and limits, object states, operator
    /// intervention, system errors — and chorus's own class `CH`, raised only by its review functions.
    static let valueFreeClasses: Set<String> = ["08", "0A", "25", "28", "3D", "3F", "40", "42", "53", "54", "55", "57", "58", "CH"]

    /// Names of the conditions whose messages are replaced (PostgreSQL's, appendix A of its manual).
    static let conditionNames: [String: String] = [
        "22000": "data exception", "22001": "value too long for its type", "22003": "numeric value out of range",
        "22004": "null value not allowed", "22007": "invalid date/time format", "22008": "date/time field out of range",
        "22012": "division by zero", "22021": "character not in repertoire", "22023": "invalid parameter value",
        "22025": "invalid escape sequence", "2202E": "array subscript error", "22P02": "invalid text representation",
        "22P03": "invalid binary representation", "22P05": "untranslatable character", "22030": "duplicate JSON object key",
        "22032": "invalid JSON text", "2200N": "invalid XML content",
        "23000": "integrity constraint violation", "23001": "restrict violation", "23502": "not-null violation",
        "23503": "foreign key violation", "23505": "unique violation", "23514": "check constraint violation",
        "23P01": "exclusion violation",
        "P0001": "exception raised", "P0002": "no data found", "P0003": "too many rows", "P0004": "assertion failed",
        "XX000": "internal error", "XX001": "data corrupted", "XX002": "index corrupted",
        "21000": "cardinality violation", "2F000": "SQL routine exception", "38000": "external routine exception",
        "39000": "external routine invocation exception",
    ]

    static func className(of sqlState: String?) -> String {
        guard let sqlState, sqlState.count == 5 else { return "server error" }
        return conditionNames[String(sqlState.prefix(2)) + "000"] ?? "server error"
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
            return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
                || ["40001", "40P01", "53200", "53300", "57014", "55P03"].contains(sqlState)
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

    /// The failure in one line, without the query or the hint: `PostgreSQL error 54000: …`.
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
