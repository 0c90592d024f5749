import ChorusService
import ChorusStore
import Foundation
import Postgres

/// Runs a command line against the `chorus` command tree: finds the command, prints help, parses,
/// validates, runs, and turns every failure into `Error: …` on stderr and a sysexits code.
public enum CommandRunner {
    /// Runs `arguments` (without the program name) and returns the exit code.
    public static func run(
        _ arguments: [String], root: any ChorusCommand.Type = ChorusRoot.self, context: CommandContext
    ) -> ExitCode {
        var path = [root.spec.name]
        var command: any ChorusCommand.Type = root
        var words = arguments[...]

        if words.first == "--version" {
            context.print("chorus \(ChorusRoot.version)")
            return .success
        }
        while let word = words.first {
            // `chorus help X Y`, `chorus X help Y`: help is a word of every group, as in the argument parser.
            if word == "help", !command.spec.subcommands.isEmpty {
                return help(Array(words.dropFirst()), from: command, path: path, context: context)
            }
            guard let child = command.spec.subcommands.first(where: { $0.spec.name == word }) else { break }
            command = child
            path.append(word)
            words = words.dropFirst()
        }
        let beforeTerminator = words.prefix { $0 != "--" }
        if beforeTerminator.contains("-h") || beforeTerminator.contains("--help") {
            context.standardOutput.write(HelpFormatter.help(for: command, path: path, isRoot: path.count == 1))
            return .success
        }
        if !command.spec.subcommands.isEmpty {
            let problem = words.first.map { $0.hasPrefix("-") ? "unknown option '\($0)'" : "unknown subcommand '\($0)'" }
                ?? "missing subcommand"
            return report(UsageError(problem), command: command, path: path, context: context)
        }
        do {
            let parsed = try ParsedArguments.parse(Array(words), spec: command.spec)
            let instance = try command.init(parsed)
            try instance.run(context)
            return .success
        } catch {
            return report(error, command: command, path: path, context: context)
        }
    }

    /// `help` followed by a command path below `command`: that command's help on stdout.
    private static func help(
        _ words: [String], from command: any ChorusCommand.Type, path: [String], context: CommandContext
    ) -> ExitCode {
        var command = command
        var path = path
        for word in words {
            guard let child = command.spec.subcommands.first(where: { $0.spec.name == word }) else {
                return report(UsageError("unknown command '\(word)'"), command: command, path: path, context: context)
            }
            command = child
            path.append(word)
        }
        context.standardOutput.write(HelpFormatter.help(for: command, path: path, isRoot: path.count == 1))
        return .success
    }

    private static func report(
        _ error: any Error, command: any ChorusCommand.Type, path: [String], context: CommandContext
    ) -> ExitCode {
        if let usage = error as? UsageError {
            context.printError("Error: \(usage.message)")
            context.printError("Usage: \(HelpFormatter.usage(of: command, path: path))")
            context.printError("  See '\(path.joined(separator: " ")) --help' for more information.")
            return .usage
        }
        let (code, message) = ErrorReport.describe(error, role: context.databaseRole)
        context.printError("Error: \(message)")
        return code
    }
}

/// How errors from the layers below read to a person and which exit code they end the process with.
///
/// Conditions a user can meet and fix — no server, no schema, a role without a privilege, a concurrent
/// change — read as one sentence saying what to do, never with SQL text; only an internal error (a bug,
/// exit 70) shows the server's full report, for the bug report.
enum ErrorReport {
    static func describe(_ error: any Error, role: String? = nil) -> (ExitCode, String) {
        switch error {
        case let error as CommandError:
            return (error.exitCode, error.message)
        case let error as ReviewError:
            switch error.kind {
            case .changedSinceShown, .factsChanged: return (.temporaryFailure, error.message + " — show it again and decide on what it says now")
            case .notPermitted: return (.configuration, lacksPrivilege(role: role, error.message))
            case .notAllowedInState, .selfApproval, .drillRelease, .invalid, .notFound: return (.dataError, error.message)
            }
        case let error as PostgresError:
            switch error.kind {
            case .connectionFailed, .connectionLost, .timeout:
                return (.unavailable, error.description)
            case .server where error.sqlState == "42501":
                return (.configuration, lacksPrivilege(role: role, error.message))
            case .server where ["42P01", "3F000", "42883"].contains(error.sqlState):
                // The schema check before every command makes this rare: someone dropped part of the schema.
                return (.configuration, "the database's chorus schema is incomplete (\(error.message)); "
                        + "run 'chorus migrate' with the same --database or --config, as the schema's owner")
            case .server where error.isTransient || error.sqlState == "57014":
                return (.temporaryFailure, "PostgreSQL error \(error.sqlState ?? "?"): \(error.message); try again")
            default:
                return (.software, "internal error: " + error.description)
            }
        case let error as EmbeddedPostgresError:
            return (.unavailable, error.description)
        case let error as ConfigurationError:
            return (.configuration, error.description)
        case let error as SchemaError:
            return (.configuration, error.description)
        default:
            return (.software, String(describing: error))
        }
    }

    /// A missing privilege (SQLSTATE 42501), naming the role that lacks it and where the grants are.
    static func lacksPrivilege(role: String?, _ message: String) -> String {
        let who = role.map { "the database role '\($0)'" } ?? "this database role"
        return "\(who) may not do this: \(message) — grant it chorus_reviewer (to review) or chorus_daemon "
            + "(for the pipeline): see Deploy/roles.sql"
    }
}
