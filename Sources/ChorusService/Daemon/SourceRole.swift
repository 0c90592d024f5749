/// What an instance is doing with a source — or with the release service, which is worked the same way: by
/// the one instance that holds its advisory lock. Shown in `STATUS=` and by `chorus status`.
public enum SourceRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// This instance holds the lock and does the work.
    case active
    /// Another instance holds the lock; this one takes over when it goes.
    case standby
    /// Waiting for the database (or for the lock after losing it).
    case paused
    /// The source itself reports errors; it is restarted with a backoff.
    case failing

    public var description: String { rawValue }
}
