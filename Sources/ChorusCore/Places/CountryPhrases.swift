import Foundation

/// How a country's name is used in a sentence.
public enum CountryForm: String, Sendable, Hashable, CaseIterable, Codable {
    /// The name with the article the language needs, as a subject or object: *the United States*,
    /// *die Türkei*, *la France*, *el Reino Unido*, *הפיליפינים*, *الولايات المتحدة*.
    case name
    /// Where: *in the United States*, *in der Türkei*, *au Japon*, *aux États-Unis*, *en el Reino Unido*,
    /// *בפיליפינים*, *في العراق*.
    case `in`
    /// Together with: *with the United Kingdom*, *mit dem Irak*, *avec l’Allemagne*, *con el Reino Unido*,
    /// *עם גרמניה*, *مع ألمانيا*.
    case with
    /// Whose: *of the United States*, *Israels* / *der Türkei*, *d’Israël* / *du Japon*, *del Reino Unido*;
    /// in Hebrew and Arabic the name itself, which follows its noun (*דגל ישראל*, *علم إسرائيل*).
    case of
    /// A hashtag: *#UnitedStates*, *#Türkei*, *#ארצות_הברית*.
    case hashtag
}

/// Country names for drafts in every supported language, with the article, case and preposition each
/// language needs, and lists of several countries joined as the language joins them.
///
/// Names come from CLDR through Foundation where CLDR's name is the one prose uses, and from Chorus's own
/// tables where it is not: CLDR's interface names (*Congo - Kinshasa*, *Myanmar (Burma)*, *China
/// mainland*, *St. Kitts & Nevis*) never reach a draft, and grammar CLDR does not have (French *au* /
/// *aux* / *en* / *à*, German *in der* / *im* / *in den* / *auf den*, the Hebrew article that *ב* absorbs)
/// is written out per country. A rule author who needs a sender's own naming (Türkiye or Turkey) writes it
/// in that sender's texts.
public enum CountryPhrases {
    /// Every country (ISO 3166-1 alpha-2 code) the tables know: every region code Foundation knows.
    public static var countries: [String] { ISO3166.alpha2.sorted() }

    /// `code` in `language` (a tag such as `de`, `fr`, `en-US`), in `form`. Unknown codes are shown as the
    /// code itself, never as an empty string.
    public static func phrase(_ code: String, language: String, form: CountryForm) -> String {
        phrase([code], language: language, form: form)
    }

    /// Several countries in one phrase, joined as `language` joins them (*in der Türkei und in Syrien*,
    /// *en Turquie et en Syrie*, *בטורקיה ובסוריה*, *في تركيا وسوريا*); `language`'s region decides the
    /// English list style (`en-US` writes a serial comma).
    public static func phrase(_ codes: [String], language: String, form: CountryForm) -> String {
        let primary = LanguageSupport.primary(language)
        let forms = codes.map { entry($0, primary) }
        guard let first = forms.first else { return "" }
        if form == .hashtag { return forms.map(\.hashtag).joined(separator: " ") }
        let serialComma = primary == "en" && LanguageSupport.region(language) == "US"
        func join(_ items: [String]) -> String { ListJoining.join(items, language: primary, serialComma: serialComma) }
        switch (primary, form) {
        case (_, .name): return join(forms.map(\.nounPhrase))
        case ("de", .in), ("fr", .in), ("he", .in): return join(forms.map(\.locative))
        case ("de", .with): return "mit " + join(forms.map(\.dative))
        case ("de", .of), ("fr", .of), ("es", .of): return join(forms.map(\.genitive))
        case (_, .in): return forms.count == 1 ? first.locative : preposition(primary, .in) + join(forms.map(\.nounPhrase))
        case (_, .with): return preposition(primary, .with) + join(forms.map(\.nounPhrase))
        case (_, .of): return forms.count == 1 ? first.genitive : preposition(primary, .of) + join(forms.map(\.nounPhrase))
        case (_, .hashtag): return ""
        }
    }

    /// The country's name alone, as in a title or a list of names (no article, no preposition).
    public static func name(_ code: String, language: String) -> String {
        entry(code, LanguageSupport.primary(language)).name
    }

    /// The country a name or alias stands for, in any supported language or as CLDR writes it in English,
    /// ignoring case, accents, punctuation and articles (*the United States*, *Türkei*, *الولايات المتحدة*).
    public static func code(forName name: String) -> String? {
        nameIndex[Self.folded(name)]
    }

    private static func preposition(_ language: String, _ form: CountryForm) -> String {
        switch (language, form) {
        case ("en", .in): return "in "
        case ("en", .with): return "with "
        case ("en", .of): return "of "
        case ("es", .in): return "en "
        case ("es", .with): return "con "
        case ("ar", .in): return "في "
        case ("ar", .with): return "مع "
        case ("he", .with): return "עם "
        case ("fr", .with): return "avec "
        default: return ""
        }
    }

