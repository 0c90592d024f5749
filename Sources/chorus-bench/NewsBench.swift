import ChorusCore
import ChorusFeeds
import Foundation

/// PRODUCT.md §9, news: items classified per second on one core from a generated multilingual stream
/// (en, de, fr, es, he, ar; incidents and everyday news mixed as a wire feed mixes them), against the
/// same run's floor — only cutting the same texts into words, which every classification starts with.
enum NewsBench {
    static func run(rules: URL, quick: Bool, into table: inout ReportTable) throws {
        let kinds = try KindMapping.load(from: rules.appendingPathComponent("kinds.json5"))
        let classifier = NewsClassifier(options: ParserOptions(kinds: kinds))
        let count = quick ? 20_000 : 100_000
        let items = stream(count)
        let runs = quick ? 3 : 5
        var events = 0
        let rate = Measurement.median(runs: runs) {
            var found = 0
            let seconds = Measurement.seconds {
                for item in items where classifier.event(from: item, publisher: "wire.example") != nil { found += 1 }
            }
            events = found
            return Double(items.count) / seconds
        }
        let floor = Measurement.median(runs: runs) {
            var words = 0
            let seconds = Measurement.seconds {
                for item in items {
                    words += NewsText.words(item.title ?? "", limit: 80).count + NewsText.words(item.summary ?? "", limit: 120).count
                }
            }
            precondition(words > 0)
            return Double(items.count) / seconds
        }
        table.add("news", "items/s classified, one core, multilingual stream (target ≥ 20,000)", rate.grouped,
                  baseline: "\(floor.grouped) only cut into words", ratio: "\((floor / rate).twoDecimals)× the floor")
        table.add("news", "share of the stream that became events", "\(events.grouped) of \(items.count.grouped)")
    }

    /// A day's worth of wire traffic in miniature: headlines and leads in six languages, a third about incidents.
    static func stream(_ count: Int) -> [NewsItem] {
        let templates: [(String, String, String)] = [
            ("en", "Gunman kills %d in %@ shooting, police say", "At least %d people were killed and %d injured when a gunman opened fire in %@ on Sunday, officials said."),
            ("en", "%@ minister meets counterpart to discuss trade", "The talks in %@ covered tariffs, energy and a new agreement on students."),
            ("en", "Storm of criticism after %@ budget vote", "Opposition parties in %@ said the plan would hurt families."),
            ("de", "Anschlag in %@: %d Tote und %d Verletzte", "Bei dem Anschlag in %@ sind nach Angaben der Polizei mindestens %d Menschen getötet worden."),
            ("de", "Regierung in %@ stellt Haushalt vor", "Die Koalition in %@ einigt sich auf neue Ausgaben für Bildung und Verkehr."),
            ("fr", "Séisme en %@ : %d morts", "Un tremblement de terre de magnitude 6,4 a frappé %@ ; le bilan provisoire fait état de %d morts et %d blessés."),
            ("fr", "Le président de %@ en visite officielle", "La visite doit renforcer les liens économiques avec %@."),
            ("es", "Inundaciones en %@ dejan %d muertos", "Las lluvias torrenciales en %@ dejan al menos %d muertos y %d heridos."),
            ("es", "Elecciones en %@: resultados preliminares", "El recuento en %@ avanza con normalidad según la autoridad electoral."),
            ("he", "פיגוע דריסה ב%@: %d הרוגים", "%d הרוגים ו-%d פצועים בפיגוע דריסה ב%@, כך נמסר מהמשטרה."),
            ("he", "שר החוץ נפגש עם עמיתו מ%@", "השניים דנו בשיתוף פעולה כלכלי עם %@."),
            ("ar", "مقتل %d في انفجار في %@", "قتل %d أشخاص وأصيب %d آخرون في انفجار في %@ صباح اليوم."),
            ("ar", "وزير الخارجية يستقبل نظيره من %@", "بحث الجانبان العلاقات الثنائية مع %@."),
        ]
        let places = ["Israel", "France", "Germany", "Spain", "Turkey", "Japan", "Kenya", "Mexico", "Indonesia", "Chile"]
        var random = SeededGenerator(seed: 2016_05_19)
        return (0..<count).map { index in
            let (language, title, lead) = templates[Int(random.next() % UInt64(templates.count))]
            let place = places[Int(random.next() % UInt64(places.count))]
            let a = Int(random.next() % 40) + 1, b = Int(random.next() % 90) + 1
            func fill(_ text: String) -> String {
                var result = text.replacingOccurrences(of: "%@", with: place)
                for number in [a, b, a] { if let range = result.range(of: "%d") { result.replaceSubrange(range, with: String(number)) } }
                return result
            }
            return NewsItem(id: "bench-\(index)", title: fill(title), summary: fill(lead),
                            link: "https://outlet\(index % 400).example.com/\(index)", language: language)
        }
    }
}
