import Foundation

/// The operator's configuration file (JSON5), `Deploy/chorus.json5` being the commented example.
///
/// Which file: `--config FILE`, else `$CHORUS_CONFIG`, else `/etc/chorus/chorus.json5` when it exists;
/// no file at all is fine and means every default. Unknown fields are errors, so a typo never passes silently.
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
                batch: BatchConfiguration = BatchConfiguration(), file: URL? = nil) {
        self.database = database
        self.rules = rules
        self.sources = sources
        self.batch = batch
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
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            var configuration = try decoder.decode(ChorusConfiguration.self, from: data)
            configuration.file = file
            return configuration
        } catch let error as ConfigurationError {
            throw ConfigurationError(file: file.path, error.message)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigurationError(file: file.path, "\(path): expected a string")
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigurationError(file: file.path, "not valid JSON5: \(Self.underlyingMessage(context))")
        } catch {
            throw ConfigurationError(file: file.path, "\(error)")
        }
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

    private static func underlyingMessage(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError as NSError?,
           let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
            return detail
        }
        return context.debugDescription
    }
}

extension ChorusConfiguration: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case database, rules, sources, batch, webhooks, delivery
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }.sorted()
        if let field = unknown.first {
            let known = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(file: nil, "\(field): unknown field (known: \(known))")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let sources = try container.decodeIfPresent([SourceConfiguration].self, forKey: .sources) ?? []
        var names: Set<String> = []
        for source in sources where !names.insert(source.name).inserted {
            throw ConfigurationError(file: nil, "sources: the name '\(source.name)' is used twice")
        }
        self.init(database: try container.decodeIfPresent(String.self, forKey: .database),
                  rules: try container.decodeIfPresent(String.self, forKey: .rules),
                  sources: sources,
                  batch: try container.decodeIfPresent(BatchConfiguration.self, forKey: .batch) ?? BatchConfiguration())
        webhooks = try container.decodeIfPresent([String: String].self, forKey: .webhooks) ?? [:]
        // The URL is not repeated in the message: it may hold a secret.
        for (participant, url) in webhooks.sorted(by: { $0.key < $1.key }) where PublisherAddress.webURL(url) == nil {
            throw ConfigurationError(file: nil, "webhooks.\(participant): not an http or https URL with a host")
        }
        delivery = try container.decodeIfPresent(DeliveryPolicy.self, forKey: .delivery) ?? DeliveryPolicy()
    }
}

extension ChorusConfiguration {
    /// The publishers the configuration describes: the webhooks, when there are any.
    public func publishers(extraWebhooks: [String: URL] = [:]) -> [any Publisher] {
        var routes: [String: URL] = [:]
        for (audience, text) in webhooks { routes[audience] = PublisherAddress.webURL(text) }
        routes.merge(extraWebhooks) { $1 }
        return routes.isEmpty ? [] : [WebhookPublisher(routes: routes, timeout: delivery.timeout)]
    }
}

extension DeliveryPolicy: Decodable {
    /// `delivery: { maxAttempts: 5, retryDelay: "1s", maxDelay: "60s", timeout: "10s" }`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyConfigurationKey.self)
        try container.rejectUnknownFields(["maxAttempts", "retryDelay", "maxDelay", "timeout"], path: "delivery.")
        self.init()
        let attemptsKey = AnyConfigurationKey(stringValue: "maxAttempts")
        if container.contains(attemptsKey) {
            guard let value = try? container.decode(Int.self, forKey: attemptsKey), (1...100).contains(value) else {
                throw ConfigurationError(file: nil, "delivery.maxAttempts: expected a whole number from 1 to 100")
            }
            maxAttempts = value
        }
        if let delay = try container.duration("retryDelay", path: "delivery.") { retryDelay = delay }
        if let delay = try container.duration("maxDelay", path: "delivery.") { maximumDelay = delay }
        if let timeout = try container.duration("timeout", path: "delivery.") {
            guard timeout > .zero, timeout <= .seconds(120) else {
                throw ConfigurationError(file: nil, "delivery.timeout: more than 0 and at most 2m")
            }
            self.timeout = timeout
        }
    }
}
