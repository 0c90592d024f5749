import Foundation
import Synchronization

/// One source as one instance sees it: what the heartbeat row carries for `chorus status`.
public struct SourceState: Sendable, Codable, Equatable {
    public var role: SourceRole = .standby
    /// Events this instance queued for the source since it started.
    public var eventsQueued = 0
    /// When a delivery of the source last committed.
    public var lastCommitAt: Date?
    /// When the source last read (or polled) successfully.
    public var lastSuccessAt: Date?
    /// Since when the source has been failing without a success in between.
    public var failingSince: Date?
    /// What last went wrong, `nil` once the source works again.
    public var lastError: String?
    /// When the source tries again after a failure.
    public var retryAt: Date?
    /// What is waiting to be read, in ``backlogUnit`` (bytes of a file, files in a spool, inbox rows).
    public var backlog: Int?
    public var backlogUnit: String?

    public init() {}
}

/// What the daemon knows about itself, shared by its services: for `STATUS=`, the heartbeat row that
/// `chorus status` reads, and the watchdog's health check.
final class DaemonState: Sendable {
    private struct Values: Sendable {
        var sources: [String: SourceState] = [:]
        var databaseError: String?
        var ruleSetVersion = ""
        var eventsQueued = 0
        var transactions = 0
        var phase = "starting"
        /// What this instance does with the release service.
        var releaseRole: SourceRole = .standby
        /// Since when a blocking database call of the committer has been running.
        var writeBusySince: ContinuousClock.Instant?
        /// When the lock keeper's thread last went round its loop.
        var lockKeeperTick: ContinuousClock.Instant = .now
    }

    private let values = Mutex(Values())

    func setPhase(_ phase: String) { values.withLock { $0.phase = phase } }
    var phase: String { values.withLock { $0.phase } }

    func setReleaseRole(_ role: SourceRole) { values.withLock { $0.releaseRole = role } }
    var releaseRole: SourceRole { values.withLock { $0.releaseRole } }

    func setRuleSetVersion(_ version: String) { values.withLock { $0.ruleSetVersion = version } }
    var ruleSetVersion: String { values.withLock { $0.ruleSetVersion } }

    func setDatabaseError(_ error: String?) { values.withLock { $0.databaseError = error } }
    var databaseError: String? { values.withLock { $0.databaseError } }

    func setSources(_ names: [String]) {
        values.withLock { values in
            values.sources = Dictionary(uniqueKeysWithValues: names.map { ($0, values.sources[$0] ?? SourceState()) })
        }
    }

    func updateSource(_ name: String, _ change: (inout SourceState) -> Void) {
        values.withLock { values in
            guard var state = values.sources[name] else { return }
            change(&state)
            values.sources[name] = state
        }
    }

    var sources: [String: SourceState] { values.withLock { $0.sources } }

    func recordCommit(events: Int, transactions: Int = 1) {
        values.withLock {
            $0.eventsQueued += events
            $0.transactions += transactions
            $0.databaseError = nil
        }
    }

    var totals: (events: Int, transactions: Int) { values.withLock { ($0.eventsQueued, $0.transactions) } }

    func writeStarted() { values.withLock { $0.writeBusySince = .now } }
    func writeEnded() { values.withLock { $0.writeBusySince = nil } }
    func lockKeeperTicked() { values.withLock { $0.lockKeeperTick = .now } }

    /// Whether the pipeline makes progress: no database call has hung for longer than `limit`.
    func isHealthy(limit: Duration) -> Bool {
        values.withLock { values in
            let now = ContinuousClock.now
            if let since = values.writeBusySince, since.duration(to: now) > limit { return false }
            return values.lockKeeperTick.duration(to: now) <= limit
        }
    }

    /// One line for `STATUS=`.
    var summary: String {
        values.withLock { values in
            func named(_ role: SourceRole) -> [String] { values.sources.filter { $0.value.role == role }.keys.sorted() }
            var parts = [values.phase]
            if let error = values.databaseError {
                parts.append("database unavailable, reconnecting: \(error.prefix(160))")
            }
            let active = named(.active)
            parts.append("active: \(active.isEmpty ? "none" : active.joined(separator: ","))")
            for role in [SourceRole.failing, .paused, .standby] {
                let sources = named(role)
                if !sources.isEmpty { parts.append("\(role.rawValue): \(sources.joined(separator: ","))") }
            }
            parts.append("release: \(values.releaseRole)")
            parts.append("\(values.eventsQueued) events in \(values.transactions) transactions")
            parts.append("rules \(values.ruleSetVersion.prefix(12))")
            return parts.joined(separator: "; ")
        }
    }
}
