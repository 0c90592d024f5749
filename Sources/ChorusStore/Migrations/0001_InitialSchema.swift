extension Migrations {
    /// The queue of PRODUCT.md §7: events and rejected inputs, source cursors, bundles with their drafts
    /// and action items, the review audit, and the inbox other systems write into.
    static let initialSchema = Migration(version: 1, name: "initial_schema", sql: """
        -- Every event Chorus accepted, once per (source, feed id, version): re-reading a document is harmless.
        CREATE TABLE chorus.events (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source      text NOT NULL,
            event_id    text NOT NULL,
            -- The message's own version: its sent time in RFC 3339, or '' when the feed gives none.
            version     text NOT NULL,
            kind        text NOT NULL,
            status      text NOT NULL CHECK (status IN ('actual', 'exercise', 'test', 'draft', 'system')),
            msg_type    text NOT NULL CHECK (msg_type IN ('alert', 'update', 'cancel')),
            incident    text,
            refs        text[] NOT NULL DEFAULT '{}',
            countries   text[] NOT NULL DEFAULT '{}',
            sent_at     timestamptz,
            occurred_at timestamptz,
            -- The normalized event of PRODUCT.md §4, exactly as `chorus ingest --dry-run --json` prints it.
            payload     jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (source, event_id, version)
        );
        CREATE INDEX events_by_feed_id ON chorus.events (event_id);
        CREATE INDEX events_by_incident ON chorus.events (incident) WHERE incident IS NOT NULL;

        -- Documents or items that could not be parsed, kept with the reason (raw bytes capped by the writer).
        CREATE TABLE chorus.rejected_inputs (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source      text NOT NULL,
            item        text,
            reason      text NOT NULL,
            raw         bytea,
            raw_size    bigint NOT NULL CHECK (raw_size >= 0),
            received_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX rejected_inputs_by_time ON chorus.rejected_inputs (received_at);

        -- How far each source has been read; written in the same transaction as the events it produced.
        CREATE TABLE chorus.source_cursors (
            source     text PRIMARY KEY,
            cursor     jsonb NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        -- One coordinated response of one rule to one incident.
        CREATE TABLE chorus.bundles (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            rule_id         text NOT NULL,
            ruleset_version text NOT NULL,
            -- The event that opened the bundle; re-processing it never opens a second one.
            event_id        bigint NOT NULL REFERENCES chorus.events (id),
            incident_key    text NOT NULL,
            suppression_key text NOT NULL,
            is_drill        boolean NOT NULL,
            release_policy  text NOT NULL CHECK (release_policy IN ('all', 'each')),
            not_before      timestamptz,
            expires_at      timestamptz,
            -- Set when an update or cancel arrives for drafts that were already approved or released.
            flag            text,
            created_at      timestamptz NOT NULL DEFAULT now(),
            updated_at      timestamptz NOT NULL DEFAULT now(),
            UNIQUE (event_id, rule_id),
            CHECK (expires_at IS NULL OR not_before IS NULL OR expires_at > not_before)
        );
        CREATE INDEX bundles_by_incident ON chorus.bundles (rule_id, incident_key, created_at);
        CREATE INDEX bundles_by_suppression ON chorus.bundles (rule_id, suppression_key, created_at);
        CREATE INDEX bundles_by_time ON chorus.bundles (created_at DESC);

        -- Every event that contributed to a bundle: the one that opened it, updates, cancels, correlated reports.
        CREATE TABLE chorus.bundle_events (
            bundle_id bigint NOT NULL REFERENCES chorus.bundles (id),
            event_id  bigint NOT NULL REFERENCES chorus.events (id),
            role      text NOT NULL CHECK (role IN ('opened', 'update', 'cancel', 'correlated')),
            PRIMARY KEY (bundle_id, event_id)
        );

        -- One message of one participant, on one channel, in one language.
        CREATE TABLE chorus.drafts (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bundle_id       bigint NOT NULL REFERENCES chorus.bundles (id),
            -- The event version the text was drafted from.
            event_id        bigint NOT NULL REFERENCES chorus.events (id),
            participant     text NOT NULL,
            channel         text NOT NULL,
            language        text NOT NULL,
            text            text NOT NULL,
            revision        integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
            state           text NOT NULL DEFAULT 'pending' CHECK (state IN (
                                'pending', 'needs_edit', 'approved', 'released', 'rejected',
                                'superseded', 'withdrawn', 'expired')),
            weighted_length integer NOT NULL CHECK (weighted_length >= 0),
            length_limit    integer NOT NULL CHECK (length_limit > 0),
            -- Why the draft needs an edit: over its limit, or a value its template needed was missing.
            problem         text,
            is_drill        boolean NOT NULL,
            ruleset_version text NOT NULL,
            last_edited_by  text,
            flag            text,
            created_at      timestamptz NOT NULL DEFAULT now(),
            updated_at      timestamptz NOT NULL DEFAULT now(),
            released_at     timestamptz,
            UNIQUE (bundle_id, participant, channel, language, event_id),
            -- A drill can never be released as real, whoever writes the row.
            CONSTRAINT drill_drafts_are_never_released CHECK (NOT (is_drill AND state = 'released')),
            CHECK ((state = 'released') = (released_at IS NOT NULL))
        );
        -- At most one live draft per participant, channel and language in a bundle.
        CREATE UNIQUE INDEX drafts_one_live_per_slot ON chorus.drafts (bundle_id, participant, channel, language)
            WHERE state NOT IN ('superseded', 'withdrawn', 'rejected', 'expired');
        CREATE INDEX drafts_by_state ON chorus.drafts (state, bundle_id);
        CREATE INDEX drafts_released ON chorus.drafts (released_at, id) WHERE state = 'released';

        -- Symbolic gestures that people carry out (light a landmark in a flag's colours at a local time).
        CREATE TABLE chorus.action_items (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bundle_id   bigint NOT NULL REFERENCES chorus.bundles (id),
            -- Identifies the gesture within its bundle (e.g. 'light:brandenburg-gate').
            key         text NOT NULL,
            kind        text NOT NULL,
            summary     text NOT NULL,
            due_at      timestamptz,
            time_zone   text,
            details     jsonb NOT NULL DEFAULT '{}',
            state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled', 'withdrawn')),
            is_drill    boolean NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            UNIQUE (bundle_id, key)
        );

        -- Every review action and every change the pipeline makes to a draft: who, what, when, why.
        CREATE TABLE chorus.review_audit (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bundle_id   bigint NOT NULL REFERENCES chorus.bundles (id),
            draft_id    bigint REFERENCES chorus.drafts (id),
            -- The PostgreSQL session user, never a name the client claims.
            actor       text NOT NULL DEFAULT session_user,
            action      text NOT NULL,
            note        text,
            before_text text,
            after_text  text,
            at          timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX review_audit_by_bundle ON chorus.review_audit (bundle_id, id);
        CREATE INDEX review_audit_by_draft ON chorus.review_audit (draft_id, id) WHERE draft_id IS NOT NULL;

        -- Other systems INSERT documents here; Chorus is woken by NOTIFY and claims rows FOR UPDATE SKIP LOCKED.
        CREATE TABLE chorus.inbox (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source       text NOT NULL DEFAULT 'inbox',
            format       text NOT NULL DEFAULT 'auto' CHECK (format IN ('auto', 'jsonl', 'cap', 'gdacs', 'geojson')),
            document     text NOT NULL,
            inserted_at  timestamptz NOT NULL DEFAULT now(),
            processed_at timestamptz,
            outcome      text
        );
        CREATE INDEX inbox_unprocessed ON chorus.inbox (id) WHERE processed_at IS NULL;

        CREATE FUNCTION chorus.inbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('chorus_inbox', '');
            RETURN NULL;
        END;
        $$;
        CREATE TRIGGER inbox_wake AFTER INSERT ON chorus.inbox
            FOR EACH STATEMENT EXECUTE FUNCTION chorus.inbox_wake();
        """)
}
