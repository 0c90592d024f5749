import ChorusCore
import ChorusStore
import Foundation
import Postgres

/// Tells reviewers what awaits them, in their team's chat: a bundle awaiting review is announced with a
/// link to its console page, a reminder follows when nobody has acted on it after
/// ``NotificationConfiguration/remindAfter``, and a warning comes ``NotificationConfiguration/warnBefore``
/// it expires with drafts still waiting (docs/REVIEW.md, *Telling reviewers*).
///
/// It only queues: each notice is a delivery of the publisher ``publisherName`` to the audience
/// ``audience`` (a ``WebhookPublisher`` on the configured webhook, made by
/// ``ChorusConfiguration/publishers(extraWebhooks:)``), which the ``Deliverer`` claims, attempts, retries
/// and records like a released draft — exactly once, whichever daemon instance holds the release lock.
/// The body is JSON whose `text` Slack, Microsoft Teams and Matrix (hookshot) webhooks show as it is, with
/// the notice's facts beside it for anything that reads more.
public struct ReviewerNotifier: Sendable {
    /// The publisher's name in `chorus.deliveries`.
    public static let publisherName = "reviewers"
    /// Its one audience: never a participant id (those are rule-file identifiers, without `@`).
    public static let audience = "@reviewers"

    public let settings: NotificationConfiguration
    /// The console's address for links (``ConsoleConfiguration/publicURL``, else its listening address).
    public let consoleURL: String

    /// The notifier of `configuration`, or `nil` when it names no reviewers' webhook.
    public init?(configuration: ChorusConfiguration) {
        guard let webhook = configuration.notifications.webhook.flatMap(PublisherAddress.webURL),
              let destination = PublisherAddress.redacted(webhook) else { return nil }
        settings = configuration.notifications
        consoleURL = configuration.console.publicURL ?? "http://\(configuration.console.listen ?? "127.0.0.1:8480")"
        self.destination = destination
    }

    /// Where notices go, as stored.
    let destination: String

    /// Queues every notice due now; returns them (blocking: call it off Swift's cooperative pool).
    @discardableResult
    public func queue(on connection: Connection) throws -> [ReviewerNoticeStore.Notice] {
        let notices = ReviewerNoticeStore(connection: connection)
        let release = ReleaseStore(connection: connection)
        var queued: [ReviewerNoticeStore.Notice] = []
        for notice in try notices.due(publisher: Self.publisherName, remindAfter: settings.remindAfter, warnBefore: settings.warnBefore) {
            if try release.enqueue(publisher: Self.publisherName, audience: Self.audience, destination: destination,
                                   idempotencyKey: notice.idempotencyKey, payload: try body(notice)) {
                queued.append(notice)
            }
        }
        return queued
    }

    /// How long until the next reminder or warning falls due; `nil` when none will.
    public func nextDelay(on connection: Connection) throws -> Duration? {
        try ReviewerNoticeStore(connection: connection)
            .nextNoticeDelay(publisher: Self.publisherName, remindAfter: settings.remindAfter, warnBefore: settings.warnBefore)
    }

    /// The console page of a bundle.
    public func link(_ bundle: Int) -> String {
        (consoleURL.hasSuffix("/") ? String(consoleURL.dropLast()) : consoleURL) + "/bundles/\(bundle)"
    }

    /// The words of a notice: what it is, which bundle, how many drafts wait, and the link.
    public func text(_ notice: ReviewerNoticeStore.Notice) -> String {
        let drill = notice.isDrill ? "[DRILL] " : ""
        let drafts = "\(notice.awaiting) draft\(notice.awaiting == 1 ? "" : "s")"
        let what = "\(notice.headline)" + (notice.countries.isEmpty ? "" : " (\(notice.countries.joined(separator: ", ")))")
        let sentence: String
        switch notice.kind {
        case .awaiting:
            sentence = "Bundle \(notice.bundleID) awaits review: \(what), rule \(notice.ruleID), \(drafts)."
        case .reminder:
            sentence = "Reminder: nobody has acted on bundle \(notice.bundleID) for \(Self.describe(settings.remindAfter)): "
                + "\(what), \(drafts) awaiting review."
        case .expiring:
            let at = notice.expiresAt.map { " at \(RFC3339.format($0))" } ?? ""
            sentence = "Bundle \(notice.bundleID) expires\(at) with \(drafts) still awaiting review: \(what)."
        }
        return drill + sentence + " " + link(notice.bundleID)
    }

    /// The delivery's body.
    func body(_ notice: ReviewerNoticeStore.Notice) throws -> String {
        struct Body: Encodable {
            var text: String
            var kind: ReviewerNoticeKind
            var bundle: Int
            var drill: Bool
            var rule: String
            var awaiting: Int
            var expiresAt: Date?
            var url: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(Body(text: text(notice), kind: notice.kind, bundle: notice.bundleID, drill: notice.isDrill,
                                           rule: notice.ruleID, awaiting: notice.awaiting, expiresAt: notice.expiresAt,
                                           url: link(notice.bundleID)))
        return String(decoding: data, as: UTF8.self)
    }

    static func describe(_ duration: Duration) -> String {
        let minutes = Int(duration.components.seconds / 60)
        if minutes >= 120, minutes % 60 == 0 { return "\(minutes / 60) hours" }
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }
}
