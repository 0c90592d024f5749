import ChorusCore
import Foundation

/// News feeds — RSS 2.0, RSS 1.0 (RDF), Atom 1.0 and 0.3, and JRC's EMM NewsBrief (RSS 2.0 with `emm:`,
/// `iso:` and `georss:` elements) — read item by item into ``NewsItem``s, which ``NewsClassifier`` turns
/// into events or counts as not about an incident.
///
/// Liberal in what it reads: elements are matched by namespace URI (never by prefix: `atom:` and `atom10:`
/// are the same), RSS elements in a default namespace are found (an item's own elements share its
/// namespace), HTML is accepted escaped or in CDATA, Latin-1 and mislabelled encodings are read
/// (``TextEncoding``), dates with stray white space or an unparseable value cost only the date (a note),
/// and an item repeated in one document is read once. A document that is not well-formed is refused with
/// the XML reader's reason; so is XML that is no feed.
struct NewsFeedParser {
    static let atom = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let rss10 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let feedburner = "http://rssnamespace.org/feedburner/ext/1.0"
    static let georss = "http://www.georss.org/georss"
    static let geo = "http://www.w3.org/2003/01/geo/wgs84_pos#"
    static let emm = "http://emm.jrc.it"
    static let iso = "http://www.iso.org/3166"

    let options: ParserOptions

    /// The feed-level facts items fall back on.
    struct Channel {
        var language: String?
        /// Who published the feed: its link's host (`theguardian.com`, `emm.newsbrief.eu`).
        var publisher: String?
    }

    func parse(_ data: Data) -> ParseResult {
        var result = ParseResult()
        let root: XMLNode
        do {
            let converted = try TextEncoding.utf8Document(data)
            if let note = converted.note { result.notes.append(ParseNote(message: note)) }
            root = try XMLDocumentReader.read(converted.data, options: options)
        } catch {
            result.rejections.append(Rejection(reason: "\(error)"))
            return result
        }
        let items: [XMLNode]
        var channel = Channel()
        switch (root.name, root.namespace) {
        case ("rss", _):
            let channels = root.children.filter { $0.name == "channel" }
            guard let first = channels.first else {
                return .refused("not a news feed: <rss> without a <channel>")
            }
            channel = channelFacts(first, core: first.namespace)
            items = channels.flatMap { node in node.children.filter { $0.name == "item" && $0.namespace == node.namespace } }
        case ("RDF", Self.rdf?):
            let core = root.children.first { $0.name == "channel" }?.namespace ?? Self.rss10
            if let node = root.children.first(where: { $0.name == "channel" }) { channel = channelFacts(node, core: core) }
            items = root.children.filter { $0.name == "item" && ($0.namespace == Self.rss10 || $0.namespace == Self.rss090) }
        case ("feed", Self.atom?), ("feed", Self.atom03?):
            channel = Channel(language: language(root.attributes), publisher: host(of: atomLink(root)))
            items = root.children.filter { $0.name == "entry" && $0.namespace == root.namespace }
        default:
            return .refused("not a news feed: the root element is <\(root.name)>, expected <rss>, <rdf:RDF> or an Atom <feed>")
        }
        if items.count > options.maximumItems {
            result.rejections.append(Rejection(reason: "more than \(options.maximumItems) items; the rest is not read"))
        }
        let classifier = NewsClassifier(options: options)
        var seen: Set<String> = []
        var duplicates = 0
        for (index, node) in items.prefix(options.maximumItems).enumerated() {
            let label = "item:\(index + 1)"
            do {
                let item = node.name == "entry" ? try atomItem(node, channel: channel, notes: &result.notes, label: label)
                    : try rssItem(node, channel: channel, notes: &result.notes, label: label)
                guard seen.insert(item.id).inserted else {
                    duplicates += 1
                    continue
                }
                guard let event = classifier.event(from: item, publisher: channel.publisher) else {
                    result.nonIncidents += 1
                    continue
                }
                options.finish(event, item: item.id.utf8.count <= 200 ? item.id : label, into: &result)
            } catch {
                result.rejections.append(Rejection(item: label, reason: "\(error)"))
            }
        }
        if duplicates > 0 {
            result.notes.append(ParseNote(message: "\(duplicates) item\(duplicates == 1 ? "" : "s") repeated an earlier item's id and \(duplicates == 1 ? "was" : "were") read once"))
        }
        return result
    }

