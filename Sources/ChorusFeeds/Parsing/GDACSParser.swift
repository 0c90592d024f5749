import ChorusCore
import Foundation

/// GDACS RSS (Global Disaster Alert and Coordination System): one event per `<item>`, its facts in the
/// `http://www.gdacs.org` namespace.
///
/// - `id` is event type, event id and episode (`EQ1199929-1287798`); `incident` is type and event id
///   (`EQ1199929`), the same for every episode of one disaster.
/// - `alertlevel` Red/Orange/Green is `alertLevel`, and also `severity` (Red extreme, Orange severe, Green minor).
/// - `iso3` and every name in `country` become `countries`. Be liberal (PRODUCT.md §2.2): a name no table
///   knows ("Myanmar-India Border Region"), a code that is not ISO 3166-1 alpha-3, and an `iso3` that names
///   none of the countries of `country` keep the event, each noted with its field (``ParseResult/notes``);
///   an unknown name stays in `place`.
/// - An earthquake's `severity` value is its magnitude; `population` becomes the tag `population:N`.
/// - A tropical cyclone's `eventname` (`HELENE-24`: the storm's name and the year) is its `name`, as a
///   ministry writes it (*Helene*); a depression still numbered (`TWENTY-ONE-19`) has no name yet. The other
///   types' `eventname` is a region and a year (`Turkey-2019`) or empty, and names nothing.
/// - GDACS's newer profile: an item that embeds a whole CAP alert and gives its facts only in the CAP
///   `<parameter>`s (`eventtype`, `eventid`, `episodeid`/`currentepisodeid`, `alertlevel`, `severity`,
///   `population`, `country`, `iso3`, `fromdate` …, as text: "Magnitude 6.1M, Depth:10km", "2.1 million
///   people within 100km") is read the same way: a `gdacs:` element wins over the parameter of the same
///   name; the CAP alert's `sent`, `headline`, `description`, `web` and `area` (circle, polygon) stand in
///   for the item's missing `pubDate`, title, description, link and point. A parameter whose text gives
///   no number is noted and left out; the event is kept.
struct GDACSParser {
    static let namespace = "http://www.gdacs.org"
    static let geoNamespace = "http://www.w3.org/2003/01/geo/wgs84_pos#"
    static let geoRSSNamespace = "http://www.georss.org/georss"

    let options: ParserOptions

    func parse(_ data: Data) -> ParseResult {
        let root: XMLNode
        do {
            root = try XMLDocumentReader.read(data, options: options)
        } catch {
            return .refused("\(error)")
        }
        guard root.name == "rss", root.namespace == nil, let channel = root.child("channel", nil) else {
            return .refused("not GDACS RSS: the root element is <\(root.name)>, expected <rss> with a <channel>")
        }
        var result = ParseResult()
        let items = channel.children("item", nil)
        if items.count > options.maximumItems {
            result.rejections.append(Rejection(reason: "more than \(options.maximumItems) items; the rest is not read"))
        }
        for (index, item) in items.prefix(options.maximumItems).enumerated() {
            let label = itemLabel(item) ?? "item:\(index + 1)"
            do {
                var notes: [String] = []
                let event = try event(from: item, notes: &notes)
                result.notes += notes.map { ParseNote(item: label, message: $0) }
                options.finish(event, item: label, into: &result)
            } catch {
                result.rejections.append(Rejection(item: label, reason: "\(error)"))
            }
        }
        return result
    }

    private func itemLabel(_ item: XMLNode) -> String? {
        let parameters = EmbeddedAlert(in: item)?.parameters ?? [:]
        func value(_ name: String) -> String? { item.value(name, Self.namespace) ?? parameters[name] }
        guard let type = value("eventtype"), let id = value("eventid"), type.count <= 8, id.count <= 32 else { return nil }
        return type + id + ((value("episodeid") ?? value("currentepisodeid")).flatMap { $0.count <= 32 ? "-\($0)" : nil } ?? "")
    }

