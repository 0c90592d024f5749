import ChorusCore
import ChorusStore
import Foundation

/// The review queue for people: bundles grouped, each participant's drafts per channel and language with
/// their lengths against the limits, the event's facts, the action items and the audit trail.
///
/// Right-to-left drafts (Hebrew, Arabic) are wrapped line by line in a right-to-left isolate (U+2067 …
/// U+2069) and others in a first-strong isolate (U+2068 … U+2069), so that a Hebrew sentence ending in a
/// number or a Latin hashtag is laid out correctly and never reorders the columns around it. Colour only
/// on a terminal, and never when `NO_COLOR` is set.
struct ReviewText {
    let context: CommandContext
    let colour: Bool
    let width: Int

    init(context: CommandContext) {
        self.context = context
        colour = context.standardOutput.isTerminal && (context.environment["NO_COLOR"] ?? "").isEmpty
        width = Self.terminalWidth(context)
    }

    // MARK: Lists

    func list(_ bundles: [BundleSummary], filter: ReviewFilter) {
        let live = bundles.filter { !$0.isDrill }
        let drills = bundles.filter(\.isDrill)
        let what = filter.state.map { $0 == .pending ? "awaiting review" : "with \($0) drafts" } ?? "all"
        if bundles.isEmpty {
            line("No bundles (\(what)).")
            return
        }
        if filter.drill != true {
            line(bold("Live bundles (\(what)): \(live.count)"))
            for bundle in live { summary(bundle) }
        }
        if filter.drill != false {
            if filter.drill != true { line("") }
            line(bold("Drills — exercises, never released: \(drills.count)"))
            for bundle in drills { summary(bundle) }
        }
    }

    func summary(_ bundle: BundleSummary) {
        let marker = bundle.isDrill ? paint("[DRILL] ", "35") : ""
        line("\(marker)\(bold("Bundle \(bundle.id)"))  \(bundle.ruleId)  \(facts(bundle.event))  \(dim("created \(clock(bundle.createdAt))"))")
        if let headline = bundle.event.headline { line("    " + isolate(headline, rtl: nil)) }
        line("    drafts: \(states(bundle.draftStates))  ·  \(release(bundle))"
             + (bundle.corroboration.map { "  ·  corroborated: \(corroboration($0))" } ?? ""))
        for item in bundle.actionItems { line("    ▸ " + item) }
        if let flag = bundle.flag { line("    " + paint("⚑ \(flag)", "31")) }
    }

    /// Incidents held until corroborated, newest first, each with its reports.
    func held(_ incidents: [CorroborationRecord]) {
        let live = incidents.filter { !$0.isDrill }
        let drills = incidents.filter(\.isDrill)
        if incidents.isEmpty {
            line("No incidents held: every report so far was corroborated, expired or needed no corroboration.")
            return
        }
        for (title, group) in [("Held until corroborated (no bundle yet)", live), ("Drills held until corroborated", drills)] where !group.isEmpty {
            line(bold("\(title): \(group.count)"))
            for incident in group {
                line("\(incident.isDrill ? paint("[DRILL] ", "35") : "")\(bold("Held \(incident.id)"))  \(incident.ruleId)  "
                     + "\(incidentFacts(incident))  \(dim("since \(clock(incident.firstSeenAt)), expires \(clock(incident.expiresAt))"))")
                line("    \(incident.certainty): \(incident.origins) of \(incident.required) independent origins")
                evidence(incident.evidence, indent: "    ")
            }
        }
    }

    func watchLine(_ bundle: BundleSummary) {
        let marker = bundle.isDrill ? "[DRILL] " : ""
        line("\(clock(Date()))  \(marker)bundle \(bundle.id) \(bundle.ruleId) \(facts(bundle.event)) — \(states(bundle.draftStates))")
    }

    // MARK: One bundle

