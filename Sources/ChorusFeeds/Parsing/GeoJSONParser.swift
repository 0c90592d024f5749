import ChorusCore
import Foundation

/// USGS earthquake GeoJSON (a `FeatureCollection`, or a single `Feature`).
///
/// `properties.time` (epoch milliseconds) is `occurredAt`, `updated` is `sentAt`; `mag` may be null;
/// `alert` (PAGER) is `alertLevel` and sets `severity`; `type` maps to a kind through kinds.json5, and
/// types that are not crises or not mapped are rejected. `tsunami: 1` adds the tag `tsunami`, `sig` the tag
/// `sig:N`, every id in `ids` the tag `usgs:ID`. Countries come from the end of `place` ("…, Japan";
/// a US state means US).
struct GeoJSONParser {
    let options: ParserOptions

    func parse(_ data: Data) -> ParseResult {
        let root: JSONValue
        do {
            let body = XMLDocumentReader.stripBOM(data)
            guard String(validating: body, as: UTF8.self) != nil else { throw ParseFailure("the document is not valid UTF-8") }
            root = try JSONValue.decode(Data(body), maximumDepth: options.maximumDepth, maximumValues: options.maximumElements)
        } catch {
            return .refused("\(error)")
        }
        let features: [JSONValue]
        switch root["type"] {
        case .string("FeatureCollection"):
            guard case .array(let list)? = root["features"] else {
                return .refused("features: a FeatureCollection needs a list of features")
            }
            features = list
        case .string("Feature"):
            features = [root]
        default:
            return .refused("type: not a GeoJSON FeatureCollection or Feature")
        }
        var result = ParseResult()
        for (index, feature) in features.prefix(options.maximumItems).enumerated() {
            var label = "feature:\(index + 1)"
            if case .string(let id)? = feature["id"], !id.isEmpty, id.utf8.count <= 200 { label = id }
            do {
                options.finish(try event(from: feature), item: label, into: &result)
            } catch {
                result.rejections.append(Rejection(item: label, reason: "\(error)"))
            }
        }
        if features.count > options.maximumItems {
            result.rejections.append(Rejection(reason: "more than \(options.maximumItems) features; the rest is not read"))
        }
        return result
    }

