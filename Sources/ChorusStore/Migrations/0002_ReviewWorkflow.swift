extension Migrations {
    /// The review workflow of PRODUCT.md §7, enforced by the database whoever writes: a guard trigger on
    /// drafts that refuses every illegal change (raw `UPDATE`s included), the review functions that are the
    /// only way to approve, reject, edit, release and expire, an unforgeable audit, and webhook deliveries.
    ///
    /// Errors the workflow raises (SQLSTATE class `CH`, documented in docs/REVIEW.md):
    /// `CH001` the draft changed since it was shown (its version differs), `CH002` the draft's state does not
    /// allow the action, `CH003` whoever last edited a draft may not approve it; `42501` a change only the
    /// review functions may make; `22023` a bad argument. A drill draft's release is refused by migration 1's
    /// CHECK constraint `drill_drafts_are_never_released` (`23514`), for every role, triggers or not.
    static let reviewWorkflow = Migration(version: 2, name: "review_workflow", sql: """
        -- Every change to a draft bumps its version: the optimistic-concurrency token a reviewer's client
        -- passes back ("approve what I was shown"). `revision` counts only the text's edits.
        ALTER TABLE chorus.drafts
            ADD COLUMN version      integer NOT NULL DEFAULT 1,
            ADD COLUMN approved_by  text,
            ADD COLUMN approved_at  timestamptz,
            ADD COLUMN release_seq  bigint UNIQUE;
        CREATE SEQUENCE chorus.release_order;
        CREATE INDEX drafts_by_release_seq ON chorus.drafts (release_seq) WHERE release_seq IS NOT NULL;
        CREATE INDEX drafts_by_bundle ON chorus.drafts (bundle_id, id);

        -- Webhook deliveries of released drafts: one row per attempt.
        CREATE TABLE chorus.outbox_deliveries (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            draft_id        bigint NOT NULL REFERENCES chorus.drafts (id),
            participant     text NOT NULL,
            url             text NOT NULL,
            idempotency_key text NOT NULL,
            attempt         integer NOT NULL CHECK (attempt >= 1),
            status_code     integer,
            error           text,
            succeeded       boolean NOT NULL,
            attempted_at    timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX outbox_deliveries_by_draft ON chorus.outbox_deliveries (draft_id, id);

        -- Whether the statement runs with the schema owner's rights: inside the review functions below (which
        -- are SECURITY DEFINER, so current_user is their owner), or an administrator's own SQL (the owner or a
        -- superuser, who could drop the triggers anyway). The daemon's and the reviewers' roles never are.
        CREATE FUNCTION chorus.acting_as_owner() RETURNS boolean LANGUAGE sql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
            SELECT current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'chorus.drafts'::regclass)
                OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
        $$;

        -- The state machine of a draft, checked on every INSERT, UPDATE and DELETE whoever issues it. On the
        -- pipeline's hot path (inserts, supersede, withdraw, flag) it looks nothing up but the bundle's drill
        -- status; names are schema-qualified, so it needs no search_path of its own.
        CREATE FUNCTION chorus.drafts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            allowed boolean;
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF NEW.state NOT IN ('pending', 'needs_edit') OR NEW.revision <> 1 OR NEW.released_at IS NOT NULL
                   OR NEW.release_seq IS NOT NULL OR NEW.approved_by IS NOT NULL OR NEW.last_edited_by IS NOT NULL THEN
                    RAISE EXCEPTION 'a new draft is pending or needs_edit, revision 1, unreviewed'
                        USING ERRCODE = 'CH002';
                END IF;
                -- A drill bundle holds drill drafts only (a live draft in it could otherwise be released).
                IF NOT NEW.is_drill AND (SELECT b.is_drill FROM chorus.bundles b WHERE b.id = NEW.bundle_id) THEN
                    RAISE EXCEPTION 'a draft of drill bundle % must be a drill draft', NEW.bundle_id USING ERRCODE = 'CH002';
                END IF;
                NEW.version := 1;
                RETURN NEW;
            END IF;
            IF TG_OP = 'DELETE' THEN
                IF NOT (OLD.is_drill AND chorus.acting_as_owner()) THEN
                    RAISE EXCEPTION 'draft % cannot be deleted: only drill drafts are, by chorus.clear_drills()', OLD.id
                        USING ERRCODE = '42501';
                END IF;
                RETURN OLD;
            END IF;
            IF (NEW.id, NEW.bundle_id, NEW.event_id, NEW.participant, NEW.channel, NEW.language, NEW.is_drill,
                NEW.length_limit, NEW.ruleset_version, NEW.created_at)
               IS DISTINCT FROM
               (OLD.id, OLD.bundle_id, OLD.event_id, OLD.participant, OLD.channel, OLD.language, OLD.is_drill,
                OLD.length_limit, OLD.ruleset_version, OLD.created_at) THEN
                RAISE EXCEPTION 'draft %: only its text, state and flag can change', OLD.id USING ERRCODE = 'CH002';
            END IF;
            IF (NEW.text, NEW.revision, NEW.weighted_length, NEW.problem, NEW.last_edited_by,
                NEW.approved_by, NEW.approved_at, NEW.released_at, NEW.release_seq)
               IS DISTINCT FROM
               (OLD.text, OLD.revision, OLD.weighted_length, OLD.problem, OLD.last_edited_by,
                OLD.approved_by, OLD.approved_at, OLD.released_at, OLD.release_seq)
               AND NOT chorus.acting_as_owner() THEN
                RAISE EXCEPTION 'draft %: only the review functions (chorus.edit_draft, chorus.approve_draft, …) change a draft''s text or review', OLD.id
                    USING ERRCODE = '42501';
            END IF;
            IF NEW.text IS DISTINCT FROM OLD.text AND NEW.revision <> OLD.revision + 1 THEN
                RAISE EXCEPTION 'draft %: a new text is a new revision', OLD.id USING ERRCODE = 'CH002';
            END IF;
            IF NEW.state IS DISTINCT FROM OLD.state THEN
                IF NEW.state = 'released' AND OLD.is_drill THEN
                    -- The CHECK constraint drill_drafts_are_never_released refuses it (23514), whoever asks,
                    -- even with this trigger disabled: one refusal, one SQLSTATE.
                    RETURN NEW;
                END IF;
                allowed := CASE OLD.state
                    WHEN 'pending' THEN NEW.state IN ('approved', 'rejected', 'needs_edit', 'superseded', 'withdrawn', 'expired')
                    WHEN 'needs_edit' THEN NEW.state IN ('pending', 'rejected', 'superseded', 'withdrawn', 'expired')
                    WHEN 'approved' THEN NEW.state IN ('released', 'rejected', 'pending', 'needs_edit', 'superseded', 'withdrawn', 'expired')
                    ELSE false
                END;
                IF NOT allowed THEN
                    RAISE EXCEPTION 'draft % cannot go from % to %', OLD.id, OLD.state, NEW.state USING ERRCODE = 'CH002';
                END IF;
                -- The pipeline (an update or a cancel of the event) may supersede or withdraw; every other
                -- move is a review decision and goes through the review functions.
                IF NEW.state NOT IN ('superseded', 'withdrawn') AND NOT chorus.acting_as_owner() THEN
                    RAISE EXCEPTION 'draft %: only the review functions move a draft to %', OLD.id, NEW.state
                        USING ERRCODE = '42501';
                END IF;
            END IF;
            NEW.version := OLD.version + 1;
            NEW.updated_at := now();
            RETURN NEW;
        END;
        $$;
        CREATE TRIGGER drafts_guard BEFORE INSERT OR UPDATE OR DELETE ON chorus.drafts
            FOR EACH ROW EXECUTE FUNCTION chorus.drafts_guard();

        -- A bundle's identity and drill status never change; bundles are deleted only as drills.
        CREATE FUNCTION chorus.bundles_guard() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF NOT (OLD.is_drill AND chorus.acting_as_owner()) THEN
                    RAISE EXCEPTION 'bundle % cannot be deleted: only drill bundles are, by chorus.clear_drills()', OLD.id
                        USING ERRCODE = '42501';
                END IF;
                RETURN OLD;
            END IF;
            IF (NEW.id, NEW.is_drill, NEW.event_id, NEW.rule_id) IS DISTINCT FROM (OLD.id, OLD.is_drill, OLD.event_id, OLD.rule_id) THEN
                RAISE EXCEPTION 'bundle %: its rule, event and drill status never change', OLD.id USING ERRCODE = 'CH002';
            END IF;
            RETURN NEW;
        END;
        $$;
        CREATE TRIGGER bundles_guard BEFORE UPDATE OR DELETE ON chorus.bundles
            FOR EACH ROW EXECUTE FUNCTION chorus.bundles_guard();

        -- The audit is append-only and its actor is the session user, whatever the client writes.
        CREATE FUNCTION chorus.review_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                NEW.actor := session_user;
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
        CREATE TRIGGER review_audit_guard BEFORE INSERT OR UPDATE OR DELETE ON chorus.review_audit
            FOR EACH ROW EXECUTE FUNCTION chorus.review_audit_guard();

        -- Locks a draft and its bundle (in the pipeline's order: draft, then bundle) and checks the version
        -- the caller was shown.
        CREATE FUNCTION chorus.lock_draft(p_draft bigint, p_expected_version integer)
        RETURNS chorus.drafts LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts;
        BEGIN
            SELECT * INTO d FROM chorus.drafts WHERE id = p_draft FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'there is no draft %', p_draft USING ERRCODE = '22023';
            END IF;
            PERFORM 1 FROM chorus.bundles WHERE id = d.bundle_id FOR UPDATE;
            IF p_expected_version IS NOT NULL AND d.version <> p_expected_version THEN
                RAISE EXCEPTION 'draft % changed since it was shown (version % now, % shown): it is % at revision %, last edited by %',
                    p_draft, d.version, p_expected_version, d.state, d.revision, coalesce(d.last_edited_by, 'nobody')
                    USING ERRCODE = 'CH001', HINT = 'show it again and decide on what it says now';
            END IF;
            RETURN d;
        END;
        $$;

        -- Releases what is due in one bundle (or in every bundle) and returns how many drafts it released.
        -- Policy 'all': once every live draft of the bundle is approved; 'each': every approved draft. Never
        -- before not_before, never after expires_at, never a drill.
        CREATE FUNCTION chorus.release_due(p_bundle bigint DEFAULT NULL) RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            released integer := 0;
            bundles bigint[];
        BEGIN
            PERFORM chorus.expire_due();
            WITH due AS (
                SELECT d.id, d.bundle_id FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
                WHERE d.state = 'approved' AND NOT d.is_drill AND NOT b.is_drill
                  AND (p_bundle IS NULL OR b.id = p_bundle)
                  AND (b.not_before IS NULL OR b.not_before <= now())
                  AND (b.expires_at IS NULL OR b.expires_at > now())
                  AND (b.release_policy = 'each' OR NOT EXISTS (
                        SELECT 1 FROM chorus.drafts o WHERE o.bundle_id = b.id AND o.state IN ('pending', 'needs_edit')))
                ORDER BY d.bundle_id, d.id
                FOR UPDATE OF d
            ), changed AS (
                UPDATE chorus.drafts d SET state = 'released', released_at = now(), release_seq = nextval('chorus.release_order')
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.bundle_id
            ), audited AS (
                INSERT INTO chorus.review_audit (bundle_id, draft_id, action)
                SELECT bundle_id, id, 'released' FROM changed
                RETURNING bundle_id
            )
            SELECT count(*), array_agg(DISTINCT bundle_id) INTO released, bundles FROM audited;
            IF released > 0 THEN
                PERFORM pg_notify('chorus_review', array_to_string(bundles, ','));
                PERFORM pg_notify('chorus_outbox', '');
            END IF;
            RETURN released;
        END;
        $$;

        -- Expires every unreleased live draft of bundles past their expiry; returns how many.
        CREATE FUNCTION chorus.expire_due() RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            expired integer := 0;
            bundles bigint[];
        BEGIN
            WITH changed AS (
                UPDATE chorus.drafts d SET state = 'expired'
                FROM chorus.bundles b
                WHERE b.id = d.bundle_id AND b.expires_at <= now() AND d.state IN ('pending', 'needs_edit', 'approved')
                RETURNING d.id, d.bundle_id, b.expires_at
            ), audited AS (
                INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note)
                SELECT bundle_id, id, 'expired', 'the bundle expired at ' || expires_at FROM changed
                RETURNING bundle_id
            )
            SELECT count(*), array_agg(DISTINCT bundle_id) INTO expired, bundles FROM audited;
            IF expired > 0 THEN
                PERFORM pg_notify('chorus_review', array_to_string(bundles, ','));
            END IF;
            RETURN expired;
        END;
        $$;

        -- Approves a draft as the session user; releases its bundle when that makes it due.
        CREATE FUNCTION chorus.approve_draft(p_draft bigint, p_expected_version integer, p_note text DEFAULT NULL)
        RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts := chorus.lock_draft(p_draft, p_expected_version);
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
            IF d.last_edited_by = session_user THEN
                RAISE EXCEPTION 'draft % was last edited by you (%): another reviewer must approve it', p_draft, session_user
                    USING ERRCODE = 'CH003';
            END IF;
            UPDATE chorus.drafts SET state = 'approved', approved_by = session_user, approved_at = now() WHERE id = p_draft;
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note) VALUES (d.bundle_id, p_draft, 'approved', p_note);
            PERFORM pg_notify('chorus_review', d.bundle_id::text);
            PERFORM chorus.release_due(d.bundle_id);
            RETURN d.version + 1;
        END;
        $$;

        -- Rejects a draft; a reason is required.
        CREATE FUNCTION chorus.reject_draft(p_draft bigint, p_expected_version integer, p_reason text)
        RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts;
        BEGIN
            IF coalesce(btrim(p_reason), '') = '' THEN
                RAISE EXCEPTION 'a rejection needs a reason' USING ERRCODE = '22023';
            END IF;
            d := chorus.lock_draft(p_draft, p_expected_version);
            IF d.state NOT IN ('pending', 'needs_edit', 'approved') THEN
                RAISE EXCEPTION 'draft % is %; it can no longer be rejected', p_draft, d.state USING ERRCODE = 'CH002';
            END IF;
            UPDATE chorus.drafts SET state = 'rejected' WHERE id = p_draft;
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note) VALUES (d.bundle_id, p_draft, 'rejected', p_reason);
            PERFORM pg_notify('chorus_review', d.bundle_id::text);
            -- Under policy 'all' a rejection may leave every remaining live draft approved.
            PERFORM chorus.release_due(d.bundle_id);
            RETURN d.version + 1;
        END;
        $$;

        -- A new revision of a draft's text. The caller measures it as its channel counts (ChorusCore's
        -- TextMeasure, in Swift) and passes the weighted length; over the limit the draft needs an edit.
        -- An approved draft that is edited goes back to review.
        CREATE FUNCTION chorus.edit_draft(p_draft bigint, p_expected_version integer, p_text text,
                                          p_weighted_length integer, p_note text DEFAULT NULL)
        RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts;
            over boolean;
        BEGIN
            IF coalesce(btrim(p_text), '') = '' THEN
                RAISE EXCEPTION 'the new text is empty' USING ERRCODE = '22023';
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
            over := p_weighted_length > d.length_limit;
            UPDATE chorus.drafts
            SET text = p_text, revision = d.revision + 1, weighted_length = p_weighted_length,
                problem = CASE WHEN over THEN format('%s characters, over the limit of %s', p_weighted_length, d.length_limit) END,
                state = CASE WHEN over THEN 'needs_edit' ELSE 'pending' END,
                last_edited_by = session_user, approved_by = NULL, approved_at = NULL
            WHERE id = p_draft;
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text, after_text)
            VALUES (d.bundle_id, p_draft, 'edited', p_note, d.text, p_text);
            PERFORM pg_notify('chorus_review', d.bundle_id::text);
            RETURN d.version + 1;
        END;
        $$;

        -- Removes drill bundles created before now() - p_older_than, with their drafts, action items, audit
        -- and exercise events; returns how many bundles it removed.
        CREATE FUNCTION chorus.clear_drills(p_older_than interval DEFAULT '0'::interval) RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            doomed bigint[];
        BEGIN
            SELECT coalesce(array_agg(id), '{}') INTO doomed FROM chorus.bundles
            WHERE is_drill AND created_at <= now() - p_older_than;
            DELETE FROM chorus.review_audit WHERE bundle_id = ANY(doomed);
            DELETE FROM chorus.outbox_deliveries WHERE draft_id IN (SELECT id FROM chorus.drafts WHERE bundle_id = ANY(doomed));
            DELETE FROM chorus.drafts WHERE bundle_id = ANY(doomed);
            DELETE FROM chorus.action_items WHERE bundle_id = ANY(doomed);
            DELETE FROM chorus.bundle_events WHERE bundle_id = ANY(doomed);
            DELETE FROM chorus.bundles WHERE id = ANY(doomed);
            DELETE FROM chorus.events e WHERE e.status = 'exercise'
                AND NOT EXISTS (SELECT 1 FROM chorus.bundles b WHERE b.event_id = e.id)
                AND NOT EXISTS (SELECT 1 FROM chorus.bundle_events be WHERE be.event_id = e.id)
                AND NOT EXISTS (SELECT 1 FROM chorus.drafts d WHERE d.event_id = e.id);
            IF cardinality(doomed) > 0 THEN
                PERFORM pg_notify('chorus_review', '');
            END IF;
            RETURN cardinality(doomed);
        END;
        $$;

        -- Nobody may call the workflow functions but the roles Deploy/roles.sql grants them to.
        REVOKE ALL ON FUNCTION chorus.release_due(bigint), chorus.expire_due(),
            chorus.approve_draft(bigint, integer, text), chorus.reject_draft(bigint, integer, text),
            chorus.edit_draft(bigint, integer, text, integer, text), chorus.clear_drills(interval),
            chorus.lock_draft(bigint, integer) FROM PUBLIC;
        """)
}
