import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

@Suite struct CAPParserTests {
    @Test func homelandSecurityAdvisory() throws {
        let result = try Fixtures.parse("cap12_spec_A1_homeland_security_advisory.xml", defaultCountries: ["US"])
        #expect(result.rejections.isEmpty)
        let event = try #require(result.events.first)
        #expect(result.events.count == 1)
        #expect(event.id == "43b080713727")
        #expect(event.source == "hsas@dhs.gov")
        #expect(event.kind == "security_threat")
        #expect(event.status == .actual)
        #expect(event.msgType == .alert)
        #expect(event.sentAt == (try Fixtures.date("2003-04-02T19:39:01Z")))
        #expect(event.severity == .severe)
        #expect(event.certainty == .likely)
        #expect(event.headline == ["en-US": "Homeland Security Sets Code ORANGE"])
        #expect(event.description["en-US"]?.hasPrefix("The Department of Homeland Security has elevated") == true)
        #expect(event.place == "U.S. nationwide and interests worldwide")
        #expect(event.location == nil)
        // No geocode in the document: the source's configured default applies.
        #expect(event.countries == ["US"])
        #expect(event.link == "http://www.dhs.gov/dhspublic/display?theme=29")
    }

    @Test func severeThunderstormPolygonCentroid() throws {
        let event = try #require(try Fixtures.parse("cap12_spec_A2_severe_thunderstorm_polygon.xml").events.first)
        #expect(event.id == "KSTO1055887203")
        #expect(event.kind == "storm")  // SAME eventCode SVR
        #expect(event.countries == ["US"])  // SAME geocodes
        #expect(event.severity == .severe)
        #expect(event.certainty == .observed)
        #expect(event.sentAt == (try Fixtures.date("2003-06-17T14:57:00-07:00")))
        let location = try #require(event.location)
        #expect(abs(location.lat - 38.484) < 0.01)
        #expect(abs(location.lon - (-119.935)) < 0.01)
        #expect(event.place?.hasPrefix("EXTREME NORTH CENTRAL TUOLUMNE COUNTY IN CALIFORNIA, EXTREME NORTHEASTERN CALAVERAS") == true)
    }

    @Test func earthquakeUpdateWithReferencesAndCircle() throws {
        let event = try #require(try Fixtures.parse("cap12_spec_A3_earthquake_update_references_circle.xml").events.first)
        #expect(event.id == "TRI13970876.2")
        #expect(event.msgType == .update)
        #expect(event.references == ["TRI13970876.1"])
        #expect(event.kind == "earthquake")
        #expect(event.magnitude == 3.4)
        #expect(event.location == Event.Location(lat: 32.9525, lon: -115.5527))
        #expect(event.severity == .minor)
        #expect(event.headline == ["en-US": "EQ 3.4 Imperial County CA"])
        #expect(event.sentAt == (try Fixtures.date("2003-06-12T03:56:00Z")))
        #expect(event.countries.isEmpty)
    }

