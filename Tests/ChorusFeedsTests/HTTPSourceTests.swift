import ChorusCore
import Foundation
import Testing
import TestSupport
@testable import ChorusFeeds

@Suite struct HTTPSourceTests {
    static func gdacs(items: Int) throws -> Data {
        // The sample with only its first `items` items.
        var text = try #require(String(data: try Fixtures.data("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml"), encoding: .utf8))
        var parts = text.components(separatedBy: "<item>")
        let tail = try #require(parts.last?.components(separatedBy: "</item>").last)
        parts = Array(parts.prefix(items + 1))
        text = parts.joined(separator: "<item>")
        if items < 4 { text = text.components(separatedBy: "</item>").dropLast().joined(separator: "</item>") + "</item>" + tail }
        return Data(text.utf8)
    }

    @Test func conditionalGetErrorsAndOnlyNewItems() async throws {
        let two = try Self.gdacs(items: 2)
        let four = try Self.gdacs(items: 4)
        let server = try TestHTTPServer(script: [
            .respond(status: 200, headers: ["ETag": "\"v1\"", "Last-Modified": "Mon, 30 Dec 2019 01:35:11 GMT"], body: two),
            .respond(status: 304, headers: [:], body: Data()),
            .respond(status: 500, headers: [:], body: Data("boom".utf8)),
            .respond(status: 200, headers: ["ETag": "\"v2\""], body: four),
        ])
        defer { server.stop() }
        let source = try HTTPSource(
            name: "gdacs",
            configuration: .init(url: server.url, interval: .milliseconds(50), timeout: .seconds(5),
                                 initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200), jitterSeed: 1),
            parser: try Fixtures.parser())

        let first = try await withTimeout(120) { try await source.next() }
        #expect(first?.result.events.map(\.id) == ["TC1000643-1", "EQ1199929-1287798"])
        #expect(first?.origin == server.url.absoluteString)

        // 304, then 500, then a 200 with two items seen before and two new ones: only the new are forwarded.
        let second = try await withTimeout(120) { try await source.next() }
        #expect(second?.result.events.map(\.id) == ["DR1013682-1", "DR1013588-1"])
        let requests = server.receivedRequests
        #expect(requests.count == 4)
        #expect(requests[0].headers["if-none-match"] == nil)
        #expect(requests[1].headers["if-none-match"] == "\"v1\"")
        #expect(requests[1].headers["if-modified-since"] == "Mon, 30 Dec 2019 01:35:11 GMT")
        #expect(requests[3].headers["if-none-match"] == "\"v1\"")  // a failure does not forget the ETag
        #expect(await source.lastError == nil)
        #expect(await source.consecutiveFailures == 0)
        #expect(await source.status().lastSuccess != nil)

