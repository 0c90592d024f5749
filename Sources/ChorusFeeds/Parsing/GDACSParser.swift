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
        guard let type = item.value("eventtype", Self.namespace), let id = item.value("eventid", Self.namespace),
              type.count <= 8, id.count <= 32 else { return nil }
        return type + id + (item.value("episodeid", Self.namespace).flatMap { $0.count <= 32 ? "-\($0)" : nil } ?? "")
    }

    /// The event of `item`; problems worked around are added to `notes`, naming their field.
    func event(from item: XMLNode, notes: inout [String]) throws -> Event {
        let ns = Self.namespace
        func text(_ name: String, _ namespace: String? = GDACSParser.namespace, field: String? = nil) throws -> String? {
            let value = item.value(name, namespace)
            try options.checkField(value, field ?? "gdacs:\(name)")
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
        let episode = try text("episodeid")
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
        }
        if let from = try text("fromdate") {
            guard let date = RFC822Date.parse(from) else { throw ParseFailure(field: "gdacs:fromdate", "\(quoted(from)) is not an RFC 822 date") }
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
        if let population = item.child("population", ns), let value = population.attributes["value"], !value.isEmpty {
            guard let number = Double(value), number.isFinite, number >= 0, number <= 1e10 else {
                throw ParseFailure(field: "gdacs:population", "value \(quoted(value)) is not a population")
            }
            event.tags.append("population:\(Int(number))")
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
        }

        if let title = try text("title", nil, field: "title") { event.headline["en"] = title }
        if let description = try text("description", nil, field: "description") { event.description["en"] = description }
        if let link = try text("link", nil, field: "link"), let url = URL(string: link),
           let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" {
            event.link = link
        }
        return event
    }
}
