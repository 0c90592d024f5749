import ChorusCore
import Foundation

/// A place or country named in a text.
public struct NamedPlace: Sendable, Hashable {
    /// The place's name when it is a place (a city, a region), `nil` when only a country was named.
    public var name: String?
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var location: Event.Location?
    /// Where the name starts, in the text's words.
    public var position: Int

    public init(name: String?, country: String, location: Event.Location? = nil, position: Int) {
        self.name = name
        self.country = country
        self.location = location
        self.position = position
    }
}

/// Finds the places and countries a news text names: the one seam between news classification and the
/// place names it knows (``CountryNameLookup``, ``GazetteerPlaceLookup``; ``ParserOptions/places``).
public protocol PlaceLookup: Sendable {
    /// Places named in `words` (``NewsText`` form), in text order.
    func places(in words: [String], language: String?) -> [NamedPlace]
}

/// Country names in English, German, French, Spanish, Portuguese, Hebrew and Arabic (ICU's, through
/// Foundation, and the feed spellings of ``CountryNames``): countries only, no cities.
///
/// A text in a language is read with that language's names and the English ones (a French "grenade" is
/// not the island of Grenada); a text of unknown language with all of them. Names of five letters or
/// more also match the words they start (`Frankreichs`, `Israeli`), shorter ones only whole; English
/// names that are as often something else (Georgia, Jordan, Chad) are left out.
public struct CountryNameLookup: PlaceLookup {
    /// One matcher per language (its names, the English ones and the feed spellings), one for all.
    private let matchers: [String: PhraseMatcher]
    private let combined: PhraseMatcher
    private let codes: [String]

    /// The shared table, built once.
    public static let shared = CountryNameLookup()

    private static let languages = ["en", "de", "fr", "es", "pt", "he", "ar"]
    private static let ambiguous: Set<String> = ["georgia", "jordan", "chad", "guinea", "niger", "mali", "us", "man"]

    private init() {
        var codes: [String] = []
        var names: [String: [(String, Int)]] = [:]
        var seen: Set<String> = []
        func add(_ name: String, _ code: String, to languages: [String]) {
            let form = NewsText.form(name)
            guard !form.isEmpty, !Self.ambiguous.contains(form) else { return }
            let lastWordLength = form.split(separator: " ").last?.count ?? 0
            let phrase = form + (lastWordLength >= 5 && NewsText.script(of: form) == .other ? "*" : "")
            codes.append(code)
            for language in languages where seen.insert(language + "|" + phrase).inserted {
                names[language, default: []].append((phrase, codes.count - 1))
            }
        }
        let english = Locale(identifier: "en")
        for code in ISO3166.alpha2.sorted() {
            if let name = english.localizedString(forRegionCode: code) { add(name, code, to: Self.languages + ["*"]) }
        }
        for (name, code) in CountryNames.feedSpellings { add(name, code, to: Self.languages + ["*"]) }
        for (name, code) in [("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"), ("UK", "GB"), ("Britain", "GB"),
                             ("Great Britain", "GB"), ("Holland", "NL"), ("Gaza", "PS")] {
            add(name, code, to: Self.languages + ["*"])
        }
        for (name, code, language) in [("EUA", "US", "pt"), ("EE.UU.", "US", "es"), ("Etats-Unis", "US", "fr")] {
            add(name, code, to: [language, "*"])
        }
        for language in Self.languages where language != "en" {
            let locale = Locale(identifier: language)
            for code in ISO3166.alpha2.sorted() {
                if let name = locale.localizedString(forRegionCode: code) { add(name, code, to: [language, "*"]) }
            }
        }
        var matchers: [String: PhraseMatcher] = [:]
        for (language, entries) in names {
            var matcher = PhraseMatcher()
            for (phrase, value) in entries { matcher.add(phrase, value: value) }
            matchers[language] = matcher
        }
        self.combined = matchers.removeValue(forKey: "*") ?? PhraseMatcher()
        self.matchers = matchers
        self.codes = codes
    }

    public func places(in words: [String], language: String?) -> [NamedPlace] {
        let matcher = language.flatMap { matchers[LanguageSupport.primary($0)] } ?? combined
        return matcher.hits(in: words).map { NamedPlace(name: nil, country: codes[$0.value], position: $0.position) }
    }
}

/// The places of a gazetteer (`Rules/gazetteer.json5`, #12) and the country names of ``CountryNameLookup``:
/// "Anschlag in Jerusalem", "fusillade à Marseille", "פיגוע בירושלים" give the place, its point and the
/// country it is filed under.
///
/// A place is found by any of its names, in every language the gazetteer holds, and by its aliases, whatever
/// the text's language (Hebrew and Arabic also behind their prefixed clitics, `בירושלים`, `بالقدس`); whole
/// words only, so `Nice` is not `nicer`. Where one name belongs to several places the first by id wins
/// (`valencia` before `valencia-province`). A country name inside a place's name is not also a country hit
/// of its own. The place is named as the gazetteer names it in the text's language (else in English), so
/// that drafting finds it again.
public struct GazetteerPlaceLookup: PlaceLookup {
    private let places: [Place]
    private let matcher: PhraseMatcher
    private let countries: any PlaceLookup

    /// The places of `gazetteer`, with `countries` for country names.
    public init(gazetteer: Gazetteer, countries: any PlaceLookup = CountryNameLookup.shared) {
        var matcher = PhraseMatcher()
        for (index, place) in gazetteer.places.enumerated() {
            var seen: Set<String> = []
            for name in place.names.keys.sorted().compactMap({ place.names[$0] }) + place.aliases {
                // Written as plain words: a name is no pattern (no `*`, no `…`).
                let form = NewsText.form(name)
                if !form.isEmpty, seen.insert(form).inserted { matcher.add(form, value: index) }
            }
        }
        self.places = gazetteer.places
        self.matcher = matcher
        self.countries = countries
    }

    public func places(in words: [String], language: String?) -> [NamedPlace] {
        let primary = language.map(LanguageSupport.primary) ?? "en"
        let hits = matcher.hits(in: words)
        var found: [NamedPlace] = hits.map { hit in
            let place = places[hit.value]
            return NamedPlace(name: place.names[primary] ?? place.names["en"] ?? place.names.values.sorted().first ?? place.id,
                              country: place.country, location: place.location, position: hit.position)
        }
        for country in countries.places(in: words, language: language) {
            let inside = hits.contains { country.position >= $0.position && country.position < $0.position + $0.length }
            if !inside { found.append(country) }
        }
        return found.sorted { $0.position < $1.position }
    }
}
