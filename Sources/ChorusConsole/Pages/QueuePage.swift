import ChorusCore
import ChorusStore
import Foundation

extension Pages {
    /// The queue: bundles awaiting review (or as filtered), live ones and drills apart, newest first, each
    /// with how long ago it was drafted and how soon it expires.
    static func queue(bundles: [BundleSummary], filter: QueueFilter, choices: FilterChoices, visit: ConsoleHandler.Visit) -> HTML {
        let now = Date()
        let live = bundles.filter { !$0.isDrill }, drills = bundles.filter(\.isDrill)
        func section(_ title: String, _ items: [BundleSummary], empty: String, drill: Bool) -> HTML {
            let list: HTML = items.isEmpty ? "<p class=\"empty\">\(empty)</p>" : "<ul class=\"bundles\">\(items.map { item(for: $0, now: now) })</ul>"
            return """
                <section class="queue-section\(drill ? " drills" : "")" aria-labelledby="h-\(drill ? "drills" : "live")">
                <h2 id="h-\(drill ? "drills" : "live")">\(title) <span class="count">\(items.count)</span></h2>
                \(list)
                </section>
                """
        }
        let awaiting = filter.state == .awaiting
        return layout(title: "Queue", visit: visit, live: "queue", content: """
            <main class="queue">
            <h1>Review queue</h1>
            \(filters(filter, choices: choices))
            \(section("Live", live, empty: awaiting ? "Nothing live awaits review." : "No live bundle matches.", drill: false))
            \(section("Drills", drills, empty: awaiting ? "No drill awaits review." : "No drill matches.", drill: true))
            </main>
            """)
    }

    static func item(for bundle: BundleSummary, now: Date) -> HTML {
        let states = DraftState.allCases.compactMap { state in bundle.draftStates[state].map { badge(state, count: $0) } }
        let expiry: HTML = bundle.expiresAt.map { " · expires \(Times.time($0, now: now))" } ?? .empty
        let flag: HTML = bundle.flag.map { "<span class=\"flag\">\($0)</span>" } ?? .empty
        let event = bundle.event
        let meta = [bundle.ruleId, event.countries.joined(separator: ", "), event.place ?? ""].filter { !$0.isEmpty }.joined(separator: " · ")
        return """
            <li class="bundle-item" id="b\(bundle.id)"><a href="/bundles/\(bundle.id)">\
            <span class="title">\(drillBadge(bundle.isDrill))\(title(event))</span>\
            <span class="meta">\(meta) · bundle \(bundle.id)</span>\
            <span class="states">\(states)</span>\
            <span class="times">drafted \(Times.time(bundle.createdAt, now: now))\(expiry)</span>\(flag)</a></li>
            """
    }

    static func filters(_ filter: QueueFilter, choices: FilterChoices) -> HTML {
        func select(_ name: String, _ label: String, _ values: [String], selected: String?) -> HTML {
            let options = values.map { value in
                "<option value=\"\(value)\"\(HTML.when(value == selected, " selected"))>\(value)</option>" as HTML
            }
            return """
                <label>\(label) <select name="\(name)"><option value="">any</option>\(options)</select></label>
                """
        }
        let states = QueueFilter.StateChoice.allCases.map { choice in
            "<option value=\"\(choice.rawValue)\"\(HTML.when(choice == filter.state, " selected"))>\(choice.label)</option>" as HTML
        }
        return """
            <form class="filters" method="get" action="/">
            <label>State <select name="state">\(states)</select></label>
            \(select("participant", "Sender", choices.participants, selected: filter.participant))
            \(select("language", "Language", choices.languages, selected: filter.language))
            \(select("rule", "Rule", choices.rules, selected: filter.rule))
            <button type="submit">Filter</button>\(HTML.when(!filter.isDefault, " <a href=\"/\">clear</a>"))
            </form>
            """
    }
}
