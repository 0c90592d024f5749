import ChorusCore
import ChorusFeeds
import Foundation

/// A day of EMM NewsBrief-sized traffic in miniature, from a fixed seed: two thirds everyday news (no
/// incident), a quarter reports of a few hundred big stories that many outlets cover (a fifth of them an
/// agency's story with its byline), and a few single-source reports of incidents nobody else covers — which
/// stay held until their window closes. Six languages; every item geotagged as EMM tags it (the place, its
/// country and point), at one of forty cities at least 50 km apart within their country.
struct NewsDay {
    struct City {
        var name: String
        var country: String
        var lat: Double
        var lon: Double
    }

    static let cities: [City] = [
        ("Jerusalem", "IL", 31.78, 35.22), ("Haifa", "IL", 32.79, 34.99), ("Eilat", "IL", 29.56, 34.95),
        ("Berlin", "DE", 52.52, 13.40), ("Munich", "DE", 48.14, 11.58), ("Hamburg", "DE", 53.55, 9.99),
        ("Paris", "FR", 48.86, 2.35), ("Nice", "FR", 43.70, 7.27), ("Lyon", "FR", 45.76, 4.84),
        ("London", "GB", 51.51, -0.13), ("Manchester", "GB", 53.48, -2.24), ("Glasgow", "GB", 55.86, -4.25),
        ("New York", "US", 40.71, -74.01), ("Las Vegas", "US", 36.17, -115.14), ("Chicago", "US", 41.88, -87.63),
        ("Madrid", "ES", 40.42, -3.70), ("Barcelona", "ES", 41.39, 2.17), ("Istanbul", "TR", 41.01, 28.98),
        ("Ankara", "TR", 39.93, 32.86), ("Tokyo", "JP", 35.68, 139.69), ("Osaka", "JP", 34.69, 135.50),
        ("Nairobi", "KE", -1.29, 36.82), ("Mombasa", "KE", -4.04, 39.67), ("Mexico City", "MX", 19.43, -99.13),
        ("Guadalajara", "MX", 20.66, -103.35), ("Jakarta", "ID", -6.21, 106.85), ("Surabaya", "ID", -7.25, 112.75),
        ("Santiago", "CL", -33.45, -70.67), ("Kabul", "AF", 34.56, 69.21), ("Lagos", "NG", 6.52, 3.38),
        ("Abuja", "NG", 9.08, 7.40), ("Cairo", "EG", 30.04, 31.24), ("Mumbai", "IN", 19.08, 72.88),
        ("Delhi", "IN", 28.61, 77.21), ("Manila", "PH", 14.60, 120.98), ("Lima", "PE", -12.05, -77.04),
        ("Bogotá", "CO", 4.71, -74.07), ("Kyiv", "UA", 50.45, 30.52), ("Brussels", "BE", 50.85, 4.35),
        ("Vienna", "AT", 48.21, 16.37),
    ].map { City(name: $0.0, country: $0.1, lat: $0.2, lon: $0.3) }

    /// Headlines and leads of incidents: `%@` the city, `%d` figures.
    static let incidents: [(language: String, title: String, lead: String)] = [
        ("en", "Gunman kills %d in %@ shooting, police say", "At least %d people were killed and %d injured when a gunman opened fire in %@ on Sunday, officials said."),
        ("en", "Explosion in %@ kills %d", "A blast tore through a market in %@, killing %d people and wounding %d, police said."),
        ("en", "Earthquake of magnitude 6.1 strikes near %@", "The quake struck near %@ at a depth of ten kilometres; %d people were killed and %d injured."),
        ("de", "Anschlag in %@: %d Tote und %d Verletzte", "Bei dem Anschlag in %@ sind nach Angaben der Polizei mindestens %d Menschen getötet worden."),
        ("fr", "Inondations à %@ : %d morts", "Les crues ont fait %d morts et %d blessés à %@ selon un bilan provisoire."),
        ("es", "Tiroteo en %@ deja %d muertos", "Un hombre armado abrió fuego en %@; hay al menos %d muertos y %d heridos."),
        ("he", "פיגוע דריסה ב%@: %d הרוגים", "%d הרוגים ו-%d פצועים בפיגוע דריסה ב%@, כך נמסר מהמשטרה."),
        ("ar", "مقتل %d في انفجار في %@", "قتل %d أشخاص وأصيب %d آخرون في انفجار في %@ صباح اليوم."),
    ]

    /// Everyday news: no incident.
    static let everyday: [(language: String, title: String, lead: String)] = [
        ("en", "%@ minister meets counterpart to discuss trade", "The talks in %@ covered tariffs, energy and a new agreement on students."),
        ("en", "Storm of criticism after %@ budget vote", "Opposition parties in %@ said the plan would hurt families."),
        ("en", "%@ marathon draws record field", "More than %d runners took part in the race through %@."),
        ("de", "Regierung in %@ stellt Haushalt vor", "Die Koalition in %@ einigt sich auf neue Ausgaben für Bildung und Verkehr."),
        ("fr", "Le maire de %@ inaugure un nouveau musée", "La visite doit renforcer les liens culturels avec %@."),
        ("es", "Elecciones en %@: resultados preliminares", "El recuento en %@ avanza con normalidad según la autoridad electoral."),
        ("he", "שר החוץ נפגש עם עמיתו ב%@", "השניים דנו בשיתוף פעולה כלכלי ב%@."),
        ("ar", "وزير الخارجية يستقبل نظيره في %@", "بحث الجانبان العلاقات الثنائية في %@."),
    ]

