/// Facts the desk needs that an event's own fields cannot say, carried in its `tags` as `fact:value` from a
/// fixed vocabulary (docs/EVENTS.md, "Fact tags"): that a figure is a minimum (`fatalities:minimum`), what was
/// attacked (`target:synagogue`), where it happened without being the target (`near:synagogue`), the motive
/// the authorities established (`motive:antisemitic`), and the day's significance (`day:yom_kippur`).
///
/// Templates test them with sections (`{{#target:synagogue}}…{{/target:synagogue}}`,
/// `{{#fatalities:minimum}}at least {{/fatalities:minimum}}`), conditions with `tags`. A tag with a fact's
/// prefix and a value outside its vocabulary is refused where rules are written (`rules check`) and ignored
/// on an event (a feed's tag never costs its event).
public enum EventFact: String, Sendable, Hashable, CaseIterable, Codable {
    /// What was attacked: a synagogue, a church, a Christmas market … (Halle: the synagogue was the target).
    case target
    /// Where it happened without being what was attacked, from the same list as `target` (Neve Yaakov,
    /// 2023: people shot in the street outside a synagogue): the words say *outside*, *near*, *vor*, never *on*.
    case near
    /// The motive, only as the authorities have established it.
    case motive
    /// The day's significance where it matters: Yom Kippur, Christmas …
    case day
    /// The nationals of a country among the dead or injured, by ISO 3166-1 alpha-2 code (Berlin, 2016: an
    /// Israeli citizen among the injured, `victims:IL`). A template's `{{#victims:own}}` holds when the
    /// sender's own country is among them.
    case victims

    /// Every value the fact can take, in the order docs/EVENTS.md lists them.
    public var values: [String] {
        switch self {
        case .target, .near:
            return ["synagogue", "jewish_institution", "church", "mosque", "school", "university", "christmas_market", "concert",
                    "festival", "nightclub", "bar", "restaurant", "shop", "market", "shopping_centre", "hotel", "public_transport",
                    "airport", "stadium", "police", "military", "embassy", "hospital", "government_building", "crowd"]
        case .motive:
            return ["antisemitic", "anti_muslim", "racist", "islamist", "far_right", "far_left"]
        case .day:
            return ["yom_kippur", "rosh_hashanah", "sukkot", "simchat_torah", "hanukkah", "passover", "shabbat", "shabbat_eve", "christmas",
                    "easter", "new_year", "ramadan", "eid", "holocaust_remembrance"]
        case .victims:
            return Self.countryCodes
        }
    }

    private static let countryCodes = ISO3166.alpha2.sorted()

    /// What a value of the fact must be, for messages: the list, or for `victims` the kind of code.
    var expected: String {
        self == .victims ? "a victims fact is an ISO 3166-1 alpha-2 country code in upper case (victims:IL); in a template also victims:own"
            : "\(rawValue) is one of \(values.joined(separator: ", "))"
    }

    /// The values of the facts an event's tags state, fact by fact (tags outside the vocabulary are left out).
    public static func values(in tags: [String]) -> [EventFact: Set<String>] {
        var result: [EventFact: Set<String>] = [:]
        for tag in tags {
            guard let (fact, value) = parse(tag), fact.values.contains(value) else { continue }
            result[fact, default: []].insert(value)
        }
        return result
    }

    /// `target:synagogue` → (`target`, `synagogue`); `nil` for a tag without a fact's prefix.
    static func parse(_ tag: String) -> (EventFact, String)? {
        guard let colon = tag.firstIndex(of: ":"), let fact = EventFact(rawValue: String(tag[..<colon])) else { return nil }
        return (fact, String(tag[tag.index(after: colon)...]))
    }

    /// Whether `tag` belongs to the facts' vocabulary (a fact's value, or a figure's qualifier).
    public static func isFactTag(_ tag: String) -> Bool {
        if let (fact, value) = parse(tag) { return fact.values.contains(value) }
        return FigureQualifier.tags.contains(tag)
    }

    /// What is wrong with `tag` as a fact tag in a rule: a known fact's prefix with an unknown value
    /// (`target:synagog`), or a figure's qualifier other than `minimum`; `nil` for any other tag.
    public static func problem(with tag: String) -> String? {
        if let (fact, value) = parse(tag) {
            guard !fact.values.contains(value) else { return nil }
            let suggestion = NodeReader.closest(to: value, in: fact.values).map { " (did you mean '\(fact.rawValue):\($0)'?)" } ?? ""
            return "unknown fact '\(tag)'\(suggestion); \(fact.expected)"
        }
        for figure in ["fatalities", "injured"] where tag.hasPrefix(figure + ":") && !FigureQualifier.tags.contains(tag) {
            return "unknown fact '\(tag)': a figure's only qualifier is '\(figure):minimum'"
        }
        return nil
    }
}

/// What a section can say about a count besides its plural category: that it is a minimum (a fact tag
/// `fatalities:minimum`), or that an update raised or lowered it.
public enum FigureQualifier: String, Sendable, Hashable, CaseIterable, Codable {
    /// The source gives the figure as a minimum (*at least 12 killed*): the tag `fatalities:minimum` or
    /// `injured:minimum`.
    case minimum
    /// An update raised the figure the bundle stood on (*the toll has risen to …*).
    case risen
    /// An update lowered it.
    case fallen

    /// The fact tags of the qualifier that events carry (only `minimum` is stated by a feed).
    static let tags: Set<String> = ["fatalities:minimum", "injured:minimum"]
}
