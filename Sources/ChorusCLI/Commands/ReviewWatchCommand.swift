import ChorusCore
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus review watch`: what happens to the queue, a line a happening, across database restarts.
struct ReviewWatchCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "watch",
        abstract: "Follow what happens to the queue as it happens (until Ctrl-C).",
        discussion: """
        Listens on the chorus_review channel, which the pipeline and every review action notify, and prints \
        a line for each thing that happened, from the audit trail: a bundle opened, drafts edited (by whom), \
        approved or rejected (by whom), flagged, sent back to review, superseded, withdrawn, expired or \
        released. When the database goes away (a restart, the network), it says so and reconnects with \
        backoff, then reports what happened meanwhile. With --json, one JSON object a line instead: each \
        changed bundle as 'review list --json' has it.
        """,
        options: [
            .json,
            .option("exit-after", value: "n", help: "Exit after n notifications (for scripts and tests)."),
        ] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let json: Bool
    let exitAfter: Int?

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        json = arguments.flag("json")
        exitAfter = try arguments.value("exit-after", as: "n") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
    }

    func run(_ context: CommandContext) throws {
        let connection = try database.connect(context)
        try connection.listen(QueueWriter.notificationChannel)
        let store = ReviewStore(connection: connection)
        let text = ReviewText(context: context)
        // Report only what happens from now on: the audit trail up to here is history.
        var mark = try store.latestAuditID()
        if !json { context.printError("Watching the review queue (Ctrl-C to stop)…") }
        // Say when the subscription is in place, so that a script can start acting.
        if json { context.print(#"{"listening":true}"#) }
        var seen = 0
        var reconnects = connection.reconnectCount
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(15))
        var away = false
        while exitAfter.map({ seen < $0 }) ?? true {
            do {
                let notifications = try connection.waitForNotifications(timeout: .seconds(30))
                var caughtUp = false
                if away || connection.reconnectCount != reconnects {
                    reconnects = connection.reconnectCount
                    away = false
                    backoff.reset()
                    context.printError("\(text.clock(Date()))  reconnected to the database; what happened meanwhile follows")
                    caughtUp = true
                }
                var ids: [Int] = []
                for notification in notifications where notification.channel == QueueWriter.notificationChannel {
                    seen += 1
                    ids += notification.payload.split(separator: ",").compactMap { Int($0) }
                }
                guard !notifications.isEmpty || caughtUp else { continue }
                let happenings = try store.audit(after: mark)
                mark = happenings.last?.record.id ?? mark
                if json {
                    let changed = ids + happenings.map(\.bundle)
                    for bundle in try store.summaries(of: Self.unique(changed)) { context.print(try ReviewJSON.text(bundle, pretty: false)) }
                } else {
                    try report(happenings, notified: Self.unique(ids), store: store, text: text)
                }
            } catch let error as PostgresError where error.kind == .connectionLost || error.kind == .connectionFailed {
                let delay = backoff.next()
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                context.printError("\(text.clock(Date()))  lost the database (\(Self.firstLine(error.message))); "
                                   + "reconnecting in \(String(format: "%.1f", seconds)) s")
                away = true
                Thread.sleep(forTimeInterval: seconds)
            }
        }
    }

    /// A line for each run of like audit rows (same bundle, action, actor and note), then a line for each
    /// notified bundle that has no row (an action item or a flag changed).
    private func report(_ happenings: [(bundle: Int, record: AuditRecord)], notified: [Int], store: ReviewStore,
                        text: ReviewText) throws {
        var bundles: [Int: BundleSummary] = [:]
        for summary in try store.summaries(of: Self.unique(happenings.map(\.bundle) + notified)) { bundles[summary.id] = summary }
        for run in Self.runs(happenings) {
            guard let first = run.rows.first else { continue }
            let marker = bundles[run.bundle]?.isDrill == true ? "[DRILL] " : ""
            text.line("\(text.clock(first.at))  \(marker)bundle \(run.bundle): "
                      + (try happened(run.rows, bundle: run.bundle, summary: bundles[run.bundle], store: store, text: text)))
        }
        for id in notified where !happenings.contains(where: { $0.bundle == id }) {
            if let bundle = bundles[id] { text.watchLine(bundle) }
        }
        if happenings.isEmpty && notified.allSatisfy({ bundles[$0] == nil }) { text.line("\(text.clock(Date()))  the queue changed") }
    }

    /// What a run of audit rows of one bundle says, in words.
    private func happened(_ rows: [AuditRecord], bundle id: Int, summary: BundleSummary?, store: ReviewStore,
                          text: ReviewText) throws -> String {
        guard let first = rows.first else { return "" }
        let drafts = rows.compactMap(\.draftId).sorted().map { "d\($0)" }.joined(separator: " ")
        let note = first.note.map { " — \($0)" } ?? ""
        switch first.action {
        case .drafted:
            let all = try store.drafts(bundle: id)
            // Every draft of the bundle drafted just now: the bundle is new; otherwise a redraft added these.
            if let summary, Set(all.map(\.id)) == Set(rows.compactMap(\.draftId)) {
                return "opened: \(summary.ruleId) \(text.facts(summary.event)) — \(rows.count) draft\(rows.count == 1 ? "" : "s"): "
                    + text.states(summary.draftStates)
            }
            return "\(drafts) drafted from the event's new facts"
        case .edited:
            var line = "\(drafts) edited by \(first.actor)"
            if let draftID = first.draftId, let draft = try? store.draft(draftID) {
                line += " (\(draft.participant) \(draft.channel) \(draft.language)): revision \(draft.revision), \(draft.state), "
                    + "\(draft.weightedLength)/\(draft.limit)"
            }
            return line + note
        case .approved: return "\(drafts) approved by \(first.actor)\(note)"
        case .rejected: return "\(drafts) rejected by \(first.actor)\(note)"
        case .released: return "\(drafts) released to the outbox"
        case .expired: return "\(drafts) expired before release"
        case .superseded: return "\(drafts) superseded: an update of the event redrafted them\(note)"
        case .withdrawn: return "\(drafts) withdrawn: the event was cancelled\(note)"
        case .flagged: return "\(drafts) flagged for another look\(note)"
        case .returned: return "\(drafts) back to review: the facts changed after approval\(note)"
        }
    }

    /// Like audit rows in a row: same bundle, action, actor and note — except that a bundle's `drafted` rows
    /// are one run whatever their notes (a draft over its limit is drafted with its problem as the note), so
    /// that a bundle opened with drafts that need an edit still reads as opened.
    static func runs(_ happenings: [(bundle: Int, record: AuditRecord)]) -> [(bundle: Int, rows: [AuditRecord])] {
        var runs: [(bundle: Int, rows: [AuditRecord])] = []
        for (bundle, record) in happenings {
            if let last = runs.last?.rows.last, runs.last?.bundle == bundle, last.action == record.action,
               last.actor == record.actor, last.note == record.note || record.action == .drafted {
                runs[runs.count - 1].rows.append(record)
            } else {
                runs.append((bundle, [record]))
            }
        }
        return runs
    }

    private static func unique(_ ids: [Int]) -> [Int] {
        var seen: Set<Int> = []
        return ids.filter { seen.insert($0).inserted }
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(whereSeparator: \.isNewline).first ?? "")
    }
}
