import Testing
@testable import ChorusConsole

/// Markup comes only from literals: every interpolated text is escaped, on bytes, whatever script it is in.
@Suite struct HTMLTests {
    @Test func textIsEscapedMarkupIsNot() {
        let text = "<script>alert('x') & \"y\"</script>"
        let piece: HTML = "<p title=\"\(text)\">\(text)</p>"
        let escaped = "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        #expect(piece.description == "<p title=\"\(escaped)\">\(escaped)</p>")
        #expect(HTML.escape(text) == escaped)
    }

    @Test func multiByteTextAroundTheFive() {
        // Hebrew, Arabic, an emoji with a joiner, a combining accent: their bytes pass as they are.
        let text = "שלום <b> مرحبا & 👩‍⚕️ é\u{301}'"
        let piece: HTML = "\(text)"
        #expect(piece.description == "שלום &lt;b&gt; مرحبا &amp; 👩‍⚕️ é\u{301}&#39;")
        #expect(HTML.escape("no entities here: עברית") == "no entities here: עברית")
        #expect(HTML.escape("") == "")
        #expect(HTML.escape("&") == "&amp;")
    }

    @Test func numbersSubstringsAndPieces() {
        let name = "a<b>c".dropFirst()
        let inner: HTML = "<i>\(name)</i>"
        let pieces: [HTML] = ["<li>1</li>", "<li>\(-2)</li>"]
        let outer: HTML = "<ul data-n=\"\(42)\">\(pieces)</ul>\(inner)"
        #expect(outer.description == "<ul data-n=\"42\"><li>1</li><li>-2</li></ul><i>&lt;b&gt;c</i>")
        #expect(HTML.join([inner, .empty, "x"], separator: " · ").description == "<i>&lt;b&gt;c</i> ·  · x")
        #expect(HTML.join([]).isEmpty && HTML.empty.isEmpty && !inner.isEmpty)
        #expect(HTML.when(false, inner).isEmpty && HTML.when(true, inner).description == inner.description)
        #expect(outer.bytes == Array(outer.description.utf8))
    }
}

/// The avatar's initials on a draft card: the handle's first two letters, upper case, in any script.
@Suite struct InitialsTests {
    @Test func initials() {
        #expect(DraftCard.initials("@IsraelMFA") == "IS")
        #expect(DraftCard.initials("de_auswaertiges") == "DE")
        #expect(DraftCard.initials("@a1-b") == "AB")
        #expect(DraftCard.initials("@שלום") == "של")
        #expect(DraftCard.initials("@xé") == "XÉ")
        #expect(DraftCard.initials("@1") == "")
    }
}