    func show(_ detail: BundleDetail) {
        let bundle = detail.bundle
        let marker = bundle.isDrill ? paint("[DRILL] ", "35") : ""
        line("\(marker)\(bold("Bundle \(bundle.id)"))  rule \(bundle.ruleId)  ·  \(release(bundle))")
        if let flag = bundle.flag { line(paint("⚑ \(flag)", "31")) }
        line("")
        line(bold("Event"))
        for record in detail.events {
            let event = record.event
            line("  \(record.role): \(event.id)  (\(event.status.rawValue) \(event.msgType.rawValue), \(event.source ?? "-"))")
            var facts = [event.kind, event.countries.joined(separator: ",")]
            if let name = event.name { facts.append("named \(name)") }
            if let place = event.place { facts.append(place) }
            if let occurred = event.occurredAt { facts.append("occurred \(RFC3339.format(occurred))") }
            if let fatalities = event.fatalities { facts.append("\(fatalities) killed") }
            if let injured = event.injured { facts.append("\(injured) injured") }
            if let magnitude = event.magnitude { facts.append("magnitude \(magnitude)") }
            if let level = event.alertLevel { facts.append("alert \(level.rawValue)") }
            line("    " + facts.joined(separator: " · "))
            for (language, headline) in event.headline.sorted(by: { $0.key < $1.key }) {
                line("    \(language)  " + isolate(headline, rtl: LanguageSupport.isRightToLeft(language)))
            }
        }
        if let corroboration = detail.corroboration {
            line("")
            var heading = "Corroboration: \(corroboration.certainty), \(corroboration.origins) of \(corroboration.required) independent origins"
            if let at = corroboration.corroboratedAt { heading += ", corroborated \(clock(at))" }
            line(bold(heading))
            line("  " + dim("held from \(clock(corroboration.firstSeenAt)); window to \(clock(corroboration.expiresAt))"))
            evidence(corroboration.evidence, indent: "  ")
        }
        if !detail.actionItems.isEmpty {
            line("")
            line(bold("Action items"))
            for item in detail.actionItems {
                let due = item.dueAt.map { " — due \(RFC3339.format($0))" } ?? ""
                line("  ▸ [\(item.state)] \(item.summary)\(due)\(item.timeZone.map { " (\($0))" } ?? "")")
            }
        }
        line("")
        line(bold("Drafts"))
        var participant = ""
        let shown = detail.drafts.filter { $0.state.isLive || detail.draftId != nil }
        // Groups of one participant's drafts on one channel, in order: their languages side by side.
        var groups: [[DraftRecord]] = []
        for draft in shown {
            if let last = groups.last?.last, last.participant == draft.participant, last.channel == draft.channel {
                groups[groups.count - 1].append(draft)
            } else {
                groups.append([draft])
            }
        }
        for group in groups {
            guard let first = group.first else { continue }
            if first.participant != participant {
                participant = first.participant
                line("  " + bold(participant))
            }
            line("    " + underline(first.channel.rawValue) + (first.handle.map { "  " + $0 } ?? ""))
            let gap = 3
            let columnWidth = (width - 6 - gap * (group.count - 1)) / group.count
            if group.count > 1, columnWidth >= 28 {
                sideBySide(group, columnWidth: columnWidth, gap: gap)
                continue
            }
            for draft in group {
                line("      " + cell(draft, width: max(20, width - 6)).map(\.text).joined(separator: "\n      "))
            }
        }
        // Edits can make two senders' drafts the same text; reviewers must see it before anything goes out.
        let live = detail.drafts.filter { $0.state.isLive }
        for group in IdenticalTexts.groups(live.map { IdenticalTexts.Item(sender: $0.participant, text: $0.text) }) {
            line("  " + paint("⚠ the same text under several senders: " + group.map { "d\(live[$0].id) \(live[$0].participant)" }.joined(separator: ", "), "31"))
        }
        let replaced = detail.drafts.filter { !$0.state.isLive }
        if detail.draftId == nil, !replaced.isEmpty {
            line("  " + dim("No longer live (see them with 'chorus review show dID'): ")
                 + replaced.map { "d\($0.id) \($0.state)" }.joined(separator: ", "))
        }
        line("")
        line(bold("Audit trail"))
        for row in detail.audit {
            let draft = row.draftId.map { "d\($0) " } ?? ""
            line("  \(RFC3339.format(row.at))  \(row.actor)  \(draft)\(row.action)" + (row.note.map { " — \($0)" } ?? ""))
            if row.action == .edited {
                if let before = row.beforeText { line("      before: " + isolate(before, rtl: nil)) }
                if let after = row.afterText { line("      after:  " + isolate(after, rtl: nil)) }
            }
            if !row.factChanges.isEmpty { line("      facts:  " + row.factChanges.summary) }
        }
    }

    /// One draft as lines of at most `width` visible characters: its header, its text (isolated), its problems.
    func cell(_ draft: DraftRecord, width: Int) -> [(visible: Int, text: String)] {
        let length = "\(draft.weightedLength)/\(draft.limit)"
        let over = draft.weightedLength > draft.limit
        var lines: [(visible: Int, text: String)] = []
        let head = "\(draft.language)  d\(draft.id)@\(draft.version)  r\(draft.revision)"
        lines.append((head.count, bold(head)))
        let status = "\(draft.state)  \(length)"
        lines.append((status.count, stateLabel(draft.state) + "  " + (over ? paint(length, "31") : length)))
        for who in [draft.lastEditedBy.map { "edited by \($0)" }, draft.approvedBy.map { "approved by \($0)" }].compactMap({ $0 }) {
            lines.append((who.count, dim(who)))
        }
        for textLine in wrap(draft.text, width: width) {
            lines.append((textLine.count, isolate(textLine, rtl: draft.direction == "rtl")))
        }
        let written = draft.factsChangedSinceWritten.map { "⚑ written before the facts changed: \($0.summary)" }
        for note in [draft.problem.map { "! \($0)" }, draft.flag.map { "⚑ \($0)" }, written].compactMap({ $0 }) {
            for noteLine in wrap(note, width: width) { lines.append((noteLine.count, paint(noteLine, "31"))) }
        }
        return lines
    }

