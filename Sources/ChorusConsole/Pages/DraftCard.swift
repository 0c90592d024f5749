import ChorusCore
import ChorusStore
import Foundation

/// One draft on the bundle page: who posts it where, a preview of how it looks on its network, its length
/// against the channel's limit, what changed since it was approved, and the forms to decide on it.
enum DraftCard {
    struct Context {
        let visit: ConsoleHandler.Visit
        let bundle: BundleSummary
        /// The bundle's audit rows by draft, in order (grouped once a page, not searched once a draft).
        let auditByDraft: [Int: [AuditRecord]]
        let replaced: [DraftRecord]
        /// When the page was made: a stale action shows what happened after it.
        let shown: Date
        /// The reviewer looking at it.
        let me: String

        init(visit: ConsoleHandler.Visit, bundle: BundleSummary, audit: [AuditRecord], replaced: [DraftRecord], shown: Date, me: String) {
            self.visit = visit
            self.bundle = bundle
            var byDraft: [Int: [AuditRecord]] = [:]
            for row in audit {
                if let draft = row.draftId { byDraft[draft, default: []].append(row) }
            }
            self.auditByDraft = byDraft
            self.replaced = replaced
            self.shown = shown
            self.me = me
        }
    }

    static func html(_ draft: DraftRecord, context: Context) -> HTML {
        let over = draft.weightedLength - draft.limit
        let length: HTML = """
            <p class="length\(HTML.when(over > 0, " over"))" dir="ltr"><meter min="0" max="\(draft.limit)" \
            high="\(max(1, draft.limit * 9 / 10))" optimum="0" value="\(min(draft.weightedLength, draft.limit))"></meter> \
            <span class="count">\(draft.weightedLength) / \(draft.limit)</span>\
            \(HTML.when(over > 0, " <b>over by \(over)</b>"))</p>
            """
        var notes: [HTML] = []
        if let problem = draft.problem { notes.append("<p class=\"problem\">\(problem)</p>") }
        if let flag = draft.flag { notes.append("<p class=\"flag\">\(flag)</p>") }
        if let changes = draft.factsChangedSinceWritten, !changes.isEmpty {
            notes.append("""
                <p class="facts-changed">The facts changed since this text was written: \
                \(changes.map { "\($0.field) \($0.before ?? "–") → \($0.after ?? "–")" }.joined(separator: "; "))</p>
                """)
        }
        if let since = sinceApproval(draft, context: context) { notes.append(since) }
        let who = [draft.lastEditedBy.map { "edited by \($0)" }, draft.approvedBy.map { "approved by \($0)" }].compactMap { $0 }
        return """
            <article class="draft state-\(draft.state.rawValue)" id="d\(draft.id)" data-version="\(draft.version)">
            <header dir="ltr" lang="en"><span class="sender">\(draft.participant)</span> \
            <span class="channel">\(channelName(draft.channel))</span> \(Pages.badge(draft.state))\
            \(HTML.when(draft.isDrill, " <span class=\"badge drill\">drill</span>"))</header>
            \(preview(draft))
            \(length)
            \(notes)
            <p class="meta" dir="ltr" lang="en">d\(draft.id) · version \(draft.version) · revision \(draft.revision)\
            \(HTML.join(who.map { " · \($0)" as HTML }))\(draft.phase.map { " · phase \($0)" as HTML } ?? .empty)</p>
            \(forms(draft, context: context))
            </article>
            """
    }

    /// How the post looks on its network: the account, the text as it will read.
    static func preview(_ draft: DraftRecord) -> HTML {
        let handle = draft.handle ?? draft.participant
        let initials = Self.initials(handle)
        return """
            <div class="preview preview-\(draft.channel.rawValue)"><div class="avatar" aria-hidden="true">\(initials)</div>\
            <div class="post"><p class="account"><bdi dir="ltr"><b>\(draft.participant)</b></bdi> <bdi class="handle" dir="ltr">\(handle)</bdi></p>\
            <p class="text">\(draft.text)</p></div></div>
            """
    }

