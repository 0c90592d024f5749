/// The process exit codes of `chorus` (sysexits), each explained in docs/COMMANDS.md.
public enum ExitCode: Int32, Sendable, CaseIterable {
    /// Success.
    case success = 0
    /// A wrong argument or option.
    case usage = 64
    /// Bad input data: rejected documents, invalid rules.
    case dataError = 65
    /// An input file that does not exist or cannot be read.
    case noInput = 66
    /// The database cannot be reached.
    case unavailable = 69
    /// A bug or an unexpected condition.
    case software = 70
    /// A temporary failure: try again (for example, a concurrent review changed the draft).
    case temporaryFailure = 75
    /// Bad configuration.
    case configuration = 78
}
