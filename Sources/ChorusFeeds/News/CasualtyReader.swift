import ChorusCore

/// Casualty figures stated in a news text, in words or digits — "four killed", "at least 12 people were
/// injured", "vier Tote", "trois morts et dix blessés", "48 muertos", "ארבעה הרוגים", "مقتل 5 أشخاص" —
/// in English, German, French, Spanish, Portuguese, Hebrew and Arabic.
///
/// Deliberately narrow: a figure counts only when a number stands right next to a casualty word (with
/// only fillers such as "people", "at least", "mindestens", "לפחות" between them). "Dozens killed" and
/// "many dead" state no figure and give none; when a text states several, the largest is kept (tolls are
/// revised upwards). Anything else is unknown, never zero.
///
/// A figure stated as a minimum — "at least 12 killed", "killing at least 12", "mindestens zwölf Tote",
/// "au moins 12 morts", "al menos 12 muertos", "pelo menos 12 mortos", "לפחות 12 הרוגים",
/// "ما لا يقل عن 12 قتيلا", "12 قتيلا على الأقل" — is marked as one (``Figures/fatalitiesAreMinimum``): the
/// event carries the fact tag `fatalities:minimum` / `injured:minimum` (docs/EVENTS.md).
public enum CasualtyReader {
    /// The figures a text states.
    public struct Figures: Sendable, Hashable {
        public var fatalities: Int?
        public var injured: Int?
        /// Whether the text gives ``fatalities`` as a minimum ("at least").
        public var fatalitiesAreMinimum: Bool
        /// Whether the text gives ``injured`` as a minimum.
        public var injuredAreMinimum: Bool

        public init(fatalities: Int? = nil, injured: Int? = nil, fatalitiesAreMinimum: Bool = false, injuredAreMinimum: Bool = false) {
            self.fatalities = fatalities
            self.injured = injured
            self.fatalitiesAreMinimum = fatalitiesAreMinimum
            self.injuredAreMinimum = injuredAreMinimum
        }

        /// The larger figure of each count of `all` (tolls are revised upwards), a minimum when a statement
        /// of that figure says so.
        public static func largest(of all: [Figures]) -> Figures {
            var result = Figures()
            for figures in all {
                if let value = figures.fatalities, value >= (result.fatalities ?? 0) {
                    result.fatalitiesAreMinimum = value == result.fatalities
                        ? result.fatalitiesAreMinimum || figures.fatalitiesAreMinimum : figures.fatalitiesAreMinimum
                    result.fatalities = value
                }
                if let value = figures.injured, value >= (result.injured ?? 0) {
                    result.injuredAreMinimum = value == result.injured
                        ? result.injuredAreMinimum || figures.injuredAreMinimum : figures.injuredAreMinimum
                    result.injured = value
                }
            }
            return result
        }
    }

    private enum Count { case fatalities, injured }

    /// The figures in `text`.
    public static func figures(in text: String) -> Figures {
        figures(inWords: NewsText.words(text, limit: 400))
    }

    /// The figures in words already in ``NewsText`` form.
    public static func figures(inWords words: [String]) -> Figures {
        var statements: [Figures] = []
        func record(_ count: Count, _ value: Int, minimum: Bool) {
            switch count {
            case .fatalities: statements.append(Figures(fatalities: value, fatalitiesAreMinimum: minimum))
            case .injured: statements.append(Figures(injured: value, injuredAreMinimum: minimum))
            }
        }
        for (index, word) in words.enumerated() where mayBeCasualtyWord(word) {
            if let count = numberFirst[word] ?? stemmed(word, numberFirst), let found = number(before: index, in: words) {
                // "at least 12 killed", "12 قتيلا على الأقل"
                record(count, found.value, minimum: minimum(endingAt: found.first - 1, in: words)
                       || trailingMinimum(after: index, in: words) || minimum(within: found.last + 1..<index, in: words))
            } else if let count = numberAfter[word] ?? stemmed(word, numberAfter), let found = number(after: index, in: words) {
                // "killing at least 12"
                record(count, found.value, minimum: minimum(within: index + 1..<found.first, in: words))
            }
        }
        return Figures.largest(of: statements)
    }

