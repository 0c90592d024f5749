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
        drillMarkers[language] ?? drillMarkers["en"] ?? "[DRILL]"
    }

    /// Whether `language` is written right to left.
    public static func isRightToLeft(_ language: String) -> Bool {
        let primary = language.split(separator: "-").first.map(String.init) ?? language
        return ["he", "ar", "fa", "ur", "yi"].contains(primary)
    }

    static func isRightToLeftScalar(_ scalar: Unicode.Scalar) -> Bool {
        (0x0590...0x08FF).contains(scalar.value) || (0xFB1D...0xFDFF).contains(scalar.value) || (0xFE70...0xFEFF).contains(scalar.value)
    }
}
