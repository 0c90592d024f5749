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
        var failure: (any Error)?
        if case .embedded(let cluster, _) = location {
            report.database.embeddedDirectory = cluster.directory.path
            report.database.embeddedRunning = cluster.isRunning
        }
        if report.database.embeddedRunning == false {
            report.database.error = "the embedded cluster is not running; the next command that needs the database starts it"
        } else {
            do {
                try report.read(from: try connect(location))
            } catch {
                failure = error
                report.database.error = ErrorReport.describe(error).1
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            context.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            report.printText(to: context)
        }
        if let failure { throw CommandError(ErrorReport.describe(failure).0, "the database cannot be reached") }
    }

    private func connect(_ location: DatabaseLocation) throws -> Connection {
        switch location {
        case .server(let conninfo, _): try Connection(conninfo)
        case .embedded(let cluster, let database): try Connection(cluster.conninfo(database: database))
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

    var database: Database
    var schema: Schema?
    var daemons: [Daemon]?
    var sources: [Source]?
    var queue: Queue?
    /// Live incidents held until corroborated (no bundle yet).
    var held: HeldSummary?

    mutating func read(from connection: Connection) throws {
        database.reachable = true
        database.serverVersion = try connection.query("SELECT current_setting('server_version') AS v").first?
            .decode("v", as: String.self)
        let migrator = Migrator()
        let applied = try migrator.appliedMigrations(connection)
        schema = Schema(version: applied.last?.version ?? 0, latest: migrator.latestVersion,
                        migrations: applied.map { "\($0.version) \($0.name)" })
        guard let version = applied.last?.version, version >= 1 else { return }
        if version >= 3 {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            daemons = try connection.query("""
                SELECT instance, phase, extract(epoch FROM now() - heartbeat_at)::float8 AS age, ruleset_version,
                       status, sources::text AS sources
                FROM chorus.daemon_instances
                WHERE heartbeat_at > now() - interval '1 day'
                ORDER BY heartbeat_at DESC
                """).rows.map { row in
                let age: Double = try row.decode("age")
                let phase: String = try row.decode("phase")
                let sources = (try? decoder.decode([String: SourceState].self,
                                                   from: Data(try row.decode("sources", as: String.self).utf8))) ?? [:]
                return Daemon(instance: try row.decode("instance"), phase: phase, heartbeatAgeSeconds: age,
                              alive: phase != "stopped" && age < 15, ruleSetVersion: try row.decode("ruleset_version"),
                              status: try row.decode("status"), sources: sources)
            }
        }
        sources = try connection.query("""
            SELECT source, updated_at, extract(epoch FROM now() - updated_at)::float8 AS lag
            FROM chorus.source_cursors ORDER BY source
            """).rows.map { row in
            Source(name: try row.decode("source"), updatedAt: try row.decode("updated_at", as: Date.self).formatted(.iso8601),
                   lagSeconds: try row.decode("lag"))
        }
        var drafts: [String: Int] = [:]
        for row in try connection.query("SELECT state, count(*) AS n FROM chorus.drafts GROUP BY state").rows {
            drafts[try row.decode("state")] = try row.decode("n", as: Int.self)
        }
        let counts = try connection.query("""
            SELECT (SELECT count(*) FROM chorus.bundles) AS bundles,
                   (SELECT count(*) FROM chorus.rejected_inputs) AS rejected,
                   (SELECT source || ': ' || reason FROM chorus.rejected_inputs ORDER BY id DESC LIMIT 1) AS last
            """).first
        queue = Queue(bundles: try counts?.decode("bundles") ?? 0, drafts: drafts,
                      rejectedInputs: try counts?.decode("rejected") ?? 0, lastRejection: try counts?.decode("last"))
        if applied.contains(where: { $0.name == Migrations.corroboration.name }) {
            held = try CorroborationStore(connection: connection).summary()
        }
    }

    func printText(to context: CommandContext) {
        var lines = ["Database:  \(database.location)"]
        if let running = database.embeddedRunning { lines.append("Embedded:  \(running ? "running" : "not running")") }
        if database.reachable {
            lines.append("Server:    PostgreSQL \(database.serverVersion ?? "?")")
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
            lines.append(alive.isEmpty ? "Daemons:   none running" : "Daemons:")
            for daemon in alive {
                lines.append("  \(daemon.instance): \(daemon.phase), rules \(daemon.ruleSetVersion.prefix(12)), "
                             + "heard from \(Int(daemon.heartbeatAgeSeconds)) s ago")
                lines.append("    \(daemon.status)")
                for (name, source) in daemon.sources.sorted(by: { $0.key < $1.key }) {
                    var line = "    \(name): \(source.role.rawValue), \(source.eventsQueued) events queued"
                    if let backlog = source.backlog { line += ", backlog \(backlog) \(source.backlogUnit ?? "")" }
                    if let error = source.lastError { line += "; last error: \(error)" }
                    lines.append(line)
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
}
