import ChorusService
import Postgres

/// `chorus embedded start|stop`: the life of chorus's own PostgreSQL cluster, made visible.
struct EmbeddedCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "embedded",
        abstract: "Start or stop the embedded database: chorus's own PostgreSQL cluster.",
        discussion: """
        With no database configured (no --database, no 'database' in the configuration, no PG* environment \
        variables), chorus keeps its queue in a private PostgreSQL cluster in the state directory: \
        $STATE_DIRECTORY/postgres under systemd, else $XDG_STATE_HOME/chorus/postgres, else \
        ~/.local/state/chorus/postgres — and /var/lib/chorus/postgres for root, whose cluster runs as the \
        unprivileged postgres user. It listens on a Unix socket in its own directory only. The first command \
        that needs it creates and starts it, saying so on standard error; it keeps running after that \
        command, for the next ones, until 'chorus embedded stop'. Every command brings its schema up to date \
        itself. 'chorus status' shows whether it runs.
        """,
        subcommands: [EmbeddedStartCommand.self, EmbeddedStopCommand.self]
    )
}

struct EmbeddedStartCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "start",
        abstract: "Create the embedded cluster if needed, start it, and bring its schema up to date.",
        discussion: "Safe to run when it is running already. Other commands do the same on first use.",
        options: [.config]
    )

    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
    }

    func run(_ context: CommandContext) throws {
        let cluster = try DatabaseLocation.embeddedCluster(environment: context.environment)
        let location = DatabaseLocation.embedded(cluster, database: DatabaseLocation.embeddedDatabase)
        EmbeddedCommand.noteAnotherDatabase(global, context)
        let connection = try global.connect(to: location, context)
        try location.prepareSchema(of: connection) { context.printError("chorus: \($0)") }
        context.print("The embedded cluster in \(cluster.directory.path) is running; database "
                      + "\(DatabaseLocation.embeddedDatabase) is ready. 'chorus embedded stop' stops it.")
    }
}

struct EmbeddedStopCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "stop",
        abstract: "Stop the embedded cluster (its data stays; the next command that needs it starts it again).",
        discussion: """
        Disconnects its clients and shuts the server down cleanly. A 'chorus run' that uses it waits for the \
        database to come back, as it does for any server it loses.
        """,
        options: [.config]
    )

    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
    }

    func run(_ context: CommandContext) throws {
        let cluster = try DatabaseLocation.embeddedCluster(environment: context.environment)
        EmbeddedCommand.noteAnotherDatabase(global, context)
        guard cluster.isInitialized else {
            context.print("There is no embedded cluster in \(cluster.directory.path); nothing to stop.")
            return
        }
        guard cluster.isRunning else {
            context.print("The embedded cluster in \(cluster.directory.path) is not running.")
            return
        }
        try cluster.stop(.fast)
        context.print("Stopped the embedded cluster in \(cluster.directory.path); its data stays, and the next "
                      + "command that needs it starts it again.")
    }
}

extension EmbeddedCommand {
    /// When the configuration or the environment names a server, commands use that, not this cluster: say so.
    static func noteAnotherDatabase(_ global: GlobalOptions, _ context: CommandContext) {
        guard let location = try? global.databaseLocation(context), case .server = location else { return }
        context.printError("chorus: note: commands use \(location.summary), not the embedded cluster")
    }
}
