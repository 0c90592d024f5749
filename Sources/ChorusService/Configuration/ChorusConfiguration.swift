import Foundation

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
    /// How deliveries are retried.
    public var delivery = DeliveryPolicy()
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
        return routes.isEmpty ? [] : [WebhookPublisher(routes: routes, timeout: delivery.timeout)]
    }
}
