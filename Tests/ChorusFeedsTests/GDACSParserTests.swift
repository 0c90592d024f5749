import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

@Suite struct GDACSParserTests {
    @Test func fourItemsWithBOM() throws {
        let data = try Fixtures.data("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml")
        #expect(data.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(FeedParser.detectFormat(data) == .gdacs)
        let result = try Fixtures.parse("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml")
        #expect(result.rejections.isEmpty)
        #expect(result.events.map(\.id) == ["TC1000643-1", "EQ1199929-1287798", "DR1013682-1", "DR1013588-1"])
        #expect(result.events.map(\.incident) == ["TC1000643", "EQ1199929", "DR1013682", "DR1013588"])
        #expect(result.events.map(\.kind) == ["tropical_cyclone", "earthquake", "drought", "drought"])
        #expect(result.events.allSatisfy { $0.alertLevel == .green && $0.severity == .minor && $0.source == "gdacs" })

        let cyclone = result.events[0]
        #expect(cyclone.countries == ["MU"])
        #expect(cyclone.location == Event.Location(lat: -19.4, lon: 59.8))
        #expect(cyclone.sentAt == (try Fixtures.date("2019-12-29T12:00:00Z")))
        #expect(cyclone.occurredAt == (try Fixtures.date("2019-12-29T12:00:00Z")))
        #expect(cyclone.headline["en"]?.hasPrefix("Green alert for tropical cyclone CALVINIA-19.") == true)
        #expect(cyclone.link == "http://www.gdacs.org/report.aspx?eventtype=TC&eventid=1000643")
        #expect(cyclone.magnitude == nil)
        #expect(cyclone.tags == ["population:0"])

        let quake = result.events[1]
        #expect(quake.countries == ["ZA"])
        #expect(quake.magnitude == 5.5)
        #expect(quake.location == Event.Location(lat: -44.5653, lon: 37.087))
        #expect(quake.occurredAt == (try Fixtures.date("2019-12-28T15:36:35Z")))

        // Several countries in one item: iso3 names the first, `country` lists them all.
        let drought = result.events[2]
        #expect(drought.countries == ["BG", "IQ", "IR", "TR"])
        #expect(drought.place == "Bulgaria, Iraq, Iran, Turkey")
        #expect(drought.occurredAt == (try Fixtures.date("2019-10-21T00:00:00Z")))
        #expect(drought.sentAt == (try Fixtures.date("2019-12-30T01:27:00Z")))

        #expect(result.events[3].countries == ["AU"])
    }

    @Test func itemWithoutEventTypeIsRejected() throws {
        let result = try Fixtures.parse("gdacs_rss_2019-12-30_bbox_only_item.xml")
        #expect(result.events.isEmpty)
        #expect(result.rejections == [Rejection(item: "item:1", reason: "gdacs:eventtype: is required")])
    }

    @Test(arguments: [
        ("<gdacs:alertlevel>Purple</gdacs:alertlevel>", "gdacs:alertlevel: 'Purple' is not one of Green, Orange, Red"),
        ("<gdacs:fromdate>yesterday</gdacs:fromdate>", "gdacs:fromdate: 'yesterday' is not an RFC 822 date"),
        ("<gdacs:population unit=\"\" value=\"1e300\"/>", "gdacs:population: value '1e300' is not a population"),
    ])
    func badFieldIsNamed(field: String, reason: String) throws {
        let good = "<gdacs:eventtype>FL</gdacs:eventtype><gdacs:eventid>7</gdacs:eventid>"
        let rss = """
        <rss version="2.0" xmlns:gdacs="http://www.gdacs.org"><channel>
        <item>\(good)<gdacs:episodeid>1</gdacs:episodeid>\(field)</item>
        <item>\(good)<gdacs:episodeid>2</gdacs:episodeid><gdacs:alertlevel>Orange</gdacs:alertlevel><gdacs:iso3>DEU</gdacs:iso3></item>
        </channel></rss>
        """
        let result = try Fixtures.parser().parse(Data(rss.utf8))
        #expect(result.rejections == [Rejection(item: "FL7-1", reason: reason)])
        let event = try #require(result.events.first)
        #expect(event.id == "FL7-2")
        #expect(event.kind == "flood")
        #expect(event.alertLevel == .orange)
        #expect(event.severity == .severe)
        #expect(event.countries == ["DE"])
    }

