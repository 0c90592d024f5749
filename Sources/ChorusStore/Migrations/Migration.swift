/// One step of the schema's history: a name and constant SQL.
///
/// A migration that has shipped is never edited: a later change is a new migration at the end of
/// ``Migrations/all``. The SQL is a `StaticString`, so it can only be a literal in this module's source —
/// no value can ever be spliced into it.
public struct Migration: Sendable {
    /// The position in the history, from 1, without gaps.
    public let version: Int
    /// A short name for logs and `chorus status` (`initial_schema`).
    public let name: String
    /// The statements, run in one transaction together with the bookkeeping row.
    public let sql: StaticString

    public init(version: Int, name: String, sql: StaticString) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
