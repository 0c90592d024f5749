import Foundation
import Testing
@testable import ChorusHTTP

/// The server over real sockets: keep-alive, pipelining, bodies, and every limit hit by a client that
/// misbehaves — oversized heads, slowloris, stalled bodies, too many connections — answered with its
/// status and the connection closed, while well-behaved clients go on being served.
@Suite struct HTTPServerTests {
    @Test func keepAliveAndPipelining() async throws {
        try await withServer { server in
            let client = try RawClient(port: server.address.port)
            client.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two?a=1 HTTP/1.1\r\nHost: x\r\n\r\n")
            let both = client.read(until: "GET /two a=1")
            #expect(both.contains("GET /one  body="))
            #expect(both.contains("Connection: keep-alive"))
            client.send("POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
            let last = client.readAll()
            #expect(last.contains("POST /three  body=hello"))
            #expect(last.contains("Connection: close"))
        }
    }

    @Test func chunkedBodiesAndContinue() async throws {
        try await withServer { server in
            let client = try RawClient(port: server.address.port)
            client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
            #expect(client.read(until: "100 Continue").hasPrefix("HTTP/1.1 100 Continue"))
            client.send("3\r\nabc\r\n0\r\n\r\n")
            #expect(client.read(until: "body=abc").contains("POST /c  body=abc"))
        }
    }

    @Test func headRequestsHaveNoBody() async throws {
        try await withServer { server in
            let client = try RawClient(port: server.address.port)
            client.send("HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = client.readAll()
            #expect(answer.contains("Content-Length: "))
            #expect(!answer.contains("body="))
        }
    }

    /// Garbage of every kind gets its status and a closed connection — and the server serves the next client.
    @Test(arguments: [
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: x\r\nBig: " + String(repeating: "v", count: 9000) + "\r\n\r\n", 431),
        ("GET / HTTP/1.1\r\nHost: x\r\n" + (0..<70).map { "H\($0): v\r\n" }.joined() + "\r\n", 431),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
        ("GET /%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /\u{00}x HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{FC}\u{03}\u{03}\r\n\r\n", 400),   // a TLS ClientHello
        ("GET / HTTP/3\r\nHost: x\r\n\r\n", 505),
        ("BREW /pot HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", 417),
    ] as [(String, Int)])
    func garbageIsRefused(_ request: String, _ expected: Int) async throws {
        try await withServer { server in
            let client = try RawClient(port: server.address.port)
            client.send(request)
            let answer = client.readAll(timeout: 10)
            #expect(status(of: answer) == expected, "\(answer.prefix(80))")
            #expect(answer.contains("Connection: close"))
            #expect(answer.contains("Content-Security-Policy: default-src 'none'"))
            #expect(client.isClosed(within: 5))
            let next = try RawClient(port: server.address.port)
            next.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(status(of: next.readAll()) == 200)
        }
    }

    @Test func randomBytesNeverCrashTheServer() async throws {
        var generator = SystemRandomNumberGenerator()
        try await withServer(limits: HTTPLimits(headTimeout: .milliseconds(300))) { server in
            for _ in 0..<40 {
                let client = try RawClient(port: server.address.port)
                let count = Int.random(in: 1...3000, using: &generator)
                var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if Bool.random(using: &generator) { bytes += Array("\r\n\r\n".utf8) }
                client.send(bytes)
                let answer = client.readAll(timeout: 3)
                // Either refused with a status, or (no blank line ever came) timed out with 408.
                #expect(answer.isEmpty || [400, 408, 414, 431, 505].contains(status(of: answer) ?? 0), "\(answer.prefix(40))")
            }
            let next = try RawClient(port: server.address.port)
            next.send("GET /still-up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(next.readAll().contains("GET /still-up"))
        }
    }

    /// Slowloris: a head that trickles in never holds the connection past the head deadline.
    @Test func slowHeadsTimeOut() async throws {
        try await withServer(limits: HTTPLimits(headTimeout: .milliseconds(800))) { server in
            let client = try RawClient(port: server.address.port)
            let started = Date()
            var answer = ""
            for byte in Array(("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + String(repeating: "a", count: 200)).utf8) {
                client.send([byte])
                answer = client.read(until: "HTTP/1.1", timeout: 0.05)
                if !answer.isEmpty { break }
            }
            #expect(status(of: answer) == 408)
            #expect(Date().timeIntervalSince(started) < 8)
            #expect(client.isClosed(within: 3))
        }
    }

    @Test func stalledBodiesTimeOut() async throws {
        try await withServer(limits: HTTPLimits(bodyTimeout: .milliseconds(500))) { server in
            let client = try RawClient(port: server.address.port)
            client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            #expect(status(of: client.readAll(timeout: 5)) == 408)
        }
    }

    @Test func idleConnectionsAreClosed() async throws {
        try await withServer(limits: HTTPLimits(headTimeout: .milliseconds(400), idleTimeout: .milliseconds(400))) { server in
            let silent = try RawClient(port: server.address.port)
            #expect(silent.isClosed(within: 5))
            let client = try RawClient(port: server.address.port)
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(status(of: client.read(until: "body=")) == 200)
            #expect(client.isClosed(within: 5))
        }
    }

    @Test func connectionLimit() async throws {
        // Long head deadlines: the three silent connections must stay however slowly this test runs.
        try await withServer(limits: HTTPLimits(headTimeout: .seconds(300), idleTimeout: .seconds(300), connections: 3)) { server in
            let held = try (0..<3).map { _ in try RawClient(port: server.address.port) }
            // Wait until the server has taken all three (a loaded machine may take a while) — on this thread,
            // not by sleeping the task: a busy cooperative pool would stretch each sleep past the deadline.
            let deadline = Date().addingTimeInterval(300)
            while server.connectionCount < 3, Date() < deadline { usleep(10_000) }
            try #require(server.connectionCount == 3)
            let refused = try RawClient(port: server.address.port)
            let answer = refused.readAll(timeout: 30)
            #expect(status(of: answer) == 503)
            #expect(answer.contains("Retry-After"))
            _ = held
        }
    }

    @Test func requestsPerConnection() async throws {
        try await withServer(limits: HTTPLimits(requestsPerConnection: 2)) { server in
            let client = try RawClient(port: server.address.port)
            client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = client.readAll()
            #expect(answer.components(separatedBy: "HTTP/1.1 200").count == 3)
            #expect(answer.hasSuffix("GET /2  body="))
            #expect(answer.contains("Connection: close"))
        }
    }

    /// A stop lets the request in flight finish (with `Connection: close`) and closes idle connections.
    @Test func gracefulShutdown() async throws {
        let gate = Gate()
        let server = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0), grace: .seconds(60),
                                    handler: EchoHandler(gate: gate))
        // Serving starts and stops here, not when a task gets its turn: a loaded machine's cooperative pool
        // may be busy with other tests for longer than this test waits. `run()` returns once it has stopped.
        server.start()
        let running = Task { await server.run() }
        let idle = try RawClient(port: server.address.port)
        idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(status(of: idle.read(until: "body=", timeout: 60)) == 200)
        let busy = try RawClient(port: server.address.port)
        busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        // The request is in the handler when the server is told to stop, and finishes after.
        let deadline = Date().addingTimeInterval(300)
        while gate.entered == 0, Date() < deadline { usleep(10_000) }
        try #require(gate.entered == 1)
        server.stop()
        gate.open()
        let answer = busy.readAll(timeout: 30)
        #expect(answer.contains("GET /slow"))
        #expect(answer.contains("Connection: close"))
        #expect(idle.isClosed(within: 5))
        await running.value
        #expect(throws: ClientError.self) { _ = try RawClient(port: server.address.port) }
    }

    /// `run()` serves until its task is cancelled, then stops: the listening socket is closed.
    @Test func cancellingRunStops() async throws {
        let server = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0), handler: EchoHandler())
        let running = Task { await server.run() }
        running.cancel()
        await running.value
        #expect(throws: ClientError.self) { _ = try RawClient(port: server.address.port) }
    }

