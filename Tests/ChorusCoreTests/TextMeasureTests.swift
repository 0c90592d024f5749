import Foundation
import Testing
@testable import ChorusCore

struct TextMeasureTests {
    @Test(arguments: [
        ("Hello", 5),
        ("שלום עולם", 9),                       // Hebrew weighs 1
        ("مرحبا بالعالم", 13),                   // Arabic weighs 1
        ("東京", 4),                              // CJK weighs 2
        ("한국어", 6),
        ("👍", 2),
        ("👍🏽", 2),                                // skin tone: one emoji
        ("🇮🇱", 2),                                // a flag: one emoji
        ("🇩🇪 🇮🇱", 5),
        ("👨‍👩‍👧", 2),                                // ZWJ family: one emoji
        ("a—b", 3),                              // U+2014 is in 8208–8223
        ("“quoted”", 8),                         // U+201C/U+201D weigh 1
        ("…", 2),                                // U+2026 (8230) weighs 2
        ("e\u{301}", 1),                         // NFC first: é
        ("\u{627}\u{654}", 1),                    // NFC first: أ
        ("صُدمنا", 6),                             // harakat weigh 1 each, NFC or not
        ("שָׁלוֹם", 7),                             // so do Hebrew points
        ("‼\u{FE0F}", 2),                         // an emoji below U+231A, by its variation selector
        ("#\u{FE0F}\u{20E3}", 2),                 // a keycap
        ("’‘‛", 3),                              // quotes between U+2000 and U+231A weigh 1
        ("https://www.auswaertiges-amt.de/de/newsroom/very/long/path/that/goes/on", 23),
        ("See https://t.co/x and http://example.org/a.", 4 + 23 + 5 + 23 + 1),
        ("Visit www.gov.il today", 6 + 23 + 6),
        ("#ירושלים 4 הרוגים https://mfa.gov.il", 18 + 23),
    ])
    func twitterWeighting(text: String, expected: Int) {
        #expect(TextMeasure.twitterWeighted.length(of: text) == expected, "\(text)")
    }

    @Test func blueskyCountsGraphemes() {
        #expect(Channel.bluesky.length(of: "🇮🇱 שלום 東京 👨‍👩‍👧") == 11)
        #expect(Channel.bluesky.length(of: "https://example.org") == 19)
    }

    @Test func mastodonShortensURLs() {
        #expect(Channel.mastodon.length(of: "Read https://example.org/a/very/long/path/indeed") == 5 + 23)
    }

    @Test(arguments: Channel.allCases)
    func limitsAreThoseOfTheContract(channel: Channel) {
        let expected: [Channel: Int] = [.x: 280, .facebook: 63_206, .instagram: 2_200, .linkedin: 3_000, .threads: 500,
                                        .bluesky: 300, .mastodon: 500, .telegram: 4_096]
        #expect(channel.limit == expected[channel])
    }

    @Test func exactlyAtTheLimitFitsAndOneMoreDoesNot() {
        let hebrew = String(repeating: "א", count: 280)
        #expect(Channel.x.length(of: hebrew) == 280)
        #expect(Channel.x.length(of: hebrew + "ב") == 281)
        #expect(Channel.x.length(of: String(repeating: "東", count: 140)) == 280)
    }

    @Test func theWhiteSpaceTableIsUnicodesProperty() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(TextMeasure.isWhitespace(scalar) == scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
        }
    }

    /// `needsNormalization` skips these marks: NFC must never compose or decompose one, whatever it follows.
    @Test func reorderedOnlyMarksNeverComposeUnderNFC() {
        let bases = Array(0x41...0x5A) + Array(0x61...0x7A) + Array(0xC0...0x17F) + Array(0x05D0...0x05EA)
            + Array(0x0620...0x064A) + Array(0x0671...0x06D3)
        var checked = 0
        for value in UInt32(0x0590)...0x06FF where TextMeasure.isReorderedOnly(value) {
            guard let mark = Unicode.Scalar(value) else { continue }
            #expect(String(mark).precomposedStringWithCanonicalMapping.unicodeScalars.count == 1, "U+\(String(value, radix: 16))")
            for base in bases {
                var text = String(Unicode.Scalar(UInt32(base))!)
                text.unicodeScalars.append(mark)
                #expect(text.precomposedStringWithCanonicalMapping.unicodeScalars.count == 2,
                        "U+\(String(base, radix: 16)) U+\(String(value, radix: 16))")
            }
            checked += 1
        }
        #expect(checked > 100)
        // And the three that do compose are not among them.
        #expect(!TextMeasure.isReorderedOnly(0x0653) && !TextMeasure.isReorderedOnly(0x0654) && !TextMeasure.isReorderedOnly(0x0655))
    }

    /// The scalar-by-scalar weight is taken only where no cluster can be an emoji: it must agree with
    /// weighing cluster by cluster on any text without a scalar from U+231A, FE0F, 200D or 20E3.
    @Test func weighingByScalarsAgreesWithWeighingByClusters() {
        let alphabet: [UInt32] = [0x41, 0x20, 0x23, 0x2A, 0x31, 0xA9, 0xAE, 0x301, 0x5D0, 0x5B8, 0x627, 0x64F, 0x651, 0x1100,
                                  0x1161, 0x200C, 0x200E, 0x2014, 0x2019, 0x2026, 0x203C, 0x2049, 0x20AC, 0x2122, 0x2139,
                                  0x2194, 0x21A9, 0x2300, 0x2319]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let scalars = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                Unicode.Scalar(alphabet.randomElement(using: &generator)!)!
            }
            let slice = ArraySlice(scalars)
            #expect(TextMeasure.twitterWeight(of: slice) == TextMeasure.twitterWeightByClusters(of: slice),
                    "\(scalars.map { String($0.value, radix: 16) })")
        }
    }
}
