/// `chorus rules`: check a rules directory, and dry-run events through it.
public struct RulesCommand: ChorusCommand {
    public static let spec = CommandSpec(
        name: "rules",
        abstract: "Check rules and test them against events, offline.",
        discussion: """
        A rules directory holds participants.json5, kinds.json5, landmarks.json5, gazetteer.json5, \
        names.json5, rules/*.json5, voices/*.json5 and drills/*.json5. 'check' finds every problem in it; 'test' shows what events would draft. \
        Neither touches the database. See docs/RULES.md.
        """,
        subcommands: [RulesCheckCommand.self, RulesTestCommand.self]
    )
}
