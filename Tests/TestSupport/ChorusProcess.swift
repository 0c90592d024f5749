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

    /// Runs `chorus arguments…` with `environment` (nothing inherited but `PATH`), in `directory` — as
    /// `user` when one is given (the tests run as root: `setpriv` drops to that user).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, input: Data? = nil,
        timeout: TimeInterval = 120, as user: SystemUser? = nil
    ) throws -> Outcome {
        let process = Process()
        let command = user.map { $0.wrapping([executable.path] + arguments) } ?? [executable.path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
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
        SpawnedProcesses.started(process.processIdentifier)
        defer { SpawnedProcesses.ended(process.processIdentifier) }
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
            // SIGKILL: a process started from a test thread has SIGTERM blocked, and must not be left running.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
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

extension ChorusProcess {
    /// A `chorus` process that runs until the test stops it (the daemon, `review watch`), its output read as
    /// it comes.
    public final class Running: @unchecked Sendable {
        // @unchecked: `output` and `errors` are touched only under `lock`; `process` is only signalled and awaited.
        private let process = Process()
        private let lock = NSLock()
        private var output = Data()
        private var errors = Data()
        private let done = DispatchGroup()

        fileprivate init(_ arguments: [String], environment: [String: String], directory: URL?) throws {
            process.executableURL = ChorusProcess.executable
            process.arguments = arguments
            var variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            variables.merge(environment) { $1 }
            process.environment = variables
            if let directory { process.currentDirectoryURL = directory }
            let outputPipe = Pipe(), errorPipe = Pipe()
            process.standardOutput = outputPipe
            process.standardError = errorPipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            SpawnedProcesses.started(process.processIdentifier)
            for (pipe, isError) in [(outputPipe, false), (errorPipe, true)] {
                done.enter()
                let handle = pipe.fileHandleForReading
                DispatchQueue.global().async { [self] in
                    while true {
                        let chunk = handle.availableData
                        if chunk.isEmpty { break }
                        lock.withLock { if isError { errors.append(chunk) } else { output.append(chunk) } }
                    }
                    done.leave()
                }
            }
        }

        /// Standard error so far.
        public var standardError: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }
        /// Standard output so far.
        public var standardOutput: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
        public var isRunning: Bool { process.isRunning }

        /// Waits until `condition` holds for what the process wrote, or it exits, or `timeout` passes; returns
        /// whether the condition held.
        @discardableResult
        public func wait(timeout: TimeInterval = 60, until condition: (Running) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition(self) { return true }
                if !process.isRunning { return condition(self) }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return condition(self)
        }

        /// Sends `signal` and waits for the process to end; returns what it printed and its status.
        ///
        /// A process started from a test inherits the test thread's signal mask, in which SIGTERM and SIGINT
        /// are blocked: `chorus run` takes them through its dispatch sources all the same, other commands
        /// only end on SIGKILL here.
        public func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 30) throws -> Outcome {
            if process.isRunning { kill(process.processIdentifier, signal) }
            return try finish(timeout: timeout)
        }

        /// Waits for the process to end by itself (killing it after `timeout`).
        public func finish(timeout: TimeInterval = 60) throws -> Outcome {
            if done.wait(timeout: .now() + timeout) == .timedOut {
                // SIGKILL: SIGTERM may be blocked (see ``stop(_:timeout:)``), and nothing may be left running.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw ChorusProcessError(message: "chorus \(process.arguments?.joined(separator: " ") ?? "") did not end in \(Int(timeout)) s")
            }
            process.waitUntilExit()
            SpawnedProcesses.ended(process.processIdentifier)
            return Outcome(status: process.terminationStatus, standardOutput: standardOutput, standardError: standardError)
        }

        /// A test that ended without stopping it (it threw, an expectation failed first) leaves nothing running.
        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            SpawnedProcesses.ended(process.processIdentifier)
        }
    }

    /// Starts `chorus arguments…` and returns at once (environment: nothing inherited but `PATH`).
    public static func start(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> Running {
        try Running(arguments, environment: environment, directory: directory)
    }
}
