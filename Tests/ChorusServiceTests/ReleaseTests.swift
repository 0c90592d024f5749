import Foundation
import Postgres
import Testing
import TestSupport

/// The daemon's release service, through the real `chorus run`: an approved bundle is released when its
/// not-before comes and delivered to its webhook with nobody running `chorus outbox`; with two daemons, one
/// releases and delivers, and the other takes over when it dies; errors on the way carry no values.
struct ReleaseTests {
    /// Approves every pending draft, as a reviewer would (the owner's session: the review function).
    static func approveAll(_ harness: DaemonHarness) throws -> Int {
        let connection = try harness.connect()
        let ids = try connection.query("SELECT id FROM chorus.drafts WHERE state = 'pending' ORDER BY id").rows
            .map { try $0.decode("id", as: Int.self) }
        for id in ids { _ = try connection.query("SELECT chorus.approve_draft(\(id), NULL, 'looks right')") }
        return ids.count
    }

    static func configuration(webhook: URL) -> String {
        "webhooks: { 'test-ministry': '\(webhook.absoluteString)' }, delivery: { retryDelay: '100ms', timeout: '5s' },"
    }

    @Test func unreleasedDraftsExpireWhenTheirBundleDoesWithNobodyRunningAnything() throws {
        let harness = try DaemonHarness(release: #"{ policy: "all", notBefore: "0", expiry: "4s" }"#)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<1, prefix: "expiring"))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'pending'") == 1 })
        let expiresAt = try #require(try harness.connect().query("SELECT expires_at FROM chorus.bundles").first?
            .decode("expires_at", as: Date.self))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'expired'") == 1 },
                "\(daemon.log.suffix(3000))")
        let expired = try #require(try harness.connect().query("SELECT max(at) AS at FROM chorus.review_audit WHERE action = 'expired'").first?
            .decode("at", as: Date.self))
        #expect(expired >= expiresAt)
        // The service woke at the expiry, not at its next 30-second safety round.
        #expect(expired.timeIntervalSince(expiresAt) < 5, "expired \(expired.timeIntervalSince(expiresAt)) s after its time")
        #expect(daemon.waitForLog(#"msg="expired" service=release drafts=1"#, timeout: 5), "\(daemon.log.suffix(2000))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    @Test func anApprovedBundleIsReleasedAtItsNotBeforeAndDeliveredWithNobodyRunningOutbox() throws {
        let receiver = try TestHTTPServer(fallback: .status(200))
        defer { receiver.stop() }
        let harness = try DaemonHarness(release: #"{ policy: "all", notBefore: "3s", expiry: "48h" }"#,
                                        configuration: Self.configuration(webhook: receiver.url(path: "/hook")))
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<1, prefix: "due"))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'pending'") == 1 })
        let notBefore = try #require(try harness.connect().query("SELECT not_before FROM chorus.bundles").first?.decode("not_before", as: Date.self))
        // Approved before its not-before: held, then released and delivered at that time, by the daemon alone.
        #expect(try Self.approveAll(harness) == 1)
        #expect(try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'approved'") == 1)
        #expect(receiver.waitForRequests(1, timeout: 30), "\(daemon.log.suffix(3000))")
        let arrived = Date()
        #expect(arrived >= notBefore)
        #expect(arrived.timeIntervalSince(notBefore) < 5, "released at its not-before, not at some later poll")
        let request = try #require(receiver.receivedRequests.first)
        #expect(request.headers["idempotency-key"]?.hasPrefix("chorus-draft-") == true)
        let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(body["handle"] as? String == "@test")
        #expect(DaemonHarness.eventually(timeout: 10) {
            try harness.count("SELECT count(*) FROM chorus.deliveries WHERE state = 'delivered'") == 1
        })
        #expect(try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'released'") == 1)
        #expect(daemon.log.contains("msg=\"delivered\""))
        // A later approval is delivered at once, woken by the release's notification.
        try harness.append(DaemonHarness.events(1..<2, prefix: "due"))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'pending'") == 1 })
        try harness.connect().execute("UPDATE chorus.bundles SET not_before = now() - interval '1 second'")
        #expect(try Self.approveAll(harness) == 1)
        #expect(receiver.waitForRequests(2, timeout: 10))
        #expect(Set(receiver.receivedRequests.compactMap { $0.headers["idempotency-key"] }).count == 2)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    @Test func twoDaemonsOneDeliversAndTheOtherTakesOverWhenItDies() throws {
        let receiver = try TestHTTPServer(fallback: .status(200))
        defer { receiver.stop() }
        let harness = try DaemonHarness(configuration: Self.configuration(webhook: receiver.url(path: "/hook")))
        let first = try harness.start(name: "first")
        defer { first.stop() }
        #expect(first.waitForLog("release lock taken", timeout: 30), "\(first.log)")
        let second = try harness.start(name: "second")
        defer { second.stop() }
        #expect(second.waitForLog("msg=\"ready\"", timeout: 30), "\(second.log)")
        try harness.append(DaemonHarness.events(0..<6, prefix: "pair"))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'pending'") == 6 })
        #expect(try Self.approveAll(harness) == 6)
        #expect(receiver.waitForRequests(6, timeout: 30))
        Thread.sleep(forTimeInterval: 0.5)
        let keys = receiver.receivedRequests.compactMap { $0.headers["idempotency-key"] }
        #expect(keys.count == 6 && Set(keys).count == 6, "each record once: \(keys)")
        let deliverers = try harness.connect().query("SELECT DISTINCT deliverer FROM chorus.outbox_deliveries").rows
            .map { try $0.decode("deliverer", as: String.self) }
        #expect(deliverers.count == 1, "one instance delivers: \(deliverers)")
        #expect(!second.log.contains("release lock taken"))

        // The deliverer dies; the other takes over.
        first.signal(SIGKILL)
        _ = first.waitForExit(timeout: 5)
        #expect(second.waitForLog("release lock taken", timeout: 30), "\(second.log.suffix(2000))")
        try harness.append(DaemonHarness.events(6..<8, prefix: "pair"))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts WHERE state = 'pending'") == 2 })
        #expect(try Self.approveAll(harness) == 2)
        #expect(receiver.waitForRequests(8, timeout: 30), "\(second.log.suffix(2000))")
        let all = receiver.receivedRequests.compactMap { $0.headers["idempotency-key"] }
        #expect(Set(all).count == 8 && all.count == 8)
        second.signal(SIGTERM)
        #expect(second.waitForExit(timeout: 5) == 0)
    }

    @Test func aRefusedDeliveryCarriesNoValueIntoTheRejectedInputOrTheLog() throws {
        let harness = try DaemonHarness()
        let connection = try harness.connect()
        // The database refuses two values the test recognises: by a CHECK constraint and by a unique index.
        try connection.executeScript("""
            ALTER TABLE chorus.events ADD CONSTRAINT no_secret_place CHECK (payload->>'place' IS DISTINCT FROM 'SECRET-PLACE-4711');
            CREATE UNIQUE INDEX one_headline ON chorus.events ((payload->'headline'->>'en'));
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        let lines = [
            #"{"id":"secret-1","kind":"earthquake","countries":["IL"],"place":"SECRET-PLACE-4711","headline":{"en":"one"}}"#,
            #"{"id":"secret-2","kind":"earthquake","countries":["IL"],"headline":{"en":"SECRET-HEADLINE-4711"}}"#,
        ]
        try harness.append(Data((lines[0] + "\n").utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.rejected_inputs") >= 1 }, "\(daemon.log)")
        try harness.append(Data((lines[1] + "\n").utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.events") == 1 })
        try harness.append(Data((lines[1].replacingOccurrences(of: "secret-2", with: "secret-3") + "\n").utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.rejected_inputs") >= 2 }, "\(daemon.log)")
        let reasons = try connection.query("SELECT coalesce(item, '') || ' ' || reason AS text FROM chorus.rejected_inputs").rows
            .map { try $0.decode("text", as: String.self) }
        #expect(reasons.contains { $0.contains("no_secret_place") })
        #expect(reasons.contains { $0.contains("one_headline") })
        for secret in ["SECRET-PLACE-4711", "SECRET-HEADLINE-4711", "4711"] {
            #expect(!reasons.joined().contains(secret), "\(reasons)")
            #expect(!daemon.log.contains(secret), "\(daemon.log.suffix(3000))")
        }
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }
}