    // MARK: Channel

    private func channelFacts(_ node: XMLNode, core: String?) -> Channel {
        let language = node.value("language", core) ?? node.value("language", Self.dc)
        return Channel(language: language.flatMap(Self.languageTag), publisher: host(of: node.value("link", core)))
    }

    // MARK: RSS 2.0 and RSS 1.0 items

    private func rssItem(_ node: XMLNode, channel: Channel, notes: inout [ParseNote], label: String) throws -> NewsItem {
        let core = node.namespace
        func text(_ name: String, _ namespace: String?) throws -> String? {
            let value = node.value(name, namespace)
            try options.checkField(value, name)
            return value
        }
        let title = try text("title", core).map { HTMLText.plain($0, keepingLines: false) }
        var summary = try text("description", core).map { HTMLText.plain($0, keepingLines: false) }
        if summary?.isEmpty ?? true, let encoded = try text("encoded", Self.content) {
            summary = String(HTMLText.plain(encoded, keepingLines: false).prefix(1000))
        }
        if summary?.isEmpty == true { summary = nil }
        let link = try text("origLink", Self.feedburner) ?? text("link", core)
        let guid = try text("guid", core) ?? node.attributes["rdf:about"] ?? node.attributes["about"]
        guard let id = guid ?? link ?? title.map({ "title:" + $0 }) else {
            throw ParseFailure("the item has no guid, link or title to tell it by")
        }
        var item = NewsItem(id: String(id.prefix(EventLimits.identifierBytes)), title: title, summary: summary,
                            link: link.flatMap(Self.httpURL))
        item.language = (try text("language", Self.iso) ?? text("language", Self.dc) ?? node.attributes["xml:lang"])
            .flatMap(Self.languageTag) ?? channel.language
        if let date = try text("pubDate", core) {
            item.published = RFC822Date.parse(date) ?? RFC3339.parse(date)
            if item.published == nil { notes.append(ParseNote(item: label, message: "pubDate: \(quoted(date)) is not a date; kept without it")) }
        }
        if item.published == nil, let date = try text("date", Self.dc) {
            item.published = RFC3339.parse(date)
            if item.published == nil { notes.append(ParseNote(item: label, message: "dc:date: \(quoted(date)) is not a date; kept without it")) }
        }
        item.categories = (node.children("category", core) + node.children("subject", Self.dc))
            .map { HTMLText.plain($0.trimmedText, keepingLines: false) }.filter { !$0.isEmpty }
        item.authors = (node.children("creator", Self.dc) + node.children("author", core)).map(\.trimmedText).filter { !$0.isEmpty }
        if let source = node.child("source", core) {
            item.sourceName = source.trimmedText.isEmpty ? nil : source.trimmedText
            item.sourceURL = source.attributes["url"]
        }
        readGeography(node, into: &item, notes: &notes, label: label)
        item.entities = node.children("entity", Self.emm).compactMap { $0.attributes["name"] ?? ($0.trimmedText.isEmpty ? nil : $0.trimmedText) }
        return item
    }

    // MARK: Atom entries

    private func atomItem(_ node: XMLNode, channel: Channel, notes: inout [ParseNote], label: String) throws -> NewsItem {
        let ns = node.namespace
        func text(_ name: String) throws -> String? {
            guard let element = node.child(name, ns) else { return nil }
            let value = element.deepText.trimmingCharacters(in: .whitespacesAndNewlines)
            try options.checkField(value, name)
            return value.isEmpty ? nil : HTMLText.plain(value, keepingLines: false)
        }
        let title = try text("title")
        let summary = try text("summary") ?? text("content").map { String($0.prefix(1000)) }
        let link = atomLink(node)
        guard let id = node.value("id", ns) ?? link ?? title.map({ "title:" + $0 }) else {
            throw ParseFailure("the entry has no id, link or title to tell it by")
        }
        var item = NewsItem(id: String(id.prefix(EventLimits.identifierBytes)), title: title, summary: summary,
                            link: link.flatMap(Self.httpURL))
        item.language = language(node.attributes) ?? channel.language
        for name in ["published", "updated", "issued", "modified"] where item.published == nil {
            guard let value = node.value(name, ns) else { continue }
            item.published = RFC3339.parse(value)
            if item.published == nil { notes.append(ParseNote(item: label, message: "\(name): \(quoted(value)) is not a date; kept without it")) }
        }
        item.categories = node.children("category", ns).compactMap { $0.attributes["label"] ?? $0.attributes["term"] }
        item.authors = node.children("author", ns).compactMap { $0.value("name", ns) }
        readGeography(node, into: &item, notes: &notes, label: label)
        return item
    }

