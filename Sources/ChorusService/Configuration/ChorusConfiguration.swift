import Foundation

/// The `console` section: how `chorus console` serves reviewers.
public struct ConsoleConfiguration: Sendable, Equatable {
    /// Where it listens (`127.0.0.1:8480`); `--listen` wins.
    public var listen: String?
    /// How reviewers reach it through the reverse proxy (`https://chorus.example.org`): links, the origin
    /// of its forms, and `Secure` cookies when it is https.
    public var publicURL: String?
    /// The conninfo of the console's own role (default: the database's, with `user=chorus_console`).
    public var database: String?
    /// A session ends this long after login (default 12 h).
    public var sessionLifetime: Duration?
    /// A session ends after this long without a request (default 1 h).
    public var idleTimeout: Duration?

    public init(listen: String? = nil, publicURL: String? = nil, database: String? = nil,
                sessionLifetime: Duration? = nil, idleTimeout: Duration? = nil) {
        self.listen = listen
        self.publicURL = publicURL
        self.database = database
        self.sessionLifetime = sessionLifetime
        self.idleTimeout = idleTimeout
    }
}

/// The `notifications` section: what reviewers are told in their chat (``ReviewerNotifier``).
public struct NotificationConfiguration: Sendable, Equatable {
    /// The webhook (http or https) of the reviewers' channel — Slack, Teams and Matrix (hookshot) take its
    /// JSON's `text`; `nil` tells nobody. It may hold a token: only its scheme and host are stored or shown.
    public var webhook: String?
    /// A reminder when no reviewer has acted on a bundle this long after its drafting.
    public var remindAfter: Duration
    /// A warning this long before a bundle with drafts still awaiting review expires.
    public var warnBefore: Duration

    public init(webhook: String? = nil, remindAfter: Duration = .seconds(15 * 60), warnBefore: Duration = .seconds(30 * 60)) {
        self.webhook = webhook
        self.remindAfter = remindAfter
        self.warnBefore = warnBefore
    }
}

/// The operator's configuration file (JSON5), `Deploy/chorus.json5` being the commented example.
///
/// Which file: `--config FILE`, else `$CHORUS_CONFIG`, else `/etc/chorus/chorus.json5` when it exists;
/// no file at all is fine and means every default. Unknown fields are errors, so a typo never passes silently.
/// ``ConfigurationReader`` reads it, with the rules' JSON5 reader: problems read `FILE:LINE:COL: message`.
public struct ChorusConfiguration: Sendable, Equatable {
    /// The libpq conninfo or `postgres://` URL of the queue's database.
    public var database: String?
    /// The rules directory, relative to the configuration file's directory.
    public var rules: String?
    /// The feeds `chorus run` watches, each worked by one instance at a time.
    public var sources: [SourceConfiguration]
    /// Group commit limits of the daemon's pipeline.
    public var batch: BatchConfiguration
    /// Webhooks of the outbox: participant id → URL (http or https) that released drafts are POSTed to.
    /// The URLs may hold secrets (a token, a password): they stay here, and only their scheme and host are
    /// ever stored or shown.
    public var webhooks: [String: String] = [:]
    /// The review console (`chorus console`).
    public var console = ConsoleConfiguration()
    /// What reviewers are told, and where.
    public var notifications = NotificationConfiguration()
    /// How deliveries are retried.
    public var delivery = DeliveryPolicy()
    /// The most connections `chorus run` opens to the database at once (``fixedConnections`` of its own and
    /// the rest for inbox claims), however many sources it has.
    public var maximumConnections = ChorusConfiguration.defaultMaximumConnections
    /// The daemon's connections that do not depend on its sources: the source locks, the writer, the cursor
    /// reader, the heartbeat, the release service, and the inbox sources' one listening connection.
    public static let fixedConnections = 6
    /// `maxConnections` when the file does not say.
    public static let defaultMaximumConnections = 10
    /// Connections inbox sources may use for claims at once.
    public var inboxClaimConnections: Int { max(1, maximumConnections - Self.fixedConnections) }
    /// The file this configuration was read from (`nil` when there was none).
    public var file: URL?

    public init(database: String? = nil, rules: String? = nil, sources: [SourceConfiguration] = [],
                batch: BatchConfiguration = BatchConfiguration(), webhooks: [String: String] = [:], file: URL? = nil) {
        self.database = database
        self.rules = rules
        self.sources = sources
        self.batch = batch
        self.webhooks = webhooks
        self.file = file
    }

    /// A source's path (file, spool), relative to the configuration file's directory.
    public func resolvedLocation(of source: SourceConfiguration, workingDirectory: URL) -> String? {
        guard let location = source.location, source.kind == .file || source.kind == .spool else { return source.location }
        let base = file?.deletingLastPathComponent() ?? workingDirectory
        return URL(fileURLWithPath: location, relativeTo: base).standardizedFileURL.path
    }

    /// The file the command line and environment point at, if any.
    /// - Throws: ``ConfigurationError`` when `--config` or `$CHORUS_CONFIG` names a file that does not exist.
    public static func locate(option: String?, environment: [String: String], workingDirectory: URL,
                              systemDefault: String = "/etc/chorus/chorus.json5") throws -> URL? {
        func existing(_ path: String, origin: String) throws -> URL {
            let url = URL(fileURLWithPath: path, relativeTo: workingDirectory).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ConfigurationError(file: nil, "the configuration file \(url.path) (\(origin)) does not exist")
            }
            return url
        }
        if let option { return try existing(option, origin: "--config") }
        if let variable = environment["CHORUS_CONFIG"], !variable.isEmpty {
            return try existing(variable, origin: "$CHORUS_CONFIG")
        }
        return FileManager.default.fileExists(atPath: systemDefault) ? URL(fileURLWithPath: systemDefault) : nil
    }

    /// Reads the configuration from `file`, or the defaults when `file` is `nil`.
    public static func load(from file: URL?) throws -> ChorusConfiguration {
        guard let file else { return ChorusConfiguration() }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ConfigurationError(file: file.path, "cannot read: \(error.localizedDescription)")
        }
        return try ConfigurationReader.read(data, file: file)
    }

    /// The rules directory: `--rules`, else the configuration's (relative to its file), else `./Rules`.
    public func rulesDirectory(option: String?, workingDirectory: URL) -> URL {
        if let option { return URL(fileURLWithPath: option, relativeTo: workingDirectory).standardizedFileURL }
        if let rules {
            let base = file?.deletingLastPathComponent() ?? workingDirectory
            return URL(fileURLWithPath: rules, relativeTo: base).standardizedFileURL
        }
        return workingDirectory.appendingPathComponent("Rules", isDirectory: true)
    }
}

extension ChorusConfiguration {
    /// The publishers the configuration describes: the webhooks (and `extraWebhooks`), when there are any.
    public func publishers(extraWebhooks: [String: URL] = [:]) -> [any Publisher] {
        var routes: [String: URL] = [:]
        for (audience, text) in webhooks { routes[audience] = PublisherAddress.webURL(text) }
        routes.merge(extraWebhooks) { $1 }
        var publishers: [any Publisher] = routes.isEmpty ? [] : [WebhookPublisher(routes: routes, timeout: delivery.timeout)]
        if let webhook = notifications.webhook.flatMap(PublisherAddress.webURL) {
            publishers.append(WebhookPublisher(name: ReviewerNotifier.publisherName, routes: [ReviewerNotifier.audience: webhook],
                                               timeout: delivery.timeout))
        }
        return publishers
    }
}