    @Test func amberAlertInTwoLanguages() throws {
        let event = try #require(try Fixtures.parse("cap12_spec_A4_amber_alert_en_es.xml").events.first)
        #expect(event.id == "KAR0-0306112239-SW")
        #expect(event.kind == "missing_person")
        #expect(event.headline == [
            "en-US": "Amber Alert in Los Angeles County",
            "es-US": "Alerta Amber en el condado de Los Ángeles",
        ])
        #expect(Set(event.description.keys) == ["en-US", "es-US"])
        #expect(event.description["es-US"]?.contains("VEHÍCULO: 81' BUICK") == true)
        #expect(event.countries == ["US"])
        #expect(event.place == "Los Angeles County")
    }

    @Test func environmentCanadaUpdate() throws {
        let result = try Fixtures.parse("ec_canada_update_en_fr_polygons.cap")
        #expect(result.rejections.isEmpty)
        let event = try #require(result.events.first)
        #expect(event.id == "2.49.0.1.124.6bddbc91.2012")
        #expect(event.msgType == .update)
        #expect(event.references == ["2.49.0.1.124.a3f342a4.2012", "2.49.0.1.124.60f31a3a.2012"])
        #expect(event.incident == nil)  // <incidents/> is empty
        #expect(event.kind == "storm")
        #expect(event.countries == ["CA"])
        #expect(event.headline == ["en-CA": "severe thunderstorm watch", "fr-CA": "veille d'orages violents"])
        #expect(event.sentAt == (try Fixtures.date("2012-05-02T23:21:04Z")))
        #expect(event.occurredAt == (try Fixtures.date("2012-05-02T23:20:00Z")))
        #expect(event.place == "Windsor - Leamington - Essex County; Chatham-Kent - Rondeau Park")
        let location = try #require(event.location)
        #expect((41.7...42.7).contains(location.lat))
        #expect((-83.2 ... -81.5).contains(location.lon))
    }

    @Test func prefixedNamespaceAndCircle() throws {
        let event = try #require(try Fixtures.parse("nsw_rfs_prefixed_ns_circle_en_au.cap").events.first)
        #expect(event.id == "tag:www.rfs.nsw.gov.au2011-10-06:40184")
        #expect(event.kind == "wildfire")
        #expect(event.countries == ["AU"])  // ISO 3166-2 geocode AU-NSW
        #expect(event.location == Event.Location(lat: -35.3888, lon: 147.0598))
        #expect(event.headline == ["en-AU": "Yerong Creek Structure Fire"])
        // Escaped HTML line breaks become new lines.
        #expect(event.description["en-AU"]?.hasPrefix("ALERT LEVEL: Not Applicable\nLOCATION: 12 Cox Street, Yerong Creek\n") == true)
        #expect(event.sentAt == (try Fixtures.date("2011-10-05T13:04:00Z")))
    }

    @Test func invalidNOAAAlertIsRejectedWithTheField() throws {
        let result = try Fixtures.parse("INVALID_noaa_errors.cap")
        #expect(result.events.isEmpty)
        let rejection = try #require(result.rejections.first)
        #expect(result.rejections.count == 1)
        #expect(rejection.item?.hasPrefix("NOAA-NWS-ALERTS-NV20110710035200FloodWarning") == true)
        #expect(rejection.reason.hasPrefix("info[0].severity: ''"))
    }

    /// An empty `<polygon/>` (or `<circle/>`) says nothing: the alert is kept, the shape noted.
    @Test func anEmptyShapeKeepsTheAlert() throws {
        let text = try #require(String(data: try Fixtures.data("cap12_spec_A2_severe_thunderstorm_polygon.xml"), encoding: .utf8))
        let polygon = try #require(text.range(of: #"<polygon>[^<]*</polygon>"#, options: .regularExpression))
        let result = try Fixtures.parser().parse(Data(text.replacingCharacters(in: polygon, with: "<polygon/><circle> </circle>").utf8))
        #expect(result.rejections.isEmpty)
        let event = try #require(result.events.first)
        #expect(event.kind == "storm" && event.countries == ["US"])
        #expect(event.location == nil)
        #expect(result.notes.map(\.message) == ["info[0].area[0].polygon[0]: empty; kept without it",
                                               "info[0].area[0].circle[0]: empty; kept without it"])
    }

    @Test func malformedPolygonIsNamed() throws {
        let text = try #require(String(data: try Fixtures.data("INVALID_noaa_errors.cap"), encoding: .utf8))
            .replacingOccurrences(of: "<severity></severity>", with: "<severity>Minor</severity>")
            .replacingOccurrences(of: "<certainty></certainty>", with: "<certainty>Likely</certainty>")
        let result = try Fixtures.parser().parse(Data(text.utf8))
        #expect(result.events.isEmpty)
        #expect(result.rejections.first?.reason.hasPrefix("info[0].area[0].polygon[0]:") == true)
    }

    @Test func capInAtomFeedWithPrefixesAndLinks() throws {
        let result = try Fixtures.parse("cap_in_atom.xml")
        #expect(result.events.map(\.id) == ["NWS-1", "NWS-2"])
        #expect(result.events.map(\.kind) == ["flood", "storm"])
        #expect(result.events[0].countries == ["US"])
        #expect(result.events[1].status == .test)
        #expect(result.rejections.isEmpty)
    }

    @Test func badAlertInAFeedDoesNotStopTheOthers() throws {
        let text = try #require(String(data: try Fixtures.data("cap_in_atom.xml"), encoding: .utf8))
            .replacingOccurrences(of: "<sent>2024-05-01T09:58:00-05:00</sent>", with: "<sent>1 May 2024</sent>")
        let result = try Fixtures.parser().parse(Data(text.utf8))
        #expect(result.events.map(\.id) == ["NWS-2"])
        #expect(result.rejections == [Rejection(item: "NWS-1", reason: "sent: '1 May 2024' is not a date-time")])
    }

    @Test func posixLanguageTagsAreAccepted() throws {
        let text = try #require(String(data: try Fixtures.data("cap12_spec_A4_amber_alert_en_es.xml"), encoding: .utf8))
            .replacingOccurrences(of: "<language>es-US</language>", with: "<language>es_US</language>")
        let event = try #require(try Fixtures.parser().parse(Data(text.utf8)).events.first)
        #expect(Set(event.headline.keys) == ["en-US", "es-US"])
    }

    @Test func valuesInReasonsAreQuotedOnOneLine() throws {
        let text = try #require(String(data: try Fixtures.data("cap_ack.xml"), encoding: .utf8))
            .replacingOccurrences(of: "<msgType>Ack</msgType>", with: "<msgType>Alert\nor\n" + String(repeating: "x", count: 500) + "</msgType>")
        let reason = try #require(try Fixtures.parser().parse(Data(text.utf8)).rejections.first?.reason)
        #expect(reason == "msgType: 'Alert\\nor\\n" + String(repeating: "x", count: 71) + "…' is not one of Alert, Update, Cancel")
    }

    @Test func veryLikelyFromCAP10IsLikely() throws {
        let text = try #require(String(data: try Fixtures.data("cap_in_atom.xml"), encoding: .utf8))
            .replacingOccurrences(of: "<certainty>Likely</certainty>", with: "<certainty>Very Likely</certainty>")
        let result = try Fixtures.parser().parse(Data(text.utf8))
        #expect(result.events.first?.certainty == .likely)
    }

    @Test func cancelWithoutInfo() throws {
        let result = try Fixtures.parse("cap_cancel_no_info.xml")
        let event = try #require(result.events.first)
        #expect(event.msgType == .cancel)
        #expect(event.references == ["KSTO1055887203"])
        #expect(event.kind == "other")
        #expect(event.headline.isEmpty)
        #expect(event.incident == "incident-42")
    }

    @Test func ackIsRejected() throws {
        let result = try Fixtures.parse("cap_ack.xml")
        #expect(result.events.isEmpty)
        #expect(result.rejections == [Rejection(item: "ACK-1", reason: "msgType: Ack only acknowledges another message; it carries no event")])
    }

    @Test func feedThatOnlyLinksIsRejected() throws {
        let atom = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.1">
          <entry><id>x</id><link href="https://alerts.example/cap/1.xml"/><cap:event>Flood Warning</cap:event></entry>
        </feed>
        """
        let result = try Fixtures.parser().parse(Data(atom.utf8))
        #expect(result.events.isEmpty)
        #expect(result.rejections.first?.reason.contains("linked") == true || result.rejections.first?.reason.contains("links") == true)
    }

    @Test func otherNamespaceIsNotCAP() throws {
        let xml = "<alert xmlns=\"http://www.incident.com/cap/1.0\"><identifier>a</identifier></alert>"
        let result = try Fixtures.parser().parse(Data(xml.utf8), format: .cap)
        #expect(result.rejections.first?.reason.contains("not CAP 1.1 or 1.2") == true)
    }
}
