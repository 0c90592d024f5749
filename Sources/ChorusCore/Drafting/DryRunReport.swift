import Foundation

/// What `chorus rules test` reports: for each event, the rules it matches, why, and the bundle each
/// would draft, phase by phase; warnings a reviewer would want before anything is queued; and, when asked,
/// why one rule did not match. Its JSON (``jsonText()``) is a stable format documented in docs/RULES.md.
public struct DryRunReport: Sendable, Hashable, Codable {
    /// The format's version; bumped when a field changes meaning or disappears.
    public var format: Int = 1
    /// The version (content hash) of the rule set.
    public var ruleSetVersion: String
    /// One entry an event, in input order.
    public var events: [EventResult]

    /// One event and what it would draft.
    public struct EventResult: Sendable, Hashable, Codable {
        /// The event as read.
        public var event: Event
        /// The rules it matches, in rule-id order.
        public var matches: [MatchResult]
        /// What a reviewer should know before anything is queued: two rules posting to one account, two
        /// senders posting the same text.
        public var warnings: [String]
        /// Why the rule asked about (`--why`) matched or not.
        public var why: WhyResult?
    }

    /// One matched rule.
    public struct MatchResult: Sendable, Hashable, Codable {
        /// The rule's id.
        public var rule: String
        /// Which alternative of `when` held (0 for a single object).
        public var alternative: Int
        /// Why it matched, one line a condition.
        public var reasons: [String]
        /// The bundle it would draft.
        public var bundle: BundlePlan
    }

    /// Why one rule matched an event or not.
    public struct WhyResult: Sendable, Hashable, Codable {
        /// The rule.
        public var rule: String
        /// Whether it matched.
        public var matched: Bool
        /// For each alternative of its `when`, the conditions that failed (empty for one that held).
        public var failures: [[String]]
    }

    /// Runs `events` through `ruleSet` as of `now` (`nil`: each event's `sentAt`, else `occurredAt`, else the
    /// current time); with `why`, explains that rule's decision for every event.
    public init(events: [Event], ruleSet: RuleSet, now: Date?, why: Rule? = nil) {
        ruleSetVersion = ruleSet.version
        self.events = events.map { event in
            let time = now ?? event.sentAt ?? event.occurredAt ?? Date()
            let matches = ruleSet.match(event).map { match in
                MatchResult(rule: match.rule.id, alternative: match.alternative, reasons: match.reasons(for: event),
                            bundle: BundlePlanner.plan(event: event, rule: match.rule, ruleSet: ruleSet, now: time))
            }
            let whyResult = why.map { rule in
                let failures = rule.conditions.map { $0.failures(event) }
                return WhyResult(rule: rule.id, matched: failures.contains { $0.isEmpty }, failures: failures)
            }
            return EventResult(event: event, matches: matches, warnings: Self.warnings(matches), why: whyResult)
        }
    }

    /// Two rules that would post to one account about one event, and texts two senders would post word for word.
    static func warnings(_ matches: [MatchResult]) -> [String] {
        var warnings: [String] = []
        var posters: [String: [String]] = [:]
        var order: [String] = []
        for match in matches {
            for draft in match.bundle.drafts {
                let account = "\(draft.participant) \(draft.channel.rawValue) \(draft.language) (\(draft.handle))"
                if posters[account] == nil { order.append(account) }
                if !(posters[account] ?? []).contains(match.rule) { posters[account, default: []].append(match.rule) }
            }
        }
        for account in order {
            guard let rules = posters[account], rules.count > 1 else { continue }
            warnings.append("rules \(rules.joined(separator: " and ")) would both post for \(account): keep one, or make their conditions exclusive")
        }
        for match in matches {
            let drafts = match.bundle.drafts
            for group in IdenticalTexts.groups(drafts.map { IdenticalTexts.Item(sender: $0.participant, text: $0.text) }) {
                let who = group.map { "\(drafts[$0].participant) \(drafts[$0].channel.rawValue) \(drafts[$0].language)" }.joined(separator: ", ")
                warnings.append("rule \(match.rule): the same text would go out under several senders: \(who)")
            }
        }
        return warnings
    }

