import ChorusCore
import ChorusStore
import Foundation
import Synchronization

extension Pages {
    /// One bundle: the event and its evidence, each sender's drafts side by side per language (right to
    /// left where the language is), previews with their length against the limit, what changed since
    /// approval, the gesture's action items, and the audit trail; forms to approve, reject (with a reason)
    /// and edit each draft, and to approve a sender's drafts at once.
    static func bundle(_ detail: BundleDetail, visit: ConsoleHandler.Visit, notice: Notice?) -> HTML {
        let bundle = detail.bundle
        let now = Date()
        let live = detail.drafts.filter(\.state.isLive)
        let replaced = detail.drafts.filter { !$0.state.isLive }
        var languages: [String] = []
        for draft in live where !languages.contains(draft.language) { languages.append(draft.language) }
        let context = DraftCard.Context(visit: visit, bundle: bundle, audit: detail.audit, replaced: replaced,
                                        shown: now, me: visit.session.reviewer)
        let sections = languages.map { language -> HTML in
            let drafts = live.filter { $0.language == language }
            let direction = LanguageSupport.isRightToLeft(language) ? "rtl" : "ltr"
            return """
                <section class="language" lang="\(language)" dir="\(direction)" aria-label="\(languageName(language))">
                <h3 dir="ltr" lang="en">\(languageName(language))</h3>
                <div class="cards">\(drafts.map { DraftCard.html($0, context: context) })</div>
                </section>
                """
        }
        let times: [HTML] = [
            "drafted \(Times.time(bundle.createdAt, now: now))",
            bundle.notBefore.map { "not before \(Times.time($0, now: now))" } ?? .empty,
            bundle.expiresAt.map { "expires \(Times.time($0, now: now))" } ?? .empty,
        ]
        let flag: HTML = bundle.flag.map { "<p class=\"flag\" role=\"note\">\($0)</p>" } ?? .empty
        return layout(title: "Bundle \(bundle.id)", visit: visit, live: "bundle:\(bundle.id)", content: """
            <main class="bundle" data-bundle="\(bundle.id)">
            <p class="back"><a href="/">← Queue</a></p>
            \(Pages.notice(notice))
            <header class="bundle-head">
            <h1>\(drillBadge(bundle.isDrill))\(title(bundle.event))</h1>
            <p class="meta">Bundle \(bundle.id) · rule \(bundle.ruleId) · released \(policy(bundle.releasePolicy)) · \
            \(HTML.join(times.filter { !$0.isEmpty }, separator: " · "))</p>
            \(flag)
            </header>
            \(facts(bundle.facts, event: bundle.event))
            \(evidence(detail.events))
            \(identicalTexts(live))
            <section class="drafts" aria-labelledby="h-drafts"><h2 id="h-drafts">Drafts</h2>
            \(sections)
            </section>
            \(senders(live, bundle: bundle.id, visit: visit))
            \(actionItems(detail.actionItems))
            \(replacedDrafts(replaced))
            \(auditTrail(detail.audit))
            </main>
            """)
    }

    static func policy(_ policy: ReleasePolicy) -> String {
        switch policy {
        case .all: "together when all are approved"
        case .each: "each when approved"
        case .perCountry: "per government when its drafts are approved"
        }
    }

