import ChorusCore
import Testing

/// What an edit must keep: the drill marker, and the draft's script.
struct DraftRevisionTests {
    @Test(arguments: [
        ("[ÜBUNG] Wir stehen an der Seite Israels.", "de", "[ÜBUNG] Wir stehen an der Seite Israels.", false),
        ("Wir stehen an der Seite Israels.", "de", "[ÜBUNG] Wir stehen an der Seite Israels.", true),
        ("  Wir stehen [ÜBUNG] an der Seite Israels.", "de", "[ÜBUNG] Wir stehen an der Seite Israels.", true),
        ("אנו עומדים לצד ישראל", "he", "[תרגיל] אנו עומדים לצד ישראל", true),
        ("[DRILL] We stand with Israel.", "en", "[DRILL] We stand with Israel.", false),
    ])
    func theDrillMarkerIsKeptOrPutBack(text: String, language: String, expected: String, restored: Bool) {
        let kept = DraftRevision.keepingDrillMarker(text, language: language)
        #expect(kept.text == expected)
        #expect(kept.restored == restored)
    }

    @Test(arguments: [
        ("אנו עומדים לצד ישראל #WeStandWithIsrael https://example.org/x", "he", nil as WritingScript?),
        ("We stand with Israel", "he", .latin),
        ("Wir stehen an der Seite Israels", "de", nil),
        ("نقف إلى جانب إسرائيل", "de", .arabic),
        ("نقف إلى جانب إسرائيل #Solidarity", "ar", nil),
        ("[תרגיל] OK", "he", nil),  // too few letters to judge
        ("Мы вместе", "en", .cyrillic),
    ])
    func anotherScriptIsNoticed(text: String, language: String, other: WritingScript?) {
        #expect(DraftRevision.otherScript(of: text, language: language) == other)
    }

    @Test func aLanguageWithoutAKnownScriptIsNeverJudged() {
        #expect(DraftRevision.otherScript(of: "anything at all", language: "xx") == nil)
    }
}
