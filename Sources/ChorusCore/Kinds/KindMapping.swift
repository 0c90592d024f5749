import Foundation

/// How each feed's vocabulary maps to a Chorus `kind` (PRODUCT.md §5, `Rules/kinds.json5`).
///
/// The file declares the kind vocabulary (every kind a rule may name) and, per feed, tables from the feed's
/// own words to those kinds: CAP `eventCode`s, `event` names and `category`s, GDACS `eventtype`s, USGS
/// `type`s, and keywords for free text. Every target must be a declared kind, so a typo in the file is an
/// error when it is loaded, never a silently unmatched rule later.
public struct KindMapping: Sendable, Hashable {
    /// The kind vocabulary: every kind an event may carry and a rule may name.
    public var kinds: Set<String>
    /// What each kind means, for help and for `chorus rules check`.
    public var descriptions: [String: String]
    /// CAP `eventCode`: value name (exact) → value (lower-cased) → kind.
    var capEventCodes: [String: [String: String]]
    /// CAP `event`, normalized (lower-cased, whitespace collapsed) → kind.
    var capEvents: [String: String]
    /// CAP `category` (lower-cased) → kind.
    var capCategories: [String: String]
    /// GDACS `eventtype` (upper-cased) → kind.
    var gdacsEventTypes: [String: String]
    /// USGS `type` (lower-cased) → kind.
    var usgsTypes: [String: String]
    /// USGS `type`s (lower-cased) that are not crises and are rejected.
    var usgsRejectedTypes: Set<String>
    /// Keyword rules in file order: the first whose word occurs in the text decides.
    var keywords: [(kind: String, words: [String])]
    /// News categories and multilingual keywords (`news`): how a news item's kind is read.
    public var news = NewsVocabulary()
    /// GDELT CAMEO event codes (`gdelt.cameo`), by code prefix: the longest listed prefix decides; an empty
    /// kind (`null` in the file) says that code is not an incident.
    var cameoCodes: [String: String] = [:]

    /// The kind for anything no table decides.
    public static let fallbackKind = "other"

    /// Reads and checks a kinds file.
    /// - Throws: ``KindMappingError`` naming the file, the position and the JSON path of the first problem.
    public static func load(from url: URL) throws(KindMappingError) -> KindMapping {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw KindMappingError(file: url.path, path: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try KindMapping(json5: data, file: url.path)
    }

    // MARK: Lookups

    /// The kind for a CAP `<info>`: its event codes first, then the event name, keywords in the event name,
    /// keywords in the headline, the categories in order, and ``fallbackKind``.
    public func capKind(
        eventCodes: [(valueName: String, value: String)], event: String?, headline: String?, categories: [String]
    ) -> String {
        for code in eventCodes {
            if let kind = capEventCodes[code.valueName]?[code.value.lowercased()] { return kind }
        }
        if let event {
            if let kind = capEvents[Self.normalize(event)] { return kind }
            if let kind = keywordKind(in: event) { return kind }
        }
        if let headline, let kind = keywordKind(in: headline) { return kind }
        for category in categories {
            if let kind = capCategories[category.lowercased()] { return kind }
        }
        return Self.fallbackKind
    }

    /// The kind for a GDACS `eventtype` (`EQ`, `TC`, …), `nil` when the file does not know it.
    public func gdacsKind(eventType: String) -> String? {
        gdacsEventTypes[eventType.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()]
    }

    /// What a USGS `type` becomes.
    public func usgsKind(type: String) -> USGSKind {
        let key = Self.normalize(type)
        if let kind = usgsTypes[key] { return .kind(kind) }
        if usgsRejectedTypes.contains(key) { return .notACrisis }
        return .unknown
    }

    /// The kind for a GDELT/CAMEO event code (`193`, `0431`): the longest prefix listed in `gdelt.cameo`;
    /// `nil` when none is (most CAMEO codes — statements, meetings, cooperation — are not incidents).
    public func cameoKind(eventCode: String) -> String? {
        var code = Substring(eventCode.trimmingCharacters(in: .whitespaces))
        while !code.isEmpty {
            if let kind = cameoCodes[String(code)] { return kind.isEmpty ? nil : kind }
            code = code.dropLast()
        }
        return nil
    }

    /// What a USGS `type` becomes: a kind, a type Chorus deliberately ignores, or one the file does not know.
    public enum USGSKind: Sendable, Hashable {
        case kind(String)
        case notACrisis
        case unknown
    }

    /// The kind of the first keyword rule with a word in `text` (case-insensitive, on word boundaries at the start).
    public func keywordKind(in text: String) -> String? {
        let haystack = " " + Self.keywordForm(text) + " "
        for rule in keywords {
            for word in rule.words where haystack.contains(" " + word) { return rule.kind }
        }
        return nil
    }

    /// Lower case, every run of characters other than letters and digits as one space.
    static func keywordForm(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " })
            .split(separator: " ").joined(separator: " ")
    }

    static func normalize(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    public static func == (lhs: KindMapping, rhs: KindMapping) -> Bool {
        lhs.kinds == rhs.kinds && lhs.descriptions == rhs.descriptions && lhs.capEventCodes == rhs.capEventCodes
            && lhs.capEvents == rhs.capEvents && lhs.capCategories == rhs.capCategories
            && lhs.gdacsEventTypes == rhs.gdacsEventTypes && lhs.usgsTypes == rhs.usgsTypes
            && lhs.usgsRejectedTypes == rhs.usgsRejectedTypes
            && lhs.keywords.map(\.kind) == rhs.keywords.map(\.kind) && lhs.keywords.map(\.words) == rhs.keywords.map(\.words)
            && lhs.news == rhs.news && lhs.cameoCodes == rhs.cameoCodes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kinds)
        hasher.combine(capEvents)
        hasher.combine(gdacsEventTypes)
    }
}

extension KindMapping {
    /// Parses the JSON5 text of a kinds file; `file` is only used in error messages.
    public init(json5 data: Data, file: String = "kinds.json5") throws(KindMappingError) {
        let root: JSON5Node
        do {
            root = try JSON5Reader.parse(data)
        } catch {
            throw KindMappingError(file: file, position: error.position, path: "", message: "syntax error: \(error.message)")
        }
        self = try Reader(file: file).mapping(root)
    }
}

/// A problem in a kinds file: `FILE:LINE:COL: json.path: message` (`FILE: json.path: message` for a value
/// that is missing), the form `chorus rules check` prints.
public struct KindMappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// Where the offending value or key is, when it exists.
    public var position: SourcePosition?
    /// The JSON path of the offending value (`cap.events.flood`), empty for the whole file.
    public var path: String
    /// What is wrong.
    public var message: String

