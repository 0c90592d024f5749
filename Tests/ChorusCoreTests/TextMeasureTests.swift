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
}
