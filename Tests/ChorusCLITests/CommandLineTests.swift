import ChorusCLI
import Foundation
import Testing
import TestSupport

/// The command line's contract (PRODUCT.md §3): help, errors, exit codes.
struct CommandLineTests {
    /// Runs the command tree in-process and returns its exit code, stdout and stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) -> (ExitCode, String, String) {
        let output = OutputSink.capture()
        let errors = OutputSink.capture()
        let context = CommandContext(
            standardOutput: output, standardError: errors, environment: environment,
            workingDirectory: URL(fileURLWithPath: NSTemporaryDirectory()), readStandardInput: { Data() })
        let code = CommandRunner.run(arguments, context: context)
        return (code, output.text, errors.text)
    }

    @Test(arguments: [
        (["--help"], "help/chorus.txt"),
        (["migrate", "--help"], "help/migrate.txt"),
        (["status", "--help"], "help/status.txt"),
        (["report", "--help"], "help/report.txt"),
        (["reviewers", "--help"], "help/reviewers.txt"),
        (["reviewers", "add", "--help"], "help/reviewers-add.txt"),
        (["console", "--help"], "help/console.txt"),
    ])
    func helpMatchesItsExpectedText(arguments: [String], file: String) throws {
        let (code, output, errors) = Self.run(arguments)
        #expect(code == .success)
        #expect(errors.isEmpty)
        #expect(output == (try Golden.expected(output, path: file, testFile: #filePath)))
    }

    @Test(arguments: [["migrate"], ["status"], ["reviewers", "add"], ["console"]])
    func helpFlagsAndTheHelpCommandAgree(command: [String]) {
        let viaFlag = Self.run(command + ["--help"]).1
        #expect(Self.run(command + ["-h"]).1 == viaFlag)
        #expect(Self.run(["help"] + command).1 == viaFlag)
        #expect(viaFlag.contains("OVERVIEW: "))
        #expect(viaFlag.contains("USAGE: chorus \(command.joined(separator: " "))"))
        #expect(viaFlag.contains("OPTIONS:"))
    }

    /// Every command of the tree, as the words that select it (`["review", "approve"]`), groups included.
    static func commandPaths(_ command: any ChorusCommand.Type = ChorusRoot.self, prefix: [String] = []) -> [[String]] {
        command.spec.subcommands.flatMap { child in
            [prefix + [child.spec.name]] + commandPaths(child, prefix: prefix + [child.spec.name])
        }
    }

    /// `chorus X Y --help`, `chorus X Y -h`, `chorus help X Y` and `chorus X help Y` print the same text, for
    /// every command of the tree (PRODUCT.md §3: they agree).
    @Test func everyWayOfAskingForHelpAgreesForEveryCommand() {
        let paths = Self.commandPaths()
        #expect(paths.contains(["review", "approve"]) && paths.contains(["rules", "check"]))
        for path in paths {
            let (code, viaFlag, errors) = Self.run(path + ["--help"])
            #expect(code == .success && errors.isEmpty, "\(path)")
            #expect(viaFlag.hasPrefix("OVERVIEW: "), "\(path)")
            #expect(viaFlag.contains("\nUSAGE: chorus \(path.joined(separator: " "))"), "\(path)")
            #expect(Self.run(path + ["-h"]).1 == viaFlag, "\(path)")
            #expect(Self.run(["help"] + path).1 == viaFlag, "\(path)")
            if path.count > 1 {
                let inGroup = Self.run(path.dropLast() + ["help", path[path.count - 1]])
                #expect(inGroup.0 == .success && inGroup.1 == viaFlag, "\(path): \(inGroup.2)")
            }
        }
    }

    @Test func aRequiredOptionIsShownAsRequiredAndMissingItIsAUsageError() {
        let help = Self.run(["review", "reject", "--help"]).1
        #expect(help.contains("USAGE: chorus review reject --reason <text> "), "\(help)")
        let (code, _, errors) = Self.run(["review", "reject", "12"])
        #expect(code == .usage)
        #expect(errors.hasPrefix("Error: missing required option '--reason <text>'\nUsage: chorus review reject --reason <text> "))
        #expect(Self.run(["review", "reject", "12", "--reason", " "]).2.hasPrefix("Error: --reason <text> must say why"))
    }

    @Test(arguments: [
        (["migrate", "--bogus"], "Error: unknown option '--bogus'"),
        (["migrate", "extra"], "Error: unexpected argument 'extra'"),
        (["migrate", "--database"], "Error: missing value for '--database <conninfo>'"),
        (["status", "--json=yes"], "Error: '--json' takes no value"),
        (["frobnicate"], "Error: unknown subcommand 'frobnicate'"),
        ([], "Error: missing subcommand"),
        (["help", "nope"], "Error: unknown command 'nope'"),
        (["review", "help", "nope"], "Error: unknown command 'nope'"),
    ])
    func usageErrorsExit64WithTheUsageLine(arguments: [String], message: String) {
        let (code, output, errors) = Self.run(arguments)
        #expect(code == .usage)
        #expect(output.isEmpty)
        let lines = errors.split(separator: "\n").map(String.init)
        #expect(lines.first == message)
        #expect(lines.dropFirst().first?.hasPrefix("Usage: chorus") == true)
        #expect(lines.last?.contains("--help' for more information.") == true)
    }

    @Test func versionPrintsTheVersion() {
        let (code, output, _) = Self.run(["--version"])
        #expect(code == .success)
        #expect(output == "chorus \(ChorusRoot.version)\n")
    }

    @Test func aBrokenConfigurationFileExits78NamingTheProblem() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("chorus.json5")
        try "{ // a comment\n  databse: 'host=/tmp',\n}".write(to: file, atomically: true, encoding: .utf8)
        let typo = Self.run(["status", "--config", file.path])
        #expect(typo.0 == .configuration)
        #expect(typo.2 == "Error: \(file.path):2:3: unknown field 'databse' (did you mean 'database'?); "
                + "allowed: database, rules, sources, batch, webhooks, delivery, maxConnections, console, notifications\n")

        try "{ database: 'host=/tmp', ".write(to: file, atomically: true, encoding: .utf8)
        let syntax = Self.run(["status", "--config", file.path])
        #expect(syntax.0 == .configuration)
        #expect(syntax.2 == "Error: \(file.path):1:1: syntax error: unterminated object (missing '}')\n")

        let missing = Self.run(["status"], environment: ["CHORUS_CONFIG": directory.appendingPathComponent("nope.json5").path])
        #expect(missing.0 == .configuration)
        #expect(missing.2.contains("does not exist"))
    }

    /// A typo in the configuration, in kinds.json5 and in a rule reads the same way: where it is, and the one
    /// wording of an unknown field (with the field it probably meant).
    @Test func unknownFieldsReadAlikeInEveryFile() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-dialect")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("chorus.json5")
        try "{\n  rulez: 'Rules',\n}\n".write(to: config, atomically: true, encoding: .utf8)
        let rules = directory.appendingPathComponent("Rules")
        try FileManager.default.createDirectory(at: rules.appendingPathComponent("rules"), withIntermediateDirectories: true)
        for name in ["participants.json5", "landmarks.json5"] {
            try FileManager.default.copyItem(at: Repository.rules.appendingPathComponent(name), to: rules.appendingPathComponent(name))
        }
        try "{\n  kinds: { other: 'anything else' },\n  keywordz: [],\n}\n"
            .write(to: rules.appendingPathComponent("kinds.json5"), atomically: true, encoding: .utf8)
        try "{\n  id: 'x',\n  descripton: 'typo',\n}\n"
            .write(to: rules.appendingPathComponent("rules/x.json5"), atomically: true, encoding: .utf8)

        let configuration = Self.run(["status", "--config", config.path]).2
        #expect(configuration.hasPrefix("Error: \(config.path):2:3: unknown field 'rulez' (did you mean 'rules'?); allowed: "))
        let kinds = Self.run(["ingest", "-", "--dry-run", "--rules", rules.path]).2
        #expect(kinds.hasPrefix("Error: \(rules.path)/kinds.json5:3:3: keywordz: unknown field 'keywordz' (did you mean 'keywords'?); allowed: "),
                "\(kinds)")
        let check = Self.run(["rules", "check", rules.path]).1
        #expect(check.contains("\(rules.path)/rules/x.json5:3:3: unknown field 'descripton' (did you mean 'description'?); allowed: "),
                "\(check)")
    }

    @Test func anUnreachableDatabaseExits69WithoutShowingThePassword() throws {
        let (code, output, errors) = Self.run(["status", "--database", "host=/nonexistent/chorus user=x password=s3cret"])
        #expect(code == .unavailable)
        #expect(output.contains("unreachable"))
        #expect(errors.contains("Error: the database cannot be reached"))
        #expect(!(output + errors).contains("s3cret"))
    }
}