    /// The report as pretty-printed JSON with sorted keys and RFC 3339 UTC dates, ending in a newline.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// The report for people: every match with its reasons, every phase with its time and drafts, every
    /// action item, the warnings, and the `--why` explanation.
    public func text(ruleSet: RuleSet? = nil) -> String {
        var out = "Rule set \(ruleSetVersion.prefix(12))\n"
        for result in events {
            let event = result.event
            out += "\nEvent \(event.id) (\(event.kind), \(event.status.rawValue), \(event.msgType.rawValue)"
            if !event.countries.isEmpty { out += ", \(event.countries.joined(separator: ", "))" }
            if !event.actors.isEmpty { out += "; acted: \(event.actors.joined(separator: ", "))" }
            out += ")\n"
            if result.matches.isEmpty { out += "  no rule matches\n" }
            for match in result.matches {
                let bundle = match.bundle
                out += "  matches \(match.rule)\(match.alternative > 0 ? " (alternative \(match.alternative + 1))" : ""):\n"
                for reason in match.reasons { out += "    - \(reason)\n" }
                out += "  bundle: incident \(bundle.incidentKey)\(bundle.isDrill ? ", DRILL" : ""); release \(bundle.release.policy.rawValue), "
                out += "not before \(RFC3339.format(bundle.release.notBefore)), expires \(RFC3339.format(bundle.release.expiresAt))"
                out += bundle.release.deskOfficer ? "; needs a desk officer's approval\n" : "\n"
                out += "  suppression: \(bundle.suppression.key) until \(RFC3339.format(bundle.suppression.until))\n"
                if let policy = bundle.corroboration, bundle.msgType != .cancel {
                    let alone = policy.isAuthoritative(event, feed: event.source ?? "")
                        ? "authoritative, so it drafts at once" : "held until corroborated (certainty possible)"
                    out += "  corroboration: \(policy.summary); this report alone is \(alone)\n"
                }
                if bundle.msgType == .cancel {
                    out += "  cancels: withdraws the pending drafts of incident \(bundle.incidentKey), flags approved ones\n"
                    continue
                }
                out += "  drafts (\(bundle.drafts.count)):\n"
                var phase: String?? = .none
                for draft in bundle.drafts {
                    if phase != .some(draft.phase) {
                        phase = .some(draft.phase)
                        let times = Set(bundle.drafts.filter { $0.phase == draft.phase }.map(\.notBefore))
                        var header = "    \(draft.phase ?? "statement")"
                        if times.count == 1, let only = times.first, let at = only { header += ", not before \(RFC3339.format(at))" }
                        out += header + ":\n"
                    }
                    let unverified = ruleSet?.participants[draft.participant]?.accounts
                        .contains { $0.handle == draft.handle && $0.unverified } == true ? " (handle unverified)" : ""
                    // A consular contact nobody could confirm is marked as a handle is: the desk confirms it before release.
                    let contact = ruleSet?.participants[draft.participant]?.contact
                    let unconfirmed = contact.map { $0.unverified && draft.text.contains($0.value) } == true ? " (contact unverified)" : ""
                    out += "      \(draft.participant) \(draft.channel.rawValue) \(draft.language) \(draft.handle)\(unverified)\(unconfirmed)  \(draft.length)/\(draft.limit)"
                    let times = Set(bundle.drafts.filter { $0.phase == draft.phase }.map(\.notBefore))
                    if times.count > 1, let at = draft.notBefore { out += "  not before \(RFC3339.format(at))" }
                    out += draft.state == .needsEdit ? "  NEEDS EDIT: \(draft.problem ?? "")\n" : "\n"
                    if !draft.text.isEmpty { out += "        \(draft.text)\n" }
                }
                if !bundle.actionItems.isEmpty {
                    out += "  action items (\(bundle.actionItems.count)):\n"
                    for item in bundle.actionItems { out += "    - \(item.summary) [\(item.localTime)]\n" }
                }
            }
            for warning in result.warnings { out += "  warning: \(warning)\n" }
            if let why = result.why {
                if why.matched {
                    out += "  why \(why.rule): it matches\n"
                } else {
                    out += "  why not \(why.rule):\n"
                    for (index, failures) in why.failures.enumerated() {
                        let label = why.failures.count > 1 ? "when[\(index)]: " : ""
                        out += "    - \(label)\(failures.joined(separator: "; "))\n"
                    }
                }
            }
        }
        return out
    }
}
