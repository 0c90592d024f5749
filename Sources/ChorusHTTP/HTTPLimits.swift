/// The hard limits of the console's HTTP server: every part of a request that a client controls is
/// bounded, in bytes, in count and in time. A request over a limit is answered with its status code
/// (414, 431, 413, 408, …) and the connection is closed; nothing beyond a limit is ever buffered.
public struct HTTPLimits: Sendable, Equatable {
    /// The request line (`GET /bundles/12?state=pending HTTP/1.1`), in bytes without its CRLF: 414 beyond.
    public var requestLineBytes: Int
    /// One header line, in bytes without its CRLF: 431 beyond.
    public var headerLineBytes: Int
    /// How many header lines (trailers of a chunked body included): 431 beyond.
    public var headerCount: Int
    /// The whole head — request line and headers — in bytes: 431 beyond.
    public var headBytes: Int
    /// The body, decoded (after chunking), in bytes: 413 beyond.
    public var bodyBytes: Int
    /// The longest chunk-size line of a chunked body (size and extensions), in bytes: 400 beyond.
    public var chunkLineBytes: Int
    /// From the first byte of a request until its head is complete (slowloris): 408 beyond.
    public var headTimeout: Duration
    /// From the end of the head until the body is complete: 408 beyond.
    public var bodyTimeout: Duration
    /// How long a kept-alive connection may wait for its next request before it is closed.
    public var idleTimeout: Duration
    /// How long one write may block on a client that does not read; the connection is closed beyond.
    public var writeTimeout: Duration
    /// Connections served at once (event streams included); one more is answered 503 and closed.
    public var connections: Int
    /// Requests on one kept-alive connection; the last is answered with `Connection: close`.
    public var requestsPerConnection: Int

    /// The console's limits: generous for people clicking on a phone, tight for anything else. The body
    /// holds a Facebook-length draft (63,206 characters of up to four bytes, form-encoded) and no more.
    public init(
        requestLineBytes: Int = 8 * 1024, headerLineBytes: Int = 8 * 1024, headerCount: Int = 64,
        headBytes: Int = 32 * 1024, bodyBytes: Int = 1024 * 1024, chunkLineBytes: Int = 1024,
        headTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(10),
        connections: Int = 256, requestsPerConnection: Int = 1000
    ) {
        self.requestLineBytes = requestLineBytes
        self.headerLineBytes = headerLineBytes
        self.headerCount = headerCount
        self.headBytes = headBytes
        self.bodyBytes = bodyBytes
        self.chunkLineBytes = chunkLineBytes
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.connections = connections
        self.requestsPerConnection = requestsPerConnection
    }
}
