import ChorusCore
import ChorusStore
import Foundation
import Synchronization

/// The console's pages, as HTML escaped by construction (``HTML``). Every page works without JavaScript:
/// links and plain forms; `console.js` only enhances (live updates, the length count, local times).
enum Pages {
    /// A message at the top of a page, after an action.
    struct Notice: Sendable {
        enum Kind: String, Sendable {
            /// It was done.
            case done
            /// Nothing was done: the draft changed since it was shown (like exit 75).
            case stale
            /// Refused, with the database's reason.
            case refused
        }

        var kind: Kind
        var text: String
        /// For a stale action: what happened since the page was shown.
        var changes: [AuditRecord]
    }

    /// The page shell: a header with the reviewer and the logout button, then `content`.
    static func layout(title: String, visit: ConsoleHandler.Visit?, live: String? = nil, content: HTML) -> HTML {
        let user: HTML = visit.map { visit in
            """
            <form class="logout" method="post" action="/logout">\(csrfField(visit))\
            <span class="who" title="You act as this PostgreSQL role">\(visit.session.reviewer)</span> \
            <button type="submit" class="quiet">Log out</button></form>
            """
        } ?? .empty
        let csrf: HTML = visit.map { " data-csrf=\"\($0.csrf)\"" } ?? .empty
        let liveAttribute: HTML = live.map { " data-live=\"\($0)\"" } ?? .empty
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(title) · Chorus review</title>
            <link rel="stylesheet" href="/assets/console.css?v=\(Assets.version)">
            <script src="/assets/console.js?v=\(Assets.version)" defer></script>
            </head>
            <body\(csrf)\(liveAttribute)>
            <header class="top"><a class="brand" href="/">Chorus review</a>\
            <span class="live-status" aria-live="polite"></span>\(user)</header>
            \(content)
            </body>
            </html>

            """
    }

    static func csrfField(_ visit: ConsoleHandler.Visit) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(visit.csrf)\">"
    }

    /// A plain message page (errors, refusals).
    static func message(title: String, text: String) -> HTML {
        layout(title: title, visit: nil, content: """
            <main class="message"><h1>\(title)</h1><p>\(text)</p><p><a href="/">To the queue</a></p></main>
            """)
    }

    /// One same-site hop before the login: the browser follows it from this page, so a SameSite=Strict
    /// cookie that a link from another site could not bring comes along.
    static func hop(to target: String) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=\(target)">
        <meta name="viewport" content="width=device-width, initial-scale=1"><title>Chorus review</title>
        <link rel="stylesheet" href="/assets/console.css?v=\(Assets.version)"></head>
        <body><main class="message"><p>Opening <a href="\(target)">the page</a>…</p></main></body></html>

        """
    }

    static func login(csrf: String, next: String, problem: String?, name: String?) -> HTML {
        let alert: HTML = problem.map { "<p class=\"notice refused\" role=\"alert\">\($0)</p>" } ?? .empty
        return layout(title: "Log in", visit: nil, content: """
            <main class="login">
            <h1>Log in</h1>
            <p>With your own PostgreSQL role and its password: the database checks it, and records your name on \
            everything you do.</p>
            \(alert)
            <form method="post" action="/login">
            <input type="hidden" name="csrf" value="\(csrf)">
            <input type="hidden" name="next" value="\(next)">
            <label>Name <input name="name" autocomplete="username" autocapitalize="none" spellcheck="false" required \
            maxlength="63" value="\(name ?? "")"></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Log in</button>
            </form>
            </main>
            """)
    }

    static func notice(_ notice: Notice?) -> HTML {
        guard let notice else { return .empty }
        let changes: HTML = notice.changes.isEmpty ? .empty : """
            <ul class="changes">\(notice.changes.map { row in
                "<li>\(Times.time(row.at)) <b>\(row.actor)</b> \(AuditText.action(row))</li>" as HTML
            })</ul>
            """
        return """
            <div class="notice \(notice.kind.rawValue)" role="\(notice.kind == .done ? "status" : "alert")">\
            <p>\(notice.text)</p>\(changes)</div>
            """
    }