    /// Be liberal (issue 15, real-world robustness): country fields no table knows, or that disagree, cost
    /// the event nothing; each problem is noted with its field.
    @Test(arguments: [
        ("<gdacs:country>Myanmar-India Border Region</gdacs:country><gdacs:iso3>MMR</gdacs:iso3>", ["MM"],
         "Myanmar-India Border Region", ["gdacs:country: 'Myanmar-India Border Region' is not a country name Chorus knows; kept as the place"]),
        ("<gdacs:country>Miscellaneous (French) Indian Ocean Islands</gdacs:country>", [],
         "Miscellaneous (French) Indian Ocean Islands",
         ["gdacs:country: 'Miscellaneous (French) Indian Ocean Islands' is not a country name Chorus knows; kept as the place"]),
        ("<gdacs:country>Myanmar</gdacs:country><gdacs:iso3>IND</gdacs:iso3>", ["IN", "MM"], "Myanmar",
         ["gdacs:iso3: 'IN' names none of gdacs:country 'Myanmar'; both kept"]),
        ("<gdacs:country>Germany</gdacs:country><gdacs:iso3>XYZ</gdacs:iso3>", ["DE"], "Germany",
         ["gdacs:iso3: 'XYZ' is not an ISO 3166-1 alpha-3 code; kept without it"]),
    ] as [(String, [String], String, [String])])
    func countryFieldsNoTableKnowsKeepTheEvent(fields: String, countries: [String], place: String, notes: [String]) throws {
        let rss = """
        <rss version="2.0" xmlns:gdacs="http://www.gdacs.org"><channel>
        <item><gdacs:eventtype>EQ</gdacs:eventtype><gdacs:eventid>9</gdacs:eventid><gdacs:episodeid>1</gdacs:episodeid>\(fields)</item>
        </channel></rss>
        """
        let result = try Fixtures.parser().parse(Data(rss.utf8))
        #expect(result.rejections.isEmpty)
        let event = try #require(result.events.first)
        #expect(event.kind == "earthquake")
        #expect(event.countries == countries)
        #expect(event.place == place)
        #expect(result.notes == notes.map { ParseNote(item: "EQ9-1", message: $0) })
    }

    /// GDACS's newer profile: each item embeds a full CAP alert beside its GDACS elements. The item is read
    /// as GDACS (the alert inside is not a second event), whatever the alert says.
    @Test func anItemEmbeddingACAPAlertIsOneGDACSEvent() throws {
        let rss = """
        <rss version="2.0" xmlns:gdacs="http://www.gdacs.org" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2"><channel>
        <item><title>Orange alert for flood in Myanmar</title>
        <gdacs:eventtype>FL</gdacs:eventtype><gdacs:eventid>1102983</gdacs:eventid><gdacs:episodeid>2</gdacs:episodeid>
        <gdacs:alertlevel>Orange</gdacs:alertlevel><gdacs:country>Myanmar</gdacs:country><gdacs:iso3>MMR</gdacs:iso3>
        <cap:alert><cap:identifier>GDACS_FL_1102983_2</cap:identifier><cap:sender>info@gdacs.org</cap:sender>
        <cap:sent>2024-08-20T10:00:00-00:00</cap:sent><cap:status>Actual</cap:status><cap:msgType>Alert</cap:msgType>
        <cap:scope>Public</cap:scope><cap:info><cap:category>Met</cap:category><cap:event>Flood</cap:event>
        <cap:urgency>Past</cap:urgency><cap:severity>Severe</cap:severity><cap:certainty>Observed</cap:certainty>
        <cap:parameter><cap:valueName>eventid</cap:valueName><cap:value>1102983</cap:value></cap:parameter>
        <cap:area><cap:areaDesc>Myanmar</cap:areaDesc><cap:polygon/></cap:area></cap:info></cap:alert>
        </item></channel></rss>
        """
        #expect(FeedParser.detectFormat(Data(rss.utf8)) == .gdacs)
        let result = try Fixtures.parser().parse(Data(rss.utf8))
        #expect(result.rejections.isEmpty)
        #expect(result.events.map(\.id) == ["FL1102983-2"])
        #expect(result.events.first?.kind == "flood")
        #expect(result.events.first?.countries == ["MM"])
        #expect(result.events.first?.alertLevel == .orange)
    }

