import Foundation
import Synchronization

/// Where a command writes and what it may read of its process: its output streams, environment and
/// working directory. Tests run commands in-process with a context that captures the output.
public final class CommandContext: @unchecked Sendable {
    // @unchecked: the sinks serialize their own writes, `role` is a Mutex; the other properties are immutable.

    /// Standard output: data and results.
    public let standardOutput: OutputSink
    /// Standard error: errors, warnings and progress.
    public let standardError: OutputSink
    /// The process environment (or a test's).
    public let environment: [String: String]
    /// The directory relative paths are resolved against.
    public let workingDirectory: URL
    /// Reads all of standard input (for `-` as a file argument).
    public let readStandardInput: @Sendable () throws -> Data

    private let role = Mutex<String?>(nil)

    /// The PostgreSQL role the command's connection logged in as, once it has one: an error about a
    /// privilege the role lacks names it.
    public var databaseRole: String? {
        get { role.withLock { $0 } }
        set { role.withLock { $0 = newValue } }
    }

    public init(
        standardOutput: OutputSink, standardError: OutputSink, environment: [String: String],
        workingDirectory: URL, readStandardInput: @escaping @Sendable () throws -> Data
    ) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.readStandardInput = readStandardInput
    }

    /// The context of the running process.
    public static func process() -> CommandContext {
        CommandContext(
            standardOutput: .fileDescriptor(STDOUT_FILENO), standardError: .fileDescriptor(STDERR_FILENO),
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
            readStandardInput: { FileHandle.standardInput.readDataToEndOfFile() })
    }

    /// Writes `text` and a newline to standard output.
    public func print(_ text: String = "") { standardOutput.write(text + "\n") }

    /// Writes `text` and a newline to standard error.
    public func printError(_ text: String) { standardError.write(text + "\n") }

    /// Resolves a path given on the command line against the working directory.
    public func url(forPath path: String) -> URL {
        let expanded = path.hasPrefix("~/") ? NSString(string: path).expandingTildeInPath : path
        return URL(fileURLWithPath: expanded, relativeTo: workingDirectory).standardizedFileURL
    }
}

/// A destination for text: a file descriptor, or a buffer in tests.
public final class OutputSink: @unchecked Sendable {
    // @unchecked: every access to `buffer` and every write happens under `lock`.
    private let lock = NSLock()
    private var buffer = ""
    private let descriptor: Int32?

    private init(descriptor: Int32?) { self.descriptor = descriptor }

    /// Writes to a file descriptor, retrying short writes.
    public static func fileDescriptor(_ descriptor: Int32) -> OutputSink { OutputSink(descriptor: descriptor) }

    /// Collects everything written, for tests.
    public static func capture() -> OutputSink { OutputSink(descriptor: nil) }

    /// Whether the destination is a terminal (colour and layout for people only then).
    public var isTerminal: Bool { descriptor.map { isatty($0) == 1 } ?? false }

    /// Everything written so far (captured sinks only).
    public var text: String { lock.withLock { buffer } }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) {
        lock.withLock {
            guard let descriptor else {
                buffer += text
                return
            }
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                bytes = bytes.dropFirst(written)
            }
        }
    }
}
