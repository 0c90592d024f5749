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
/// place names it knows, so that a gazetteer can take the place of ``CountryNameLookup`` in one line
/// (``NewsClassifier/init(options:places:)``).
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
        let primary = language.flatMap { $0.split(separator: "-").first.map { $0.lowercased() } }
        let matcher = primary.flatMap { matchers[$0] } ?? combined
        return matcher.hits(in: words).map { NamedPlace(name: nil, country: codes[$0.value], position: $0.position) }
    }
}