    /// Whether `word` may be a casualty word of ``numberFirst`` or ``numberAfter``, with or without a clitic:
    /// its first and last bytes (for Hebrew and Arabic, whose clitics go in front, its last two) are those of
    /// one. Most words of a text are not, and so cost no `Dictionary` lookup (two per word otherwise).
    private static func mayBeCasualtyWord(_ word: String) -> Bool {
        let utf8 = word.utf8
        let count = utf8.count
        guard let first = utf8.first, let last = utf8.last else { return false }
        if first >= 0xD7 && first <= 0xDB {
            // The last two letters' second bytes: what a clitic in front leaves alone.
            guard count >= 4 else { return false }
            return casualtyEnds.stems[Int(utf8[utf8.index(utf8.endIndex, offsetBy: -3)]) << 8 | Int(last)]
        }
        return casualtyEnds.words[wordKey(first: first, last: last, count: count)]
    }

    private static func wordKey(first: UInt8, last: UInt8, count: Int) -> Int {
        Int(first & 0x3F) << 10 | Int(last & 0x3F) << 4 | (count & 0xF)
    }

    /// ``mayBeCasualtyWord(_:)``'s tables: the first byte, last byte and length of every casualty word; the
    /// third-last and last bytes of every Hebrew and Arabic one.
    private static let casualtyEnds: (words: [Bool], stems: [Bool]) = {
        var words = [Bool](repeating: false, count: 65_536)
        var stems = [Bool](repeating: false, count: 65_536)
        for word in Array(numberFirst.keys) + Array(numberAfter.keys) {
            let bytes = Array(word.utf8)
            guard let first = bytes.first, let last = bytes.last else { continue }
            words[wordKey(first: first, last: last, count: bytes.count)] = true
            if bytes.count >= 4 { stems[Int(bytes[bytes.count - 3]) << 8 | Int(last)] = true }
        }
        return (words, stems)
    }()

    /// "At least" in each language, in ``NewsText`` form.
    private static let minimumPhrases: [[String]] = [
        "at least", "mindestens", "wenigstens", "au moins", "al menos", "por lo menos", "pelo menos", "ao menos", "לפחות",
        "ما لا يقل عن", "لا يقل عن", "على الأقل",
    ].map { NewsText.words($0) }

    /// Whether a minimum phrase ends at word `end`.
    private static func minimum(endingAt end: Int, in words: [String]) -> Bool {
        minimumPhrases.contains { phrase in
            let start = end - phrase.count + 1
            return start >= 0 && end < words.count && Array(words[start...end]) == phrase
        }
    }

    /// Whether a minimum phrase follows the casualty word at `index` and belongs to it ("12 قتيلا على الأقل"),
    /// not to the next figure ("12 killed, at least 30 injured").
    private static func trailingMinimum(after index: Int, in words: [String]) -> Bool {
        let start = index + 1
        return minimumPhrases.contains { phrase in
            guard start + phrase.count <= words.count, Array(words[start..<start + phrase.count]) == phrase else { return false }
            return start + phrase.count == words.count || value(of: words[start + phrase.count]) == nil
        }
    }

    /// Whether a minimum phrase lies wholly in `range` (the fillers between a number and its casualty word).
    private static func minimum(within range: Range<Int>, in words: [String]) -> Bool {
        range.contains { start in
            minimumPhrases.contains { phrase in
                start + phrase.count <= range.upperBound && Array(words[start..<start + phrase.count]) == phrase
            }
        }
    }

    /// Hebrew and Arabic casualty words with a clitic in front (`והרוגים`, `القتلى`); the clitics compared as
    /// bytes (`String.hasPrefix` compares characters, and cost more than the rest of the reading).
    private static func stemmed(_ word: String, _ table: [String: Count]) -> Count? {
        switch NewsText.script(of: word) {
        case .other:
            return nil
        case .hebrew, .arabic:
            let utf8 = word.utf8
            for prefix in cliticBytes where utf8.count > prefix.count && utf8.starts(with: prefix) {
                if let count = table[String(Substring(utf8.dropFirst(prefix.count)))] { return count }
            }
            return nil
        }
    }

    private static let cliticBytes: [[UInt8]] = ["ו", "ה", "וה", "ال", "وال", "و", "بال", "لل"].map { Array($0.utf8) }

    /// A number and the words it covers.
    private typealias Found = (value: Int, first: Int, last: Int)

