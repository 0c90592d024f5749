import Foundation
import Synchronization

/// Feeds the open event streams of one kind of response (the console's live updates).
public protocol EventStreamSource: Sendable {
    /// A client connected: send it events until ``detach(_:)``.
    func attach(_ stream: EventStream)
    /// The client left, the server is stopping, or a write failed: forget `stream`.
    func detach(_ stream: EventStream)
}

/// One open `text/event-stream` response (server-sent events). Thread-safe: any thread may send; a send
/// that fails (the client left or stopped reading for longer than the write timeout) closes the stream.
public final class EventStream: Sendable, Hashable {
    private let socket: Socket
    private let state = Mutex(false)
    /// A number of the stream's own, for logs and for telling streams apart.
    public let id: Int
    /// The request that opened it (its path, query and cookies tell what the client wants).
    public let request: HTTPRequest

    init(socket: Socket, id: Int, request: HTTPRequest) {
        self.socket = socket
        self.id = id
        self.request = request
    }

    /// Sends one event (`event:` and `id:` when given; `data` split into `data:` lines). Returns whether it
    /// went out.
    @discardableResult
    public func send(event: String? = nil, data: String, id: String? = nil) -> Bool {
        var text = ""
        if let event, !event.contains(where: \.isNewline) { text += "event: \(event)\n" }
        if let id, !id.contains(where: \.isNewline) { text += "id: \(id)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line.filter { $0 != "\r" })\n"
        }
        return write(text + "\n")
    }

    /// A comment line: keeps proxies from closing an idle stream, and finds clients that are gone.
    @discardableResult
    public func sendComment(_ comment: String = "") -> Bool {
        write(": \(comment.filter { !$0.isNewline })\n\n")
    }

    /// Whether the stream is still open.
    public var isOpen: Bool { !state.withLock { $0 } }

    /// Closes the stream (the connection ends).
    public func close() {
        // Under the lock, so that the connection's thread — which closes the descriptor after this — never
        // races a shutdown or a write onto a descriptor number that a new connection has taken.
        state.withLock { closed in
            if !closed { socket.shutdownBoth() }
            closed = true
        }
    }

    private func write(_ text: String) -> Bool {
        let sent = state.withLock { closed -> Bool in
            guard !closed else { return false }
            return socket.writeAll(Array(text.utf8))
        }
        if !sent { close() }
        return sent
    }

    public static func == (lhs: EventStream, rhs: EventStream) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
