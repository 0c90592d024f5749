import ChorusCore
import ChorusFeeds
import Foundation
import Postgres
import Synchronization

/// What a reload may change, loaded and validated together: the configuration, the rule set and the kind
/// tables the parsers use.
struct DaemonSettings: Sendable {
    var configuration: ChorusConfiguration
    var ruleSet: RuleSet
    var kinds: KindMapping
}

/// The settings in force; a reload swaps them in one step, so a delivery is drafted with one set only.
final class SettingsBox: Sendable {
    private let value: Mutex<DaemonSettings>

    init(_ settings: DaemonSettings) { value = Mutex(settings) }

    var current: DaemonSettings { value.withLock { $0 } }

    func replace(with settings: DaemonSettings) { value.withLock { $0 = settings } }
}

/// Makes the ``Source`` a configuration entry describes, positioned at its committed cursor.
enum SourceFactory {
    /// - Parameter logger: where a source's notices go (a file truncated, rewritten or rotated).
    static func make(
        _ source: SourceConfiguration, location: String?, cursor: SourceCursor?, kinds: KindMapping, gazetteer: Gazetteer,
        inbox: InboxHub,
        logger: Logger
    ) throws -> any Source {
        let parser = FeedParser(options: ParserOptions(kinds: kinds, gazetteer: gazetteer, source: source.name,
                                                        defaultCountries: source.defaultCountries))
        let format = source.format.flatMap(FeedFormat.init(rawValue:))
        let interval = source.pollInterval
        switch source.kind {
        case .file:
            // The byte bound grows with the line bound, so that maxLines, not the default megabyte, decides.
            let lines = source.maximumLines ?? 1000
            return try FileSource(name: source.name, path: location ?? "", parser: parser, format: format ?? .jsonl,
                                  cursor: cursor, pollInterval: interval ?? .seconds(1), maximumBatchLines: lines,
                                  maximumBatchBytes: max(1 << 20, lines * 1024),
                                  notice: { message, fields in logger.log(.warning, message, fields: fields) })
        case .spool:
            return try SpoolSource(name: source.name, directory: URL(fileURLWithPath: location ?? "", isDirectory: true),
                                   parser: parser, format: format ?? .auto, cursor: cursor, pollInterval: interval ?? .seconds(1))
        case .http:
            guard let text = location, let url = URL(string: text) else {
                throw SourceError.configuration(source: source.name, detail: "'\(location ?? "")' is not a URL")
            }
            return try HTTPSource(name: source.name,
                                  configuration: .init(url: url, interval: interval ?? .seconds(60), timeout: source.timeout ?? .seconds(30)),
                                  parser: parser, format: format ?? .auto, cursor: cursor)
        case .inbox:
            // Progress lives in the inbox table itself (processed_at); the cursor is informational.
            return InboxSource(name: source.name, hub: inbox, parser: parser, pollInterval: interval ?? .seconds(60))
        }
    }

    /// Releases what the source holds (an inotify watch, an open file, a claimed inbox row).
    static func close(_ source: any Source) async {
        await source.close()
    }
}
