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
        /// The bundle it would draft; for an update of a bundle drafted earlier in the run, only the drafts it
        /// redrafts (the others stand).
        public var bundle: BundlePlan
        /// Present when the event updates a bundle drafted earlier in the same run.
        public var update: UpdateResult?
    }

    /// What an update does to a bundle an earlier event of the run drafted (``Correlation``, as the store
    /// decides it).
    public struct UpdateResult: Sendable, Hashable, Codable {
        /// The event that opened the bundle.
        public var bundleOf: String
        /// The facts it changed, after fields it leaves out kept their values (``Correlation/merged(_:over:)``).
        public var changes: [FactChange]
        /// Drafts whose text changes, superseded by the redraft (and slots the bundle did not have yet).
        public var redrafted: Int
        /// Drafts whose text stays but that stand on the new facts from now on.
        public var restated: Int
        /// Drafts the update leaves as they were.
        public var unchanged: Int
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

    /// A bundle drafted earlier in the run, as later events of the run find it.
    private struct RunBundle {
        var rule: Rule
        var opener: String
        /// The events drafted into it: the opener and the updates applied to it.
        var contributors: Set<String>
        /// The gestures it asked for (`action:landmark`).
        var gestures: Set<String>
        var bundle: CorrelatedBundle
        var nextDraftID: Int
    }

    /// Runs `events` through `ruleSet` as of `now` (`nil`: each event's `sentAt`, else `occurredAt`, else the
    /// current time); with `why`, explains that rule's decision for every event.
    ///
    /// The events are one story, as a drill's steps or a feed's file are: an update or a cancel that refers
    /// to an earlier event of the run (its `references`, or its `incident`) applies to the bundles that event
    /// drafted as the store would apply it — merged over their facts, redrafting only the drafts whose text
    /// changes — whether or not it would match the rule on its own.
    public init(events: [Event], ruleSet: RuleSet, now: Date?, why: Rule? = nil) {
        ruleSetVersion = ruleSet.version
        var bundles: [RunBundle] = []
        var results: [EventResult] = []
        for event in events {
            let time = now ?? event.sentAt ?? event.occurredAt ?? Date()
            let feed = event.source ?? ""
            var matches: [MatchResult] = []
            var updatedRules: Set<String> = []
            if event.msgType != .alert {
                for index in bundles.indices {
                    let run = bundles[index]
                    let link: CorrelationLink
                    if event.references.contains(where: run.contributors.contains) {
                        link = .reference
                    } else if event.incident.map({ $0 == run.bundle.incidentKey }) ?? false {
                        link = .incident
                    } else {
                        continue
                    }
                    guard !updatedRules.contains(run.rule.id) else { continue }
                    let relation = Correlation.relation(of: event, feed: feed, link: link, to: run.bundle)
                    guard relation == .update || relation == .cancel else { continue }
                    updatedRules.insert(run.rule.id)
                    let current = run.bundle.current
                    let merged = Correlation.merged(event, over: current)
                    let plan = BundlePlanner.plan(event: merged, rule: run.rule, ruleSet: ruleSet, now: time, previous: current)
                    let decision = Correlation.decide(event: merged, feed: feed, link: link, plan: plan, bundle: run.bundle)
                    var shown = plan
                    shown.drafts = []
                    var restated = 0
                    var touched: Set<Int> = []
                    var state = run
                    for draft in decision.drafts {
                        switch draft {
                        case .insert(let new):
                            shown.drafts.append(new)
                            state.bundle.drafts.append(Self.snapshot(new, id: state.nextDraftID))
                            state.nextDraftID += 1
                        case .supersede(let id, let new, _):
                            shown.drafts.append(new)
                            touched.insert(id)
                            state.bundle.drafts = state.bundle.drafts.map { $0.id == id ? Self.retired($0, .superseded) : $0 }
                            state.bundle.drafts.append(Self.snapshot(new, id: state.nextDraftID))
                            state.nextDraftID += 1
                        case .restate(let id, _):
                            restated += 1
                            touched.insert(id)
                        case .withdraw(let id):
                            touched.insert(id)
                            state.bundle.drafts = state.bundle.drafts.map { $0.id == id ? Self.retired($0, .withdrawn) : $0 }
                        case .flag(let id):
                            touched.insert(id)
                        }
                    }
                    let live = run.bundle.liveDrafts.count
                    if decision.movesFacts { state.bundle.current = merged }
                    state.contributors.insert(event.id)
                    let update = relation == .update
                        ? UpdateResult(bundleOf: run.opener, changes: decision.changes,
                                       redrafted: shown.drafts.count, restated: restated, unchanged: live - touched.count)
                        : nil
                    let why = link == .reference
                        ? "refers to \(event.references.filter(run.contributors.contains).joined(separator: ", ")), whose bundle it \(relation == .update ? "updates" : "cancels")"
                        : "names incident \(run.bundle.incidentKey), whose bundle it \(relation == .update ? "updates" : "cancels")"
                    // Gestures the bundle has already asked for stay as they are (the store keeps them by landmark).
                    shown.actionItems = plan.actionItems.filter { state.gestures.insert("\($0.action):\($0.landmark)").inserted }
                    bundles[index] = state
                    matches.append(MatchResult(rule: run.rule.id, alternative: 0, reasons: [why], bundle: shown, update: update))
                }
            }
            for match in ruleSet.match(event) where !updatedRules.contains(match.rule.id) {
                let plan = BundlePlanner.plan(event: event, rule: match.rule, ruleSet: ruleSet, now: time)
                matches.append(MatchResult(rule: match.rule.id, alternative: match.alternative, reasons: match.reasons(for: event),
                                           bundle: plan, update: nil))
                if event.msgType == .alert || !plan.drafts.isEmpty {
                    let drafts = plan.drafts.enumerated().map { Self.snapshot($0.element, id: $0.offset + 1) }
                    bundles.append(RunBundle(rule: match.rule, opener: event.id, contributors: [event.id],
                                             gestures: Set(plan.actionItems.map { "\($0.action):\($0.landmark)" }),
                                             bundle: CorrelatedBundle(id: bundles.count + 1, incidentKey: plan.incidentKey, current: event,
                                                                      currentFeed: feed, drafts: drafts),
                                             nextDraftID: drafts.count + 1))
                }
            }
            matches.sort { $0.rule < $1.rule }
            let whyResult = why.map { rule in
                let failures = rule.conditions.map { $0.failures(event) }
                return WhyResult(rule: rule.id, matched: failures.contains { $0.isEmpty }, failures: failures)
            }
            results.append(EventResult(event: event, matches: matches, warnings: Self.identicalTexts(matches), why: whyResult))
        }
        Self.addOverlaps(to: &results)
        self.events = results
    }

    private static func snapshot(_ draft: Draft, id: Int) -> DraftSnapshot {
        DraftSnapshot(id: id, slot: draft.slot, state: draft.state, text: draft.text, revision: 1)
    }

    private static func retired(_ draft: DraftSnapshot, _ state: DraftState) -> DraftSnapshot {
        var draft = draft
        draft.state = state
        return draft
    }

    /// Texts two senders would post word for word, per rule.
    static func identicalTexts(_ matches: [MatchResult]) -> [String] {
        var warnings: [String] = []
        for match in matches {
            let drafts = match.bundle.drafts
            for group in IdenticalTexts.groups(drafts.map { IdenticalTexts.Item(sender: $0.participant, text: $0.text) }) {
                let who = group.map { "\(drafts[$0].participant) \(drafts[$0].channel.rawValue) \(drafts[$0].language)" }.joined(separator: ", ")
                warnings.append("rule \(match.rule): the same text would go out under several senders: \(who)")
            }
        }
        return warnings
    }

    /// Two rules that would both post to one account (a participant's handle on a channel) about one event:
    /// once per pair of rules in the run, on the first event where it happens, naming the accounts and the
    /// later events where it happens again. Only drafts a rule actually drafts for the event count (an
    /// update's redrafts, not the drafts it leaves standing).
    static func addOverlaps(to results: inout [EventResult]) {
        struct Pair: Hashable { var first: String, second: String }
        var firstSeen: [Pair: (event: Int, accounts: [String])] = [:]
        var again: [Pair: [String]] = [:]
        var order: [Pair] = []
        for (index, result) in results.enumerated() {
            var accountsByRule: [String: [String]] = [:]
            for match in result.matches {
                var seen: Set<String> = []
                for draft in match.bundle.drafts {
                    let account = "\(draft.participant) \(draft.channel.rawValue) (\(draft.handle))"
                    if seen.insert(account).inserted { accountsByRule[match.rule, default: []].append(account) }
                }
            }
            let rules = accountsByRule.keys.sorted()
            for (position, first) in rules.enumerated() {
                for second in rules[(position + 1)...] {
                    let theirs = Set(accountsByRule[second] ?? [])
                    let shared = (accountsByRule[first] ?? []).filter(theirs.contains)
                    guard !shared.isEmpty else { continue }
                    let pair = Pair(first: first, second: second)
                    if firstSeen[pair] == nil {
                        firstSeen[pair] = (index, shared)
                        order.append(pair)
                    } else {
                        again[pair, default: []].append(result.event.id)
                    }
                }
            }
        }
        for pair in order {
            guard let (index, accounts) = firstSeen[pair] else { continue }
            let listed = accounts.prefix(5).joined(separator: ", ") + (accounts.count > 5 ? " and \(accounts.count - 5) more" : "")
            var warning = "rules \(pair.first) and \(pair.second) would both post to \(accounts.count) account\(accounts.count == 1 ? "" : "s") "
                + "about this event: \(listed)"
            if let later = again[pair] {
                warning += "; again for \(later.count == 1 ? "event" : "events") \(later.joined(separator: ", "))"
            }
            warning += ": keep one, or make their conditions exclusive"
            results[index].warnings.insert(warning, at: 0)
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
                if let update = match.update {
                    out += "  updates the bundle of \(update.bundleOf): "
                        + (update.changes.isEmpty ? "no fact changes\n" : "\(update.changes.summary)\n")
                    if update.redrafted == 0 && update.restated == 0 {
                        out += "  redrafts nothing: no draft's text changes (\(update.unchanged) drafts stand)\n"
                        continue
                    }
                    var parts = ["redrafts \(update.redrafted) draft\(update.redrafted == 1 ? "" : "s") whose text changes"]
                    if update.restated > 0 { parts.append("\(update.restated) keep their text and stand on the new facts") }
                    if update.unchanged > 0 { parts.append("\(update.unchanged) stand as they were") }
                    out += "  " + parts.joined(separator: "; ") + "\n"
                    if bundle.drafts.isEmpty { continue }
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
                    if let at = draft.notBefore, let rest = draft.restPeriods?.first(where: { $0.end == at }) {
                        out += "  (the sender's rest day: \(rest.reasons.joined(separator: ", ")))"
                    }
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