    static func facts(_ facts: IncidentFacts, event: EventBrief) -> HTML {
        var rows: [(String, String)] = [("Kind", spaced(facts.kind))]
        rows.append(("Where", ([facts.place].compactMap { $0 } + [facts.countries.joined(separator: ", ")]).filter { !$0.isEmpty }.joined(separator: ", ")))
        if !facts.actors.isEmpty { rows.append(("Acting states", facts.actors.joined(separator: ", "))) }
        if let occurred = facts.occurredAt { rows.append(("When", Times.clock(occurred))) }
        if let fatalities = facts.fatalities { rows.append(("Dead", String(fatalities))) }
        if let injured = facts.injured { rows.append(("Injured", String(injured))) }
        if let magnitude = facts.magnitude { rows.append(("Magnitude", String(magnitude))) }
        rows.append(("Severity, certainty", "\(facts.severity.rawValue), \(facts.certainty.rawValue)"))
        if let level = facts.alertLevel { rows.append(("Alert level", level.rawValue)) }
        rows.append(("Source", "\(event.source) · \(event.id) (\(event.status.rawValue), \(event.msgType.rawValue))"))
        return """
            <section class="event" aria-labelledby="h-event"><h2 id="h-event">The event</h2>
            <dl class="facts">\(rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" as HTML })</dl>
            </section>
            """
    }

    static func evidence(_ events: [BundleEventRecord]) -> HTML {
        let items = events.map { record -> HTML in
            let event = record.event
            let headline = event.headline["en"] ?? event.headline.sorted { $0.key < $1.key }.first?.value ?? ""
            let origin: HTML = event.origin.map { " · from <b>\($0)</b>" } ?? .empty
            let sent: HTML = event.sentAt.map { " · \(Times.time($0))" } ?? .empty
            let link: HTML = event.link.map { " · <a href=\"\($0)\" rel=\"noopener noreferrer\">source</a>" } ?? .empty
            return """
                <li><span class="role role-\(record.role.rawValue)">\(record.role.rawValue)</span> \(headline)\
                <span class="meta"> — \(event.source ?? "?")\(origin)\(sent)\(link)</span></li>
                """
        }
        return """
            <section class="evidence" aria-labelledby="h-evidence"><h2 id="h-evidence">Evidence \
            <span class="count">\(events.count)</span></h2><ol>\(items)</ol></section>
            """
    }

