/// The configuration is missing, unreadable or wrong (exit 78).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file the problem is in, if it is in a file.
    public var file: String?
    /// What is wrong, naming the field.
    public var message: String

    public init(file: String?, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { file.map { "\($0): \(message)" } ?? message }
}
