extension Migrations {
    /// The console's session lookup by token, which scanned every session (docs/BENCHMARKS.md, *Session 6*).
    ///
    /// `chorus.console_token_hash` was `LANGUAGE sql IMMUTABLE` with a `SET search_path`: PostgreSQL cannot
    /// inline such a function (a `SET` clause forbids it, and so does an `IMMUTABLE` declaration over the
    /// `STABLE` `convert_to`), so `chorus.console_resume` — on every console request — found the session by a
    /// sequential scan of `chorus.console_sessions` that ran the function, parsed and planned anew, for every
    /// row (kept 30 days: the lookup grew with every login). Now:
    ///
    /// - `chorus.console_token_hash` is `STABLE` with its names schema-qualified instead of the `SET`, so that
    ///   PostgreSQL inlines it as `sha256(convert_to(…))` wherever it is called (`chorus.actor()`,
    ///   `chorus.console_open`, `chorus.console_close`); the same value as before.
    /// - `chorus.console_resume` (migration 8's) hashes the token once, before the lookup, which the unique
    ///   index on `token_hash` can then answer.
    static let consoleTokenLookup = Migration(version: 14, name: "console_token_lookup", sql: """
        CREATE OR REPLACE FUNCTION chorus.console_token_hash(p_token text) RETURNS bytea LANGUAGE sql STABLE STRICT
        AS $$
            SELECT pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8'))
        $$;

        -- Migration 8's console_resume, the token hashed once.
        CREATE OR REPLACE FUNCTION chorus.console_resume(p_token text)
        RETURNS TABLE (session_id bigint, reviewer text, expires_at timestamptz, idle_until timestamptz)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            hash bytea := sha256(convert_to(p_token, 'UTF8'));
            s chorus.console_sessions;
        BEGIN
            SELECT * INTO s FROM chorus.console_sessions c
            WHERE c.token_hash = hash AND c.ended_at IS NULL AND c.expires_at > now()
              AND c.last_seen_at + make_interval(secs => c.idle_seconds) > now();
            IF NOT FOUND THEN
                RETURN;
            END IF;
            IF NOT chorus.is_person(s.role) THEN
                UPDATE chorus.console_sessions SET ended_at = now(), ended_why = 'removed' WHERE id = s.id;
                RETURN;
            END IF;
            -- One write every few seconds at most, however often the reviewer clicks.
            IF s.last_seen_at < now() - interval '5 seconds' THEN
                UPDATE chorus.console_sessions SET last_seen_at = now() WHERE id = s.id;
                s.last_seen_at := now();
            END IF;
            session_id := s.id;
            reviewer := s.role;
            expires_at := s.expires_at;
            idle_until := s.last_seen_at + make_interval(secs => s.idle_seconds);
            RETURN NEXT;
        END;
        $$;
        """)
}
