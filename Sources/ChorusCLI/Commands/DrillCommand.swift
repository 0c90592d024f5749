import ChorusCore
import ChorusFeeds
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus drill SCENARIO | --event FILE | --list | --clear`: exercises through the whole pipeline.
struct DrillCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "drill",
        abstract: "Inject an exercise through the whole pipeline; print the bundle ids.",
        discussion: """
        Replays a scenario of the rules directory's drills/ (or --event FILE: a scenario file, or any feed \
        document) with status 'exercise' through the same drafting and queueing as real events. Every drill \
        draft carries the drill marker in its own language ([DRILL], [ÜBUNG], [תרגיל], [تمرين], …) and the \
        database refuses to release it. Each step is injected with its times shifted to the moment it is \
        injected — at once, in order, or after its real offset with --real-time. Every run gets event ids \
        of its own, so a drill can be run again. --clear removes drill bundles (all, or those older than \
        --older-than, e.g. 7d, 12h, 30m).
        """,
        usage: """
        <scenario> [--real-time] [--json] [--rules <dir>] [--config <file>] [--database <conninfo>]
        --event <file> [--real-time] [--json] [--rules <dir>] [--config <file>] [--database <conninfo>]
        --list [--json] [--rules <dir>] [--config <file>]
        --clear [--older-than <duration>] [--json] [--config <file>] [--database <conninfo>]
        """,
        arguments: [ArgumentSpec("scenario", help: "A drill id from the rules directory's drills/ (e.g. jerusalem-2017).", isOptional: true)],
        options: [
            .option("event", value: "file", help: "Inject this scenario file or feed document as a drill."),
            .flag("list", help: "List the drill scenarios."),
            .flag("clear", help: "Remove drill bundles with their drafts, action items, audit and events."),
            .option("older-than", value: "duration", help: "With --clear: only bundles older than this (7d, 12h, 30m, 90s)."),
            .flag("real-time", help: "Wait for each step's offset instead of injecting the steps at once."),
            .json,
            .rules, .config, .database,
        ]
    )

    enum Mode: Equatable {
        case scenario(String)
        case eventFile(String)
        case list
        case clear(olderThan: Double)
    }

    let global: GlobalOptions
    let mode: Mode
    let realTime: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        realTime = arguments.flag("real-time")
        json = arguments.flag("json")
        var modes: [Mode] = []
        if let scenario = arguments.argument("scenario") { modes.append(.scenario(scenario)) }
        if let file = arguments.value("event") { modes.append(.eventFile(file)) }
        if arguments.flag("list") { modes.append(.list) }
        if arguments.flag("clear") {
            let seconds = try arguments.value("older-than", as: "duration") { Self.seconds(of: $0) } ?? 0
            modes.append(.clear(olderThan: seconds))
        } else if arguments.value("older-than") != nil {
            throw UsageError("--older-than goes with --clear")
        }
        if realTime, arguments.flag("list") || arguments.flag("clear") {
            throw UsageError("--real-time goes with a scenario or --event")
        }
        guard modes.count == 1, let mode = modes.first else {
            throw UsageError(modes.isEmpty ? "name a scenario, or give --event, --list or --clear" : "give one of a scenario, --event, --list and --clear")
        }
        self.mode = mode
    }

    /// `7d`, `12h`, `30m`, `90s` (or plain seconds) as seconds.
    static func seconds(of text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 { return value * factor }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    func run(_ context: CommandContext) throws {
        switch mode {
        case .list:
            let ruleSet = try loadRules(context)
            let drills = ruleSet.drills.sorted(by: { $0.id < $1.id })
            if json {
                context.print(try ReviewJSON.text(DrillListOutput(drills: drills.map {
                    .init(id: $0.id, description: $0.description, stepOffsetsSeconds: $0.steps.map { Int($0.offset.components.seconds) })
                }), pretty: false))
                return
            }
            if drills.isEmpty { context.print("No drills in \(try global.rulesDirectory(context).path)/drills.") }
            for drill in drills {
                let offsets = drill.steps.map { DrillInjector.describe($0.offset) }.joined(separator: ", ")
                context.print("\(drill.id)  (\(drill.steps.count) step\(drill.steps.count == 1 ? "" : "s") at \(offsets))")
                context.print("    \(drill.description)")
            }
        case .clear(let olderThan):
            let removed = try ReviewStore(connection: try global.openDatabase(context)).clearDrills(olderThan: olderThan)
            if json {
                context.print(try ReviewJSON.text(DrillClearOutput(removedBundles: removed), pretty: false))
            } else {
                context.print("Removed \(removed) drill bundle\(removed == 1 ? "" : "s").")
            }
        case .scenario(let id):
            let ruleSet = try loadRules(context)
            guard let drill = ruleSet.drill(id: id) else {
                let known = ruleSet.drills.map(\.id).sorted().joined(separator: ", ")
                throw CommandError(.dataError, "no drill '\(id)' in the rules (known: \(known.isEmpty ? "none" : known))")
            }
            try inject(drill.steps.map { ($0.offset, $0.event) }, name: drill.id, ruleSet: ruleSet, context: context)
        case .eventFile(let file):
            let ruleSet = try loadRules(context)
            let url = context.url(forPath: file)
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw CommandError(.dataError, "cannot read \(file): \(error.localizedDescription)")
            }
            if case .success(let drill) = DrillScenario.parse(data, file: file, kinds: ruleSet.kinds) {
                try inject(drill.steps.map { ($0.offset, $0.event) }, name: drill.id, ruleSet: ruleSet, context: context)
                return
            }
            let kinds = try KindMapping.load(from: try global.rulesDirectory(context).appendingPathComponent("kinds.json5"))
            let result = FeedParser(options: ParserOptions(kinds: kinds, gazetteer: ruleSet.gazetteer, source: "drill")).parse(data, format: .auto)
            for rejection in result.rejections {
                context.printError("chorus: rejected \(file)\(rejection.item.map { "#\($0)" } ?? ""): \(rejection.reason)")
            }
            guard !result.events.isEmpty else { throw CommandError(.dataError, "\(file) holds no event to drill") }
            try inject(result.events.map { (Duration.zero, $0) }, name: url.lastPathComponent, ruleSet: ruleSet, context: context)
        }
    }

    private func loadRules(_ context: CommandContext) throws -> RuleSet {
        let directory = try global.rulesDirectory(context)
        do {
            return try RuleSet.load(from: directory)
        } catch {
            throw CommandError(.dataError, "the rules in \(directory.path) are not valid:\n\(error)")
        }
    }

    private func inject(_ steps: [(Duration, Event)], name: String, ruleSet: RuleSet, context: CommandContext) throws {
        let connection = try global.openDatabase(context)
        let injector = DrillInjector(ruleSet: ruleSet, status: .exercise, runID: DrillInjector.newRunID(), realTime: realTime)
        let results = try injector.inject(steps, name: name, on: connection) { step in
            if !json { context.print(step.line) }
        }
        let bundles = results.flatMap(\.bundlesOpened)
        if json {
            context.print(try ReviewJSON.text(DrillOutput(scenario: name, runId: injector.runID, bundles: bundles,
                                                          events: results.map(\.eventID)), pretty: false))
        } else {
            context.print("Drill \(name) run \(injector.runID): bundle\(bundles.count == 1 ? "" : "s") \(bundles.map(String.init).joined(separator: " "))")
            context.print("See them with: chorus review list --drill")
        }
    }
}

/// What `chorus drill --json` prints.
struct DrillOutput: Codable {
    var scenario: String
    var runId: String
    /// The bundles the drill opened.
    var bundles: [Int]
    /// The event ids it injected (the scenario's, with the run's suffix).
    var events: [String]
}

/// What `chorus drill --list --json` prints.
struct DrillListOutput: Codable {
    struct Drill: Codable {
        var id: String
        var description: String
        /// When each step is injected, in seconds after the first.
        var stepOffsetsSeconds: [Int]
    }

    var drills: [Drill]
}

/// What `chorus drill --clear --json` prints.
struct DrillClearOutput: Codable {
    var removedBundles: Int
}

/// Injects a scenario's steps through the pipeline (``DraftingStage`` → ``QueueWriter``), each with its
/// times shifted to the moment of injection and ids made unique to the run.
struct DrillInjector {
    let ruleSet: RuleSet
    /// `exercise` for drills; the demo's clearly labelled live replay uses `actual`.
    let status: Event.Status
    let runID: String
    let realTime: Bool
    /// Plans as if the steps arrived this long ago (the demo uses it to be past a rule's not-before delay).
    var backdate: TimeInterval = 0

    /// What one step did.
    struct StepResult {
        var eventID: String
        var bundlesOpened: [Int]
        var bundlesTouched: [Int]
        var line: String
    }

    static func newRunID() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date()) + "-" + UUID().uuidString.prefix(4).lowercased()
    }

    static func describe(_ offset: Duration) -> String {
        let seconds = Int(offset.components.seconds)
        if seconds % 3600 == 0, seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0, seconds > 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    func inject(_ steps: [(offset: Duration, event: Event)], name: String, on connection: Connection,
                progress: (StepResult) -> Void) throws -> [StepResult] {
        let ids = Set(steps.map(\.event.id))
        let stage = DraftingStage(ruleSet: ruleSet)
        var results: [StepResult] = []
        var previous = Duration.zero
        // One shift for the whole scenario, taken at its first step, keeps the incident's own times (when it
        // occurred) consistent across steps; each step's sent time is the moment it is injected.
        var shift: TimeInterval?
        for (index, step) in steps.enumerated() {
            if realTime, step.offset > previous {
                let wait = step.offset - previous
                Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
            }
            previous = step.offset
            let now = Date().addingTimeInterval(-backdate)
            var event = step.event
            let offset = shift ?? now.timeIntervalSince(event.sentAt ?? now)
            shift = offset
            event.sentAt = now
            event.occurredAt = event.occurredAt?.addingTimeInterval(offset)
            event.status = status
            event.id = "\(event.id)-\(runID)"
            event.references = event.references.map { ids.contains($0) ? "\($0)-\(runID)" : $0 }
            event.incident = event.incident.map { "\($0)-\(runID)" }
            let batch = stage.batch(source: "drill", origin: name, result: ParseResult(events: [event]), cursor: nil, now: now)
            let summary = try QueueWriter().write([batch], on: connection)
            var line = "step \(index + 1) (after \(Self.describe(step.offset))): \(event.msgType.rawValue) \(event.id)"
            if !summary.bundlesOpened.isEmpty {
                line += " → opened bundle\(summary.bundlesOpened.count == 1 ? "" : "s") \(summary.bundlesOpened.map(String.init).joined(separator: " "))"
            }
            let continued = summary.bundlesTouched.subtracting(summary.bundlesOpened).sorted()
            if !continued.isEmpty {
                line += " → updated bundle\(continued.count == 1 ? "" : "s") \(continued.map(String.init).joined(separator: " "))"
                    + " (\(summary.draftsSuperseded) draft\(summary.draftsSuperseded == 1 ? "" : "s") superseded)"
            }
            if summary.bundlesTouched.isEmpty { line += " → no rule matched" }
            let result = StepResult(eventID: event.id, bundlesOpened: summary.bundlesOpened,
                                    bundlesTouched: summary.bundlesTouched.sorted(), line: line)
            progress(result)
            results.append(result)
        }
        return results
    }
}
