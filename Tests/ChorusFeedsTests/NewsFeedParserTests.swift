import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

/// The real news samples (Fixtures/README.md), each with the events it must give — and no others.
@Suite struct NewsFeedParserTests {
    struct Expected: Sendable, CustomStringConvertible {
        var headlinePrefix: String
        var kind: String
        var countries: [String]
        var origin: String
        var fatalities: Int? = nil
        /// The place, when the gazetteer knows the one the item names.
        var place: String? = nil
        var description: String { headlinePrefix }
    }

    static func check(_ name: String, events expected: [Expected], nonIncidents: Int, notes: [String] = []) throws {
        let result = try Fixtures.parse(name)
        #expect(FeedParser.detectFormat(try Fixtures.data(name)) == .news)
        #expect(result.rejections.isEmpty, "\(result.rejections)")
        #expect(result.nonIncidents == nonIncidents, "\(name)")
        #expect(result.events.count == expected.count, "\(result.events.map { $0.headline.values.first ?? $0.id })")
        for (event, want) in zip(result.events, expected) {
            let headline = event.headline.values.first ?? ""
            #expect(headline.hasPrefix(want.headlinePrefix), "\(headline)")
            #expect(event.kind == want.kind, "\(want)")
            #expect(event.countries == want.countries, "\(want)")
            #expect(event.origin == want.origin, "\(want)")
            #expect(event.fatalities == want.fatalities, "\(want)")
            #expect(event.place == want.place, "\(want)")
            #expect(event.certainty == .possible && event.occurredAt == nil && event.tags.first == "news")
        }
        for note in notes {
            #expect(result.notes.contains { $0.message.contains(note) }, "\(result.notes)")
        }
    }

    @Test func emmNewsBriefItemsAboutPoliticsGiveNoEvent() throws {
        // Impeachment and an anti-corruption summit: news, but no incident.
        try Self.check("emm_newsbrief_en_2016-05-12_2items.xml", events: [], nonIncidents: 2)
    }

    @Test func guardianUS() throws {
        try Self.check("guardian_us_rss_2018-01-31.xml", events: [
            // The "Train crashes" category; an AP story carried by the Guardian counts as AP's.
            Expected(headlinePrefix: "Train carrying dozens of GOP lawmakers", kind: "transport_accident", countries: [], origin: "apnews.com"),
            // Las Vegas from the gazetteer: the place and its country (the outlet, the Guardian, is British).
            Expected(headlinePrefix: "Las Vegas shooting: 'person of interest'", kind: "shooting", countries: ["US"], origin: "apnews.com",
                     place: "Las Vegas"),
            // "grenade attack" is an armed attack, not yet terrorism; Kenya from the category, not Grenada.
            Expected(headlinePrefix: "Kenyan opposition figure alleges gun and grenade attack", kind: "shooting", countries: ["KE"],
                     origin: "theguardian.com"),
        ], nonIncidents: 52)
    }

    @Test func tagesschauInGerman() throws {
        let crash = { (prefix: String) in
            Expected(headlinePrefix: prefix, kind: "transport_accident", countries: ["EG"], origin: "tagesschau.de")
        }
        try Self.check("tagesschau_rss2_2016-05-19_de.xml", events: [
            crash("EgyptAir-Maschine: \"Wir müssen"), crash("Suche nach EgyptAir-Maschine"), crash("EgyptAir-Absturz: Offenbar"),
            crash("Absturz von EgyptAir-Maschine"), crash("EgyptAir-Absturz: Widersprüche"), crash("EgyptAir-Absturz: \"Mehr"),
            crash("Flug MS804"), crash("EgyptAir-Maschine: Ägyptische"), crash("Ägyptisches Passagierflugzeug"),
            crash("Ägyptisches Passagierflugzeug"),
            Expected(headlinePrefix: "Entkommene Boko-Haram-Geisel", kind: "hostage_taking", countries: [], origin: "tagesschau.de"),
        ], nonIncidents: 29)
        // "Sechs Monate nach den Anschlägen von Paris …" is about the state of emergency, not an attack.
        let result = try Fixtures.parse("tagesschau_rss2_2016-05-19_de.xml")
        #expect(!result.events.contains { $0.kind == "terror_attack" })
        #expect(result.events.allSatisfy { $0.headline["de"] != nil })
    }

    @Test func latin1FeedInPortuguese() throws {
        try Self.check("jn_pt_ultimas_rss_2018-01-03_iso-8859-1_geo.xml", events: [
            Expected(headlinePrefix: "Tempestade Eleanor atinge França, Alemanha, Suíça e Reino Unido", kind: "storm",
                     countries: ["FR", "DE", "CH", "GB"], origin: "jn.pt"),
            Expected(headlinePrefix: "Acidente com autocarro", kind: "transport_accident", countries: ["PE"], origin: "jn.pt",
                     fatalities: 48),
            Expected(headlinePrefix: "Trump declara estado de desastre", kind: "wildfire", countries: ["US"], origin: "jn.pt"),
            Expected(headlinePrefix: "Ex-refém dos talibãs", kind: "hostage_taking", countries: ["AF"], origin: "jn.pt"),
        ], nonIncidents: 36)
        let result = try Fixtures.parse("jn_pt_ultimas_rss_2018-01-03_iso-8859-1_geo.xml")
        // Decoded as the Latin-1 it is (no mojibake); the channel's geo:lat/long (Porto, the outlet) is not used.
        #expect(result.events.first?.headline["pt-PT"]?.contains("França") == true)
        #expect(result.events.allSatisfy { $0.location == nil })
        // FeedBurner links give way to the article's own address.
        #expect(result.events.allSatisfy { $0.link?.hasPrefix("https://www.jn.pt/") == true })
    }

