/// Runs `work`, failing if it takes longer than `seconds`.
///
/// Generous limits catch hangs without failing on a machine whose cooperative thread pool is busy with
/// other tests: when the pool is starved, the timer and the work resume together, and the timer must not win.
public func withTimeout<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TimeoutError(seconds: seconds)
        }
        guard let first = try await group.next() else { throw TimeoutError(seconds: seconds) }
        group.cancelAll()
        return first
    }
}

/// A test's work did not finish in time.
public struct TimeoutError: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "timed out after \(seconds) s" }
}
