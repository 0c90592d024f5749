import ChorusCore
import Foundation
import Testing
@testable import ChorusFeeds
import TestSupport

/// Fixture files and a parser configured with the repository's own `Rules/kinds.json5`.
enum Fixtures {
    /// The bytes of `Fixtures/NAME`.
    static func data(_ name: String) throws -> Data {
        let base = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
        return try Data(contentsOf: base.appendingPathComponent(name))
    }

    /// The repository's `Rules/kinds.json5`.
    static var kindsURL: URL { Repository.rules.appendingPathComponent("kinds.json5") }

    static func kinds() throws -> KindMapping {
        try KindMapping.load(from: kindsURL)
    }

    /// The repository's `Rules/gazetteer.json5`.
    static func gazetteer() throws -> Gazetteer {
        try Gazetteer.load(from: Repository.rules.appendingPathComponent("gazetteer.json5"))
    }

    /// A parser with the repository's kinds and gazetteer, as the daemon reads feeds.
    static func parser(source: String? = nil, defaultCountries: [String] = []) throws -> FeedParser {
        FeedParser(options: ParserOptions(kinds: try kinds(), gazetteer: try gazetteer(), source: source,
                                          defaultCountries: defaultCountries))
    }

    /// Parses a fixture with format detection.
    static func parse(_ name: String, source: String? = nil, defaultCountries: [String] = []) throws -> ParseResult {
        try parser(source: source, defaultCountries: defaultCountries).parse(try data(name))
    }

    static func date(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }
}
