-- Chorus: the database roles of PRODUCT.md §7. Idempotent: run it again after every `chorus migrate`
-- (new tables need their grants), as the schema's owner or a superuser:
--
--     psql -v ON_ERROR_STOP=1 -d chorus -f Deploy/roles.sql
--
-- chorus_daemon   the pipeline (`chorus run`, `chorus ingest`, `chorus drill`): writes events, rejected inputs,
--                 cursors, bundles, drafts, action items and their audit rows, held incidents and their evidence,
--                 claims inbox rows, sends drafts whose facts changed back to review (chorus.apply_facts),
--                 applies the release policy (chorus.release_due()), and claims and records deliveries. It cannot
--                 approve, reject, edit or release a particular draft: the review functions are not granted to
--                 it, and the guard trigger on chorus.drafts refuses those moves from anyone but the owner.
-- chorus_reviewer reviewers: read everything, act only through chorus.approve_draft, chorus.reject_draft,
--                 chorus.edit_draft (and release_due/expire_due). No INSERT, UPDATE or DELETE on any table.
--
-- Both are NOLOGIN groups: give each person or service a LOGIN role that is a member, e.g.
--     CREATE ROLE alice LOGIN IN ROLE chorus_reviewer;
-- The audit records the session user (alice), never the group. Migrate as the owner, not as either role.

-- Created only when missing, so that an owner without CREATEROLE can run this file once an administrator
-- has created the two roles (CREATE ROLE checks the privilege before it looks for the role).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chorus_daemon') THEN
        CREATE ROLE chorus_daemon NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another session created it a moment ago
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chorus_reviewer') THEN
        CREATE ROLE chorus_reviewer NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

GRANT USAGE ON SCHEMA chorus TO chorus_daemon, chorus_reviewer;
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
-- Held incidents and their evidence (migration 8): the pipeline holds, corroborates and cancels; evidence
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

-- Reviewers: the review functions only.
GRANT EXECUTE ON FUNCTION chorus.approve_draft(bigint, integer, text), chorus.reject_draft(bigint, integer, text),
    chorus.edit_draft(bigint, integer, text, integer, text), chorus.release_due(bigint), chorus.expire_due()
    TO chorus_reviewer;

-- Make sure neither role holds more than the above from an earlier version of this file.
REVOKE EXECUTE ON FUNCTION chorus.approve_draft(bigint, integer, text), chorus.reject_draft(bigint, integer, text),
    chorus.edit_draft(bigint, integer, text, integer, text) FROM chorus_daemon;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA chorus FROM chorus_reviewer;
REVOKE DELETE, TRUNCATE ON ALL TABLES IN SCHEMA chorus FROM chorus_daemon;
