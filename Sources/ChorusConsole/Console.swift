import ChorusCore
import ChorusHTTP
import ChorusStore
import Foundation
import Postgres
import Synchronization

/// The review console (PRODUCT.md §3, §8): a web server for reviewers on their phones at 3 a.m., on
/// ChorusHTTP. People log in as their PostgreSQL role — PostgreSQL checks the password —, their sessions
/// live in PostgreSQL, and everything they do runs as their own role inside their session
/// (``ConsoleSessionStore/acting(as:token:_:)``), so the database's workflow, privileges and audit apply
/// as they do in a terminal. Pages are plain HTML forms; JavaScript only adds live updates (server-sent
/// events from LISTEN/NOTIFY), the length count while editing, and local times.
public final class Console: Sendable {
    let settings: ConsoleSettings
    /// What every request checks, worked out once from ``settings`` (its computed properties parse the
    /// public URL: on every request, that was a sixth of the console's CPU — docs/BENCHMARKS.md, *Console*).
    let acceptedHosts: Set<String>
    let publicOrigin: String
    let isSecure: Bool
    /// The headers every answer carries, encoded once: nothing runs or loads from anywhere but here, nothing
    /// is framed, sniffed or referred (and HSTS over TLS).
    let securityHeaders: HTTPHeaderBlock
    let pool: ConsolePool
    let live: LiveUpdates
    let server: HTTPServer
    let throttle = LoginThrottle()
    /// Where the password check connects as a reviewer.
    let loginConninfo: @Sendable (_ user: String, _ password: String) throws -> String
    let log: @Sendable (String, [(String, String)]) -> Void

    /// Binds the listening socket now (so that a taken port fails here); serving starts with ``run()``.
    /// - Parameters:
    ///   - conninfo: where the console connects as its own role (`chorus_console`).
    ///   - loginConninfo: where to log in as a reviewer with a password (PostgreSQL checks it).
    public init(settings: ConsoleSettings, conninfo: String,
                loginConninfo: @escaping @Sendable (_ user: String, _ password: String) throws -> String,
                log: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) throws {
        self.pool = ConsolePool(conninfo: conninfo, size: settings.poolSize)
        self.live = LiveUpdates(conninfo: conninfo, log: log)
        self.loginConninfo = loginConninfo
        self.log = log
        let router = Router()
        self.server = try HTTPServer(address: settings.listen, limits: settings.limits, handler: router, log: log)
        // Port 0 asked the system for a port: the console answers at the one it got.
        var settings = settings
        settings.listen = server.address
        self.settings = settings
        self.acceptedHosts = settings.acceptedHosts
        self.publicOrigin = settings.publicOrigin
        self.isSecure = settings.isSecure
        self.securityHeaders = Self.securityHeaders(secure: settings.isSecure)
        router.console.withLock { $0 = self }
    }

    static func securityHeaders(secure: Bool) -> HTTPHeaderBlock {
        var fields: [(name: String, value: String)] = [
            ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts, and the
            // origin check needs the real one. Other sites never learn a console URL.
            ("Referrer-Policy", "same-origin"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if secure { fields.append(("Strict-Transport-Security", "max-age=31536000")) }
        return HTTPHeaderBlock(fields)
    }

    /// The address it listens on (the port the system chose, when asked for port 0).
    public var address: ListenAddress { server.address }

    /// Checks that the console's role is usable (connects, and is a member of `chorus_console`).
    /// - Throws: ``ConsoleError`` saying what to fix.
    public func checkDatabase() throws {
        try pool.withConnection { connection in
            let isConsole = try connection.query("SELECT chorus.is_console(current_user::text) AS ok")
                .first?.decode("ok", as: Bool.self) ?? false
            guard isConsole else {
                throw ConsoleError("the console connects as '\(connection.user)', which is no member of chorus_console: "
                                   + "connect as chorus_console (Deploy/roles.sql)")
            }
        }
    }

    /// Serves until the task is cancelled, then stops gracefully: live streams close, requests in flight
    /// finish.
    public func run() async {
        live.start()
        await server.run()
        live.stop()
    }

    /// Starts serving on threads of its own (for synchronous callers; ``run()`` does it for async ones).
    public func start() {
        live.start()
        server.start()
    }

    /// Stops serving (``run()`` returns); ``waitUntilStopped()`` waits for the requests in flight.
    public func stop() {
        live.stop()
        server.stop()
    }

    /// Blocks until a ``stop()`` has finished (requests in flight answered, or the grace period over).
    public func waitUntilStopped() { server.waitUntilStopped() }

    /// How many event streams are open (for tests and the benchmark).
    public var liveStreams: Int { live.count }
}

/// Why the console cannot run.
public struct ConsoleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

/// Hands requests to the console once it exists (the server is made before the console's init ends).
final class Router: HTTPHandler, Sendable {
    let console = Mutex<Console?>(nil)

    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let console = console.withLock({ $0 }) else { return .text("starting", status: .serviceUnavailable) }
        return ConsoleHandler(console: console).respond(to: request)
    }
}
