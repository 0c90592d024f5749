import ChorusCore
import ChorusFeeds
import Foundation

/// `chorus rules test EVENT_FILE... [--at TIME] [--json]`: an offline dry run, no database.
public struct RulesTestCommand: ChorusCommand {
    public static let spec = CommandSpec(
        name: "test",
        abstract: "Show which rules events match and the bundles they would draft.",
        discussion: """
        Offline, without a database. For each event: the rules it matches and why, every draft phase by \
        phase with the time it may go out (participant, channel, language, text, length and limit), the \
        action items, and warnings: two rules posting to one account, the same text under two senders. \
        With --why RULE, which conditions of RULE held or failed. An event file is a drill scenario \
        (*.json5, as in Rules/drills) or a feed document in any format 'chorus ingest' reads (native JSON \
        Lines, CAP, GDACS RSS, USGS GeoJSON); '-' reads standard input. Times in the bundle are computed \
        as of --at, else each event's sentAt, else its occurredAt. The --json output is stable; its \
        schema is in docs/RULES.md.
        """,
        arguments: [ArgumentSpec("event-file", help: "Events to test: a drill scenario (.json5) or a feed document.", isRepeating: true)],
        options: [
            .option("at", value: "time", help: "Draft as of this RFC 3339 time (default: each event's sentAt)."),
            .option("why", value: "rule", help: "Explain why this rule matches each event or not."),
            .rules, .json,
        ]
    )

    let files: [String]
    let at: Date?
    let rulesDirectory: String
    let json: Bool
    let why: String?

    public init(_ arguments: ParsedArguments) throws {
        files = arguments.arguments("event-file")
        at = try arguments.value("at", as: "time") { RFC3339.parse($0) }
        why = arguments.value("why")
        rulesDirectory = arguments.value("rules") ?? "Rules"
        json = arguments.flag("json")
    }

    public func run(_ context: CommandContext) throws {
        let directory = context.url(forPath: rulesDirectory)
        let (loaded, diagnostics) = RuleSetLoader.load(directory: directory)
        for diagnostic in diagnostics { context.printError(diagnostic.formatted(directory: rulesDirectory)) }
        guard let ruleSet = loaded else {
            let errors = diagnostics.filter(\.isError).count
            throw CommandError(.dataError, "the rules in \(rulesDirectory) have \(errors) problem\(errors == 1 ? "" : "s"); run 'chorus rules check \(rulesDirectory)'")
        }
        var whyRule: Rule?
        if let why {
            guard let rule = ruleSet.rule(id: why) else {
                let suggestion = ruleSet.rules.map(\.id).sorted().joined(separator: ", ")
                throw CommandError(.dataError, "no rule '\(why)' in \(rulesDirectory) (rules: \(suggestion))")
            }
            whyRule = rule
        }
        let mapping = ruleSet.kindMapping

        var events: [Event] = []
        var problems: [String] = []
        for file in files {
            let data: Data
            do {
                data = file == "-" ? try context.readStandardInput() : try Data(contentsOf: context.url(forPath: file))
            } catch {
                throw CommandError(.dataError, "cannot read \(file): \(error.localizedDescription)")
            }
            if file.hasSuffix(".json5") {
                switch DrillScenario.parse(data, file: file, kinds: ruleSet.kinds) {
                case .success(let drill): events += drill.events()
                case .failure(let error): problems += error.diagnostics.map(\.description)
                }
                continue
            }
            if let mapping {
                let result = FeedParser(options: ParserOptions(kinds: mapping, gazetteer: ruleSet.gazetteer)).parse(data)
                events += result.events
                problems += result.rejections.map { "\(file): \($0)" }
            } else {
                for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    do {
                        events.append(try JSONDecoder().decode(Event.self, from: Data(line.utf8)))
                    } catch {
                        problems.append("\(file):\(number + 1): \(error)")
                    }
                }
            }
        }
        for problem in problems { context.printError(problem) }
        let report = DryRunReport(events: events, ruleSet: ruleSet, now: at, why: whyRule)
        context.standardOutput.write(json ? try report.jsonText() : report.text(ruleSet: ruleSet))
        if !problems.isEmpty {
            throw CommandError(.dataError, "\(problems.count) input problem\(problems.count == 1 ? "" : "s"); the other events were tested")
        }
    }
}
