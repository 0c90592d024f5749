import ChorusCore
import Foundation

/// CAP 1.1 and 1.2 (OASIS Common Alerting Protocol): a single `<alert>`, or an Atom or RSS feed that
/// embeds alerts. Elements are matched by namespace URI, whatever prefix the document uses. Alerts a
/// feed only links to are not fetched.
struct CAPParser {
    static let cap11 = "urn:oasis:names:tc:emergency:cap:1.1"
    static let cap12 = "urn:oasis:names:tc:emergency:cap:1.2"
    static let namespaces: [String] = [cap11, cap12]

    let options: ParserOptions

    func parse(_ data: Data) -> ParseResult {
        let root: XMLNode
        do {
            root = try XMLDocumentReader.read(data, options: options)
        } catch {
            return .refused("\(error)")
        }
        let capNamespaces = Set<String?>(Self.namespaces)
        let alerts: [XMLNode]
        if root.name == "alert" {
            guard capNamespaces.contains(root.namespace) else {
                return .refused("<alert> is in namespace \(quoted(root.namespace ?? "none")), not CAP 1.1 or 1.2")
            }
            alerts = [root]
        } else {
            alerts = root.descendants { $0.isElement("alert", in: capNamespaces) }
        }
        if alerts.isEmpty {
            let isFeed = root.name == "feed" || root.name == "rss" || root.name == "RDF"
            return .refused(isFeed
                ? "the feed embeds no CAP alert (alerts it only links to are not fetched)"
                : "no CAP 1.1 or 1.2 <alert> in the document (root element <\(root.name)>)")
        }
        var result = ParseResult()
        for (index, alert) in alerts.prefix(options.maximumItems).enumerated() {
            let identifier = alert.value("identifier", alert.namespace)
            let item = identifier.flatMap { $0.utf8.count <= 200 ? $0 : nil } ?? "alert:\(index + 1)"
            do {
                var notes: [String] = []
                let event = try event(from: alert, notes: &notes)
                result.notes += notes.map { ParseNote(item: item, message: $0) }
                options.finish(event, item: item, into: &result)
            } catch {
                result.rejections.append(Rejection(item: item, reason: "\(error)"))
            }
        }
        if alerts.count > options.maximumItems {
            result.rejections.append(Rejection(reason: "more than \(options.maximumItems) alerts; the rest is not read"))
        }
        return result
    }

    // MARK: Alert

