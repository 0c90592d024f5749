import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SafetyTests {
    /// The attack sample points at localhost:8080 and file:///etc/passwd. A listener on 8080 (when the port
    /// is free) proves no connection is attempted; the rejection happens before any XML parser runs.
    @Test func xxeAndXIncludeAreRefusedWithNothingResolved() throws {
        let listener = TCPListener(port: 8080)
        defer { listener?.close() }
        let result = try Fixtures.parse("SECURITY_xxe_xinclude_attack.cap")
        #expect(result.events.isEmpty)
        #expect(result.rejections == [Rejection(
            reason: "the document has a DTD (<!DOCTYPE>); DTDs and entities are refused, nothing was resolved")])
        if let listener {
            #expect(listener.pendingConnection(waitingMilliseconds: 200) == false)
        }
        // Forcing the format changes nothing.
        let forced = try Fixtures.parser().parse(try Fixtures.data("SECURITY_xxe_xinclude_attack.cap"), format: .gdacs)
        #expect(forced.events.isEmpty && forced.rejections.count == 1)
    }

    @Test func localFileEntityIsNeverRead() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-secret-\(UUID().uuidString)")
        try Data("TOP-SECRET-MARKER".utf8).write(to: secret)
        defer { try? FileManager.default.removeItem(at: secret) }
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE alert [ <!ENTITY leak SYSTEM "\(secret.absoluteString)"> ]>
        <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a</identifier><sender>s</sender>
        <sent>2020-01-01T00:00:00Z</sent><status>Actual</status><msgType>Alert</msgType>
        <info><event>&leak;</event><headline>&leak;</headline></info></alert>
        """
        let result = try Fixtures.parser().parse(Data(xml.utf8))
        #expect(result.events.isEmpty)
        #expect(!"\(result)".contains("TOP-SECRET-MARKER"))
    }

    @Test(arguments: [
        ("<!ENTITY x \"y\"><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>", "declares entities"),
        ("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"/etc/passwd\"/></alert>", "XInclude"),
        ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>", "only UTF-8"),
    ])
    func unsafeXMLIsRefused(xml: String, reason: String) throws {
        let result = try Fixtures.parser().parse(Data(xml.utf8), format: .cap)
        #expect(result.events.isEmpty)
        #expect(result.rejections.first?.reason.contains(reason) == true, "\(result.rejections)")
    }

    @Test func deepNestingIsRefused() throws {
        let xml = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">" + String(repeating: "<a>", count: 5000)
            + String(repeating: "</a>", count: 5000) + "</alert>"
        let result = try Fixtures.parser().parse(Data(xml.utf8), format: .cap)
        #expect(result.rejections.first?.reason == "elements are nested deeper than 64 levels")
        let json = "{\"type\":\"FeatureCollection\",\"features\":" + String(repeating: "[", count: 100_000) + "]}"
        let geo = try Fixtures.parser().parse(Data(json.utf8))
        #expect(geo.rejections.first?.reason == "JSON is nested deeper than 64 levels")
    }

    @Test func sizeLimits() throws {
        let kinds = try Fixtures.kinds()
        let small = FeedParser(options: ParserOptions(kinds: kinds, maximumDocumentBytes: 1000))
        let document = try Fixtures.data("cap12_spec_A4_amber_alert_en_es.xml")
        #expect(small.parse(document).rejections.first?.reason == "the document is 2747 bytes, more than the limit of 1000")

        // A field over the limit costs its item (the alert), named, not the document.
        let narrow = FeedParser(options: ParserOptions(kinds: kinds, maximumFieldBytes: 100))
        let result = narrow.parse(document)
        #expect(result.events.isEmpty)
        #expect(result.rejections.count == 1)
        #expect(result.rejections.first?.item != nil, "\(result.rejections)")
        #expect(result.rejections.first?.reason.contains("is longer than 100 bytes") == true, "\(result.rejections)")
    }

    @Test func truncatedDocumentGivesNoPartialItems() throws {
        let full = try Fixtures.data("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml")
        // Cut inside the third item: the two complete items before it must not slip through as if that were all.
        let cut = full.prefix(full.count * 3 / 4)
        let result = try Fixtures.parser().parse(Data(cut))
        #expect(result.events.isEmpty)
        #expect(result.rejections.count == 1)
        #expect(result.rejections.first?.reason.hasPrefix("not well-formed XML") == true, "\(result.rejections)")
    }

    @Test func invalidUTF8DocumentIsRefused() throws {
        var data = try Fixtures.data("cap12_spec_A1_homeland_security_advisory.xml")
        data[200] = 0xFF
        #expect(try Fixtures.parser().parse(data).rejections.first?.reason == "the document is not valid UTF-8")
    }

    @Test func formatDetection() throws {
        #expect(FeedFormat.allCases.count == 7)
        #expect(FeedParser.detectFormat(try Fixtures.data("guardian_us_rss_2018-01-31.xml")) == .news)
        #expect(FeedParser.detectFormat(Data("<?xml version='1.0'?><!-- x --><rdf:RDF xmlns:rdf='r'/>".utf8)) == .news)
        #expect(FeedParser.detectFormat(Data("1\t2\t3".utf8)) == nil)
        #expect(FeedParser.detectFormat(try Fixtures.data("nsw_rfs_prefixed_ns_circle_en_au.cap")) == .cap)
        #expect(FeedParser.detectFormat(try Fixtures.data("cap_in_atom.xml")) == .cap)
        #expect(FeedParser.detectFormat(try Fixtures.data("usgs_all_day_2018-09-16.geojson")) == .geojson)
        #expect(FeedParser.detectFormat(Data("  \n{\"id\":\"a\"}".utf8)) == .jsonl)
        #expect(FeedParser.detectFormat(Data("<html><body/></html>".utf8)) == nil)
        #expect(FeedParser.detectFormat(Data("hello".utf8)) == nil)
        #expect(FeedParser.detectFormat(Data()) == nil)
        let unknown = try Fixtures.parser().parse(Data("<html/>".utf8))
        #expect(unknown.rejections.first?.reason.hasPrefix("unrecognized format") == true)
    }
}

/// A TCP listener on 127.0.0.1 that only reports whether anyone tried to connect.
final class TCPListener {
    private var descriptor: Int32

    init?(port: UInt16) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else {
            Glibc.close(descriptor)
            return nil
        }
    }

    func pendingConnection(waitingMilliseconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, waitingMilliseconds) > 0
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
