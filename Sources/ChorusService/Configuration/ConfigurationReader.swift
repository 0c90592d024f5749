import ChorusCore
import ChorusHTTP
import ChorusFeeds
import Foundation

/// Reads the configuration file with ChorusCore's ``JSON5Reader`` and ``NodeReader`` — the readers of the
/// rules directory — so that every problem carries its line and column, unknown fields are named as in
/// every other file chorus reads, and all problems are reported at once.
struct ConfigurationReader {
    static let fields = ["database", "rules", "sources", "batch", "webhooks", "delivery", "maxConnections", "console", "notifications"]
    static let notificationFields = ["webhook", "remindAfter", "warnBefore"]
    static let consoleFields = ["listen", "publicURL", "database", "sessionLifetime", "idleTimeout"]
    static let sourceFields = ["name", "type", "format", "location", "pollInterval", "defaultCountries", "maxLines", "timeout"]
    static let batchFields = ["maxEvents", "maxDelay"]
    static let deliveryFields = ["maxAttempts", "retryDelay", "maxDelay", "timeout"]
    /// `sources[].format`: what `chorus ingest --format` takes.
    static var formats: [String] { FeedFormat.allCases.map(\.rawValue) }

    private var reader: NodeReader

    /// The configuration in `data`, read from `file`.
    /// - Throws: ``ConfigurationError`` with every problem found.
    static func read(_ data: Data, file: URL) throws(ConfigurationError) -> ChorusConfiguration {
        let root: JSON5Node
        do {
            root = try JSON5Reader.parse(data)
        } catch {
            throw ConfigurationError(file: file.path, problems: [
                .init(position: error.position, path: "", message: "syntax error: \(error.message)"),
            ])
        }
        var reader = ConfigurationReader(reader: NodeReader(file: file.path))
        let configuration = reader.configuration(root, file: file)
        let problems = reader.reader.diagnostics.sorted()
            .map { ConfigurationError.Problem(position: $0.position, path: $0.path, message: $0.message) }
        guard problems.isEmpty, let configuration else { throw ConfigurationError(file: file.path, problems: problems) }
        return configuration
    }

    private mutating func configuration(_ root: JSON5Node, file: URL) -> ChorusConfiguration? {
        guard let fields = reader.object(root, "", allowed: Self.fields) else { return nil }
        var configuration = ChorusConfiguration(file: file)
        configuration.database = fields["database"].flatMap { reader.string($0, "database") }
        configuration.rules = fields["rules"].flatMap { reader.string($0, "rules") }
        if let node = fields["sources"], let items = reader.list(node, "sources") {
            var names: [String: SourcePosition] = [:]
            for (index, item) in items.enumerated() {
                // A name used twice is reported whatever else is wrong with either source.
                if case .object(let members) = item.value, let member = members.first(where: { $0.key == "name" }),
                   case .string(let name) = member.node.value {
                    if let first = names[name] {
                        reader.report(member.node, "sources[\(index)].name",
                                      "the source name '\(name)' is used twice (first at \(first)): each source needs a name of its own")
                    } else {
                        names[name] = member.node.position
                    }
                }
                guard let source = self.source(item, "sources[\(index)]") else { continue }
                if !configuration.sources.contains(where: { $0.name == source.name }) { configuration.sources.append(source) }
            }
        }
        if let node = fields["batch"] { configuration.batch = batch(node) }
        if let node = fields["console"] { configuration.console = console(node) }
        if let node = fields["webhooks"], let members = members(node, "webhooks") {
            for member in members {
                let path = NodeReader.join("webhooks", member.key)
                guard let url = reader.string(member.node, path) else { continue }
                // The value is not repeated: a webhook URL may hold a token or a password.
                guard PublisherAddress.webURL(url) != nil else {
                    reader.report(member.node, path, "not an http or https URL with a host")
                    continue
                }
                configuration.webhooks[member.key] = url
            }
        }
        if let node = fields["delivery"] { configuration.delivery = delivery(node) }
        let least = ChorusConfiguration.fixedConnections + 1
        if let node = fields["maxConnections"], let value = wholeNumber(node, "maxConnections", in: least...10_000) {
            configuration.maximumConnections = value
        }
        if let node = fields["notifications"] { configuration.notifications = notifications(node) }
        return configuration
    }

