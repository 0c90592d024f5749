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

    /// The kind for anything no table decides.
    public static let fallbackKind = "other"

    /// Reads and checks a kinds file.
    /// - Throws: ``KindMappingError`` naming the file and the JSON path of the first problem.
    public static func load(from url: URL) throws -> KindMapping {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw KindMappingError(file: url.path, path: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try KindMapping(json5: data, file: url.path)
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): return context.debugDescription
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            return context.debugDescription
        @unknown default: return "\(error)"
        }
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
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kinds)
        hasher.combine(capEvents)
        hasher.combine(gdacsEventTypes)
    }
}

extension KindMapping {
    /// Parses the JSON5 text of a kinds file; `file` is only used in error messages.
    public init(json5 data: Data, file: String = "kinds.json5") throws {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let root: KindJSON
        do {
            root = try decoder.decode(KindJSON.self, from: data)
        } catch let error as DecodingError {
            throw KindMappingError(file: file, path: "", message: "not valid JSON5: \(Self.describe(error))")
        } catch {
            throw KindMappingError(file: file, path: "", message: "not valid JSON5: \(error)")
        }
        self = try Reader(file: file).mapping(root)
    }
}

/// A problem in a kinds file: `FILE: json.path: message`, the form `chorus rules check` prints.
public struct KindMappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// The JSON path of the offending value (`cap.events.flood`), empty for the whole file.
    public var path: String
    /// What is wrong.
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)" }
}

// MARK: - Reading the file

