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

    /// The rules directory.
    func rulesDirectory(_ context: CommandContext) throws -> URL {
        try configuration(context).rulesDirectory(option: rules, workingDirectory: context.workingDirectory)
    }
}
