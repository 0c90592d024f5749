/// What CLDR does not give: the names prose uses where CLDR's are interface names, and each language's
/// grammar for every country (article, gender, number, the preposition of place).
///
/// A country that is not listed in a language's table takes that language's most common pattern: in
/// German a neuter name without article (*in Israel*, *mit Israel*, *Israels*), in French a feminine
/// name (*en France*, *avec la France*, *de la France*), in Spanish no article, in English no *the*, in
/// Hebrew no article. Every other country is written out here.
enum CountryTables {
    /// Names prose uses where CLDR's are interface names (`Congo - Kinshasa`, `Myanmar (Burma)`,
    /// `China mainland`, `St. Kitts & Nevis`) or are not the usual name (`État de la Cité du Vatican`).
    static let names: [String: [String: String]] = [
        "en": [
            "AG": "Antigua and Barbuda", "BA": "Bosnia and Herzegovina", "BL": "Saint Barthélemy", "CC": "Cocos Islands",
            "CD": "Democratic Republic of the Congo", "CG": "Republic of the Congo", "CN": "China", "EA": "Ceuta and Melilla",
            "EZ": "eurozone", "GS": "South Georgia and the South Sandwich Islands", "HM": "Heard Island and McDonald Islands",
            "KN": "Saint Kitts and Nevis", "LC": "Saint Lucia", "MF": "Saint Martin", "MM": "Myanmar",
            "PM": "Saint Pierre and Miquelon", "SH": "Saint Helena", "SJ": "Svalbard and Jan Mayen",
            "ST": "São Tomé and Príncipe", "TC": "Turks and Caicos Islands", "TT": "Trinidad and Tobago",
            "UM": "United States Minor Outlying Islands", "VC": "Saint Vincent and the Grenadines",
            "VI": "United States Virgin Islands", "WF": "Wallis and Futuna",
        ],
        "de": [
            "CD": "Demokratische Republik Kongo", "CG": "Republik Kongo", "CN": "China",
        ],
        "fr": [
            "CD": "République démocratique du Congo", "CG": "République du Congo", "CN": "Chine", "MM": "Birmanie",
            "SX": "Sint-Maarten", "UM": "Îles mineures éloignées des États-Unis", "UN": "Nations unies", "VA": "Vatican",
        ],
        "es": [
            "CG": "República del Congo", "CN": "China", "MM": "Myanmar",
            "UM": "Islas Ultramarinas Menores de los Estados Unidos", "VI": "Islas Vírgenes de los Estados Unidos",
        ],
        "he": [
            "CC": "איי קוקוס", "CD": "הרפובליקה הדמוקרטית של קונגו", "CG": "הרפובליקה של קונגו", "CN": "סין",
            "CQ": "סארק", "MM": "מיאנמר",
        ],
        "ar": [
            "CC": "جزر كوكوس", "CD": "جمهورية الكونغو الديمقراطية", "CG": "جمهورية الكونغو", "CN": "الصين", "CQ": "سارك",
            "DK": "الدنمارك", "MM": "ميانمار", "TL": "تيمور الشرقية",
        ],
    ]

    /// Names and spellings people and feeds use that no table above has, for ``CountryPhrases/code(forName:)``.
    static let aliases: [(String, String)] = [
        ("Turkey", "TR"), ("Türkiye", "TR"), ("Turquía", "TR"), ("USA", "US"), ("U.S.", "US"), ("America", "US"),
        ("UK", "GB"), ("Great Britain", "GB"), ("Britain", "GB"), ("Burma", "MM"), ("Czech Republic", "CZ"),
        ("Holland", "NL"), ("Ivory Coast", "CI"), ("Elfenbeinküste", "CI"), ("Swaziland", "SZ"), ("East Timor", "TL"),
        ("DR Congo", "CD"), ("DRC", "CD"), ("RDC", "CD"), ("Palestine", "PS"), ("Vatican", "VA"), ("Holy See", "VA"),
        ("Russland", "RU"), ("Weißrussland", "BY"), ("USA", "US"), ("États-Unis d’Amérique", "US"), ("EE. UU.", "US"),
        ("ארה״ב", "US"), ("ארה\"ב", "US"), ("אמריקה", "US"), ("אנגליה", "GB"), ("أمريكا", "US"), ("بريطانيا", "GB"),
        ("Macedonia", "MK"), ("Cape Verde", "CV"), ("Cabo Verde", "CV"), ("Czechia", "CZ"), ("Kosova", "XK"),
    ]

    // MARK: English

