import ChorusCore
import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus review`: the queue, and the decisions reviewers make on it (PRODUCT.md §3).
struct ReviewCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "review",
        abstract: "Review the queue: list, show, approve, reject, edit, watch.",
        discussion: """
        Every decision goes through the database's review functions, which check it whoever you are and \
        record you (the PostgreSQL session user) in the audit trail. IDs: a number is a bundle (12), a d \
        prefix is a draft (d12); d12@3 is draft 12 as you were shown it at version 3 — if it changed since, \
        the approval fails with exit 75. See docs/REVIEW.md.
        """,
        subcommands: [ReviewListCommand.self, ReviewShowCommand.self, ReviewApproveCommand.self,
                      ReviewRejectCommand.self, ReviewEditCommand.self, ReviewWatchCommand.self]
    )
}

/// A bundle or a draft named on the command line: `12`, `b12`, `d12`, `d12@3`.
enum ReviewTarget: Equatable, CustomStringConvertible {
    case bundle(Int)
    case draft(Int, version: Int?)

    init(parsing text: String) throws {
        let invalid = UsageError("invalid ID '\(text)': a bundle is a number (12), a draft d12 or d12@VERSION")
        if text.hasPrefix("d") {
            let parts = text.dropFirst().split(separator: "@", omittingEmptySubsequences: false)
            guard let id = parts.first.flatMap({ Int($0) }), id > 0, parts.count <= 2 else { throw invalid }
            var version: Int?
            if parts.count == 2 {
                guard let value = Int(parts[1]), value > 0 else { throw invalid }
                version = value
            }
            self = .draft(id, version: version)
        } else {
            guard let id = Int(text.hasPrefix("b") ? String(text.dropFirst()) : text), id > 0 else { throw invalid }
            self = .bundle(id)
        }
    }

    var description: String {
        switch self {
        case .bundle(let id): "bundle \(id)"
        case .draft(let id, _): "draft d\(id)"
        }
    }
}

/// What every review command shares: where the database is, and the connection.
struct ReviewDatabase {
    let global: GlobalOptions

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
    }

    /// The connection for reading: on the embedded cluster, as the person at the terminal when they are a
    /// reviewer, else (the cluster's owner) as its superuser.
    func connect(_ context: CommandContext) throws -> Connection {
        try global.openDatabase(context, as: .person)
    }

    /// The connection for a decision (approve, reject, edit): on the embedded cluster always the person's
    /// own role — the audit and the four-eyes rule need a name, never the superuser everybody could be.
    func connectToDecide(_ context: CommandContext) throws -> Connection {
        let location = try global.databaseLocation(context)
        let connection = try global.openDatabase(context, as: .person)
        if case .embedded(let cluster, _) = location, connection.user == cluster.superuser {
            let me = DatabaseLocation.userName
            throw CommandError(.configuration, "on the embedded database you review as yourself, and it has no reviewer '\(me)': "
                + "add yourself with 'chorus reviewers add \(me) --role editor' (and a second reviewer: whoever edits a "
                + "draft may not approve it)")
        }
        return connection
    }

    static let options: [OptionSpec] = [.config, .database]
}

struct ReviewListCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "list",
        abstract: "The queue, newest bundle first, with its drafts' states.",
        discussion: """
        By default the bundles with drafts awaiting a reviewer (pending or needs_edit), 50 at most. Drill \
        bundles are listed apart, after the live ones; --drill shows only drills, --no-drill only live bundles. \
        With --held, the incidents held until corroborated instead: their rule drafts nothing until enough \
        independent origins or an authoritative source report them within its window; each with its \
        reports, from whom, when, and how they counted.
        """,
        options: [
            .option("status", value: "state", help: "pending (default; includes needs_edit), needs_edit, approved, released, rejected, superseded, withdrawn, expired or all."),
            .flag("held", help: "Incidents held until corroborated, with their evidence, instead of bundles."),
            .flag("drill", help: "Only drill bundles."),
            .flag("no-drill", help: "Only live bundles."),
            .option("limit", value: "n", help: "At most this many bundles (default: 50; 0 for all)."),
            .json,
        ] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let filter: ReviewFilter
    let held: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        held = arguments.flag("held")
        if held, arguments.value("status") != nil { throw UsageError("--held lists incidents, not drafts: it takes no --status") }
        let status = arguments.value("status") ?? DraftState.pending.rawValue
        let state = DraftState(rawValue: status)
        guard status == "all" || state != nil else {
            throw UsageError("invalid value '\(status)' for '--status <state>'")
        }
        if arguments.flag("drill") && arguments.flag("no-drill") { throw UsageError("--drill and --no-drill exclude each other") }
        let drill: Bool? = arguments.flag("drill") ? true : arguments.flag("no-drill") ? false : nil
        let limit = try arguments.value("limit", as: "n") { Int($0).flatMap { $0 >= 0 ? $0 : nil } } ?? 50
        filter = ReviewFilter(state: state, drill: drill, limit: limit)
        json = arguments.flag("json")
    }

    func run(_ context: CommandContext) throws {
        let connection = try database.connect(context)
        if held {
            let incidents = try CorroborationStore(connection: connection).held(drill: filter.drill, limit: filter.limit)
            if json {
                context.print(try ReviewJSON.text(HeldListOutput(held: incidents)))
            } else {
                ReviewText(context: context).held(incidents)
            }
            return
        }
        let store = ReviewStore(connection: connection)
        let bundles = try store.list(filter)
        if json {
            context.print(try ReviewJSON.text(ReviewListOutput(bundles: bundles)))
            return
        }
        ReviewText(context: context).list(bundles, filter: filter)
    }
}

/// What `review list --json` prints.
struct ReviewListOutput: Codable {
    var bundles: [BundleSummary]
}

/// What `review list --held --json` prints.
struct HeldListOutput: Codable {
    var held: [CorroborationRecord]
}

struct ReviewShowCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "show",
        abstract: "One bundle (or draft): every draft side by side, the event, the action items, the audit trail.",
        arguments: [ArgumentSpec("id", help: "A bundle (12) or a draft (d12).")],
        options: [.json] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let target: ReviewTarget
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        target = try ReviewTarget(parsing: arguments.argument("id") ?? "")
        json = arguments.flag("json")
    }

    func run(_ context: CommandContext) throws {
        let store = ReviewStore(connection: try database.connect(context))
        let detail: BundleDetail
        switch target {
        case .bundle(let id): detail = try store.bundle(id)
        case .draft(let id, _): detail = try store.draftDetail(id)
        }
        if json {
            context.print(try ReviewJSON.text(detail))
        } else {
            ReviewText(context: context).show(detail)
        }
    }
}

struct ReviewApproveCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "approve",
        abstract: "Approve drafts, or every pending draft of bundles.",
        discussion: """
        All or nothing: the IDs are approved in one transaction. A draft named as d12@VERSION is approved only \
        if it is still the version you were shown; otherwise nothing is approved and the exit status is 75. \
        Whoever last edited a draft cannot approve it. A bundle with nothing left to approve, and a draft that \
        was withdrawn, superseded or expired meanwhile, fail with exit 65, saying why. Approving may release \
        the bundle, by its policy.
        """,
        arguments: [ArgumentSpec("id", help: "Bundles (12) or drafts (d12, d12@VERSION).", isRepeating: true)],
        options: [.option("note", value: "text", help: "A note for the audit trail.")] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let targets: [ReviewTarget]
    let note: String?

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        targets = try arguments.arguments("id").map(ReviewTarget.init(parsing:))
        note = arguments.value("note")
    }

    func run(_ context: CommandContext) throws {
        let connection = try database.connectToDecide(context)
        var failing: Int?
        let lines: [String]
        do {
            lines = try connection.transaction { transaction -> [String] in
                let store = ReviewStore(connection: transaction)
                var lines: [String] = []
                for target in targets {
                    switch target {
                    case .bundle(let id):
                        let before = try store.drafts(bundle: id)
                        if before.isEmpty { throw ReviewError(.notFound, "there is no bundle \(id)") }
                        let approved = try store.approve(bundle: id, note: note)
                        var reasons: [String] = []
                        let waiting = before.filter { $0.state == .needsEdit }.map { "d\($0.id)" }
                        if !waiting.isEmpty { reasons.append("\(waiting.joined(separator: " ")) need\(waiting.count == 1 ? "s" : "") an edit first") }
                        let yours = before.filter { $0.state == .pending && !approved.contains($0.id) }.map { "d\($0.id)" }
                        if !yours.isEmpty { reasons.append("\(yours.joined(separator: " ")): you edited, another reviewer must approve") }
                        guard !approved.isEmpty else {
                            // All or nothing: a bundle with nothing to approve fails the command, and nothing is approved.
                            throw CommandError(.dataError, "bundle \(id): nothing left to approve (drafts: "
                                + ReviewApproveCommand.states(of: before) + ")" + reasons.map { "; \($0)" }.joined())
                        }
                        lines.append("bundle \(id): approved \(approved.count) draft\(approved.count == 1 ? "" : "s")"
                                     + reasons.map { "; \($0)" }.joined())
                    case .draft(let id, let version):
                        failing = id
                        try store.approve(draft: id, expectedVersion: version, note: note)
                        failing = nil
                        lines.append("d\(id): approved")
                    }
                }
                return lines
            }
        } catch let error as ReviewError where error.kind == .changedSinceShown || error.kind == .notAllowedInState {
            // A draft that was withdrawn, superseded or expired did not "change since shown": it is gone, and
            // trying again cannot help. Say what became of it (exit 65), not "try again" (75).
            if let id = failing, let draft = try? ReviewStore(connection: connection).draft(id),
               case let state = draft.state, state.isFinal {
                throw CommandError(.dataError, "d\(id) is \(state): \(Self.why(state, bundle: draft.bundleId)); nothing to approve")
            }
            throw error
        }
        let store = ReviewStore(connection: connection)
        for line in lines { context.print(line) }
        for target in targets {
            let drafts: [DraftRecord]
            switch target {
            case .bundle(let id): drafts = try store.drafts(bundle: id)
            case .draft(let id, _): drafts = [try store.draft(id)]
            }
            let released = drafts.filter { $0.state == .released }
            if drafts.first?.isDrill == true {
                context.print("\(target): a drill — approved drafts are never released")
            } else if !released.isEmpty, case .bundle(let id) = target {
                context.print("bundle \(id): \(released.count) draft\(released.count == 1 ? "" : "s") released to the outbox")
            } else if case .draft(let id, _) = target, released.first?.id == id {
                context.print("d\(id): released to the outbox")
            }
        }
    }
}

extension ReviewApproveCommand {
    /// What became of a draft that can no longer be approved.
    static func why(_ state: DraftState, bundle: Int) -> String {
        switch state {
        case .withdrawn: "its event was cancelled"
        case .superseded: "an update of its event redrafted it (chorus review show \(bundle) shows the new drafts)"
        case .expired: "its bundle expired before it was released"
        case .rejected: "a reviewer rejected it"
        case .released: "it was released already"
        case .pending, .needsEdit, .approved: "it is \(state)"
        }
    }

    /// A bundle's drafts counted by state, in the order of the lifecycle: `2 released, 1 rejected`.
    static func states(of drafts: [DraftRecord]) -> String {
        DraftState.allCases.compactMap { state in
            let count = drafts.filter { $0.state == state }.count
            return count == 0 ? nil : "\(count) \(state)"
        }.joined(separator: ", ")
    }
}

struct ReviewRejectCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "reject",
        abstract: "Reject drafts, or every open draft of bundles.",
        discussion: """
        All or nothing, like approve. A reason is required and goes into the audit trail. A bundle with nothing \
        left to reject fails with exit 65.
        """,
        arguments: [ArgumentSpec("id", help: "Bundles (12) or drafts (d12, d12@VERSION).", isRepeating: true)],
        options: [.option("reason", value: "text", help: "Why: it goes into the audit trail.", required: true)]
            + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let targets: [ReviewTarget]
    let reason: String

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        targets = try arguments.arguments("id").map(ReviewTarget.init(parsing:))
        guard let reason = arguments.value("reason"), !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UsageError("--reason <text> must say why")
        }
        self.reason = reason
    }

    func run(_ context: CommandContext) throws {
        let connection = try database.connectToDecide(context)
        let lines = try connection.transaction { transaction -> [String] in
            let store = ReviewStore(connection: transaction)
            return try targets.map { target in
                switch target {
                case .bundle(let id):
                    let before = try store.drafts(bundle: id)
                    if before.isEmpty { throw ReviewError(.notFound, "there is no bundle \(id)") }
                    let rejected = try store.reject(bundle: id, reason: reason)
                    if rejected.isEmpty {
                        throw CommandError(.dataError, "bundle \(id): nothing left to reject (drafts: "
                                           + ReviewApproveCommand.states(of: before) + ")")
                    }
                    return "bundle \(id): rejected \(rejected.count) draft\(rejected.count == 1 ? "" : "s")"
                case .draft(let id, let version):
                    try store.reject(draft: id, expectedVersion: version, reason: reason)
                    return "d\(id): rejected"
                }
            }
        }
        for line in lines { context.print(line) }
    }
}

struct ReviewEditCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "edit",
        abstract: "Write a new revision of a draft; it is measured against its channel's limit again.",
        discussion: """
        The new text comes from --text, from --file (- for standard input), or else from $EDITOR (then \
        $VISUAL, then vi) opened on the current text under a comment header naming the draft, its sender, \
        channel, language and limit; lines at the top that start with '# ' are removed when you save, and an \
        empty text changes nothing. Over the limit, the draft goes to needs_edit. A drill draft keeps its \
        drill marker: an edit without it gets it back, and says so. A text mostly in another script than \
        the draft's language (Latin letters for a Hebrew draft, say) is refused unless you pass --force. You \
        cannot approve a draft you edited last: another reviewer must.
        """,
        arguments: [ArgumentSpec("id", help: "The draft (d12, or d12@VERSION to edit only what you were shown).")],
        options: [
            .option("text", value: "text", help: "The new text."),
            .option("file", value: "file", help: "Read the new text from a file (- for standard input)."),
            .option("note", value: "text", help: "A note for the audit trail."),
            .flag("force", help: "Store a text written in another script than the draft's language."),
        ] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let draft: Int
    let version: Int?
    let text: String?
    let file: String?
    let note: String?
    let force: Bool

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        guard case .draft(let id, let version) = try ReviewTarget(parsing: arguments.argument("id") ?? "") else {
            throw UsageError("edit takes a draft ID (d12), not a bundle")
        }
        draft = id
        self.version = version
        text = arguments.value("text")
        file = arguments.value("file")
        note = arguments.value("note")
        force = arguments.flag("force")
        if text != nil && file != nil { throw UsageError("--text and --file exclude each other") }
    }

    func run(_ context: CommandContext) throws {
        let store = ReviewStore(connection: try database.connectToDecide(context))
        let current = try store.draft(draft)
        var newText: String
        if let text {
            newText = text
        } else if let file {
            let data = file == "-" ? try context.readStandardInput() : try Data(contentsOf: context.url(forPath: file))
            newText = String(decoding: data, as: UTF8.self)
        } else {
            newText = Self.strippingHeader(try Self.editInEditor(Self.editorFile(for: current), context: context))
        }
        // A trailing newline from a file or an editor is not part of the message.
        while newText.hasSuffix("\n") { newText.removeLast() }
        guard !newText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CommandError(.dataError, "the new text of d\(draft) is empty; nothing changed")
        }
        if current.isDrill {
            let kept = DraftRevision.keepingDrillMarker(newText, language: current.language)
            if kept.restored {
                context.printError("chorus: put the drill marker \(LanguageSupport.drillMarker(for: current.language)) back at the start "
                                   + "of d\(draft): a drill draft keeps it")
            }
            newText = kept.text
        }
        if !force, let other = DraftRevision.otherScript(of: newText, language: current.language),
           let expected = DraftRevision.script(of: current.language) {
            throw CommandError(.dataError, "d\(draft) is a \(current.language) draft (\(expected) script), but the new text is "
                               + "written mostly in \(other) script: is it the right draft? Nothing changed; pass --force to store it")
        }
        guard newText != current.text else {
            context.print("d\(current.id)@\(current.version): the text is unchanged; nothing to do")
            return
        }
        let edited = try store.edit(draft: draft, expectedVersion: version ?? current.version, text: newText, note: note)
        context.print("d\(edited.id)@\(edited.version): revision \(edited.revision), \(edited.state), \(edited.weightedLength)/\(edited.limit)"
                      + (edited.problem.map { " — \($0)" } ?? ""))
    }

    /// What the editor opens: a comment header that says what is being edited and within which limit, then
    /// the current text.
    static func editorFile(for draft: DraftRecord) -> String {
        let counting = switch draft.channel.measure {
        case .twitterWeighted: "as \(draft.channel.rawValue) counts: a URL 23, CJK and emoji 2"
        case .charactersWithShortURLs: "characters, a URL 23"
        case .graphemes: "characters"
        }
        var header = [
            "# Editing d\(draft.id)@\(draft.version) (revision \(draft.revision), \(draft.state)) of bundle \(draft.bundleId)"
                + (draft.isDrill ? ", a drill" : ""),
            "# Sender: \(draft.participant)" + (draft.handle.map { " (\($0))" } ?? "")
                + " · channel: \(draft.channel.rawValue) · language: \(draft.language)",
            "# Limit: \(draft.limit) (\(counting)); the text below measures \(draft.weightedLength).",
        ]
        if draft.isDrill {
            header.append("# A drill draft keeps its marker \(LanguageSupport.drillMarker(for: draft.language)) at the start.")
        }
        header.append("# These lines starting with '# ' are removed when you save; an empty text changes nothing.")
        return header.joined(separator: "\n") + "\n" + draft.text + "\n"
    }

    /// The saved file without the header: the lines at the top that start with "# " (or are "#"). A hashtag
    /// at the start of the text (`#Jerusalem`) has no space after '#' and stays.
    static func strippingHeader(_ saved: String) -> String {
        var lines = saved.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let first = lines.first, first.hasPrefix("# ") || first == "#" { lines = lines.dropFirst() }
        return lines.joined(separator: "\n")
    }

    /// Opens the user's editor on `text` in a temporary file and returns what was saved.
    static func editInEditor(_ text: String, context: CommandContext) throws -> String {
        let editor = [context.environment["EDITOR"], context.environment["VISUAL"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-edit-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("draft.txt")
        try Data(text.utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The editor command may carry arguments ("code --wait"); the file is passed as "$1", never spliced.
        process.arguments = ["-c", editor + " \"$1\"", "chorus-edit", file.path]
        process.environment = context.environment
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandError(.dataError, "the editor (\(editor)) exited with status \(process.terminationStatus); nothing changed")
        }
        return String(decoding: try Data(contentsOf: file), as: UTF8.self)
    }
}
