import ChorusStore
import Foundation
import Postgres
import Synchronization

/// What every inbox source of one daemon shares, so that their number does not decide the daemon's
/// connections: one connection LISTENs on `chorus_inbox` for all of them, and claims are made on at most
/// ``maximumClaims`` connections, lent to a source from its claim to its acknowledgement.
///
/// The listening connection runs on a thread of its own (libpq stays off the cooperative pool). At every
/// notification, and every ``refreshInterval`` anyway, it counts each source's unprocessed rows in one
/// query and rings the doorbells of the sources that have some; the counts are also each source's backlog
/// in `chorus status`. The thread runs while at least one source is registered.
public final class InboxHub: Sendable {
    /// How often the backlogs are counted (and waiting sources with rows woken) without a notification.
    public static let refreshInterval: Duration = .seconds(2)

    private struct State {
        var doorbells: [String: [Int: Doorbell]] = [:]
        var nextToken = 0
        var listening = false
        var backlogs: [String: Int]?
        var listenerError: String?
        var maximumClaims: Int
        var idle: [PostgresClient] = []
        var lent = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<PostgresClient, any Error>)] = []
    }

    private let conninfo: String
    private let state: Mutex<State>

    /// - Parameter maximumClaims: how many connections claims may use at once (at least one).
    public init(conninfo: String, maximumClaims: Int) {
        self.conninfo = conninfo
        state = Mutex(State(maximumClaims: max(1, maximumClaims)))
    }

    /// How many connections claims may use at once; lowering it closes the extra ones as they come back.
    public var maximumClaims: Int {
        get { state.withLock { $0.maximumClaims } }
        set { state.withLock { $0.maximumClaims = max(1, newValue) } }
    }

    /// Connections open for claims, lent or idle.
    public var claimConnections: Int { state.withLock { $0.lent + $0.idle.count } }

    // MARK: Sources

    /// Registers a source's doorbell, rung when rows of `source` may be waiting; starts the listener.
    func register(_ source: String, doorbell: Doorbell) -> Int {
        let (token, start) = state.withLock { state -> (Int, Bool) in
            state.nextToken += 1
            state.doorbells[source, default: [:]][state.nextToken] = doorbell
            let start = !state.listening
            state.listening = true
            return (state.nextToken, start)
        }
        if start {
            let thread = Thread { [self] in listen() }
            thread.name = "chorus.inbox.listener"
            thread.start()
        }
        return token
    }

    /// Removes a registration; the listener stops (and idle claim connections close) with the last one.
    func unregister(_ source: String, token: Int) async {
        let closing: [PostgresClient] = state.withLock { state in
            state.doorbells[source]?[token] = nil
            if state.doorbells[source]?.isEmpty == true { state.doorbells[source] = nil }
            guard state.doorbells.isEmpty else { return [] }
            defer { state.idle = [] }
            return state.idle
        }
        for client in closing { await client.close() }
    }

    /// `source`'s unprocessed rows at the last count; `nil` before the first count or while it fails.
    func backlog(of source: String) -> Int? {
        state.withLock { $0.backlogs.map { $0[source] ?? 0 } }
    }

    /// Why the listening connection does not work, `nil` while it does.
    var listenerError: String? { state.withLock { $0.listenerError } }

    // MARK: Claim connections

    /// A connection for a claim, once one is free (waiting while ``maximumClaims`` are lent).
    func lease() async throws -> PostgresClient {
        let ticket = state.withLock { state -> Int in
            state.nextToken += 1
            return state.nextToken
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresClient, any Error>) in
                let ready: Result<PostgresClient, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let client = state.idle.popLast() {
                        state.lent += 1
                        return .success(client)
                    }
                    if state.lent + state.idle.count < state.maximumClaims {
                        state.lent += 1
                        return .success(PostgresClient(conninfo: conninfo, label: "inbox.claims"))
                    }
                    state.waiters.append((ticket, continuation))
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<PostgresClient, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Takes back a lent connection (no transaction open on it): to the next waiting source, else idle.
    func giveBack(_ client: PostgresClient) async {
        let (waiter, surplus) = state.withLock { state -> (CheckedContinuation<PostgresClient, any Error>?, Bool) in
            if state.lent + state.idle.count > state.maximumClaims || state.doorbells.isEmpty {
                state.lent -= 1
                return (nil, true)
            }
            if !state.waiters.isEmpty { return (state.waiters.removeFirst().continuation, false) }
            state.lent -= 1
            state.idle.append(client)
            return (nil, false)
        }
        if let waiter {
            waiter.resume(returning: client)
        } else if surplus {
            await client.close()
        }
    }

    // MARK: The listener

    private func listen() {
        var connection: Connection?
        var lastCount = ContinuousClock.now - Self.refreshInterval
        while true {
            let running = state.withLock { state -> Bool in
                if state.doorbells.isEmpty {
                    state.listening = false
                    state.backlogs = nil
                }
                return state.listening
            }
            guard running else { break }
            do {
                let active: Connection
                if let connection, connection.isConnected {
                    active = connection
                } else {
                    connection?.close()
                    connection = nil
                    active = try Connection(conninfo)
                    connection = active
                    try active.listen(InboxStore.channel)
                    lastCount = ContinuousClock.now - Self.refreshInterval
                }
                let notified = !(try active.waitForNotifications(timeout: .seconds(1))).isEmpty
                guard notified || ContinuousClock.now - lastCount >= Self.refreshInterval else { continue }
                lastCount = ContinuousClock.now
                let counts = try InboxStore.backlogs(on: active)
                let ring: [Doorbell] = state.withLock { state in
                    state.backlogs = counts
                    state.listenerError = nil
                    return counts.keys.flatMap { state.doorbells[$0].map { Array($0.values) } ?? [] }
                }
                for doorbell in ring { doorbell.ring() }
            } catch {
                state.withLock {
                    $0.listenerError = "\(error)"
                    $0.backlogs = nil
                }
                connection?.close()
                connection = nil
                Thread.sleep(forTimeInterval: 1)
            }
        }
        connection?.close()
    }
}
