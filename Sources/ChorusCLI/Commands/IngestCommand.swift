import ChorusCore
import ChorusFeeds
import Foundation

/// `chorus ingest FILE...|- [--format F] [--source NAME] --dry-run [--json]`: run documents through the
/// parsers and print the normalized events (PRODUCT.md §3).
///
/// Feeding the pipeline (writing to the queue) arrives with the daemon; until then `--dry-run` is required,
/// so that no one mistakes a parse for an ingest.
struct IngestCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "ingest",
        abstract: "Run feed documents through the parsers and print the normalized events.",
        discussion: """
        Reads each FILE (or standard input for -), detects its format from the content unless --format \
        names it, and prints every accepted event. Each rejected document or item is reported on \
        standard error as 'chorus: rejected FILE[#ITEM]: reason'; the other items go on.
        Exit status: 0 when everything was accepted, 65 when anything was rejected.
        For now --dry-run is required: writing the events into the queue arrives with 'chorus run'.
        """,
        usage: "<file> ... --dry-run [--format <format>] [--source <name>] [--country <code> ...] [--max-bytes <n>] [--json] [--rules <dir>]",
        arguments: [
            ArgumentSpec("file", help: "Documents to read; - reads standard input.", isRepeating: true),
        ],
        options: [
            .option("format", value: "format",
                    help: "auto (default: detect from the content), jsonl, cap, gdacs or geojson."),
            .option("source", value: "name",
                    help: "Feed name recorded as every event's source (default: the document's sender)."),
            .option("country", value: "code", help: "Country (ISO alpha-2) for events whose document names none.",
                    repeating: true),
            .option("max-bytes", value: "n", help: "Largest document accepted, in bytes (default: 10485760)."),
            .flag("dry-run", help: "Parse and print only; touch no database. Required for now."),
            .json,
            .rules,
        ]
    )

    let files: [String]
    let format: FeedFormat
    let source: String?
    let countries: [String]
    let maximumBytes: Int
    let json: Bool
    let rulesDirectory: String?

    init(_ arguments: ParsedArguments) throws {
        files = arguments.arguments("file")
        format = try arguments.value("format", as: "format") { FeedFormat(rawValue: $0) } ?? .auto
        source = arguments.value("source")
        if let source, source.trimmingCharacters(in: .whitespaces).isEmpty || source.utf8.count > Event.maximumIdentifierLength {
            throw UsageError("invalid value '\(source)' for '--source <name>'")
        }
        countries = try arguments.values("country").map { code in
            guard ISO3166.isAlpha2(code) else { throw UsageError("invalid value '\(code)' for '--country <code>': not an ISO 3166-1 alpha-2 code") }
            return code
        }
        maximumBytes = try arguments.value("max-bytes", as: "n") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
            ?? ParserOptions.defaultMaximumDocumentBytes
        json = arguments.flag("json")
        rulesDirectory = arguments.value("rules")
        guard arguments.flag("dry-run") else {
            throw UsageError("--dry-run is required for now: feeding the queue arrives with 'chorus run'")
        }
        if files.filter({ $0 == "-" }).count > 1 { throw UsageError("standard input (-) can be read only once") }
    }

    func run(_ context: CommandContext) throws {
        let kindsURL = context.url(forPath: rulesDirectory ?? "Rules").appendingPathComponent("kinds.json5")
        let kinds: KindMapping
        do {
            kinds = try KindMapping.load(from: kindsURL)
        } catch {
            throw CommandError(.configuration, "\(error)")
        }
        let parser = FeedParser(options: ParserOptions(
            kinds: kinds, source: source, defaultCountries: countries, maximumDocumentBytes: maximumBytes))
        var accepted = 0
        var rejected = 0
        for file in files {
            let name = file == "-" ? "-" : file
            let result: ParseResult
            switch read(file, context: context) {
            case .success(let data): result = parser.parse(data, format: format)
            case .failure(let problem): result = ParseResult(rejections: [Rejection(reason: problem.reason)])
            }
            for event in result.events {
                if json {
                    do {
                        context.print(try event.jsonLine())
                    } catch {
                        throw CommandError(.software, "cannot encode event \(event.id): \(error)")
                    }
                } else {
                    context.print(Self.summary(of: event))
                }
            }
            for rejection in result.rejections {
                let item = rejection.item.map { "#\(Self.oneLine($0))" } ?? ""
                context.printError("chorus: rejected \(name)\(item): \(Self.oneLine(rejection.reason))")
            }
            accepted += result.events.count
            rejected += result.rejections.count
        }
        if rejected > 0 {
            throw CommandError(.dataError, "\(rejected) rejected, \(accepted) accepted")
        }
    }

    private struct ReadProblem: Error { var reason: String }

    private func read(_ file: String, context: CommandContext) -> Result<Data, ReadProblem> {
        if file == "-" {
            do {
                let data = try context.readStandardInput()
                if data.count > maximumBytes {
                    return .failure(ReadProblem(reason: "the document is \(data.count) bytes, more than the limit of \(maximumBytes)"))
                }
                return .success(data)
            } catch {
                return .failure(ReadProblem(reason: "cannot read standard input: \(error.localizedDescription)"))
            }
        }
        let url = context.url(forPath: file)
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
           size.intValue > maximumBytes {
            return .failure(ReadProblem(reason: "the document is \(size.intValue) bytes, more than the limit of \(maximumBytes)"))
        }
        do {
            return .success(try Data(contentsOf: url))
        } catch {
            return .failure(ReadProblem(reason: "cannot read the file: \(error.localizedDescription)"))
        }
    }

    /// Text from a document as one line: a rejection is always exactly one line of standard error.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// One line a person can scan: id, kind, countries, time, first headline.
    static func summary(of event: Event) -> String {
        var parts = [event.id, event.kind, event.msgType.rawValue]
        parts.append(event.countries.isEmpty ? "-" : event.countries.joined(separator: ","))
        parts.append(event.sentAt.map(RFC3339.format) ?? "-")
        if let headline = event.headline.sorted(by: { $0.key < $1.key }).first?.value {
            parts.append(headline.split(whereSeparator: \.isNewline).joined(separator: " "))
        }
        return parts.joined(separator: "  ")
    }
}