        // A restart with the stored cursor remembers what was seen, across a 200 without an ETag.
        let cursor = try #require(second?.cursor)
        #expect(cursor.json.contains("\"etag\":\"\\\"v2\\\"\""))
        server.append(.respond(status: 200, headers: [:], body: four))
        let restarted = try HTTPSource(
            name: "gdacs", configuration: .init(url: server.url, interval: .milliseconds(50), timeout: .seconds(5)),
            parser: try Fixtures.parser(), cursor: cursor)
        let nothingNew = try? await withTimeout(0.5) { try await restarted.next() }
        #expect(nothingNew == nil)
        #expect(server.receivedRequests.count >= 5)
        #expect(server.receivedRequests[4].headers["if-none-match"] == "\"v2\"")
        await restarted.close()
        await source.close()
    }

    @Test func hangingServerTimesOutAndRecovers() async throws {
        let server = try TestHTTPServer(script: [
            .hang,
            .respond(status: 200, headers: [:], body: try Self.gdacs(items: 1)),
        ])
        defer { server.stop() }
        let source = try HTTPSource(
            name: "slow",
            configuration: .init(url: server.url, interval: .seconds(60), timeout: .seconds(1),
                                 initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1), jitterSeed: 7),
            parser: try Fixtures.parser())
        let started = ContinuousClock.now
        let delivery = try await withTimeout(120) { try await source.next() }
        let elapsed = ContinuousClock.now - started
        #expect(delivery?.result.events.map(\.id) == ["TC1000643-1"])
        #expect(elapsed >= .milliseconds(900))
        #expect(server.receivedRequests.count == 2)
        await source.close()
    }

    @Test func oversizedResponseIsAFailureThenRecovers() async throws {
        let server = try TestHTTPServer(script: [
            .respond(status: 200, headers: [:], body: Data(repeating: 0x20, count: 200_000)),
            .respond(status: 200, headers: [:], body: Data("{\"id\":\"small\"}\n".utf8)),
        ])
        defer { server.stop() }
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 1000)
        let source = try HTTPSource(
            name: "big",
            configuration: .init(url: server.url, timeout: .seconds(5), initialBackoff: .milliseconds(50), jitterSeed: 2),
            parser: FeedParser(options: options))
        let delivery = try await withTimeout(120) { try await source.next() }
        #expect(delivery?.result.events.map(\.id) == ["small"])
        #expect(server.receivedRequests.count == 2)
        await source.close()
    }

    /// A slow loris: headers at once, then a byte every 200 ms of a body that would take hours. URLSession's
    /// own timeout only watches for silence; the poll's total deadline cuts it off, the failure is in the
    /// status with its backoff, and the next poll delivers.
    @Test func aSlowLorisHitsTheTotalDeadline() async throws {
        let server = try TestHTTPServer(script: [
            .dribble(status: 200, headers: [:], body: Data(repeating: 0x20, count: 100_000), interval: 0.2),
            .respond(status: 200, headers: [:], body: Data("{\"id\":\"after\"}\n".utf8)),
        ])
        defer { server.stop() }
        let source = try HTTPSource(
            name: "loris",
            configuration: .init(url: server.url, interval: .seconds(60), timeout: .seconds(2),
                                 initialBackoff: .seconds(2), maximumBackoff: .seconds(2), jitterSeed: 5),
            parser: try Fixtures.parser())
        let started = ContinuousClock.now
        let waiting = Task { try await source.next() }
        // While it fails, the status says so: failing since, the reason, when it retries.
        let status = try await withTimeout(120) { () async -> SourceStatus in
            while true {
                let status = await source.status()
                if status.lastError != nil || status.failures > 0 { return status }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(status.lastError == "no complete answer within 2 s", "\(status)")
        #expect(status.lastFailure == "no complete answer within 2 s" && status.failures == 1, "\(status)")
        #expect(status.failingSince != nil && status.retryAt != nil)
        #expect(ContinuousClock.now - started >= .milliseconds(1900))
        let delivery = try await withTimeout(120) { try await waiting.value }
        #expect(delivery?.result.events.map(\.id) == ["after"])
        #expect(await source.status().lastError == nil)
        await source.close()
    }

    /// 64 MB in chunked encoding (no Content-Length to refuse up front) against a 10 MB limit: cut off at the
    /// limit, a failure, then the next poll delivers.
    @Test func anEndlessChunkedAnswerIsCutAtTheLimit() async throws {
        let server = try TestHTTPServer(script: [
            .chunked(bytes: 64 << 20),
            .respond(status: 200, headers: [:], body: Data("{\"id\":\"small\"}\n".utf8)),
        ])
        defer { server.stop() }
        let source = try HTTPSource(
            name: "chunked",
            configuration: .init(url: server.url, timeout: .seconds(30), initialBackoff: .milliseconds(50), jitterSeed: 6),
            parser: try Fixtures.parser())
        let delivery = try await withTimeout(120) { try await source.next() }
        #expect(delivery?.result.events.map(\.id) == ["small"])
        #expect(server.receivedRequests.count == 2)
        await source.close()
    }

    @Test func redirectToAFileIsNotFollowed() async throws {
        let server = try TestHTTPServer(script: [
            .respond(status: 302, headers: ["Location": "file:///etc/passwd"], body: Data()),
            .respond(status: 200, headers: [:], body: Data("{\"id\":\"after\"}\n".utf8)),
        ])
        defer { server.stop() }
        let source = try HTTPSource(
            name: "redirect",
            configuration: .init(url: server.url, timeout: .seconds(5), initialBackoff: .milliseconds(50), jitterSeed: 4),
            parser: try Fixtures.parser())
        let delivery = try await withTimeout(120) { try await source.next() }
        #expect(delivery?.result.events.map(\.id) == ["after"])
        #expect(!(delivery.map { String(decoding: $0.document, as: UTF8.self) } ?? "").contains("root:"))
        #expect(server.receivedRequests.count == 2)
        await source.close()
    }

    @Test func backoffIsCappedExponentialWithJitter() {
        var generator = SeededGenerator(seed: 3)
        for failures in 1...12 {
            let ceiling = min(60.0, pow(2, Double(failures - 1)))
            let delay = HTTPSource.seconds(HTTPSource.backoff(
                afterFailures: failures, retryAfter: nil, initial: .seconds(1), maximum: .seconds(60), using: &generator))
            #expect(delay >= ceiling / 2 - 0.001 && delay <= ceiling + 0.001, "after \(failures) failures: \(delay)")
        }
        let floored = HTTPSource.backoff(afterFailures: 1, retryAfter: .seconds(30), initial: .seconds(1),
                                         maximum: .seconds(60), using: &generator)
        #expect(floored == .seconds(30))
        let capped = HTTPSource.backoff(afterFailures: 1, retryAfter: .seconds(3600), initial: .seconds(1),
                                        maximum: .seconds(60), using: &generator)
        #expect(capped == .seconds(60))
    }

    @Test func refusesNonHTTPURLs() throws {
        #expect(throws: SourceError.self) {
            try HTTPSource(name: "f", configuration: .init(url: URL(fileURLWithPath: "/etc/passwd")), parser: try Fixtures.parser())
        }
    }

    @Test func keysAreStable() {
        #expect(HTTPSource.key("event|a|-") == HTTPSource.key("event|a|-"))
        #expect(HTTPSource.key("event|a|-") != HTTPSource.key("event|b|-"))
        #expect(HTTPSource.key("").count == 16)
    }
}
