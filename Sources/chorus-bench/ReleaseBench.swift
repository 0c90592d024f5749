import ChorusCore
import ChorusService
import ChorusStore
import Foundation
import Postgres
import TestSupport

/// PRODUCT.md §9, release: an approved bundle whose not-before has passed is released and handed to its
/// publishers within 1 s (p99). Through the real `chorus run`: a bundle of the shipped attack rule is
/// drafted, made due, and approved by a reviewer's transaction; the figure is the time from that commit to
/// the bundle's records arriving at a local webhook receiver (the first, and all of them). The baseline is
/// the floor of the same path without chorus's logic: a NOTIFY seen by a listener that then POSTs one record
/// through the same publisher to the same receiver.
enum ReleaseBench {
    static func run(chorus: URL, conninfo: String, rules: URL, workspace: URL, quick: Bool, into table: inout ReportTable) throws {
        let ruleSet = try RuleSet.load(from: rules)
        let receiver = try TestHTTPServer(fallback: .status(200))
        defer { receiver.stop() }
        let hook = receiver.url(path: "/hook")
        let webhooks = ruleSet.participants.keys.sorted().map { "\"\($0)\": \"\(hook.absoluteString)\"" }.joined(separator: ", ")
        let feed = workspace.appendingPathComponent("release.jsonl")
        _ = FileManager.default.createFile(atPath: feed.path, contents: nil)
        let daemon = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace, feed: feed,
                                             name: "release", configuration: "webhooks: { \(webhooks) },")
        defer { daemon.stop() }
        let connection = try Connection(conninfo)
        let handle = try FileHandle(forWritingTo: feed)
        defer { try? handle.close() }
        let count = quick ? 20 : 60
        var first: [Double] = [], all: [Double] = []
        var records = 0
        for index in 0..<count {
            let event = DaemonBench.latencyEvent(10_000 + index)
            try handle.write(contentsOf: Data((try event.jsonLine() + "\n").utf8))
            // The rule the event drafts under, as the daemon will plan it (the shipped library's `attack`).
            guard let rule = BundlePlanner.plans(event: event, ruleSet: ruleSet, now: Date()).first?.ruleID else {
                throw BenchError("no rule of \(rules.path) drafts the release bench's event")
            }
            let bundle = try waitForBundle(of: event.id, rule: rule, on: connection)
            // Due now, and what needs an edit out of the way: the approval below is what completes it. The
            // drafts of later phases (the thanks, the gesture's post) and any inside a sender's rest day keep
            // their own times (`notBefore`), which the database holds to: the figure is for the drafts due now.
            try connection.execute("UPDATE chorus.bundles SET not_before = now() - interval '1 second' WHERE id = \(bundle)")
            let store = ReviewStore(connection: connection)
            for draft in try store.drafts(bundle: bundle) where draft.state == .needsEdit {
                try store.reject(draft: draft.id, expectedVersion: nil, reason: "bench")
            }
            let pending = try store.drafts(bundle: bundle).filter { $0.state == .pending }
            // The planner holds a draft inside its sender's rest day to the end of it, so `notBefore` says it.
            let now = Date()
            let due = pending.filter { ($0.notBefore ?? .distantPast) <= now }.count
            let seen = receiver.receivedRequests.count
            let approved = try connection.transaction { transaction -> ContinuousClock.Instant in
                let store = ReviewStore(connection: transaction)
                for draft in pending { try store.approve(draft: draft.id, expectedVersion: draft.version, note: nil) }
                return .now
            }
            guard receiver.waitForRequests(seen + due, timeout: 30) else {
                throw BenchError("the release of bundle \(bundle) did not reach the receiver within 30 s")
            }
            let arrivals = receiver.receivedRequests.dropFirst(seen).map(\.receivedAt)
            first.append(milliseconds(approved.duration(to: arrivals.min() ?? approved)))
            all.append(milliseconds(approved.duration(to: arrivals.max() ?? approved)))
            records += due
            Thread.sleep(forTimeInterval: 0.05)
        }
        // The floor: a NOTIFY, a listener that wakes and POSTs one record through the same publisher.
        let listener = try Connection(conninfo)
        try listener.listen("chorus_bench_floor")
        let publisher = WebhookPublisher(routes: ["floor": hook])
        var floor: [Double] = []
        for index in 0..<count {
            let started = ContinuousClock.now
            try connection.notify("chorus_bench_floor", payload: String(index))
            _ = try listener.waitForNotifications(timeout: .seconds(10))
            _ = publisher.publish(PublicationMessage(audience: "floor", idempotencyKey: "floor-\(index)", body: Data("{}".utf8)))
            floor.append(milliseconds(started.duration(to: .now)))
        }
        let p99 = DaemonBench.percentile(all, 0.99), floor99 = DaemonBench.percentile(floor, 0.99)
        table.add("release", "approval of a due bundle → first record at the webhook, \(count) bundles, p50 / p99",
                  "\(DaemonBench.percentile(first, 0.5).twoDecimals) / \(DaemonBench.percentile(first, 0.99).twoDecimals) ms",
                  baseline: "NOTIFY → POST p99 \(floor99.twoDecimals) ms", ratio: "\((DaemonBench.percentile(first, 0.99) / max(floor99, 0.001)).twoDecimals)× at p99")
        table.add("release", "approval → all \(records / count) records due of the bundle at the webhook, p50 / p99 / max (target p99 < 1 s)",
                  "\(DaemonBench.percentile(all, 0.5).twoDecimals) / \(p99.twoDecimals) / \((all.max() ?? 0).twoDecimals) ms",
                  baseline: "", ratio: p99 < 1000 ? "met" : "not met")
    }

    static func waitForBundle(of eventID: String, rule: String, on connection: Connection) throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let bundle = try connection.query("""
                SELECT b.id FROM chorus.bundles b JOIN chorus.events e ON e.id = b.event_id
                WHERE e.event_id = \(eventID) AND b.rule_id = \(rule)
                """).first?.decode("id", as: Int.self) {
                return bundle
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw BenchError("no bundle of rule \(rule) for \(eventID) within 30 s")
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
