/// The forms events' names take in the languages not written in Latin letters (`Rules/names.json5`):
/// *Helene* is *הלן* in Hebrew and *هيلين* in Arabic.
///
/// A name reaches a draft only in the draft's own script (``LanguageSupport/script(of:)``): as the event
/// gives it when it is written in that script (*Helene* in German, English, French, Spanish), else in the
/// form this table gives for the draft's language, else not at all — a Hebrew or Arabic draft then uses its
/// text without the name (`{{^name}}`), never a Latin name inside a Hebrew or Arabic sentence.
public struct EventNames: Sendable, Hashable {
    /// One name and its forms.
    public struct Entry: Sendable, Hashable {
        /// The name as the agencies give it, in Latin letters (*Helene*, *Man-yi*).
        public var name: String
        /// Its form by language (`he`, `ar`): only languages whose script is not Latin.
        public var forms: [String: String]

        /// Creates an entry.
        public init(name: String, forms: [String: String]) {
            self.name = name
            self.forms = forms
        }
    }

    /// The table without entries: a name is then shown only in drafts written in its own script.
    public static let empty = EventNames(entries: [])

    /// The entries, in the file's order.
    public let entries: [Entry]
    private let forms: [String: [String: String]]

    /// A table of `entries`; a name given twice keeps its first entry (the loader reports the second).
    public init(entries: [Entry]) {
        self.entries = entries
        var forms: [String: [String: String]] = [:]
        for entry in entries where forms[Self.key(entry.name)] == nil { forms[Self.key(entry.name)] = entry.forms }
        self.forms = forms
    }

    /// The forms of `name` by language (its case ignored: *HELENE* is *Helene*); empty when the table has none.
    public func forms(of name: String) -> [String: String] { forms[Self.key(name)] ?? [:] }

    /// `name` as a draft in `language` shows it: as given when it is written in the language's script,
    /// else the form of `forms` (``forms(of:)``) for the language, else `nil` — the name counts as absent.
    public static func name(_ name: String, forms: [String: String], in language: String) -> String? {
        if LanguageSupport.script(of: language).writes(name) { return name }
        return forms[LanguageSupport.primary(language)]
    }

    /// The key a name is found by.
    static func key(_ name: String) -> String { name.lowercased() }
}
