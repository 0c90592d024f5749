import ChorusService
import Foundation
import Postgres

/// `--config`, `--database` and `--rules`, and what they resolve to (PRODUCT.md §3).
struct GlobalOptions: Sendable {
    var config: String?
    var database: String?
    var rules: String?

    init(_ arguments: ParsedArguments) {
        config = arguments.value("config")
        database = arguments.value("database")
        rules = arguments.value("rules")
    }

    /// The configuration file's contents, or the defaults when there is none.
    func configuration(_ context: CommandContext) throws -> ChorusConfiguration {
        let file = try ChorusConfiguration.locate(
            option: config, environment: context.environment, workingDirectory: context.workingDirectory)
        return try ChorusConfiguration.load(from: file)
    }

    /// Where the database is.
    func databaseLocation(_ context: CommandContext) throws -> DatabaseLocation {
        try DatabaseLocation.resolve(
            option: database, configuration: try configuration(context), environment: context.environment)
    }

    /// Connects to `location`, saying on stderr when the embedded cluster had to be created or started.
    func connect(to location: DatabaseLocation, as identity: DatabaseLocation.Identity = .owner,
                 _ context: CommandContext) throws -> Connection {
        let connection = try location.connect(as: identity, notice: Self.notice(context))
        context.databaseRole = connection.user
        return connection
    }

    /// The database for work on the queue: connected, and its schema brought up to date (embedded) or
    /// checked (configured) first — saying so on stderr — so that no command meets a missing table.
    /// On the embedded cluster, `.person` connects as the person at the terminal (see
    /// ``DatabaseLocation/Identity``).
    func openDatabase(_ context: CommandContext, as identity: DatabaseLocation.Identity = .owner) throws -> Connection {
        let location = try databaseLocation(context)
        let connection = try connect(to: location, as: identity, context)
        try location.prepareSchema(for: connection, notice: Self.notice(context))
        return connection
    }

    /// What opening the database did that a person should know: one `chorus: …` line on stderr.
    private static func notice(_ context: CommandContext) -> (String) -> Void {
        { context.printError("chorus: \($0)") }
    }

    /// The rules directory.
    func rulesDirectory(_ context: CommandContext) throws -> URL {
        try configuration(context).rulesDirectory(option: rules, workingDirectory: context.workingDirectory)
    }
}