    /// Drafts in columns, one a language, each `columnWidth` wide.
    func sideBySide(_ drafts: [DraftRecord], columnWidth: Int, gap: Int) {
        let cells = drafts.map { cell($0, width: columnWidth) }
        let height = cells.map(\.count).max() ?? 0
        for row in 0..<height {
            var text = "      "
            for (index, cell) in cells.enumerated() {
                let piece: (visible: Int, text: String) = row < cell.count ? cell[row] : (0, "")
                text += piece.text
                if index < cells.count - 1 {
                    text += String(repeating: " ", count: max(0, columnWidth - piece.visible) + gap)
                }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            line(text)
        }
    }

    // MARK: Outbox

    func outbox(_ records: [OutboxRecord]) {
        if records.isEmpty {
            line("The outbox is empty: no released drafts after this point.")
            return
        }
        for record in records {
            line("#\(record.seq)  \(clock(record.releasedAt))  bundle \(record.bundleId)  d\(record.draftId)  \(record.participant)  "
                 + "\(record.channel.rawValue)\(record.handle.map { " \($0)" } ?? "")  \(record.language)"
                 + (record.approvedBy.map { "  approved by \($0)" } ?? ""))
            if let flag = record.flag { line("      " + paint("⚑ \(flag)", "31")) }
            for textLine in wrap(record.text, width: max(20, width - 6)) {
                line("      " + isolate(textLine, rtl: record.direction == "rtl"))
            }
        }
    }

    /// One line a report: whether it counted, from whom, through which feed, when; its headline.
    func evidence(_ reports: [EvidenceRecord], indent: String) {
        for report in reports {
            let mark = report.isAuthoritative ? "★" : report.counted ? "✓" : "·"
            var who = report.origin + (report.outlet.map { " (carried by \($0))" } ?? "")
            if report.isAuthoritative { who += " — authoritative" }
            if let original = report.copyOf {
                who += " — a copy of \(original)'s story, not counted"
            } else if !report.counted {
                who += " — same origin as an earlier report, not counted"
            }
            var facts = ["via \(report.feed)", "received \(clock(report.receivedAt))"]
            if let fatalities = report.fatalities { facts.append("\(fatalities) killed") }
            if let injured = report.injured { facts.append("\(injured) injured") }
            line("\(indent)\(mark) \(who)  \(dim(facts.joined(separator: " · ")))")
            if let headline = report.headline { line("\(indent)    " + isolate(headline, rtl: nil)) }
        }
    }

    func corroboration(_ brief: CorroborationBrief) -> String {
        "\(brief.certainty), \(brief.origins) of \(brief.required) origins"
    }

    func incidentFacts(_ incident: CorroborationRecord) -> String {
        ([incident.kind, incident.countries.joined(separator: ",")] + [incident.place].compactMap { $0 }).joined(separator: " ")
    }

    // MARK: Pieces

    func line(_ text: String) { context.print(text) }

    func clock(_ date: Date) -> String { RFC3339.format(date) }

    func facts(_ event: EventBrief) -> String {
        var parts = [event.kind, event.countries.joined(separator: ",")]
        if let place = event.place { parts.append(place) }
        if event.status != .actual { parts.append(event.status.rawValue) }
        return parts.joined(separator: " ")
    }

    func states(_ counts: [DraftState: Int]) -> String {
        let parts = DraftState.allCases.compactMap { state in counts[state].map { stateLabel(state, count: $0) } }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    func release(_ bundle: BundleSummary) -> String {
        var parts = ["policy \(bundle.releasePolicy)"]
        if let notBefore = bundle.notBefore { parts.append("not before \(clock(notBefore))") }
        if let expires = bundle.expiresAt { parts.append("expires \(clock(expires))") }
        return parts.joined(separator: ", ")
    }

    func stateLabel(_ state: DraftState, count: Int? = nil) -> String {
        let text = count.map { "\($0) \(state)" } ?? state.rawValue
        let code = switch state {
        case .pending: "33"
        case .needsEdit: "31"
        case .approved: "32"
        case .released: "36"
        case .rejected, .expired, .withdrawn, .superseded: "2"
        }
        return paint(text, code)
    }

    /// Wraps `text` in a directional isolate: right-to-left for `rtl == true`, else first-strong.
    func isolate(_ text: String, rtl: Bool?) -> String {
        (rtl == true ? "\u{2067}" : "\u{2068}") + text + "\u{2069}"
    }

    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func underline(_ text: String) -> String { paint(text, "4") }

    func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Splits `text` into lines of at most `width` characters at spaces (keeping its own line breaks).
    func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                if !current.isEmpty, current.count + 1 + word.count > width {
                    lines.append(current)
                    current = String(word)
                } else {
                    current += current.isEmpty ? String(word) : " " + word
                }
            }
            lines.append(current)
        }
        return lines
    }

    static func terminalWidth(_ context: CommandContext) -> Int {
        if let columns = context.environment["COLUMNS"].flatMap(Int.init), columns > 20 { return columns }
        if context.standardOutput.isTerminal {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        }
        return 100
    }
}