    private func atomLink(_ node: XMLNode) -> String? {
        let links = node.children.filter { $0.name == "link" && ($0.namespace == Self.atom || $0.namespace == Self.atom03) }
        let alternate = links.first { ($0.attributes["rel"] ?? "alternate") == "alternate" } ?? links.first
        return alternate?.attributes["href"]
    }

    // MARK: Shared

    /// Points and geotags of the item itself (never of the channel: that is where the outlet is).
    private func readGeography(_ node: XMLNode, into item: inout NewsItem, notes: inout [ParseNote], label: String) {
        for point in node.children("point", Self.georss) {
            let parts = point.trimmedText.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            if parts.count == 2, let lat = Double(parts[0]), let lon = Double(parts[1]), Self.isCoordinate(lat, lon) {
                item.points.append(Event.Location(lat: lat, lon: lon))
            } else {
                notes.append(ParseNote(item: label, message: "georss:point: \(quoted(point.trimmedText)) is not 'lat lon'; ignored"))
            }
        }
        if let latText = node.value("lat", Self.geo), let lonText = node.value("long", Self.geo) {
            if let lat = Double(latText), let lon = Double(lonText), Self.isCoordinate(lat, lon) {
                item.points.append(Event.Location(lat: lat, lon: lon))
            } else {
                notes.append(ParseNote(item: label, message: "geo:lat/geo:long: not a coordinate; ignored"))
            }
        }
        // Newer EMM feeds: <emm:georss name="…" iso="IL" lat="…" lon="…"/>, one per place found.
        for tag in node.children("georss", Self.emm) {
            let attributes = tag.attributes
            var location: Event.Location?
            if let lat = attributes["lat"].flatMap(Double.init), let lon = attributes["lon"].flatMap(Double.init), Self.isCoordinate(lat, lon) {
                location = Event.Location(lat: lat, lon: lon)
            }
            let code = (attributes["iso"] ?? attributes["country"])?.trimmingCharacters(in: .whitespaces).uppercased()
            let country = code.flatMap { $0.count == 2 && ISO3166.isAlpha2($0) ? $0 : CountryNames.alpha2(forAlpha3: $0) }
            let name = attributes["name"].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            if name != nil || country != nil || location != nil {
                item.taggedPlaces.append(NewsItem.TaggedPlace(name: name, country: country, location: location))
            }
        }
    }

    private static func isCoordinate(_ lat: Double, _ lon: Double) -> Bool {
        lat.isFinite && lon.isFinite && (-90...90).contains(lat) && (-180...180).contains(lon) && !(lat == 0 && lon == 0)
    }

    private func language(_ attributes: [String: String]) -> String? {
        (attributes["xml:lang"] ?? attributes["lang"]).flatMap(Self.languageTag)
    }

    /// `en`, `en-gb`, `pt_PT` → a valid BCP 47 tag (`en`, `en-GB`, `pt-PT`), `nil` when it is none.
    static func languageTag(_ text: String) -> String? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "_", with: "-")
            .split(separator: "-").map(String.init)
        guard let primary = parts.first?.lowercased() else { return nil }
        let tag = ([primary] + parts.dropFirst().map { $0.count == 2 ? $0.uppercased() : $0 }).joined(separator: "-")
        return Event.isLanguageTag(tag) ? tag : nil
    }

    static func httpURL(_ text: String) -> String? {
        guard text.utf8.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil else { return nil }
        return text
    }

    private func host(of link: String?) -> String? {
        link.flatMap { URL(string: $0)?.host?.lowercased() }.map { $0.hasPrefix("www.") ? String($0.dropFirst(4)) : $0 }
    }
}
