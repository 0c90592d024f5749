import Foundation

/// The facts of one event as one draft shows them: in the draft's language and its sender's locale
/// (date order, list style, digits), with dates and times as they were where it happened.
public struct TemplateValues: Sendable {
    /// The event's facts, worked out once for its bundle.
    public var facts: DraftFacts
    /// The draft's language (`de`, `he`).
    public var language: String
    /// The sender's locale for this language (`en_GB`, `en_US`, `fr`).
    public var locale: Locale
    /// The sender's time zone: used only when the event's own is unknown (no place, no country).
    public var senderTimeZone: TimeZone
    /// The landmark of a phase about a gesture.
    public var landmark: Landmark?
    /// In a phase about a gesture: when the landmark is lit (`{{gestureDay}}` is its weekday there).
    public var gestureAt: Date?
    /// For an embassy, its host country.
    public var host: String?
    /// The sender's consular contact.
    public var contact: Participant.Contact?
    /// The sender's own country (ISO 3166-1 alpha-2), which `{{#victims:own}}` looks for among the victims.
    public var senderCountry: String?
    /// Whether the draft waits for the end of its sender's rest day past the day it was meant for
    /// (`{{#heldOver}}`).
    public var heldOver = false
    /// The tag country phrases are asked for: the language with the locale's region (`en_US`).
    private let styleTag: String

    /// Creates the values of one draft.
    public init(facts: DraftFacts, language: String, locale: Locale, senderTimeZone: TimeZone, landmark: Landmark? = nil, host: String? = nil,
                contact: Participant.Contact? = nil, senderCountry: String? = nil) {
        self.facts = facts
        self.language = language
        self.locale = locale
        self.senderTimeZone = senderTimeZone
        self.landmark = landmark
        self.host = host
        self.contact = contact
        self.senderCountry = senderCountry
        styleTag = LanguageSupport.primary(language) + (LanguageSupport.region(locale.identifier).map { "_" + $0 } ?? "")
    }

    /// The values of `event` for a draft in `language` without a gazetteer, in the language's default
    /// locale; `timeZone` is the sender's.
    public init(event: Event, language: String, timeZone: TimeZone) {
        self.init(facts: DraftFacts(event: event, gazetteer: .empty), language: language,
                  locale: Locale(identifier: LanguageSupport.defaultLocale(for: language)), senderTimeZone: timeZone)
    }

    var event: Event { facts.event }

    /// Whether a section's condition holds: the fact is known (counts: known and not zero); the count is
    /// known and has the section's plural category in the draft's language; the figure is a minimum, or an
    /// update raised or lowered it; the fact has the section's value.
    func holds(_ condition: SectionCondition) -> Bool {
        let field = condition.field
        switch condition.test {
        case nil:
            return isPresent(field)
        case .plural(let category)?:
            guard let count = count(of: field) else { return false }
            return PluralCategory.of(count, language: language) == category
        case .figure(.minimum)?:
            return count(of: field) != nil && event.tags.contains(field.rawValue + ":" + FigureQualifier.minimum.rawValue)
        case .figure(let direction)?:
            let before = field == .fatalities ? facts.previousFatalities : facts.previousInjured
            guard let before, let now = count(of: field) else { return false }
            return direction == .risen ? now > before : now < before
        case .value(let value)?:
            return field.fact.flatMap { facts.facts[$0]?.contains(value) } ?? false
        case .own?:
            return senderCountry.map { facts.facts[.victims]?.contains($0) ?? false } ?? false
        }
    }

    /// The count a count field stands for.
    private func count(of field: TemplateField) -> Int? {
        switch field {
        case .fatalities: event.fatalities
        case .injured: event.injured
        case .previousFatalities: facts.previousFatalities
        case .previousInjured: facts.previousInjured
        default: nil
        }
    }

    /// Whether the fact is known (counts: known and not zero), for optional sections.
    public func isPresent(_ field: TemplateField) -> Bool {
        switch field {
        case .country: return !event.countries.isEmpty
        case .actor: return !event.actors.isEmpty
        case .name: return name != nil
        case .place: return placeName != nil
        case .where: return placeName != nil || !event.countries.isEmpty
        case .fatalities: return (event.fatalities ?? 0) > 0
        case .injured: return (event.injured ?? 0) > 0
        case .magnitude: return event.magnitude != nil
        case .occurred: return event.occurredAt != nil
        case .headline: return headline != nil
        case .link: return event.link != nil
        case .landmark: return landmarkName != nil
        case .host: return host != nil
        case .target, .near, .victims, .motive, .day: return field.fact.map { !(facts.facts[$0] ?? []).isEmpty } ?? false
        case .previousFatalities: return (facts.previousFatalities ?? 0) > 0
        case .previousInjured: return (facts.previousInjured ?? 0) > 0
        case .contact: return contact != nil
        case .heldOver: return heldOver
        case .gestureDay: return gestureDay != nil
        }
    }