/// A JSON value with the order of object keys kept, so that errors name the first problem in file order.
enum KindJSON: Decodable {
    case object([(String, KindJSON)])
    case array([KindJSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: Key.self) {
            // allKeys has no defined order; sort for deterministic error messages.
            self = .object(try keyed.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
                ($0.stringValue, try keyed.decode(KindJSON.self, forKey: $0))
            })
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var items: [KindJSON] = []
            while !unkeyed.isAtEnd { items.append(try unkeyed.decode(KindJSON.self)) }
            self = .array(items)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let value = try? single.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? single.decode(Double.self) {
                self = .number(value)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "a list"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

private struct Reader {
    let file: String

    func fail(_ path: String, _ message: String) -> KindMappingError {
        KindMappingError(file: file, path: path, message: message)
    }

    func object(_ value: KindJSON, _ path: String, allowed: Set<String>) throws -> [(String, KindJSON)] {
        guard case .object(let members) = value else { throw fail(path, "expected an object, found \(value.typeName)") }
        for (key, _) in members where !allowed.contains(key) {
            let list = allowed.sorted().joined(separator: ", ")
            throw fail(join(path, key), "unknown field (expected one of: \(list))")
        }
        return members
    }

    func dictionary(_ value: KindJSON, _ path: String) throws -> [(String, KindJSON)] {
        guard case .object(let members) = value else { throw fail(path, "expected an object, found \(value.typeName)") }
        return members
    }

    func string(_ value: KindJSON, _ path: String) throws -> String {
        guard case .string(let text) = value else { throw fail(path, "expected a string, found \(value.typeName)") }
        return text
    }

    func join(_ path: String, _ key: String) -> String {
        let simple = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        let part = simple ? key : "\"\(key)\""
        return path.isEmpty ? part : "\(path).\(part)"
    }

    func mapping(_ root: KindJSON) throws -> KindMapping {
        let members = try object(root, "", allowed: ["version", "kinds", "cap", "gdacs", "usgs", "keywords"])
        var fields: [String: KindJSON] = [:]
        for (key, value) in members { fields[key] = value }

        if let version = fields["version"] {
            guard case .number(let number) = version, number == 1 else {
                throw fail("version", "this Chorus reads version 1 of the kinds file")
            }
        }
        guard let kindsValue = fields["kinds"] else { throw fail("kinds", "is required: the kind vocabulary") }
        var descriptions: [String: String] = [:]
        for (kind, value) in try dictionary(kindsValue, "kinds") {
            guard Event.isSnakeCase(kind), kind.utf8.count <= Event.maximumIdentifierLength else {
                throw fail(join("kinds", kind), "'\(kind)' is not a snake_case kind")
            }
            descriptions[kind] = try string(value, join("kinds", kind))
        }
        guard descriptions[KindMapping.fallbackKind] != nil else {
            throw fail("kinds", "must declare '\(KindMapping.fallbackKind)', the kind of events no table maps")
        }
        let kinds = Set(descriptions.keys)
        func target(_ value: KindJSON, _ path: String) throws -> String {
            let kind = try string(value, path)
            guard kinds.contains(kind) else { throw fail(path, "'\(kind)' is not a kind declared in 'kinds'") }
            return kind
        }
        func table(_ value: KindJSON?, _ path: String, key: (String) -> String) throws -> [String: String] {
            guard let value else { return [:] }
            var result: [String: String] = [:]
            for (word, kindValue) in try dictionary(value, path) {
                let normalized = key(word)
                if normalized.isEmpty { throw fail(join(path, word), "an empty word maps nothing") }
                if result[normalized] != nil { throw fail(join(path, word), "is listed twice (keys are compared ignoring case)") }
                result[normalized] = try target(kindValue, join(path, word))
            }
            return result
        }

        var capEventCodes: [String: [String: String]] = [:]
        var capEvents: [String: String] = [:]
        var capCategories: [String: String] = [:]
        if let cap = fields["cap"] {
            var capFields: [String: KindJSON] = [:]
            for (key, value) in try object(cap, "cap", allowed: ["eventCodes", "events", "categories"]) { capFields[key] = value }
            if let codes = capFields["eventCodes"] {
                for (valueName, values) in try dictionary(codes, "cap.eventCodes") {
                    capEventCodes[valueName] = try table(values, join("cap.eventCodes", valueName)) { $0.lowercased() }
                }
            }
            capEvents = try table(capFields["events"], "cap.events", key: KindMapping.normalize)
            capCategories = try table(capFields["categories"], "cap.categories") { $0.lowercased() }
        }

        var gdacsEventTypes: [String: String] = [:]
        if let gdacs = fields["gdacs"] {
            var gdacsFields: [String: KindJSON] = [:]
            for (key, value) in try object(gdacs, "gdacs", allowed: ["eventtypes"]) { gdacsFields[key] = value }
            gdacsEventTypes = try table(gdacsFields["eventtypes"], "gdacs.eventtypes") { $0.uppercased() }
        }

        var usgsTypes: [String: String] = [:]
        var usgsRejected: Set<String> = []
        if let usgs = fields["usgs"] {
            var usgsFields: [String: KindJSON] = [:]
            for (key, value) in try object(usgs, "usgs", allowed: ["types", "notCrises"]) { usgsFields[key] = value }
            usgsTypes = try table(usgsFields["types"], "usgs.types", key: KindMapping.normalize)
            if let list = usgsFields["notCrises"] {
                guard case .array(let items) = list else { throw fail("usgs.notCrises", "expected a list of USGS types") }
                for (index, item) in items.enumerated() {
                    let type = KindMapping.normalize(try string(item, "usgs.notCrises[\(index)]"))
                    if usgsTypes[type] != nil {
                        throw fail("usgs.notCrises[\(index)]", "'\(type)' is also mapped in usgs.types")
                    }
                    usgsRejected.insert(type)
                }
            }
        }

        var keywords: [(kind: String, words: [String])] = []
        if let list = fields["keywords"] {
            guard case .array(let items) = list else { throw fail("keywords", "expected a list of {kind, words}") }
            for (index, item) in items.enumerated() {
                let path = "keywords[\(index)]"
                var ruleFields: [String: KindJSON] = [:]
                for (key, value) in try object(item, path, allowed: ["kind", "words"]) { ruleFields[key] = value }
                guard let kindValue = ruleFields["kind"] else { throw fail("\(path).kind", "is required") }
                let kind = try target(kindValue, "\(path).kind")
                guard case .array(let wordValues)? = ruleFields["words"], !wordValues.isEmpty else {
                    throw fail("\(path).words", "expected a non-empty list of words")
                }
                var words: [String] = []
                for (wordIndex, wordValue) in wordValues.enumerated() {
                    let word = KindMapping.keywordForm(try string(wordValue, "\(path).words[\(wordIndex)]"))
                    if word.isEmpty { throw fail("\(path).words[\(wordIndex)]", "an empty word matches everything") }
                    words.append(word)
                }
                keywords.append((kind, words))
            }
        }

        return KindMapping(
            kinds: kinds, descriptions: descriptions, capEventCodes: capEventCodes, capEvents: capEvents,
            capCategories: capCategories, gdacsEventTypes: gdacsEventTypes, usgsTypes: usgsTypes,
            usgsRejectedTypes: usgsRejected, keywords: keywords)
    }
}