    /// A state as a badge.
    static func badge(_ state: DraftState, count: Int? = nil) -> HTML {
        "<span class=\"badge state-\(state.rawValue)\">\(count.map { "\($0) " } ?? "")\(spaced(state.rawValue))</span>"
    }

    /// `text` with its underscores as spaces (`needs_edit` → `needs edit`): codes as words, on bytes (this runs
    /// for every badge of a page; Foundation's `replacingOccurrences` went through NSString).
    static func spaced(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "_")) else { return text }
        return String(decoding: text.utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    static func drillBadge(_ isDrill: Bool) -> HTML {
        HTML.when(isDrill, "<span class=\"badge drill\">DRILL</span>")
    }

    /// What an event is about, in a line: its headline, or kind and place.
    static func title(_ event: EventBrief) -> String {
        if let headline = event.headline, !headline.isEmpty { return headline }
        let kind = spaced(event.kind)
        return [kind.prefix(1).uppercased() + kind.dropFirst(), event.place, event.countries.joined(separator: ", ")]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
    }

    /// A language's name in English and in itself: "Hebrew — עברית".
    static func languageName(_ code: String) -> String {
        if let known = languageNames.withLock({ $0[code] }) { return known }
        let name = makeLanguageName(code)
        languageNames.withLock { $0[code] = name }
        return name
    }

    /// The names found so far (a handful of languages; ICU's look-ups are costly on every page).
    private static let languageNames = Mutex<[String: String]>([:])

    private static func makeLanguageName(_ code: String) -> String {
        let english = Locale(identifier: "en").localizedString(forLanguageCode: code) ?? code
        let own = Locale(identifier: code).localizedString(forLanguageCode: code) ?? english
        return own.lowercased() == english.lowercased() ? "\(english) (\(code))" : "\(english) — \(own) (\(code))"
    }
}

/// How audit rows read.
enum AuditText {
    static func action(_ row: AuditRecord) -> HTML {
        let draft: HTML = row.draftId.map { " <a href=\"#d\($0)\">d\($0)</a>" } ?? .empty
        let verb: String
        switch row.action {
        case .drafted: verb = "drafted"
        case .approved: verb = "approved"
        case .rejected: verb = "rejected"
        case .edited: verb = "edited"
        case .released: verb = "released"
        case .expired: verb = "expired"
        case .superseded: verb = "superseded by a redraft"
        case .withdrawn: verb = "withdrawn (cancelled)"
        case .flagged: verb = "flagged"
        case .returned: verb = "sent back to review"
        }
        let note: HTML = row.note.map { " — <q>\($0)</q>" } ?? .empty
        let facts = row.factChanges
        let changed: HTML = facts.isEmpty ? .empty
            : " <span class=\"facts\">(\(facts.map { "\($0.field): \($0.before ?? "–") → \($0.after ?? "–")" }.joined(separator: "; ")))</span>"
        return "\(verb)\(draft)\(note)\(changed)"
    }
}

/// Times as reviewers read them: how long ago or how soon, and the clock — in UTC on the page, in the
/// reviewer's own time zone once `console.js` has run.
enum Times {
    static func time(_ date: Date, now: Date = Date()) -> HTML {
        """
        <time datetime="\(RFC3339.format(date))" data-local><span class="rel">\(relative(date, now: now))</span> \
        <span class="clock">\(clock(date))</span></time>
        """
    }

    /// `8 Jan 11:30 UTC`. Written out rather than through a `DateFormatter`: a bundle page shows a time for
    /// every audit row, and ICU's formatting cost more than the rest of the row.
    static func clock(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let hour = Int(parts.tm_hour), minute = Int(parts.tm_min)
        return "\(parts.tm_mday) \(months[Int(parts.tm_mon)]) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) UTC"
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        let span = span(abs(seconds))
        if abs(seconds) < 45 { return "just now" }
        return seconds < 0 ? "\(span) ago" : "in \(span)"
    }

    static func span(_ seconds: TimeInterval) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(max(1, minutes)) min" }
        let hours = minutes / 60
        if hours < 24 { return minutes % 60 == 0 || hours >= 6 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        let days = hours / 24
        return "\(days) day\(days == 1 ? "" : "s")"
    }
}