    public init(file: String, position: SourcePosition? = nil, path: String, message: String) {
        self.file = file
        self.position = position
        self.path = path
        self.message = message
    }

    /// The message with the JSON path in front, as a rules diagnostic carries it.
    public var pathAndMessage: String { path.isEmpty ? message : "\(path): \(message)" }

    public var description: String {
        if let position { return "\(file):\(position.line):\(position.column): \(pathAndMessage)" }
        return "\(file): \(pathAndMessage)"
    }
}

// MARK: - Reading the file

/// Reads the parsed file and throws at the first problem, with the position of the value or key at fault.
private struct Reader {
    let file: String

    func fail(_ node: JSON5Node?, _ path: String, _ message: String) -> KindMappingError {
        KindMappingError(file: file, position: node?.position, path: path, message: message)
    }

    func fail(at position: SourcePosition, _ path: String, _ message: String) -> KindMappingError {
        KindMappingError(file: file, position: position, path: path, message: message)
    }

    /// An object's members, by key, after checking that every key is `allowed`.
    func object(_ node: JSON5Node, _ path: String, allowed: Set<String>) throws(KindMappingError) -> [String: JSON5Node] {
        let members = try dictionary(node, path)
        var fields: [String: JSON5Node] = [:]
        for member in members {
            guard allowed.contains(member.key) else {
                throw fail(at: member.keyPosition, join(path, member.key), NodeReader.unknownField(member.key, allowed: allowed.sorted()))
            }
            fields[member.key] = member.node
        }
        return fields
    }

    /// An object's members in file order.
    func dictionary(_ node: JSON5Node, _ path: String) throws(KindMappingError) -> [JSON5Member] {
        guard case .object(let members) = node.value else { throw fail(node, path, "expected an object, found \(node.value.typeName)") }
        return members
    }

    func list(_ node: JSON5Node, _ path: String, _ expected: String) throws(KindMappingError) -> [JSON5Node] {
        guard case .array(let items) = node.value else { throw fail(node, path, "expected \(expected), found \(node.value.typeName)") }
        return items
    }

    func string(_ node: JSON5Node, _ path: String) throws(KindMappingError) -> String {
        guard case .string(let text) = node.value else { throw fail(node, path, "expected a string, found \(node.value.typeName)") }
        return text
    }

    func join(_ path: String, _ key: String) -> String {
        let simple = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        let part = simple ? key : "\"\(key)\""
        return path.isEmpty ? part : "\(path).\(part)"
    }

