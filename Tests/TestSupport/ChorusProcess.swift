import Foundation

/// Runs the built `chorus` executable as a user would, and collects what it printed.
public enum ChorusProcess {
    /// What a run printed and how it ended.
    public struct Outcome: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
    }

    /// The `chorus` binary beside the test bundle (`swift build` puts both in the same directory).
    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The test binary may be inside a bundle directory (ChorusPackageTests.xctest/…).
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("chorus").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("chorus")
    }

    /// Runs `chorus arguments…` with `environment` (nothing inherited but `PATH`), in `directory`.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, input: Data? = nil,
        timeout: TimeInterval = 120
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        variables.merge(environment) { $1 }
        process.environment = variables
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let errors = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(input) }
        try standardInput.fileHandleForWriting.close()
        // Read both pipes while the process runs, so that neither fills up and blocks it.
        let group = DispatchGroup()
        let collected = Collected()
        for (pipe, isError) in [(output, false), (errors, true)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.store(data, isError: isError)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw ChorusProcessError(message: "chorus \(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s")
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, standardOutput: collected.text(isError: false),
                       standardError: collected.text(isError: true))
    }

    private final class Collected: @unchecked Sendable {
        // @unchecked: both fields are touched only under `lock`.
        private let lock = NSLock()
        private var output = Data()
        private var errors = Data()

        func store(_ data: Data, isError: Bool) {
            lock.withLock { if isError { errors = data } else { output = data } }
        }

        func text(isError: Bool) -> String {
            lock.withLock { String(decoding: isError ? errors : output, as: UTF8.self) }
        }
    }
}

/// The `chorus` process could not be run to its end.
public struct ChorusProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
