extension Migrations {
    /// Senders' rest days (``RestDays``, docs/RULES.md *Participants*): Israel's Foreign Ministry and its
    /// missions post nothing on Shabbat or a festival but consular lines.
    ///
    /// - `chorus.drafts.rest_periods` (`tstzmultirange`, NULL for most drafts): the sender's rest periods in the
    ///   bundle's life, as the planner worked them out (candle-lighting on the eve to nightfall, at the
    ///   sender's place). A draft's own not-before already skips a period its earliest release falls in; this
    ///   column keeps a draft approved later — during the next Shabbat — from going out inside it.
    /// - `chorus.release_due(p_bundle)`: migration 12's, releasing no draft while `now()` is inside one of its
    ///   rest periods; the release loop wakes at the period's end (`ReleaseStore.nextReleaseDelay`).
    static let restDays = Migration(version: 13, name: "rest_days", sql: """
        ALTER TABLE chorus.drafts ADD COLUMN rest_periods tstzmultirange;
        COMMENT ON COLUMN chorus.drafts.rest_periods IS
            'the sender''s rest periods in the bundle''s life (Shabbat, festivals): not released inside them';

        -- Migration 12's release_due, releasing no draft inside one of its sender's rest periods.
        CREATE OR REPLACE FUNCTION chorus.release_due(p_bundle bigint DEFAULT NULL) RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            released integer := 0;
            bundles bigint[];
        BEGIN
            PERFORM chorus.expire_due(p_bundle);
            WITH due AS (
                SELECT d.id, d.bundle_id FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
                WHERE d.state = 'approved' AND NOT d.is_drill AND NOT b.is_drill
                  AND (p_bundle IS NULL OR b.id = p_bundle)
                  AND coalesce(greatest(b.not_before, d.not_before), '-infinity') <= now()
                  AND NOT coalesce(d.rest_periods @> now(), false)
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
        """)
}
