import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation
import Postgres

/// `chorus run`: the daemon. Sources → parse → draft → group commit into the queue, as a systemd service.
///
/// Services start in this order and stop in reverse: the source locks (a dedicated connection and
/// thread), the group committer (the writer connection), the source workers, the release service (releases
/// what is due and delivers it, on one instance at a time), the heartbeat row and the link to systemd
/// (`STATUS=`, `WATCHDOG=1`). `READY=1` goes out once the workers run.
///
/// The daemon touches no signal: its entry point (`RunCommand`) turns SIGTERM/SIGINT and SIGHUP into
/// ``Control`` events, so that tests can drive a daemon in-process.
public final class Daemon: Sendable {
    /// What the entry point asks of a running daemon.
    public enum Control: Sendable {
        /// Re-read the configuration and the rules (SIGHUP).
        case reload
        /// Stop taking input, finish the transaction in flight, return (SIGTERM, SIGINT).
        case shutdown
    }

    /// Where the daemon's configuration comes from; a reload reads the same places again.
    public struct Options: Sendable {
        /// The configuration file (`--config`, `$CHORUS_CONFIG`, `/etc/chorus/chorus.json5`), if any.
        public var configurationFile: URL?
        /// `--database`.
        public var databaseOption: String?
        /// `--rules`.
        public var rulesOption: String?
        public var environment: [String: String]
        public var workingDirectory: URL

        public init(configurationFile: URL?, databaseOption: String?, rulesOption: String?,
                    environment: [String: String], workingDirectory: URL) {
            self.configurationFile = configurationFile
            self.databaseOption = databaseOption
            self.rulesOption = rulesOption
            self.environment = environment
            self.workingDirectory = workingDirectory
        }
    }

    private let options: Options
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let daemonState = DaemonState()

    public init(options: Options, logger: Logger, notifier: SystemdNotifier) {
        self.options = options
        self.logger = logger
        self.notifier = notifier
    }

    /// This machine's name, from `gethostname` (never a DNS lookup, which could block).
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Reads and checks the configuration, the rules and the kind tables, as start-up and a reload do.
    /// - Throws: ``ConfigurationError`` or ``DaemonError/invalidRules(_:)``.
    static func loadSettings(_ options: Options) throws -> DaemonSettings {
        let configuration = try ChorusConfiguration.load(from: options.configurationFile)
        let rules = configuration.rulesDirectory(option: options.rulesOption, workingDirectory: options.workingDirectory)
        let ruleSet: RuleSet
        do {
            ruleSet = try RuleSet.load(from: rules)
        } catch {
            throw DaemonError.invalidRules(directory: rules.path, error.diagnostics.map(\.description))
        }
        let kinds: KindMapping
        do {
            kinds = try ruleSet.feedKindMapping()
        } catch {
            throw DaemonError.invalidRules(directory: rules.path, error.diagnostics.map(\.description))
        }
        return DaemonSettings(configuration: configuration, ruleSet: ruleSet, kinds: kinds)
    }

