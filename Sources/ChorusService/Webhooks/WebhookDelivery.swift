import ChorusStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Postgres

/// Delivers released drafts to the publishing tool: an HTTP POST of each outbox record (the JSON
/// `chorus outbox --json` prints) to its participant's webhook, with an `Idempotency-Key` header that is
/// the same for every attempt of a record, so a receiver that saw an attempt whose answer got lost can
/// ignore the retry.
///
/// Every attempt is a row in `chorus.outbox_deliveries`. A record is delivered once one attempt got a 2xx;
/// after a failure the next attempt waits `baseDelay · 2^(attempts−1)`, capped at `maxDelay`, and after
/// `maxAttempts` failures the record is given up (it stays in the table for an operator to look at).
///
/// The daemon calls ``deliverDue(on:now:)`` periodically (it never sleeps); `chorus outbox --deliver`
/// calls ``deliverAll(on:)``, which waits between attempts until everything is delivered or given up.
public struct WebhookDelivery: Sendable {
    /// Participant id → webhook URL.
    public var webhooks: [String: URL]
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// How long one request may take, in seconds.
    public var timeout: Double

    public init(webhooks: [String: URL], maxAttempts: Int = 5, baseDelay: Double = 1, maxDelay: Double = 60, timeout: Double = 10) {
        self.webhooks = webhooks
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.timeout = timeout
    }

    /// What a round of deliveries did.
    public struct Report: Sendable, Equatable {
        /// Records delivered in this round.
        public var delivered: [Int] = []
        /// Attempts that failed in this round (draft id, why).
        public var failed: [(draftId: Int, reason: String)] = []
        /// Records not yet delivered that will be tried again, and when the soonest is due.
        public var waiting = 0
        public var nextAttemptAt: Date?
        /// Records given up after `maxAttempts` failures.
        public var givenUp: [Int] = []

        public init() {}

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.delivered == rhs.delivered && lhs.failed.map(\.draftId) == rhs.failed.map(\.draftId)
                && lhs.waiting == rhs.waiting && lhs.givenUp == rhs.givenUp
        }
    }

    /// One attempt for every undelivered released draft whose next attempt is due.
    public func deliverDue(on connection: Connection, now: Date = Date()) throws -> Report {
        var report = Report()
        guard !webhooks.isEmpty else { return report }
        let participants = webhooks.keys.sorted()
        let states = try connection.query("""
            SELECT d.id, count(o.id) AS attempts, max(o.attempted_at) AS last_attempt
            FROM chorus.drafts d LEFT JOIN chorus.outbox_deliveries o ON o.draft_id = d.id
            WHERE d.state = 'released' AND d.participant = ANY(\(participants))
              AND NOT EXISTS (SELECT 1 FROM chorus.outbox_deliveries s WHERE s.draft_id = d.id AND s.succeeded)
            GROUP BY d.id ORDER BY min(d.release_seq)
            """).rows
        guard !states.isEmpty else { return report }
        var attemptsByDraft: [Int: (attempts: Int, last: Date?)] = [:]
        for row in states {
            attemptsByDraft[try row.decode("id")] = (try row.decode("attempts"), try row.decode("last_attempt"))
        }
        let records = try ReviewStore(connection: connection).outbox(after: 0, limit: Int.max / 2)
            .filter { attemptsByDraft[$0.draftId] != nil }
        for record in records {
            guard let (attempts, last) = attemptsByDraft[record.draftId], let url = webhooks[record.participant] else { continue }
            if attempts >= maxAttempts {
                report.givenUp.append(record.draftId)
                continue
            }
            if let last, attempts > 0 {
                let due = last.addingTimeInterval(delay(afterAttempts: attempts))
                if due > now {
                    report.waiting += 1
                    report.nextAttemptAt = min(report.nextAttemptAt ?? due, due)
                    continue
                }
            }
            let outcome = post(record, to: url)
            try connection.execute("""
                INSERT INTO chorus.outbox_deliveries (draft_id, participant, url, idempotency_key, attempt, status_code, error, succeeded)
                VALUES (\(record.draftId), \(record.participant), \(url.absoluteString), \(record.idempotencyKey), \(attempts + 1),
                        \(outcome.status), \(outcome.error), \(outcome.succeeded))
                """)
            if outcome.succeeded {
                report.delivered.append(record.draftId)
            } else {
                report.failed.append((record.draftId, outcome.error ?? "HTTP \(outcome.status ?? 0)"))
                if attempts + 1 >= maxAttempts {
                    report.givenUp.append(record.draftId)
                } else {
                    report.waiting += 1
                    let due = Date().addingTimeInterval(delay(afterAttempts: attempts + 1))
                    report.nextAttemptAt = min(report.nextAttemptAt ?? due, due)
                }
            }
        }
        return report
    }

    /// One periodic round for the daemon: apply the release policies and expiries (`chorus.release_due()`),
    /// then make one attempt for every record whose delivery is due. Returns how many drafts were released
    /// and what the deliveries did. Never sleeps.
    public func releaseAndDeliver(on connection: Connection, now: Date = Date()) throws -> (released: Int, report: Report) {
        let released = try ReviewStore(connection: connection).releaseDue()
        return (released, try deliverDue(on: connection, now: now))
    }

    /// Rounds of ``deliverDue(on:now:)`` until every record is delivered or given up, waiting for the next
    /// due attempt in between.
    public func deliverAll(on connection: Connection) throws -> Report {
        var total = Report()
        while true {
            let round = try deliverDue(on: connection)
            total.delivered += round.delivered
            total.failed += round.failed
            total.givenUp = round.givenUp
            total.waiting = round.waiting
            total.nextAttemptAt = round.nextAttemptAt
            guard round.waiting > 0, let next = round.nextAttemptAt else { return total }
            let pause = next.timeIntervalSinceNow
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
    }

    /// The wait after `attempts` failed attempts: exponential, capped.
    public func delay(afterAttempts attempts: Int) -> Double {
        min(maxDelay, baseDelay * pow(2, Double(max(0, attempts - 1))))
    }

    private struct Outcome {
        var status: Int?
        var error: String?
        var succeeded: Bool
    }

    private func post(_ record: OutboxRecord, to url: URL) -> Outcome {
        let body: Data
        do {
            body = try ReviewJSON.encoder(pretty: false).encode(record)
        } catch {
            return Outcome(status: nil, error: "cannot encode the record: \(error)", succeeded: false)
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(record.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        let task = session.dataTask(with: request) { _, response, error in
            box.store(status: (response as? HTTPURLResponse)?.statusCode, error: error.map { $0.localizedDescription })
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            session.invalidateAndCancel()
            return Outcome(status: nil, error: "no answer within \(Int(timeout)) s", succeeded: false)
        }
        session.finishTasksAndInvalidate()
        let (status, error) = box.value
        let succeeded = error == nil && (200..<300).contains(status ?? 0)
        return Outcome(status: status, error: error ?? (succeeded ? nil : "HTTP \(status ?? 0)"), succeeded: succeeded)
    }

    private final class ResponseBox: @unchecked Sendable {
        // @unchecked: both fields are written once under `lock`, before the semaphore is signalled.
        private let lock = NSLock()
        private var status: Int?
        private var error: String?

        func store(status: Int?, error: String?) {
            lock.withLock {
                self.status = status
                self.error = error
            }
        }

        var value: (Int?, String?) { lock.withLock { (status, error) } }
    }
}