    func mapping(_ root: JSON5Node) throws(KindMappingError) -> KindMapping {
        let fields = try object(root, "", allowed: ["version", "kinds", "cap", "gdacs", "usgs", "keywords", "news", "gdelt"])

        if let version = fields["version"] {
            guard case .number(let number, _) = version.value, number == 1 else {
                throw fail(version, "version", "this Chorus reads version 1 of the kinds file")
            }
        }
        guard let kindsNode = fields["kinds"] else { throw fail(nil, "kinds", "is required: the kind vocabulary") }
        var descriptions: [String: String] = [:]
        for member in try dictionary(kindsNode, "kinds") {
            let kind = member.key
            guard Event.isSnakeCase(kind), kind.utf8.count <= EventLimits.identifierBytes else {
                throw fail(at: member.keyPosition, join("kinds", kind), "'\(kind)' is not a snake_case kind")
            }
            descriptions[kind] = try string(member.node, join("kinds", kind))
        }
        guard descriptions[KindMapping.fallbackKind] != nil else {
            throw fail(kindsNode, "kinds", "must declare '\(KindMapping.fallbackKind)', the kind of events no table maps")
        }
        let kinds = Set(descriptions.keys)
        func target(_ node: JSON5Node, _ path: String) throws(KindMappingError) -> String {
            let kind = try string(node, path)
            guard kinds.contains(kind) else { throw fail(node, path, "'\(kind)' is not a kind declared in 'kinds'") }
            return kind
        }
        func table(_ node: JSON5Node?, _ path: String, key: (String) -> String) throws(KindMappingError) -> [String: String] {
            guard let node else { return [:] }
            var result: [String: String] = [:]
            for member in try dictionary(node, path) {
                let normalized = key(member.key)
                let memberPath = join(path, member.key)
                if normalized.isEmpty { throw fail(at: member.keyPosition, memberPath, "an empty word maps nothing") }
                if result[normalized] != nil {
                    throw fail(at: member.keyPosition, memberPath, "is listed twice (keys are compared ignoring case)")
                }
                result[normalized] = try target(member.node, memberPath)
            }
            return result
        }

        var capEventCodes: [String: [String: String]] = [:]
        var capEvents: [String: String] = [:]
        var capCategories: [String: String] = [:]
        if let cap = fields["cap"] {
            let capFields = try object(cap, "cap", allowed: ["eventCodes", "events", "categories"])
            if let codes = capFields["eventCodes"] {
                for member in try dictionary(codes, "cap.eventCodes") {
                    capEventCodes[member.key] = try table(member.node, join("cap.eventCodes", member.key)) { $0.lowercased() }
                }
            }
            capEvents = try table(capFields["events"], "cap.events", key: KindMapping.normalize)
            capCategories = try table(capFields["categories"], "cap.categories") { $0.lowercased() }
        }

        var gdacsEventTypes: [String: String] = [:]
        if let gdacs = fields["gdacs"] {
            let gdacsFields = try object(gdacs, "gdacs", allowed: ["eventtypes"])
            gdacsEventTypes = try table(gdacsFields["eventtypes"], "gdacs.eventtypes") { $0.uppercased() }
        }

        var usgsTypes: [String: String] = [:]
        var usgsRejected: Set<String> = []
        if let usgs = fields["usgs"] {
            let usgsFields = try object(usgs, "usgs", allowed: ["types", "notCrises"])
            usgsTypes = try table(usgsFields["types"], "usgs.types", key: KindMapping.normalize)
            if let listNode = usgsFields["notCrises"] {
                for (index, item) in try list(listNode, "usgs.notCrises", "a list of USGS types").enumerated() {
                    let type = KindMapping.normalize(try string(item, "usgs.notCrises[\(index)]"))
                    if usgsTypes[type] != nil {
                        throw fail(item, "usgs.notCrises[\(index)]", "'\(type)' is also mapped in usgs.types")
                    }
                    usgsRejected.insert(type)
                }
            }
        }

        var keywords: [(kind: String, words: [String])] = []
        if let listNode = fields["keywords"] {
            for (index, item) in try list(listNode, "keywords", "a list of {kind, words}").enumerated() {
                let path = "keywords[\(index)]"
                let ruleFields = try object(item, path, allowed: ["kind", "words"])
                guard let kindNode = ruleFields["kind"] else { throw fail(item, "\(path).kind", "is required") }
                let kind = try target(kindNode, "\(path).kind")
                guard let wordsNode = ruleFields["words"], case .array(let wordNodes) = wordsNode.value, !wordNodes.isEmpty else {
                    throw fail(ruleFields["words"] ?? item, "\(path).words", "expected a non-empty list of words")
                }
                var words: [String] = []
                for (wordIndex, wordNode) in wordNodes.enumerated() {
                    let word = KindMapping.keywordForm(try string(wordNode, "\(path).words[\(wordIndex)]"))
                    if word.isEmpty { throw fail(wordNode, "\(path).words[\(wordIndex)]", "an empty word matches everything") }
                    words.append(word)
                }
                keywords.append((kind, words))
            }
        }

        var cameoCodes: [String: String] = [:]
        if let gdelt = fields["gdelt"] {
            let gdeltFields = try object(gdelt, "gdelt", allowed: ["cameo"])
            if let cameo = gdeltFields["cameo"] {
                for member in try dictionary(cameo, "gdelt.cameo") {
                    let path = join("gdelt.cameo", member.key)
                    guard !member.key.isEmpty, member.key.utf8.count <= 4, member.key.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                        throw fail(at: member.keyPosition, path, "a CAMEO code is one to four digits, e.g. '183'")
                    }
                    // null: a code under a mapped prefix that is not an incident (1661 under 166).
                    if case .null = member.node.value {
                        cameoCodes[member.key] = ""
                    } else {
                        cameoCodes[member.key] = try target(member.node, path)
                    }
                }
            }
        }

