import Dispatch

/// A connection for async code: every libpq call runs on a serial dispatch queue that belongs to this
/// client, never on Swift's cooperative thread pool, whose few threads must not block on the network.
///
/// ```swift
/// let client = PostgresClient(conninfo: conninfo, label: "pipeline")
/// let count = try await client.withConnection { connection in
///     try connection.query("SELECT count(*) AS n FROM chorus.events").first?.decode("n", as: Int.self)
/// }
/// ```
///
/// The connection opens on first use and reconnects after it breaks (see ``Connection``).
public final class PostgresClient: @unchecked Sendable {
    // @unchecked: `connection` is read and written only on `queue`, which serializes every use of it.
    private let queue: DispatchQueue
    private let conninfo: String
    private var connection: Connection?

    /// Creates a client; nothing connects until the first ``withConnection(_:)``.
    public init(conninfo: String, label: String) {
        self.conninfo = conninfo
        self.queue = DispatchQueue(label: "chorus.postgres.\(label)")
    }

    /// Runs `body` with the connection on the client's queue and returns its result.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.openConnection()) })
            }
        }
    }

    /// Closes the connection (after any work already queued).
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection?.close()
                self.connection = nil
                continuation.resume()
            }
        }
    }

    private func openConnection() throws -> Connection {
        if let connection { return connection }
        let opened = try Connection(conninfo)
        connection = opened
        return opened
    }
}
