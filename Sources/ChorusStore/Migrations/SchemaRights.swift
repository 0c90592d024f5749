import Postgres

/// Whose rights a connection has over the schema: the daemon and the reviewers should have neither the
/// owner's nor a superuser's, whom the database's guarantees do not bind (docs/REVIEW.md).
public enum SchemaRights: Sendable, Equatable {
    /// A role the schema's rules bind (a member of `chorus_daemon` or `chorus_reviewer`, say).
    case bound
    /// The owner of the schema's tables: it can disable their triggers and change their definitions.
    case owner
    /// A superuser: nothing in the database binds it.
    case superuser

    /// The rights of the connection's current user over a migrated schema.
    public static func of(_ connection: Connection) throws -> SchemaRights {
        let row = try connection.query("""
            SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
                   pg_get_userbyid(c.relowner) = current_user AS owner
            FROM pg_class c WHERE c.oid = 'chorus.drafts'::regclass
            """).first
        if try row?.decode("superuser", as: Bool.self) == true { return .superuser }
        if try row?.decode("owner", as: Bool.self) == true { return .owner }
        return .bound
    }
}
