import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds

/// Mutates valid documents 10,000 times — truncation, byte flips, huge values, wrong types, deletions,
/// duplications, random bytes — and checks that every input gives events or a rejection, never a crash or
/// a hang, and that every event that comes out is valid. The generator is seeded: runs are identical.
@Suite struct RobustnessTests {
    static let seeds = ["cap12_spec_A1_homeland_security_advisory.xml", "cap12_spec_A2_severe_thunderstorm_polygon.xml",
                        "cap12_spec_A3_earthquake_update_references_circle.xml", "cap12_spec_A4_amber_alert_en_es.xml",
                        "ec_canada_update_en_fr_polygons.cap", "nsw_rfs_prefixed_ns_circle_en_au.cap", "cap_in_atom.xml",
                        "cap_cancel_no_info.xml", "events.jsonl",
                        "SYNTHETIC_usgs_fixture_null_mag_3features.json", "emm_newsbrief_en_2016-05-12_2items.xml"]

    @Test func tenThousandMutations() async throws {
        let parser = FeedParser(options: ParserOptions(
            kinds: try Fixtures.kinds(), defaultCountries: ["US"], maximumFieldBytes: 64 * 1024))
        var documents = try Self.seeds.map { try Fixtures.data($0) }
        // A real USGS document small enough to mutate thousands of times: the first three features.
        let usgs = try #require(String(data: try Fixtures.data("usgs_all_day_2018-09-16.geojson"), encoding: .utf8))
        let cut = try #require(usgs.components(separatedBy: "\"id\": \"ci38061759\"").first)
        documents.append(Data((cut + "\"id\": \"ci38061759\"}]}").utf8))
        #expect(parser.parse(documents.last ?? Data()).events.count == 3)

        // The GDACS sample without its long <gdacs:resources> lists, so mutations hit the fields that matter.
        var gdacs = try #require(String(data: try Fixtures.data("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml"), encoding: .utf8))
        while let open = gdacs.range(of: "<gdacs:resources>"), let close = gdacs.range(of: "</gdacs:resources>") {
            gdacs.removeSubrange(open.lowerBound..<close.upperBound)
        }
        documents.append(Data(gdacs.utf8))
        #expect(parser.parse(documents.last ?? Data()).events.count == 4)

        // News: the first items of the real feeds (Latin-1 and mislabelled included), and GDELT's incident rows.
        for (name, items) in [("tagesschau_rss2_2016-05-19_de.xml", 6), ("jn_pt_ultimas_rss_2018-01-03_iso-8859-1_geo.xml", 6),
                              ("ENCODING_MISLABELED_presseportal_rss_2016-05-19_de.xml", 8), ("guardian_us_rss_2018-01-31.xml", 5)] {
            let data = try Fixtures.data(name)
            let latin = name.hasPrefix("jn_")
            var text = latin ? String(decoding: TextEncoding.windows1252ToUTF8(data), as: UTF8.self) : String(decoding: data, as: UTF8.self)
            let parts = text.components(separatedBy: "</item>")
            text = parts.prefix(items).joined(separator: "</item>") + "</item></channel></rss>"
            documents.append(latin ? Data(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }) : Data(text.utf8))
            #expect(!parser.parse(documents.last ?? Data()).events.isEmpty, "\(name)")
        }
        let gdelt = String(decoding: try Fixtures.data("gdelt2_events_2015-02-18_2020-03-18_100rows.export.CSV"), as: UTF8.self)
        let rows = gdelt.split(separator: "\n")
        let fights = rows.filter { $0.split(separator: "\t", omittingEmptySubsequences: false).dropFirst(26).first?.hasPrefix("19") == true }
        documents.append(Data((rows.prefix(6) + fights).joined(separator: "\n").utf8))
        #expect(!parser.parse(documents.last ?? Data()).events.isEmpty)
        // The same rows zipped as GDELT publishes them, and GDACS's newer profile (CAP alerts in the items).
        let rowsZipped = ZipArchiveTests.Writer.archive([.init(name: "x.export.CSV", data: Array(documents.last ?? Data()))], descriptor: false)
        documents.append(rowsZipped)
        #expect(!parser.parse(rowsZipped).events.isEmpty)
        documents.append(try Fixtures.data("gdacs_rss_cap_profile_WRITTEN.xml"))
        #expect(parser.parse(documents.last ?? Data()).events.count == 3)

