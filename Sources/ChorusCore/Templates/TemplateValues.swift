import Foundation

/// The facts of one event as one draft shows them: in the draft's language, in the sender's time zone.
public struct TemplateValues: Sendable {
    /// The event.
    public var event: Event
    /// The draft's language (`de`, `he`).
    public var language: String
    /// The sender's time zone.
    public var timeZone: TimeZone

    /// Creates the values of `event` for a draft in `language` by a sender in `timeZone`.
    public init(event: Event, language: String, timeZone: TimeZone) {
        self.event = event
        self.language = language
        self.timeZone = timeZone
    }

    var locale: Locale { Locale(identifier: language) }

    /// Whether the fact is known (counts: known and not zero), for optional sections.
    public func isPresent(_ field: TemplateField) -> Bool {
        switch field {
        case .country, .countries: return !event.countries.isEmpty
        case .place: return !(event.place ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        case .fatalities: return (event.fatalities ?? 0) > 0
        case .injured: return (event.injured ?? 0) > 0
        case .magnitude: return event.magnitude != nil
        case .occurred: return event.occurredAt != nil
        case .headline: return headline != nil
        case .link: return event.link != nil
        }
    }

    /// The field's text, or `nil` when the event does not have it.
    public func string(for field: TemplateField, filter: TemplateFilter?) -> String? {
        switch field {
        case .country:
            guard let code = event.countries.first else { return nil }
            return CountryNames.phrase(code, language: language, filter: filter)
        case .countries:
            guard !event.countries.isEmpty else { return nil }
            if filter == .hashtag { return event.countries.map { CountryNames.phrase($0, language: language, filter: .hashtag) }.joined(separator: " ") }
            let names = event.countries.map { CountryNames.name($0, language: language) }
            let list = names.formatted(.list(type: .and).locale(locale))
            return CountryNames.withPreposition(list, language: language, filter: filter)
        case .place:
            guard isPresent(.place), let place = event.place else { return nil }
            return filter == .hashtag ? CountryNames.hashtag(place) : isolate(place)
        case .fatalities:
            return event.fatalities.map { $0.formatted(IntegerFormatStyle<Int>(locale: locale)) }
        case .injured:
            return event.injured.map { $0.formatted(IntegerFormatStyle<Int>(locale: locale)) }
        case .magnitude:
            return event.magnitude.map { $0.formatted(FloatingPointFormatStyle<Double>(locale: locale).precision(.fractionLength(1))) }
        case .occurred:
            guard let date = event.occurredAt else { return nil }
            return format(date, filter ?? .date)
        case .headline:
            return headline.map(isolate)
        case .link:
            return event.link
        }
    }

    /// The headline in the draft's language: an exact tag, else one with the same primary language.
    var headline: String? {
        if let exact = event.headline[language] { return exact }
        let primary = language.split(separator: "-").first.map(String.init) ?? language
        return event.headline.keys.sorted().first { $0.split(separator: "-").first.map(String.init)?.lowercased() == primary }
            .flatMap { event.headline[$0] }
    }

    private func format(_ date: Date, _ filter: TemplateFilter) -> String {
        var style = Date.FormatStyle(date: .omitted, time: .omitted, locale: locale,
                                     calendar: Calendar(identifier: .gregorian), timeZone: timeZone)
        switch filter {
        case .time: style = Date.FormatStyle(date: .omitted, time: .shortened, locale: locale,
                                              calendar: Calendar(identifier: .gregorian), timeZone: timeZone)
        case .weekday: style = style.weekday(.wide)
        case .datetime: style = Date.FormatStyle(date: .omitted, time: .shortened, locale: locale,
                                                  calendar: Calendar(identifier: .gregorian), timeZone: timeZone).day().month(.wide)
        default: style = style.day().month(.wide)
        }
        return date.formatted(style)
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