    /// The event of `alert`; problems worked around (an empty `<polygon/>`) are added to `notes`, naming their field.
    func event(from alert: XMLNode, notes: inout [String]) throws -> Event {
        let ns = alert.namespace
        func required(_ name: String) throws -> String {
            guard let value = alert.value(name, ns) else { throw ParseFailure(field: name, "is required") }
            try options.checkField(value, name)
            return value
        }
        let identifier = try required("identifier")
        if identifier.contains(where: { $0.isWhitespace || $0 == "," }) {
            throw ParseFailure(field: "identifier", "\(quoted(identifier)) contains spaces or commas")
        }
        let sender = try required("sender")
        let sentText = try required("sent")
        guard let sent = RFC3339.parse(sentText) else {
            throw ParseFailure(field: "sent", "\(quoted(sentText)) is not a date-time")
        }
        let statusText = try required("status")
        guard let status = Event.Status(rawValue: statusText.lowercased()) else {
            throw ParseFailure(field: "status", "\(quoted(statusText)) is not one of Actual, Exercise, System, Test, Draft")
        }
        let messageTypeText = try required("msgType")
        let messageType: Event.MessageType
        switch messageTypeText {
        case "Alert": messageType = .alert
        case "Update": messageType = .update
        case "Cancel": messageType = .cancel
        case "Ack": throw ParseFailure(field: "msgType", "Ack only acknowledges another message; it carries no event")
        case "Error": throw ParseFailure(field: "msgType", "Error only reports a rejected message; it carries no event")
        default: throw ParseFailure(field: "msgType", "\(quoted(messageTypeText)) is not one of Alert, Update, Cancel")
        }
        let references = try Self.references(alert.value("references", ns))
        if messageType != .alert, references.isEmpty, alert.child("references", ns) != nil {
            throw ParseFailure(field: "references", "is empty; an \(messageTypeText) must name the messages it refers to")
        }
        let incident = alert.value("incidents", ns)?.split(whereSeparator: { $0.isWhitespace }).first.map(String.init)

        var event = Event(
            id: identifier, source: sender, status: status, msgType: messageType, references: references,
            incident: incident, sentAt: sent)

        let infos = alert.children("info", ns)
        if infos.isEmpty {
            // A Cancel (and sometimes an Update) may carry no <info> at all: it only points at other messages.
            guard messageType != .alert else { throw ParseFailure(field: "info", "an Alert needs at least one <info>") }
            event.countries = []
            return event
        }
        var infoFacts: [InfoFacts] = []
        for (index, info) in infos.enumerated() {
            infoFacts.append(try InfoFacts(info, path: "info[\(index)]", options: options))
        }
        notes += infoFacts.flatMap(\.notes)
        let primary = infoFacts[0]
        event.kind = options.kinds.capKind(
            eventCodes: primary.eventCodes, event: primary.event, headline: primary.headline, categories: primary.categories)
        event.severity = primary.severity
        event.certainty = primary.certainty
        event.occurredAt = primary.onset
        event.place = primary.place
        event.link = primary.link
        for facts in infoFacts {
            if let headline = facts.headline ?? facts.event, event.headline[facts.language] == nil {
                event.headline[facts.language] = headline
            }
            if let description = facts.description, event.description[facts.language] == nil {
                event.description[facts.language] = description
            }
        }
        event.location = infoFacts.lazy.compactMap(\.location).first
        var countries: [String] = []
        for facts in infoFacts {
            for country in facts.countries where !countries.contains(country) { countries.append(country) }
        }
        event.countries = countries
        if event.kind == "earthquake" { event.magnitude = primary.magnitude }
        return event
    }

    /// `sender,identifier,sent` triples separated by white space → the identifiers.
    static func references(_ text: String?) throws -> [String] {
        guard let text else { return [] }
        var identifiers: [String] = []
        for triple in text.split(whereSeparator: { $0.isWhitespace }) {
            let parts = triple.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[1].isEmpty else {
                throw ParseFailure(field: "references", "\(quoted(triple)) is not a sender,identifier,sent triple")
            }
            identifiers.append(String(parts[1]))
        }
        return identifiers
    }
}

/// What one `<info>` block says.
struct InfoFacts {
    var language: String
    var categories: [String] = []
    var event: String?
    var eventCodes: [(valueName: String, value: String)] = []
    var severity: Event.Severity = .unknown
    var certainty: Event.Certainty = .unknown
    var onset: Date?
    var headline: String?
    var description: String?
    var link: String?
    var place: String?
    var location: Event.Location?
    var countries: [String] = []
    var magnitude: Double?
    /// Problems worked around, naming their field.
    var notes: [String] = []

