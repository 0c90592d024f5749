import Foundation

/// What `chorus rules test` reports: for each event, the rules it matches, why, and the bundle each
/// would draft. Its JSON (``jsonText()``) is a stable format documented in docs/RULES.md.
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

    /// Runs `events` through `ruleSet` as of `now` (`nil`: each event's `sentAt`, else `occurredAt`, else the current time).
    public init(events: [Event], ruleSet: RuleSet, now: Date?) {
        ruleSetVersion = ruleSet.version
        self.events = events.map { event in
            let time = now ?? event.sentAt ?? event.occurredAt ?? Date()
            let matches = ruleSet.match(event).map { match in
                MatchResult(rule: match.rule.id, alternative: match.alternative, reasons: match.reasons(for: event),
                            bundle: BundlePlanner.plan(event: event, rule: match.rule, ruleSet: ruleSet, now: time))
            }
            return EventResult(event: event, matches: matches)
        }
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

    /// The report for people: every match with its reasons, every draft with its length, every action item.
    public func text() -> String {
        var out = "Rule set \(ruleSetVersion.prefix(12))\n"
        for result in events {
            let event = result.event
            out += "\nEvent \(event.id) (\(event.kind), \(event.status.rawValue), \(event.msgType.rawValue)"
            if !event.countries.isEmpty { out += ", \(event.countries.joined(separator: ", "))" }
            out += ")\n"
            if result.matches.isEmpty { out += "  no rule matches\n" }
            for match in result.matches {
                let bundle = match.bundle
                out += "  matches \(match.rule)\(match.alternative > 0 ? " (alternative \(match.alternative + 1))" : ""):\n"
                for reason in match.reasons { out += "    - \(reason)\n" }
                out += "  bundle: incident \(bundle.incidentKey)\(bundle.isDrill ? ", DRILL" : ""); release \(bundle.release.policy.rawValue), "
                out += "not before \(RFC3339.format(bundle.release.notBefore)), expires \(RFC3339.format(bundle.release.expiresAt))\n"
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
                for draft in bundle.drafts {
                    out += "    \(draft.participant) \(draft.channel.rawValue) \(draft.language) \(draft.handle)  \(draft.length)/\(draft.limit)"
                    out += draft.state == .needsEdit ? "  NEEDS EDIT: \(draft.problem ?? "")\n" : "\n"
                    if !draft.text.isEmpty { out += "      \(draft.text)\n" }
                }
                if !bundle.actionItems.isEmpty {
                    out += "  action items (\(bundle.actionItems.count)):\n"
                    for item in bundle.actionItems { out += "    - \(item.summary) [\(item.localTime)]\n" }
                }
            }
        }
        return out
    }
}
