extension Migrations {
    /// Rejected inputs get a unique key, as events and drafts have (PRODUCT.md §7): a document read again
    /// after a crash, or a commit retried because its acknowledgement was lost, finds its rejection stored
    /// and adds no second row. The key is the source and a SHA-256 of what was rejected — the item, the
    /// reason, the size and the bytes kept — written by `QueueWriter`. Rows stored before this migration
    /// keep a NULL fingerprint, which never conflicts: nothing is deleted.
    static let rejectedInputsFingerprint = Migration(version: 4, name: "rejected_inputs_fingerprint", sql: """
        ALTER TABLE chorus.rejected_inputs ADD COLUMN fingerprint bytea;
        CREATE UNIQUE INDEX rejected_inputs_by_fingerprint ON chorus.rejected_inputs (source, fingerprint);
        """)
}