    /// Countries English names with *the*.
    static let englishWithArticle: Set<String> = [
        "AE", "AX", "BQ", "BS", "CC", "CD", "CF", "CG", "CK", "DO", "EU", "EZ", "FK", "FO", "GB", "GM", "IC", "IM", "IO",
        "KM", "KY", "MH", "MP", "MV", "NL", "PH", "PN", "PS", "SB", "SC", "TC", "TF", "UM", "UN", "US", "VG", "VI",
    ]

    // MARK: German

    /// How a German country name declines.
    enum GermanForms: Sendable {
        /// Neuter, without article: *Israel*, *in Israel*, *mit Israel*, *Israels* (*von Laos* after s, x, z).
        case neuter
        /// Feminine: *die Türkei*, *in der Türkei*, *mit der Türkei*, *der Türkei*.
        case feminine
        /// Masculine: *der Irak*, *im Irak*, *mit dem Irak*, *des Irak*.
        case masculine
        /// A feminine island: *die Isle of Man*, *auf der Isle of Man*.
        case island
        /// Plural: *die Niederlande*, *in den Niederlanden*, *mit den Niederlanden*, *der Niederlande*.
        case plural(dative: String)
        /// A plural group of islands: *die Malediven*, *auf den Malediven*.
        case islands(dative: String)
        /// Every form written out (names with adjectives: *das Vereinigte Königreich*, *im Vereinigten Königreich*).
        case forms(nominative: String, dative: String, genitive: String, locative: String)

        func entry(name: String, hashtag: String) -> CountryPhrases.Entry {
            let (nominative, dative, genitive, locative): (String, String, String, String)
            switch self {
            case .neuter:
                let last = name.last.map(String.init) ?? ""
                let genitiveForm = ["s", "x", "z", "ß"].contains(last) ? "von \(name)" : name + "s"
                (nominative, dative, genitive, locative) = (name, name, genitiveForm, "in \(name)")
            case .feminine:
                (nominative, dative, genitive, locative) = ("die \(name)", "der \(name)", "der \(name)", "in der \(name)")
            case .masculine:
                (nominative, dative, genitive, locative) = ("der \(name)", "dem \(name)", "des \(name)", "im \(name)")
            case .island:
                (nominative, dative, genitive, locative) = ("die \(name)", "der \(name)", "der \(name)", "auf der \(name)")
            case .plural(let plural):
                (nominative, dative, genitive, locative) = ("die \(name)", "den \(plural)", "der \(name)", "in den \(plural)")
            case .islands(let plural):
                (nominative, dative, genitive, locative) = ("die \(name)", "den \(plural)", "der \(name)", "auf den \(plural)")
            case .forms(let nominativeForm, let dativeForm, let genitiveForm, let locativeForm):
                (nominative, dative, genitive, locative) = (nominativeForm, dativeForm, genitiveForm, locativeForm)
            }
            return CountryPhrases.Entry(name: name, nounPhrase: nominative, locative: locative, dative: dative, genitive: genitive, hashtag: hashtag)
        }
    }

