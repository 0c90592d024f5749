import ChorusService
import CMalloc
import Foundation
import Synchronization

/// `chorus run`: the daemon in the foreground, for systemd (`Type=notify`).
///
/// The entry point, and so the only place that touches signals: SIGTERM and SIGINT stop the daemon
/// (it exits 0 within five seconds, rolling back a transaction that cannot finish by then), SIGHUP reloads.
/// The signal sources are registered before anything else happens, and the command waits until
/// libdispatch confirms each registration, so that no signal is lost at start-up.
struct RunCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run the daemon in the foreground (a systemd service).",
        discussion: """
        Watches the sources of the configuration file, drafts a bundle for every event a rule matches and \
        queues it in PostgreSQL — events, drafts and each source's cursor in one transaction, so that a \
        crash neither loses nor duplicates anything. Several instances may share one database: each source \
        is worked by one of them at a time. Logs go to standard error, one line an event.
        Signals: SIGTERM or SIGINT stops (exit 0), SIGHUP reloads the configuration and the rules (a set \
        that does not validate is refused and the old one kept). Under systemd it reports READY=1, STATUS=, \
        WATCHDOG=1, RELOADING=1 and STOPPING=1 on $NOTIFY_SOCKET.
        """,
        options: [.config, .database, .rules]
    )

    /// Two malloc arenas for the daemon's threads, unless the operator chose with `MALLOC_ARENA_MAX`.
    ///
    /// glibc gives each thread that allocates its own arena (up to eight per core) and keeps what was freed
    /// in each: streaming a 1 GB feed, the daemon's libpq, source and pool threads held some 8 MB more than
    /// with two arenas for the same work (docs/BENCHMARKS.md), against a 64 MB budget. Two arenas on the
    /// daemon's few busy threads cost no measurable contention.
    static func boundMallocArenas(_ environment: [String: String]) {
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, 2)
    }

    /// How long a stop may take before the process exits anyway (the server rolls back what is in flight).
    static let shutdownDeadline: Duration = .milliseconds(4500)

    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
    }

    func run(_ context: CommandContext) throws {
        Self.boundMallocArenas(context.environment)
        let (control, continuation) = AsyncStream.makeStream(of: Daemon.Control.self)
        let logger = Logger(sink: .standardError(environment: context.environment))
        let notifier = SystemdNotifier(environment: context.environment)
        let stopping = Atomic<Bool>(false)
        let handlers = SignalHandlers.install([SIGTERM, SIGINT, SIGHUP]) { signal in
            if signal == SIGHUP {
                continuation.yield(.reload)
                return
            }
            guard !stopping.exchange(true, ordering: .relaxed) else { return }
            notifier.stopping()
            logger.notice("stopping", ["signal": signal == SIGINT ? "SIGINT" : "SIGTERM"])
            continuation.yield(.shutdown)
            let seconds = Double(Self.shutdownDeadline.components.seconds)
                + Double(Self.shutdownDeadline.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                logger.error("the stop takes too long; exiting — the server rolls back the transaction in flight")
                exit(0)
            }
        }
        // The handlers stay installed until the process exits: a late SIGTERM must not kill it mid-exit.
        defer { withExtendedLifetime(handlers) {} }

        let file = try ChorusConfiguration.locate(
            option: global.config, environment: context.environment, workingDirectory: context.workingDirectory)
        let daemon = Daemon(
            options: .init(configurationFile: file, databaseOption: global.database, rulesOption: global.rules,
                           environment: context.environment, workingDirectory: context.workingDirectory),
            logger: logger, notifier: notifier)
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        // The command tree is synchronous: the daemon runs on the pool while this thread waits for it.
        let task = Task {
            do {
                try await daemon.run(control: control)
            } catch {
                outcome.record(error)
            }
            done.signal()
        }
        done.wait()
        _ = task
        if let error = outcome.error {
            notifier.stopping()
            if case DaemonError.invalidRules = error { throw CommandError(.dataError, "\(error)") }
            throw error
        }
    }

    private final class Outcome: Sendable {
        private let value = Mutex<(any Error)?>(nil)
        func record(_ error: any Error) { value.withLock { $0 = error } }
        var error: (any Error)? { value.withLock { $0 } }
    }
}

/// Signal handling through libdispatch, registered synchronously.
///
/// No `SIG_IGN` first: the dispatch source installs its own handler when it is registered, and the
/// registration handler says when that has happened — until then the default action still applies.
final class SignalHandlers {
    private let sources: [any DispatchSourceSignal]

    private init(sources: [any DispatchSourceSignal]) { self.sources = sources }

    static func install(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> SignalHandlers {
        let queue = DispatchQueue(label: "chorus.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let registered = DispatchSemaphore(value: 0)
            source.setRegistrationHandler { registered.signal() }
            source.setEventHandler { handler(number) }
            source.resume()
            registered.wait()
            sources.append(source)
        }
        return SignalHandlers(sources: sources)
    }

}
