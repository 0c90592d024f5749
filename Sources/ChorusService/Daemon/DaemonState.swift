import Foundation
import Synchronization

/// What the daemon knows about itself, shared by its services: for `STATUS=`, the heartbeat row that
/// `chorus status` reads, and the watchdog's health check.
final class DaemonState: Sendable {
    /// One source as this instance sees it.
    struct SourceState: Sendable, Codable, Equatable {
        var role: SourceRole = .standby
        var eventsQueued = 0
        var lastCommitAt: Date?
        var lastError: String?
        var backlog: Int?
        var backlogUnit: String?
    }

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

    func recordCommit(events: Int) {
        values.withLock {
            $0.eventsQueued += events
            $0.transactions += 1
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
            let active = values.sources.filter { $0.value.role == .active }.keys.sorted()
            let standby = values.sources.filter { $0.value.role != .active }.keys.sorted()
            var parts = [values.phase]
            if let error = values.databaseError {
                parts.append("database unavailable, reconnecting: \(error.prefix(160))")
            }
            parts.append("active: \(active.isEmpty ? "none" : active.joined(separator: ","))")
            if !standby.isEmpty { parts.append("standby: \(standby.joined(separator: ","))") }
            parts.append("release: \(values.releaseRole)")
            parts.append("\(values.eventsQueued) events in \(values.transactions) transactions")
            parts.append("rules \(values.ruleSetVersion.prefix(12))")
            return parts.joined(separator: "; ")
        }
    }
}
