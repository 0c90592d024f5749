/// The draft languages Chorus supports, and what drafting needs to know about each.
public enum LanguageSupport {
    /// Every supported language tag with its drill marker, in its own language.
    public static let drillMarkers: [String: String] = [
        "en": "[DRILL]", "de": "[ÜBUNG]", "he": "[תרגיל]", "ar": "[تمرين]", "fr": "[EXERCICE]", "es": "[SIMULACRO]",
    ]

    /// The languages rules may draft in.
    public static var languages: Set<String> { Set(drillMarkers.keys) }

    /// Whether drafts can be written in `language`.
    public static func isSupported(_ language: String) -> Bool { drillMarkers[language] != nil }

    /// The marker that opens every drill draft in `language`.
    public static func drillMarker(for language: String) -> String {
        drillMarkers[primary(language)] ?? drillMarkers["en"] ?? "[DRILL]"
    }

    /// The locale whose conventions (date order, list style, digits) a draft in `language` follows when its
    /// sender names none: the tag's own region when it has one (`ar-EG`), else British English for `en`
    /// (day before month, as most governments writing English do) and each other language's own.
    public static func defaultLocale(for language: String) -> String {
        if let region = region(language) { return primary(language) + "_" + region }
        return primary(language) == "en" ? "en_GB" : primary(language)
    }

    /// Whether a locale identifier (`en_GB`, `en-US`, `fr`) is one Foundation has data for and whose
    /// language is `language`.
    public static func isLocale(_ identifier: String, of language: String) -> Bool {
        guard primary(identifier) == primary(language) else { return false }
        guard let region = region(identifier) else { return true }
        return ISO3166.isAlpha2(region)
    }

    /// The primary language subtag: `en` for `en-US`, `he` for `he_IL`.
    public static func primary(_ tag: String) -> String {
        // Drafting asks for every value of every draft: the common case (`de`) costs no allocation.
        let utf8 = tag.utf8
        if utf8.count <= 3, utf8.allSatisfy({ $0 >= 97 && $0 <= 122 }) { return tag }
        return String(tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? Substring(tag)).lowercased()
    }

    /// The region subtag, when the tag has one (`US` for `en-US`).
    public static func region(_ tag: String) -> String? {
        tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).dropFirst().first { $0.count == 2 }.map { $0.uppercased() }
    }

    /// Whether `language` is written right to left.
    public static func isRightToLeft(_ language: String) -> Bool {
        ["he", "ar", "fa", "ur", "yi"].contains(primary(language))
    }

    /// A Hebrew word after a one-letter prefix (ב, ל, ו): a consonantal ו that begins it is written
    /// double in unpointed spelling (ולנסיה → בוולנסיה, ורשה → בוורשה) unless it already is.
    static func hebrewAfterPrefix(_ word: String) -> String {
        word.hasPrefix("ו") && !word.hasPrefix("וו") ? "ו" + word : word
    }

    /// The script drafts in `language` are written in: an event's name in another script is shown in them
    /// only in the form `Rules/names.json5` gives (``EventNames``).
    public static func script(of language: String) -> Script {
        switch primary(language) {
        case "he": .hebrew
        case "ar": .arabic
        default: .latin
        }
    }

    /// A script a supported language is written in.
    public enum Script: String, Sendable, Hashable, CaseIterable {
        case latin, hebrew, arabic

        /// Whether every letter of `text` belongs to the script; spaces, hyphens, apostrophes and digits
        /// belong to every script.
        public func writes(_ text: String) -> Bool {
            text.unicodeScalars.allSatisfy { !$0.properties.isAlphabetic || contains($0) }
        }

        /// Whether `scalar` is a letter or mark of the script.
        func contains(_ scalar: Unicode.Scalar) -> Bool {
            let value = scalar.value
            switch self {
            // Basic Latin, Latin-1, Latin Extended-A and -B, IPA, Latin Extended Additional (Vietnamese names).
            case .latin: return (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
                || ((0xAA...0x24F).contains(value) && value != 0xD7 && value != 0xF7) || (0x1E00...0x1EFF).contains(value)
            // Hebrew, with its presentation forms.
            case .hebrew: return (0x0591...0x05F4).contains(value) || (0xFB1D...0xFB4F).contains(value)
            // Arabic, its supplement and extended blocks, and its presentation forms.
            case .arabic: return (0x0600...0x06FF).contains(value) || (0x0750...0x077F).contains(value) || (0x08A0...0x08FF).contains(value)
                || (0xFB50...0xFDFF).contains(value) || (0xFE70...0xFEFF).contains(value)
            }
        }
    }

    static func isRightToLeftScalar(_ scalar: Unicode.Scalar) -> Bool {
        (0x0590...0x08FF).contains(scalar.value) || (0xFB1D...0xFDFF).contains(scalar.value) || (0xFE70...0xFEFF).contains(scalar.value)
    }
}
