/// A message template, parsed once when the rules load.
///
/// The language, and nothing more:
/// - `{{field}}` and `{{field | filter}}` insert a fact of the event, localized for the draft;
/// - `{{#field}} … {{/field}}` keeps its content only when the fact is known (and, for counts, not zero);
/// - `{{^field}} … {{/field}}` keeps its content only when it is not;
/// - `{{#fatalities:one}} … {{/fatalities:one}}` (and `:zero`, `:two`, `:few`, `:many`, `:other`) keeps its
///   content when the count is known and has that plural category in the draft's language (CLDR's rules:
///   *1 person*, *4 people*; Arabic's six forms), so that every sentence agrees with its number;
/// - `{{#fatalities:minimum}}`, `{{#fatalities:risen}}`, `{{#fatalities:fallen}}` (and `injured`): the figure
///   is a minimum (*at least*), or an update raised or lowered it (*the toll has risen to …*);
/// - `{{#target:synagogue}}`, `{{#near:synagogue}}`, `{{#motive:antisemitic}}`, `{{#day:yom_kippur}}` (``EventFact``), and
///   `{{#target}}` for any value: the facts an event's tags state; they decide words, never insert any;
/// - `{{name}}` (the event's own name, a storm's) only inside `{{#name}}…{{/name}}`: few events have one, and
///   a draft shows it only in its own script (``EventNames``);
/// - `{{gestureDay}}`: in a phase about a gesture, the weekday the landmark is lit (*Am {{gestureDay}}abend*).
///
/// Rendering is a single pass over the parsed nodes: values are appended as text and never parsed again,
/// so `{{` in an event's headline comes out literally.
public struct Template: Sendable, Hashable {
    /// The template as written.
    public let source: String
    let nodes: [TemplateNode]
    /// The template with optional sections left out and every value one character long.
    let shortestText: String
    /// Every field the template uses, in sections or not.
    public let usedFields: Set<TemplateField>

    /// Parses `source`.
    /// - Throws: ``TemplateSyntaxError`` for an unknown field or filter, a filter that does not apply
    ///   to its field, or an unbalanced section.
    public init(_ source: String) throws(TemplateSyntaxError) {
        self.source = source
        var parser = TemplateParser(source)
        nodes = try parser.parse()
        var shortest = ""
        for node in nodes {
            switch node {
            case .text(let text): shortest += text
            case .value: shortest += "1"
            case .section: break
            }
        }
        shortestText = shortest
        var fields: Set<TemplateField> = []
        func collect(_ nodes: [TemplateNode]) {
            for node in nodes {
                switch node {
                case .text: break
                case .value(let field, _): fields.insert(field)
                case .section(let condition, _, let children):
                    fields.insert(condition.field)
                    collect(children)
                }
            }
        }
        collect(nodes)
        usedFields = fields
    }

    /// The fields the template uses outside optional sections: the event must provide them.
    public var requiredFields: Set<TemplateField> {
        var fields: Set<TemplateField> = []
        for node in nodes {
            if case .value(let field, _) = node { fields.insert(field) }
        }
        return fields
    }

    /// Renders the template for one draft.
    /// - Throws: ``TemplateRenderError/missingValue(_:)`` when a fact outside an optional section is unknown.
    public func render(_ values: TemplateValues) throws(TemplateRenderError) -> String {
        var out = ""
        try Self.render(nodes, values, into: &out)
        return out
    }

    private static func render(_ nodes: [TemplateNode], _ values: TemplateValues, into out: inout String) throws(TemplateRenderError) {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .value(let field, let filter):
                guard let value = values.string(for: field, filter: filter) else { throw .missingValue(field) }
                out += value
            case .section(let condition, let inverted, let children):
                if values.holds(condition) != inverted { try render(children, values, into: &out) }
            }
        }
    }

    /// The shortest the template can come out: optional sections left out, every value one character.
    /// A template longer than its channel's limit even so can never fit.
    public func minimumLength(on channel: Channel) -> Int { channel.length(of: shortestText) }

    /// Whether the template can fit `channel` at all; cheap when it obviously does (a scalar weighs at
    /// most 2, and never more than its UTF-8 bytes on the other channels).
    public func canFit(_ channel: Channel) -> Bool {
        let bytes = shortestText.utf8.count
        if channel.measure == .twitterWeighted ? 2 * bytes <= channel.limit : bytes <= channel.limit { return true }
        return minimumLength(on: channel) <= channel.limit
    }
}

