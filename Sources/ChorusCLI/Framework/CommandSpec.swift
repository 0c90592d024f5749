/// What a command accepts and how its help reads: the single source for parsing and for `--help`.
public struct CommandSpec: Sendable {
    /// The word that selects the command (`migrate`, `review`).
    public var name: String
    /// One line for OVERVIEW and for the parent's SUBCOMMANDS list.
    public var abstract: String
    /// Paragraphs after the overview.
    public var discussion: String?
    /// Replaces the generated usage line's tail, for commands whose forms are clearer spelled out.
    public var usage: String?
    /// Positional arguments, in order.
    public var arguments: [ArgumentSpec]
    /// Options and flags.
    public var options: [OptionSpec]
    /// Child commands; a command with children and no `run` is a group.
    public var subcommands: [any ChorusCommand.Type]

    public init(
        name: String, abstract: String, discussion: String? = nil, usage: String? = nil,
        arguments: [ArgumentSpec] = [], options: [OptionSpec] = [], subcommands: [any ChorusCommand.Type] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.usage = usage
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
    }
}

/// A positional argument.
public struct ArgumentSpec: Sendable {
    /// Shown as `<name>` in usage and help.
    public var name: String
    public var help: String
    /// May be left out.
    public var isOptional: Bool
    /// Takes every remaining positional value (`FILE...`).
    public var isRepeating: Bool

    public init(_ name: String, help: String, isOptional: Bool = false, isRepeating: Bool = false) {
        self.name = name
        self.help = help
        self.isOptional = isOptional
        self.isRepeating = isRepeating
    }
}

/// An option (`--limit <n>`) or a flag (`--json`).
public struct OptionSpec: Sendable {
    /// The long name without dashes.
    public var name: String
    /// A one-letter short name, if any.
    public var short: Character?
    /// The value's placeholder (`n`, `file`); `nil` for a flag.
    public var valueName: String?
    public var help: String
    /// May be given more than once (values are collected in order).
    public var isRepeating: Bool
    /// Must be given: shown without brackets in the usage line, and its absence is a usage error.
    public var isRequired: Bool

    /// An option that takes a value.
    public static func option(
        _ name: String, short: Character? = nil, value: String, help: String, repeating: Bool = false,
        required: Bool = false
    ) -> OptionSpec {
        OptionSpec(name: name, short: short, valueName: value, help: help, isRepeating: repeating, isRequired: required)
    }

    /// A flag that takes no value.
    public static func flag(_ name: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(name: name, short: short, valueName: nil, help: help, isRepeating: false, isRequired: false)
    }

    var isFlag: Bool { valueName == nil }
}

extension OptionSpec {
    /// `--config <file>`: the configuration file.
    public static let config = OptionSpec.option(
        "config", value: "file",
        help: "Configuration file (default: $CHORUS_CONFIG, then /etc/chorus/chorus.json5 if present).")
    /// `--database <conninfo>`: where the queue lives.
    public static let database = OptionSpec.option(
        "database", value: "conninfo",
        help: "libpq conninfo string or postgres:// URL (default: the configuration, then PG* environment "
            + "variables, then the embedded database under the state directory).")
    /// `--rules <dir>`: the rules directory.
    public static let rules = OptionSpec.option(
        "rules", value: "dir", help: "Rules directory (default: the configuration, then ./Rules).")
    /// `--json`: output for programs.
    public static let json = OptionSpec.flag("json", help: "Print JSON for programs instead of text.")
}
