extension Migrations {
    /// A draft's slot includes its phase (PRODUCT.md §5, phases): the Foreign Office's post about the lit
    /// Brandenburg Gate goes out on the same account, in the same language, as its statement the day
    /// before, and is a draft of its own. The one-live-draft-per-slot index and the unique key of drafts
    /// take the phase (the statement's is NULL, compared as ''), so that neither refuses nor drops a later
    /// phase's draft. Rows written before this migration have no phase and keep their slots.
    static let draftPhases = Migration(version: 7, name: "draft_phases", sql: """
        DROP INDEX chorus.drafts_one_live_per_slot;
        CREATE UNIQUE INDEX drafts_one_live_per_slot ON chorus.drafts (bundle_id, participant, channel, language, coalesce(phase, ''))
            WHERE state NOT IN ('superseded', 'withdrawn', 'rejected', 'expired');
        ALTER TABLE chorus.drafts DROP CONSTRAINT drafts_bundle_id_participant_channel_language_event_id_key;
        CREATE UNIQUE INDEX drafts_one_per_slot_and_event ON chorus.drafts (bundle_id, participant, channel, language, coalesce(phase, ''), event_id);
        """)
}
