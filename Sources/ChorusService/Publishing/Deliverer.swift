import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Synchronization

/// How deliveries are retried.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Attempts a message gets before it is given up.
    public var maxAttempts: Int
    /// The wait after the first failure; doubled after each further one.
    public var retryDelay: Duration
    /// The longest wait between two attempts.
    public var maximumDelay: Duration
    /// How long one attempt may take.
    public var timeout: Duration

    public init(maxAttempts: Int = 5, retryDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(60),
                timeout: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
        self.maximumDelay = maximumDelay
        self.timeout = timeout
    }

    /// The wait after `attempts` failed attempts: `retryDelay · 2^(attempts−1)`, capped.
    public func delay(afterAttempts attempts: Int) -> Duration {
        min(maximumDelay, retryDelay * (1 << min(max(0, attempts - 1), 30)))
    }

    /// How long a claim is held: an attempt's timeout and a margin, so that a live deliverer's claim never runs out.
    var lease: Duration { timeout + .seconds(30) }
}

/// Delivers released drafts (and queued messages) through the publishers, exactly once: one round queues a
/// delivery for every released draft of the publishers' audiences, claims what is due (``ReleaseStore``),
/// makes one attempt each — several destinations at once, each destination's in order — and records every
/// attempt with what becomes of the delivery: delivered, retried after a capped exponential wait, or given
/// up after ``DeliveryPolicy/maxAttempts``. A round never sleeps; the daemon's release service runs one
/// whenever something may be due, `chorus outbox --deliver` until nothing is left.
public struct Deliverer: Sendable {
    public let publishers: [any Publisher]
    public let policy: DeliveryPolicy
    /// Who claims (an instance of the daemon, or an `outbox --deliver` run): recorded with every attempt.
    public let claimant: String
    /// The most deliveries one round claims.
    public static let claimsPerRound = 100

    public init(publishers: [any Publisher], policy: DeliveryPolicy = DeliveryPolicy(), claimant: String) {
        self.publishers = publishers
        self.policy = policy
        self.claimant = claimant
    }

    /// One attempt of one claimed delivery.
    public struct Attempt: Sendable {
        public var claim: DeliveryClaim
        /// Where it went, as stored.
        public var destination: String
        public var outcome: PublicationOutcome
        public var next: DeliveryOutcome
    }

    /// What a round did.
    public struct Report: Sendable {
        /// Deliveries queued for drafts released since the last round.
        public var queued = 0
        public var attempts: [Attempt] = []
        /// How long until the next queued delivery may be attempted; `nil` when none is queued.
        public var nextAttempt: Duration?

        public var delivered: [Attempt] { attempts.filter { $0.next == .delivered } }
        public var failed: [Attempt] { attempts.filter { $0.next != .delivered } }
        public var givenUp: [Attempt] { attempts.filter { $0.next == .givenUp } }
    }

