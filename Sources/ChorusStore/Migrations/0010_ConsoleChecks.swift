extension Migrations {
    /// The console's checks of who someone is, cached per connection (docs/BENCHMARKS.md, *Console*).
    ///
    /// Migration 8 wrote `chorus.is_console` and `chorus.is_person` in `LANGUAGE sql`. PostgreSQL plans the
    /// body of a SQL function that it cannot inline (these have a `SET search_path`) anew on every call, and
    /// every console request calls them — `chorus.console_resume` checks the reviewer is still a person,
    /// `chorus.actor()` whether the session user is the console, and so does the audit's trigger and policy
    /// on every review action. Rewritten in PL/pgSQL, whose statements keep their plans for the life of the
    /// connection, with the same answers.
    static let consoleChecks = Migration(version: 10, name: "console_checks", sql: """
        CREATE OR REPLACE FUNCTION chorus.is_console(p_role text) RETURNS boolean LANGUAGE plpgsql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            RETURN EXISTS (
                SELECT 1 FROM pg_roles r, pg_roles c
                WHERE r.rolname = p_role AND NOT r.rolsuper AND c.rolname = 'chorus_console'
                  AND pg_has_role(r.oid, c.oid, 'MEMBER'));
        END;
        $$;

        CREATE OR REPLACE FUNCTION chorus.is_person(p_role text) RETURNS boolean LANGUAGE plpgsql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            RETURN EXISTS (
                SELECT 1 FROM pg_roles r, pg_roles g
                WHERE r.rolname = p_role AND r.rolcanlogin AND NOT r.rolsuper AND g.rolname = 'chorus_reviewer'
                  AND pg_has_role(r.oid, g.oid, 'MEMBER')
                  AND r.rolname NOT IN ('chorus_reviewer', 'chorus_editor', 'chorus_admin', 'chorus_daemon', 'chorus_console'))
                AND NOT chorus.is_console(p_role);
        END;
        $$;
        """)
}
