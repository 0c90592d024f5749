import Foundation

/// A place drafts can name (`Rules/gazetteer.json5`): a city or area, or a spot within one (a square, a
/// promenade), with its name in each language, where it is and which clock it keeps.
public struct Place: Sendable, Hashable {
    /// The stable identifier (`jerusalem`, `breitscheidplatz`).
    public var id: String
    /// The country it is filed under, ISO 3166-1 alpha-2 (for a contested place, the one feeds give).
    public var country: String
    /// Its IANA time zone: dates of events there are given in it.
    public var timeZone: String
    /// Where it is.
    public var location: Event.Location
    /// Its name per language tag (`en`, `he`, …): a language without one never shows the place.
    public var names: [String: String]
    /// How each language says *there* when the language's usual pattern (*in X*, *à X*, *en X*, *בX*,
    /// *في X*) is not right: *on the Armon Hanatziv promenade in Jerusalem*, *am Breitscheidplatz in Berlin*.
    public var locatives: [String: String]
    /// Other names feeds and people use (transliterations, former names, names in other languages).
    public var aliases: [String]
    /// The place it lies in (a square within its city), by id.
    public var within: String?

    /// Creates a place.
    public init(id: String, country: String, timeZone: String, location: Event.Location, names: [String: String],
                locatives: [String: String] = [:], aliases: [String] = [], within: String? = nil) {
        self.id = id
        self.country = country
        self.timeZone = timeZone
        self.location = location
        self.names = names
        self.locatives = locatives
        self.aliases = aliases
        self.within = within
    }

    /// The place's name in `language` (a tag such as `fr` or `en-US`), when the gazetteer has one.
    public func name(in language: String) -> String? {
        names[language] ?? names[LanguageSupport.primary(language)]
    }

    /// *There* in `language`: the gazetteer's own phrase, else the language's usual preposition before the name.
    public func locative(in language: String) -> String? {
        if let own = locatives[language] ?? locatives[LanguageSupport.primary(language)] { return own }
        return name(in: language).map { Self.defaultLocative($0, language: language) }
    }

    /// The usual way a language says *in* a town: *in Berlin*, *à Berlin*, *en Berlín*, *בברלין*, *في برلين*.
    public static func defaultLocative(_ name: String, language: String) -> String {
        switch LanguageSupport.primary(language) {
        case "fr": return "à \(name)"
        case "es": return "en \(name)"
        case "ar": return "في \(name)"
        case "he":
            // ב joins a Hebrew word; before a digit or a Latin letter it takes a maqaf (ב־2024, ב־Berlin).
            let hebrewStart = name.unicodeScalars.first.map { (0x05D0...0x05EA).contains($0.value) } ?? false
            return (hebrewStart ? "ב" : "ב־") + name
        default: return "in \(name)"
        }
    }
}

/// The places drafts can name, looked up by any of their names or aliases in any language.
///
/// ``resolve(_:countries:)`` finds the place a feed's text describes; ``place(named:countries:)`` and
/// ``places(named:)`` are the lookups for other code (news classification): case, accents and punctuation
/// are ignored, so *Jerusalem*, *jérusalem*, *ירושלים* and *القدس* find the same place.
public struct Gazetteer: Sendable {
    /// The places, sorted by id.
    public let places: [Place]
    private let byID: [String: Int]
    private let byName: [String: [Int]]

    /// A gazetteer of `places`.
    public init(places: [Place]) {
        self.places = places.sorted { $0.id < $1.id }
        var byID: [String: Int] = [:]
        var byName: [String: [Int]] = [:]
        for (index, place) in self.places.enumerated() {
            byID[place.id] = index
            var keys: Set<String> = []
            for name in Array(place.names.values) + place.aliases + [place.id] {
                let key = Self.key(name)
                if !key.isEmpty { keys.insert(key) }
            }
            for key in keys { byName[key, default: []].append(index) }
        }
        self.byID = byID
        self.byName = byName
    }

    /// A gazetteer without places: drafts name countries only.
    public static let empty = Gazetteer(places: [])

    /// The place with `id`.
    public func place(id: String) -> Place? { byID[id].map { places[$0] } }

    /// Every place one of whose names or aliases, in any language, is `name`.
    public func places(named name: String) -> [Place] {
        (byName[Self.key(name)] ?? []).map { places[$0] }
    }

    /// The place called `name` in one of `countries` (any country when `countries` is empty).
    public func place(named name: String, countries: [String]) -> Place? {
        places(named: name).first { countries.isEmpty || countries.contains($0.country) }
    }

    /// The place a feed's `place` text describes: the whole text, else each comma-separated part from the
    /// most specific (*Breitscheidplatz, Berlin* finds Breitscheidplatz, or else Berlin), in one of the
    /// event's `countries`.
    public func resolve(_ text: String, countries: [String]) -> Place? {
        if let whole = place(named: text, countries: countries) { return whole }
        let parts = text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "/" }).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count > 1 else { return nil }
        for part in parts where !part.isEmpty {
            if let found = place(named: part, countries: countries) { return found }
        }
        return nil
    }

    /// Names compared ignoring case, accents, width and punctuation.
    static func key(_ name: String) -> String {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        return folded.unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil) }
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }
}