/// A node of a parsed template.
indirect enum TemplateNode: Sendable, Hashable {
    case text(String)
    case value(TemplateField, TemplateFilter?)
    case section(SectionCondition, inverted: Bool, [TemplateNode])
}

/// What decides whether a section is kept: a fact being known, a count having a plural category or a
/// qualifier, or a fact having a value.
struct SectionCondition: Sendable, Hashable {
    var field: TemplateField
    var test: SectionTest?
}

/// The part of a section's name after `:`.
enum SectionTest: Sendable, Hashable {
    /// `{{#fatalities:one}}`.
    case plural(PluralCategory)
    /// `{{#fatalities:minimum}}`, `{{#injured:risen}}`.
    case figure(FigureQualifier)
    /// `{{#target:synagogue}}`.
    case value(String)
    /// `{{#victims:own}}`: the sender's own nationals are among the victims.
    case own
}

/// A fact of the event a template can use.
public enum TemplateField: String, Sendable, Hashable, CaseIterable, Codable {
    /// Every affected country, in the draft's language, joined as the language joins a list.
    case country
    /// The states that acted (`actors`: the state that expelled diplomats), as `country` shows countries.
    case actor
    /// The event's own name (a storm's: *Helene*), for sections only: a template names it inside
    /// `{{#name}}…{{/name}}` (*Hurricane {{name}}*), with `{{^name}}…{{/name}}` for the text without it, since
    /// most events have none. A draft shows it in its own script only: as the source gives it in a language
    /// written in Latin letters, in Hebrew and Arabic the form of `Rules/names.json5` (*הלן*, *هيلين*) — and
    /// without one the name counts as absent (``EventNames``).
    case name
    /// The event's place in the draft's language, from the gazetteer; a place the gazetteer does not know
    /// only in the language the feed wrote it in.
    case place
    /// Where it happened: the place with its preposition (*in Jerusalem*, *à Jérusalem*, *בירושלים*) when it
    /// can be named, else the affected countries (*in der Türkei und in Syrien*).
    case `where`
    /// The number of people killed, in the language's digits.
    case fatalities
    /// The number of people injured, in the language's digits.
    case injured
    /// The magnitude, one decimal, in the language's digits.
    case magnitude
    /// When the event happened, where it happened (the place's time zone, else the country's), in the
    /// sender's locale (default: the date, *8 January*, *January 8*, *8. Januar*, *1er janvier*).
    case occurred
    /// The event's headline in the draft's language.
    case headline
    /// The event's link.
    case link
    /// In a phase about a gesture: the landmark, in the draft's language (*the Brandenburg Gate*,
    /// *das Brandenburger Tor*, *שער ברנדנבורג*).
    case landmark
    /// For an embassy, the country it is accredited to, as `country` shows countries: a house style
    /// shared by several embassies names each one's host (*Thank you, Germany*).
    case host
    /// What was attacked (`target:…` tags): for sections only, `{{#target:synagogue}}`.
    case target
    /// Where it happened without being the target (`near:…` tags): for sections only, `{{#near:synagogue}}`.
    case near
    /// Whose nationals are among the victims (`victims:IL` tags): for sections only, `{{#victims:own}}` when
    /// the sender's own country is among them (*including an Israeli citizen*), `{{#victims:FR}}` for one.
    case victims
    /// The motive the authorities established (`motive:…` tags): for sections only.
    case motive
    /// The day's significance (`day:…` tags): for sections only.
    case day
    /// On an update that changed the number of people killed: the number before it, as `fatalities`.
    case previousFatalities
    /// On an update that changed the number of people injured: the number before it.
    case previousInjured
    /// The sender's standing consular contact (`contact` in participants.json5): a 24-hour number or a
    /// crisis registration page, exactly as published.
    case contact
    /// The draft waits for the end of its sender's rest day (``RestDays``) past the day it was meant for, in
    /// the sender's time: a gesture post held from Friday evening to Saturday night says which evening it was
    /// (*on Friday evening … was lit*, `{{gestureDay}}`), not *tonight … is lit*. For sections only:
    /// `{{#heldOver}}ב{{gestureDay}} בערב הואר{{/heldOver}}{{^heldOver}}הערב מואר{{/heldOver}}`.
    case heldOver
    /// In a phase about a gesture: the weekday the landmark is lit, where it stands, in the draft's language
    /// (*Freitag*, *Friday*, *vendredi*, *viernes*, *יום שישי*, *الجمعة*), for a post that goes out later —
    /// after a rest day — and says which evening it was: *Am {{gestureDay}}abend leuchtete …*.
    case gestureDay

