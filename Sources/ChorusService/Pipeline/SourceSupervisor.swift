import Foundation
import Synchronization

/// Runs one ``SourceWorker`` per configured source, and changes the set on a reload: workers of removed
/// or changed sources are stopped (a commit in flight finishes first) and new ones started. Stopping the
/// supervisor stops every worker and waits for each.
///
/// Structured: every worker is a child task of the task group of ``run()``, so none outlives it. A reload's
/// ``apply(_:restartAll:)`` hands its configuration to that group's body, which stops and starts workers
/// and then tells the caller it is done. A task group cannot cancel one child alone, so each worker runs in
/// a group of its own, cancelled when its stop trigger fires.
final class SourceSupervisor: Service, Sendable {
    let name = "sources"
    private let environment: SourceWorker.Environment
    private let workingDirectory: URL
    private let onStarted: @Sendable () -> Void
    /// Reloads not yet applied; `closed` once the supervisor stopped (a later reload has nothing to change).
    private let pending = Mutex<(requests: [Request], closed: Bool)>(([], false))
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    private struct Request: Sendable {
        let configuration: ChorusConfiguration
        let restartAll: Bool
        let done: Trigger
    }

    /// A running worker: what it was started for, and how to stop it.
    private struct Running {
        let source: SourceConfiguration
        let stop: Trigger
        let stopped: Trigger
    }

    init(environment: SourceWorker.Environment, workingDirectory: URL, onStarted: @escaping @Sendable () -> Void) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.onStarted = onStarted
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            var running: [String: Running] = [:]
            await apply(environment.settings.current.configuration, restartAll: false, running: &running, group: &group)
            onStarted()
            // Ends when the supervisor is cancelled (the stream's iteration then returns nil).
            for await _ in doorbell {
                let requests = pending.withLock { state in
                    defer { state.requests = [] }
                    return state.requests
                }
                for request in requests {
                    await apply(request.configuration, restartAll: request.restartAll, running: &running, group: &group)
                    request.done.fire()
                }
            }
            let left = pending.withLock { state in
                state.closed = true
                defer { state.requests = [] }
                return state.requests
            }
            left.forEach { $0.done.fire() }
            for worker in running.values { worker.stop.fire() }
            for worker in running.values { await worker.stopped.wait() }
        }
    }

    /// Makes the running workers match `configuration`'s sources; `restartAll` restarts unchanged ones too
    /// (the kind tables changed, which every parser uses). Returns once it is done, or at once when the
    /// supervisor has stopped.
    func apply(_ configuration: ChorusConfiguration, restartAll: Bool) async {
        let done = Trigger()
        let queued = pending.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.requests.append(Request(configuration: configuration, restartAll: restartAll, done: done))
            return true
        }
        guard queued else { return }
        ring.yield()
        await done.wait()
    }

    private func apply(
        _ configuration: ChorusConfiguration, restartAll: Bool, running: inout [String: Running],
        group: inout DiscardingTaskGroup
    ) async {
        let wanted = Dictionary(uniqueKeysWithValues: configuration.sources.map { ($0.name, $0) })
        let stale = running.keys.filter { name in restartAll || wanted[name] != running[name]?.source }
        for name in stale {
            guard let worker = running.removeValue(forKey: name) else { continue }
            worker.stop.fire()
            await worker.stopped.wait()
            if wanted[name] == nil { environment.locks.release(name) }
        }
        environment.daemonState.setSources(configuration.sources.map(\.name))
        for source in configuration.sources where running[source.name] == nil {
            let location = configuration.resolvedLocation(of: source, workingDirectory: workingDirectory)
            let worker = SourceWorker(source: source, location: location, environment: environment)
            let entry = Running(source: source, stop: Trigger(), stopped: Trigger())
            running[source.name] = entry
            group.addTask {
                await withDiscardingTaskGroup { own in
                    own.addTask {
                        await worker.run()
                        entry.stop.fire()
                    }
                    await entry.stop.wait()
                    own.cancelAll()
                }
                entry.stopped.fire()
            }
        }
    }
}
