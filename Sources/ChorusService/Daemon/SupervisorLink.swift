import ChorusStore
import Foundation
import Postgres

/// Tells the supervisor how the daemon is doing: `STATUS=` whenever the summary changes, and
/// `WATCHDOG=1` at half of `WATCHDOG_USEC` — only while the pipeline is healthy, so that a daemon whose
/// database call hangs is restarted by systemd.
struct SupervisorLink: Service {
    let name = "systemd"
    let notifier: SystemdNotifier
    let daemonState: DaemonState
    let logger: Logger

    func run() async throws {
        let watchdog = notifier.watchdogInterval
        let tick = min(watchdog ?? .seconds(1), .seconds(1))
        var lastStatus = ""
        var lastWatchdog = ContinuousClock.now
        var unhealthyReported = false
        while !Task.isCancelled {
            let status = daemonState.summary
            if status != lastStatus {
                notifier.status(status)
                lastStatus = status
            }
            if let watchdog, lastWatchdog.duration(to: .now) >= watchdog - tick / 2 {
                // A database call hanging for longer than the whole watchdog timeout is not healthy.
                if daemonState.isHealthy(limit: watchdog * 2) {
                    notifier.watchdog()
                    lastWatchdog = .now
                    unhealthyReported = false
                } else if !unhealthyReported {
                    logger.error("pipeline not healthy: a database call hangs; withholding the watchdog keep-alive")
                    unhealthyReported = true
                }
            }
            if !(await pause(tick)) { return }
        }
    }
}

/// Writes this instance's heartbeat row (`chorus.daemon_instances`, migration 3) every few seconds, for
/// `chorus status`: phase, `STATUS=` line, rule-set version, and each source's role and last error.
struct Heartbeat: Service {
    let name = "heartbeat"
    let client: PostgresClient
    let daemonState: DaemonState
    let logger: Logger
    let instance: String
    let startedAt: Date
    var interval: Duration = .seconds(2)

    func run() async throws {
        var warned = false
        while !Task.isCancelled {
            do {
                try await beat()
                if daemonState.databaseError != nil {
                    // The row just written says "reconnecting", yet it was written: the database is back.
                    daemonState.setDatabaseError(nil)
                    try await beat()
                }
                if warned { logger.notice("heartbeat written again") }
                warned = false
            } catch {
                // Once per outage: `chorus status` cannot see this instance until it can write again (the
                // database gone, or read-only).
                if !warned { logger.warning("heartbeat not written; chorus status will not see this instance", ["error": Logger.describe(error)]) }
                warned = true
            }
            if !(await pause(interval)) { break }
        }
        daemonState.setPhase("stopped")
        try? await beat()
    }

    func beat() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let sources = String(decoding: try encoder.encode(daemonState.sources), as: UTF8.self)
        let host = Daemon.hostName
        let pid = Int(getpid())
        let instance = self.instance
        let startedAt = self.startedAt
        let phase = daemonState.phase
        let version = daemonState.ruleSetVersion
        let status = daemonState.summary
        let beat = DaemonRecords.Heartbeat(instance: instance, host: host, pid: pid, startedAt: startedAt, phase: phase,
                                           ruleSetVersion: version, status: status, sourcesJSON: sources)
        _ = try await client.withConnection { connection in try DaemonRecords.beat(beat, on: connection) }
    }
}