        var mapping = KindMapping(
            kinds: kinds, descriptions: descriptions, capEventCodes: capEventCodes, capEvents: capEvents,
            capCategories: capCategories, gdacsEventTypes: gdacsEventTypes, usgsTypes: usgsTypes,
            usgsRejectedTypes: usgsRejected, keywords: keywords)
        mapping.cameoCodes = cameoCodes
        if let news = fields["news"] { mapping.news = try newsVocabulary(news, target: target) }
        return mapping
    }

    func quotedPhrase(_ text: String) -> String { "'" + String(text.prefix(60)) + "'" }

    /// The `news` section: `categories` (category → kind), and per language `keywords` ([{kind, words}]),
    /// `neutral` and `notIncidents` (lists of phrases in ``PhraseMatcher``'s notation).
    func newsVocabulary(_ node: JSON5Node, target: (JSON5Node, String) throws(KindMappingError) -> String)
    throws(KindMappingError) -> NewsVocabulary {
        let fields = try object(node, "news", allowed: ["categories", "keywords", "neutral", "notIncidents"])
        var categories: [String: String] = [:]
        if let categoriesNode = fields["categories"] {
            for member in try dictionary(categoriesNode, "news.categories") {
                let form = NewsText.form(member.key)
                let path = join("news.categories", member.key)
                if form.isEmpty { throw fail(at: member.keyPosition, path, "an empty category maps nothing") }
                if categories[form] != nil {
                    throw fail(at: member.keyPosition, path, "is listed twice (categories are compared ignoring case and punctuation)")
                }
                categories[form] = try target(member.node, path)
            }
        }
        func phrases(_ node: JSON5Node, _ path: String) throws(KindMappingError) -> [String] {
            var result: [String] = []
            for (index, item) in try list(node, path, "a list of phrases").enumerated() {
                let text = try string(item, "\(path)[\(index)]")
                if PhraseMatcher.elements(of: text).isEmpty {
                    throw fail(item, "\(path)[\(index)]", "\(quotedPhrase(text)) holds no word to match")
                }
                result.append(text)
            }
            return result
        }
        func byLanguage(_ name: String) throws(KindMappingError) -> [String: JSON5Node] {
            guard let section = fields[name] else { return [:] }
            var result: [String: JSON5Node] = [:]
            for member in try dictionary(section, "news.\(name)") {
                guard Event.isLanguageTag(member.key), !member.key.contains("-") else {
                    throw fail(at: member.keyPosition, join("news.\(name)", member.key), "expected a language code such as 'en' or 'he'")
                }
                result[member.key.lowercased()] = member.node
            }
            return result
        }
        var languages: [String: NewsVocabulary.Language] = [:]
        for (language, listNode) in try byLanguage("keywords") {
            let path = "news.keywords.\(language)"
            var rules: [NewsVocabulary.KeywordRule] = []
            for (index, item) in try list(listNode, path, "a list of {kind, words}").enumerated() {
                let rulePath = "\(path)[\(index)]"
                let ruleFields = try object(item, rulePath, allowed: ["kind", "words"])
                guard let kindNode = ruleFields["kind"] else { throw fail(item, "\(rulePath).kind", "is required") }
                let kind = try target(kindNode, "\(rulePath).kind")
                guard let wordsNode = ruleFields["words"] else { throw fail(item, "\(rulePath).words", "is required") }
                let words = try phrases(wordsNode, "\(rulePath).words")
                if words.isEmpty { throw fail(wordsNode, "\(rulePath).words", "expected a non-empty list of phrases") }
                rules.append(NewsVocabulary.KeywordRule(kind: kind, words: words))
            }
            languages[language, default: .init()].keywords = rules
        }
        for (language, listNode) in try byLanguage("neutral") {
            languages[language, default: .init()].neutral = try phrases(listNode, "news.neutral.\(language)")
        }
        for (language, listNode) in try byLanguage("notIncidents") {
            languages[language, default: .init()].notIncidents = try phrases(listNode, "news.notIncidents.\(language)")
        }
        return NewsVocabulary(categories: categories, languages: languages)
    }
}
