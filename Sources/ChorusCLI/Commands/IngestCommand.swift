import ChorusCore
import ChorusFeeds
import ChorusService
import ChorusStore
import Foundation

/// `chorus ingest FILE...|- [--format F] [--source NAME] [--dry-run] [--json]`: run documents through the
/// pipeline once — parse, match, draft, and queue in one transaction, as the daemon does — or, with
/// `--dry-run`, only parse and print the normalized events (PRODUCT.md §3).
struct IngestCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "ingest",
        abstract: "Run feed documents through the pipeline into the review queue, once.",
        discussion: """
        Reads each FILE (or standard input for -), detects its format from the content unless --format \
        names it, matches every accepted event against the rules, drafts the bundles and queues them \
        with the events (a document at a time, in transactions of bounded size), then prints what was \
        queued. Events already queued (same \
        source, id and version) are skipped, so ingesting a file twice drafts nothing new. Each rejected \
        document or item is reported on standard error as 'chorus: rejected FILE[#ITEM]: reason' and \
        kept in the rejected-input table; the other items go on. An item the database refuses is kept there too, \
        alone, with the database's reason.
        With --dry-run, only parses: prints every accepted event and touches no database.
        Exit status: 0 when everything was accepted, 65 when anything was rejected, 66 when a FILE cannot be \
        read (nothing is queued then), 69 when the database cannot be reached, 75 when it stayed too busy \
        (cancelled or timed-out statements) to take the documents: run it again.
        """,
        usage: "<file> ... [--dry-run] [--format <format>] [--source <name>] [--country <code> ...] [--max-bytes <n>] [--json] [--rules <dir>] [--config <file>] [--database <conninfo>]",
        arguments: [
            ArgumentSpec("file", help: "Documents to read; - reads standard input.", isRepeating: true),
        ],
        options: [
            .option("format", value: "format",
                    help: "auto (default: detect from the content), jsonl, cap, gdacs, geojson, news or gdelt."),
            .option("source", value: "name",
                    help: "Feed name recorded as every event's source (default: the document's sender)."),
            .option("country", value: "code", help: "Country (ISO alpha-2) for events whose document names none.",
                    repeating: true),
            .option("max-bytes", value: "n", help: "Largest document accepted, in bytes (default: 10485760)."),
            .flag("dry-run", help: "Parse and print the normalized events only; touch no database."),
            .json,
            .rules,
            .config,
            .database,
        ]
    )

    /// The source name events are queued under when `--source` is not given.
    static let defaultSource = "ingest"

    let files: [String]
    let format: FeedFormat
    let source: String?
    let countries: [String]
    let maximumBytes: Int
    let json: Bool
    let rulesDirectory: String?
    let dryRun: Bool
    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        files = arguments.arguments("file")
        format = try arguments.value("format", as: "format") { FeedFormat(rawValue: $0) } ?? .auto
        source = arguments.value("source")
        if let source, source.trimmingCharacters(in: .whitespaces).isEmpty || source.utf8.count > EventLimits.identifierBytes {
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
        dryRun = arguments.flag("dry-run")
        global = GlobalOptions(arguments)
        if files.filter({ $0 == "-" }).count > 1 { throw UsageError("standard input (-) can be read only once") }
    }

    func run(_ context: CommandContext) throws {
        // A file that is not there is a mistake on the command line, not a document to keep as rejected.
        for file in files where file != "-" {
            let path = context.url(forPath: file).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  FileManager.default.isReadableFile(atPath: path) else {
                throw CommandError(.noInput, "cannot read \(file): " + (FileManager.default.fileExists(atPath: path)
                    ? (isDirectory.boolValue ? "it is a directory" : "permission denied") : "no such file"))
            }
        }
        guard dryRun else { return try queue(context) }
        let kindsURL = context.url(forPath: rulesDirectory ?? "Rules").appendingPathComponent("kinds.json5")
        let kinds: KindMapping
        do {
            kinds = try KindMapping.load(from: kindsURL)
        } catch {
            throw CommandError(.configuration, "\(error)")
        }
        // The gazetteer names the places news texts mention; without one, news items give countries only.
        let gazetteerURL = kindsURL.deletingLastPathComponent().appendingPathComponent("gazetteer.json5")
        var gazetteer = Gazetteer.empty
        if FileManager.default.fileExists(atPath: gazetteerURL.path) {
            do {
                gazetteer = try Gazetteer.load(from: gazetteerURL)
            } catch {
                throw CommandError(.configuration, error.diagnostics.map { "\(gazetteerURL.deletingLastPathComponent().path)/\($0)" }
                    .joined(separator: "\n"))
            }
        }
        let parser = FeedParser(options: ParserOptions(
            kinds: kinds, gazetteer: gazetteer, source: source, defaultCountries: countries, maximumDocumentBytes: maximumBytes))
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
            Self.report(notesOf: result, origin: name, context: context)
            accepted += result.events.count
            rejected += result.rejections.count
        }
        if rejected > 0 {
            throw CommandError(.dataError, "\(rejected) rejected, \(accepted) accepted")
        }
    }

    /// Without `--dry-run`: the pipeline once, into the queue.
    private func queue(_ context: CommandContext) throws {
        let rules = try global.rulesDirectory(context)
        let ruleSet: RuleSet
        do {
            ruleSet = try RuleSet.load(from: rules)
        } catch {
            throw CommandError(.dataError, "the rules in \(rules.path) are invalid:\n"
                               + error.diagnostics.map { "  \($0)" }.joined(separator: "\n"))
        }
        let kinds: KindMapping
        do {
            kinds = try ruleSet.feedKindMapping()
        } catch {
            throw CommandError(.configuration, error.diagnostics.map { "\(rules.path)/\($0)" }.joined(separator: "\n"))
        }
        let parser = FeedParser(options: ParserOptions(
            kinds: kinds, gazetteer: ruleSet.gazetteer, source: source, defaultCountries: countries,
            maximumDocumentBytes: maximumBytes))
        var documents: [OneShotIngest.Document] = []
        for file in files {
            switch read(file, context: context) {
            case .success(let data):
                documents.append(.init(origin: file, data: data, result: parser.parse(data, format: format)))
            case .failure(let problem):
                documents.append(.init(origin: file, data: Data(), result: ParseResult(rejections: [Rejection(reason: problem.reason)])))
            }
        }
        let connection = try global.openDatabase(context)
        let report = try OneShotIngest(source: source ?? Self.defaultSource, ruleSet: ruleSet).run(documents, on: connection)
        let summary = report.summary
        var rejected = 0
        for document in documents {
            Self.report(notesOf: document.result, origin: document.origin, context: context)
            for rejection in document.result.rejections {
                let item = rejection.item.map { "#\(Self.oneLine($0))" } ?? ""
                context.printError("chorus: rejected \(document.origin)\(item): \(Self.oneLine(rejection.reason))")
                rejected += 1
            }
        }
        // Items the store refused are named after their document already (`FILE#event:ID`).
        for refused in report.refused {
            context.printError("chorus: rejected \(Self.oneLine(refused.item ?? "-")): \(Self.oneLine(refused.reason))")
            rejected += 1
        }
        let accepted = documents.reduce(0) { $0 + $1.result.events.count } - report.refusedEvents
        if json {
            let report: [String: Int] = [
                "eventsAccepted": accepted, "eventsQueued": summary.eventsRecorded, "eventsAlreadyQueued": summary.eventsAlreadyKnown,
                "bundlesOpened": summary.bundlesOpened.count, "bundlesTouched": summary.bundlesTouched.count,
                "draftsCreated": summary.draftsCreated, "draftsSuperseded": summary.draftsSuperseded,
                "draftsWithdrawn": summary.draftsWithdrawn, "draftsFlagged": summary.draftsFlagged,
                "draftsReturnedToReview": summary.draftsReturnedToReview,
                "rejected": rejected, "rejectedAlreadyKept": summary.rejectionsAlreadyKnown,
                "notIncidents": documents.reduce(0) { $0 + $1.result.nonIncidents },
                "reportsHeld": summary.reportsHeld, "incidentsHeld": summary.incidentsHeld.count,
                "bundlesCorroborated": summary.bundlesCorroborated.count,
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            context.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            context.print("Queued \(summary.eventsRecorded) events (\(summary.eventsAlreadyKnown) already queued) from "
                          + "\(files.count) \(files.count == 1 ? "document" : "documents") as source '\(source ?? Self.defaultSource)'.")
            context.print("Bundles: \(summary.bundlesOpened.count) opened, \(summary.bundlesTouched.count) opened or changed; "
                          + "drafts: \(summary.draftsCreated) created, \(summary.draftsSuperseded) superseded, "
                          + "\(summary.draftsWithdrawn) withdrawn, \(summary.draftsFlagged) flagged, "
                          + "\(summary.draftsReturnedToReview) approved sent back to review.")
            if summary.reportsHeld > 0 || !summary.bundlesCorroborated.isEmpty {
                let reports = summary.reportsHeld, incidents = summary.incidentsHeld.count, opened = summary.bundlesCorroborated.count
                context.print("Corroboration: \(reports) report\(reports == 1 ? "" : "s") held with \(incidents) "
                              + "incident\(incidents == 1 ? "" : "s") awaiting corroboration ('chorus review list --held'); "
                              + "\(opened) bundle\(opened == 1 ? "" : "s") opened as \(opened == 1 ? "its incident was" : "their incidents were") corroborated.")
            }
            let alreadyKept = summary.rejectionsAlreadyKnown > 0 ? ", \(summary.rejectionsAlreadyKnown) of them already" : ""
            context.print("Rejected: \(rejected) (kept in chorus.rejected_inputs\(alreadyKept)). Rule set \(ruleSet.version.prefix(12)).")
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

    /// What was noticed and worked around, and how many items reported no incident, on standard error.
    static func report(notesOf result: ParseResult, origin: String, context: CommandContext) {
        for note in result.notes {
            let item = note.item.map { "#\(oneLine($0))" } ?? ""
            context.printError("chorus: note \(origin)\(item): \(oneLine(note.message))")
        }
        if result.nonIncidents > 0 {
            context.printError("chorus: \(origin): \(result.nonIncidents) item\(result.nonIncidents == 1 ? "" : "s") not about an incident (no event)")
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
