import ChorusCore
import Foundation

/// Turns a news item into an event — or says it is not about an incident.
///
/// A news item is a report, not a fact, so the event claims no more than the item says:
/// - **kind**: an incident category (`news.categories` of `kinds.json5`), else the headline's keywords in
///   the item's language (the first rule in file order wins), else the lead's (the phrase that comes first
///   wins). None, or a not-an-incident word in the headline (an anniversary, a trial), and there is no event.
/// - **countries** where it happened, never the outlet's: the places a geotagger named (EMM), the item's own
///   points (``CoarseCountryBoundaries``), categories that are country names, countries and the
///   gazetteer's places named in the headline (``PlaceLookup``, ``GazetteerPlaceLookup``: the place gives
///   its country), else the first country the lead names (a lead may open with the outlet's dateline),
///   else the lead's first place. The place is the first the tagger or the headline
///   names, else the lead's first place in one of those countries. For an expulsion, a country named
///   before the verb is the actor ("Russia expels …"), one named after it the affected country.
/// - **casualties** only when the headline or lead states a figure (``CasualtyReader``); else unknown. A
///   figure stated as a minimum ("at least 12") carries the fact tag `fatalities:minimum` / `injured:minimum`.
/// - **origin**: the publisher's domain, or the agency whose byline the item carries (``NewsOrigin``).
/// - **certainty** `possible`: one report. Corroboration raises it when independent reports agree.
/// - no `occurredAt`: a publication date is not when something happened.
public struct NewsClassifier: Sendable {
    let options: ParserOptions
    let places: any PlaceLookup
    let boundaries: CoarseCountryBoundaries

    /// The fact tags of a minimum figure (docs/EVENTS.md, "Fact tags").
    static let fatalitiesMinimumTag = "fatalities:minimum"
    static let injuredMinimumTag = "injured:minimum"

    /// The longest lead kept on the event.
    static let maximumLeadCharacters = 2000
    /// How much of the lead is read: for the kind when the headline names none (further in, a lead
    /// talks about other things — "we have endured floods and fires"), for casualty figures, for places.
    static let leadKindWords = 30
    static let leadFigureWords = 60
    static let leadWords = 120

    /// A classifier with `options`, reading places with `places` (by default the options' own).
    public init(options: ParserOptions, places: (any PlaceLookup)? = nil, boundaries: CoarseCountryBoundaries = .shared) {
        self.options = options
        self.places = places ?? options.places
        self.boundaries = boundaries
    }

    /// The event `item` reports, `nil` when it is not about an incident. `publisher` is the feed's own host,
    /// used when the item has no link of its own.
    public func event(from item: NewsItem, publisher: String?) -> Event? {
        let vocabulary = options.kinds.news
        let titleWords = NewsText.words(item.title ?? "", limit: 80)
        let leadWords = NewsText.words(item.summary ?? "", limit: Self.leadWords)
        let headline = vocabulary.read(titleWords.isEmpty ? leadWords : titleWords, language: item.language)
        if headline.isNotIncident { return nil }
        let categoryKind = item.categories.lazy.compactMap { vocabulary.kind(ofCategory: $0) }.first
        var kind = categoryKind ?? headline.kind
        var kindPosition = categoryKind == nil ? headline.firstPosition : nil
        var kindInTitle = !titleWords.isEmpty
        if kind == nil, !titleWords.isEmpty {
            let lead = vocabulary.read(Array(leadWords.prefix(Self.leadKindWords)), language: item.language)
            if lead.isNotIncident { return nil }
            kind = lead.firstKind
            kindPosition = lead.firstPosition
            kindInTitle = false
        }
        guard let kind, options.kinds.kinds.contains(kind) else { return nil }

        var event = Event(id: item.id, source: publisher ?? "news", kind: kind)
        event.certainty = .possible
        event.sentAt = item.published
        event.tags = ["news"]

        // Where it happened.
        var countries: [String] = []
        var actors: [String] = []
        func add(_ code: String) { if !countries.contains(code) { countries.append(code) } }
        for place in item.taggedPlaces {
            if let country = place.country { add(country) }
            if event.place == nil, let name = place.name { event.place = name }
            if event.location == nil { event.location = place.location }
        }
        for point in item.points {
            if event.location == nil { event.location = point }
            if let country = boundaries.country(at: point) { add(country) }
        }
        for category in item.categories {
            let words = NewsText.words(category, limit: 8)
            let found = places.places(in: words, language: item.language)
            if found.count == 1, let only = found.first, only.position == 0, words.count <= 3 { add(only.country) }
        }
        let named = places.places(in: titleWords, language: item.language)
        for place in named {
            if kind == "diplomatic_expulsion", kindInTitle, let position = kindPosition, place.position < position {
                if !actors.contains(place.country) { actors.append(place.country) }
                continue
            }
            add(place.country)
            if event.place == nil, let name = place.name { event.place = name }
            if event.location == nil { event.location = place.location }
        }
        // The lead's places, read only when the headline left the country or the place open.
        let inLead = countries.isEmpty || event.place == nil ? places.places(in: leadWords, language: item.language) : []
        // A lead's country name before its places: a lead often opens with the outlet's dateline
        // ("Frankfurt (ots) - Der mutmaßliche Absturz der Egyptair-Maschine …").
        if countries.isEmpty, let first = inLead.first(where: { $0.name == nil && !actors.contains($0.country) })
            ?? inLead.first(where: { !actors.contains($0.country) }) {
            add(first.country)
            if event.place == nil, let name = first.name { event.place = name }
            if event.location == nil { event.location = first.location }
        }
        // A headline that names only the country ("attack in Israel"): the lead's first place in it.
        if event.place == nil, let first = inLead.first(where: { $0.name != nil && countries.contains($0.country) }) {
            event.place = first.name
            if event.location == nil { event.location = first.location }
        }
        event.countries = countries
        event.actors = actors.filter { !countries.contains($0) }

        // What it cost.
        let figures = CasualtyReader.Figures.largest(of: [
            CasualtyReader.figures(inWords: titleWords),
            CasualtyReader.figures(inWords: Array(leadWords.prefix(Self.leadFigureWords))),
        ])
        event.fatalities = figures.fatalities
        event.injured = figures.injured
        if figures.fatalitiesAreMinimum { event.tags.append(Self.fatalitiesMinimumTag) }
        if figures.injuredAreMinimum { event.tags.append(Self.injuredMinimumTag) }

        // Who says so.
        let reported = NewsOrigin.origin(link: item.link, sourceURL: item.sourceURL, publisher: publisher,
                                         texts: [item.summary, item.title].compactMap { $0 }, authors: item.authors)
        event.origin = reported.origin
        if let outlet = reported.outlet { event.tags.append("outlet:\(outlet)") }

        let language = item.language ?? "und"
        if let title = item.title, !title.isEmpty { event.headline[language] = title }
        if let summary = item.summary, !summary.isEmpty {
            // Counting characters walks the whole text: only a lead of more bytes than the limit can be longer.
            event.description[language] = summary.utf8.count > Self.maximumLeadCharacters && summary.count > Self.maximumLeadCharacters
                ? String(summary.prefix(Self.maximumLeadCharacters)) + "…" : summary
        }
        event.link = item.link
        return event
    }
}
