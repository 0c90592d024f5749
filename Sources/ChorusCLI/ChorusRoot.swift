/// The root of the command tree: `chorus <subcommand>`.
public struct ChorusRoot: ChorusCommand {
    /// The version `chorus --version` prints.
    public static let version = "0.1.0"

    public static let spec = CommandSpec(
        name: "chorus",
        abstract: "Drafts coordinated solidarity messages when a crisis strikes, and queues them for review.",
        discussion: """
        Chorus watches crisis feeds (CAP, GDACS, USGS, news RSS/Atom and EMM, GDELT, JSON Lines) and duty \
        officers' reports, matches each event against the rules \
        in Rules/, drafts a bundle of messages for every participating ministry and embassy in its \
        audiences' languages and channels, and queues it in PostgreSQL. Nothing is published without a \
        reviewer's approval.
        """,
        // In the order of PRODUCT.md §3, then the embedded database's own commands.
        subcommands: [RunCommand.self, MigrateCommand.self, RulesCommand.self, IngestCommand.self, DrillCommand.self,
                      ReviewCommand.self, ReviewersCommand.self, ConsoleCommand.self, OutboxCommand.self, ReportCommand.self, StatusCommand.self, DemoCommand.self,
                      EmbeddedCommand.self]
    )
}
