import ChorusCore
import ChorusFeeds
import ChorusService
import ChorusStore
import Foundation
import Postgres
import Synchronization

/// `chorus demo`: the whole story on a private, throwaway PostgreSQL (PRODUCT.md §3).
struct DemoCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "demo",
        abstract: "The whole story on a private database: drafts, review, release, outbox; then cleans up.",
        discussion: """
        Starts a private PostgreSQL cluster in a temporary directory (non-durable), migrates it, replays the \
        January 2017 Jerusalem scenario as a drill and a real GDACS sample feed through the pipeline, shows \
        the review queue with the German, Hebrew, English and Arabic drafts and the Brandenburg Gate action \
        item; two named reviewers review the drill — one edits a draft and may not approve her own edit, the \
        other approves — and the database refuses to release it; then \
        approves a live replay (a demonstration, labelled as such) and shows the outbox. The cluster is \
        stopped and its directory removed at the end, on error and on Ctrl-C.
        """,
        options: [.rules, .config]
    )

    let global: GlobalOptions

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
    }

    func run(_ context: CommandContext) throws {
        let rulesDirectory = try global.rulesDirectory(context)
        let ruleSet: RuleSet
        do {
            ruleSet = try RuleSet.load(from: rulesDirectory)
        } catch {
            throw CommandError(.configuration, "the demo needs the rules directory (run it from the repository, or pass --rules): \(error)")
        }
        guard let scenario = ruleSet.drill(id: "jerusalem-2017") else {
            throw CommandError(.configuration, "the rules in \(rulesDirectory.path) have no jerusalem-2017 drill")
        }
        let cluster = try DemoCluster.start(context: context)
        defer { cluster.remove(context: context) }
        try Demo(context: context, ruleSet: ruleSet, rulesDirectory: rulesDirectory, scenario: scenario, cluster: cluster.postgres).tell()
    }
}

/// The demo's private cluster: a temporary directory, removed with the cluster at the end — also when the
/// demo fails or is interrupted (SIGINT, SIGTERM, SIGHUP).
final class DemoCluster: @unchecked Sendable {
    // @unchecked: the signal sources are only kept alive here, never touched again; `state` is a Mutex.
    let postgres: EmbeddedPostgres
    let directory: URL
    private let signals: [any DispatchSourceSignal]
    /// While the cluster is being created a signal is only recorded (removing the directory under `initdb`
    /// would race with it); the main thread acts on it as soon as the cluster is up.
    private struct State {
        var starting = true
        var interruptedBy: Int32?
        var removed = false
    }

    private let state = Mutex(State())

    private init(postgres: EmbeddedPostgres, directory: URL, signals: [any DispatchSourceSignal]) {
        self.postgres = postgres
        self.directory = directory
        self.signals = signals
    }

    static func start(context: CommandContext) throws -> DemoCluster {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("chorus-demo-\(getpid())-\(UUID().uuidString.prefix(6))", isDirectory: true)
        // Traversable by the unprivileged server user when the demo runs as root.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let postgres: EmbeddedPostgres
        do {
            postgres = try EmbeddedPostgres(directory: directory.appendingPathComponent("data"), options: .init(durable: false))
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let holder = Holder()
        let queue = DispatchQueue(label: "chorus.demo.signals")
        var sources: [any DispatchSourceSignal] = []
        // No SIG_IGN first: the source installs its handler when registered (we wait for that).
        for number in [SIGINT, SIGTERM, SIGHUP] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let registered = DispatchSemaphore(value: 0)
            source.setRegistrationHandler { registered.signal() }
            source.setEventHandler {
                guard let cluster = holder.cluster else { _exit(128 + number) }
                cluster.interrupted(by: number, context: context)
            }
            source.resume()
            registered.wait()
            sources.append(source)
        }
        let cluster = DemoCluster(postgres: postgres, directory: directory, signals: sources)
        holder.cluster = cluster
        do {
            try postgres.ensureRunning()
        } catch {
            cluster.remove(context: context)
            throw error
        }
        let pending = cluster.state.withLock { state -> Int32? in
            state.starting = false
            return state.interruptedBy
        }
        if let signal = pending {
            cluster.remove(context: context)
            _exit(128 + signal)
        }
        return cluster
    }

    /// A signal arrived: clean up and exit now, or, while the cluster is being created, as soon as it is up.
    func interrupted(by signal: Int32, context: CommandContext) {
        let starting = state.withLock { state -> Bool in
            state.interruptedBy = state.interruptedBy ?? signal
            return state.starting
        }
        guard !starting else { return }
        remove(context: context)
        _exit(128 + signal)
    }

    /// Stops the server at once and removes the directory; safe to call more than once and from the signal
    /// handler and the main thread at the same time: whoever comes second waits until it is done.
    func remove(context: CommandContext) {
        let signal = state.withLock { state -> Int32? in
            if !state.removed {
                if postgres.isInitialized { try? postgres.stop(.immediate) }
                try? FileManager.default.removeItem(at: directory)
                context.printError("chorus demo: stopped the private PostgreSQL and removed \(directory.path)")
                state.removed = true
            }
            return state.interruptedBy
        }
        // The main thread lands here when the signal handler's cleanup broke its connection: end as the
        // signal says, not with the error that the interruption caused.
        if let signal { _exit(128 + signal) }
    }