    /// The filters that apply to the field.
    public var filters: Set<TemplateFilter> {
        switch self {
        case .country, .actor, .host: return [.in, .with, .of, .hashtag]
        case .place: return [.in, .hashtag]
        case .landmark, .name: return [.hashtag]
        case .occurred: return [.date, .time, .weekday, .datetime]
        case .fatalities, .injured, .previousFatalities, .previousInjured: return [.words, .definite]
        case .where, .magnitude, .headline, .link, .target, .near, .victims, .motive, .day, .contact, .heldOver, .gestureDay: return []
        }
    }

    /// Whether the field is a count, which plural sections (`{{#fatalities:one}}`) can test.
    public var isCount: Bool { self == .fatalities || self == .injured || self == .previousFatalities || self == .previousInjured }

    /// Whether the template may insert the field only inside a section that tests it (`{{#name}}{{name}}{{/name}}`):
    /// it is known for few events, and a text must still read without it.
    public var needsSection: Bool { self == .name }

    /// Whether the field is a figure an event states, which can be a minimum and which updates revise.
    public var isFigure: Bool { self == .fatalities || self == .injured }

    /// Whether the field decides words and inserts none: the facts and `heldOver`.
    public var isSectionOnly: Bool { fact != nil || self == .heldOver }

    /// The fact a section-only field tests (`target`, `near`, `motive`, `day`).
    public var fact: EventFact? {
        switch self {
        case .target: .target
        case .near: .near
        case .victims: .victims
        case .motive: .motive
        case .day: .day
        default: nil
        }
    }
}

/// A filter: how a value is shown.
public enum TemplateFilter: String, Sendable, Hashable, CaseIterable, Codable {
    /// Where: *in the United States*, *au Royaume-Uni*, *in der Türkei*, *בישראל*; for a place, *à Jérusalem*.
    case `in`
    /// Together with: *with the United Kingdom*, *mit den Vereinigten Staaten*, *avec l’Allemagne*.
    case with
    /// Whose: *of Israel*, *Israels*, *d’Israël*, *del Reino Unido*; in Hebrew and Arabic the name that
    /// follows its noun.
    case of
    /// A hashtag: `#` and the words run together (`#TelAviv`; `#תל_אביב` in Hebrew and Arabic).
    case hashtag
    /// A count in words up to twelve in German and French (*vier*, *quatre*), up to nine in English and Spanish
    /// (*four*, *cuatro*; figures from 10, as their official styles write them), up to ten in
    /// Hebrew before a masculine noun (*ארבעה בני אדם*); digits above, and always in Arabic, whose number
    /// words agree with their noun (its plural sections do the agreeing).
    case words
    /// A count after a definite article, in words where `words` has them: German *die beiden Verletzten*
    /// for two, the Hebrew construct state (*ארבעת הנרצחים*, *שני הפצועים*); otherwise as `words`.
    case definite
    /// A date: *8 January*, *January 8*, *8. Januar*, *1er janvier*, *8 בינואר*.
    case date
    /// A time of day where it happened: *13:30*, *1:30 PM*.
    case time
    /// The day of the week: *Sunday*, *Sonntag*.
    case weekday
    /// Date and time.
    case datetime
}