    private static func number(before index: Int, in words: [String]) -> Found? {
        var cursor = index - 1
        var skipped = 0
        while cursor >= 0, skipped <= 4 {
            if let value = value(of: words[cursor]) { return compound(value, endingAt: cursor, in: words) }
            guard fillers.contains(words[cursor]) else { return nil }
            cursor -= 1
            skipped += 1
        }
        return nil
    }

    private static func number(after index: Int, in words: [String]) -> Found? {
        var cursor = index + 1
        var skipped = 0
        while cursor < words.count, skipped <= 3 {
            if let found = value(of: words[cursor]) {
                var end = cursor
                while end + 1 < words.count, numberWords[words[end + 1]] != nil || words[end + 1] == "et" || words[end + 1] == "y" { end += 1 }
                return compound(value(of: words[end]) ?? found, endingAt: end, in: words)
            }
            guard fillers.contains(words[cursor]) else { return nil }
            cursor += 1
            skipped += 1
        }
        return nil
    }

    /// A number of several words ending at `end`: "dix-sept" (17), "twenty-one", "vingt et un".
    private static func compound(_ value: Int, endingAt end: Int, in words: [String]) -> Found {
        guard value < 10, end >= 1 else { return (value, end, end) }
        var tensAt = end - 1
        if tensAt >= 1, words[tensAt] == "et" || words[tensAt] == "y" { tensAt -= 1 }
        guard let tens = numberWords[words[tensAt]], tens >= 10, tens % 10 == 0, tens < 100 else { return (value, end, end) }
        return (tens + value, tensAt, end)
    }

    /// A number written in digits (at most six) or as a word; Arabic "و" (and) may be written on the digits.
    private static func value(of word: String) -> Int? {
        if word.hasPrefix("و"), word.count > 1, word.dropFirst().allSatisfy(\.isASCII) { return value(of: String(word.dropFirst())) }
        if let first = word.utf8.first, first >= 48, first <= 57 {
            guard word.utf8.count <= 6, let value = Int(word) else { return nil }
            return value
        }
        return numberWords[word]
    }

    /// Casualty words a number stands before: "4 killed", "vier Tote", "ארבעה הרוגים".
    private static let numberFirst: [String: Count] = table([
        (.fatalities, ["killed", "dead", "deaths", "died", "dies", "fatalities", "tote", "toten", "todesopfer", "getotet",
                       "getotete", "morts", "mort", "tues", "tuees", "deces", "muertos", "muertas", "muerto", "fallecidos",
                       "fallecidas", "mortos", "morto", "mortas", "mortes", "הרוגים", "הרוגות", "הרוג", "נהרגו", "נרצחו",
                       "قتلى", "قتيلا", "قتيل", "شهيدا", "وفيات"]),
        (.injured, ["injured", "wounded", "hurt", "injuries", "verletzte", "verletzten", "verletzt", "schwerverletzte",
                    "blesses", "blessees", "blesse", "heridos", "heridas", "herido", "lesionados", "feridos", "feridas",
                    "ferido", "פצועים", "פצועות", "פצוע", "נפצעו", "جرحى", "جريحا", "مصابين", "مصابا", "اصابات"]),
    ])

    /// Casualty words a number follows: "killing 4", "tötet vier", "נהרגו ארבעה", "مقتل 5". Only active
    /// forms: after a participle ("one was killed. Two crew …") the next number is not its figure.
    private static let numberAfter: [String: Count] = table([
        (.fatalities, ["kills", "killing", "kill", "toll", "totet", "toteten", "tue", "tuent", "mata", "mato", "matan",
                       "matou", "matam", "נהרגו", "נרצחו", "مقتل", "مصرع", "استشهاد", "وفاه"]),
        (.injured, ["injuring", "wounding", "injures", "hiere", "hirio", "feriu",
                    "נפצעו", "اصابه", "جرح"]),
    ])

    private static func table(_ rows: [(Count, [String])]) -> [String: Count] {
        var result: [String: Count] = [:]
        for (count, words) in rows {
            for word in words { result[NewsText.form(word)] = result[NewsText.form(word)] ?? count }
        }
        return result
    }