    private mutating func notifications(_ node: JSON5Node) -> NotificationConfiguration {
        var notifications = NotificationConfiguration()
        guard let fields = reader.object(node, "notifications", allowed: Self.notificationFields) else { return notifications }
        if let node = fields["webhook"], let url = reader.string(node, "notifications.webhook") {
            // The value is not repeated: a webhook URL may hold a token.
            if PublisherAddress.webURL(url) != nil {
                notifications.webhook = url
            } else {
                reader.report(node, "notifications.webhook", "not an http or https URL with a host")
            }
        }
        for key in ["remindAfter", "warnBefore"] {
            let path = "notifications.\(key)"
            guard let node = fields[key], let value = duration(node, path) else { continue }
            if value < .seconds(60) || value > .seconds(7 * 24 * 3600) {
                reader.report(node, path, "from 1 minute to 7 days")
            } else if key == "remindAfter" {
                notifications.remindAfter = value
            } else {
                notifications.warnBefore = value
            }
        }
        return notifications
    }

    private mutating func delivery(_ node: JSON5Node) -> DeliveryPolicy {
        var policy = DeliveryPolicy()
        guard let fields = reader.object(node, "delivery", allowed: Self.deliveryFields) else { return policy }
        if let node = fields["maxAttempts"], let value = wholeNumber(node, "delivery.maxAttempts", in: 1...100) {
            policy.maxAttempts = value
        }
        if let node = fields["retryDelay"], let delay = duration(node, "delivery.retryDelay") { policy.retryDelay = delay }
        if let node = fields["maxDelay"], let delay = duration(node, "delivery.maxDelay") { policy.maximumDelay = delay }
        if let node = fields["timeout"], let timeout = duration(node, "delivery.timeout") {
            if timeout <= .zero || timeout > .seconds(120) {
                reader.report(node, "delivery.timeout", "more than 0 and at most 2m: one attempt's time limit")
            } else {
                policy.timeout = timeout
            }
        }
        return policy
    }

    /// One entry of `sources`.
    private mutating func source(_ node: JSON5Node, _ path: String) -> SourceConfiguration? {
        guard let fields = reader.object(node, path, allowed: Self.sourceFields, required: ["name", "type"]) else { return nil }
        let name = fields["name"].flatMap { reader.string($0, NodeReader.join(path, "name")) }
        let kind = fields["type"].flatMap { reader.enumeration($0, NodeReader.join(path, "type"), SourceConfiguration.Kind.self) }
        var format: String?
        if let node = fields["format"], let text = reader.string(node, NodeReader.join(path, "format")) {
            if Self.formats.contains(text) {
                format = text
            } else {
                reader.report(node, NodeReader.join(path, "format"), "'\(text)' is not one of \(Self.formats.joined(separator: ", "))")
            }
        }
        let location = fields["location"].flatMap { reader.string($0, NodeReader.join(path, "location")) }
        if let kind, kind != .inbox, fields["location"] == nil {
            reader.report(nil, NodeReader.join(path, "location"), "missing required field 'location' (a \(kind.rawValue) source reads from it)")
        }
        var pollInterval: Duration?
        if let node = fields["pollInterval"], let value = duration(node, NodeReader.join(path, "pollInterval")) {
            if value <= .zero {
                reader.report(node, NodeReader.join(path, "pollInterval"), "must be more than zero")
            } else {
                pollInterval = value
            }
        }
        var countries: [String] = []
        if let node = fields["defaultCountries"], let items = reader.list(node, NodeReader.join(path, "defaultCountries")) {
            for (index, item) in items.enumerated() {
                let itemPath = "\(NodeReader.join(path, "defaultCountries"))[\(index)]"
                guard let code = reader.string(item, itemPath) else { continue }
                if code.count == 2, code.uppercased() == code, code.allSatisfy(\.isLetter) {
                    countries.append(code)
                } else {
                    reader.report(item, itemPath, "'\(code)' is not an ISO 3166-1 alpha-2 code (upper case, like \"DE\")")
                }
            }
        }
        var maximumLines: Int?
        if let node = fields["maxLines"] {
            if let kind, kind != .file {
                reader.report(node, NodeReader.join(path, "maxLines"), "maxLines applies to file sources only (this one is \(kind.rawValue))")
            } else {
                maximumLines = wholeNumber(node, NodeReader.join(path, "maxLines"), in: 1...1_000_000)
            }
        }
        var timeout: Duration?
        if let node = fields["timeout"] {
            if let kind, kind != .http {
                reader.report(node, NodeReader.join(path, "timeout"), "timeout applies to http sources only (this one is \(kind.rawValue))")
            } else if let value = duration(node, NodeReader.join(path, "timeout")) {
                if value < .seconds(1) || value > .seconds(3600) {
                    reader.report(node, NodeReader.join(path, "timeout"), "must be from 1s to 1h")
                } else {
                    timeout = value
                }
            }
        }
        guard let name, let kind else { return nil }
        return SourceConfiguration(name: name, kind: kind, format: format, location: location, pollInterval: pollInterval,
                                   defaultCountries: countries, maximumLines: maximumLines, timeout: timeout)
    }

