import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Every process the tests started and have not seen end. A test's cleanup normally stops its own; what
/// is left when the test process exits (a failed expectation before the cleanup was set up, a test that
/// threw) is killed then, and a test process that crashed leaves its processes to the next run, which
/// kills every process still referring to the crashed run's root (``killProcesses(under:)``).
public enum SpawnedProcesses {
    private static let running = Mutex<Set<Int32>>([])
    private static let exitHook: Void = { atexit { SpawnedProcesses.killAll() } }()

    /// Records a started process.
    public static func started(_ pid: Int32) {
        _ = exitHook
        running.withLock { _ = $0.insert(pid) }
    }

    /// Forgets a process that ended (its pid may be reused).
    public static func ended(_ pid: Int32) {
        running.withLock { _ = $0.remove(pid) }
    }

    /// Processes started and not seen ending.
    public static var unfinished: Set<Int32> { running.withLock { $0 } }

    /// SIGKILL to every process not seen ending.
    public static func killAll() {
        for pid in running.withLock({ state in defer { state = [] }; return state }) { kill(pid, SIGKILL) }
    }

    /// SIGKILL to every process (but this one) whose command line or working directory lies under
    /// `directory`: what a crashed test run left running there (a `chorus run` on a configuration in it).
    public static func killProcesses(under directory: URL) {
        let prefix = directory.standardizedFileURL.path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid() else { continue }
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")))
                .map { String(decoding: $0.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self) } ?? ""
            let workingDirectory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd")) ?? ""
            if commandLine.contains(prefix) || workingDirectory == prefix || workingDirectory.hasPrefix(prefix + "/") {
                kill(pid, SIGKILL)
            }
        }
    }
}
