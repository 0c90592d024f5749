import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus outbox [--after SEQ] [--json] [--deliver]`: released drafts in release order, for the
/// publishing tool; optionally delivered to webhooks (PRODUCT.md §3).
struct OutboxCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "outbox",
        abstract: "Released drafts, in release order, for the publishing tool.",
        discussion: """
        First applies the release policies (chorus.release_due(): what reviewers approved and whose time has \
        come is released, what is past its expiry expires), then lists the released drafts after SEQ. With \
        --deliver, also POSTs each record to its participant's webhook (the configuration's 'webhooks', or \
        --webhook) with an Idempotency-Key header, retrying with capped exponential backoff; every attempt \
        is recorded in chorus.outbox_deliveries. Drill drafts are never released, so never in the outbox. \
        Exit status 75 when a delivery was given up.
        """,
        options: [
            .option("after", value: "seq", help: "Only records after this release sequence number (default: 0)."),
            .json,
            .flag("deliver", help: "Deliver undelivered records to the webhooks."),
            .option("webhook", value: "participant=url", help: "A webhook for a participant (adds to the configuration's).", repeating: true),
            .option("max-attempts", value: "n", help: "Attempts per record before giving up (default: 5)."),
            .option("retry-delay", value: "seconds", help: "The first retry's delay, doubled each time up to 60 s (default: 1)."),
        ] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let after: Int
    let json: Bool
    let deliver: Bool
    let webhooks: [String: URL]
    let maxAttempts: Int
    let retryDelay: Double

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        after = try arguments.value("after", as: "seq") { Int($0).flatMap { $0 >= 0 ? $0 : nil } } ?? 0
        json = arguments.flag("json")
        deliver = arguments.flag("deliver")
        var webhooks: [String: URL] = [:]
        for value in arguments.values("webhook") {
            guard let equals = value.firstIndex(of: "="), let url = URL(string: String(value[value.index(after: equals)...])),
                  let scheme = url.scheme, ["http", "https"].contains(scheme), !value[..<equals].isEmpty else {
                throw UsageError("invalid value '\(value)' for '--webhook <participant=url>'")
            }
            webhooks[String(value[..<equals])] = url
        }
        self.webhooks = webhooks
        maxAttempts = try arguments.value("max-attempts", as: "n") { Int($0).flatMap { $0 > 0 ? $0 : nil } } ?? 5
        retryDelay = try arguments.value("retry-delay", as: "seconds") { Double($0).flatMap { $0 >= 0 ? $0 : nil } } ?? 1
        if !webhooks.isEmpty && !deliver { throw UsageError("--webhook needs --deliver") }
    }

    func run(_ context: CommandContext) throws {
        let connection = try database.connect(context)
        let store = ReviewStore(connection: connection)
        do {
            try store.releaseDue()
        } catch let error as ReviewError where error.kind == .notPermitted {
            // A role that may only read: list what is released already.
        }
        let records = try store.outbox(after: after)
        if json {
            context.print(try ReviewJSON.text(OutboxOutput(after: after, last: records.last?.seq ?? after, records: records)))
        } else {
            ReviewText(context: context).outbox(records)
        }
        guard deliver else { return }
        var targets = try database.global.configuration(context).webhookURLs
        targets.merge(webhooks) { $1 }
        if targets.isEmpty { throw CommandError(.configuration, "no webhooks: set 'webhooks' in the configuration or pass --webhook") }
        let delivery = WebhookDelivery(webhooks: targets, maxAttempts: maxAttempts, baseDelay: retryDelay)
        let report = try delivery.deliverAll(on: connection)
        context.printError("delivered \(report.delivered.count) record\(report.delivered.count == 1 ? "" : "s")"
                           + (report.failed.isEmpty ? "" : ", \(report.failed.count) failed attempt\(report.failed.count == 1 ? "" : "s")"))
        if !report.givenUp.isEmpty {
            throw CommandError(.temporaryFailure, "gave up delivering \(report.givenUp.map { "d\($0)" }.joined(separator: " ")) after \(maxAttempts) attempts")
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