    private mutating func batch(_ node: JSON5Node) -> BatchConfiguration {
        var batch = BatchConfiguration()
        guard let fields = reader.object(node, "batch", allowed: Self.batchFields) else { return batch }
        if let node = fields["maxEvents"], let value = wholeNumber(node, "batch.maxEvents", in: 1...Int.max) {
            batch.maximumEvents = value
        }
        if let node = fields["maxDelay"], let delay = duration(node, "batch.maxDelay") {
            if delay > .seconds(10) {
                reader.report(node, "batch.maxDelay", "at most 10s: a busy pipeline must not hold a transaction back longer")
            } else {
                batch.maximumDelay = delay
            }
        }
        return batch
    }

    private mutating func console(_ node: JSON5Node) -> ConsoleConfiguration {
        var console = ConsoleConfiguration()
        guard let fields = reader.object(node, "console", allowed: Self.consoleFields) else { return console }
        if let node = fields["listen"], let text = reader.string(node, "console.listen") {
            if ListenAddress(text) != nil {
                console.listen = text
            } else {
                reader.report(node, "console.listen", "'\(text)' is not a numeric address and port (\"127.0.0.1:8480\", \"[::1]:8480\")")
            }
        }
        if let node = fields["publicURL"], let text = reader.string(node, "console.publicURL") {
            if let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
               url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil {
                console.publicURL = text
            } else {
                reader.report(node, "console.publicURL", "'\(text)' is not an http or https origin (\"https://chorus.example.org\")")
            }
        }
        console.database = fields["database"].flatMap { reader.string($0, "console.database") }
        for (key, path) in [("sessionLifetime", "console.sessionLifetime"), ("idleTimeout", "console.idleTimeout")] {
            guard let node = fields[key], let value = duration(node, path) else { continue }
            if value < .seconds(60) || value > .seconds(30 * 24 * 3600) {
                reader.report(node, path, "from 1 minute to 30 days")
            } else if key == "sessionLifetime" {
                console.sessionLifetime = value
            } else {
                console.idleTimeout = value
            }
        }
        return console
    }

    // MARK: Values

    private mutating func members(_ node: JSON5Node, _ path: String) -> [JSON5Member]? {
        guard case .object(let members) = node.value else {
            reader.report(node, path, "expected an object, found \(node.value.typeName)")
            return nil
        }
        return members
    }

    /// `"500ms"`, `"5s"`, `"2m"`, `"1h"`, or a number of seconds.
    private mutating func duration(_ node: JSON5Node, _ path: String) -> Duration? {
        switch node.value {
        case .number(let seconds, _) where seconds >= 0 && seconds.isFinite:
            return .milliseconds(Int64((seconds * 1000).rounded()))
        case .string(let text):
            if let value = ConfigurationDuration.parse(text) { return value }
            reader.report(node, path, "'\(text)' is not a duration (examples: \"500ms\", \"5s\", \"2m\", \"1h\", or a number of seconds)")
        default:
            reader.report(node, path, "expected a duration such as \"500ms\", \"5s\" or \"2m\", found \(node.value.typeName)")
        }
        return nil
    }

    private mutating func wholeNumber(_ node: JSON5Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .number(let value, true) = node.value, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            let wanted = range.upperBound == Int.max ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            reader.report(node, path, "expected a whole number \(wanted)")
            return nil
        }
        return Int(value)
    }
}
