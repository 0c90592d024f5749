import Foundation
import Postgres
import Synchronization

/// The console's connections to PostgreSQL, all as its own role (`chorus_console`), lent one at a time to
/// the request threads (which may block: they are the HTTP server's, never Swift's cooperative pool). A
/// connection that broke reconnects on its next statement.
final class ConsolePool: Sendable {
    private let conninfo: String
    private let available = Mutex<[Connection.Box]>([])
    private let slots: DispatchSemaphore
    /// How long a request waits for a connection before it is answered 503.
    let waitLimit: Duration

    init(conninfo: String, size: Int, waitLimit: Duration = .seconds(5)) {
        self.conninfo = conninfo
        self.slots = DispatchSemaphore(value: size)
        self.waitLimit = waitLimit
    }

    /// Why a request got no connection.
    struct Exhausted: Error {}

    /// Runs `body` with a connection of the pool.
    /// - Throws: ``Exhausted`` when none was free in time; what `body` or connecting threw.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        guard slots.wait(timeout: .now() + .milliseconds(Int(waitLimit.components.seconds * 1000))) == .success else {
            throw Exhausted()
        }
        defer { slots.signal() }
        let box = try available.withLock { $0.popLast() } ?? Connection.Box(try Self.connect(conninfo))
        defer { available.withLock { $0.append(box) } }
        return try body(box.connection)
    }

    /// A connection of the pool: it lives as long as the console and runs the same few statements for every
    /// page, so they are prepared once per connection (parsing and planning were a third of PostgreSQL's time
    /// per page: docs/BENCHMARKS.md, *Console*).
    static func connect(_ conninfo: String) throws -> Connection {
        let connection = try Connection(conninfo)
        connection.preparesStatements = true
        return connection
    }
}

extension Connection {
    /// A connection handed between threads, one at a time.
    final class Box: @unchecked Sendable {
        // @unchecked: a box is used by one request thread at a time — the pool hands it out under its lock
        // and takes it back when the request is done.
        let connection: Connection
        init(_ connection: Connection) { self.connection = connection }
    }
}
