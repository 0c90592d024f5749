import ChorusCore
@testable import ChorusService
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// Reviewers are told in their chat, through the publishers: a bundle awaiting review once, with a link to
/// its console page; a reminder when nobody acted after the configured time; a warning before it expires —
/// each exactly once, delivered, retried and recorded like a released draft.
struct ReviewerNotifierTests {
    func configuration(webhook: URL, remindAfter: String = "15m", warnBefore: String = "30m") throws -> ChorusConfiguration {
        try DaemonUnitTests().load("""
            { console: { publicURL: "https://chorus.example.org" },
              notifications: { webhook: "\(webhook.absoluteString)", remindAfter: "\(remindAfter)", warnBefore: "\(warnBefore)" } }
            """)
    }

    /// The texts the receiver got, by bundle.
    func texts(_ requests: [TestHTTPServer.Request]) throws -> [String] {
        try requests.map { request in
            let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            return try #require(object["text"] as? String)
        }
    }

    @Test func aBundleAwaitingReviewIsAnnouncedOnceWithItsLink() throws {
        let fixture = try ReviewFixture()
        let server = try TestHTTPServer(fallback: .status(200))
        defer { server.stop() }
        let configuration = try configuration(webhook: server.url(path: "/hooks/T0/B0/secret"))
        let notifier = try #require(ReviewerNotifier(configuration: configuration))
        let daemon = try fixture.connect(as: ReviewFixture.daemon)

        let queued = try notifier.queue(on: daemon)
        #expect(Set(queued.filter { $0.kind == .awaiting }.map(\.bundleID)) == [fixture.liveBundle, fixture.drillBundle])
        #expect(!queued.contains { $0.kind != .awaiting }, "nothing is overdue or expiring yet")
        // Exactly once: a second round (another instance, a restart) queues nothing more.
        #expect(try notifier.queue(on: daemon).isEmpty)

        let report = try Deliverer(publishers: configuration.publishers(), claimant: "test").round(on: daemon)
        #expect(report.delivered.count == queued.count)
        let texts = try texts(server.receivedRequests)
        #expect(texts.count == queued.count)
        let live = try #require(texts.first { $0.contains("Bundle \(fixture.liveBundle) ") })
        #expect(live.hasPrefix("Bundle \(fixture.liveBundle) awaits review: "), "\(live)")
        #expect(live.hasSuffix(" https://chorus.example.org/bundles/\(fixture.liveBundle)"), "\(live)")
        let drill = try #require(texts.first { $0.contains("Bundle \(fixture.drillBundle) ") })
        #expect(drill.hasPrefix("[DRILL] Bundle \(fixture.drillBundle) awaits review"), "\(drill)")
        #expect(server.receivedRequests.allSatisfy { $0.line.hasPrefix("POST /hooks/T0/B0/secret ") })
        // Stored and shown: the scheme and host only, never the secret path.
        let destinations = try fixture.owner.query("SELECT DISTINCT destination FROM chorus.deliveries WHERE publisher = 'reviewers'")
            .rows.map { try $0.decode("destination", as: String.self) }
        #expect(destinations == [PublisherAddress.redacted(server.url(path: "/"))])
    }

