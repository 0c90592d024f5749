import Foundation
import Synchronization

/// Runs one ``SourceWorker`` per configured source, and changes the set on a reload: workers of removed
/// or changed sources are stopped (a commit in flight finishes first) and new ones started. Stopping the
/// supervisor stops every worker and waits for each.
///
/// The supervisor owns its workers' tasks: each is kept until it is cancelled and awaited.
final class SourceSupervisor: Service, Sendable {
    let name = "sources"
    private let environment: SourceWorker.Environment
    private let workingDirectory: URL
    private let workers = Mutex<[String: (source: SourceConfiguration, task: Task<Void, Never>)]>([:])
    private let stopped = Trigger()
    private let onStarted: @Sendable () -> Void

    init(environment: SourceWorker.Environment, workingDirectory: URL, onStarted: @escaping @Sendable () -> Void) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.onStarted = onStarted
    }

    func run() async throws {
        await apply(environment.settings.current.configuration, restartAll: false)
        onStarted()
        await withTaskCancellationHandler {
            await stopped.wait()
        } onCancel: {
            stopped.fire()
        }
        let all = workers.withLock { workers in
            defer { workers = [:] }
            return Array(workers.values)
        }
        all.forEach { $0.task.cancel() }
        for worker in all { await worker.task.value }
    }

    /// Makes the running workers match `configuration`'s sources; `restartAll` restarts unchanged ones too
    /// (the kind tables changed, which every parser uses).
    func apply(_ configuration: ChorusConfiguration, restartAll: Bool) async {
        guard !stopped.hasFired else { return }
        let wanted = Dictionary(uniqueKeysWithValues: configuration.sources.map { ($0.name, $0) })
        let stale = workers.withLock { workers -> [(String, Task<Void, Never>)] in
            let names = workers.keys.filter { name in restartAll || wanted[name] != workers[name]?.source }
            return names.compactMap { name in workers.removeValue(forKey: name).map { (name, $0.task) } }
        }
        for (name, task) in stale {
            task.cancel()
            await task.value
            if wanted[name] == nil { environment.locks.release(name) }
        }
        environment.daemonState.setSources(configuration.sources.map(\.name))
        for source in configuration.sources {
            let location = configuration.resolvedLocation(of: source, workingDirectory: workingDirectory)
            let worker = SourceWorker(source: source, location: location, environment: environment)
            workers.withLock { workers in
                guard workers[source.name] == nil else { return }
                workers[source.name] = (source, Task { await worker.run() })
            }
        }
    }
}