    /// The first two letters of `handle`, upper case (`@IsraelMFA` → `IS`): ASCII on bytes, the rest by
    /// characters.
    static func initials(_ handle: String) -> String {
        var letters: [UInt8] = []
        for byte in handle.utf8 {
            guard byte < 0x80 else { return String(handle.lazy.filter(\.isLetter).prefix(2)).uppercased() }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letters.append(byte - 0x20)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): letters.append(byte)
            default: continue
            }
            if letters.count == 2 { break }
        }
        return String(decoding: letters, as: UTF8.self)
    }

    static func channelName(_ channel: Channel) -> String {
        switch channel {
        case .x: "X"
        case .facebook: "Facebook"
        case .instagram: "Instagram"
        case .linkedin: "LinkedIn"
        case .threads: "Threads"
        case .bluesky: "Bluesky"
        case .mastodon: "Mastodon"
        case .telegram: "Telegram"
        }
    }

    /// What changed since the text was last approved: an edit after the approval (the draft went back to
    /// review), or a redraft that replaced an approved draft of the same slot.
    static func sinceApproval(_ draft: DraftRecord, context: Context) -> HTML? {
        let rows = context.auditByDraft[draft.id] ?? []
        var text = rows.first { $0.action == .edited }?.beforeText ?? draft.text
        var approvedText: String?
        for row in rows {
            if row.action == .edited, let after = row.afterText { text = after }
            if row.action == .approved { approvedText = text }
        }
        if let approvedText, approvedText != draft.text {
            return """
                <details class="since-approval" open><summary>Changed since it was approved</summary>\
                <div class="diff">\(TextDiff.html(approvedText, draft.text))</div></details>
                """
        }
        let predecessor = context.replaced.last {
            $0.participant == draft.participant && $0.channel == draft.channel && $0.language == draft.language
                && $0.approvedBy != nil && $0.state == .superseded
        }
        if let predecessor, predecessor.text != draft.text {
            return """
                <details class="since-approval" open><summary>Changed since d\(predecessor.id) was approved (an update \
                redrafted it)</summary><div class="diff">\(TextDiff.html(predecessor.text, draft.text))</div></details>
                """
        }
        return nil
    }

    static func forms(_ draft: DraftRecord, context: Context) -> HTML {
        guard draft.state.isUnreleased else { return .empty }
        let bundle = context.bundle.id
        let hidden: HTML = """
            \(Pages.csrfField(context.visit))<input type="hidden" name="draft" value="\(draft.id)">\
            <input type="hidden" name="version" value="\(draft.version)">\
            <input type="hidden" name="shown" value="\(Int(context.shown.timeIntervalSince1970))">
            """
        let approve: HTML
        if draft.state == .pending && draft.lastEditedBy != context.me {
            approve = """
                <form method="post" action="/bundles/\(bundle)/approve" class="approve">\(hidden)\
                <input name="note" placeholder="Note (optional)" aria-label="Note for d\(draft.id)" maxlength="2000">\
                <button type="submit" class="primary">Approve</button></form>
                """
        } else if draft.state == .pending {
            approve = "<p class=\"meta\">You edited it last: another reviewer approves it.</p>"
        } else {
            approve = .empty
        }
        return """
            <div class="actions" dir="ltr" lang="en">
            \(approve)
            <details class="reject"><summary>Reject</summary><form method="post" action="/bundles/\(bundle)/reject">\(hidden)\
            <label>Why? <textarea name="note" required maxlength="2000" rows="2"></textarea></label>\
            <button type="submit" class="danger">Reject d\(draft.id)</button></form></details>
            <details class="edit"><summary>Edit</summary><form method="post" action="/bundles/\(bundle)/edit">\(hidden)\
            <label>New text <textarea name="text" required rows="6" dir="\(draft.direction)" lang="\(draft.language)" \
            data-channel="\(draft.channel.rawValue)" data-limit="\(draft.limit)">\(draft.text)</textarea></label>\
            <p class="live-count" aria-live="polite">\(draft.weightedLength) / \(draft.limit)</p>\
            <input name="note" placeholder="What you changed (optional)" maxlength="2000">\
            <button type="submit">Save a new revision</button>\
            \(HTML.when(draft.isDrill, "<p class=\"meta\">A drill draft keeps its drill marker.</p>"))</form></details>
            </div>
            """
    }
}
