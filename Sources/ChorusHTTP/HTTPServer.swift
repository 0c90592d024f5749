import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server written on the system's sockets: a thread accepts, and every connection gets a
/// thread of its own that reads requests (bounded by ``HTTPLimits`` in size and time), hands each to the
/// ``HTTPHandler`` and writes the answer — kept alive, pipelined requests in order. Event-stream responses
/// keep their connection (and its thread) until the client leaves or the server stops.
///
/// A thread per connection suits the console: a few dozen reviewers, whose requests block on PostgreSQL.
/// The number of connections is bounded; one more is answered `503` and closed at once.
///
/// ```swift
/// let server = try HTTPServer(address: ListenAddress("127.0.0.1:8480")!, handler: console)
/// try await server.run()   // until the task is cancelled: then it stops gracefully
/// ```
public final class HTTPServer: Sendable {
    /// The address it listens on (with the port the system chose, when asked for port 0).
    public let address: ListenAddress
    public let limits: HTTPLimits
    /// How often an idle event stream gets a comment line (which also finds clients that are gone).
    public let heartbeat: Duration
    /// How long a stop waits for requests in flight before it returns anyway.
    public let grace: Duration

    private let handler: any HTTPHandler
    private let listener: Socket
    /// Becomes readable, for good, when the server stops: every thread's `poll()` watches it.
    private let stopPipe: (read: Int32, write: Int32)
    private let log: @Sendable (String, [(String, String)]) -> Void
    private let state = Mutex(State())

    private struct State {
        var started = false
        var stopping = false
        var acceptorRunning = false
        var connections: [Int: Socket] = [:]
        var nextID = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var blockedWaiters: [DispatchSemaphore] = []
        var closed = false
    }

    /// Binds and listens on `address` now (so that a port in use fails here, and port 0 is resolved);
    /// serving starts with ``run()``.
    /// - Parameter log: hears refused requests and failures, as a message and fields (never a client's bytes).
    public init(address: ListenAddress, limits: HTTPLimits = HTTPLimits(), heartbeat: Duration = .seconds(20),
                grace: Duration = .seconds(5), handler: any HTTPHandler,
                log: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) throws {
        (listener, self.address) = try Socket.listen(on: address)
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            listener.close()
            throw HTTPServerError("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        // glibc's pipe2 and accept4 are not in Swift's Glibc module; close-on-exec is set right after.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        stopPipe = (pipeEnds[0], pipeEnds[1])
        self.limits = limits
        self.heartbeat = heartbeat
        self.grace = grace
        self.handler = handler
        self.log = log
    }

    deinit {
        listener.close()
        Glibc.close(stopPipe.read)
        Glibc.close(stopPipe.write)
    }

    /// Serves until the task is cancelled, then stops gracefully (``stop()``) and returns once every
    /// connection has ended or ``grace`` has passed.
    public func run() async {
        start()
        await withTaskCancellationHandler {
            await stopped()
        } onCancel: {
            stop()
        }
    }

    /// Starts accepting (once); ``run()`` calls it.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            if !state.started { state.acceptorRunning = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "chorus.http.accept"
        thread.start()
    }

    /// Stops taking connections, closes idle ones and event streams, lets requests in flight finish (their
    /// answers say `Connection: close`); after ``grace``, connections still open are cut. Idempotent.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(stopPipe.write, &byte, 1)
        listener.shutdownBoth()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(Socket.milliseconds(grace)))) { [self] in
            let remaining = state.withLock { Array($0.connections.values) }
            remaining.forEach { $0.shutdownBoth() }
            finishIfStopped(force: true)
        }
        finishIfStopped(force: false)
    }

    /// How many connections are open now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Waits until the server has stopped.
    public func stopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.closed { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Blocks the calling thread until the server has stopped (for synchronous callers: a command's main
    /// thread).
    public func waitUntilStopped() {
        let semaphore = DispatchSemaphore(value: 0)
        let done = state.withLock { state -> Bool in
            if state.closed { return true }
            state.blockedWaiters.append(semaphore)
            return false
        }
        if !done { semaphore.wait() }
    }

    private func finishIfStopped(force: Bool) {
        let (waiters, blocked) = state.withLock { state -> ([CheckedContinuation<Void, Never>], [DispatchSemaphore]) in
            guard state.stopping, !state.closed, force || (state.connections.isEmpty && !state.acceptorRunning) else { return ([], []) }
            state.closed = true
            defer {
                state.waiters = []
                state.blockedWaiters = []
            }
            return (state.waiters, state.blockedWaiters)
        }
        waiters.forEach { $0.resume() }
        blocked.forEach { $0.signal() }
    }

    // MARK: Accepting

    private func acceptLoop() {
        defer {
            state.withLock { $0.acceptorRunning = false }
            finishIfStopped(force: false)
        }
        while true {
            switch listener.waitReadable(timeout: .seconds(3600), stop: stopPipe.read) {
            case .stopping: return
            case .timedOut: continue
            case .readable: break
            }
            guard let (client, remote) = listener.accept() else {
                if state.withLock({ $0.stopping }) { return }
                // EMFILE and the like: wait a moment rather than spin.
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM { usleep(50_000) }
                continue
            }
            let id = state.withLock { state -> Int? in
                guard !state.stopping, state.connections.count < limits.connections else { return nil }
                state.nextID += 1
                state.connections[state.nextID] = client
                return state.nextID
            }
            guard let id else {
                // Over the limit (or stopping): a short answer, never a thread.
                client.configure(writeTimeout: .milliseconds(200))
                _ = client.writeAll(Self.errorResponse(.serviceUnavailable, "too many connections; try again shortly",
                                                       extra: [("Retry-After", "2")]))
                client.close()
                log("connection refused", [("reason", "connection limit"), ("limit", String(limits.connections)), ("client", remote)])
                continue
            }
            let thread = Thread { [self] in
                HTTPConnection(server: self, socket: client, remote: remote).serve()
                state.withLock { _ = $0.connections.removeValue(forKey: id) }
                client.close()
                finishIfStopped(force: false)
            }
            thread.name = "chorus.http.connection"
            thread.start()
        }
    }

    // MARK: For connections

    var isStopping: Bool { state.withLock { $0.stopping } }
    var stopDescriptor: Int32 { stopPipe.read }
    func respond(to request: HTTPRequest) -> HTTPResponse { handler.respond(to: request) }
    func note(_ message: String, _ fields: [(String, String)]) { log(message, fields) }
    func nextStreamID() -> Int { state.withLock { state in state.nextID += 1; return state.nextID } }

    /// A complete answer the server itself makes (errors, limits): plain text, no caching, nothing to run.
    static func errorResponse(_ status: HTTPStatus, _ text: String, extra: [(String, String)] = []) -> [UInt8] {
        var headers: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff",
                                    "Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"]
        for (name, value) in extra { headers.add(name, value) }
        let response = HTTPResponse(status: status, headers: headers, body: .bytes(Array((text + "\n").utf8)))
        return response.wire(keepAlive: false, isHead: false)
    }
}