    /// The CAP alert an item embeds (GDACS's newer profile): its first `<info>`'s parameters by lower-cased
    /// name (the first of each), and the alert itself.
    struct EmbeddedAlert {
        var alert: XMLNode
        var info: XMLNode?
        var parameters: [String: String]

        init?(in item: XMLNode) {
            let namespaces = Set<String?>(CAPParser.namespaces)
            guard let alert = item.descendants(where: { $0.isElement("alert", in: namespaces) }).first else { return nil }
            self.alert = alert
            info = alert.child("info", alert.namespace)
            var parameters: [String: String] = [:]
            for parameter in info?.children("parameter", alert.namespace) ?? [] {
                guard let name = parameter.value("valueName", alert.namespace)?.lowercased(),
                      let value = parameter.value("value", alert.namespace), parameters[name] == nil else { continue }
                parameters[name] = value
            }
            self.parameters = parameters
        }

        func value(_ name: String) -> String? { info?.value(name, alert.namespace) ?? alert.value(name, alert.namespace) }
    }

    /// The event of `item`; problems worked around are added to `notes`, naming their field.
    func event(from item: XMLNode, notes: inout [String]) throws -> Event {
        let ns = Self.namespace
        let embedded = EmbeddedAlert(in: item)
        func text(_ name: String, _ namespace: String? = GDACSParser.namespace, field: String? = nil) throws -> String? {
            var value = item.value(name, namespace)
            var label = field ?? "gdacs:\(name)"
            if value == nil, namespace == GDACSParser.namespace, let parameter = embedded?.parameters[name] {
                value = parameter
                label = "cap:parameter \(name)"
            }
            try options.checkField(value, label)
            return value
        }
        guard let type = try text("eventtype") else { throw ParseFailure(field: "gdacs:eventtype", "is required") }
        guard let kind = options.kinds.gdacsKind(eventType: type) else {
            throw ParseFailure(field: "gdacs:eventtype", "\(quoted(type)) is not mapped to a kind in kinds.json5")
        }
        guard let eventID = try text("eventid") else { throw ParseFailure(field: "gdacs:eventid", "is required") }
        guard eventID.count <= 32, eventID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ParseFailure(field: "gdacs:eventid", "\(quoted(eventID)) is not an event number")
        }
        var episode = try text("episodeid")
        if episode == nil, let current = embedded?.parameters["currentepisodeid"] {
            try options.checkField(current, "cap:parameter currentepisodeid")
            episode = current
        }
        if let episode, episode.count > 32 || !episode.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            throw ParseFailure(field: "gdacs:episodeid", "\(quoted(episode)) is not an episode number")
        }
        let incident = type.uppercased() + eventID
        var event = Event(id: episode.map { "\(incident)-\($0)" } ?? incident, source: "gdacs", kind: kind)
        event.incident = incident
        event.certainty = .observed

        if let level = try text("alertlevel") {
            guard let alertLevel = Event.AlertLevel(rawValue: level.lowercased()), alertLevel != .yellow else {
                throw ParseFailure(field: "gdacs:alertlevel", "\(quoted(level)) is not one of Green, Orange, Red")
            }
            event.alertLevel = alertLevel
            switch alertLevel {
            case .red: event.severity = .extreme
            case .orange: event.severity = .severe
            case .yellow: event.severity = .moderate
            case .green: event.severity = .minor
            }
        }

        if let pubDate = try text("pubDate", nil, field: "pubDate") {
            guard let date = RFC822Date.parse(pubDate) else { throw ParseFailure(field: "pubDate", "\(quoted(pubDate)) is not an RFC 822 date") }
            event.sentAt = date
        } else if let sent = embedded?.value("sent") {
            guard let date = RFC3339.parse(sent) else { throw ParseFailure(field: "cap:sent", "\(quoted(sent.prefix(100))) is not a date-time") }
            event.sentAt = date
        }
        if let from = try text("fromdate") {
            // RSS gives RFC 822; a CAP parameter may give either form.
            guard let date = RFC822Date.parse(from) ?? RFC3339.parse(from) else {
                throw ParseFailure(field: "gdacs:fromdate", "\(quoted(from)) is not an RFC 822 date")
            }
            event.occurredAt = date
        }

        var countries: [String] = []
        var coded: [String] = []
        if let iso3 = try text("iso3") {
            for code in iso3.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }) {
                guard let alpha2 = CountryNames.alpha2(forAlpha3: String(code)) else {
                    notes.append("gdacs:iso3: \(quoted(code)) is not an ISO 3166-1 alpha-3 code; kept without it")
                    continue
                }
                if !coded.contains(alpha2) { coded.append(alpha2) }
            }
        }
        countries = coded
        if let names = try text("country") {
            let (codes, unknown) = CountryNames.alpha2Codes(forList: names)
            for name in unknown {
                notes.append("gdacs:country: \(quoted(name)) is not a country name Chorus knows; kept as the place")
            }
            if !coded.isEmpty, !codes.isEmpty, !codes.contains(where: coded.contains) {
                notes.append("gdacs:iso3: \(quoted(coded.joined(separator: ", "))) names none of gdacs:country \(quoted(names)); both kept")
            }
            for code in codes where !countries.contains(code) { countries.append(code) }
            event.place = names
        }
        event.countries = countries

        if let severity = item.child("severity", ns), type.uppercased() == "EQ", severity.attributes["unit"] == "M",
           let value = severity.attributes["value"] {
            guard let magnitude = Double(value), magnitude.isFinite else {
                throw ParseFailure(field: "gdacs:severity", "value \(quoted(value)) is not a magnitude")
            }
            event.magnitude = magnitude
        }
        if type.uppercased() == "TC", let eventName = try text("eventname") {
            if let name = Self.stormName(eventName) {
                event.name = name
            } else if !eventName.trimmingCharacters(in: .whitespaces).isEmpty {
                notes.append("gdacs:eventname: \(quoted(eventName.prefix(100))) is not a storm's name; kept without it")
            }
        }
        if let population = item.child("population", ns), let value = population.attributes["value"], !value.isEmpty {
            guard let number = Double(value), number.isFinite, number >= 0, number <= 1e10 else {
                throw ParseFailure(field: "gdacs:population", "value \(quoted(value)) is not a population")
            }
            event.tags.append("population:\(Int(number))")
        }
        if let embedded, item.child("severity", ns) == nil, type.uppercased() == "EQ", let severity = embedded.parameters["severity"] {
            if let magnitude = Self.magnitude(in: severity) {
                event.magnitude = magnitude
            } else {
                notes.append("cap:parameter severity: \(quoted(severity.prefix(100))) gives no magnitude; kept without it")
            }
        }
        if let embedded, item.child("population", ns) == nil, let population = embedded.parameters["population"] {
            if let number = Self.population(in: population) {
                event.tags.append("population:\(number)")
            } else {
                notes.append("cap:parameter population: \(quoted(population.prefix(100))) gives no number; kept without it")
            }
        }

        if let point = item.child("Point", Self.geoNamespace) {
            guard let latText = point.value("lat", Self.geoNamespace), let lonText = point.value("long", Self.geoNamespace),
                  let lat = Double(latText), let lon = Double(lonText) else {
                throw ParseFailure(field: "geo:Point", "needs numeric geo:lat and geo:long")
            }
            event.location = Event.Location(lat: lat, lon: lon)
        } else if let point = try text("point", Self.geoRSSNamespace, field: "georss:point") {
            let parts = point.split(whereSeparator: { $0.isWhitespace })
            guard parts.count == 2, let lat = Double(parts[0]), let lon = Double(parts[1]) else {
                throw ParseFailure(field: "georss:point", "\(quoted(point)) is not 'lat lon'")
            }
            event.location = Event.Location(lat: lat, lon: lon)
        } else if let area = embedded?.info?.child("area", embedded?.alert.namespace), let capNamespace = embedded?.alert.namespace {
            // The CAP area: a circle's centre, else the polygons' centroid; an empty <polygon/> is no point.
            if let circle = area.value("circle", capNamespace) {
                event.location = try InfoFacts.circle(circle, field: "cap:circle")
            } else {
                let polygons = try area.children("polygon", capNamespace).compactMap { $0.trimmedText.isEmpty ? nil : $0.trimmedText }
                    .map { try InfoFacts.polygon($0, field: "cap:polygon") }
                event.location = Geometry.centroid(of: polygons)
            }
        }

        let headline = try text("title", nil, field: "title") ?? embedded?.value("headline")
        if let headline { try options.checkField(headline, "cap:headline"); event.headline["en"] = headline }
        let description = try text("description", nil, field: "description") ?? embedded?.value("description")
        if let description { try options.checkField(description, "cap:description"); event.description["en"] = description }
        if let link = try text("link", nil, field: "link") ?? embedded?.value("web"), let url = URL(string: link),
           let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" {
            try options.checkField(link, "cap:web")
            event.link = link
        }
        return event
    }

    /// The name a ministry writes for a tropical cyclone GDACS calls `eventname`: `HELENE-24` → *Helene*,
    /// `MAN-YI-24` → *Man-yi* (the year's two digits dropped, each word capitalized as the agencies write
    /// it); `nil` for a depression still numbered (`TWENTY-ONE-19`) or a text that is not a name.
    static func stormName(_ eventName: String) -> String? {
        var words = eventName.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        if words.count > 1, let year = words.last, year.count == 2, year.allSatisfy(\.isASCII), year.allSatisfy(\.isNumber) {
            words.removeLast()
        }
        let lettersOnly = words.allSatisfy { word in !word.isEmpty && word.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0 == " " || $0 == "'" } }
        let numbered = words.joined(separator: " ").split(separator: " ").allSatisfy { numberWords.contains($0.lowercased()) }
        guard lettersOnly, !numbered else { return nil }
        let name = words.joined(separator: "-").lowercased().split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined(separator: " ")
        return name.isEmpty || name.utf8.count > EventLimits.identifierBytes ? nil : name
    }

    /// The words a numbered depression's designation is spelled with (`ONE`, `TWENTY-ONE`).
    private static let numberWords: Set<String> = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
        "eighty", "ninety",
    ]

    /// The magnitude a GDACS severity text gives: "Magnitude 6.1M, Depth:10km", "6.1 M".
    static func magnitude(in text: String) -> Double? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ":" })
        for (index, word) in words.enumerated() {
            let number = word.hasSuffix("M") ? word.dropLast() : word[...]
            guard let value = Double(number), value.isFinite, value >= 0, value < 10 else { continue }
            let unit = word.hasSuffix("M") || (index + 1 < words.count && words[index + 1] == "M")
            let named = index > 0 && words[index - 1].lowercased() == "magnitude"
            if unit || named { return value }
        }
        return nil
    }

    /// The number of people a GDACS population text gives: "12000", "1.2 million people within 100km",
    /// "52 thousand (in MMI>=VII)"; `nil` when it states none.
    static func population(in text: String) -> Int? {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "(" })
        guard let first = words.first, let value = Double(first.replacingOccurrences(of: ",", with: "")), value.isFinite, value >= 0 else {
            return nil
        }
        let scale: Double
        switch words.dropFirst().first {
        case "thousand"?: scale = 1_000
        case "million"?, "millions"?: scale = 1_000_000
        case "billion"?: scale = 1_000_000_000
        default: scale = 1
        }
        let number = value * scale
        guard number <= 1e10 else { return nil }
        return Int(number)
    }
}