    /// Words that may stand between a number and its casualty word.
    private static let fillers: Set<String> = Set([
        "people", "persons", "person", "at", "least", "more", "than", "some", "about", "around", "nearly", "almost", "up", "to",
        "were", "was", "have", "has", "been", "are", "is", "now", "rises", "rose", "risen", "climbs", "climbed", "reached",
        "civilians", "soldiers", "officers", "policemen", "police", "children", "students", "tourists", "others", "other",
        "a", "an", "the", "of", "seriously", "critically", "badly", "slightly", "lightly",
        "menschen", "personen", "mindestens", "uber", "mehr", "als", "rund", "etwa", "zivilisten", "soldaten", "kinder",
        "wurden", "sind", "gibt", "es", "schwer", "leicht", "weitere",
        "personnes", "au", "moins", "plus", "de", "d", "environ", "civils", "soldats", "enfants", "ont", "ete", "sont", "fait",
        "font", "a", "faisant", "grievement", "legerement", "autres",
        "personas", "al", "menos", "mas", "unos", "unas", "civiles", "soldados", "ninos", "fueron", "han", "sido", "deja",
        "dejan", "dejo", "graves", "gravemente", "otros",
        "pessoas", "pelo", "menos", "mais", "cerca", "foram", "ficaram", "graves", "outros",
        "אנשים", "לפחות", "כ", "מעל", "בני", "אדם", "ילדים", "חיילים", "אזרחים", "קשה", "באורח", "נוספים",
        "اشخاص", "شخصا", "شخص", "على", "الاقل", "اكثر", "من", "نحو", "حوالي", "مدنيين", "جنود", "اطفال", "عن",
    ].map { NewsText.form($0) })

    /// Numbers written as words.
    private static let numberWords: [String: Int] = {
        var table: [String: Int] = [:]
        let rows: [(Int, [String])] = [
            (1, ["one", "ein", "eine", "einer", "einen", "un", "une", "uno", "una", "um", "uma", "אחד", "אחת", "واحد"]),
            (2, ["two", "zwei", "deux", "dos", "dois", "duas", "שניים", "שתיים", "שני", "שתי", "اثنان", "اثنين"]),
            (3, ["three", "drei", "trois", "tres", "três", "שלושה", "שלוש", "ثلاثة", "ثلاث"]),
            (4, ["four", "vier", "quatre", "cuatro", "quatro", "ארבעה", "ארבע", "أربعة", "أربع"]),
            (5, ["five", "fünf", "cinq", "cinco", "חמישה", "חמש", "خمسة", "خمس"]),
            (6, ["six", "sechs", "seis", "שישה", "שש", "ستة", "ست"]),
            (7, ["seven", "sieben", "sept", "siete", "sete", "שבעה", "שבע", "سبعة", "سبع"]),
            (8, ["eight", "acht", "huit", "ocho", "oito", "שמונה", "ثمانية", "ثماني"]),
            (9, ["nine", "neun", "neuf", "nueve", "nove", "תשעה", "תשע", "تسعة", "تسع"]),
            (10, ["ten", "zehn", "dix", "diez", "dez", "עשרה", "עשר", "عشرة", "عشر"]),
            (11, ["eleven", "elf", "onze", "once"]), (12, ["twelve", "zwölf", "douze", "doce", "dozen"]),
            (13, ["thirteen", "dreizehn", "treize", "trece", "treze"]), (14, ["fourteen", "vierzehn", "quatorze", "catorce", "catorze"]),
            (15, ["fifteen", "fünfzehn", "quinze", "quince"]), (16, ["sixteen", "sechzehn", "seize", "dieciséis", "dezasseis", "dezesseis"]),
            (17, ["seventeen", "siebzehn", "dix-sept", "diecisiete"]), (18, ["eighteen", "achtzehn", "dieciocho"]),
            (19, ["nineteen", "neunzehn", "diecinueve"]), (20, ["twenty", "zwanzig", "vingt", "veinte", "vinte", "עשרים", "عشرين", "عشرون"]),
            (30, ["thirty", "dreißig", "trente", "treinta", "trinta"]), (40, ["forty", "vierzig", "quarante", "cuarenta", "quarenta"]),
            (50, ["fifty", "fünfzig", "cinquante", "cincuenta", "cinquenta"]), (100, ["hundred", "hundert", "cent", "cien", "cem"]),
        ]
        for (value, words) in rows {
            for word in words {
                let form = NewsText.form(word)
                if !form.contains(" ") { table[form] = value }
            }
        }
        return table
    }()
}
