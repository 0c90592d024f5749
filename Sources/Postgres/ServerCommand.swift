import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a PostgreSQL server tool (`initdb`, `pg_ctl`) and waits for it.
///
/// Written on `posix_spawn` and `waitpid` rather than Foundation's `Process`: `pg_ctl start` leaves a
/// server behind that lives on after the tool exits, and the server must inherit no descriptor of ours —
/// `Process` may wait until every inherited descriptor is closed, which for a server is never. Here the
/// child gets standard input from /dev/null, standard output and error into a file, and nothing else.
enum ServerCommand {
    /// Runs `command` (an absolute path and its arguments) with `environment`; returns the exit status and
    /// what it printed.
    static func run(_ command: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("chorus-pg-\(getpid())-\(UUID().uuidString).out").path
        let outputDescriptor = open(outputPath, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard outputDescriptor >= 0 else {
            throw EmbeddedPostgresError("cannot create \(outputPath): \(String(cString: strerror(errno)))")
        }
        defer {
            close(outputDescriptor)
            unlink(outputPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 2)
        // glibc's _np extensions are not in Swift's Glibc module; look them up (glibc 2.29 and 2.34 have them).
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") {
            // The tools may run as another user, who cannot stat our working directory.
            typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
            _ = unsafeBitCast(symbol, to: ChangeDirectory.self)(&actions, "/")
        }

        let arguments = command.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, arguments, variables)
        guard spawned == 0 else {
            throw EmbeddedPostgresError("cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError("waiting for \(command[0]) failed: \(String(cString: strerror(errno)))")
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exitStatus, output)
    }
}
