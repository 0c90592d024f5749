/// A command of the `chorus` tree, in the argument-parser style: parse → validate → run are separate steps.
///
/// `init(_:)` reads and validates the parsed arguments (throwing ``UsageError`` for a wrong command line);
/// `run(_:)` does the work, reporting failures as ``CommandError`` (or any error the tree maps to an exit code).
public protocol ChorusCommand: Sendable {
    /// The command's name, arguments, options, help and children.
    static var spec: CommandSpec { get }
    /// Reads and validates the command line.
    init(_ arguments: ParsedArguments) throws
    /// Does the work; writes output through `context`.
    func run(_ context: CommandContext) throws
}

extension ChorusCommand {
    /// A group (a command with subcommands only) has nothing to run of its own.
    public init(_ arguments: ParsedArguments) throws {
        throw UsageError("'\(Self.spec.name)' needs a subcommand")
    }

    public func run(_ context: CommandContext) throws {}
}
