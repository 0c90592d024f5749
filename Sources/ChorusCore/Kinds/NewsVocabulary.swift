/// The news vocabulary of `Rules/kinds.json5` (its `news` section): which publisher and EMM categories
/// name an incident, which words in a headline or lead say what happened — per language —, which phrases
/// contain such a word but report nothing (`counter-terrorism`), and which words mark an item that is not
/// about a new incident at all (an anniversary, a trial, a film).
public struct NewsVocabulary: Sendable, Hashable {
    /// One keyword rule of one language: words that make an item of this kind.
    public struct KeywordRule: Sendable, Hashable {
        public var kind: String
        /// Phrases as ``PhraseMatcher`` reads them: `terror*` finds `terrorists`, `ירי` only `ירי`.
        public var words: [String]

        public init(kind: String, words: [String]) {
            self.kind = kind
            self.words = words
        }
    }

    /// What one language contributes.
    public struct Language: Sendable, Hashable {
        public var keywords: [KeywordRule]
        /// Phrases that hold an incident word but report no incident; they hide the word inside them.
        public var neutral: [String]
        /// Words that mark an item as not about a new incident.
        public var notIncidents: [String]

        public init(keywords: [KeywordRule] = [], neutral: [String] = [], notIncidents: [String] = []) {
            self.keywords = keywords
            self.neutral = neutral
            self.notIncidents = notIncidents
        }
    }

    /// What a text says, as far as the vocabulary can tell.
    public struct Reading: Sendable, Hashable {
        /// The kind of the first keyword rule (in file order) with a phrase in the text: how a headline reads.
        public var kind: String?
        /// The kind of the phrase that comes first in the text: how a lead reads ("the cause of the crash —
        /// an accident or a terror attack?" is about a crash).
        public var firstKind: String?
        /// Where the first phrase of a kind starts, in the text's words.
        public var firstPosition: Int?
        /// Whether a not-an-incident word occurs.
        public var isNotIncident: Bool

        public init(kind: String? = nil, firstKind: String? = nil, firstPosition: Int? = nil, isNotIncident: Bool = false) {
            self.kind = kind
            self.firstKind = firstKind
            self.firstPosition = firstPosition
            self.isNotIncident = isNotIncident
        }
    }

    /// Category (in ``NewsText/form(_:)``) → kind.
    public private(set) var categories: [String: String]
    /// Language (primary subtag, lower case) → its part.
    public private(set) var languages: [String: Language]

    private enum Entry: Sendable {
        case kind(String, rank: Int)
        case neutral
        case notIncident
    }

    private var entries: [Entry] = []
    private var matchers: [String: PhraseMatcher] = [:]
    /// Every language at once, for items whose language is unknown or has no part of its own.
    private var combined = PhraseMatcher()

    /// Builds the matchers; `categories` keys and every phrase are put in ``NewsText/form(_:)``.
    public init(categories: [String: String] = [:], languages: [String: Language] = [:]) {
        self.categories = [:]
        for (category, kind) in categories { self.categories[NewsText.form(category)] = kind }
        self.languages = [:]
        for (tag, language) in languages { self.languages[tag.lowercased()] = language }
        // Neutral and not-an-incident entries first: on a tie of length they win.
        for tag in self.languages.keys.sorted() {
            guard let language = self.languages[tag] else { continue }
            var matcher = PhraseMatcher()
            func add(_ phrase: String, _ entry: Entry) {
                entries.append(entry)
                if matcher.add(phrase, value: entries.count - 1) { combined.add(phrase, value: entries.count - 1) }
            }
            for phrase in language.neutral { add(phrase, .neutral) }
            for phrase in language.notIncidents { add(phrase, .notIncident) }
            for (rank, rule) in language.keywords.enumerated() {
                for phrase in rule.words { add(phrase, .kind(rule.kind, rank: rank)) }
            }
            matchers[tag] = matcher
        }
    }

    /// Whether the file has no news vocabulary.
    public var isEmpty: Bool { categories.isEmpty && languages.isEmpty }

    /// The kind an incident category names (`TerroristAttack`, `Train crashes`), ignoring case and punctuation.
    public func kind(ofCategory category: String) -> String? {
        categories[NewsText.form(category)]
    }

    /// Reads `words` (from ``NewsText/words(_:limit:)``) in `language` (a BCP 47 tag; `nil` or a language
    /// without a part of its own reads with every language's words).
    public func read(_ words: [String], language: String?) -> Reading {
        let matcher = language.flatMap { matchers[LanguageSupport.primary($0)] } ?? combined
        var reading = Reading()
        var bestRank = Int.max
        for hit in matcher.hits(in: words) {
            switch entries[hit.value] {
            case .neutral:
                continue
            case .notIncident:
                reading.isNotIncident = true
            case .kind(let kind, let rank):
                if rank < bestRank {
                    bestRank = rank
                    reading.kind = kind
                }
                if reading.firstKind == nil {
                    reading.firstKind = kind
                    reading.firstPosition = hit.position
                }
            }
        }
        return reading
    }

    public static func == (lhs: NewsVocabulary, rhs: NewsVocabulary) -> Bool {
        lhs.categories == rhs.categories && lhs.languages == rhs.languages
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(categories)
        hasher.combine(languages)
    }
}