/// A CLDR plural category.
public enum PluralCategory: String, Sendable, Hashable, CaseIterable, Codable {
    case zero, one, two, few, many, other

    /// The category of the whole number `count` in `language` (CLDR's cardinal rules for the supported
    /// languages: English and German *one*/*other*; French *one* for 0 and 1; Spanish; Hebrew *one*,
    /// *two*, *other*; Arabic *zero*, *one*, *two*, *few* (3–10), *many* (11–99), *other*).
    public static func of(_ count: Int, language: String) -> PluralCategory {
        let millions = count != 0 && count % 1_000_000 == 0
        switch LanguageSupport.primary(language) {
        case "fr": return count == 0 || count == 1 ? .one : millions ? .many : .other
        case "es": return count == 1 ? .one : millions ? .many : .other
        case "he": return count == 1 ? .one : count == 2 ? .two : .other
        case "ar":
            switch count {
            case 0: return .zero
            case 1: return .one
            case 2: return .two
            default:
                let rest = count % 100
                return (3...10).contains(rest) ? .few : (11...99).contains(rest) ? .many : .other
            }
        default: return count == 1 ? .one : .other
        }
    }
}

/// A template that cannot be parsed.
public enum TemplateSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `{{name}}` where no such field exists.
    case unknownField(String, offset: Int)
    /// `{{field | name}}` where no such filter exists.
    case unknownFilter(String, offset: Int)
    /// A filter that exists but does not apply to the field.
    case filterNotApplicable(TemplateFilter, TemplateField, offset: Int)
    /// `{{` without `}}`.
    case unterminatedTag(offset: Int)
    /// A section opened and never closed, or closed without being opened.
    case unbalancedSection(String, offset: Int)
    /// `{{}}` or a tag that is not a field, filter or section.
    case malformedTag(String, offset: Int)
    /// `{{#place:one}}`: plural sections are for counts.
    case pluralNotApplicable(TemplateField, offset: Int)
    /// `{{#fatalities:several}}`: not a CLDR plural category.
    case unknownPluralCategory(String, offset: Int)
    /// `{{#target:synagog}}`: not a value of the fact's vocabulary.
    case unknownFactValue(EventFact, String, offset: Int)
    /// `{{target}}`: a fact that decides words, for sections only.
    case sectionOnly(TemplateField, offset: Int)
    /// `{{name}}` outside `{{#name}}…{{/name}}`: a field most events do not have (``TemplateField/needsSection``).
    case outsideSection(TemplateField, offset: Int)

    /// Where in the template (in Unicode scalars from its start) the problem is.
    public var offset: Int {
        switch self {
        case .unknownField(_, let offset), .unknownFilter(_, let offset), .filterNotApplicable(_, _, let offset),
             .unterminatedTag(let offset), .unbalancedSection(_, let offset), .malformedTag(_, let offset),
             .pluralNotApplicable(_, let offset), .unknownPluralCategory(_, let offset), .unknownFactValue(_, _, let offset),
             .sectionOnly(_, let offset), .outsideSection(_, let offset):
            return offset
        }
    }

    public var description: String {
        switch self {
        case .unknownField(let name, _):
            return "unknown placeholder '{{\(name)}}' (fields: \(TemplateField.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unknownFilter(let name, _):
            return "unknown filter '\(name)' (filters: \(TemplateFilter.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .filterNotApplicable(let filter, let field, _):
            let allowed = field.filters.map(\.rawValue).sorted()
            return "filter '\(filter.rawValue)' does not apply to '\(field.rawValue)'"
                + (allowed.isEmpty ? " (it takes no filter)" : " (use \(allowed.joined(separator: ", ")))")
        case .unterminatedTag: return "'{{' without a closing '}}'"
        case .unbalancedSection(let name, _): return "section '\(name)' is not closed properly"
        case .malformedTag(let tag, _): return "malformed tag '{{\(tag)}}'"
        case .pluralNotApplicable(let field, _):
            return "'\(field.rawValue)' is not a count: plural sections are for fatalities, injured, previousFatalities and previousInjured"
        case .unknownPluralCategory(let name, _):
            return "unknown plural category '\(name)' (categories: \(PluralCategory.allCases.map(\.rawValue).joined(separator: ", "))"
                + "; fatalities and injured also take \(FigureQualifier.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unknownFactValue(let fact, let value, _):
            let suggestion = NodeReader.closest(to: value, in: fact.values).map { " (did you mean '\(fact.rawValue):\($0)'?)" } ?? ""
            return "unknown fact '\(fact.rawValue):\(value)'\(suggestion); \(fact.expected)"
        case .sectionOnly(let field, _):
            let name = field.rawValue + (field.fact == nil ? "" : ":value")
            return "'\(field.rawValue)' decides words but inserts none: use it in a section, {{#\(name)}}…{{/\(name)}}"
        case .outsideSection(let field, _):
            let name = field.rawValue
            return "'{{\(name)}}' is known for few events: use it inside {{#\(name)}}…{{/\(name)}}, with {{^\(name)}}…{{/\(name)}} for the text without it"
        }
    }
}