    init(_ info: XMLNode, path: String, options: ParserOptions) throws {
        let ns = info.namespace
        func text(_ name: String) throws -> String? {
            let value = info.value(name, ns)
            try options.checkField(value, "\(path).\(name)")
            return value
        }
        // CAP's default is en-US; some feeds write POSIX-style tags (en_US), which mean the same.
        language = try text("language")?.replacingOccurrences(of: "_", with: "-") ?? "en-US"
        categories = info.children("category", ns).map(\.trimmedText).filter { !$0.isEmpty }
        event = try text("event").map(Self.collapse)
        for code in info.children("eventCode", ns) {
            if let name = code.value("valueName", ns), let value = code.value("value", ns) {
                eventCodes.append((name, value))
            }
        }
        if let node = info.child("severity", ns) {
            let value = node.trimmedText
            guard let severity = Event.Severity(rawValue: value.lowercased()) else {
                throw ParseFailure(field: "\(path).severity", "\(quoted(value)) is not one of Extreme, Severe, Moderate, Minor, Unknown")
            }
            self.severity = severity
        }
        if let node = info.child("certainty", ns) {
            let value = node.trimmedText
            // CAP 1.0's "Very Likely" lives on in CAP 1.1 documents; it means Likely.
            let normalized = value.lowercased() == "very likely" ? "likely" : value.lowercased()
            guard let certainty = Event.Certainty(rawValue: normalized) else {
                throw ParseFailure(field: "\(path).certainty", "\(quoted(value)) is not one of Observed, Likely, Possible, Unlikely, Unknown")
            }
            self.certainty = certainty
        }
        for name in ["onset", "effective"] {
            guard onset == nil, let value = try text(name) else { continue }
            guard let date = RFC3339.parse(value) else {
                throw ParseFailure(field: "\(path).\(name)", "\(quoted(value)) is not a date-time")
            }
            onset = date
        }
        headline = try text("headline").map(Self.collapse)
        description = try text("description").map { HTMLText.plain($0) }
        if let web = try text("web"), let url = URL(string: web), let scheme = url.scheme?.lowercased(),
           scheme == "http" || scheme == "https" {
            link = web
        }
        for parameter in info.children("parameter", ns) {
            let name = parameter.value("valueName", ns)?.lowercased()
            if name == "magnitude" || name == "eventmagnitude", let value = parameter.value("value", ns) {
                magnitude = Double(value.prefix { $0.isNumber || $0 == "." || $0 == "-" })
            }
        }

        var places: [String] = []
        var circles: [Event.Location] = []
        var polygons: [[(lat: Double, lon: Double)]] = []
        for (areaIndex, area) in info.children("area", ns).enumerated() {
            let areaPath = "\(path).area[\(areaIndex)]"
            if let description = area.value("areaDesc", ns) {
                try options.checkField(description, "\(areaPath).areaDesc")
                places.append(Self.collapse(description))
            }
            // An empty shape says nothing: noted, and the alert kept (a broken one is refused, it may be misread).
            for (index, polygon) in area.children("polygon", ns).enumerated() {
                let field = "\(areaPath).polygon[\(index)]"
                if polygon.trimmedText.isEmpty { notes.append("\(field): empty; kept without it"); continue }
                polygons.append(try Self.polygon(polygon.trimmedText, field: field))
            }
            for (index, circle) in area.children("circle", ns).enumerated() {
                let field = "\(areaPath).circle[\(index)]"
                if circle.trimmedText.isEmpty { notes.append("\(field): empty; kept without it"); continue }
                circles.append(try Self.circle(circle.trimmedText, field: field))
            }
            for geocode in area.children("geocode", ns) {
                guard let name = geocode.value("valueName", ns), let value = geocode.value("value", ns) else { continue }
                if let country = CAPGeocodes.country(valueName: name, value: value), !countries.contains(country) {
                    countries.append(country)
                }
            }
        }
        if !places.isEmpty {
            var joined = ""
            for place in places {
                let next = joined.isEmpty ? place : joined + "; " + place
                if next.utf8.count > EventLimits.textBytes - 8 {
                    joined += "; …"
                    break
                }
                joined = next
            }
            place = joined
        }
        location = circles.first ?? Geometry.centroid(of: polygons)
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `lat,lon lat,lon …`: at least four pairs, the first repeated as the last (CAP §3.3.2.2).
    static func polygon(_ text: String, field: String) throws -> [(lat: Double, lon: Double)] {
        let pairs = text.split(whereSeparator: { $0.isWhitespace })
        guard pairs.count >= 4 else {
            throw ParseFailure(field: field, "needs at least four lat,lon pairs, found \(pairs.count)")
        }
        guard pairs.count <= 100_000 else { throw ParseFailure(field: field, "has more than 100000 points") }
        var points: [(lat: Double, lon: Double)] = []
        for pair in pairs {
            points.append(try point(pair, field: field))
        }
        if let first = points.first, let last = points.last, first.lat != last.lat || first.lon != last.lon {
            throw ParseFailure(field: field, "is not closed: the first point must be repeated as the last")
        }
        return points
    }

    /// `lat,lon radius` → the centre.
    static func circle(_ text: String, field: String) throws -> Event.Location {
        let parts = text.split(whereSeparator: { $0.isWhitespace })
        guard parts.count == 2, let radius = Double(parts[1]), radius.isFinite, radius >= 0 else {
            throw ParseFailure(field: field, "\(quoted(text)) is not 'lat,lon radius'")
        }
        let centre = try point(parts[0], field: field)
        return Event.Location(lat: centre.lat, lon: centre.lon)
    }

    static func point(_ pair: Substring, field: String) throws -> (lat: Double, lon: Double) {
        let numbers = pair.split(separator: ",", omittingEmptySubsequences: false)
        guard numbers.count == 2, let lat = Double(numbers[0]), let lon = Double(numbers[1]),
              lat.isFinite, lon.isFinite, (-90...90).contains(lat), (-180...180).contains(lon) else {
            throw ParseFailure(field: field, "\(quoted(pair)) is not a WGS 84 lat,lon pair")
        }
        return (lat, lon)
    }
}

/// Geometry on coordinates small enough to treat as planar.
enum Geometry {
    /// The area-weighted centroid of polygons (lat, lon rings); the mean of the vertices when they have no area.
    static func centroid(of polygons: [[(lat: Double, lon: Double)]]) -> Event.Location? {
        var area = 0.0
        var sumLat = 0.0
        var sumLon = 0.0
        var vertexLat = 0.0
        var vertexLon = 0.0
        var vertices = 0
        for ring in polygons where ring.count >= 2 {
            for index in 0..<(ring.count - 1) {
                let (y0, x0) = ring[index]
                let (y1, x1) = ring[index + 1]
                let cross = x0 * y1 - x1 * y0
                area += cross
                sumLon += (x0 + x1) * cross
                sumLat += (y0 + y1) * cross
                vertexLat += y0
                vertexLon += x0
                vertices += 1
            }
        }
        guard vertices > 0 else { return nil }
        if abs(area) > 1e-12 {
            let lat = sumLat / (3 * area)
            let lon = sumLon / (3 * area)
            if lat.isFinite, lon.isFinite, (-90...90).contains(lat), (-180...180).contains(lon) {
                return Event.Location(lat: lat, lon: lon)
            }
        }
        return Event.Location(lat: vertexLat / Double(vertices), lon: vertexLon / Double(vertices))
    }
}

/// Countries from CAP `<geocode>`s whose scheme says which country they are in.
enum CAPGeocodes {
    /// The alpha-2 country a geocode lies in, `nil` when its scheme does not tell.
    static func country(valueName: String, value: String) -> String? {
        let name = valueName.lowercased()
        let code = value.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        // ISO 3166-1 alpha-2 or alpha-3, or an ISO 3166-2 subdivision ("AU-NSW").
        if name.contains("3166") || name.contains("country_codes") || name == "iso" || name == "country" {
            let head = String(code.prefix { $0 != "-" })
            if head.count == 2, ISO3166.isAlpha2(head) { return head }
            if head.count == 3 { return CountryNames.alpha2(forAlpha3: head) }
            return nil
        }
        // US schemes: FIPS county codes, NWS zones, SAME.
        if name == "same" || name == "fips6" || name == "fips" || name == "ugc" { return "US" }
        // Canada's CAP profile (Statistics Canada geographic codes) and Environment Canada's location codes.
        if name.hasPrefix("profile:cap-cp:location") || name.hasSuffix(":clc") { return "CA" }
        // EUMETNET Meteoalarm EMMA_ID and Eurostat NUTS start with the country ("DE001", "FR10").
        if name == "emma_id" || name.hasPrefix("nuts") {
            let head = String(code.prefix(2))
            let fixed = head == "EL" ? "GR" : head == "UK" ? "GB" : head
            return ISO3166.isAlpha2(fixed) ? fixed : nil
        }
        return nil
    }
}
