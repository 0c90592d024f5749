extension Migrations {
    /// The lifecycle of PRODUCT.md §2 steps 4 and 7 and §7: what a draft knows of its plan, the facts each
    /// draft and bundle stands on, release per government, and exactly-once delivery claims.
    ///
    /// - Drafts keep what the plan knew: the account's `handle`, the participant's `country` (policy
    ///   `perCountry`), the `phase` and the draft's own `not_before`.
    /// - **Facts.** `bundles.facts_event_id` is the event whose facts the bundle stands on now (the one that
    ///   opened it, or its latest update); `drafts.facts_event_id` the event whose facts a draft's review
    ///   stands on. An update that changes the facts moves both in `chorus.apply_facts` — approved drafts it
    ///   keeps go back to review — and the guard refuses to approve or release a draft whose facts are not
    ///   the bundle's (`CH004`): a draft approved before the facts changed is never released until approved
    ///   again. The audit keeps the facts before and after (`before_facts`, `after_facts`).
    /// - **Release.** `chorus.release_due` honours each draft's own not-before (max of the bundle's and the
    ///   draft's) and the policy `perCountry`: each government's drafts go together once all of that
    ///   government's live drafts are approved; one country never holds up another.
    /// - **Final states first.** `chorus.lock_draft` reports a draft that is released, rejected, superseded,
    ///   withdrawn or expired as such (`CH002`), before comparing versions: approving a withdrawn draft is
    ///   refused for what it is, not as "changed since shown".
    /// - **Deliveries.** `chorus.deliveries` holds one row per message and publisher — the claim that makes
    ///   delivery exactly once however many deliverers run: a deliverer leases due rows
    ///   (`claimed_until`), attempts them, and records each attempt in `chorus.outbox_deliveries`. URLs are
    ///   stored without their secret parts; those recorded before are cut down to scheme and host.
    ///
    /// Redefines `chorus.drafts_guard`, `chorus.bundles_guard`, `chorus.lock_draft`, `chorus.release_due`
    /// and `chorus.expire_due` (migration 2's texts are the starting point).
    static let lifecycle = Migration(version: 5, name: "lifecycle", sql: """
        ALTER TABLE chorus.drafts
            ADD COLUMN handle         text,
            ADD COLUMN country        text,
            ADD COLUMN phase          text,
            ADD COLUMN not_before     timestamptz,
            ADD COLUMN facts_event_id bigint REFERENCES chorus.events (id);
        ALTER TABLE chorus.bundles ADD COLUMN facts_event_id bigint REFERENCES chorus.events (id);
        ALTER TABLE chorus.review_audit ADD COLUMN before_facts jsonb, ADD COLUMN after_facts jsonb;
        ALTER TABLE chorus.bundles DROP CONSTRAINT bundles_release_policy_check,
            ADD CONSTRAINT bundles_release_policy_check CHECK (release_policy IN ('all', 'each', 'perCountry'));
        -- Updates and cancels find the bundles of every rule by incident.
        CREATE INDEX bundles_by_incident_key ON chorus.bundles (incident_key);

        -- What the rows of earlier versions stand on: a bundle on its latest update, a draft on the event it
        -- was drafted from. Approved drafts of bundles updated since go back to review, as they would now.
        UPDATE chorus.bundles b SET facts_event_id = coalesce(
            (SELECT max(be.event_id) FROM chorus.bundle_events be WHERE be.bundle_id = b.id AND be.role IN ('opened', 'update')),
            b.event_id);
        ALTER TABLE chorus.drafts DISABLE TRIGGER drafts_guard;
        UPDATE chorus.drafts SET facts_event_id = event_id;
        WITH returned AS (
            UPDATE chorus.drafts d SET state = 'pending', approved_by = NULL, approved_at = NULL, version = d.version + 1,
                facts_event_id = b.facts_event_id, updated_at = now(),
                flag = 'the facts changed after approval (found by migration 5): approve it again'
            FROM chorus.bundles b
            WHERE b.id = d.bundle_id AND d.state = 'approved' AND d.event_id <> b.facts_event_id
            RETURNING d.id, d.bundle_id, d.text
        )
        INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text, after_text)
        SELECT bundle_id, id, 'returned', 'the facts changed after approval (found by migration 5)', text, text FROM returned;
        ALTER TABLE chorus.drafts ENABLE TRIGGER drafts_guard;
        ALTER TABLE chorus.drafts ALTER COLUMN facts_event_id SET NOT NULL;
        ALTER TABLE chorus.bundles ALTER COLUMN facts_event_id SET NOT NULL;

        -- Migration 2's guard, and: a new draft stands on its own event's facts unless the writer says
        -- otherwise; what the plan knew (handle, country, phase, not-before) never changes; the facts a draft
        -- stands on change only through chorus.apply_facts; and no draft is approved or released unless it
        -- stands on its bundle's facts (CH004).
        CREATE OR REPLACE FUNCTION chorus.drafts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
                NEW.facts_event_id := coalesce(NEW.facts_event_id, NEW.event_id);
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
                NEW.length_limit, NEW.ruleset_version, NEW.created_at, NEW.handle, NEW.country, NEW.phase, NEW.not_before)
               IS DISTINCT FROM
               (OLD.id, OLD.bundle_id, OLD.event_id, OLD.participant, OLD.channel, OLD.language, OLD.is_drill,
                OLD.length_limit, OLD.ruleset_version, OLD.created_at, OLD.handle, OLD.country, OLD.phase, OLD.not_before) THEN
                RAISE EXCEPTION 'draft %: only its text, state and flag can change', OLD.id USING ERRCODE = 'CH002';
            END IF;
            IF (NEW.text, NEW.revision, NEW.weighted_length, NEW.problem, NEW.last_edited_by,
                NEW.approved_by, NEW.approved_at, NEW.released_at, NEW.release_seq, NEW.facts_event_id)
               IS DISTINCT FROM
               (OLD.text, OLD.revision, OLD.weighted_length, OLD.problem, OLD.last_edited_by,
                OLD.approved_by, OLD.approved_at, OLD.released_at, OLD.release_seq, OLD.facts_event_id)
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
                IF NEW.state IN ('approved', 'released')
                   AND NEW.facts_event_id IS DISTINCT FROM (SELECT b.facts_event_id FROM chorus.bundles b WHERE b.id = NEW.bundle_id) THEN
                    RAISE EXCEPTION 'draft % was written or approved for facts its event has changed since: it must be reviewed again', OLD.id
                        USING ERRCODE = 'CH004';
                END IF;
            END IF;
            NEW.version := OLD.version + 1;
            NEW.updated_at := now();
            RETURN NEW;
        END;
        $$;

        -- Migration 2's guard, and: a new bundle stands on the facts of the event that opened it.
        CREATE OR REPLACE FUNCTION chorus.bundles_guard() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                NEW.facts_event_id := coalesce(NEW.facts_event_id, NEW.event_id);
                RETURN NEW;
            END IF;
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
        DROP TRIGGER bundles_guard ON chorus.bundles;
        CREATE TRIGGER bundles_guard BEFORE INSERT OR UPDATE OR DELETE ON chorus.bundles
            FOR EACH ROW EXECUTE FUNCTION chorus.bundles_guard();

        -- Migration 2's lock, and: a draft in a final state is reported as such (CH002), whatever version the
        -- caller was shown; a superseded draft names the draft that replaced it.
        CREATE OR REPLACE FUNCTION chorus.lock_draft(p_draft bigint, p_expected_version integer)
        RETURNS chorus.drafts LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            d chorus.drafts;
            successor bigint;
        BEGIN
            SELECT * INTO d FROM chorus.drafts WHERE id = p_draft FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'there is no draft %', p_draft USING ERRCODE = '22023';
            END IF;
            PERFORM 1 FROM chorus.bundles WHERE id = d.bundle_id FOR UPDATE;
            IF d.state IN ('released', 'rejected', 'superseded', 'withdrawn', 'expired') THEN
                IF d.state = 'superseded' THEN
                    SELECT o.id INTO successor FROM chorus.drafts o
                    WHERE o.bundle_id = d.bundle_id AND o.participant = d.participant AND o.channel = d.channel
                      AND o.language = d.language AND o.id > d.id
                    ORDER BY o.id DESC LIMIT 1;
                END IF;
                RAISE EXCEPTION 'draft % is %', p_draft, d.state || CASE d.state
                        WHEN 'superseded' THEN ': an update of the event replaced it' || coalesce(' with d' || successor, '')
                        WHEN 'withdrawn' THEN ': the event was cancelled'
                        WHEN 'expired' THEN ': its bundle expired before it was released'
                        WHEN 'released' THEN ' already'
                        ELSE '' END
                    USING ERRCODE = 'CH002';
            END IF;
            IF p_expected_version IS NOT NULL AND d.version <> p_expected_version THEN
                RAISE EXCEPTION 'draft % changed since it was shown (version % now, % shown): it is % at revision %, last edited by %',
                    p_draft, d.version, p_expected_version, d.state, d.revision, coalesce(d.last_edited_by, 'nobody')
                    USING ERRCODE = 'CH001', HINT = 'show it again and decide on what it says now';
            END IF;
            RETURN d;
        END;
        $$;

        -- An update changed the facts of a bundle: it stands on p_event's facts from now on, and so do the
        -- drafts p_drafts, which keep their text (approved ones go back to review; pending ones stay).
        -- The pipeline's role may call it: it moves drafts only away from release, and only to facts of an
        -- event recorded for the bundle. Returns how many approved drafts went back to review.
        CREATE FUNCTION chorus.apply_facts(p_bundle bigint, p_event bigint, p_drafts bigint[], p_note text,
                                           p_before jsonb, p_after jsonb)
        RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            returned integer;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM chorus.bundle_events WHERE bundle_id = p_bundle AND event_id = p_event) THEN
                RAISE EXCEPTION 'event % is not recorded for bundle %', p_event, p_bundle USING ERRCODE = '22023';
            END IF;
            WITH before AS (
                SELECT id, state FROM chorus.drafts
                WHERE bundle_id = p_bundle AND id = ANY(p_drafts) AND state IN ('pending', 'needs_edit', 'approved')
                ORDER BY id FOR UPDATE
            ), changed AS (
                UPDATE chorus.drafts d SET facts_event_id = p_event, flag = p_note,
                    state = CASE WHEN before.state = 'approved' THEN 'pending' ELSE d.state END,
                    approved_by = NULL, approved_at = NULL
                FROM before WHERE d.id = before.id
                RETURNING d.id, d.text, before.state AS was
            ), audited AS (
                INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text, after_text, before_facts, after_facts)
                SELECT p_bundle, id, CASE WHEN was = 'approved' THEN 'returned' ELSE 'flagged' END, p_note, text, text,
                       p_before, p_after
                FROM changed
                RETURNING action
            )
            SELECT count(*) FILTER (WHERE action = 'returned') INTO returned FROM audited;
            UPDATE chorus.bundles SET facts_event_id = p_event, updated_at = now() WHERE id = p_bundle;
            RETURN returned;
        END;
        $$;

        -- Releases what is due in one bundle (or in every bundle) and returns how many drafts it released.
        -- Policy 'all': once every live draft of the bundle is approved; 'each': every approved draft;
        -- 'perCountry': once every live draft of the same government (the participant's country) is approved.
        -- Never before the later of the bundle's and the draft's not-before, never after expires_at, never a
        -- drill, never a draft that does not stand on its bundle's facts.
        CREATE OR REPLACE FUNCTION chorus.release_due(p_bundle bigint DEFAULT NULL) RETURNS integer LANGUAGE plpgsql
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
                  AND coalesce(greatest(b.not_before, d.not_before), '-infinity') <= now()
                  AND (b.expires_at IS NULL OR b.expires_at > now())
                  AND d.facts_event_id = b.facts_event_id
                  AND CASE b.release_policy
                      WHEN 'each' THEN true
                      WHEN 'all' THEN NOT EXISTS (
                          SELECT 1 FROM chorus.drafts o WHERE o.bundle_id = b.id AND o.state IN ('pending', 'needs_edit'))
                      WHEN 'perCountry' THEN NOT EXISTS (
                          SELECT 1 FROM chorus.drafts o WHERE o.bundle_id = b.id AND o.state IN ('pending', 'needs_edit')
                            AND coalesce(o.country, o.participant) = coalesce(d.country, d.participant))
                      ELSE false END
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

        -- Expires every unreleased live draft of bundles past their expiry; returns how many. Driven by the
        -- drafts still in the queue (an index on state), not by every bundle ever made.
        CREATE OR REPLACE FUNCTION chorus.expire_due() RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            expired integer := 0;
            bundles bigint[];
        BEGIN
            WITH changed AS (
                UPDATE chorus.drafts d SET state = 'expired'
                FROM chorus.bundles b
                WHERE b.id = d.bundle_id AND d.state IN ('pending', 'needs_edit', 'approved') AND b.expires_at <= now()
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

        -- One row per message and publisher: the claim that makes delivery exactly once. A deliverer leases
        -- due rows (claimed_by, claimed_until), attempts them and records the outcome; a lease that runs out
        -- (the deliverer died) lets another try again with the same idempotency key.
        CREATE TABLE chorus.deliveries (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            -- Which publisher delivers it ('webhook'), and to whom: a participant for drafts.
            publisher       text NOT NULL,
            audience        text NOT NULL,
            -- Where it goes, as reviewers may read it: never the secret parts of a URL.
            destination     text NOT NULL,
            idempotency_key text NOT NULL,
            -- The released draft it delivers, or the message itself for other deliveries.
            draft_id        bigint REFERENCES chorus.drafts (id),
            payload         jsonb,
            state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'given_up')),
            attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            claimed_by      text,
            claimed_until   timestamptz,
            delivered_at    timestamptz,
            last_error      text,
            created_at      timestamptz NOT NULL DEFAULT now(),
            UNIQUE (publisher, idempotency_key),
            CHECK (draft_id IS NOT NULL OR payload IS NOT NULL),
            CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
        );
        CREATE INDEX deliveries_due ON chorus.deliveries (next_attempt_at) WHERE state = 'queued';
        CREATE INDEX deliveries_by_draft ON chorus.deliveries (draft_id) WHERE draft_id IS NOT NULL;

        -- The attempt log belongs to a delivery and names who made the attempt.
        ALTER TABLE chorus.outbox_deliveries
            ADD COLUMN delivery_id bigint REFERENCES chorus.deliveries (id),
            ADD COLUMN deliverer   text,
            ALTER COLUMN draft_id DROP NOT NULL;
        INSERT INTO chorus.deliveries (publisher, audience, destination, idempotency_key, draft_id, state, attempts,
                                       delivered_at, created_at)
        SELECT 'webhook', participant,
               min(regexp_replace(url, '^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#]*@)?([^/?#]*).*$', '\\1\\2')),
               idempotency_key, draft_id,
               CASE WHEN bool_or(succeeded) THEN 'delivered' ELSE 'queued' END, count(*),
               max(attempted_at) FILTER (WHERE succeeded), min(attempted_at)
        FROM chorus.outbox_deliveries GROUP BY participant, idempotency_key, draft_id
        ON CONFLICT DO NOTHING;
        UPDATE chorus.outbox_deliveries o SET delivery_id = d.id,
            url = regexp_replace(o.url, '^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#]*@)?([^/?#]*).*$', '\\1\\2')
        FROM chorus.deliveries d WHERE d.publisher = 'webhook' AND d.idempotency_key = o.idempotency_key;
        CREATE INDEX outbox_deliveries_by_delivery ON chorus.outbox_deliveries (delivery_id, id);

        REVOKE ALL ON FUNCTION chorus.apply_facts(bigint, bigint, bigint[], text, jsonb, jsonb) FROM PUBLIC;
        """)
}