    static let german: [String: GermanForms] = [
        "AE": .forms(nominative: "die Vereinigten Arabischen Emirate", dative: "den Vereinigten Arabischen Emiraten",
                     genitive: "der Vereinigten Arabischen Emirate", locative: "in den Vereinigten Arabischen Emiraten"),
        "AQ": .feminine, "AX": .islands(dative: "Ålandinseln"), "BS": .islands(dative: "Bahamas"),
        "BQ": .forms(nominative: "die Karibischen Niederlande", dative: "den Karibischen Niederlanden",
                     genitive: "der Karibischen Niederlande", locative: "in den Karibischen Niederlanden"),
        "BV": .island, "CC": .islands(dative: "Kokosinseln"),
        "CD": .forms(nominative: "die Demokratische Republik Kongo", dative: "der Demokratischen Republik Kongo",
                     genitive: "der Demokratischen Republik Kongo", locative: "in der Demokratischen Republik Kongo"),
        "CF": .forms(nominative: "die Zentralafrikanische Republik", dative: "der Zentralafrikanischen Republik",
                     genitive: "der Zentralafrikanischen Republik", locative: "in der Zentralafrikanischen Republik"),
        "CG": .feminine, "CH": .feminine, "CI": .feminine, "CK": .islands(dative: "Cookinseln"), "CP": .island,
        "CX": .island,
        "DO": .forms(nominative: "die Dominikanische Republik", dative: "der Dominikanischen Republik",
                     genitive: "der Dominikanischen Republik", locative: "in der Dominikanischen Republik"),
        "EH": .feminine,
        "EU": .forms(nominative: "die Europäische Union", dative: "der Europäischen Union",
                     genitive: "der Europäischen Union", locative: "in der Europäischen Union"),
        "EZ": .feminine, "FK": .islands(dative: "Falklandinseln"), "FO": .islands(dative: "Färöern"),
        "GB": .forms(nominative: "das Vereinigte Königreich", dative: "dem Vereinigten Königreich",
                     genitive: "des Vereinigten Königreichs", locative: "im Vereinigten Königreich"),
        "GS": .forms(nominative: "Südgeorgien und die Südlichen Sandwichinseln", dative: "Südgeorgien und den Südlichen Sandwichinseln",
                     genitive: "Südgeorgiens und der Südlichen Sandwichinseln", locative: "in Südgeorgien und auf den Südlichen Sandwichinseln"),
        "HM": .islands(dative: "Heard und McDonaldinseln"),
        "IC": .forms(nominative: "die Kanarischen Inseln", dative: "den Kanarischen Inseln",
                     genitive: "der Kanarischen Inseln", locative: "auf den Kanarischen Inseln"),
        "IM": .island, "IQ": .masculine, "IR": .masculine, "KM": .islands(dative: "Komoren"), "KY": .islands(dative: "Kaimaninseln"),
        "LB": .masculine, "MD": .feminine, "MH": .islands(dative: "Marshallinseln"), "MN": .feminine,
        "MP": .forms(nominative: "die Nördlichen Marianen", dative: "den Nördlichen Marianen",
                     genitive: "der Nördlichen Marianen", locative: "auf den Nördlichen Marianen"),
        "MV": .islands(dative: "Malediven"), "NE": .masculine, "NF": .island, "NL": .plural(dative: "Niederlanden"),
        "PH": .plural(dative: "Philippinen"), "PN": .islands(dative: "Pitcairninseln"),
        "PS": .forms(nominative: "die Palästinensischen Autonomiegebiete", dative: "den Palästinensischen Autonomiegebieten",
                     genitive: "der Palästinensischen Autonomiegebiete", locative: "in den Palästinensischen Autonomiegebieten"),
        "QO": .forms(nominative: "das Äußere Ozeanien", dative: "dem Äußeren Ozeanien",
                     genitive: "des Äußeren Ozeaniens", locative: "im Äußeren Ozeanien"),
        "SB": .islands(dative: "Salomonen"), "SC": .islands(dative: "Seychellen"), "SD": .masculine, "SK": .feminine,
        "SS": .masculine, "TC": .islands(dative: "Turks- und Caicosinseln"), "TD": .masculine,
        "TF": .forms(nominative: "die Französischen Süd- und Antarktisgebiete", dative: "den Französischen Süd- und Antarktisgebieten",
                     genitive: "der Französischen Süd- und Antarktisgebiete", locative: "in den Französischen Süd- und Antarktisgebieten"),
        "TR": .feminine, "UA": .feminine,
        "UM": .forms(nominative: "die Amerikanischen Überseeinseln", dative: "den Amerikanischen Überseeinseln",
                     genitive: "der Amerikanischen Überseeinseln", locative: "auf den Amerikanischen Überseeinseln"),
        "UN": .forms(nominative: "die Vereinten Nationen", dative: "den Vereinten Nationen",
                     genitive: "der Vereinten Nationen", locative: "bei den Vereinten Nationen"),
        "US": .forms(nominative: "die Vereinigten Staaten", dative: "den Vereinigten Staaten",
                     genitive: "der Vereinigten Staaten", locative: "in den Vereinigten Staaten"),
        "VA": .feminine,
        "VC": .forms(nominative: "St. Vincent und die Grenadinen", dative: "St. Vincent und den Grenadinen",
                     genitive: "von St. Vincent und den Grenadinen", locative: "in St. Vincent und den Grenadinen"),
        "VG": .forms(nominative: "die Britischen Jungferninseln", dative: "den Britischen Jungferninseln",
                     genitive: "der Britischen Jungferninseln", locative: "auf den Britischen Jungferninseln"),
        "VI": .forms(nominative: "die Amerikanischen Jungferninseln", dative: "den Amerikanischen Jungferninseln",
                     genitive: "der Amerikanischen Jungferninseln", locative: "auf den Amerikanischen Jungferninseln"),
        "XK": .masculine, "YE": .masculine,
    ]

    // MARK: French