/// A template that cannot be rendered for an event.
public enum TemplateRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A field outside an optional section has no value for this event and language.
    case missingValue(TemplateField)

    public var description: String {
        switch self {
        case .missingValue(let field):
            return "the event has no value for '{{\(field.rawValue)}}' (wrap it in {{#\(field.rawValue)}}…{{/\(field.rawValue)}} if it may be missing)"
        }
    }
}

/// Parses UTF-8 bytes (braces are ASCII, so no character is ever split at a tag); offsets in errors
/// count Unicode scalars, as the JSON5 reader counts columns.
struct TemplateParser {
    private let bytes: [UInt8]
    private var index = 0

    init(_ source: String) { bytes = Array(source.utf8) }

    mutating func parse() throws(TemplateSyntaxError) -> [TemplateNode] {
        let (nodes, closing) = try parseNodes(until: nil, guarded: [])
        if let closing { throw .unbalancedSection(closing.name, offset: scalarOffset(closing.tagStart)) }
        return nodes
    }

    private static let brace = UInt8(ascii: "{"), closingBrace = UInt8(ascii: "}")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    private func startsTag(at position: Int) -> Bool {
        position + 1 < bytes.count && bytes[position] == Self.brace && bytes[position + 1] == Self.brace
    }

    /// The offset of byte `position` in Unicode scalars; only errors need it.
    private func scalarOffset(_ position: Int) -> Int {
        bytes[..<min(position, bytes.count)].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    /// `range` without spaces and tabs at either end.
    private func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, bytes[lower] == Self.space || bytes[lower] == Self.tab { lower += 1 }
        while upper > lower, bytes[upper - 1] == Self.space || bytes[upper - 1] == Self.tab { upper -= 1 }
        return lower..<upper
    }