    @Test func aReminderWhenNobodyActedAndAWarningBeforeExpiry() throws {
        let fixture = try ReviewFixture()
        let server = try TestHTTPServer(fallback: .status(200))
        defer { server.stop() }
        let notifier = try #require(ReviewerNotifier(configuration: try configuration(
            webhook: server.url(path: "/hook"), remindAfter: "10m", warnBefore: "30m")))
        let daemon = try fixture.connect(as: ReviewFixture.daemon)
        try notifier.queue(on: daemon)
        // Nothing more is due for 10 minutes: the service sleeps until then.
        let next = try #require(try notifier.nextDelay(on: daemon))
        #expect(next > .seconds(9 * 60) && next <= .seconds(10 * 60), "\(next)")

        // Drafted 11 minutes ago; on the drill, a reviewer has acted (an approval): no reminder for it.
        try fixture.owner.execute("UPDATE chorus.bundles SET created_at = now() - interval '11 minutes' WHERE id = ANY(\([fixture.liveBundle, fixture.drillBundle]))")
        let alice = try fixture.store(as: ReviewFixture.reviewers[0])
        let pending = try #require(try alice.drafts(bundle: fixture.drillBundle).first { $0.state == .pending })
        try alice.approve(draft: pending.id, expectedVersion: pending.version, note: nil)
        // The live bundle expires in 20 minutes.
        try fixture.owner.execute("UPDATE chorus.bundles SET expires_at = now() + interval '20 minutes' WHERE id = \(fixture.liveBundle)")

        let queued = try notifier.queue(on: daemon)
        #expect(Set(queued.map { "\($0.kind.rawValue) \($0.bundleID)" }) == ["reminder \(fixture.liveBundle)", "expiring \(fixture.liveBundle)"])
        #expect(try notifier.queue(on: daemon).isEmpty)
        let reminder = try #require(queued.first { $0.kind == .reminder })
        #expect(notifier.text(reminder).hasPrefix("Reminder: nobody has acted on bundle \(fixture.liveBundle) for 10 minutes: "))
        let warning = try #require(queued.first { $0.kind == .expiring })
        #expect(notifier.text(warning).contains("Bundle \(fixture.liveBundle) expires at "))
        #expect(notifier.text(warning).contains("Z with "))
        // Both told; the drill, acted on, gets no reminder: what is left to wait for is its expiry warning.
        let drillExpiry = try fixture.owner.query("SELECT expires_at FROM chorus.bundles WHERE id = \(fixture.drillBundle)")
            .first?.decode("expires_at", as: Date?.self)
        let left = try notifier.nextDelay(on: daemon)
        if let drillExpiry, drillExpiry.timeIntervalSinceNow > 30 * 60 {
            let expected = drillExpiry.timeIntervalSinceNow - 30 * 60
            #expect(left.map { abs($0.timeInterval - expected) < 60 } == true, "\(String(describing: left)) vs \(expected) s")
        } else {
            #expect(left == nil)
        }
    }

    /// Through the real `chorus run`: a newly drafted bundle reaches the reviewers' webhook by itself, woken by
    /// the pipeline's notification — nobody polls, nobody runs a command.
    @Test func theDaemonAnnouncesANewBundleAtOnce() throws {
        let receiver = try TestHTTPServer(fallback: .status(200))
        defer { receiver.stop() }
        let harness = try DaemonHarness(configuration: """
            notifications: { webhook: '\(receiver.url(path: "/reviewers").absoluteString)' },
            console: { publicURL: 'https://review.example.org' },
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<1, prefix: "tell"))
        #expect(receiver.waitForRequests(1, timeout: 30), "\(daemon.log.suffix(3000))")
        let bundle = try #require(try harness.connect().query("SELECT id FROM chorus.bundles").first?.decode("id", as: Int.self))
        let text = try #require(try texts(receiver.receivedRequests).first)
        #expect(text.hasPrefix("Bundle \(bundle) awaits review: "), "\(text)")
        #expect(text.hasSuffix(" https://review.example.org/bundles/\(bundle)"), "\(text)")
        #expect(DaemonHarness.eventually(timeout: 10) {
            try harness.count("SELECT count(*) FROM chorus.deliveries WHERE publisher = 'reviewers' AND state = 'delivered'") == 1
        })
        #expect(daemon.log.contains("msg=\"reviewers notified\""))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        #expect(receiver.receivedRequests.count == 1, "announced exactly once")
    }

    @Test func theSectionIsReadAndItsMistakesNamedWithoutTheURL() throws {
        let loaded = try DaemonUnitTests().load(#"{ notifications: { webhook: "https://hooks.slack.example/services/T0/B0/s3cr3t" } }"#)
        #expect(loaded.notifications == NotificationConfiguration(webhook: "https://hooks.slack.example/services/T0/B0/s3cr3t"))
        #expect(loaded.publishers().map(\.name) == [ReviewerNotifier.publisherName])
        #expect(loaded.publishers().first?.destination(for: ReviewerNotifier.audience) == "https://hooks.slack.example")
        #expect(ReviewerNotifier(configuration: try DaemonUnitTests().load("{}")) == nil)
        for (text, message) in [
            (#"{ notifications: { webhook: "ftp://u:hunter2@example.org" } }"#, "not an http or https URL with a host"),
            (#"{ notifications: { remindAfter: "10s" } }"#, "from 1 minute to 7 days"),
            (#"{ notifications: { every: "1m" } }"#, "unknown field 'every'"),
        ] {
            do {
                _ = try DaemonUnitTests().load(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
                #expect(!"\(error)".contains("hunter2"))
            }
        }
    }
}