        // Four chunks of 2,500, each with its own seeded generator: deterministic, and it uses every core.
        // The work runs on Dispatch's threads, not the cooperative pool, so that seconds of CPU here never
        // starve other tests' async work.
        let corpus = documents
        let started = Date()
        let chunks: [Outcome] = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let results = OutcomeSlots(count: 4)
                DispatchQueue.concurrentPerform(iterations: 4) { chunk in
                    results.set(chunk, Self.run(chunk: chunk, count: 2500, corpus: corpus, parser: parser))
                }
                continuation.resume(returning: results.all)
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        let total = chunks.reduce(Outcome()) { $0.merged($1) }
        #expect(total.iterations == 10_000)
        #expect(total.invalid.isEmpty, "invalid events or empty reasons in iterations \(total.invalid.prefix(20))")
        #expect(total.silent.isEmpty, "neither events nor a rejection in iterations \(total.silent.prefix(20))")
        #expect(total.slowest < 5, "one parse took \(total.slowest) s")
        #expect(total.events > 1000 && total.rejections > 1000, "\(total)")
        print("robustness: \(total.iterations) mutations in \(elapsed) s, slowest parse \(total.slowest) s, "
            + "\(total.events) events, \(total.rejections) rejections, \(total.empty) empty feeds")
    }

    /// Results written by concurrent workers, each into its own slot.
    final class OutcomeSlots: @unchecked Sendable {
        // @unchecked: `slots` is only touched under `lock`.
        private let lock = NSLock()
        private var slots: [Outcome]
        init(count: Int) { slots = Array(repeating: Outcome(), count: count) }
        func set(_ index: Int, _ outcome: Outcome) { lock.withLock { slots[index] = outcome } }
        var all: [Outcome] { lock.withLock { slots } }
    }

    struct Outcome: Sendable {
        var iterations = 0
        var events = 0
        var rejections = 0
        var empty = 0
        var slowest = 0.0
        var invalid: [String] = []
        var silent: [String] = []

        func merged(_ other: Outcome) -> Outcome {
            Outcome(iterations: iterations + other.iterations, events: events + other.events,
                    rejections: rejections + other.rejections, empty: empty + other.empty,
                    slowest: max(slowest, other.slowest), invalid: invalid + other.invalid, silent: silent + other.silent)
        }
    }

    static func run(chunk: Int, count: Int, corpus: [Data], parser: FeedParser) -> Outcome {
        let vocabulary = parser.options.kinds.kinds
        var random = SeededGenerator(seed: 20_170_108 &+ UInt64(chunk))
        var outcome = Outcome()
        for iteration in 0..<count {
            let label = "\(chunk).\(iteration)"
            let mutated = mutate(corpus[(iteration + chunk) % corpus.count], &random)
            let before = Date()
            let result = parser.parse(mutated)
            outcome.slowest = max(outcome.slowest, Date().timeIntervalSince(before))
            outcome.iterations += 1
            // Plain checks in the loop, one expectation per kind of failure at the end: #expect is not free.
            for event in result.events where (try? event.validate()) == nil || !vocabulary.contains(event.kind) {
                outcome.invalid.append(label)
            }
            if result.rejections.contains(where: { $0.reason.isEmpty }) { outcome.invalid.append(label) }
            if result.events.isEmpty && result.rejections.isEmpty && result.nonIncidents == 0 {
                // Only a well-formed document without a single item may give nothing at all.
                if !holdsNoItem(mutated, parser.options) { outcome.silent.append(label) }
                outcome.empty += 1
            }
            outcome.events += result.events.count
            outcome.rejections += result.rejections.count
        }
        return outcome
    }

    /// Whether the document is well-formed and holds no item at all (an empty feed), checked independently.
    static func holdsNoItem(_ data: Data, _ options: ParserOptions) -> Bool {
        if let converted = try? TextEncoding.utf8Document(data), let root = try? XMLDocumentReader.read(converted.data, options: options) {
            if root.name == "alert" { return false }
            if root.name == "rss" { return root.children.first { $0.name == "channel" }?.children.allSatisfy { $0.name != "item" } ?? true }
            if root.name == "feed" { return root.children.allSatisfy { $0.name != "entry" } }
            if root.name == "RDF" { return root.children.allSatisfy { $0.name != "item" } }
            return root.descendants { $0.name == "alert" && CAPParser.namespaces.contains($0.namespace ?? "") }.isEmpty
        }
        if let json = try? JSONValue.decode(data, maximumDepth: 64), case .array(let features)? = json["features"] {
            return features.isEmpty
        }
        return String(decoding: data, as: UTF8.self).allSatisfy(\.isWhitespace)
    }

    static let hugeValues = ["1e999", "-1e999", "99999999999999999999999999", "NaN", "1e308", "-0", "0x7fffffff",
                             String(repeating: "9", count: 400), String(repeating: "A", count: 70_000)]
    static let wrongTypes = ["[]", "{}", "null", "true", "\"\"", "[[[[[]]]]]", "{\"a\":{\"b\":[1,{}]}}", "<x/>",
                             "<![CDATA[<alert>]]>", "&amp;", "&undefined;", "<!DOCTYPE x>", "<!ENTITY e \"v\">",
                             "\u{0}", "\u{FEFF}", "-90.5,-200", "2019-02-30T25:61:00Z"]

    static func mutate(_ input: Data, _ random: inout SeededGenerator) -> Data {
        var bytes = [UInt8](input)
        let rounds = 1 + Int(random.next() % 3)
        for _ in 0..<rounds where !bytes.isEmpty {
            let position = Int(random.next() % UInt64(bytes.count))
            switch random.next() % 9 {
            case 0:  // truncation
                bytes.removeSubrange(position...)
            case 1:  // byte flips
                for _ in 0..<(1 + random.next() % 8) {
                    let at = Int(random.next() % UInt64(bytes.count))
                    bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
                }
            case 2:  // a huge value in place of a number
                let digits = bytes[position...].firstIndex { $0 >= 48 && $0 <= 57 } ?? position
                let end = bytes[digits...].firstIndex { !($0 >= 48 && $0 <= 57) && $0 != 46 } ?? bytes.endIndex
                let value = hugeValues[Int(random.next() % UInt64(hugeValues.count))]
                bytes.replaceSubrange(digits..<end, with: Array(value.utf8))
            case 3:  // a value of the wrong type in place of a string or an element's text
                let quote = bytes[position...].firstIndex { $0 == 34 || $0 == 62 } ?? position
                let close = bytes[min(quote + 1, bytes.count)...].firstIndex { $0 == 34 || $0 == 60 } ?? bytes.endIndex
                let value = wrongTypes[Int(random.next() % UInt64(wrongTypes.count))]
                bytes.replaceSubrange(quote..<close, with: Array(value.utf8))
            case 4:  // deletion of a range
                let end = min(bytes.count, position + 1 + Int(random.next() % 400))
                bytes.removeSubrange(position..<end)
            case 5:  // duplication of a range (repeats elements, nests deeper)
                let end = min(bytes.count, position + 1 + Int(random.next() % 400))
                let copies = 1 + Int(random.next() % 20)
                let slice = Array(bytes[position..<end])
                bytes.insert(contentsOf: (0..<copies).flatMap { _ in slice }, at: position)
            case 6:  // random bytes, invalid UTF-8 included
                let count = 1 + Int(random.next() % 16)
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: position)
            case 7:  // a line break in the middle (splits JSON Lines)
                bytes.insert(10, at: position)
            default:  // swap two ranges' worth of structure: move a chunk elsewhere
                let end = min(bytes.count, position + 1 + Int(random.next() % 200))
                let chunk = Array(bytes[position..<end])
                bytes.removeSubrange(position..<end)
                let target = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                bytes.insert(contentsOf: chunk, at: target)
            }
        }
        return Data(bytes)
    }
}
