/// What a reviewer's new text of a draft must keep, checked before it is stored (PRODUCT.md §7: "an edit of
/// a drill draft keeps its drill marker"), whoever edits — the terminal or the console.
public enum DraftRevision {
    /// `text` with the drill marker of `language` opening it: put back when an edit dropped or moved it.
    /// - Returns: the text to store, and whether the marker had to be put back.
    public static func keepingDrillMarker(_ text: String, language: String) -> (text: String, restored: Bool) {
        let marker = LanguageSupport.drillMarker(for: language)
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" }
        if trimmed.hasPrefix(marker) { return (text, false) }
        var body = String(trimmed)
        if let range = body.range(of: marker + " ") ?? body.range(of: marker) { body.removeSubrange(range) }
        return (marker + " " + body, true)
    }

    /// The script `language` is written in, when Chorus knows it.
    public static func script(of language: String) -> WritingScript? {
        switch language.split(separator: "-").first.map(String.init) ?? language {
        case "en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr": .latin
        case "he", "yi": .hebrew
        case "ar", "fa", "ur": .arabic
        case "ru", "uk", "bg", "sr": .cyrillic
        case "el": .greek
        case "zh", "ja": .han
        default: nil
        }
    }

    /// How many of `text`'s letters are written in each script, leaving out hashtags, @handles and URLs (a
    /// Hebrew post with #WeStandWithIsrael is Hebrew) and the drill markers.
    public static func letters(of text: String) -> [WritingScript: Int] {
        var counts: [WritingScript: Int] = [:]
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            if word.hasPrefix("#") || word.hasPrefix("@") || word.contains("://") || word.hasPrefix("www.") { continue }
            if LanguageSupport.drillMarkers.values.contains(String(word)) { continue }
            for scalar in word.unicodeScalars where scalar.properties.isAlphabetic {
                counts[WritingScript(scalar), default: 0] += 1
            }
        }
        return counts
    }

    /// Whether `text` reads as written in another script than `language`'s: less than half of its letters
    /// (of at least four) are in the language's script. `nil` when it is not; otherwise the script most of
    /// its letters are in.
    public static func otherScript(of text: String, language: String) -> WritingScript? {
        guard let expected = script(of: language) else { return nil }
        let counts = letters(of: text)
        let total = counts.values.reduce(0, +)
        guard total >= 4, 2 * (counts[expected] ?? 0) < total else { return nil }
        return counts.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key
    }
}

/// A writing system, as far as telling a draft's language from a slip of the keyboard needs.
public enum WritingScript: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case latin, hebrew, arabic, cyrillic, greek, han, other

    /// The script of one letter.
    public init(_ scalar: Unicode.Scalar) {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: self = .latin
        case 0x0590...0x05FF, 0xFB1D...0xFB4F: self = .hebrew
        case 0x0600...0x06FF, 0x0750...0x077F, 0x08A0...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: self = .arabic
        case 0x0400...0x052F: self = .cyrillic
        case 0x0370...0x03FF, 0x1F00...0x1FFF: self = .greek
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF: self = .han
        default: self = .other
        }
    }

    /// The script's name for messages ("Hebrew script").
    public var description: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}