    @Test func mislabelledEncodingIsNoticedNotMangled() throws {
        try Self.check("ENCODING_MISLABELED_presseportal_rss_2016-05-19_de.xml", events: [
            Expected(headlinePrefix: "Frankfurter Rundschau: Angst", kind: "transport_accident", countries: ["EG"], origin: "presseportal.de"),
        ], nonIncidents: 14, notes: ["declares encoding 'ISO-8859-1' but its bytes are UTF-8", "50 characters were already lost"])
        let result = try Fixtures.parse("ENCODING_MISLABELED_presseportal_rss_2016-05-19_de.xml")
        #expect(result.events.allSatisfy { !($0.description.values.first ?? "").contains("Ã") })
    }

    // MARK: Formats written for these tests

    static func parse(_ xml: String) throws -> ParseResult {
        try Fixtures.parser().parse(Data(xml.utf8))
    }

    @Test func atomWithXHTMLAndDefaultNamespaceRSS() throws {
        let atom = try Self.parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Wire</title>
            <link href="https://wire.example.org/"/>
            <entry><id>tag:wire,1</id><title type="html">Gunman kills &lt;b&gt;four&lt;/b&gt; in Jerusalem</title>
            <link rel="alternate" href="https://www.wire.example.org/a/1"/><updated>2017-01-08T12:00:00Z</updated>
            <author><name>Reuters</name></author>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Israel police said 17 were injured.</p></div></content>
            </entry></feed>
            """)
        let event = try #require(atom.events.first)
        #expect(event.kind == "shooting" && event.fatalities == 4 && event.injured == 17)
        #expect(event.countries == ["IL"] && event.origin == "reuters.com" && event.tags.contains("outlet:example.org"))
        #expect(event.sentAt == RFC3339.parse("2017-01-08T12:00:00Z"))

        let rss = try Self.parse("""
            <rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><link>https://news.example.co.uk/</link>
            <language>fr</language>
            <item><title>Séisme au Japon : trois morts et dix blessés</title><guid>x1</guid><pubDate>
              Mon, 01 Jan 2024 08:00:00 +0900 </pubDate></item>
            <item><title>Séisme au Japon : trois morts et dix blessés</title><guid>x1</guid></item>
            </channel></rss>
            """)
        #expect(rss.events.count == 1 && rss.notes.contains { $0.message.contains("repeated") })
        let quake = try #require(rss.events.first)
        #expect(quake.kind == "earthquake" && quake.countries == ["JP"] && quake.fatalities == 3 && quake.injured == 10)
        #expect(quake.origin == "example.co.uk" && quake.headline["fr"] != nil)
        #expect(quake.sentAt == RFC3339.parse("2023-12-31T23:00:00Z"))
    }

    @Test func rdfAndEMMGeotags() throws {
        let rdf = try Self.parse("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:georss="http://www.georss.org/georss"
                     xmlns:emm="http://emm.jrc.it">
            <channel rdf:about="https://agency.example/"><title>A</title><link>https://agency.example/</link></channel>
            <item rdf:about="https://agency.example/1"><title>Explosion hits market, 12 dead</title>
            <link>https://agency.example/1</link><dc:date>2019-04-21T06:00:00Z</dc:date><dc:language>en</dc:language>
            <georss:point>6.9271 79.8612</georss:point></item>
            <item rdf:about="https://agency.example/2"><title>Flooding in the capital</title><link>https://agency.example/2</link>
            <emm:georss name="Jakarta" iso="ID" lat="-6.2" lon="106.8"/></item>
            <item rdf:about="https://agency.example/3"><title>Minister opens a bridge</title></item>
            </rdf:RDF>
            """)
        #expect(rdf.events.count == 2 && rdf.nonIncidents == 1)
        // Colombo's point lies in Sri Lanka (Natural Earth outline); EMM names Jakarta in Indonesia.
        #expect(rdf.events.first?.countries == ["LK"] && rdf.events.first?.fatalities == 12 && rdf.events.first?.kind == "explosion")
        #expect(rdf.events.last?.countries == ["ID"] && rdf.events.last?.place == "Jakarta" && rdf.events.last?.kind == "flood")
    }

    @Test(arguments: [
        ("<rss><channel><item><title>x</title></channel></rss>", "not well-formed XML"),
        ("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss><channel/></rss>", "declares encoding 'Shift_JIS'"),
        ("<html><body>news</body></html>", nil),
        ("<rss><item><title>x</title></item></rss>", "<rss> without a <channel>"),
    ] as [(String, String?)])
    func refusals(document: String, reason: String?) throws {
        let result = try Fixtures.parser().parse(Data(document.utf8), format: .news)
        #expect(result.events.isEmpty && result.rejections.count == 1)
        if let reason { #expect(result.rejections.first?.reason.contains(reason) == true, "\(result.rejections)") }
        if reason == nil { #expect(FeedParser.detectFormat(Data(document.utf8)) == nil) }
    }

    @Test func aNewsItemLinkingToGDACSIsStillNews() throws {
        let feed = "<rss><channel><item><title>Quake</title><link>http://www.gdacs.org/report.aspx</link></item></channel></rss>"
        #expect(FeedParser.detectFormat(Data(feed.utf8)) == .news)
    }
}
