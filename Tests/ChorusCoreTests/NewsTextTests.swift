import Testing
@testable import ChorusCore

/// ``NewsText/words(_:limit:)`` reads UTF-8 bytes; these are the foldings its documentation promises, one
/// script and one edge at a time.
@Suite struct NewsTextTests {
    @Test(arguments: [
        ("Gunman KILLS 4 in Las-Vegas shooting!", ["gunman", "kills", "4", "in", "las", "vegas", "shooting"]),
        // Latin letters without their accents, ß as ss, ligatures spelled out; × and ÷ separate.
        ("Über Straße à Besançon, Łódź ÆØÅ œuvre", ["uber", "strasse", "a", "besancon", "lodz", "aeoa", "oeuvre"]),
        ("3×4÷2", ["3", "4", "2"]),
        // Latin Extended-B letters decomposed to their base letter (ǎ, ǧ), or lower-cased when they have none.
        ("Ǎǧ", ["ag"]),
        // Thousands separators inside a number, and only there.
        ("1,200 dead, 1.200 Tote, 3.5 km, 12,34 and 1,2345", ["1200", "dead", "1200", "tote", "3", "5", "km", "12", "34", "and", "1", "2345"]),
        ("at 1,000.", ["at", "1000"]),
        // Hebrew without points and geresh; letters kept.
        ("פִּיגּוּעַ בְּירוּשָׁלַיִם צה\"ל ג׳", ["פיגוע", "בירושלים", "צה", "ל", "ג"]),
        // Arabic without vowel marks and tatweel, alef/yeh/teh-marbuta variants one way, Arabic-Indic digits.
        ("قُتِلَ ٣٠ شخصاً في إنفجار بالقاهـرة والجرحى ۱۲", ["قتل", "30", "شخصا", "في", "انفجار", "بالقاهره", "والجرحي", "12"]),
        ("مقتل ١٬٢٠٠", ["مقتل", "1", "200"]),
        ("١,٢٠٠ قتيل", ["1200", "قتيل"]),
        // Other alphabets lower-cased; symbols and emoji separate.
        ("Взрыв в МОСКВЕ 🚨 — Δέλτα", ["взрыв", "в", "москве", "δέλτα"]),
        ("", []),
        ("  ,.;  ", []),
    ])
    func words(_ text: String, _ expected: [String]) {
        #expect(NewsText.words(text) == expected)
    }

    @Test func aLimitStopsTheReading() {
        #expect(NewsText.words("one two three four", limit: 2) == ["one", "two"])
        #expect(NewsText.words("one two", limit: 0) == [])
        let long = String(repeating: "ab ", count: 1_000)
        #expect(NewsText.words(long, limit: 120).count == 120)
    }

    @Test func aSubstringIsReadLikeItsString() {
        let text = "Explosion in Paris: 12 killed"
        let part = text[text.index(text.startIndex, offsetBy: 13)...]
        #expect(NewsText.words(part) == ["paris", "12", "killed"])
        #expect(NewsText.form("  Train   Crashes ") == "train crashes")
    }
}
