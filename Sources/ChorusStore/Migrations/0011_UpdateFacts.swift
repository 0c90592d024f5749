extension Migrations {
    /// The facts an update establishes for its bundle (docs/EVENTS.md, "Updates"): an update that leaves fields
    /// out keeps the bundle's values for them (``Correlation/merged(_:over:)``), so the facts a bundle stands on
    /// after it are not the update's own payload. `chorus.bundle_events.facts` holds them — the merged event, in
    /// the payload's format — for the update that changed the facts; `NULL` where the event's own payload is the
    /// facts (the opening event, an update that restated every field, reports, cancels). The event's payload
    /// stays exactly as the feed delivered it.
    ///
    /// Readers of a bundle's or a draft's facts take `coalesce(bundle_events.facts, events.payload)` for the
    /// pair (bundle, facts event).
    public static let updateFacts = Migration(version: 11, name: "update_facts", sql: """
        ALTER TABLE chorus.bundle_events ADD COLUMN facts jsonb;
        COMMENT ON COLUMN chorus.bundle_events.facts IS
            'The facts the bundle stands on after this update (the update merged over the earlier facts), when they differ from the event''s payload';
        """)
}
