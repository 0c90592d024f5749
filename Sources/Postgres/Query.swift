/// A SQL statement whose every interpolated value travels as a bound parameter.
///
/// ```swift
/// let query: Query = "SELECT id FROM chorus.events WHERE source = \(source) AND kind = ANY(\(kinds))"
/// // sql:   SELECT id FROM chorus.events WHERE source = $1 AND kind = ANY($2)
/// // binds: [source, kinds]
/// ```
///
/// The literal parts are `StaticString`s, so SQL text can only come from source code. Raw SQL from a
/// variable needs the explicit, greppable `\(unescaped:)`; an identifier from a variable, `\(identifier:)`.
/// There is no API that puts a value into SQL text.
public struct Query: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The statement with `$1`, `$2`, … in place of the values.
    public private(set) var sql: String
    /// The values, in placeholder order.
    public private(set) var binds: [PostgresBind]

    public init(stringLiteral value: StaticString) {
        sql = value.description
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    /// A statement built from constant SQL and binds given in placeholder order, for statements whose
    /// shape is assembled in code (for example, a batch insert whose columns come from a table description).
    public init(unescapedSQL sql: String, binds: [PostgresBind]) {
        self.sql = sql
        self.binds = binds
    }

    /// The SQL text only: a query's description never shows the bound values.
    public var description: String { sql }

    /// Collects the literal SQL and the interpolated values of a `Query` literal.
    public struct StringInterpolation: StringInterpolationProtocol {
        public typealias StringLiteralType = StaticString

        var sql = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            sql += literal.description
        }

        /// Binds `value` as the next parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresBind)
            sql += "$\(binds.count)"
        }

        /// Binds `value`, or NULL, as the next parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresBind ?? PostgresBind(text: nil, type: Value.postgresType))
            sql += "$\(binds.count)"
        }

        /// Inserts `identifier` as a double-quoted SQL identifier (a channel or database name).
        public mutating func appendInterpolation(identifier: String) {
            sql += Query.quoteIdentifier(identifier)
        }

        /// Inserts `raw` into the SQL text as it is. Never pass a value that came from outside.
        public mutating func appendInterpolation(unescaped raw: String) {
            sql += raw
        }
    }

    /// `name` as a double-quoted identifier, inner quotes doubled.
    public static func quoteIdentifier(_ name: String) -> String {
        var quoted = "\""
        for character in name {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }
}

/// One bound parameter: its text-format value (or `nil` for NULL) and its PostgreSQL type.
public struct PostgresBind: Sendable, Hashable {
    /// The value in PostgreSQL's text format; `nil` is NULL.
    public var text: String?
    /// The parameter's type; the server checks the value against it.
    public var type: PostgresType

    public init(text: String?, type: PostgresType) {
        self.text = text
        self.type = type
    }
}