    // MARK: Entries

    /// One country in one language.
    struct Entry: Sendable, Hashable {
        /// The name alone.
        var name: String
        /// The name as a subject or object, with its article.
        var nounPhrase: String
        /// Where.
        var locative: String
        /// After a preposition that governs the dative (German only; elsewhere the noun phrase).
        var dative: String
        /// Whose.
        var genitive: String
        /// `#` and the name's words.
        var hashtag: String
    }

    static func entry(_ code: String, _ language: String) -> Entry {
        let table: [String: Entry]
        switch language {
        case "de": table = german
        case "fr": table = french
        case "es": table = spanish
        case "he": table = hebrew
        case "ar": table = arabic
        default: table = english
        }
        return table[code] ?? Entry(name: code, nounPhrase: code, locative: code, dative: code, genitive: code, hashtag: "#" + code)
    }

    static let english = build("en")
    static let german = build("de")
    static let french = build("fr")
    static let spanish = build("es")
    static let hebrew = build("he")
    static let arabic = build("ar")

    private static func build(_ language: String) -> [String: Entry] {
        let locale = Locale(identifier: language)
        var table: [String: Entry] = [:]
        for code in ISO3166.alpha2 {
            let name = CountryTables.names[language]?[code] ?? locale.localizedString(forRegionCode: code) ?? code
            table[code] = entry(code: code, name: name, language: language)
        }
        return table
    }

    private static func entry(code: String, name: String, language: String) -> Entry {
        let tag = hashtag(name, language: language)
        switch language {
        case "de":
            let forms = CountryTables.german[code] ?? .neuter
            return forms.entry(name: name, hashtag: tag)
        case "fr":
            let kind = CountryTables.french[code] ?? .feminine
            return kind.entry(name: name, code: code, hashtag: tag)
        case "es":
            let article = CountryTables.spanishArticles[code] ?? (name.hasPrefix("Islas ") ? "las" : name.hasPrefix("Isla ") ? "la" : nil)
            let phrase = article.map { "\($0) \(name)" } ?? name
            let genitive = article == "el" ? "del \(name)" : "de \(phrase)"
            return Entry(name: name, nounPhrase: phrase, locative: "en \(phrase)", dative: phrase, genitive: genitive, hashtag: tag)
        case "he":
            // ב absorbs the article: הפיליפינים → בפיליפינים.
            let bare = CountryTables.hebrewWithArticle.contains(code) && name.hasPrefix("ה") ? String(name.dropFirst()) : name
            return Entry(name: name, nounPhrase: name, locative: "ב" + bare, dative: name, genitive: name, hashtag: tag)
        case "ar":
            return Entry(name: name, nounPhrase: name, locative: "في \(name)", dative: name, genitive: name, hashtag: tag)
        default:
            let phrase = CountryTables.englishWithArticle.contains(code) ? "the \(name)" : name
            return Entry(name: name, nounPhrase: phrase, locative: "in \(phrase)", dative: phrase, genitive: "of \(phrase)", hashtag: tag)
        }
    }

    /// `#` and the name's words: run together in Latin scripts (`#TelAviv`, `#RoyaumeUni`), joined by `_`
    /// in Hebrew and Arabic, where run-together words cannot be read (`#ארצות_הברית`).
    public static func hashtag(_ text: String, language: String) -> String {
        let words = text.unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_") }
            .map { String(String.UnicodeScalarView($0)) }
        let separator = LanguageSupport.isRightToLeft(language) ? "_" : ""
        return "#" + words.joined(separator: separator)
    }

    // MARK: Reverse lookup

    static func folded(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var words = folded.unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil) }.map { String(String.UnicodeScalarView($0)) }
        if let first = words.first, ["the", "la", "le", "les", "el", "los", "las", "die", "der", "das"].contains(first), words.count > 1 {
            words.removeFirst()
        }
        return words.joined(separator: " ")
    }

    private static let nameIndex: [String: String] = {
        var index: [String: String] = [:]
        func add(_ name: String, _ code: String) {
            let key = folded(name)
            if !key.isEmpty, index[key] == nil { index[key] = code }
        }
        for table in [Self.english, Self.german, Self.french, Self.spanish, Self.hebrew, Self.arabic] {
            for code in table.keys.sorted() {
                guard let entry = table[code] else { continue }
                add(entry.name, code)
                add(entry.nounPhrase, code)
            }
        }
        let cldrEnglish = Locale(identifier: "en")
        for code in ISO3166.alpha2.sorted() {
            if let name = cldrEnglish.localizedString(forRegionCode: code) { add(name, code) }
        }
        for (alias, code) in CountryTables.aliases { add(alias, code) }
        return index
    }()
}
