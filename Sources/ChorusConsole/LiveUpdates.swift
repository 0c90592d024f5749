import ChorusHTTP
import ChorusStore
import Dispatch
import Foundation
import Postgres
import Synchronization

/// Live updates for open console pages: one connection LISTENs on `chorus_review` (every review function
/// and the pipeline notify it with the bundle ids they changed), and each notification goes out at once as
/// a server-sent event to every open stream — `event: bundle`, the ids as data. A page that hears about its
/// own bundle, or the queue, fetches itself again.
///
/// Each stream is written from a serial queue of its own, so a client that stops reading delays nobody
/// else (and is dropped after the server's write timeout). After the listening connection was lost and
/// came back, every stream gets `event: resync`: notifications may have been missed.
final class LiveUpdates: EventStreamSource, Sendable {
    private let conninfo: String
    private let streams = Mutex<[EventStream: DispatchQueue]>([:])
    private let running = Mutex(true)
    private let log: @Sendable (String, [(String, String)]) -> Void

    /// The channel the review workflow notifies.
    static let channel = QueueWriter.notificationChannel

    init(conninfo: String, log: @escaping @Sendable (String, [(String, String)]) -> Void) {
        self.conninfo = conninfo
        self.log = log
    }

    /// Streams open now.
    var count: Int { streams.withLock { $0.count } }

    func attach(_ stream: EventStream) {
        let queue = DispatchQueue(label: "chorus.console.stream.\(stream.id)")
        streams.withLock { $0[stream] = queue }
        queue.async { stream.send(event: "hello", data: "listening") }
    }

    func detach(_ stream: EventStream) {
        _ = streams.withLock { $0.removeValue(forKey: stream) }
    }

    /// Sends `event` with `data` to every open stream.
    func broadcast(event: String, data: String) {
        for (stream, queue) in streams.withLock({ $0 }) {
            queue.async { stream.send(event: event, data: data) }
        }
    }

    /// Listens until ``stop()``, on a thread of its own (libpq blocks); reconnects with backoff.
    func start() {
        let thread = Thread { [self] in listen() }
        thread.name = "chorus.console.listen"
        thread.start()
    }

    func stop() {
        running.withLock { $0 = false }
        for stream in streams.withLock({ Array($0.keys) }) { stream.close() }
    }

    private var isRunning: Bool { running.withLock { $0 } }

    private func listen() {
        var backoff = 0.1
        var connection: Connection?
        var lostBefore = false
        while isRunning {
            do {
                let listener = try connection ?? Connection(conninfo)
                if connection == nil {
                    try listener.listen(Self.channel)
                    connection = listener
                    if lostBefore { broadcast(event: "resync", data: "") }
                }
                let reconnects = listener.reconnectCount
                let notifications = try listener.waitForNotifications(timeout: .milliseconds(500))
                if listener.reconnectCount != reconnects { broadcast(event: "resync", data: "") }
                let ids = Set(notifications.flatMap { $0.payload.split(separator: ",").compactMap { Int($0) } }).sorted()
                if !notifications.isEmpty {
                    broadcast(event: "bundle", data: ids.map(String.init).joined(separator: ","))
                }
                backoff = 0.1
            } catch {
                connection = nil
                if !lostBefore { log("live updates lost the database; reconnecting", [("error", String(describing: error))]) }
                lostBefore = true
                Thread.sleep(forTimeInterval: backoff * Double.random(in: 0.5...1.0))
                backoff = min(backoff * 2, 5)
            }
        }
    }
}