    @Test func countryNames() {
        #expect(CountryNames.alpha2Codes(forList: "Bulgaria, Iraq, Iran, Turkey").codes == ["BG", "IQ", "IR", "TR"])
        #expect(CountryNames.alpha2Codes(forList: "Korea, Republic of").codes == ["KR"])
        let balkans = CountryNames.alpha2Codes(forList: "Serbia, Kosovo, Open sea, Iran (Islamic Republic of)")
        #expect(balkans.codes == ["RS", "XK", "IR"] && balkans.unknown.isEmpty, "\(balkans)")
        #expect(CountryNames.alpha2Codes(forList: "Congo, The Democratic Republic of the; Côte d'Ivoire").codes == ["CD", "CI"])
        #expect(CountryNames.alpha2(forName: "the Philippines") == "PH")
        #expect(CountryNames.alpha2(forName: "Viet Nam") == "VN")
        #expect(CountryNames.alpha2(forName: "Israel") == "IL")
        #expect(CountryNames.alpha2(forAlpha3: "ISR") == "IL")
        #expect(CountryNames.alpha2(forAlpha3: "mus") == "MU")
        #expect(CountryNames.alpha2(forAlpha3: "XXX") == nil)
    }

    @Test func rfc822Dates() throws {
        #expect(RFC822Date.parse("Sun, 29 Dec 2019 12:00:00 GMT") == (try Fixtures.date("2019-12-29T12:00:00Z")))
        #expect(RFC822Date.parse("29 Dec 2019 12:00 +0130") == (try Fixtures.date("2019-12-29T10:30:00Z")))
        #expect(RFC822Date.parse("Mon, 30 Feb 2019 12:00:00 GMT") == nil)
        #expect(RFC822Date.parse("Sun, 29 Dec 2019 25:00:00 GMT") == nil)
        #expect(RFC822Date.parse("") == nil)
    }

    @Test func theNewerProfileWithFactsOnlyInCAPParameters() throws {
        let name = "gdacs_rss_cap_profile_WRITTEN.xml"
        #expect(FeedParser.detectFormat(try Fixtures.data(name)) == .gdacs)
        let result = try Fixtures.parse(name)
        #expect(result.events.map(\.id) == ["EQ1395426-1519213", "TC1000965-22", "FL1102000"])
        // The item without an event type costs only itself.
        #expect(result.rejections.count == 1 && result.rejections.first?.reason.contains("gdacs:eventtype") == true, "\(result.rejections)")

        let quake = result.events[0]
        #expect(quake.kind == "earthquake" && quake.incident == "EQ1395426")
        #expect(quake.alertLevel == .orange && quake.severity == .severe && quake.certainty == .observed)
        #expect(quake.magnitude == 6.8)
        #expect(quake.tags == ["population:1200000"])
        #expect(quake.countries == ["MA"] && quake.place == "Morocco")
        #expect(quake.location == Event.Location(lat: 31.0581, lon: -8.3842))
        #expect(quake.occurredAt == (try Fixtures.date("2023-09-08T22:11:01Z")))
        #expect(quake.sentAt == (try Fixtures.date("2023-09-08T23:41:09Z")))  // the alert's sent: the item has no pubDate
        #expect(quake.headline["en"]?.hasPrefix("Orange earthquake alert (Magnitude 6.8M") == true)
        #expect(quake.link == "https://www.gdacs.org/report.aspx?eventtype=EQ&eventid=1395426")

        let cyclone = result.events[1]
        #expect(cyclone.kind == "tropical_cyclone" && cyclone.alertLevel == .red && cyclone.severity == .extreme)
        #expect(cyclone.countries == ["MM"] && cyclone.place == "Myanmar-India Border Region")
        #expect(cyclone.magnitude == nil && cyclone.tags.isEmpty)
        // The real polygon's centroid; the empty one is no point.
        let centre = try #require(cyclone.location)
        #expect(abs(centre.lat - 20.5) < 1e-9 && abs(centre.lon - 92.5) < 1e-9)
        #expect(cyclone.link == nil)

        let flood = result.events[2]
        #expect(flood.kind == "flood" && flood.countries == ["ES"] && flood.alertLevel == .green)
        #expect(flood.headline["en"] == "Green flood alert")
        #expect(flood.description["en"] == nil)

        let notes = result.notes.map { "\($0.item ?? ""): \($0.message)" }
        #expect(notes.contains { $0.hasPrefix("TC1000965-22:") && $0.contains("Myanmar-India Border Region") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("TC1000965-22:") && $0.contains("cap:parameter population") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("FL1102000:") && $0.contains("'XYZ' is not an ISO 3166-1 alpha-3 code") }, "\(notes)")
    }