    /// A warning when two senders carry the same text (docs/RULES.md: every government in its own voice),
    /// found by the drafting model's own test (ChorusCore's `IdenticalTexts`), after reviewers' edits.
    static func identicalTexts(_ drafts: [DraftRecord]) -> HTML {
        let groups = identicalGroups(drafts).map { $0.map { drafts[$0] } }
        guard !groups.isEmpty else { return .empty }
        let items = groups.map { group -> HTML in
            "<li>\(HTML.join(group.map { "<a href=\"#d\($0.id)\">d\($0.id)</a> (\($0.participant))" as HTML }, separator: ", "))</li>"
        }
        return """
            <section class="notice refused identical" role="alert"><p><b>Two senders carry the same text.</b> Every \
            government speaks in its own voice: edit one of them.</p><ul>\(items)</ul></section>
            """
    }

    /// `IdenticalTexts.groups` of `drafts`, remembered by what it reads — each draft's sender and text, in
    /// order: 20 reviewers reloading a bundle of 40 drafts would otherwise compare every text anew on each
    /// page (keyed by the texts themselves, not by versions: an approval bumps a version, never a text).
    static func identicalGroups(_ drafts: [DraftRecord]) -> [[Int]] {
        let key = TextsKey(drafts)
        if let known = identicalGroupsSeen.withLock({ $0[key] }) { return known }
        let groups = IdenticalTexts.groups(drafts.map { IdenticalTexts.Item(sender: $0.participant, text: $0.text) })
        identicalGroupsSeen.withLock { seen in
            if seen.count >= 256 { seen.removeAll() }
            seen[key] = groups
        }
        return groups
    }

    private static let identicalGroupsSeen = Mutex<[TextsKey: [[Int]]]>([:])

    /// Drafts' senders and texts, in order, as bytes: hashed and compared as bytes (a `String` key hashes
    /// its normalized form, which cost more than the rest of the look-up for 40 texts in Hebrew and Arabic).
    /// Texts that differ in any byte are different keys.
    struct TextsKey: Hashable {
        let bytes: [UInt8]

        init(_ drafts: [DraftRecord]) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(drafts.reduce(0) { $0 + $1.participant.utf8.count + $1.text.utf8.count + 2 })
            for draft in drafts {
                // NUL ends each part: neither a sender nor a stored text holds one.
                bytes.append(contentsOf: draft.participant.utf8)
                bytes.append(0)
                bytes.append(contentsOf: draft.text.utf8)
                bytes.append(0)
            }
            self.bytes = bytes
        }

        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    /// Bulk approval: each sender's pending drafts at once (not those the reviewer edited last).
    static func senders(_ drafts: [DraftRecord], bundle: Int, visit: ConsoleHandler.Visit) -> HTML {
        var participants: [String] = []
        for draft in drafts where !participants.contains(draft.participant) { participants.append(draft.participant) }
        let forms = participants.compactMap { participant -> HTML? in
            let pending = drafts.filter { $0.participant == participant && $0.state == .pending }
            let mine = pending.filter { $0.lastEditedBy == visit.session.reviewer }
            let approvable = pending.filter { $0.lastEditedBy != visit.session.reviewer }
            guard approvable.count > 1 else { return nil }
            let note: HTML = HTML.when(!mine.isEmpty, " <span class=\"meta\">(not the \(mine.count) you edited: another reviewer approves those)</span>")
            return """
                <form method="post" action="/bundles/\(bundle)/approve-sender" class="bulk">\(csrfField(visit))\
                <input type="hidden" name="drafts" value="\(approvable.map { "\($0.id)@\($0.version)" }.joined(separator: ","))">\
                <input type="hidden" name="shown" value="\(Int(Date().timeIntervalSince1970))">\
                <button type="submit">Approve all \(approvable.count) pending drafts of \(participant)</button>\(note)</form>
                """
        }
        guard !forms.isEmpty else { return .empty }
        return """
            <section class="senders" aria-labelledby="h-senders"><h2 id="h-senders">By sender</h2>\(forms)</section>
            """
    }

    static func actionItems(_ items: [ActionItemRecord]) -> HTML {
        guard !items.isEmpty else { return .empty }
        let rows = items.map { item -> HTML in
            let due: HTML = item.dueAt.map { " · due \(Times.time($0))\(item.timeZone.map { " (\($0))" } ?? "")" } ?? .empty
            return """
                <li><span class="badge action-\(item.state.rawValue)">\(item.state.rawValue)</span> \(item.summary)\
                <span class="meta"> — \(item.kind)\(due)</span></li>
                """
        }
        return """
            <section class="action-items" aria-labelledby="h-actions"><h2 id="h-actions">Gestures to arrange</h2>\
            <ul>\(rows)</ul></section>
            """
    }

    static func replacedDrafts(_ drafts: [DraftRecord]) -> HTML {
        guard !drafts.isEmpty else { return .empty }
        let rows = drafts.map { draft -> HTML in
            "<li id=\"d\(draft.id)\">d\(draft.id) \(draft.participant) \(draft.channel.rawValue) \(draft.language) \(badge(draft.state))</li>"
        }
        return """
            <details class="replaced"><summary>Replaced drafts (\(drafts.count))</summary><ul>\(rows)</ul></details>
            """
    }

    static func auditTrail(_ audit: [AuditRecord]) -> HTML {
        let rows = audit.reversed().map { row -> HTML in
            let edit: HTML = row.action == .edited && row.beforeText != nil && row.afterText != nil
                ? "<div class=\"diff\">\(TextDiff.html(row.beforeText ?? "", row.afterText ?? ""))</div>" : .empty
            return """
                <li class="audit-\(row.action.rawValue)">\(Times.time(row.at)) <b>\(row.actor)</b> \(AuditText.action(row))\(edit)</li>
                """
        }
        return """
            <section class="audit" aria-labelledby="h-audit"><h2 id="h-audit">Audit trail \
            <span class="count">\(audit.count)</span></h2><ol class="trail">\(rows)</ol></section>
            """
    }
}
