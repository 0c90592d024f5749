/// The rules indexed by kind and country: an event looks at the rules for its kind and its countries,
/// and at the few rules constrained by neither, so rules for other kinds and countries cost nothing.
/// Conditions are compiled to bit masks and plain bounds so that checking a candidate is cheap.
struct RuleIndex: Sendable {
    /// Every alternative of every rule, in (rule, alternative) order: a flat id is an index here.
    private var conditions: [CompiledConditions] = []
    private var ruleOf: [Int32] = []
    private var alternativeOf: [Int32] = []
    // Buckets hold flat ids, so that looking through one copies nothing but integers.
    private var byKindAndCountry: [String: [String: [Int32]]] = [:]
    private var byKind: [String: [Int32]] = [:]
    private var byCountry: [String: [Int32]] = [:]
    private var unconstrained: [Int32] = []

    init(_ rules: [Rule]) {
        for (ruleIndex, rule) in rules.enumerated() {
            for (alternativeIndex, alternative) in rule.conditions.enumerated() {
                // The bucket an entry sits in guarantees its kind and country; the entry checks the rest.
                let id = Int32(conditions.count)
                conditions.append(CompiledConditions(alternative))
                ruleOf.append(Int32(ruleIndex))
                alternativeOf.append(Int32(alternativeIndex))
                switch (alternative.kinds, alternative.countries) {
                case let (kinds?, countries?):
                    for kind in kinds { for country in countries { byKindAndCountry[kind, default: [:]][country, default: []].append(id) } }
                case let (kinds?, nil):
                    for kind in kinds { byKind[kind, default: []].append(id) }
                case let (nil, countries?):
                    for country in countries { byCountry[country, default: []].append(id) }
                case (nil, nil):
                    unconstrained.append(id)
                }
            }
        }
    }

    func match(_ event: Event, rules: [Rule]) -> [RuleMatch] {
        let facts = EventFacts(event)
        var hits: [Int32] = []
        // Each bucket holds ids in increasing order: hits from one bucket need no sort.
        var bucketsHit = 0
        conditions.withUnsafeBufferPointer { compiled in
            func consider(_ ids: [Int32]?) {
                guard let ids else { return }
                let before = hits.count
                for id in ids where compiled[Int(id)].holds(facts, event) { hits.append(id) }
                if hits.count > before { bucketsHit += 1 }
            }
            if !event.countries.isEmpty {
                let forKind = byKindAndCountry[event.kind]
                for country in event.countries {
                    if let forKind { consider(forKind[country]) }
                    consider(byCountry[country])
                }
            }
            consider(byKind[event.kind])
            if !unconstrained.isEmpty { consider(unconstrained) }
        }
        guard !hits.isEmpty else { return [] }
        if bucketsHit > 1 { hits.sort() }
        // Flat ids are in (rule, alternative) order: the first hit of each rule is its first alternative that held.
        var result: [RuleMatch] = []
        result.reserveCapacity(hits.count)
        var lastRule: Int32 = -1
        for id in hits where ruleOf[Int(id)] != lastRule {
            lastRule = ruleOf[Int(id)]
            result.append(RuleMatch(rule: rules[Int(lastRule)], alternative: Int(alternativeOf[Int(id)])))
        }
        return result
    }
}

/// An event's facts in the form compiled conditions test: bit masks and numbers.
struct EventFacts {
    let status: UInt8
    let messageType: UInt8
    let severity: UInt8
    let certainty: UInt8
    let alertLevel: UInt8
    let fatalities: Double?
    let injured: Double?

    init(_ event: Event) {
        status = 1 << CompiledConditions.bit(event.status)
        messageType = 1 << CompiledConditions.bit(event.msgType)
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
    var messageTypes: UInt8
    var severities: UInt8
    var certainties: UInt8
    var alertLevels: UInt8
    var fatalities: NumericRange?
    var unknownFatalities: Bool
    var injured: NumericRange?
    var unknownInjured: Bool
    var magnitude: NumericRange?
    var tags: Set<String>?
    var places: [String]?
    /// Actor conditions are rare: one optional box keeps the common entry small.
    var actorConditions: RuleConditions?

    init(_ conditions: RuleConditions) {
        statuses = conditions.statuses.reduce(0) { $0 | 1 << Self.bit($1) }
        messageTypes = conditions.messageTypes?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        severities = conditions.severities?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        certainties = conditions.certainties?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        alertLevels = conditions.alertLevels?.reduce(0) { $0 | 1 << Self.bit($1) } ?? 0
        fatalities = conditions.fatalities
        unknownFatalities = conditions.unknownFatalities
        injured = conditions.injured
        unknownInjured = conditions.unknownInjured
        magnitude = conditions.magnitude
        tags = conditions.tags
        places = conditions.places
        let usesActors = conditions.actors != nil || conditions.requiresActor || conditions.excludedActors != nil
        actorConditions = usesActors
            ? RuleConditions(statuses: Set(Event.Status.allCases), actors: conditions.actors, requiresActor: conditions.requiresActor,
                             excludedActors: conditions.excludedActors)
            : nil
    }

    @inline(__always)
    func holds(_ facts: EventFacts, _ event: Event) -> Bool {
        if statuses & facts.status == 0 { return false }
        if messageTypes != 0 && messageTypes & facts.messageType == 0 { return false }
        if severities != 0 && severities & facts.severity == 0 { return false }
        if certainties != 0 && certainties & facts.certainty == 0 { return false }
        if alertLevels != 0 && alertLevels & facts.alertLevel == 0 { return false }
        if fatalities != nil || unknownFatalities, !Self.count(facts.fatalities, fatalities, unknown: unknownFatalities) { return false }
        if injured != nil || unknownInjured, !Self.count(facts.injured, injured, unknown: unknownInjured) { return false }
        if let magnitude, !magnitude.contains(event.magnitude) { return false }
        if let tags, !event.tags.contains(where: tags.contains) { return false }
        if let places {
            guard let place = event.place?.lowercased(), places.contains(where: { place.contains($0) }) else { return false }
        }
        if let actorConditions, !actorConditions.matches(event) { return false }
        return true
    }

    @inline(__always)
    static func count(_ value: Double?, _ range: NumericRange?, unknown: Bool) -> Bool {
        guard let value else { return unknown }
        return range?.contains(value) ?? false
    }

    static func bit(_ type: Event.MessageType) -> UInt8 {
        switch type {
        case .alert: return 0
        case .update: return 1
        case .cancel: return 2
        }
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