    /// How a French country name takes its article and preposition.
    enum FrenchKind: Sendable {
        /// *la France*, *en France*, *de la France*.
        case feminine
        /// *l’Allemagne*, *en Allemagne*, *de l’Allemagne* (feminine, before a vowel).
        case feminineVowel
        /// *le Japon*, *au Japon*, *du Japon*.
        case masculine
        /// *l’Iran*, *en Iran*, *de l’Iran* (masculine, before a vowel).
        case masculineVowel
        /// *les États-Unis*, *aux États-Unis*, *des États-Unis*.
        case plural
        /// No article, *à*: *Cuba*, *à Cuba*, *de Cuba*, *d’Oman*.
        case bare
        /// No article, *en*: *Israël*, *en Israël*, *d’Israël*.
        case bareEn
        /// *la Barbade*, *à la Barbade*, *de la Barbade*.
        case feminineAtLa
        /// *l’Île Bouvet*, *sur l’Île Bouvet*, *de l’Île Bouvet*.
        case island
        /// *l’archipel des Chagos*, *dans l’archipel des Chagos*.
        case masculineVowelDans
        /// *la zone euro*, *dans la zone euro*.
        case feminineDans
        /// *les régions éloignées de l’Océanie*, *dans les régions …*.
        case pluralDans

        func entry(name: String, code: String, hashtag: String) -> CountryPhrases.Entry {
            let de = FrenchKind.elides(name, code: code) ? "d’" : "de "
            let (phrase, locative, genitive): (String, String, String)
            switch self {
            case .feminine: (phrase, locative, genitive) = ("la \(name)", "en \(name)", "de la \(name)")
            case .feminineVowel: (phrase, locative, genitive) = ("l’\(name)", "en \(name)", "de l’\(name)")
            case .masculine: (phrase, locative, genitive) = ("le \(name)", "au \(name)", "du \(name)")
            case .masculineVowel: (phrase, locative, genitive) = ("l’\(name)", "en \(name)", "de l’\(name)")
            case .plural: (phrase, locative, genitive) = ("les \(name)", "aux \(name)", "des \(name)")
            case .bare: (phrase, locative, genitive) = (name, "à \(name)", de + name)
            case .bareEn: (phrase, locative, genitive) = (name, "en \(name)", de + name)
            case .feminineAtLa: (phrase, locative, genitive) = ("la \(name)", "à la \(name)", "de la \(name)")
            case .island: (phrase, locative, genitive) = ("l’\(name)", "sur l’\(name)", "de l’\(name)")
            case .masculineVowelDans: (phrase, locative, genitive) = ("l’\(name)", "dans l’\(name)", "de l’\(name)")
            case .feminineDans: (phrase, locative, genitive) = ("la \(name)", "dans la \(name)", "de la \(name)")
            case .pluralDans: (phrase, locative, genitive) = ("les \(name)", "dans les \(name)", "des \(name)")
            }
            return CountryPhrases.Entry(name: name, nounPhrase: phrase, locative: locative, dative: phrase, genitive: genitive, hashtag: hashtag)
        }

        /// Whether *de* elides before the name: a vowel, or the mute h of *Haïti*.
        static func elides(_ name: String, code: String) -> Bool {
            guard let first = name.lowercased().first else { return false }
            return "aàâeéèêiîïoôuûy".contains(first) || code == "HT"
        }
    }

