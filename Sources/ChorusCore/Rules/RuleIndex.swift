/// The rules indexed by kind and country: an event looks at the rules for its kind and its countries,
/// and at the few rules constrained by neither, so rules for other kinds and countries cost nothing.
/// Conditions are compiled to bit masks and plain bounds so that checking a candidate is cheap.
struct RuleIndex: Sendable {
    struct Entry: Sendable {
        var rule: Int
        var alternative: Int
        var conditions: CompiledConditions
    }

    private var byKindAndCountry: [String: [String: [Entry]]] = [:]
    private var byKind: [String: [Entry]] = [:]
    private var byCountry: [String: [Entry]] = [:]
    private var unconstrained: [Entry] = []

    init(_ rules: [Rule]) {
        for (ruleIndex, rule) in rules.enumerated() {
            for (alternativeIndex, conditions) in rule.conditions.enumerated() {
                // The bucket an entry sits in guarantees its kind and country; the entry checks the rest.
                let entry = Entry(rule: ruleIndex, alternative: alternativeIndex, conditions: CompiledConditions(conditions))
                switch (conditions.kinds, conditions.countries) {
                case let (kinds?, countries?):
                    for kind in kinds { for country in countries { byKindAndCountry[kind, default: [:]][country, default: []].append(entry) } }
                case let (kinds?, nil):
                    for kind in kinds { byKind[kind, default: []].append(entry) }
                case let (nil, countries?):
                    for country in countries { byCountry[country, default: []].append(entry) }
                case (nil, nil):
                    unconstrained.append(entry)
                }
            }
        }
    }

    func match(_ event: Event, rules: [Rule]) -> [(rule: Int, alternative: Int)] {
        let facts = EventFacts(event)
        var hits: [(rule: Int, alternative: Int)] = []
        func consider(_ entries: [Entry]?) {
            guard let entries else { return }
            for entry in entries where entry.conditions.holds(facts, event) {
                hits.append((entry.rule, entry.alternative))
            }
        }
        if !event.countries.isEmpty {
            let forKind = byKindAndCountry[event.kind]
            for country in event.countries {
                if let forKind { consider(forKind[country]) }
                consider(byCountry[country])
            }
        }
        consider(byKind[event.kind])
        consider(unconstrained)
        guard hits.count > 1 else { return hits }
        hits.sort { ($0.rule, $0.alternative) < ($1.rule, $1.alternative) }
        var unique: [(rule: Int, alternative: Int)] = []
        unique.reserveCapacity(hits.count)
        for hit in hits where unique.last?.rule != hit.rule { unique.append(hit) }
        return unique
    }
}

/// An event's facts in the form compiled conditions test: bit masks and numbers.
struct EventFacts {
    let status: UInt8
    let severity: UInt8
    let certainty: UInt8
    let alertLevel: UInt8
    let fatalities: Double?
    let injured: Double?

    init(_ event: Event) {
        status = 1 << CompiledConditions.bit(event.status)
        severity = 1 << CompiledConditions.bit(event.severity)
        certainty = 1 << CompiledConditions.bit(event.certainty)
        alertLevel = event.alertLevel.map { 1 << CompiledConditions.bit($0) } ?? 0
        fatalities = event.fatalities.map(Double.init)
        injured = event.injured.map(Double.init)
    }
}

/// ``RuleConditions`` compiled for the index: enumerations as bit masks (0 means "any"); kind and country
/// are not repeated here, the index's buckets decide them.
struct CompiledConditions: Sendable {
    var statuses: UInt8
    var severities: UInt8
    var certainties: UInt8
    var alertLevels: UInt8
    var fatalities: NumericRange?
    var injured: NumericRange?
    var magnitude: NumericRange?
    var tags: Set<String>?
    var places: [String]?

    init(_ conditions: RuleConditions) {
        statuses = conditions.statuses.reduce(0) { $0 | 1 << Self.bit($1) }
        severities = conditions.severities?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        certainties = conditions.certainties?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        alertLevels = conditions.alertLevels?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        fatalities = conditions.fatalities
        injured = conditions.injured
        magnitude = conditions.magnitude
        tags = conditions.tags
        places = conditions.places
    }

    @inline(__always)
    func holds(_ facts: EventFacts, _ event: Event) -> Bool {
        if statuses & facts.status == 0 { return false }
        if severities != 0 && severities & facts.severity == 0 { return false }
        if certainties != 0 && certainties & facts.certainty == 0 { return false }
        if alertLevels != 0 && alertLevels & facts.alertLevel == 0 { return false }
        if let fatalities, !fatalities.contains(facts.fatalities) { return false }
        if let injured, !injured.contains(facts.injured) { return false }
        if let magnitude, !magnitude.contains(event.magnitude) { return false }
        if let tags, !event.tags.contains(where: tags.contains) { return false }
        if let places {
            guard let place = event.place?.lowercased(), places.contains(where: { place.contains($0) }) else { return false }
        }
        return true
    }

    static func bit(_ status: Event.Status) -> UInt8 {
        switch status {
        case .actual: return 0
        case .exercise: return 1
        case .test: return 2
        case .draft: return 3
        case .system: return 4
        }
    }

    static func bit(_ severity: Event.Severity) -> UInt8 {
        switch severity {
        case .extreme: return 0
        case .severe: return 1
        case .moderate: return 2
        case .minor: return 3
        case .unknown: return 4
        }
    }

    static func bit(_ certainty: Event.Certainty) -> UInt8 {
        switch certainty {
        case .observed: return 0
        case .likely: return 1
        case .possible: return 2
        case .unlikely: return 3
        case .unknown: return 4
        }
    }

    static func bit(_ level: Event.AlertLevel) -> UInt8 {
        switch level {
        case .red: return 0
        case .orange: return 1
        case .yellow: return 2
        case .green: return 3
        }
    }
}

