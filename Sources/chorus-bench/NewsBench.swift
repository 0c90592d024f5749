import ChorusCore
import ChorusFeeds
import ChorusService
import Foundation

/// PRODUCT.md §9, news: items classified — and classified, matched, planned and weighed for corroboration —
/// per second on one core, over a generated day of EMM-sized traffic (``NewsDay``), against the same run's
/// floor: only cutting the same texts into words, which every classification starts with.
enum NewsBench {
    /// The shipped rules plus one that watches every incident kind the news reports, anywhere, and demands
    /// three independent origins within a day: so that a day's reports hold and open incidents.
    static func rulesDirectory(from rules: URL, in workspace: URL) throws -> URL {
        let directory = workspace.appendingPathComponent("news-rules", isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: rules, to: directory)
        try """
        {
          id: "news-watch",
          description: "chorus-bench: every incident the news reports, anywhere, once corroborated",
          when: { kind: ["shooting", "terror_attack", "explosion", "earthquake", "flood"] },
          participants: [ { participant: "de-foreign-office", channels: ["x"], languages: ["en"] } ],
          templates: { en: "We are following the news{{#place}} from {{place}}{{/place}} with great concern." },
          release: { policy: "each", expiry: "48h" },
          suppress: { key: ["incident"], window: "24h" },
          corroboration: { sources: 3, window: "24h" },
        }
        """.write(to: directory.appendingPathComponent("rules/news-watch.json5"), atomically: true, encoding: .utf8)
        return directory
    }

    /// `items`: that many items, each pass once (for callgrind: instructions, not seconds, are the figure).
    static func run(rules: URL, workspace: URL, quick: Bool, items count: Int? = nil, into table: inout ReportTable) throws {
        let ruleSet = try RuleSet.load(from: try rulesDirectory(from: rules, in: workspace))
        let classifier = NewsClassifier(options: ParserOptions(kinds: try ruleSet.feedKindMapping(), gazetteer: ruleSet.gazetteer))
        let stage = DraftingStage(ruleSet: ruleSet)
        let items = NewsDay(count: count ?? (quick ? 30_000 : 100_000)).items
        let runs = count != nil ? 1 : quick ? 3 : 5
        let warmups = count != nil ? 0 : 1
        var events = 0
        let rate = Measurement.median(runs: runs, warmups: warmups) {
            var found = 0
            let seconds = Measurement.seconds {
                for item in items where classifier.event(from: item, publisher: "emm.newsbrief.eu") != nil { found += 1 }
            }
            events = found
            return Double(items.count) / seconds
        }
        let floor = Measurement.median(runs: runs, warmups: warmups) {
            var words = 0
            let seconds = Measurement.seconds {
                for item in items {
                    words += NewsText.words(item.title ?? "", limit: 80).count + NewsText.words(item.summary ?? "", limit: 120).count
                }
            }
            precondition(words > 0)
            return Double(items.count) / seconds
        }
        table.add("news", "items/s classified, one core, \(items.count.grouped) items of a generated EMM day (target ≥ 20,000)", rate.grouped,
                  baseline: "\(floor.grouped) only cut into words", ratio: "\((floor / rate).twoDecimals)× the floor")
        table.add("news", "share of the stream that became events", "\(events.grouped) of \(items.count.grouped)")

        // What the daemon does with them before the database: classify, match and plan (DraftingStage),
        // then weigh each report of a rule that demands corroboration against the incidents it holds.
        var weighed = InMemoryCorroboration()
        let correlated = Measurement.median(runs: runs, warmups: warmups) {
            var ledger = InMemoryCorroboration()
            let seconds = Measurement.seconds {
                for start in stride(from: 0, to: items.count, by: 1_000) {
                    let found = items[start..<min(start + 1_000, items.count)].compactMap {
                        classifier.event(from: $0, publisher: "emm.newsbrief.eu")
                    }
                    let batch = stage.batch(source: "emm", origin: "bench", result: ParseResult(events: found), cursor: nil, now: Date())
                    for planned in batch.events { ledger.weigh(planned.event, plans: planned.plans, feed: "emm") }
                }
            }
            weighed = ledger
            return Double(items.count) / seconds
        }
        table.add("news", "items/s classified, matched, planned and weighed for corroboration, one core, in memory (target ≥ 20,000)",
                  correlated.grouped, baseline: "classification alone \(rate.grouped)",
                  ratio: "\((rate / correlated).twoDecimals)× its time")
        table.add("news", "incidents after the day (rules that demand corroboration)",
                  "\(weighed.held.grouped) held, \(weighed.corroborated.grouped) corroborated",
                  baseline: "\(weighed.reports.grouped) reports weighed")
    }
}

/// The corroboration ledger's work without a database: the same ``Corroboration`` functions on incidents
/// indexed by rule, kind and country, as the store's lookup finds them.
struct InMemoryCorroboration {
    private var incidents: [HeldIncident] = []
    private var byKey: [String: [Int]] = [:]
    private(set) var reports = 0

    var held: Int { incidents.count { $0.state == .held } }
    var corroborated: Int { incidents.count { $0.state == .corroborated } }

    mutating func weigh(_ event: Event, plans: [BundlePlan], feed: String) {
        for plan in plans {
            guard let policy = plan.corroboration else { continue }
            let keys = event.countries.map { "\(plan.ruleID)|\(event.kind)|\($0)" }
            let candidates = Array(Set(keys.flatMap { byKey[$0] ?? [] })).sorted()
            let index: Int
            if let found = Corroboration.bestMatch(for: event, among: candidates.map { incidents[$0] }) {
                index = candidates[found]
            } else {
                index = incidents.count
                incidents.append(HeldIncident(id: nil, ruleID: plan.ruleID, isDrill: plan.isDrill, sketch: IncidentSketch(event),
                                              firstSeenAt: Date(), expiresAt: Date().addingTimeInterval(Double(policy.windowSeconds))))
                for key in keys { byKey[key, default: []].append(index) }
            }
            _ = Corroboration.add(CorroborationReport(event, feed: feed, policy: policy), of: event, to: &incidents[index], policy: policy)
            reports += 1
        }
    }
}