    func event(from feature: JSONValue) throws -> Event {
        guard case .object = feature else { throw ParseFailure("a feature must be an object, found \(feature.typeName)") }
        guard case .string(let id)? = feature["id"], !id.isEmpty else { throw ParseFailure(field: "id", "is required (a string)") }
        guard case .object(let properties)? = feature["properties"] else {
            throw ParseFailure(field: "properties", "is required (an object)")
        }
        func string(_ key: String) throws -> String? {
            switch properties[key] {
            case nil, .null?: return nil
            case .string(let value)?:
                try options.checkField(value, "properties.\(key)")
                return value
            case let other?: throw ParseFailure(field: "properties.\(key)", "expected a string, found \(other.typeName)")
            }
        }
        func number(_ key: String) throws -> Double? {
            switch properties[key] {
            case nil, .null?: return nil
            case .number(let value)?:
                guard value.isFinite else { throw ParseFailure(field: "properties.\(key)", "is out of range") }
                return value
            case let other?: throw ParseFailure(field: "properties.\(key)", "expected a number, found \(other.typeName)")
            }
        }
        func epoch(_ key: String) throws -> Date? {
            // Other GeoJSON earthquake feeds (EMSC) write RFC 3339 strings where USGS writes milliseconds.
            if case .string(let text)? = properties[key] {
                guard let date = RFC3339.parse(text) else {
                    throw ParseFailure(field: "properties.\(key)", "\(quoted(text)) is not epoch milliseconds or an RFC 3339 date-time")
                }
                return date
            }
            guard let milliseconds = try number(key) else { return nil }
            // 1800-01-01 … 2200-01-01: anything else is a unit mistake or garbage.
            guard milliseconds >= -5_364_662_400_000, milliseconds <= 7_258_118_400_000 else {
                throw ParseFailure(field: "properties.\(key)", "\(milliseconds) is not a plausible time in epoch milliseconds")
            }
            return Date(timeIntervalSince1970: milliseconds / 1000)
        }

        let type = try string("type") ?? "earthquake"
        let kind: String
        switch options.kinds.usgsKind(type: type) {
        case .kind(let mapped): kind = mapped
        case .notACrisis: throw ParseFailure(field: "properties.type", "\(quoted(type)) is not a crisis")
        case .unknown: throw ParseFailure(field: "properties.type", "\(quoted(type)) is not mapped to a kind in kinds.json5")
        }
        var event = Event(id: id, source: "usgs", kind: kind, certainty: .observed)
        event.incident = id
        event.magnitude = try number("mag")
        event.occurredAt = try epoch("time")
        event.sentAt = try epoch("updated") ?? event.occurredAt
        if let alert = try string("alert") {
            guard let level = Event.AlertLevel(rawValue: alert.lowercased()) else {
                throw ParseFailure(field: "properties.alert", "\(quoted(alert)) is not one of green, yellow, orange, red")
            }
            event.alertLevel = level
            switch level {
            case .red: event.severity = .extreme
            case .orange: event.severity = .severe
            case .yellow: event.severity = .moderate
            case .green: event.severity = .minor
            }
        }
        if let place = try string("place") {
            event.place = place
            event.countries = Self.countries(fromPlace: place)
        }
        if let title = try string("title") { event.headline["en"] = title }
        if let url = try string("url"), let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http" {
            event.link = url
        }
        if let tsunami = try number("tsunami") {
            guard tsunami == 0 || tsunami == 1 else { throw ParseFailure(field: "properties.tsunami", "expected 0 or 1") }
            if tsunami == 1 { event.tags.append("tsunami") }
        }
        if let significance = try number("sig") {
            guard (0...100_000).contains(significance) else {
                throw ParseFailure(field: "properties.sig", "\(significance) is not a significance between 0 and 100000")
            }
            event.tags.append("sig:\(Int(significance))")
        }
        if let ids = try string("ids") {
            for alias in ids.split(separator: ",") where alias.count <= 100 {
                event.tags.append("usgs:\(alias)")
            }
        }
        if case .object(let geometry)? = feature["geometry"] {
            guard case .array(let coordinates)? = geometry["coordinates"], coordinates.count >= 2,
                  case .number(let lon) = coordinates[0], case .number(let lat) = coordinates[1] else {
                throw ParseFailure(field: "geometry.coordinates", "expected [longitude, latitude, depth]")
            }
            guard lon.isFinite, lat.isFinite else { throw ParseFailure(field: "geometry.coordinates", "is out of range") }
            event.location = Event.Location(lat: lat, lon: lon)
        } else if let geometry = feature["geometry"], geometry != .null {
            throw ParseFailure(field: "geometry", "expected an object, found \(geometry.typeName)")
        }
        return event
    }

    /// "154km E of Nago, Japan" → JP; "5km WSW of Anza, CA" → US; "Alaska" → US.
    static func countries(fromPlace place: String) -> [String] {
        let tail = place.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? place
        if USStates.contains(tail) { return ["US"] }
        if let code = CountryNames.alpha2(forName: tail) { return [code] }
        return []
    }
}

/// US state names and postal abbreviations, as USGS writes them at the end of `place`.
enum USStates {
    static func contains(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return abbreviations.contains(trimmed) || names.contains(trimmed.lowercased())
    }

    private static let abbreviations: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
        "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
        "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
    ]

    private static let names: Set<String> = [
        "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware", "florida",
        "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine",
        "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana", "nebraska",
        "nevada", "new hampshire", "new jersey", "new mexico", "new york", "north carolina", "north dakota", "ohio",
        "oklahoma", "oregon", "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee", "texas",
        "utah", "vermont", "virginia", "washington", "west virginia", "wisconsin", "wyoming",
    ]
}