    /// The field's text, or `nil` when the event does not have it.
    public func string(for field: TemplateField, filter: TemplateFilter?) -> String? {
        switch field {
        case .country:
            guard !event.countries.isEmpty else { return nil }
            return CountryPhrases.phrase(event.countries, language: styleTag, form: countryForm(filter))
        case .actor:
            guard !event.actors.isEmpty else { return nil }
            return CountryPhrases.phrase(event.actors, language: styleTag, form: countryForm(filter))
        case .name:
            guard let name else { return nil }
            return filter == .hashtag ? CountryPhrases.hashtag(name, language: language) : name
        case .place:
            guard let name = placeName else { return nil }
            switch filter {
            case .hashtag?: return CountryPhrases.hashtag(name, language: language)
            case .in?: return placeLocative
            default: return name
            }
        case .where:
            // A place lies in one country: when several are struck (an earthquake in Türkiye and Syria),
            // naming the place alone would leave the others out, so the countries are named instead.
            if placeName != nil, event.countries.count < 2 { return placeLocative }
            guard !event.countries.isEmpty else { return nil }
            return CountryPhrases.phrase(event.countries, language: styleTag, form: .in)
        case .fatalities:
            return event.fatalities.map { count($0, filter) }
        case .injured:
            return event.injured.map { count($0, filter) }
        case .magnitude:
            return event.magnitude.map { $0.formatted(FloatingPointFormatStyle<Double>(locale: locale).precision(.fractionLength(1))) }
        case .occurred:
            guard let date = event.occurredAt else { return nil }
            return LocalDate.format(date, filter ?? .date, locale: locale, timeZone: facts.timeZone ?? senderTimeZone)
        case .headline:
            return headline.map(isolate)
        case .link:
            return event.link
        case .landmark:
            guard let name = landmarkName else { return nil }
            return filter == .hashtag ? landmark?.hashtag ?? CountryPhrases.hashtag(name, language: language) : name
        case .host:
            guard let host else { return nil }
            return CountryPhrases.phrase(host, language: styleTag, form: countryForm(filter))
        case .previousFatalities:
            return facts.previousFatalities.map { count($0, filter) }
        case .previousInjured:
            return facts.previousInjured.map { count($0, filter) }
        case .target, .near, .victims, .motive, .day, .heldOver:
            // Facts decide words and insert none (the parser refuses them as values).
            return nil
        case .gestureDay:
            return gestureDay
        case .contact:
            // A number or an address reads left to right: in Hebrew and Arabic it is isolated as such, so that
            // the groups of "+972 2 530 3155" keep their order in a right-to-left sentence.
            guard let contact else { return nil }
            return LanguageSupport.isRightToLeft(language) ? "\u{2066}" + contact.value + "\u{2069}" : contact.value
        }
    }

    private func countryForm(_ filter: TemplateFilter?) -> CountryForm {
        switch filter {
        case .in?: return .in
        case .with?: return .with
        case .of?: return .of
        case .hashtag?: return .hashtag
        default: return .name
        }
    }

    /// The event's name as this draft can show it: in the draft's own script, as given or in the form the
    /// names table gives for the language (``EventNames``); `nil` — no name — otherwise.
    var name: String? {
        event.name.flatMap { EventNames.name($0, forms: facts.nameForms, in: language) }
    }

    /// The weekday of the gesture where the landmark is (the evening it is lit, whenever the post goes out),
    /// in the draft's locale: *Freitag*, *Friday*, *vendredi*, *viernes*, *יום שישי*, *الجمعة*.
    var gestureDay: String? {
        guard let gestureAt, let landmark, let zone = TimeZone(identifier: landmark.timeZone) else { return nil }
        return LocalDate.format(gestureAt, .weekday, locale: locale, timeZone: zone)
    }

    /// The place as this draft can name it: the gazetteer's name in the draft's language, else the feed's
    /// own text when the draft is in the feed's language.
    var placeName: String? {
        if let place = facts.place { return place.name(in: language) }
        guard let text = event.place?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
              facts.placeLanguage == LanguageSupport.primary(language) else { return nil }
        return isolate(text)
    }

    private var placeLocative: String? {
        if let place = facts.place { return place.locative(in: language) }
        return placeName.map { Place.defaultLocative($0, language: language) }
    }

    private var landmarkName: String? {
        guard let landmark else { return nil }
        return landmark.names[language] ?? landmark.names[LanguageSupport.primary(language)]
    }