    @Test func eventStreams() async throws {
        let hub = TestHub()
        try await withServer(heartbeat: .milliseconds(200), handler: StreamHandler(hub: hub)) { server in
            let client = try RawClient(port: server.address.port)
            client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = client.read(until: "\r\n\r\n")
            #expect(head.contains("Content-Type: text/event-stream"))
            let deadline = Date().addingTimeInterval(10)
            while hub.streams.isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            hub.streams.first?.send(event: "bundle", data: "12\n13", id: "7")
            let event = client.read(until: "data: 13\n\n")
            #expect(event.contains("event: bundle\nid: 7\ndata: 12\ndata: 13\n\n"))
            #expect(client.read(until: ": \n\n", timeout: 3).contains(": \n\n"))
        }
        // Stopping the server closed the stream and detached it.
        #expect(hub.streams.isEmpty)
    }

    @Test func listenAddresses() {
        #expect(ListenAddress("127.0.0.1:8480") == ListenAddress(host: "127.0.0.1", port: 8480))
        #expect(ListenAddress("[::1]:80")?.host == "::1")
        #expect(ListenAddress("[::1]:80")?.isLoopback == true)
        #expect(ListenAddress("0.0.0.0:80")?.isLoopback == false)
        #expect(ListenAddress("localhost:80") == nil)
        #expect(ListenAddress("127.0.0.1") == nil)
        #expect(ListenAddress("127.0.0.1:99999") == nil)
        #expect(ListenAddress("::1:80") == nil)
    }
}

final class TestHub: EventStreamSource, @unchecked Sendable {
    // @unchecked: `attached` is touched only under `lock`.
    private let lock = NSLock()
    private var attached: [EventStream] = []
    var streams: [EventStream] { lock.withLock { attached } }
    func attach(_ stream: EventStream) { lock.withLock { attached.append(stream) } }
    func detach(_ stream: EventStream) { lock.withLock { attached.removeAll { $0 == stream } } }
}

struct StreamHandler: HTTPHandler {
    let hub: TestHub
    func respond(to request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(body: .eventStream(hub))
    }
}
