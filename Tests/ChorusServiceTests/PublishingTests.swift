@testable import ChorusService
import Foundation
import Testing
import TestSupport

/// The publishers without a database: addresses as they may be shown, retry waits, the configuration's
/// webhooks and delivery settings, and what the webhook publisher makes of each kind of answer.
struct PublishingTests {
    func load(_ text: String) throws -> ChorusConfiguration { try DaemonUnitTests().load(text) }

    @Test(arguments: [
        ("https://user:hunter2@hooks.example:8443/services/T0/B0/s3cr3t?token=abc#f", "https://hooks.example:8443"),
        ("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080"),
        ("HTTPS://Publisher.Example/x", "https://publisher.example"),
        ("https://hooks.example", "https://hooks.example"),
    ])
    func anAddressKeepsOnlyItsSchemeHostAndPort(url: String, shown: String) throws {
        #expect(PublisherAddress.redacted(try #require(URL(string: url))) == shown)
    }

    @Test func onlyHTTPAddressesWithAHostAreWebhooks() {
        #expect(PublisherAddress.webURL("https://hooks.example/x") != nil)
        for bad in ["file:///etc/passwd", "ftp://example.org/x", "https:///nohost", "not a url", "mailto:a@b.c"] {
            #expect(PublisherAddress.webURL(bad) == nil, "\(bad)")
        }
    }

    @Test func retriesWaitTwiceAsLongEachTimeUpToTheCap() {
        let policy = DeliveryPolicy(maxAttempts: 9, retryDelay: .seconds(1), maximumDelay: .seconds(60))
        #expect((1...8).map(policy.delay(afterAttempts:)) == [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(policy.delay(afterAttempts: 500) == .seconds(60))
        #expect(DeliveryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func theConfigurationsWebhooksAndDeliveryAreRead() throws {
        let configuration = try load("""
            { webhooks: { "il-mfa": "https://user:token@hooks.example/il" },
              delivery: { maxAttempts: 3, retryDelay: "250ms", maxDelay: "10s", timeout: "2s" } }
            """)
        #expect(configuration.delivery == DeliveryPolicy(maxAttempts: 3, retryDelay: .milliseconds(250), maximumDelay: .seconds(10),
                                                         timeout: .seconds(2)))
        let publishers = configuration.publishers(extraWebhooks: ["de-aa": try #require(URL(string: "http://localhost:1/x"))])
        #expect(publishers.map(\.name) == ["webhook"])
        #expect(publishers.first?.audiences == ["de-aa", "il-mfa"])
        #expect(publishers.first?.destination(for: "il-mfa") == "https://hooks.example")
        #expect(try load("{}").publishers().isEmpty)
    }

    @Test(arguments: [
        (#"{ webhooks: { "il-mfa": "ftp://user:hunter2@example.org" } }"#, ":1:25: not an http or https URL with a host"),
        (#"{ delivery: { maxAttempts: 0 } }"#, ":1:28: expected a whole number from 1 to 100"),
        (#"{ delivery: { timeout: "0s" } }"#, ":1:24: more than 0 and at most 2m"),
        (#"{ delivery: { retries: 3 } }"#, ":1:15: unknown field 'retries'"),
    ])
    func mistakesAreNamedWithoutRepeatingTheURL(text: String, message: String) {
        do {
            _ = try load(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    func attempt(_ behaviour: TestHTTPServer.Behaviour, timeout: Duration = .seconds(5)) throws -> (PublicationOutcome, [TestHTTPServer.Request]) {
        let server = try TestHTTPServer(script: [behaviour])
        defer { server.stop() }
        let publisher = WebhookPublisher(routes: ["p": server.url(path: "/hook")], timeout: timeout)
        let outcome = publisher.publish(PublicationMessage(audience: "p", idempotencyKey: "key-1", body: Data(#"{"a":1}"#.utf8)))
        return (outcome, server.receivedRequests)
    }

    @Test func aTwoHundredDeliversWithTheKeyAndTheBody() throws {
        let (outcome, requests) = try attempt(.status(204))
        #expect(outcome == PublicationOutcome(statusCode: 204, failure: nil))
        let request = try #require(requests.first)
        #expect(request.line.hasPrefix("POST /hook "))
        #expect(request.headers["idempotency-key"] == "key-1")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.body == Data(#"{"a":1}"#.utf8))
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsAFailureAndIsNotFollowed(status: Int) throws {
        let (outcome, requests) = try attempt(.status(status, headers: ["Location": "http://127.0.0.1:9/elsewhere"]))
        #expect(outcome.failure == .redirect(status))
        #expect(requests.count == 1)
    }

    @Test(arguments: [400, 401, 404, 429, 500, 503])
    func anErrorStatusIsAFailure(status: Int) throws {
        #expect(try attempt(.status(status)).0.failure == .status(status))
    }

    @Test func noAnswerInTimeIsATimeout() throws {
        let (outcome, _) = try attempt(.hang, timeout: .seconds(1))
        #expect(outcome.failure == .timedOut(seconds: 1))
    }

    @Test func aHostThatRefusesAndAnUnknownAudienceAreFailures() throws {
        let server = try TestHTTPServer()
        let port = server.port
        server.stop()
        let publisher = WebhookPublisher(routes: ["p": try #require(URL(string: "http://127.0.0.1:\(port)/hook"))], timeout: .seconds(2))
        let refused = publisher.publish(PublicationMessage(audience: "p", idempotencyKey: "k", body: Data()))
        #expect(refused.failure == .unreachable)
        #expect(refused.failure?.description.contains("127.0.0.1") == false)
        #expect(publisher.publish(PublicationMessage(audience: "other", idempotencyKey: "k", body: Data())).failure == .noDestination)
    }
}