    static let french: [String: FrenchKind] = [
        "AC": .island, "AD": .feminineVowel, "AE": .plural, "AF": .masculineVowel, "AG": .bare, "AI": .bare, "AL": .feminineVowel,
        "AM": .feminineVowel, "AO": .masculineVowel, "AQ": .feminineVowel, "AR": .feminineVowel, "AS": .plural, "AT": .feminineVowel,
        "AU": .feminineVowel, "AW": .bare, "AX": .plural, "AZ": .masculineVowel, "BB": .feminineAtLa, "BD": .masculine,
        "BF": .masculine, "BH": .bare, "BI": .masculine, "BJ": .masculine, "BL": .bare, "BM": .plural, "BN": .masculine,
        "BQ": .plural, "BR": .masculine, "BS": .plural, "BT": .masculine, "BV": .island, "BW": .masculine, "BZ": .masculine,
        "CA": .masculine, "CC": .plural, "CK": .plural, "CL": .masculine, "CM": .masculine, "CP": .island, "CQ": .bare,
        "CR": .masculine, "CU": .bare, "CV": .masculine, "CW": .bare, "CX": .island, "CY": .bare, "DE": .feminineVowel, "DG": .bare, "DJ": .bare,
        "DK": .masculine, "DM": .feminineAtLa, "DZ": .feminineVowel, "EA": .bare, "EC": .masculineVowel, "EE": .feminineVowel,
        "EG": .feminineVowel, "EH": .masculine, "ER": .feminineVowel, "ES": .feminineVowel, "ET": .feminineVowel,
        "EU": .feminineVowel, "EZ": .feminineDans, "FJ": .plural, "FK": .plural, "FO": .plural, "GA": .masculine, "GB": .masculine,
        "GD": .feminineAtLa, "GG": .bare, "GH": .masculine, "GI": .bare, "GL": .masculine, "GT": .masculine, "GU": .bare,
        "GY": .masculine, "HK": .bare, "HM": .plural, "HN": .masculine, "HT": .bare, "IC": .plural, "ID": .feminineVowel,
        "IE": .feminineVowel, "IL": .bareEn, "IM": .island, "IN": .feminineVowel, "IO": .masculineVowelDans, "IQ": .masculineVowel,
        "IR": .masculineVowel, "IS": .feminineVowel, "IT": .feminineVowel, "JE": .bare, "JP": .masculine, "KE": .masculine,
        "KG": .masculine, "KH": .masculine, "KI": .plural, "KM": .plural, "KN": .bare, "KW": .masculine, "KY": .plural,
        "KZ": .masculine, "LA": .masculine, "LB": .masculine, "LC": .bare, "LI": .masculine, "LK": .masculine, "LR": .masculine,
        "LS": .masculine, "LU": .masculine, "MA": .masculine, "MC": .bare, "ME": .masculine, "MF": .bare, "MG": .bare,
        "MH": .plural, "ML": .masculine, "MO": .bare, "MP": .plural, "MS": .bare, "MT": .bare, "MU": .bare, "MV": .plural,
        "MW": .masculine, "MX": .masculine, "MZ": .masculine, "NE": .masculine, "NF": .island, "NG": .masculine,
        "NI": .masculine, "NL": .plural, "NP": .masculine, "NR": .bare, "NU": .bare, "OM": .bare, "PA": .masculine,
        "PE": .masculine, "PH": .plural, "PK": .masculine, "PM": .bare, "PN": .plural, "PR": .bare, "PS": .plural,
        "PT": .masculine, "PW": .plural, "PY": .masculine, "QA": .masculine, "QO": .pluralDans, "RE": .bare, "RW": .masculine,
        "SA": .feminineVowel, "SB": .plural, "SC": .plural, "SD": .masculine, "SG": .bare, "SH": .bare, "SJ": .masculine,
        "SM": .bare, "SN": .masculine, "SR": .masculine, "SS": .masculine, "ST": .bare, "SV": .masculine, "SX": .bare,
        "SZ": .masculineVowel, "TA": .bare, "TC": .plural, "TD": .masculine, "TF": .plural, "TG": .masculine, "TJ": .masculine,
        "TK": .plural, "TL": .masculine, "TM": .masculine, "TO": .plural, "TT": .bare, "TV": .plural, "TW": .bare,
        "UA": .feminineVowel, "UG": .masculineVowel, "UM": .plural, "UN": .plural, "US": .plural, "UY": .masculineVowel,
        "UZ": .masculineVowel, "VA": .masculine, "VC": .bare, "VE": .masculine, "VG": .plural, "VI": .plural, "VN": .masculine,
        "VU": .masculine, "WF": .bare, "WS": .plural, "XK": .masculine, "YE": .masculine, "YT": .bare, "ZA": .feminineVowel,
        "ZW": .masculine,
    ]

    // MARK: Spanish

    /// Countries Spanish names with an article (islands called *Islas …* take *las* without being listed).
    static let spanishArticles: [String: String] = [
        "AE": "los", "AQ": "la", "BQ": "el", "BS": "las", "CD": "la", "CF": "la", "CG": "la", "DO": "la", "EH": "el",
        "EU": "la", "EZ": "la", "GB": "el", "KM": "las", "MV": "las", "NL": "los", "PS": "los", "QO": "los", "SC": "las",
        "UN": "las", "VA": "la",
    ]

    // MARK: Hebrew

    /// Countries whose Hebrew name begins with the definite article ה (which ב absorbs: בפיליפינים) — not
    /// those where ה belongs to the name (הולנד, הודו, האיטי, הונגריה).
    static let hebrewWithArticle: Set<String> = [
        "AC", "BQ", "BV", "CD", "CF", "CG", "CP", "DO", "EU", "IC", "IM", "MV", "NF", "PH", "PS", "TF", "UM", "UN", "VA",
    ]
}