    private func count(_ value: Int, _ filter: TemplateFilter?) -> String {
        if filter == .words, let word = NumberWords.word(value, language: language) { return word }
        if filter == .definite, let word = NumberWords.definite(value, language: language) { return word }
        let text = value.formatted(IntegerFormatStyle<Int>(locale: locale))
        // Arabic in Latin digits writes 2300, not the Latin thousands comma (2,300); Arabic-Indic digits keep
        // their own separator (١٬٢٣٤).
        if LanguageSupport.primary(language) == "ar" && text.contains(",") { return value.formatted(IntegerFormatStyle<Int>(locale: locale).grouping(.never)) }
        return text
    }

    /// The headline in the draft's language: an exact tag, else one with the same primary language.
    var headline: String? {
        if let exact = event.headline[language] { return exact }
        let primary = LanguageSupport.primary(language)
        return event.headline.keys.sorted().first { LanguageSupport.primary($0) == primary }.flatMap { event.headline[$0] }
    }

    /// Text from a feed written left to right, inside a right-to-left draft, is wrapped in first-strong
    /// isolates (U+2068 … U+2069) so that its punctuation and the numbers around it keep their order.
    private func isolate(_ text: String) -> String {
        guard LanguageSupport.isRightToLeft(language),
              text.unicodeScalars.contains(where: { $0.properties.isAlphabetic && !LanguageSupport.isRightToLeftScalar($0) })
        else { return text }
        return "\u{2068}" + text + "\u{2069}"
    }
}

/// Counts in words, as a ministry writes small numbers (*four people*, *vier Menschen*).
enum NumberWords {
    /// `value` in words in `language`, for 2 to 12 in German and French, 2 to 9 in English and Spanish, 2 to 10 in
    /// Hebrew (the masculine forms: the nouns of the shipped texts, בני אדם, הרוגים, פצועים, are masculine);
    /// `nil` otherwise (digits: larger numbers; 0 and 1, which a sentence words itself; Arabic, whose number
    /// words agree with their noun).
    static func word(_ value: Int, language: String) -> String? {
        guard let list = words[LanguageSupport.primary(language)], value >= 2, value - 2 < list.count else { return nil }
        return list[value - 2]
    }

    /// `value` after a definite article: German *beiden* for two, the Hebrew construct state (*שלושת*,
    /// *ארבעת*); otherwise as ``word(_:language:)``.
    static func definite(_ value: Int, language: String) -> String? {
        let primary = LanguageSupport.primary(language)
        if primary == "de" && value == 2 { return "beiden" }
        if primary == "he" {
            guard value >= 2, value - 2 < hebrewConstruct.count else { return nil }
            return hebrewConstruct[value - 2]
        }
        return word(value, language: language)
    }

    private static let hebrewConstruct = ["שני", "שלושת", "ארבעת", "חמשת", "ששת", "שבעת", "שמונת", "תשעת", "עשרת"]

    private static let words: [String: [String]] = [
        // English official style (AP, GOV.UK): words up to nine, figures from 10.
        "en": ["two", "three", "four", "five", "six", "seven", "eight", "nine"],
        "de": ["zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"],
        "fr": ["deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze"],
        // Spanish institutional usage (EFE, Fundéu): words up to nine, figures from 10.
        "es": ["dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"],
        "he": ["שני", "שלושה", "ארבעה", "חמישה", "שישה", "שבעה", "שמונה", "תשעה", "עשרה"],
    ]
}

/// Dates and times for drafts: ICU's patterns for the sender's locale, in the zone where it happened,
/// with the first of the month as French writes it (*1er janvier*).
public enum LocalDate {
    /// `date` shown as `filter` asks (`date`, `time`, `weekday`, `datetime`).
    public static func format(_ date: Date, _ filter: TemplateFilter, locale: Locale, timeZone: TimeZone) -> String {
        let calendar = Calendar(identifier: .gregorian)
        let base = Date.FormatStyle(date: .omitted, time: .omitted, locale: locale, calendar: calendar, timeZone: timeZone)
        let clock = Date.FormatStyle(date: .omitted, time: .shortened, locale: locale, calendar: calendar, timeZone: timeZone)
        let text: String
        switch filter {
        case .time: return date.formatted(clock)
        case .weekday: return date.formatted(base.weekday(.wide))
        case .datetime: text = date.formatted(clock.day().month(.wide))
        default: text = date.formatted(base.day().month(.wide))
        }
        return firstOfMonth(text, date: date, locale: locale, timeZone: timeZone)
    }

    /// French writes the first of the month as an ordinal: *1er janvier*, not *1 janvier*.
    static func firstOfMonth(_ text: String, date: Date, locale: Locale, timeZone: TimeZone) -> String {
        guard LanguageSupport.primary(locale.identifier) == "fr" else { return text }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.locale = locale
        guard calendar.component(.day, from: date) == 1 else { return text }
        let month = calendar.monthSymbols[calendar.component(.month, from: date) - 1]
        return text.replacingOccurrences(of: "1 \(month)", with: "1er \(month)")
    }
}
