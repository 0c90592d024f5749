extension Migrations {
    /// Corroboration (PRODUCT.md §2 step 4, §5): incidents a rule holds until enough independent origins or
    /// an authoritative source report them, and the reports that are their evidence.
    ///
    /// - `chorus.corroborations`: one incident of one rule — its kind, countries, place and point (what
    ///   further reports are matched on), its certainty and the counts of its reports so far, and its window
    ///   (`expires_at`). `held` until corroborated, then `corroborated` with the bundle it opened (and never
    ///   back); `cancelled` when a report it rests on was cancelled. A held incident whose window has passed
    ///   is expired: it drafts nothing and nothing joins it (readers tell it by `expires_at`).
    /// - `chorus.corroboration_evidence`: which report, from whom (origin, the outlet that carried it, the
    ///   feed), how it counted (authoritative, its certainty, a fingerprint of its lead), in the order of
    ///   arrival. Append-only for the daemon.
    ///
    /// Drill bundles and exercise events removed by `chorus.clear_drills` take their corroboration rows with
    /// them (cascading foreign keys: a corroborated incident goes with its bundle, a held one with the report
    /// that opened it), so that function is not redefined here.
    public static let corroboration = Migration(version: 9, name: "corroboration", sql: """
        CREATE TABLE chorus.corroborations (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            rule_id          text NOT NULL,
            is_drill         boolean NOT NULL,
            kind             text NOT NULL,
            countries        text[] NOT NULL DEFAULT '{}',
            place            text,
            lat              double precision,
            lon              double precision,
            -- The incident keys its reports' feeds gave: another key is another incident.
            incidents        text[] NOT NULL DEFAULT '{}',
            state            text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'corroborated', 'cancelled')),
            certainty        text NOT NULL CHECK (certainty IN ('possible', 'likely', 'observed')),
            -- Its reports, their independent origins and the authorities among them (ChorusCore's
            -- CorroborationTally), and how many origins the rule demanded when it last weighed a report.
            reports          integer NOT NULL CHECK (reports >= 1),
            origins          integer NOT NULL CHECK (origins >= 0),
            authorities      integer NOT NULL CHECK (authorities >= 0),
            sources_required integer NOT NULL CHECK (sources_required >= 1),
            -- The report that opened the incident.
            first_event_id   bigint NOT NULL REFERENCES chorus.events (id) ON DELETE CASCADE,
            first_seen_at    timestamptz NOT NULL DEFAULT now(),
            expires_at       timestamptz NOT NULL,
            bundle_id        bigint UNIQUE REFERENCES chorus.bundles (id) ON DELETE CASCADE,
            corroborated_at  timestamptz,
            updated_at       timestamptz NOT NULL DEFAULT now(),
            CHECK ((state = 'corroborated') = (bundle_id IS NOT NULL)),
            CHECK ((bundle_id IS NULL) = (corroborated_at IS NULL)),
            CHECK ((lat IS NULL) = (lon IS NULL)),
            CHECK (expires_at > first_seen_at),
            UNIQUE (first_event_id, rule_id)
        );
        -- Where a report looks for its incident: the rule's open incidents of its kind that no feed named
        -- (every report), those a feed named (reports without a key of their own), and those of the
        -- report's own incident key.
        CREATE INDEX corroborations_open ON chorus.corroborations (rule_id, kind, is_drill, expires_at)
            WHERE state <> 'cancelled' AND incidents = '{}';
        CREATE INDEX corroborations_open_named ON chorus.corroborations (rule_id, kind, is_drill, expires_at)
            WHERE state <> 'cancelled' AND incidents <> '{}';
        CREATE INDEX corroborations_by_incident ON chorus.corroborations USING gin (incidents)
            WHERE state <> 'cancelled';
        -- What `chorus status` and `review list --held` show.
        CREATE INDEX corroborations_held ON chorus.corroborations (expires_at) WHERE state = 'held';

        CREATE TABLE chorus.corroboration_evidence (
            corroboration_id bigint NOT NULL REFERENCES chorus.corroborations (id) ON DELETE CASCADE,
            event_id         bigint NOT NULL REFERENCES chorus.events (id) ON DELETE CASCADE,
            -- The order of arrival, from 0.
            position         integer NOT NULL CHECK (position >= 0),
            feed             text NOT NULL,
            origin           text NOT NULL,
            outlet           text,
            fingerprint      text,
            authoritative    boolean NOT NULL,
            certainty        text NOT NULL CHECK (certainty IN ('observed', 'likely', 'possible', 'unlikely', 'unknown')),
            received_at      timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (corroboration_id, event_id),
            UNIQUE (corroboration_id, position)
        );
        CREATE INDEX corroboration_evidence_by_event ON chorus.corroboration_evidence (event_id);
        -- What a new report needs to know of the earlier ones: has its origin reported, was its lead printed.
        CREATE INDEX corroboration_evidence_by_origin ON chorus.corroboration_evidence (origin, corroboration_id);
        CREATE INDEX corroboration_evidence_by_lead ON chorus.corroboration_evidence (fingerprint, corroboration_id)
            WHERE fingerprint IS NOT NULL;
        """)
}
