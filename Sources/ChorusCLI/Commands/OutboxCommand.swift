import ChorusCore
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus outbox [--after SEQ] [--json] [--deliver]`: released drafts in release order, for the
/// publishing tool (PRODUCT.md §3). Only reads: the daemon releases and delivers; `--deliver` is the
/// one-shot for operators without a daemon.
struct OutboxCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "outbox",
        abstract: "Released drafts, in release order, for the publishing tool.",
        discussion: """
        Lists the released drafts after SEQ; it changes nothing. The daemon (chorus run) releases what is due \
        and delivers it through the configured publishers. Without a daemon, --deliver does it once: applies \
        the release policies (chorus.release_due()), then POSTs each undelivered record to its participant's \
        webhook (the configuration's 'webhooks', or --webhook) with an Idempotency-Key header, retrying with \
        capped exponential backoff until each is delivered or given up. Every record is delivered once, \
        even with a daemon or another --deliver at work; every attempt is recorded in \
        chorus.outbox_deliveries, with the webhook's scheme and host only. A redirect is a failure, never \
        followed. Drill drafts are never released, so never in the outbox. Exit status 75 when a delivery \
        was given up.
        """,
        options: [
            .option("after", value: "seq", help: "Only records after this release sequence number (default: 0)."),
            .json,
            .flag("deliver", help: "Release what is due and deliver undelivered records (without a daemon)."),
            .option("webhook", value: "participant=url", help: "A webhook for a participant (adds to the configuration's).", repeating: true),
            .option("max-attempts", value: "n", help: "Attempts per record before giving up (default: 5, or the configuration's)."),
            .option("retry-delay", value: "seconds", help: "The first retry's delay, doubled each time up to 60 s (default: 1)."),
        ] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let after: Int
    let json: Bool
    let deliver: Bool
    let webhooks: [String: URL]
    let maxAttempts: Int?
    let retryDelay: Double?

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        after = try arguments.value("after", as: "seq") { Int($0).flatMap { $0 >= 0 ? $0 : nil } } ?? 0
        json = arguments.flag("json")
        deliver = arguments.flag("deliver")
        var webhooks: [String: URL] = [:]
        for value in arguments.values("webhook") {
            // The value is not repeated in the message: a webhook URL may hold a secret.
            guard let equals = value.firstIndex(of: "="), !value[..<equals].isEmpty,
                  let url = PublisherAddress.webURL(String(value[value.index(after: equals)...])) else {
                throw UsageError("invalid value for '--webhook <participant=url>': expected a participant, '=' and an http or https URL")
            }
            webhooks[String(value[..<equals])] = url
        }
        self.webhooks = webhooks
        maxAttempts = try arguments.value("max-attempts", as: "n") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
        retryDelay = try arguments.value("retry-delay", as: "seconds") { Double($0).flatMap { $0 >= 0 ? $0 : nil } }
        if !webhooks.isEmpty && !deliver { throw UsageError("--webhook needs --deliver") }
    }

    func run(_ context: CommandContext) throws {
        let connection = try database.connect(context)
        let store = ReviewStore(connection: connection)
        if deliver { try store.releaseDue() }
        let records = try store.outbox(after: after)
        if json {
            context.print(try ReviewJSON.text(OutboxOutput(after: after, last: records.last?.seq ?? after, records: records)))
        } else {
            ReviewText(context: context).outbox(records)
        }
        guard deliver else { return }
        let configuration = try database.global.configuration(context)
        let publishers = configuration.publishers(extraWebhooks: webhooks)
        if publishers.isEmpty { throw CommandError(.configuration, "no webhooks: set 'webhooks' in the configuration or pass --webhook") }
        var policy = configuration.delivery
        if let maxAttempts { policy.maxAttempts = maxAttempts }
        if let retryDelay { policy.retryDelay = .milliseconds(Int64((retryDelay * 1000).rounded())) }
        let deliverer = Deliverer(publishers: publishers, policy: policy, claimant: "outbox:\(ProcessInfo.processInfo.hostName):\(getpid())")
        var attempts: [Deliverer.Attempt] = []
        // Rounds until nothing of ours is left: every record delivered or given up (what another deliverer
        // holds is its own to finish), waiting for the next retry in between.
        while true {
            let round = try deliverer.round(on: connection)
            attempts += round.attempts
            guard let next = try ReleaseStore(connection: connection).nextAttemptDelay(routes: deliverer.routes, unclaimedOnly: true) else {
                break
            }
            if next > .zero { Thread.sleep(forTimeInterval: next.timeInterval) }
        }
        let delivered = attempts.filter { $0.next == .delivered }.count
        let failed = attempts.count - delivered
        context.printError("delivered \(delivered) record\(delivered == 1 ? "" : "s")"
                           + (failed == 0 ? "" : ", \(failed) failed attempt\(failed == 1 ? "" : "s")"))
        let givenUp = attempts.filter { $0.next == .givenUp }
        if !givenUp.isEmpty {
            let names = givenUp.map { $0.claim.draftID.map { "d\($0)" } ?? $0.claim.idempotencyKey }.joined(separator: " ")
            throw CommandError(.temporaryFailure, "gave up delivering \(names) after \(policy.maxAttempts) attempts"
                               + " (last: \(givenUp.last?.outcome.failure?.description ?? "failed"))")
        }
    }
}

/// What `chorus outbox --json` prints.
struct OutboxOutput: Codable {
    /// The `--after` given.
    var after: Int
    /// The last record's sequence number: pass it as `--after` next time.
    var last: Int
    var records: [OutboxRecord]
}
