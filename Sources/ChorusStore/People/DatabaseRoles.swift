/// The database roles of PRODUCT.md §7: the text of `Deploy/roles.sql`, which operators run with `psql`
/// after every `chorus migrate` and which chorus applies by itself to the embedded cluster (and `chorus
/// reviewers` before it adds someone, when the groups are missing). A test keeps the two texts identical.
public enum DatabaseRoles {
    /// The groups a reviewer can be in, as `chorus reviewers add --role` names them.
    public enum Group: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
        /// Reads everything; approves and rejects.
        case reviewer
        /// A reviewer who also edits (never approving their own edit).
        case editor
        /// An editor who also adds, changes and removes reviewers.
        case admin

        /// The PostgreSQL group role (`chorus_reviewer`, …).
        public var groupRole: String { "chorus_\(rawValue)" }

        public var description: String { rawValue }
    }

    /// The role the review console logs in as.
    public static let consoleRole = "chorus_console"

    /// Deploy/roles.sql.
    public static let script: StaticString = #"""
-- Chorus: the database roles of PRODUCT.md §7. Idempotent: run it again after every `chorus migrate`
-- (new tables need their grants), as the schema's owner or a superuser:
--
--     psql -v ON_ERROR_STOP=1 -d chorus -f Deploy/roles.sql
--
-- (The embedded cluster gets it by itself: chorus applies the same text, ChorusStore's DatabaseRoles.)
--
-- chorus_daemon   the pipeline (`chorus run`, `chorus ingest`, `chorus drill`): writes events, rejected inputs,
--                 cursors, bundles, drafts, action items and their audit rows, held incidents and their evidence,
--                 claims inbox rows, sends drafts whose facts changed back to review (chorus.apply_facts),
--                 applies the release policy (chorus.release_due()), and claims and records deliveries. It cannot
--                 approve, reject, edit or release a particular draft: the review functions are not granted to
--                 it, and the guard trigger on chorus.drafts refuses those moves from anyone but the owner.
-- chorus_reviewer reviewers: read everything, approve and reject through chorus.approve_draft and
--                 chorus.reject_draft (and release_due/expire_due). No INSERT, UPDATE or DELETE on any table.
-- chorus_editor   reviewers who also write new revisions (chorus.edit_draft). Whoever edited a draft last
--                 may not approve it: another reviewer must.
-- chorus_admin    editors who also add, change and remove reviewers (chorus.add_reviewer,
--                 chorus.remove_reviewer: `chorus reviewers add|remove`) — login roles in these three groups
--                 and nothing else. An admin never bypasses the review functions: no table is writable to them.
-- chorus_console  the review console's own login (LOGIN NOINHERIT, no password here: give it one, or a
--                 certificate or peer line in pg_hba.conf). It inherits nothing: for a reviewer's action it
--                 sets the reviewer's role, and the database accepts that only inside the reviewer's live
--                 console session (chorus.actor()). chorus.add_reviewer grants it each reviewer's role.
--
-- Reviewers are LOGIN roles in one of the three groups, best added with `chorus reviewers add NAME --role
-- reviewer|editor|admin` (which needs the schema's owner to hold CREATEROLE), or by hand:
--     CREATE ROLE alice LOGIN IN ROLE chorus_reviewer;
-- The audit records the reviewer (alice), never the group. Migrate as the owner, not as any of these.

-- Created, and linked, only when missing, so that an owner without CREATEROLE can run this file once an
-- administrator has created the roles (CREATE ROLE and GRANT of a role check the privilege before they look
-- at what exists): chorus_daemon, chorus_reviewer, chorus_editor and chorus_admin NOLOGIN, chorus_console
-- LOGIN NOINHERIT, chorus_reviewer granted to chorus_editor and chorus_editor to chorus_admin.
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['chorus_daemon', 'chorus_reviewer', 'chorus_editor', 'chorus_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- another session created it a moment ago
            END;
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chorus_console') THEN
        BEGIN
            CREATE ROLE chorus_console LOGIN NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    ELSIF (SELECT rolinherit FROM pg_roles WHERE rolname = 'chorus_console') THEN
        ALTER ROLE chorus_console NOINHERIT;
    END IF;
    -- Editors are reviewers; admins are editors.
    IF NOT pg_has_role('chorus_editor', 'chorus_reviewer', 'MEMBER') THEN
        GRANT chorus_reviewer TO chorus_editor;
    END IF;
    IF NOT pg_has_role('chorus_admin', 'chorus_editor', 'MEMBER') THEN
        GRANT chorus_editor TO chorus_admin;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA chorus TO chorus_daemon, chorus_reviewer, chorus_console;
GRANT SELECT ON ALL TABLES IN SCHEMA chorus TO chorus_daemon, chorus_reviewer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA chorus TO chorus_daemon;

-- The daemon: what the pipeline writes (QueueWriter), column by column where it only updates a few.
GRANT INSERT ON chorus.events, chorus.rejected_inputs, chorus.bundle_events, chorus.action_items,
    chorus.bundles, chorus.drafts, chorus.outbox_deliveries, chorus.deliveries TO chorus_daemon;
GRANT INSERT, UPDATE ON chorus.source_cursors TO chorus_daemon;
GRANT UPDATE (flag, updated_at) ON chorus.bundles TO chorus_daemon;
GRANT UPDATE (state, flag, updated_at) ON chorus.drafts TO chorus_daemon;
GRANT UPDATE (state) ON chorus.action_items TO chorus_daemon;
GRANT UPDATE (processed_at, outcome) ON chorus.inbox TO chorus_daemon;
-- Delivery claims (migration 5): lease, attempt, record.
GRANT UPDATE (state, attempts, next_attempt_at, claimed_by, claimed_until, delivered_at, last_error, destination)
    ON chorus.deliveries TO chorus_daemon;
-- Held incidents and their evidence (migration 9): the pipeline holds, corroborates and cancels; evidence
-- is append-only.
GRANT INSERT ON chorus.corroborations, chorus.corroboration_evidence TO chorus_daemon;
GRANT UPDATE (countries, place, lat, lon, incidents, state, certainty, reports, origins, authorities, sources_required,
    bundle_id, corroborated_at, updated_at) ON chorus.corroborations TO chorus_daemon;
-- Each `chorus run` instance's heartbeat row (migration 3), upserted every few seconds.
GRANT INSERT, UPDATE ON chorus.daemon_instances TO chorus_daemon;
-- Audit rows without `actor` and `at`: the database writes those (the session user, the clock).
GRANT INSERT (bundle_id, draft_id, action, note, before_text, after_text, before_facts, after_facts)
    ON chorus.review_audit TO chorus_daemon;
GRANT EXECUTE ON FUNCTION chorus.release_due(bigint), chorus.expire_due(), chorus.clear_drills(interval),
    chorus.apply_facts(bigint, bigint, bigint[], text, jsonb, jsonb) TO chorus_daemon;

-- Reviewers: the review functions only; editors also write; admins also manage the people.
GRANT EXECUTE ON FUNCTION chorus.approve_draft(bigint, integer, text), chorus.reject_draft(bigint, integer, text),
    chorus.release_due(bigint), chorus.expire_due(), chorus.reviewers() TO chorus_reviewer;
GRANT EXECUTE ON FUNCTION chorus.edit_draft(bigint, integer, text, integer, text) TO chorus_editor;
GRANT EXECUTE ON FUNCTION chorus.add_reviewer(text, text, text), chorus.remove_reviewer(text) TO chorus_admin;
-- The console: its sessions only. Everything else it does, it does as the reviewer.
GRANT EXECUTE ON FUNCTION chorus.console_open(text, text, interval, interval), chorus.console_resume(text),
    chorus.console_close(text) TO chorus_console;
-- Every reviewer's role is the console's to set (reviewers added by hand, before chorus reviewers existed).
DO $$
DECLARE
    person text;
BEGIN
    FOR person IN SELECT r.rolname FROM pg_roles r
                  WHERE chorus.is_person(r.rolname) AND NOT pg_has_role('chorus_console', r.oid, 'MEMBER') LOOP
        BEGIN
            EXECUTE format('GRANT %I TO chorus_console', person);
        EXCEPTION WHEN insufficient_privilege THEN
            -- An owner without CREATEROLE: the rest of this file still holds; an administrator grants it.
            RAISE WARNING 'chorus: the console cannot act for % until an administrator runs: GRANT % TO chorus_console',
                person, person;
        END;
    END LOOP;
END
$$;

-- Make sure no role holds more than the above from an earlier version of this file.
REVOKE EXECUTE ON FUNCTION chorus.approve_draft(bigint, integer, text), chorus.reject_draft(bigint, integer, text),
    chorus.edit_draft(bigint, integer, text, integer, text) FROM chorus_daemon, chorus_console;
REVOKE EXECUTE ON FUNCTION chorus.edit_draft(bigint, integer, text, integer, text) FROM chorus_reviewer;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA chorus FROM chorus_reviewer, chorus_console;
REVOKE SELECT ON ALL TABLES IN SCHEMA chorus FROM chorus_console;
REVOKE DELETE, TRUNCATE ON ALL TABLES IN SCHEMA chorus FROM chorus_daemon;
-- Console sessions (their tokens' hashes) are nobody's to read: the console's functions use them.
REVOKE ALL ON chorus.console_sessions FROM chorus_daemon, chorus_reviewer;
"""#
}