    /// One round on `connection` (blocking: call it off Swift's cooperative pool). `recentOnly`: look for
    /// newly released drafts in the last few minutes only (a round woken by a release); otherwise as far
    /// back as ``ReleaseStore/deliveryWindow``.
    public func round(on connection: Connection, recentOnly: Bool = false) throws -> Report {
        let store = ReleaseStore(connection: connection)
        var report = Report()
        guard !publishers.isEmpty else { return report }
        // Queued and claimed in one transaction: one commit before the attempts.
        let claimedAt = ContinuousClock.now
        let claims = try connection.transaction { transaction -> [DeliveryClaim] in
            let store = ReleaseStore(connection: transaction)
            for publisher in publishers {
                var destinations: [String: String] = [:]
                for audience in publisher.audiences { destinations[audience] = publisher.destination(for: audience) }
                report.queued += try store.enqueueReleasedDrafts(publisher: publisher.name, destinations: destinations,
                                                                 within: recentOnly ? .seconds(600) : ReleaseStore.deliveryWindow)
            }
            return try store.claimDue(routes: routes, claimant: claimant, lease: policy.lease, limit: Self.claimsPerRound)
        }
        if !claims.isEmpty {
            let records = try ReviewStore(connection: connection).outbox(drafts: claims.compactMap(\.draftID))
            let encoder = ReviewJSON.encoder(pretty: false)
            var bodies: [Int: Data] = [:]
            for record in records { bodies[record.draftId] = try encoder.encode(record) }
            let messages = claims.map { claim -> PublicationMessage? in
                let body = claim.draftID.map { bodies[$0] } ?? claim.payload.map { Data($0.utf8) }
                return body.map { PublicationMessage(audience: claim.audience, idempotencyKey: claim.idempotencyKey, body: $0) }
            }
            // Attempts start only while each can end well within the lease, so the round's records land
            // while its claims still hold (nobody else retries a delivery this round already made).
            let outcomes = publish(claims, messages, startingBefore: claimedAt + policy.lease - policy.timeout - Self.leaseMargin)
            var unattempted: [DeliveryClaim] = []
            for (index, claim) in claims.enumerated() {
                guard let outcome = outcomes[index] else {
                    unattempted.append(claim)
                    continue
                }
                let next: DeliveryOutcome = if outcome.succeeded {
                    .delivered
                } else if outcome.failure == .gone || claim.attempt >= policy.maxAttempts {
                    .givenUp
                } else {
                    .retry(after: policy.delay(afterAttempts: claim.attempt))
                }
                let destination = publisher(claim.publisher)?.destination(for: claim.audience) ?? claim.destination
                report.attempts.append(Attempt(claim: claim, destination: destination, outcome: outcome, next: next))
            }
            // One commit for the round's attempts; what was not attempted is handed back as it was.
            try store.record(report.attempts.map {
                DeliveryAttempt(claim: $0.claim, destination: $0.destination, statusCode: $0.outcome.statusCode,
                                error: $0.outcome.failure?.description, next: $0.next)
            }, unattempted: unattempted, claimant: claimant)
        }
        report.nextAttempt = try store.nextAttemptDelay(routes: routes)
        return report
    }

    /// Each publisher's name and the audiences it serves.
    public var routes: [String: [String]] {
        var routes: [String: [String]] = [:]
        for publisher in publishers { routes[publisher.name, default: []] += publisher.audiences }
        return routes
    }

    private func publisher(_ name: String) -> (any Publisher)? { publishers.first { $0.name == name } }

    /// The most destinations attempted at once.
    public static let lanes = 16
    /// What is left of a lease after the last attempt a round starts has timed out: time to record.
    static let leaseMargin: Duration = .seconds(5)

    /// Attempts every claim: up to ``lanes`` destinations at once, each destination's messages in order, on
    /// threads of their own — attempts block, and neither Swift's cooperative pool nor libdispatch's (which
    /// on Linux grows by a thread a second once its threads block) may wait on the network. No attempt
    /// starts after `deadline` (a slow destination's later messages): those outcomes are `nil`.
    private func publish(_ claims: [DeliveryClaim], _ messages: [PublicationMessage?],
                         startingBefore deadline: ContinuousClock.Instant) -> [PublicationOutcome?] {
        var byDestination: [String: [Int]] = [:]
        for (index, claim) in claims.enumerated() {
            byDestination["\(claim.publisher)\u{0}\(claim.audience)", default: []].append(index)
        }
        let work = Mutex(Array(byDestination.values))
        let results = Mutex([PublicationOutcome?](repeating: nil, count: claims.count))
        let group = DispatchGroup()
        for _ in 0..<min(Self.lanes, byDestination.count) {
            group.enter()
            let thread = Thread { [self] in
                while let lane = work.withLock({ $0.popLast() }) {
                    for index in lane {
                        guard ContinuousClock.now < deadline else { break }
                        let outcome: PublicationOutcome
                        if let message = messages[index] {
                            outcome = publisher(claims[index].publisher)?.publish(message)
                                ?? PublicationOutcome(statusCode: nil, failure: .noDestination)
                        } else {
                            outcome = PublicationOutcome(statusCode: nil, failure: .gone)
                        }
                        results.withLock { $0[index] = outcome }
                    }
                }
                group.leave()
            }
            thread.name = "chorus.delivery"
            thread.start()
        }
        group.wait()
        return results.withLock { $0 }
    }
}
