extension Migrations {
    /// Guarantees that hold without the triggers, where PostgreSQL allows it (docs/REVIEW.md, *What the
    /// database guarantees, and against whom*):
    ///
    /// - **The audit, by row-level security** (not a trigger): `chorus.review_audit` has `FORCE ROW LEVEL
    ///   SECURITY`, so its policies bind the schema owner too. Anyone may read it; a row may be added only
    ///   with the session user as its actor, and — unless it comes from the owner's review functions — only
    ///   with an action the pipeline takes (`drafted`, `superseded`, `withdrawn`, `flagged`): the daemon's
    ///   role can no longer write `approved` (or any review action) into it. No policy lets anyone update a
    ///   row, and only drill bundles' rows can be deleted (by `chorus.clear_drills`). Superusers bypass
    ///   row-level security; the owner can only get round it with DDL.
    /// - **Drills, by a foreign key** (not a trigger): a draft's `is_drill` must be its bundle's
    ///   (`drafts (bundle_id, is_drill) → bundles (id, is_drill)`). With the guard triggers disabled, clearing
    ///   `is_drill` on a drill draft to release it is refused; with migration 1's check
    ///   `drill_drafts_are_never_released`, a drill can only be released as real by rewriting the bundle and
    ///   every one of its drafts in one statement, with the triggers disabled, as the owner.
    /// - **Reviewer input** (`chorus.edit_draft`, redefined from migration 2's text — migration 5 left it as it
    ///   was): a text with a control character other than tab, line feed and carriage return is refused, and
    ///   so is a weighted length below what the text must measure at least on its channel
    ///   (`chorus.length_lower_bound`, SQLSTATE `22023`), so a 10,000-character X post cannot be stored as
    ///   length 1 and approved.
    static let guarantees = Migration(version: 6, name: "guarantees", sql: """
        -- The audit: row-level security, for the owner as for everyone but superusers.
        ALTER TABLE chorus.review_audit ENABLE ROW LEVEL SECURITY;
        ALTER TABLE chorus.review_audit FORCE ROW LEVEL SECURITY;
        CREATE POLICY review_audit_read ON chorus.review_audit FOR SELECT USING (true);
        -- A row names the session user as its actor; the pipeline's own actions, or any from inside the
        -- review functions (which run with the owner's rights).
        CREATE POLICY review_audit_append ON chorus.review_audit FOR INSERT
            WITH CHECK (actor = session_user
                        AND (action IN ('drafted', 'superseded', 'withdrawn', 'flagged') OR chorus.acting_as_owner()));
        -- Only drill bundles' rows go, and only with the owner's rights (chorus.clear_drills).
        CREATE POLICY review_audit_clear_drills ON chorus.review_audit FOR DELETE
            USING (chorus.acting_as_owner() AND (SELECT b.is_drill FROM chorus.bundles b WHERE b.id = bundle_id));
        -- Every action is one Chorus knows (ChorusCore's AuditAction).
        ALTER TABLE chorus.review_audit ADD CONSTRAINT review_audit_action_known CHECK (action IN (
            'drafted', 'approved', 'rejected', 'edited', 'released', 'expired', 'superseded', 'withdrawn', 'flagged',
            'returned')) NOT VALID;

        -- Drills: a draft is a drill exactly when its bundle is, held by a foreign key, not by a trigger.
        ALTER TABLE chorus.bundles ADD CONSTRAINT bundles_id_is_drill_key UNIQUE (id, is_drill);
        ALTER TABLE chorus.drafts ADD CONSTRAINT drafts_drill_as_their_bundle
            FOREIGN KEY (bundle_id, is_drill) REFERENCES chorus.bundles (id, is_drill) NOT VALID;
        -- Checked on the rows already there where they agree (they do unless someone bypassed the guard):
        -- a database where they do not still migrates, and says so.
        DO $$
        BEGIN
            ALTER TABLE chorus.drafts VALIDATE CONSTRAINT drafts_drill_as_their_bundle;
            ALTER TABLE chorus.review_audit VALIDATE CONSTRAINT review_audit_action_known;
        EXCEPTION WHEN foreign_key_violation OR check_violation THEN
            RAISE WARNING 'chorus: rows older than migration 6 break its drill or audit constraint; they hold for new rows';
        END
        $$;

        -- The least a text can measure on a channel (PRODUCT.md §6), counted conservatively so that it is
        -- never more than what ChorusCore's TextMeasure says: every ASCII character counts at least 1 —
        -- less one for each other character in its word (a prepended mark or an emoji sequence may take an
        -- ASCII character into its cluster) and one for each CR LF —, and on X and Mastodon a word with a dot
        -- (a possible URL, which counts 23) at most 23. Words are split at Unicode's White_Space.
        CREATE FUNCTION chorus.length_lower_bound(p_text text, p_channel text) RETURNS integer
        LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
            WITH words AS (
                SELECT w, char_length(regexp_replace(w, '[^\\x01-\\x7f]', '', 'g')) AS ascii,
                       char_length(regexp_replace(w, '[\\x01-\\x7f]', '', 'g')) AS other
                FROM regexp_split_to_table(p_text,
                    '[\\x09-\\x0d\\x20\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+') AS w
                WHERE w <> ''
            )
            SELECT (coalesce(sum(CASE WHEN p_channel IN ('x', 'mastodon') AND strpos(w, '.') > 0
                                      THEN least(23, greatest(0, ascii - other))
                                      ELSE greatest(0, ascii - other) END), 0)
                    + char_length(regexp_replace(p_text, '[^\\x09-\\x0d\\x20]', '', 'g'))
                    - (char_length(p_text) - char_length(replace(p_text, E'\\r\\n', ''))) / 2)::integer
            FROM words
        $$;

        -- Migration 2's edit, and: no control characters but tab, line feed and carriage return; no weighted
        -- length the text cannot have on its channel.
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
                last_edited_by = session_user, approved_by = NULL, approved_at = NULL
            WHERE id = p_draft;
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text, after_text)
            VALUES (d.bundle_id, p_draft, 'edited', p_note, d.text, p_text);
            PERFORM pg_notify('chorus_review', d.bundle_id::text);
            RETURN d.version + 1;
        END;
        $$;
        """)
}
