/// The schema's history, oldest first. Append new steps; never edit or reorder a shipped one.
public enum Migrations {
    /// Every migration, in order.
    public static let all: [Migration] = [
        initialSchema,
        reviewWorkflow,
        daemonInstances,
        rejectedInputsFingerprint,
        lifecycle,
        guarantees,
        draftPhases,
        console,
        corroboration,
        consoleChecks,
        updateFacts,
        bundleExpiry,
        restDays,
        consoleTokenLookup,
    ]
}