    /// Runs until `control` says `.shutdown` (or ends), then stops in order and returns.
    /// - Throws: a bad configuration or rule set at start-up, an unusable database location, a schema
    ///   this build cannot use. Losing the database later is never an error: the daemon waits for it.
    public func run(control: AsyncStream<Control>) async throws {
        let startedAt = Date()
        let settings = try Self.loadSettings(options)
        let location = try DatabaseLocation.resolve(option: options.databaseOption, configuration: settings.configuration,
                                                    environment: options.environment)
        let conninfo = try await Self.prepare(location, logger: logger)
        logger.info("starting", [
            "database": location.summary, "sources": settings.configuration.sources.map(\.name).joined(separator: ","),
            "ruleset.version": String(settings.ruleSet.version.prefix(12)), "rules": "\(settings.ruleSet.rules.count)",
        ])
        if settings.configuration.sources.isEmpty {
            logger.warning("no sources configured: the daemon reads nothing until the configuration names some "
                           + "(see Deploy/chorus.json5), then 'systemctl reload chorus'",
                           ["config": options.configurationFile?.path ?? "none"])
        }
        daemonState.setRuleSetVersion(settings.ruleSet.version)
        daemonState.setSources(settings.configuration.sources.map(\.name))

        let box = SettingsBox(settings)
        let locks = SourceLocks(conninfo: conninfo, logger: logger, daemonState: daemonState)
        let committer = GroupCommitter(client: PostgresClient(conninfo: conninfo, label: "writer"),
                                       limits: settings.configuration.batch, daemonState: daemonState, logger: logger)
        let reader = PostgresClient(conninfo: conninfo, label: "reader")
        let inbox = InboxHub(conninfo: conninfo, maximumClaims: settings.configuration.inboxClaimConnections)
        let environment = SourceWorker.Environment(
            locks: locks, committer: committer, reader: reader, inbox: inbox, settings: box,
            daemonState: daemonState, logger: logger)
        let supervisor = SourceSupervisor(environment: environment, workingDirectory: options.workingDirectory) { [daemonState, notifier, logger] in
            // READY=1 once the source workers run.
            daemonState.setPhase("running")
            notifier.ready(status: daemonState.summary)
            logger.info("ready", ["sources": box.current.configuration.sources.map(\.name).joined(separator: ",")])
        }
        let instance = "\(Self.hostName):\(getpid()):\(Int(startedAt.timeIntervalSince1970))"
        let release = ReleaseService(conninfo: conninfo, settings: box, daemonState: daemonState, logger: logger, instance: instance)
        let heartbeat = Heartbeat(client: PostgresClient(conninfo: conninfo, label: "heartbeat"), daemonState: daemonState,
                                  logger: logger, instance: instance, startedAt: startedAt)
        let link = SupervisorLink(notifier: notifier, daemonState: daemonState, logger: logger)
        let group = ServiceGroup(services: [locks, committer, supervisor, release, heartbeat, link], logger: logger)

        let shutdown = Trigger()
        let notifier = self.notifier
        let daemonState = self.daemonState
        let logger = self.logger
        let options = self.options
        // The control loop — reloads one at a time, shutdown ends it — beside the services, in one group:
        // when the services have stopped (or one failed) it is cancelled and awaited.
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask {
                for await event in control {
                    switch event {
                    case .shutdown:
                        shutdown.fire()
                        return
                    case .reload:
                        await Self.reload(options: options, box: box, committer: committer, inbox: inbox, supervisor: supervisor,
                                          notifier: notifier, daemonState: daemonState, logger: logger)
                    }
                }
                shutdown.fire()
            }
            try await group.run(until: shutdown)
            tasks.cancelAll()
        }
        let totals = daemonState.totals
        logger.info("stopped", ["events": "\(totals.events)", "transactions": "\(totals.transactions)"])
    }

    /// The conninfo the daemon's connections use. The embedded cluster is started (and its database
    /// created) first, and its schema brought up to date, as every command does on chorus's own database.
    /// A configured server that does not answer yet is fine — the daemon waits for it — but a schema older
    /// or newer than this build is not.
    static func prepare(_ location: DatabaseLocation, logger: Logger) async throws -> String {
        let conninfo: String
        switch location {
        case .server(let text, _):
            conninfo = text
        case .embedded(let cluster, let database):
            try location.open { logger.notice($0) }.close()
            conninfo = cluster.conninfo(database: database)
        }
        do {
            let connection = try Connection(conninfo)
            try Migrator().requireCurrent(connection)
            // The embedded cluster is the service's own; on a server, the owner and superusers are above the
            // database's guarantees (docs/REVIEW.md): say so, once.
            if case .server = location, let rights = try? SchemaRights.of(connection), rights != .bound {
                logger.warning("connected as the schema's \(rights == .owner ? "owner" : "superuser"): the database's guarantees against the pipeline do not bind this role; run the daemon as a member of chorus_daemon (Deploy/README.md, Roles)")
            }
        } catch let error as PostgresError where error.isTransient {
            logger.warning("database not reachable at start-up; waiting for it", ["error": Logger.describe(error)])
        }
        return conninfo
    }

    /// SIGHUP: validate the new configuration and rules first; a bad set is refused and the old one kept.
    /// Nothing already drafted is drafted again: events are keyed in the database and cursors only move on.
    static func reload(
        options: Options, box: SettingsBox, committer: GroupCommitter, inbox: InboxHub, supervisor: SourceSupervisor,
        notifier: SystemdNotifier, daemonState: DaemonState, logger: Logger
    ) async {
        notifier.reloading()
        daemonState.setPhase("reloading")
        logger.notice("reloading the configuration and the rules")
        defer {
            daemonState.setPhase("running")
            notifier.ready(status: daemonState.summary)
        }
        let old = box.current
        let new: DaemonSettings
        do {
            new = try loadSettings(options)
        } catch let error as DaemonError {
            if case .invalidRules(let directory, let problems) = error {
                for problem in problems {
                    logger.error("reload refused: invalid rules", ["rules": directory, "problem": problem])
                }
            }
            logger.error("reload refused; keeping the rules and configuration in force",
                         ["ruleset.version": String(old.ruleSet.version.prefix(12))])
            return
        } catch {
            logger.error("reload refused; keeping the rules and configuration in force",
                         ["error": Logger.describe(error), "ruleset.version": String(old.ruleSet.version.prefix(12))])
            return
        }
        if new.configuration.database != old.configuration.database {
            logger.warning("the database setting changed; it takes effect at the next start")
        }
        box.replace(with: new)
        committer.setLimits(new.configuration.batch)
        inbox.maximumClaims = new.configuration.inboxClaimConnections
        daemonState.setRuleSetVersion(new.ruleSet.version)
        let kindsChanged = new.kinds != old.kinds
        if kindsChanged || new.configuration.sources != old.configuration.sources {
            await supervisor.apply(new.configuration, restartAll: kindsChanged)
        }
        logger.notice("reloaded", [
            "ruleset.version": String(new.ruleSet.version.prefix(12)), "rules": "\(new.ruleSet.rules.count)",
            "sources": new.configuration.sources.map(\.name).joined(separator: ","),
        ])
    }
}

/// Why the daemon cannot start (or a reload was refused).
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// The rules directory has problems, one line each (`FILE:LINE:COL: message`).
    case invalidRules(directory: String, [String])

    public var description: String {
        switch self {
        case .invalidRules(let directory, let problems):
            "the rules in \(directory) are invalid:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        }
    }
}
