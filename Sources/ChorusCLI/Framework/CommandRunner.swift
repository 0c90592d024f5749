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

        if words.first == "help" {
            words = words.dropFirst()
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
        if words.first == "--version", path.count == 1 {
            context.print("chorus \(ChorusRoot.version)")
            return .success
        }
        while let word = words.first, let child = command.spec.subcommands.first(where: { $0.spec.name == word }) {
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

    private static func report(
        _ error: any Error, command: any ChorusCommand.Type, path: [String], context: CommandContext
    ) -> ExitCode {
        if let usage = error as? UsageError {
            context.printError("Error: \(usage.message)")
            context.printError("Usage: \(HelpFormatter.usage(of: command, path: path))")
            context.printError("  See '\(path.joined(separator: " ")) --help' for more information.")
            return .usage
        }
        let (code, message) = ErrorReport.describe(error)
        context.printError("Error: \(message)")
        return code
    }
}

/// How errors from the layers below read to a person and which exit code they end the process with.
enum ErrorReport {
    static func describe(_ error: any Error) -> (ExitCode, String) {
        switch error {
        case let error as CommandError:
            return (error.exitCode, error.message)
        case let error as ReviewError:
            switch error.kind {
            case .changedSinceShown, .factsChanged: return (.temporaryFailure, error.message + " — show it again and decide on what it says now")
            case .notPermitted: return (.configuration, error.message + " — this database role may not do that (see Deploy/roles.sql)")
            case .notAllowedInState, .selfApproval, .drillRelease, .invalid, .notFound: return (.dataError, error.message)
            }
        case let error as PostgresError:
            switch error.kind {
            case .connectionFailed, .connectionLost, .timeout: return (.unavailable, error.description)
            case .server where error.isTransient: return (.temporaryFailure, error.description)
            default: return (.software, error.description)
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
}
