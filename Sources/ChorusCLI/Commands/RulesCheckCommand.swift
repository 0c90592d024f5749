import ChorusCore
import Foundation

/// `chorus rules check [DIR]`: every problem of a rules directory, one a line; exit 65 when there is any.
public struct RulesCheckCommand: ChorusCommand {
    public static let spec = CommandSpec(
        name: "check",
        abstract: "Validate a rules directory and report every problem.",
        discussion: """
        Reports each problem on its own line as FILE:LINE:COL: message, or FILE: json.path: message when \
        the problem is a value that is missing: syntax errors, unknown fields, references to unknown \
        participants, voices, messages, landmarks, kinds, channels or languages, unknown template \
        placeholders or filters, duplicate rule ids, impossible conditions, templates that cannot fit \
        their channel, a draft without a text, and the same text under two senders. Files the loader \
        does not read (a rule saved as .json, or outside rules/) are reported as warnings. Exits 65 when \
        there is any problem that is not a warning.
        """,
        arguments: [ArgumentSpec("dir", help: "The rules directory (default: --rules, then ./Rules).", isOptional: true)],
        options: [.rules, .json]
    )

    /// The directory as the user wrote it.
    let directory: String
    let json: Bool

    public init(_ arguments: ParsedArguments) throws {
        if let positional = arguments.argument("dir"), arguments.value("rules") != nil {
            throw UsageError("give the rules directory either as <dir> or with --rules, not both (got '\(positional)')")
        }
        directory = arguments.argument("dir") ?? arguments.value("rules") ?? "Rules"
        json = arguments.flag("json")
    }

    public func run(_ context: CommandContext) throws {
        let url = context.url(forPath: directory)
        let (ruleSet, diagnostics) = RuleSetLoader.load(directory: url)
        if json {
            context.standardOutput.write(try Self.json(directory: directory, ruleSet: ruleSet, diagnostics: diagnostics))
        } else {
            for diagnostic in diagnostics { context.print(diagnostic.formatted(directory: directory)) }
            if let ruleSet {
                context.print("\(directory): OK: \(ruleSet.rules.count) rules, \(ruleSet.participants.count) participants, "
                    + "\(ruleSet.voices.count) voices, \(ruleSet.landmarks.count) landmarks, \(ruleSet.gazetteer.places.count) places, "
                    + "\(ruleSet.names.entries.count) names, \(ruleSet.drills.count) drills; version \(ruleSet.version)")
            }
        }
        let errors = diagnostics.filter(\.isError).count
        if errors > 0 {
            throw CommandError(.dataError, "\(errors) problem\(errors == 1 ? "" : "s") in \(directory)")
        }
    }

    private struct Report: Encodable {
        struct Problem: Encodable {
            var file: String
            var line: Int?
            var column: Int?
            var path: String
            var message: String
            var severity: String
            var text: String
        }
        var directory: String
        var ok: Bool
        var version: String?
        var rules: [String]
        var problems: [Problem]
    }

    static func json(directory: String, ruleSet: RuleSet?, diagnostics: [RuleDiagnostic]) throws -> String {
        let report = Report(
            directory: directory, ok: ruleSet != nil, version: ruleSet?.version, rules: ruleSet?.rules.map(\.id) ?? [],
            problems: diagnostics.map {
                Report.Problem(file: $0.file, line: $0.position?.line, column: $0.position?.column, path: $0.path,
                               message: $0.message, severity: $0.severity.rawValue, text: $0.formatted(directory: directory))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }
}