    /// Lets the signal handlers reach the cluster once it exists.
    private final class Holder: @unchecked Sendable {
        // @unchecked: written once on the main thread before the cluster starts, read by the handlers later.
        var cluster: DemoCluster?
    }
}

/// The story, step by step.
struct Demo {
    let context: CommandContext
    let ruleSet: RuleSet
    let rulesDirectory: URL
    let scenario: DrillScenario
    let cluster: EmbeddedPostgres
    /// Two named reviewers: whoever edits a draft may not approve it.
    static let editor = "demo_editor_anna"
    static let reviewer = "demo_reviewer_ben"

    func heading(_ text: String) {
        context.print("")
        context.print(context.standardOutput.isTerminal ? "\u{1B}[1m\(text)\u{1B}[0m" : text)
        context.print(String(repeating: "─", count: min(text.count, 78)))
    }

    func tell() throws {
        let text = ReviewText(context: context)
        context.print("Chorus demo: the whole story on a private PostgreSQL that is removed at the end.")
        heading("1. A private PostgreSQL")
        let connection = try Connection(cluster.conninfo())
        context.print("Started in \(cluster.directory.path) (non-durable, Unix socket only): PostgreSQL "
                      + ((try connection.query("SELECT current_setting('server_version') AS v").first?.decode("v", as: String.self)) ?? "?"))
        for migration in try Migrator().migrate(connection) {
            context.print("Applied migration \(migration.version): \(migration.name)")
        }
        let people = ReviewerStore(connection: connection)
        try people.installRoles()
        try people.add(Self.editor, as: .editor)
        try people.add(Self.reviewer, as: .reviewer)
        context.print("Added two named reviewers (chorus reviewers add): \(Self.editor) (editor) and \(Self.reviewer) (reviewer), "
                      + "PostgreSQL login roles in the groups of Deploy/roles.sql.")

        heading("2. The drill: 8 January 2017, Jerusalem (chorus drill jerusalem-2017)")
        context.print(scenario.description)
        let drill = DrillInjector(ruleSet: ruleSet, status: .exercise, runID: DrillInjector.newRunID(), realTime: false)
        let drillSteps = try drill.inject(scenario.steps.map { ($0.offset, $0.event) }, name: scenario.id, on: connection) {
            context.print("  " + $0.line)
        }
        let drillBundles = drillSteps.flatMap(\.bundlesOpened)

        heading("3. A real sample feed: GDACS RSS of 30 December 2019")
        try replaySample(on: connection)

        heading("4. The review queue (chorus review list --status all)")
        let store = ReviewStore(connection: connection)
        text.list(try store.list(ReviewFilter(state: nil, drill: nil, limit: 0)), filter: ReviewFilter(state: nil))

        guard let bundleID = try drillBundles.first(where: { try store.bundle($0).actionItems.contains { $0.summary.contains("Brandenburg") } })
                ?? drillBundles.first else {
            throw CommandError(.software, "the jerusalem-2017 drill opened no bundle with these rules")
        }
        heading("5. One bundle (chorus review show \(bundleID)): every participant's drafts, the event, the gesture")
        text.show(try store.bundle(bundleID))

        heading("6. Two reviewers: \(Self.editor) edits, \(Self.reviewer) approves (chorus review edit / approve)")
        let editor = try Self.connect(as: Self.editor, cluster: cluster)
        let reviewer = try Self.connect(as: Self.reviewer, cluster: cluster)
        let editorStore = ReviewStore(connection: editor), reviewerStore = ReviewStore(connection: reviewer)
        try settleDraftsThatNeedAnEdit(bundleID, store: editorStore)
        if let shown = try editorStore.drafts(bundle: bundleID).first(where: { $0.state == .pending && $0.channel == .x && $0.language == "en" }) {
            let edited = try editorStore.edit(draft: shown.id, expectedVersion: shown.version, text: shown.text + " #Jerusalem",
                                              note: "demo: a hashtag")
            context.print("\(Self.editor) edited d\(edited.id) (revision \(edited.revision)); a drill draft keeps its marker: "
                          + "\(edited.text.prefix(40))…")
            do {
                try editorStore.approve(draft: edited.id, expectedVersion: edited.version, note: nil)
                throw CommandError(.software, "the database let an editor approve her own edit")
            } catch let error as ReviewError where error.kind == .selfApproval {
                context.print("\(Self.editor) approving her own edit — refused by the database: \(error.message)")
            }
        }
        let approved = try reviewer.transaction { try ReviewStore(connection: $0).approve(bundle: bundleID, note: "demo: reviewed") }
        context.print("\(Self.reviewer) approved \(approved.count) drafts. Released: \(try store.drafts(bundle: bundleID).filter { $0.state == .released }.count) — a drill is never released.")
        if let draft = try store.drafts(bundle: bundleID).first(where: { $0.state == .approved }) {
            context.print("Trying to release drill draft d\(draft.id) by raw SQL as the database's superuser:")
            do {
                try connection.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE id = \(draft.id)")
                context.print("  it went through — this must never happen")
                throw CommandError(.software, "the database released a drill draft")
            } catch let error as PostgresError {
                context.print("  refused by the database: \(error.sqlState ?? "?") \(error.message)")
            }
        }
        context.print("The outbox (chorus outbox):")
        try store.releaseDue()
        text.outbox(try store.outbox())

        heading("7. For demonstration only: a LIVE replay of the same scenario (status actual)")
        context.print("So that the outbox has something to show, the scenario is replayed once more as if it were real,")
        context.print("drafted ten minutes ago so that the rule's not-before delay has passed. Nothing leaves this machine.")
        var live = DrillInjector(ruleSet: ruleSet, status: .actual, runID: "demo-live", realTime: false)
        live.backdate = 600
        let liveSteps = try live.inject(Array(scenario.steps.prefix(1)).map { ($0.offset, $0.event) }, name: scenario.id, on: connection) {
            context.print("  " + $0.line)
        }
        for liveBundle in liveSteps.flatMap(\.bundlesOpened) {
            try settleDraftsThatNeedAnEdit(liveBundle, store: reviewerStore)
            let approved = try reviewer.transaction { try ReviewStore(connection: $0).approve(bundle: liveBundle, note: "demo: live replay") }
            context.print("\(Self.reviewer) approved \(approved.count) drafts of bundle \(liveBundle).")
        }
        try store.releaseDue()
        context.print("The outbox (chorus outbox) — what the publishing tool or a webhook would receive:")
        let outbox = try store.outbox()
        text.outbox(Array(outbox.prefix(6)))
        if outbox.count > 6 { context.print("… and \(outbox.count - 6) more released drafts ('chorus outbox --json' lists them for programs).") }

        heading("8. The audit trail of bundle \(bundleID) (excerpt)")
        for row in try store.audit(bundle: bundleID).filter({ $0.action != .drafted }).prefix(8) {
            context.print("  \(RFC3339.format(row.at))  \(row.actor)  d\(row.draftId.map(String.init) ?? "-") \(row.action)\(row.note.map { " — \($0)" } ?? "")")
        }
        context.print("")
        context.print("That was the story. Next: 'chorus migrate' and 'chorus drill jerusalem-2017' on your own database, then 'chorus review list --drill'.")
    }

