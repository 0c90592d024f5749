import ChorusCore
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus status`: is the database there, which schema, what the queue holds.
struct StatusCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "status",
        abstract: "Show the database, the schema version, the sources and the queue.",
        discussion: """
        Reports where the database is and whether it answers, the schema version, the running daemons \
        (which instance works which source, its rule-set version, what it last said and its last errors), \
        each source's cursor and lag, the queue's drafts by state and the rejected inputs. Starts nothing: \
        an embedded cluster that is not running is reported as such. Exits 69 when the database cannot be \
        reached.
        """,
        options: [.config, .database, .json]
    )

    let global: GlobalOptions
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        json = arguments.flag("json")
    }

    func run(_ context: CommandContext) throws {
        let location = try global.databaseLocation(context)
        var report = StatusReport(database: .init(location: location.summary))
        var failure: CommandError?
        if case .embedded(let cluster, _) = location {
            report.database.embeddedDirectory = cluster.directory.path
            report.database.embeddedRunning = cluster.isRunning
        }
        if report.database.embeddedRunning == false {
            report.database.error = "the embedded cluster is not running; the next command that needs the database starts it"
            failure = CommandError(.unavailable, "the embedded cluster in \(report.database.embeddedDirectory ?? "?") is not running "
                                   + "(the next command that needs it starts it, or 'chorus embedded start')")
        } else {
            do {
                try report.read(StoreSnapshot.read(try connect(location)))
            } catch {
                let (code, message) = ErrorReport.describe(error)
                report.database.error = message
                failure = CommandError(code, "the database cannot be reached: \(message)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            context.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            report.printText(to: context)
        }
        if let failure { throw failure }
    }

    /// A connection, trying again twice within a second and a half when the server does not answer in
    /// time: a busy server is not an absent one (a daemon may be writing to it right now).
    private func connect(_ location: DatabaseLocation) throws -> Connection {
        let conninfo: String
        switch location {
        case .server(let text, _): conninfo = text
        case .embedded(let cluster, let database): conninfo = cluster.conninfo(database: database)
        }
        var attempt = 0
        while true {
            do {
                return try Connection(conninfo)
            } catch let error as PostgresError where error.kind == .connectionFailed && attempt < 2 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.5 * Double(attempt))
            }
        }
    }
}

/// What `chorus status` reports; its JSON form is what `--json` prints.
struct StatusReport: Encodable {
    struct Database: Encodable {
        var location: String
        var embeddedDirectory: String?
        var embeddedRunning: Bool?
        var reachable = false
        var serverVersion: String?
        /// Why the database takes no writes (daemons can then write neither events nor heartbeats).
        var readOnly: String?
        var error: String?
    }

    struct Schema: Encodable {
        var version: Int
        var latest: Int
        var migrations: [String]
    }

    struct Source: Encodable {
        var name: String
        var updatedAt: String
        var lagSeconds: Double
    }

    /// A `chorus run` instance, from its heartbeat row (migration 3).
    struct Daemon: Encodable {
        var instance: String
        var phase: String
        var heartbeatAgeSeconds: Double
        /// Whether it has been heard from recently (a dead daemon's row stays behind).
        var alive: Bool
        var ruleSetVersion: String
        var status: String
        var sources: [String: SourceState]
    }

    struct Queue: Encodable {
        var bundles: Int
        var drafts: [String: Int]
        var rejectedInputs: Int
        var lastRejection: String?
    }

    /// How long a daemon may go unheard before it is taken for gone (it beats every 2 s).
    static let heartbeatTimeout = 15.0

    var database: Database
    var schema: Schema?
    var daemons: [Daemon]?
    var sources: [Source]?
    var queue: Queue?
    /// Live incidents held until corroborated (no bundle yet).
    var held: HeldSummary?

    mutating func read(_ snapshot: StoreSnapshot) {
        database.reachable = true
        database.serverVersion = snapshot.serverVersion
        database.readOnly = snapshot.readOnly
        schema = Schema(version: snapshot.schemaVersion, latest: Migrator().latestVersion, migrations: snapshot.migrations)
        guard snapshot.schemaVersion >= 1 else { return }
        if snapshot.schemaVersion >= 3 {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            daemons = snapshot.daemons.map { row in
                let sources = (try? decoder.decode([String: SourceState].self, from: Data(row.sourcesJSON.utf8))) ?? [:]
                return Daemon(instance: row.instance, phase: row.phase, heartbeatAgeSeconds: row.heartbeatAgeSeconds,
                              alive: row.phase != "stopped" && row.heartbeatAgeSeconds < Self.heartbeatTimeout,
                              ruleSetVersion: row.ruleSetVersion, status: row.status, sources: sources)
            }
        }
        sources = snapshot.cursors.map { Source(name: $0.source, updatedAt: $0.updatedAt.formatted(.iso8601), lagSeconds: $0.lagSeconds) }
        queue = Queue(bundles: snapshot.bundles, drafts: snapshot.drafts, rejectedInputs: snapshot.rejectedInputs,
                      lastRejection: snapshot.lastRejection)
        held = snapshot.held
    }

    func printText(to context: CommandContext, now: Date = Date()) {
        var lines = ["Database:  \(database.location)"]
        if let running = database.embeddedRunning { lines.append("Embedded:  \(running ? "running" : "not running")") }
        if database.reachable {
            lines.append("Server:    PostgreSQL \(database.serverVersion ?? "?")"
                         + (database.readOnly.map { " — READ-ONLY (\($0)): daemons can write neither events nor heartbeats" } ?? ""))
        } else {
            lines.append("Server:    unreachable — \(database.error ?? "unknown error")")
        }
        if let schema {
            if schema.version == 0 {
                lines.append("Schema:    not created; run 'chorus migrate'")
            } else {
                let state = schema.version == schema.latest ? "up to date" : "this chorus knows \(schema.latest); run 'chorus migrate'"
                lines.append("Schema:    version \(schema.version) (\(state))")
            }
        }
        if let daemons {
            let alive = daemons.filter(\.alive)
            if alive.isEmpty {
                // Not "none running" when they may simply be unable to say so.
                if let last = daemons.first(where: { $0.phase != "stopped" }) {
                    lines.append("Daemons:   none heard from in the last \(Int(Self.heartbeatTimeout)) s"
                                 + (database.readOnly != nil ? " (the database is read-only: a running one cannot write its heartbeat)" : ""))
                    lines.append("  last heard: \(last.instance), \(last.phase), \(Self.age(last.heartbeatAgeSeconds)) ago")
                } else {
                    lines.append("Daemons:   none running")
                }
            } else {
                lines.append("Daemons:")
            }
            for daemon in alive {
                lines.append("  \(daemon.instance): \(daemon.phase), rules \(daemon.ruleSetVersion.prefix(12)), "
                             + "heard from \(Int(daemon.heartbeatAgeSeconds)) s ago")
                lines.append("    \(daemon.status)")
                for (name, source) in daemon.sources.sorted(by: { $0.key < $1.key }) {
                    lines.append("    \(name): " + Self.describe(source, now: now))
                }
            }
        }
        if let sources {
            lines.append(sources.isEmpty ? "Sources:   none has recorded a cursor yet" : "Sources:")
            for source in sources {
                lines.append("  \(source.name): cursor saved \(source.updatedAt) (\(Int(source.lagSeconds)) s ago)")
            }
        }
        if let queue {
            let drafts = DraftState.allCases.map { "\($0) \(queue.drafts[$0.rawValue] ?? 0)" }.joined(separator: ", ")
            lines.append("Queue:     \(queue.bundles) bundles; drafts: \(drafts)")
            lines.append("Rejected:  \(queue.rejectedInputs) inputs" + (queue.lastRejection.map { "; last: \($0)" } ?? ""))
        }
        if let held {
            var line = "Held:      \(held.incidents) incident\(held.incidents == 1 ? "" : "s") awaiting corroboration"
            if held.incidents > 0 {
                line += " (\(held.reports) report\(held.reports == 1 ? "" : "s")" + (held.nextExpiry.map { "; next window closes \(RFC3339.format($0))" } ?? "")
                    + "; see 'chorus review list --held')"
            }
            if held.expiredLastDay > 0 { line += "; \(held.expiredLastDay) expired uncorroborated in the last day" }
            lines.append(line)
        }
        context.print(lines.joined(separator: "\n"))
    }

    /// One source as a daemon sees it: `failing since 12:00:03 (40 s): HTTP 500; retries in 8 s; …`.
    static func describe(_ source: SourceState, now: Date) -> String {
        var parts: [String] = []
        switch source.role {
        case .failing:
            let since = source.failingSince.map { " since \($0.formatted(.iso8601)) (\(age(now.timeIntervalSince($0))))" } ?? ""
            parts.append("failing\(since): \(source.lastError ?? "unknown error")")
            if let retry = source.retryAt { parts.append(retry > now ? "retries in \(age(retry.timeIntervalSince(now)))" : "retrying") }
        case .paused:
            parts.append("paused, waiting for the database" + (source.lastError.map { " (\($0))" } ?? ""))
        case .active, .standby:
            parts.append(source.role.rawValue)
        }
        parts.append("\(source.eventsQueued) events queued")
        if let success = source.lastSuccessAt { parts.append("last success \(age(now.timeIntervalSince(success))) ago") }
        if let backlog = source.backlog { parts.append("backlog \(backlog) \(source.backlogUnit ?? "")") }
        if source.role != .failing, source.role != .paused, let error = source.lastError { parts.append("last error: \(error)") }
        return parts.joined(separator: "; ")
    }

    /// `42 s`, `3 min`, `2 h`.
    static func age(_ seconds: Double) -> String {
        let value = max(0, seconds)
        if value < 120 { return "\(Int(value)) s" }
        if value < 7200 { return "\(Int(value / 60)) min" }
        return "\(Int(value / 3600)) h"
    }
}
