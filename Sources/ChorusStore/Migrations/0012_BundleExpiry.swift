extension Migrations {
    /// An approval expires its own bundle only (docs/BENCHMARKS.md, *Console*).
    ///
    /// `chorus.release_due(bundle)` — run by every approval — began with `chorus.expire_due()`, which joins
    /// every unreleased draft of the whole queue to its bundle to find the expired ones: the largest part of an
    /// approval's time in the database once the queue holds a few hundred drafts. What an approval needs is
    /// that its own bundle is expired if its time has passed (so that the approval ends as `expired`, with its
    /// audit row, as before); every other bundle is expired by the daemon's release loop, which wakes at the
    /// next expiry (`ReleaseStore.nextExpiryDelay`) and calls `chorus.expire_due()` and `chorus.release_due()`
    /// with no bundle, which still expire everything that is due.
    ///
    /// - `chorus.expire_due(p_bundle)`: migration 5's `expire_due`, for one bundle (through the drafts'
    ///   index on `(state, bundle_id)`), or for every bundle when `p_bundle` is NULL. Callable by the
    ///   workflow functions only (they run as the schema's owner).
    /// - `chorus.expire_due()` is `chorus.expire_due(NULL)`: same name, grants and answers as before.
    /// - `chorus.release_due(p_bundle)`: migration 5's, expiring `p_bundle` only when one is given.
    static let bundleExpiry = Migration(version: 12, name: "bundle_expiry", sql: """
        -- Expires every unreleased live draft of bundle `p_bundle` (of every bundle when NULL) if the bundle is
        -- past its expiry; returns how many.
        CREATE FUNCTION chorus.expire_due(p_bundle bigint) RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            expired integer := 0;
            bundles bigint[];
        BEGIN
            WITH changed AS (
                UPDATE chorus.drafts d SET state = 'expired'
                FROM chorus.bundles b
                WHERE b.id = d.bundle_id AND d.state IN ('pending', 'needs_edit', 'approved') AND b.expires_at <= now()
                  AND (p_bundle IS NULL OR d.bundle_id = p_bundle)
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
        REVOKE ALL ON FUNCTION chorus.expire_due(bigint) FROM PUBLIC;

        -- Expires every unreleased live draft of bundles past their expiry; returns how many.
        CREATE OR REPLACE FUNCTION chorus.expire_due() RETURNS integer LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            RETURN chorus.expire_due(NULL::bigint);
        END;
        $$;

        -- Migration 5's release_due, expiring only the bundle it is given (every bundle when none is).
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
