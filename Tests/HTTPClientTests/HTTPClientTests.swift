import Foundation
import HTTPClient
import Synchronization
import Testing
import TestSupport

/// The client's bounds against the tests' HTTP server: the total deadline on a trickling answer, the size
/// limit on an endless one, redirects to http only, cancellation, and errors that never name the URL.
@Suite struct HTTPClientTests {
    static func get(_ url: URL, timeout: Duration = .seconds(5), limit: Int = 1 << 20) -> HTTPClientRequest {
        HTTPClientRequest(url: url, timeout: timeout, maximumBodyBytes: limit, followsRedirects: true)
    }

    @Test func answersWithStatusHeadersAndBody() async throws {
        let server = try TestHTTPServer(script: [.respond(status: 200, headers: ["ETag": "\"v1\""], body: Data("hello".utf8))])
        defer { server.stop() }
        var request = Self.get(server.url)
        request.headers = ["If-None-Match": "\"v0\""]
        let response = try await HTTPClient.perform(request)
        #expect(response.status == 200)
        #expect(response.header("etag") == "\"v1\"")
        #expect(response.body == Data("hello".utf8))
        let received = try #require(server.receivedRequests.first)
        #expect(received.line == "GET /feed.xml HTTP/1.1")
        #expect(received.headers["if-none-match"] == "\"v0\"")
        #expect(received.headers["user-agent"] == "chorus")
        #expect(received.headers["accept-encoding"] == "gzip")
    }

    @Test func postsABodyWithoutWaitingFor100Continue() throws {
        let server = try TestHTTPServer(script: [.status(204)])
        defer { server.stop() }
        let body = Data(repeating: 0x61, count: 200_000)
        let started = ContinuousClock.now
        let result = HTTPClient.performBlocking(HTTPClientRequest(
            url: server.url(path: "/hook"), method: .post, headers: ["Content-Type": "text/plain", "Idempotency-Key": "k1"],
            body: body, timeout: .seconds(5), maximumBodyBytes: 1000, followsRedirects: false))
        #expect(try result.get().status == 204)
        #expect(ContinuousClock.now - started < .milliseconds(900))
        let received = try #require(server.receivedRequests.first)
        #expect(received.line == "POST /hook HTTP/1.1")
        #expect(received.body == body)
        #expect(received.headers["idempotency-key"] == "k1")
    }

    /// A byte every 200 ms: the total deadline ends it, and the thread waits in poll() meanwhile — the
    /// process's CPU time over the fetch stays a small part of its wall time (URLSession used a whole core).
    @Test func aTricklingAnswerEndsAtTheDeadlineWithoutSpinning() throws {
        let server = try TestHTTPServer(script: [
            .dribble(status: 200, headers: [:], body: Data(repeating: 0x20, count: 100_000), interval: 0.2),
        ])
        defer { server.stop() }
        let cpuBefore = Self.threadCPUSeconds()
        let started = ContinuousClock.now
        let result = HTTPClient.performBlocking(Self.get(server.url, timeout: .seconds(2)))
        let wall = HTTPClient.secondsForTests(ContinuousClock.now - started)
        let cpu = Self.threadCPUSeconds() - cpuBefore
        #expect(result.failure == .timedOut(.seconds(2)))
        #expect(result.failure?.description == "no complete answer within 2 s")
        #expect(wall >= 1.9 && wall < 10, "\(wall) s")
        // The CPU time of this thread, which performed the transfer: libcurl's loop ran on it.
        #expect(cpu < 0.2 * wall, "\(cpu) s of CPU in \(wall) s")
    }

    @Test func anAnnouncedOrEndlessBodyBeyondTheLimitIsRefused() throws {
        let server = try TestHTTPServer(script: [
            .respond(status: 200, headers: [:], body: Data(repeating: 0x20, count: 20_000)),
            .chunked(bytes: 64 << 20),
        ])
        defer { server.stop() }
        let announced = HTTPClient.performBlocking(Self.get(server.url, limit: 10_000))
        #expect(announced.failure == .tooLarge(limit: 10_000))
        let chunked = HTTPClient.performBlocking(Self.get(server.url, timeout: .seconds(30), limit: 1 << 20))
        #expect(chunked.failure == .tooLarge(limit: 1 << 20))
        #expect(chunked.failure?.description == "the response is larger than the limit of 1048576 bytes")
    }

    @Test func redirectsAreFollowedToHTTPOnly() throws {
        let target = try TestHTTPServer(script: [.respond(status: 200, headers: [:], body: Data("there".utf8))])
        defer { target.stop() }
        let server = try TestHTTPServer(script: [
            .respond(status: 302, headers: ["Location": target.url.absoluteString], body: Data()),
            .respond(status: 302, headers: ["Location": "file:///etc/passwd"], body: Data()),
            .respond(status: 302, headers: ["Location": target.url.absoluteString], body: Data()),
        ])
        defer { server.stop() }
        #expect(try HTTPClient.performBlocking(Self.get(server.url)).get().body == Data("there".utf8))
        let file = HTTPClient.performBlocking(Self.get(server.url))
        guard case .redirect = file.failure else {
            Issue.record("a redirect to file: was \(file)")
            return
        }
        // A POST never follows: the 3xx is the answer.
        let post = HTTPClient.performBlocking(HTTPClientRequest(
            url: server.url, method: .post, body: Data("x".utf8), timeout: .seconds(5), maximumBodyBytes: 100, followsRedirects: false))
        #expect(try post.get().status == 302)
    }

    /// Cancelled from another thread while the server never answers: the transfer ends within a second or
    /// so. (On a thread of its own, not in a task: under the full test run the two threads of the pool are
    /// often all taken by blocking tests, and a task could wait a minute to start.)
    @Test func cancellationEndsAHangingRequestWithinASecond() throws {
        let server = try TestHTTPServer(script: [.hang])
        defer { server.stop() }
        let cancellation = HTTPCancellation()
        let outcome = Outcome()
        let request = Self.get(server.url, timeout: .seconds(60))
        let thread = Thread {
            let result = HTTPClient.performBlocking(request, cancellation: cancellation)
            outcome.value.withLock { $0 = result }
        }
        thread.start()
        #expect(server.waitForRequests(1, timeout: 60))
        let asked = Date()
        cancellation.cancel()
        while outcome.value.withLock({ $0 }) == nil, Date().timeIntervalSince(asked) < 30 { Thread.sleep(forTimeInterval: 0.01) }
        #expect(Date().timeIntervalSince(asked) < 5)
        #expect(outcome.value.withLock { $0 }?.failure == .cancelled)
    }

    @Test func errorsNeverNameTheURLOrItsPassword() throws {
        // A port nobody listens on: connection refused.
        let server = try TestHTTPServer()
        let port = server.port
        server.stop()
        let url = try #require(URL(string: "http://user:s3cr%40t@127.0.0.1:\(port)/feed?token=t0ken"))
        let failure = try #require(HTTPClient.performBlocking(Self.get(url)).failure)
        guard case .unreachable = failure else {
            Issue.record("not unreachable: \(failure)")
            return
        }
        for secret in ["s3cr", "t0ken", "user", "127.0.0.1"] {
            #expect(!failure.description.contains(secret), "\(failure)")
        }
    }

    /// The calling thread's CPU time (`RUSAGE_THREAD`: other suites run in this process meanwhile).
    static func threadCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(1 /* RUSAGE_THREAD, which Glibc does not export to Swift */, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// A result handed from the transfer's thread to the test's.
final class Outcome: Sendable {
    let value = Mutex<Result<HTTPClientResponse, HTTPClientError>?>(nil)
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension HTTPClient {
    static func secondsForTests(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