    /// A tropical cyclone's `eventname` is the storm's name as a ministry writes it; other types' event names
    /// (a region and a year, or nothing) name nothing.
    @Test func aCyclonesEventNameIsItsName() throws {
        let result = try Fixtures.parse("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml")
        #expect(result.events.map(\.name) == ["Calvinia", nil, nil, nil], "CALVINIA-19; an earthquake's empty name; ' Turkey-2019'")
        #expect(result.notes.isEmpty, "\(result.notes)")
        let line = try result.events[0].jsonLine()
        #expect(line.contains("\"name\":\"Calvinia\""))
        #expect(try JSONDecoder().decode(Event.self, from: Data(line.utf8)).name == "Calvinia")

        for (eventName, name) in [("HELENE-24", "Helene"), ("DANIEL-23", "Daniel"), ("HAIYAN-13", "Haiyan"), ("MAN-YI-24", "Man-yi"),
                                  (" Helene ", "Helene")] {
            #expect(GDACSParser.stormName(eventName) == name, "\(eventName)")
        }
        for numbered in ["TWENTY-ONE-19", "ONE-20", "SEVENTEEN", "", "-24", "H3LENE-24", "HELENE\u{7}-24"] {
            #expect(GDACSParser.stormName(numbered) == nil, "\(numbered)")
        }

        // In the newer profile the name comes from the embedded alert's parameter; a number is noted, not a name.
        func cyclone(_ eventName: String) throws -> ParseResult {
            let rss = """
            <rss version="2.0" xmlns:gdacs="http://www.gdacs.org" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2"><channel>
            <item><title>Red alert for tropical cyclone</title>
            <cap:alert><cap:identifier>GDACS_TC_1001092_30</cap:identifier><cap:sent>2024-09-26T12:00:00-00:00</cap:sent>
            <cap:info><cap:event>Tropical Cyclone</cap:event>
            <cap:parameter><cap:valueName>eventtype</cap:valueName><cap:value>TC</cap:value></cap:parameter>
            <cap:parameter><cap:valueName>eventid</cap:valueName><cap:value>1001092</cap:value></cap:parameter>
            <cap:parameter><cap:valueName>eventname</cap:valueName><cap:value>\(eventName)</cap:value></cap:parameter>
            <cap:parameter><cap:valueName>iso3</cap:valueName><cap:value>USA</cap:value></cap:parameter>
            </cap:info></cap:alert></item></channel></rss>
            """
            return try Fixtures.parser().parse(Data(rss.utf8))
        }
        #expect(try cyclone("HELENE-24").events.first?.name == "Helene")
        let numbered = try cyclone("NINE-24")
        #expect(numbered.events.count == 1 && numbered.events.first?.name == nil)
        #expect(numbered.notes.map(\.message) == ["gdacs:eventname: 'NINE-24' is not a storm's name; kept without it"])
    }

    @Test func severityAndPopulationTexts() {
        #expect(GDACSParser.magnitude(in: "Magnitude 6.1M, Depth:10km") == 6.1)
        #expect(GDACSParser.magnitude(in: "5.4 M") == 5.4)
        #expect(GDACSParser.magnitude(in: "Depth:10km") == nil)
        #expect(GDACSParser.population(in: "1.2 million people within 100km") == 1_200_000)
        #expect(GDACSParser.population(in: "52 thousand (in MMI>=VII)") == 52_000)
        #expect(GDACSParser.population(in: "12,000 people") == 12_000)
        #expect(GDACSParser.population(in: "unknown") == nil)
    }
}
