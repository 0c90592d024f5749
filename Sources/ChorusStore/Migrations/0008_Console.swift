extension Migrations {
    /// Named reviewers and the review console (PRODUCT.md §3, §7, §8).
    ///
    /// - **Who acts.** `chorus.actor()` is the reviewer a review action is recorded for: the session user —
    ///   or, on a connection of the review console (a member of `chorus_console`), the reviewer whose role
    ///   the console has set (`SET LOCAL ROLE`), and only while the console also presents that reviewer's
    ///   live session token (`chorus.console_session`, transaction-local): the database itself refuses a
    ///   console that acts for someone outside their session (`42501`). The audit's actor, `approved_by`,
    ///   `last_edited_by` and the four-eyes rule use it; for every other connection it is `session_user`, as
    ///   before.
    /// - **Console sessions** (`chorus.console_sessions`) live here, so that several console instances share
    ///   them: a SHA-256 of the token (never the token), the reviewer, an absolute expiry and an idle timeout,
    ///   and how it ended. Only the console's functions touch the table.
    /// - **People.** `chorus.add_reviewer`, `chorus.remove_reviewer` and `chorus.reviewers()` manage login
    ///   roles in the groups `chorus_reviewer`, `chorus_editor` and `chorus_admin` (Deploy/roles.sql): an
    ///   admin grants those and nothing else, never a superuser's or the pipeline's rights, and every change
    ///   is a row of `chorus.reviewer_changes`. A password arrives as a SCRAM-SHA-256 verifier made by libpq
    ///   on the client: the plain text never reaches the server. They need the schema owner to hold
    ///   CREATEROLE (a superuser, on the embedded cluster).
    ///
    /// Redefines `chorus.review_audit_guard` and `chorus.approve_draft` (migration 2's texts),
    /// `chorus.edit_draft` (migration 6's) and the audit's policy `review_audit_append` (migration 6's), with
    /// `chorus.actor()` where they had `session_user`.
    static let console = Migration(version: 8, name: "console", sql: """
        CREATE TABLE chorus.console_sessions (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
            role         text NOT NULL,
            created_at   timestamptz NOT NULL DEFAULT now(),
            last_seen_at timestamptz NOT NULL DEFAULT now(),
            expires_at   timestamptz NOT NULL,
            idle_seconds integer NOT NULL CHECK (idle_seconds > 0),
            ended_at     timestamptz,
            ended_why    text CHECK (ended_why IN ('logout', 'removed', 'replaced'))
        );
        CREATE INDEX console_sessions_live_by_role ON chorus.console_sessions (role) WHERE ended_at IS NULL;

        CREATE TABLE chorus.reviewer_changes (
            id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            actor    text NOT NULL,
            reviewer text NOT NULL,
            action   text NOT NULL CHECK (action IN ('added', 'changed', 'removed')),
            role     text CHECK (role IN ('reviewer', 'editor', 'admin')),
            password boolean NOT NULL DEFAULT false,
            at       timestamptz NOT NULL DEFAULT clock_timestamp()
        );

        -- Whether `p_role` connects for the review console: a member of chorus_console that is no superuser
        -- (a superuser is a member of every role, and acts as itself).
        CREATE FUNCTION chorus.is_console(p_role text) RETURNS boolean LANGUAGE sql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
            SELECT EXISTS (
                SELECT 1 FROM pg_roles r, pg_roles c
                WHERE r.rolname = p_role AND NOT r.rolsuper AND c.rolname = 'chorus_console'
                  AND pg_has_role(r.oid, c.oid, 'MEMBER'))
        $$;

        -- Whether `p_role` is a person chorus reviews with: a login role in chorus_reviewer (directly or
        -- through chorus_editor, chorus_admin), no superuser, not the pipeline's or the console's.
        CREATE FUNCTION chorus.is_person(p_role text) RETURNS boolean LANGUAGE sql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
            SELECT EXISTS (
                SELECT 1 FROM pg_roles r, pg_roles g
                WHERE r.rolname = p_role AND r.rolcanlogin AND NOT r.rolsuper AND g.rolname = 'chorus_reviewer'
                  AND pg_has_role(r.oid, g.oid, 'MEMBER')
                  AND r.rolname NOT IN ('chorus_reviewer', 'chorus_editor', 'chorus_admin', 'chorus_daemon', 'chorus_console'))
                AND NOT chorus.is_console(p_role)
        $$;

        -- What the sessions table keeps of a token: its SHA-256, never the token.
        CREATE FUNCTION chorus.console_token_hash(p_token text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT
        SET search_path = pg_catalog, pg_temp AS $$
            SELECT sha256(convert_to(p_token, 'UTF8'))
        $$;

        -- The reviewer an action is recorded for (see the migration's documentation).
        CREATE FUNCTION chorus.actor() RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            delegated text := current_setting('role');
        BEGIN
            IF delegated = 'none' OR NOT chorus.is_console(session_user) THEN
                RETURN session_user;
            END IF;
            IF NOT EXISTS (
                SELECT 1 FROM chorus.console_sessions s
                WHERE s.token_hash = chorus.console_token_hash(coalesce(current_setting('chorus.console_session', true), ''))
                  AND s.role = delegated AND s.ended_at IS NULL AND s.expires_at > now()
                  AND s.last_seen_at + make_interval(secs => s.idle_seconds) > now()) THEN
                RAISE EXCEPTION 'the review console acts for % only within a live session of theirs', delegated
                    USING ERRCODE = '42501';
            END IF;
            RETURN delegated;
        END;
        $$;

        -- Migration 2's audit guard; the actor is chorus.actor(). The pipeline never sets a role, so its
        -- inserts take the cheap branch.
        CREATE OR REPLACE FUNCTION chorus.review_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                NEW.actor := CASE WHEN current_setting('role') = 'none' THEN session_user ELSE chorus.actor() END;
                NEW.at := clock_timestamp();
                RETURN NEW;
            END IF;
            IF TG_OP = 'DELETE' AND chorus.acting_as_owner()
               AND (SELECT is_drill FROM chorus.bundles WHERE id = OLD.bundle_id) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'the review audit is append-only' USING ERRCODE = '42501';
        END;
        $$;

        -- Migration 6's audit policy, the actor being chorus.actor() (the session user, unless the console acts
        -- for a reviewer in her session); the pipeline, which never sets a role, takes the cheap branch.
        ALTER POLICY review_audit_append ON chorus.review_audit
            WITH CHECK (actor = CASE WHEN current_setting('role') = 'none' THEN session_user ELSE chorus.actor() END
                        AND (action IN ('drafted', 'superseded', 'withdrawn', 'flagged') OR chorus.acting_as_owner()));

        -- Migration 2's approve_draft; the reviewer is chorus.actor().
        CREATE OR REPLACE FUNCTION chorus.approve_draft(p_draft bigint, p_expected_version integer, p_note text DEFAULT NULL)
        RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts := chorus.lock_draft(p_draft, p_expected_version);
            me text := chorus.actor();
        BEGIN
            IF d.state = 'approved' THEN
                RAISE EXCEPTION 'draft % was already approved by % at %', p_draft, d.approved_by, d.approved_at
                    USING ERRCODE = 'CH001';
            END IF;
            IF d.state <> 'pending' THEN
                RAISE EXCEPTION 'draft % is %; only a pending draft can be approved%', p_draft, d.state,
                    CASE WHEN d.state = 'needs_edit' THEN ' (edit it first: ' || coalesce(d.problem, 'it needs an edit') || ')' ELSE '' END
                    USING ERRCODE = 'CH002';
            END IF;
            IF d.last_edited_by = me THEN
                RAISE EXCEPTION 'draft % was last edited by you (%): another reviewer must approve it', p_draft, me
                    USING ERRCODE = 'CH003';
            END IF;
            UPDATE chorus.drafts SET state = 'approved', approved_by = me, approved_at = now() WHERE id = p_draft;
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note) VALUES (d.bundle_id, p_draft, 'approved', p_note);
            PERFORM pg_notify('chorus_review', d.bundle_id::text);
            PERFORM chorus.release_due(d.bundle_id);
            RETURN d.version + 1;
        END;
        $$;

        -- Migration 6's edit_draft; the editor is chorus.actor().
        CREATE OR REPLACE FUNCTION chorus.edit_draft(p_draft bigint, p_expected_version integer, p_text text,
                                                     p_weighted_length integer, p_note text DEFAULT NULL)
        RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts;
            over boolean;
            least_length integer;
        BEGIN
            IF coalesce(btrim(p_text), '') = '' THEN
                RAISE EXCEPTION 'the new text is empty' USING ERRCODE = '22023';
            END IF;
            IF p_text ~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]' THEN
                RAISE EXCEPTION 'the new text holds a control character (only tab and line breaks are allowed)'
                    USING ERRCODE = '22023';
            END IF;
            IF p_weighted_length IS NULL OR p_weighted_length < 0 THEN
                RAISE EXCEPTION 'the weighted length must be given' USING ERRCODE = '22023';
            END IF;
            d := chorus.lock_draft(p_draft, p_expected_version);
            IF d.state NOT IN ('pending', 'needs_edit', 'approved') THEN
                RAISE EXCEPTION 'draft % is %; it can no longer be edited', p_draft, d.state USING ERRCODE = 'CH002';
            END IF;
            IF d.text = p_text THEN
                RAISE EXCEPTION 'the new text of draft % is the same as revision %', p_draft, d.revision USING ERRCODE = '22023';
            END IF;
            least_length := chorus.length_lower_bound(p_text, d.channel);
            IF p_weighted_length < least_length THEN
                RAISE EXCEPTION 'a weighted length of % cannot be true for this text on %: it measures at least %',
                    p_weighted_length, d.channel, least_length USING ERRCODE = '22023';
            END IF;
            over := p_weighted_length > d.length_limit;
            UPDATE chorus.drafts
            SET text = p_text, revision = d.revision + 1, weighted_length = p_weighted_length,
                problem = CASE WHEN over THEN format('%s characters, over the limit of %s', p_weighted_length, d.length_limit) END,
                state = CASE WHEN over THEN 'needs_edit' ELSE 'pending' END,
                last_edited_by = chorus.actor(), approved_by = NULL, approved_at = NULL
            WHERE id = p_draft;
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text, after_text)
            VALUES (d.bundle_id, p_draft, 'edited', p_note, d.text, p_text);
            PERFORM pg_notify('chorus_review', d.bundle_id::text);
            RETURN d.version + 1;
        END;
        $$;

        -- The console's sessions. The console checks the password by logging in as the reviewer, then opens
        -- the session; every later request resumes it by the token's hash.
        CREATE FUNCTION chorus.console_open(p_token text, p_role text, p_lifetime interval, p_idle interval)
        RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            opened bigint;
        BEGIN
            IF NOT chorus.is_person(p_role) THEN
                RAISE EXCEPTION 'only a named reviewer can open a console session' USING ERRCODE = '42501';
            END IF;
            IF length(p_token) < 32 THEN
                RAISE EXCEPTION 'a session token has at least 32 characters' USING ERRCODE = '22023';
            END IF;
            IF p_lifetime <= '0'::interval OR p_idle <= '0'::interval THEN
                RAISE EXCEPTION 'a session needs a positive lifetime and idle timeout' USING ERRCODE = '22023';
            END IF;
            DELETE FROM chorus.console_sessions
            WHERE coalesce(ended_at, expires_at) < now() - interval '30 days';
            -- At most 20 live sessions a reviewer: the oldest make room.
            UPDATE chorus.console_sessions SET ended_at = now(), ended_why = 'replaced'
            WHERE id IN (SELECT id FROM chorus.console_sessions WHERE role = p_role AND ended_at IS NULL
                         ORDER BY created_at DESC OFFSET 19);
            INSERT INTO chorus.console_sessions (token_hash, role, expires_at, idle_seconds)
            VALUES (chorus.console_token_hash(p_token), p_role, now() + p_lifetime, greatest(1, extract(epoch FROM p_idle)::integer))
            RETURNING id INTO opened;
            RETURN opened;
        END;
        $$;

        -- The live session of a token (its reviewer, id and expiry), touched so that its idle timeout
        -- starts again; nothing when there is none. A reviewer who is no longer one loses their sessions.
        CREATE FUNCTION chorus.console_resume(p_token text)
        RETURNS TABLE (session_id bigint, reviewer text, expires_at timestamptz, idle_until timestamptz)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            s chorus.console_sessions;
        BEGIN
            SELECT * INTO s FROM chorus.console_sessions c
            WHERE c.token_hash = chorus.console_token_hash(p_token) AND c.ended_at IS NULL AND c.expires_at > now()
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

        -- Logout: ends the session of a token.
        CREATE FUNCTION chorus.console_close(p_token text) RETURNS boolean LANGUAGE sql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
            WITH ended AS (
                UPDATE chorus.console_sessions SET ended_at = now(), ended_why = 'logout'
                WHERE token_hash = chorus.console_token_hash(p_token) AND ended_at IS NULL RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM ended)
        $$;

        -- The people: every person (see chorus.is_person), their group, whether they can log in with a
        -- password (only a superuser-owned schema can tell; else NULL) and their live console sessions.
        CREATE FUNCTION chorus.reviewers()
        RETURNS TABLE (name text, role text, has_password boolean, live_sessions integer)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT r.rolname::text,
                   CASE WHEN pg_has_role(r.oid, 'chorus_admin', 'MEMBER') THEN 'admin'
                        WHEN pg_has_role(r.oid, 'chorus_editor', 'MEMBER') THEN 'editor'
                        ELSE 'reviewer' END,
                   CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                        THEN (SELECT a.rolpassword IS NOT NULL FROM pg_authid a WHERE a.oid = r.oid) END,
                   (SELECT count(*)::integer FROM chorus.console_sessions s
                    WHERE s.role = r.rolname AND s.ended_at IS NULL AND s.expires_at > now()
                      AND s.last_seen_at + make_interval(secs => s.idle_seconds) > now())
            FROM pg_roles r
            WHERE chorus.is_person(r.rolname)
            ORDER BY r.rolname
        $$;

        -- Adds a reviewer (a login role in the group of `p_role`) or changes an existing one's group and
        -- password; returns 'added' or 'changed'. `p_password` is NULL (no password: peer or certificate
        -- logins only) or a SCRAM-SHA-256 verifier.
        CREATE FUNCTION chorus.add_reviewer(p_name text, p_role text, p_password text DEFAULT NULL)
        RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            wanted text;
            existing pg_roles;
            outcome text;
        BEGIN
            IF p_name IS NULL OR p_name !~ '^[a-z_][a-z0-9_.-]{0,62}$' OR p_name LIKE 'pg\\_%' OR p_name LIKE 'chorus%'
               OR p_name IN ('public', 'postgres', 'none', 'current_user', 'session_user', 'current_role') THEN
                RAISE EXCEPTION 'a reviewer''s name is 1 to 63 lower-case letters, digits, _ . or -, starting with a letter or _, and not a reserved name'
                    USING ERRCODE = '22023';
            END IF;
            wanted := CASE p_role WHEN 'reviewer' THEN 'chorus_reviewer' WHEN 'editor' THEN 'chorus_editor'
                                  WHEN 'admin' THEN 'chorus_admin' END;
            IF wanted IS NULL THEN
                RAISE EXCEPTION 'the role is reviewer, editor or admin' USING ERRCODE = '22023';
            END IF;
            IF p_password IS NOT NULL AND p_password NOT LIKE 'SCRAM-SHA-256$%' THEN
                RAISE EXCEPTION 'a password arrives as a SCRAM-SHA-256 verifier, never as plain text' USING ERRCODE = '22023';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chorus_console') THEN
                RAISE EXCEPTION 'the roles of Deploy/roles.sql are missing: run it first' USING ERRCODE = '42704';
            END IF;
            SELECT * INTO existing FROM pg_roles WHERE rolname = p_name;
            IF FOUND THEN
                IF NOT chorus.is_person(p_name) THEN
                    RAISE EXCEPTION 'the role % exists and is no chorus reviewer: chorus changes only the people it reviews with', p_name
                        USING ERRCODE = '42501';
                END IF;
                EXECUTE format('REVOKE chorus_reviewer, chorus_editor, chorus_admin FROM %I', p_name);
                outcome := 'changed';
            ELSE
                EXECUTE format('CREATE ROLE %I LOGIN', p_name);
                outcome := 'added';
            END IF;
            EXECUTE format('GRANT %I TO %I', wanted, p_name);
            IF p_password IS NOT NULL THEN
                EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_password);
            END IF;
            -- The console sets the reviewer's role for their actions (it inherits nothing of it).
            EXECUTE format('GRANT %I TO chorus_console', p_name);
            INSERT INTO chorus.reviewer_changes (actor, reviewer, action, role, password)
            VALUES (chorus.actor(), p_name, outcome, p_role, p_password IS NOT NULL);
            RETURN outcome;
        END;
        $$;

        -- Removes a reviewer: their console sessions end, and their role is dropped (or, when it owns
        -- something, loses its login and its groups). Returns false when there is no such reviewer.
        CREATE FUNCTION chorus.remove_reviewer(p_name text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_name) THEN
                RETURN false;
            END IF;
            IF NOT chorus.is_person(p_name) THEN
                RAISE EXCEPTION 'the role % is no chorus reviewer: chorus removes only the people it reviews with', p_name
                    USING ERRCODE = '42501';
            END IF;
            UPDATE chorus.console_sessions SET ended_at = now(), ended_why = 'removed' WHERE role = p_name AND ended_at IS NULL;
            INSERT INTO chorus.reviewer_changes (actor, reviewer, action) VALUES (chorus.actor(), p_name, 'removed');
            EXECUTE format('REVOKE chorus_reviewer, chorus_editor, chorus_admin FROM %I', p_name);
            BEGIN
                EXECUTE format('DROP ROLE %I', p_name);
            EXCEPTION WHEN dependent_objects_still_exist THEN
                EXECUTE format('ALTER ROLE %I NOLOGIN', p_name);
            END;
            RETURN true;
        END;
        $$;

        REVOKE ALL ON FUNCTION chorus.console_open(text, text, interval, interval),
            chorus.console_resume(text), chorus.console_close(text), chorus.reviewers(),
            chorus.add_reviewer(text, text, text), chorus.remove_reviewer(text) FROM PUBLIC;
        -- chorus.actor() stays executable by everyone: the audit trigger calls it for whoever writes.
        """)
}