    static let agencies = ["Reuters", "AP", "AFP", "dpa"]

    let items: [NewsItem]

    /// `count` items, in the order a day's feed would deliver them.
    init(count: Int, seed: UInt64 = 2016_05_12) {
        var random = SeededGenerator(seed: seed)
        func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        let stories = max(1, count / 500)
        let start = Date(timeIntervalSince1970: 1_463_004_000)
        var items: [NewsItem] = []
        items.reserveCapacity(count)
        for index in 0..<count {
            let roll = pick(100)
            let published = start.addingTimeInterval(Double(index) * 86_400 / Double(count))
            // Outlets: a few big ones carry much, a long tail little.
            let unit = Double(pick(1_000_000)) / 1_000_000
            let outlet = "outlet\(Int(unit * unit * unit * 2_000)).example"
            let text: (language: String, title: String, lead: String)
            var city: City
            var figures = (pick(40) + 1, pick(90) + 1)
            var byline: String?
            if roll < 25 {
                // A big story, reported through the part of the day it is news in.
                let number = min(stories - 1, max(0, index * stories / count + pick(7) - 3))
                var story = SeededGenerator(seed: UInt64(number) &* 7919 &+ seed)
                text = Self.incidents[Int(story.next() % UInt64(Self.incidents.count))]
                city = Self.cities[Int(story.next() % UInt64(Self.cities.count))]
                figures = (Int(story.next() % 40) + 1, Int(story.next() % 90) + 1)
                if pick(5) == 0 { byline = Self.agencies[pick(Self.agencies.count)] }
            } else if roll < 27 {
                // An incident one outlet reports and nobody else, somewhere of its own: held until its window closes.
                text = Self.incidents[pick(Self.incidents.count)]
                city = Self.cities[pick(Self.cities.count)]
                city.name = "Village \(index)"
                city.lat = max(-80, min(80, city.lat + Double(pick(400)) / 100 - 2))
                city.lon = max(-179, min(179, city.lon + Double(pick(400)) / 100 - 2))
            } else {
                text = Self.everyday[pick(Self.everyday.count)]
                city = Self.cities[pick(Self.cities.count)]
            }
            func fill(_ template: String) -> String {
                var result = template.replacingOccurrences(of: "%@", with: city.name)
                for number in [figures.0, figures.1] {
                    if let range = result.range(of: "%d") { result.replaceSubrange(range, with: String(number)) }
                }
                return result
            }
            var lead = fill(text.lead)
            if let byline { lead = "\(city.name.uppercased()) (\(byline)) - " + lead }
            let point = Event.Location(lat: city.lat + Double(pick(100)) / 1000 - 0.05, lon: city.lon + Double(pick(100)) / 1000 - 0.05)
            items.append(NewsItem(id: "\(outlet)-\(index)", title: fill(text.title), summary: lead,
                                  link: "https://www.\(outlet)/news/\(index)", language: text.language, published: published,
                                  sourceName: outlet, sourceURL: "https://www.\(outlet)/feed", points: [point],
                                  taggedPlaces: [.init(name: city.name, country: city.country, location: point)]))
        }
        self.items = items
    }

    /// `items` as one EMM NewsBrief document.
    static func emmDocument(_ items: ArraySlice<NewsItem>) -> Data {
        let dates = DateFormatter()
        dates.locale = Locale(identifier: "en_US_POSIX")
        dates.timeZone = TimeZone(secondsFromGMT: 7200)
        dates.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:emm="http://emm.jrc.it" xmlns:iso="http://www.iso.org/3166" xmlns:georss="http://www.georss.org/georss">
            <channel><title>Latest news clusters</title><link>http://emm.newsbrief.eu/NewsBrief</link><description>chorus-bench</description>

            """
        for item in items {
            let point = item.points.first.map { "\($0.lat) \($0.lon)" } ?? ""
            let place = item.taggedPlaces.first
            xml += "<item><title>\(escape(item.title ?? ""))</title><link>\(escape(item.link ?? ""))</link>"
            xml += "<description>\(escape(item.summary ?? ""))</description>"
            xml += "<pubDate>\(dates.string(from: item.published ?? Date()))</pubDate><guid isPermaLink=\"false\">\(escape(item.id))</guid>"
            xml += "<source url=\"\(escape(item.sourceURL ?? ""))\">\(escape(item.sourceName ?? ""))</source>"
            xml += "<iso:language>\(item.language ?? "en")</iso:language><georss:point>\(point)</georss:point>"
            if let place, let location = place.location {
                xml += "<emm:georss name=\"\(escape(place.name ?? ""))\" iso=\"\(place.country ?? "")\" lat=\"\(location.lat)\" lon=\"\(location.lon)\"/>"
            }
            xml += "</item>\n"
        }
        xml += "</channel></rss>\n"
        return Data(xml.utf8)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
