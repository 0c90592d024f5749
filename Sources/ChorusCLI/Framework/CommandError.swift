/// A failure a command reports to its user: `Error: <message>` on stderr and the exit code.
public struct CommandError: Error, Sendable, CustomStringConvertible {
    /// The exit code the process ends with.
    public var exitCode: ExitCode
    /// One line (or a few) saying what is wrong and, where possible, what to do.
    public var message: String

    public init(_ exitCode: ExitCode, _ message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    public var description: String { message }
}

/// A wrong argument or option: reported with the command's usage line, exit 64.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the command line.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