    /// The nodes up to the end of `section` (the whole template when `nil`); `guarded` are the fields the
    /// sections around them test as known (`{{#name}}`), which ``TemplateField/needsSection`` fields need.
    private mutating func parseNodes(until section: String?, guarded: Set<TemplateField>)
        throws(TemplateSyntaxError) -> ([TemplateNode], (name: String, tagStart: Int)?) {
        var nodes: [TemplateNode] = []
        var textStart = index
        while index < bytes.count {
            guard startsTag(at: index) else {
                index += 1
                continue
            }
            let tagStart = index
            index += 2
            let bodyStart = index
            var bodyEnd: Int?
            while index + 1 < bytes.count {
                if bytes[index] == Self.closingBrace && bytes[index + 1] == Self.closingBrace {
                    bodyEnd = index
                    index += 2
                    break
                }
                index += 1
            }
            guard let bodyEnd else { throw .unterminatedTag(offset: scalarOffset(tagStart)) }
            if tagStart > textStart { nodes.append(.text(text(textStart..<tagStart))) }
            let body = trimmed(bodyStart..<bodyEnd)
            guard let sigil = body.first.map({ bytes[$0] }) else { throw .malformedTag(text(bodyStart..<bodyEnd), offset: scalarOffset(tagStart)) }
            if sigil == UInt8(ascii: "#") || sigil == UInt8(ascii: "^") {
                let name = text(trimmed(body.dropFirst()))
                let condition = try sectionCondition(name, tagStart: tagStart)
                let inverted = sigil == UInt8(ascii: "^")
                let known = inverted || condition.test != nil ? guarded : guarded.union([condition.field])
                let (children, closing) = try parseNodes(until: name, guarded: known)
                guard let closing, closing.name == name else { throw .unbalancedSection(name, offset: scalarOffset(tagStart)) }
                nodes.append(.section(condition, inverted: inverted, children))
            } else if sigil == UInt8(ascii: "/") {
                let name = text(trimmed(body.dropFirst()))
                guard section == name else { throw .unbalancedSection(name, offset: scalarOffset(tagStart)) }
                return (nodes, (name, tagStart))
            } else {
                let bar = body.firstIndex { bytes[$0] == UInt8(ascii: "|") }
                let name = text(trimmed(body.lowerBound..<(bar ?? body.upperBound)))
                guard !name.isEmpty else { throw .malformedTag(text(bodyStart..<bodyEnd), offset: scalarOffset(tagStart)) }
                let field = try field(name, tagStart: tagStart)
                if field.isSectionOnly { throw .sectionOnly(field, offset: scalarOffset(tagStart)) }
                if field.needsSection && !guarded.contains(field) { throw .outsideSection(field, offset: scalarOffset(tagStart)) }
                var filter: TemplateFilter?
                if let bar {
                    let rest = (bar + 1)..<body.upperBound
                    guard !rest.contains(where: { bytes[$0] == UInt8(ascii: "|") }) else {
                        throw .malformedTag(text(bodyStart..<bodyEnd), offset: scalarOffset(tagStart))
                    }
                    let filterName = text(trimmed(rest))
                    guard let known = TemplateFilter(rawValue: filterName) else { throw .unknownFilter(filterName, offset: scalarOffset(tagStart)) }
                    guard field.filters.contains(known) else { throw .filterNotApplicable(known, field, offset: scalarOffset(tagStart)) }
                    filter = known
                }
                nodes.append(.value(field, filter))
            }
            textStart = index
        }
        if bytes.count > textStart { nodes.append(.text(text(textStart..<bytes.count))) }
        if let section { throw .unbalancedSection(section, offset: scalarOffset(bytes.count)) }
        return (nodes, nil)
    }

    /// `field`, `count:category`, `figure:qualifier` or `fact:value`.
    private func sectionCondition(_ name: String, tagStart: Int) throws(TemplateSyntaxError) -> SectionCondition {
        let parts = name.split(separator: ":", maxSplits: 1).map { String($0).trimmingSpaces() }
        let field = try field(parts[0], tagStart: tagStart)
        guard parts.count == 2 else { return SectionCondition(field: field, test: nil) }
        if let fact = field.fact {
            if fact == .victims && parts[1] == "own" { return SectionCondition(field: field, test: .own) }
            guard fact.values.contains(parts[1]) else { throw .unknownFactValue(fact, parts[1], offset: scalarOffset(tagStart)) }
            return SectionCondition(field: field, test: .value(parts[1]))
        }
        guard field.isCount else { throw .pluralNotApplicable(field, offset: scalarOffset(tagStart)) }
        if field.isFigure, let qualifier = FigureQualifier(rawValue: parts[1]) { return SectionCondition(field: field, test: .figure(qualifier)) }
        guard let category = PluralCategory(rawValue: parts[1]) else { throw .unknownPluralCategory(parts[1], offset: scalarOffset(tagStart)) }
        return SectionCondition(field: field, test: .plural(category))
    }

    private func field(_ name: String, tagStart: Int) throws(TemplateSyntaxError) -> TemplateField {
        guard let field = TemplateField(rawValue: name) else {
            if name.isEmpty || name.contains(where: { $0.isWhitespace }) { throw .malformedTag(name, offset: scalarOffset(tagStart)) }
            throw .unknownField(name, offset: scalarOffset(tagStart))
        }
        return field
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