    /// Drafts over their limit must be edited before approval; the demo's reviewer rejects them instead, and says so.
    func settleDraftsThatNeedAnEdit(_ bundle: Int, store: ReviewStore) throws {
        for draft in try store.drafts(bundle: bundle) where draft.state == .needsEdit {
            try store.reject(draft: draft.id, expectedVersion: draft.version, reason: "demo: over its limit, not sent")
            context.print("  d\(draft.id) (\(draft.participant) \(draft.channel) \(draft.language)) needs an edit (\(draft.problem ?? "")); the demo rejects it.")
        }
    }

    func replaySample(on connection: Connection) throws {
        guard let url = Self.resource("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml") else {
            context.print("(the sample feed is not installed beside this chorus binary; skipped)")
            return
        }
        let data = try Data(contentsOf: url)
        let kinds = try ruleSet.feedKindMapping()
        let result = FeedParser(options: ParserOptions(kinds: kinds, gazetteer: ruleSet.gazetteer, source: "gdacs-sample")).parse(data, format: .auto)
        let batch = DraftingStage(ruleSet: ruleSet).batch(source: "gdacs-sample", origin: url.lastPathComponent, result: result,
                                                         raw: data, cursor: nil, now: Date())
        let summary = try QueueWriter().write([batch], on: connection)
        context.print("From exxamalte/python-aio-georss-gdacs (Apache-2.0), see Sources/ChorusCLI/Resources/README.md.")
        context.print("\(result.events.count) events normalized, \(result.rejections.count) items rejected (kept with their reason).")
        for event in result.events.prefix(6) { context.print("  " + IngestCommand.summary(of: event)) }
        if summary.bundlesOpened.isEmpty {
            context.print("No rule matched: green alerts are below every shipped rule's threshold, so nothing is drafted — as it should be.")
        } else {
            context.print("Bundles opened: \(summary.bundlesOpened.map(String.init).joined(separator: " "))")
        }
    }

    /// A resource of the `chorus` command: in the resource bundle beside the executable (SwiftPM's layout),
    /// else in the source tree when run from the repository.
    static func resource(_ name: String) -> URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let directory = executable.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("Chorus_ChorusCLI.resources/Resources/\(name)"))
            candidates.append(directory.appendingPathComponent("Chorus_ChorusCLI.resources/\(name)"))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Sources/ChorusCLI/Resources/\(name)"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A connection of the private cluster's superuser that has become `role` (the session user the audit
    /// records), as that reviewer's own login would be.
    static func connect(as role: String, cluster: EmbeddedPostgres) throws -> Connection {
        let connection = try Connection(cluster.conninfo())
        try connection.execute("SET SESSION AUTHORIZATION \(identifier: role)")
        return connection
    }
}
