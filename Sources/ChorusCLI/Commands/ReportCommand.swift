import ChorusCore
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus report --kind K --country CC …`: a duty officer reports an event by hand (PRODUCT.md §3).
///
/// The report is an authoritative source: its certainty is `observed`, and its origin is the reporting
/// PostgreSQL user (`duty-officer:alice`, from `session_user`, never a name the caller types), so that
/// the review audit and corroboration both know who said so. It goes through the same drafting and
/// queueing as every feed's events.
struct ReportCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "report",
        abstract: "Report an event by hand, as a duty officer; print the bundle id.",
        discussion: """
        Builds a normalized event from the options — kind, the countries where it happened, place, \
        casualty figures, a headline in --language (default en), when it occurred (default now) — and runs \
        it through the pipeline: matching, drafting, one transaction into the queue. The report counts as \
        an authoritative source (certainty observed) and is recorded as the PostgreSQL user who reported \
        it. With --dry-run, prints the event and touches no database (--json: as JSON Lines, the format \
        of 'chorus ingest --dry-run --json'). Figures left out are unknown, never zero. --fact adds what \
        the authorities established that no option says (docs/EVENTS.md, fact tags): target:synagogue, \
        motive:antisemitic (only once the authorities say so), day:yom_kippur, fatalities:minimum. --name \
        gives the event's own name as the agencies give it (a storm's: Helene), which texts say as \
        'Hurricane Helene'.
        """,
        usage: "--kind <kind> --country <code> ... [--name <text>] [--place <text>] [--fatalities <n>] [--injured <n>] [--headline <text>] [--language <tag>] [--occurred <time>] [--fact <tag>] ... [--dry-run] [--json] [--rules <dir>] [--config <file>] [--database <conninfo>]",
        options: [
            .option("kind", value: "kind", help: "What happened, from the kinds vocabulary (terror_attack, shooting, earthquake, …)."),
            .option("country", value: "code", help: "Where it happened, ISO 3166-1 alpha-2 (repeat for several).", repeating: true),
            .option("name", value: "text", help: "The event's own name, as the agencies give it (a storm's: Helene)."),
            .option("place", value: "text", help: "The city or area."),
            .option("fatalities", value: "n", help: "People killed, when known."),
            .option("injured", value: "n", help: "People injured, when known."),
            .option("headline", value: "text", help: "A one-line headline."),
            .option("language", value: "tag", help: "The headline's language (default: en)."),
            .option("occurred", value: "time", help: "When it happened, RFC 3339 (default: now)."),
            .option("fact", value: "tag", help: "An established fact, from the fact tags of docs/EVENTS.md (repeat for several).", repeating: true),
            .flag("dry-run", help: "Print the event only; touch no database."),
            .json,
            .rules, .config, .database,
        ]
    )

    /// The source reports are queued under.
    static let source = "duty-officer"

    let kind: String
    let countries: [String]
    /// The event's own name (a storm's), as the duty officer gives it.
    let name: String?
    let place: String?
    let fatalities: Int?
    let injured: Int?
    let headline: String?
    let language: String
    let occurred: Date?
    /// Fact tags (``EventFact``): what was attacked, the established motive, the day, a minimum figure.
    let facts: [String]
    let dryRun: Bool
    let json: Bool
    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        guard let kind = arguments.value("kind") else { throw UsageError("missing '--kind <kind>'") }
        guard Event.isSnakeCase(kind) else { throw UsageError("invalid value '\(kind)' for '--kind <kind>': not a snake_case kind") }
        self.kind = kind
        countries = try arguments.values("country").map { code in
            let upper = code.uppercased()
            guard ISO3166.isAlpha2(upper) else {
                throw UsageError("invalid value '\(code)' for '--country <code>': not an ISO 3166-1 alpha-2 code")
            }
            return upper
        }
        if countries.isEmpty { throw UsageError("missing '--country <code>': where did it happen?") }
        name = arguments.value("name")
        place = arguments.value("place")
        func count(_ name: String) throws -> Int? {
            try arguments.value(name, as: "n") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
        }
        fatalities = try count("fatalities")
        injured = try count("injured")
        headline = arguments.value("headline")
        language = try arguments.value("language", as: "tag") { Event.isLanguageTag($0) ? $0 : nil } ?? "en"
        occurred = try arguments.value("occurred", as: "time") { RFC3339.parse($0) }
        facts = try arguments.values("fact").map { tag in
            guard EventFact.isFactTag(tag) else {
                let reason = EventFact.problem(with: tag) ?? "not a fact tag (target:…, near:…, motive:…, day:…, victims:CC, fatalities:minimum, injured:minimum)"
                throw UsageError("invalid value '\(tag)' for '--fact <tag>': \(reason)")
            }
            return tag
        }
        dryRun = arguments.flag("dry-run")
        json = arguments.flag("json")
        global = GlobalOptions(arguments)
    }

    /// The event a report makes, as `reporter` (a PostgreSQL user, `nil` in a dry run) at `now`.
    func event(reporter: String?, now: Date) -> Event {
        let stamp = RFC3339.format(now).filter { $0.isNumber }
        var event = Event(id: "report-\(stamp)-\(UUID().uuidString.prefix(8).lowercased())", source: Self.source, kind: kind)
        event.sentAt = now
        event.occurredAt = occurred ?? now
        event.countries = countries
        event.name = name
        event.place = place
        event.fatalities = fatalities
        event.injured = injured
        if let headline { event.headline[language] = headline }
        event.certainty = .observed
        event.origin = reporter.map { "\(Self.source):\($0)" } ?? Self.source
        event.tags = [Self.source] + facts
        return event
    }

    func run(_ context: CommandContext) throws {
        let rulesDirectory = try global.rulesDirectory(context)
        let ruleSet: RuleSet
        do {
            ruleSet = try RuleSet.load(from: rulesDirectory)
        } catch {
            throw CommandError(.dataError, "the rules in \(rulesDirectory.path) are invalid:\n"
                               + error.diagnostics.map { "  \($0)" }.joined(separator: "\n"))
        }
        guard ruleSet.kinds.contains(kind) else {
            throw UsageError("invalid value '\(kind)' for '--kind <kind>': not in the kinds vocabulary (\(ruleSet.kinds.sorted().joined(separator: ", ")))")
        }
        let now = Date()
        if dryRun {
            let event = event(reporter: nil, now: now)
            try check(event)
            context.print(json ? try event.jsonLine() : IngestCommand.summary(of: event))
            return
        }
        let connection = try global.openDatabase(context)
        let reporter = try connection.query("SELECT session_user::text AS reporter").first?.decode("reporter", as: String.self)
        let event = event(reporter: reporter, now: now)
        try check(event)
        let batch = DraftingStage(ruleSet: ruleSet).batch(source: Self.source, origin: "report", result: .init(events: [event]),
                                                         cursor: nil, now: now)
        let summary = try QueueWriter().write([batch], on: connection)
        let bundles = summary.bundlesTouched.sorted()
        if json {
            context.print(try ReviewJSON.text(ReportOutput(event: event.id, origin: event.origin ?? Self.source, bundles: bundles),
                                              pretty: false))
        } else if bundles.isEmpty {
            context.print("Reported \(event.id) as \(event.origin ?? Self.source): no rule matched, so nothing was drafted.")
        } else {
            context.print(bundles.map(String.init).joined(separator: " "))
        }
    }

    private func check(_ event: Event) throws {
        do {
            try event.validate()
        } catch {
            throw UsageError("the report is not a valid event: \(error)")
        }
    }
}

/// What `chorus report --json` prints.
struct ReportOutput: Codable {
    var event: String
    var origin: String
    /// The bundles the report opened or joined.
    var bundles: [Int]
}
