import Foundation

/// An event's facts as every draft of its bundle names them, worked out once: the place the gazetteer
/// knows it by, the clock where it happened, the language the feed wrote its place in, the forms of its
/// name in other scripts, the facts its tags state, and — for an update — the figures it revised.
public struct DraftFacts: Sendable {
    /// The event.
    public var event: Event
    /// The gazetteer's place for the event's `place` text, in one of its countries.
    public var place: Place?
    /// The time zone where it happened: the place's, else the affected country's (the zone nearest the
    /// event's location in a country with several); `nil` when neither is known.
    public var timeZone: TimeZone?
    /// The language of the feed's own `place` text: the one language its headlines are in, if they are
    /// in exactly one. A place the gazetteer does not know is shown only in drafts in that language.
    public var placeLanguage: String?
    /// The forms of the event's name in the languages not written in Latin letters (``EventNames``).
    public var nameForms: [String: String]
    /// The values of the facts the event's tags state (``EventFact``).
    public var facts: [EventFact: Set<String>]
    /// On an update that changed the number of people killed: the number the bundle stood on before it.
    public var previousFatalities: Int?
    /// On an update that changed the number of people injured: the number before it.
    public var previousInjured: Int?

    /// Works out the facts of `event` with `gazetteer` and the table of `names`; `previous` is, for an update
    /// (or a feed's revision of its alert), the facts its bundle stood on before it
    /// (``Correlation/merged(_:over:)``), whose figures the templates can name.
    public init(event: Event, gazetteer: Gazetteer, names: EventNames = .empty, previous: Event? = nil) {
        self.event = event
        facts = EventFact.values(in: event.tags)
        nameForms = event.name.map(names.forms(of:)) ?? [:]
        if let previous {
            func revised(_ before: Int?, _ after: Int?) -> Int? {
                guard let before, let after, before != after else { return nil }
                return before
            }
            previousFatalities = revised(previous.fatalities, event.fatalities)
            previousInjured = revised(previous.injured, event.injured)
        }
        let text = event.place?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        place = text.isEmpty ? nil : gazetteer.resolve(text, countries: event.countries)
        let zoneName = place?.timeZone ?? event.countries.first.flatMap { CountryTimeZones.zone(of: $0, near: event.location) }
        timeZone = zoneName.flatMap(TimeZone.init(identifier:))
        let languages = Set(event.headline.keys.map(LanguageSupport.primary))
        placeLanguage = languages.count == 1 ? languages.first : nil
    }
}
