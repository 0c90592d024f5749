import ChorusService
import ChorusStore
import Postgres

/// `chorus migrate`: create or upgrade the schema.
struct MigrateCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "migrate",
        abstract: "Create or upgrade the database schema.",
        discussion: """
        Applies every migration the database does not have yet, each in its own transaction. Safe to run \
        twice and from several places at once: migrators take turns through an advisory lock. On a \
        configured database, every other command only checks the schema and, when it is behind, exits 78 \
        asking for this command: run it, as the schema's owner, after every upgrade of chorus. With no \
        database configured, it works on the embedded cluster under the state directory (creating and \
        starting it), whose schema every command also brings up to date by itself.
        """,
        options: [.config, .database]
    )

    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
    }

    func run(_ context: CommandContext) throws {
        let location = try global.databaseLocation(context)
        context.print("Database: \(location.summary)")
        let connection = try global.connect(to: location, context)
        let migrator = Migrator()
        let applied = try migrator.migrate(connection)
        if applied.isEmpty {
            context.print("Schema: version \(migrator.latestVersion), up to date; nothing to do.")
        } else {
            for migration in applied {
                context.print("Applied migration \(migration.version): \(migration.name)")
            }
            context.print("Schema: version \(migrator.latestVersion).")
        }
    }
}
