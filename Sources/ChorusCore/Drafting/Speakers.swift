import Foundation

/// Who speaks in each phase of a bundle, by the part their country plays in the event (PRODUCT.md §10):
/// partners show solidarity, the stricken country answers, a landmark's government posts about its
/// gesture — and a state that acted (`actors`: the state that expelled diplomats) never speaks.
struct Speakers {
    /// One sender in one phase.
    struct Speaker {
        var sender: RuleSender
        var participant: Participant
        /// The landmark a gesture phase's speaker posts about.
        var landmark: String?
        /// When the gesture this speaker follows takes place: its own in a gesture phase; else, for an
        /// embassy, the last gesture in its host country (it never thanks its hosts before their landmark
        /// is lit), and for everyone else the bundle's first gesture.
        var gestureAt: Date?
    }

    let event: Event
    let senders: [(RuleSender, Participant)]
    let affected: Set<String>
    let actors: Set<String>
    /// The countries of the rule's senders who speak as partners: the stricken country's embassies there answer.
    let partnerCountries: Set<String>
    let landmarks: [String: Landmark]

    init(event: Event, rule: Rule, ruleSet: RuleSet) {
        self.event = event
        landmarks = ruleSet.landmarks
        senders = rule.senders.compactMap { sender in ruleSet.participants[sender.participant].map { (sender, $0) } }
        affected = Set(event.countries)
        actors = Set(event.actors)
        var partners: Set<String> = []
        let affected = self.affected, actors = self.actors
        for (_, participant) in senders where Self.isPartner(participant, affected: affected, actors: actors) { partners.insert(participant.country) }
        partnerCountries = partners
    }

    static func isPartner(_ participant: Participant, affected: Set<String>, actors: Set<String>) -> Bool {
        !affected.contains(participant.country) && !actors.contains(participant.country) && participant.host.map(affected.contains) ?? true
    }

    /// The speakers of `phase`, in the rule's order of participants (for a gesture phase: gesture by gesture).
    func of(_ phase: Phase, actionItems: [ActionItem]) -> [Speaker] {
        let firstGesture = actionItems.map(\.at).min()
        func followed(by participant: Participant) -> Date? {
            guard let host = participant.host else { return firstGesture }
            return actionItems.filter { landmarks[$0.landmark]?.country == host }.map(\.at).max() ?? firstGesture
        }
        let candidates = senders.filter { sender, participant in
            !actors.contains(participant.country) && (phase.participants?.contains(participant.id) ?? true)
        }
        switch phase.speakers {
        case .partners:
            return candidates.filter { Self.isPartner($0.1, affected: affected, actors: actors) }
                .map { Speaker(sender: $0.0, participant: $0.1, landmark: nil, gestureAt: followed(by: $0.1)) }
        case .affected:
            return candidates.filter { _, participant in
                guard affected.contains(participant.country) else { return false }
                guard let host = participant.host else { return true }
                return !affected.contains(host) && partnerCountries.contains(host)
            }.map { Speaker(sender: $0.0, participant: $0.1, landmark: nil, gestureAt: followed(by: $0.1)) }
        case .all:
            return candidates.filter { $0.1.host.map(affected.contains) ?? true }
                .map { Speaker(sender: $0.0, participant: $0.1, landmark: nil, gestureAt: followed(by: $0.1)) }
        case .gesture:
            return actionItems.flatMap { item in
                candidates.filter { _, participant in
                    participant.country == landmarks[item.landmark]?.country && (participant.host.map(affected.contains) ?? true)
                }.map { Speaker(sender: $0.0, participant: $0.1, landmark: item.landmark, gestureAt: item.at) }
            }
        }
    }
}
