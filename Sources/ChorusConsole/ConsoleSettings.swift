import ChorusHTTP
import Foundation

/// How the review console runs: where it listens, how people reach it, how long sessions last.
public struct ConsoleSettings: Sendable {
    /// Where the HTTP server listens (default `127.0.0.1:8480`: loopback, behind a TLS reverse proxy).
    public var listen: ListenAddress
    /// The address reviewers open, as the reverse proxy serves it (`https://chorus.example.org`): links in
    /// notifications, the origin that forms must come from, and — when it is `https` — `Secure` cookies
    /// and HSTS. Default: `http://` and the listening address.
    public var publicURL: URL {
        get { configuredURL ?? URL(string: "http://\(listen)") ?? URL(fileURLWithPath: "/") }
        set { configuredURL = newValue }
    }
    private var configuredURL: URL?
    /// A session ends this long after login, however active.
    public var sessionLifetime: Duration
    /// A session ends after this long without a request.
    public var idleTimeout: Duration
    /// Connections to PostgreSQL (the console's role) shared by the request threads.
    public var poolSize: Int
    /// The HTTP server's limits.
    public var limits: HTTPLimits

    public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8480), publicURL: URL? = nil,
                sessionLifetime: Duration = .seconds(12 * 3600), idleTimeout: Duration = .seconds(3600),
                poolSize: Int = 8, limits: HTTPLimits = HTTPLimits()) {
        self.listen = listen
        self.configuredURL = publicURL
        self.sessionLifetime = sessionLifetime
        self.idleTimeout = idleTimeout
        self.poolSize = poolSize
        self.limits = limits
    }

    /// Whether reviewers reach the console over TLS (cookies get `Secure`, responses HSTS).
    public var isSecure: Bool { publicURL.scheme == "https" }

    /// `scheme://host[:port]` of ``publicURL``, as browsers send it in `Origin`.
    var publicOrigin: String {
        var origin = "\(publicURL.scheme ?? "http")://\(publicURL.host ?? "")"
        if let port = publicURL.port { origin += ":\(port)" }
        return origin
    }

    /// The `Host` values the console answers: the public one, the listening address, and `localhost` on its
    /// port — anything else (DNS rebinding, a misrouted proxy) is refused.
    var acceptedHosts: Set<String> {
        var hosts: Set<String> = [listen.description, "localhost:\(listen.port)", "127.0.0.1:\(listen.port)", "[::1]:\(listen.port)"]
        if let host = publicURL.host {
            hosts.insert(publicURL.port.map { "\(host):\($0)" } ?? host)
            if publicURL.port == nil { hosts.insert(host + (isSecure ? ":443" : ":80")) }
        }
        return Set(hosts.map { $0.lowercased() })
    }
}
