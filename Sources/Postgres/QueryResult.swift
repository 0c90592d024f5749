/// The rows a statement returned, copied out of libpq's result so that no C memory outlives the call.
public struct QueryResult: Sendable {
    /// The columns, in order.
    public let columns: [Column]
    /// The rows, in order.
    public let rows: [Row]
    /// The number of rows the statement inserted, updated or deleted (`PQcmdTuples`), or 0.
    public let affectedRows: Int

    init(columns: [Column], rows: [Row], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The first row, if any.
    public var first: Row? { rows.first }

    /// A column of a result: its name and type.
    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: PostgresType
    }
}

/// One row of a ``QueryResult``.
///
/// ```swift
/// let id = try row.decode("id", as: Int.self)
/// let place = try row.decode("place", as: String?.self)   // NULL → nil
/// ```
public struct Row: Sendable {
    let layout: ColumnLayout
    let values: [String?]

    /// Decodes the column named `name`.
    /// - Throws: ``PostgresError`` naming the column when it is missing, NULL for a non-optional type, or of
    ///   another type.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let index = layout.index(of: name) else {
            throw PostgresError(.decoding, message: "no such column in the result", column: name)
        }
        return try decode(index, as: type)
    }

    /// Decodes the column at `index` (from 0).
    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        guard values.indices.contains(index) else {
            throw PostgresError(.decoding, message: "the result has no column \(index)", column: "#\(index)")
        }
        let column = layout.columns[index]
        do {
            guard let text = values[index] else { return try T.decodeNull() }
            return try T.decode(postgresText: text, type: column.type)
        } catch var error as PostgresError {
            error.column = column.name
            throw error
        }
    }

    /// Decodes the column named `name`, which holds the raw value of `T` (a state or a role stored as text).
    /// - Throws: ``PostgresError`` naming the column when the value is not one of `T`'s (without the value).
    public func decode<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) throws -> T where T.RawValue: PostgresDecodable {
        guard let value = T(rawValue: try decode(name, as: T.RawValue.self)) else {
            throw PostgresError(.decoding, message: "holds a value that is not a \(T.self)", column: name)
        }
        return value
    }

    /// Decodes the column named `name`, which holds the raw value of `T` or NULL.
    public func decode<T: RawRepresentable>(_ name: String, as type: T?.Type = T?.self) throws -> T? where T.RawValue: PostgresDecodable {
        guard let raw = try decode(name, as: T.RawValue?.self) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw PostgresError(.decoding, message: "holds a value that is not a \(T.self)", column: name)
        }
        return value
    }

    /// The row's values in PostgreSQL's text format (`nil` for NULL), in column order — what `COPY` reads.
    public var textValues: [String?] { values }

    /// Whether the column named `name` is NULL (or absent).
    public func isNull(_ name: String) -> Bool {
        guard let index = layout.index(of: name) else { return true }
        return values[index] == nil
    }
}

/// The columns of a result, shared by its rows, with a name lookup built once.
final class ColumnLayout: Sendable {
    let columns: [QueryResult.Column]
    private let indexByName: [String: Int]

    init(columns: [QueryResult.Column]) {
        self.columns = columns
        var indexByName: [String: Int] = [:]
        for (index, column) in columns.enumerated() where indexByName[column.name] == nil {
            indexByName[column.name] = index
        }
        self.indexByName = indexByName
    }

    func index(of name: String) -> Int? { indexByName[name] }
}
