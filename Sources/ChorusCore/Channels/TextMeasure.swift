import Foundation

/// A way of measuring a post's length, as the channels of PRODUCT.md §6 do.
public enum TextMeasure: String, Sendable, Hashable, Codable {
    /// twitter-text v3: NFC, then code points 0–4351, 8192–8205, 8208–8223 and 8242–8247 weigh 1,
    /// every other code point 2; an emoji (a whole sequence: flag, skin tone, ZWJ family) weighs 2;
    /// every URL weighs 23.
    case twitterWeighted
    /// Mastodon: characters (grapheme clusters), every URL counts 23.
    case charactersWithShortURLs
    /// User-perceived characters (grapheme clusters), as Bluesky counts its 300.
    case graphemes

    /// The weight every URL counts for on X and Mastodon.
    public static let urlWeight = 23

    /// Measures `text`.
    public func length(of text: String) -> Int {
        switch self {
        case .graphemes:
            return text.count
        case .charactersWithShortURLs:
            return Self.splitURLs(text).reduce(0) { $0 + ($1.isURL ? Self.urlWeight : $1.text.count) }
        case .twitterWeighted:
            let normalized = text.precomposedStringWithCanonicalMapping
            return Self.splitURLs(normalized).reduce(0) { $0 + ($1.isURL ? Self.urlWeight : Self.twitterWeight(of: $1.text)) }
        }
    }

    /// twitter-text v3 weight of text without URLs.
    static func twitterWeight(of text: Substring) -> Int {
        var total = 0
        for character in text {
            if Self.isEmoji(character) {
                total += 2
                continue
            }
            for scalar in character.unicodeScalars {
                let value = scalar.value
                let light = value <= 4351 || (8192...8205).contains(value) || (8208...8223).contains(value)
                    || (8242...8247).contains(value)
                total += light ? 1 : 2
            }
        }
        return total
    }

    /// Whether a grapheme cluster is an emoji as twitter-text's emoji parser sees one.
    static func isEmoji(_ character: Character) -> Bool {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return false }
        if (0x1F1E6...0x1F1FF).contains(first.value) { return true }
        if first.properties.isEmojiPresentation { return true }
        if first.properties.isEmoji && first.value > 0xFF {
            return scalars.contains { $0.value == 0xFE0F || $0.value == 0x200D || (0x1F3FB...0x1F3FF).contains($0.value) }
                || scalars.count == 1 && first.value >= 0x1F000
        }
        // Keycaps: a digit, # or * followed by U+FE0F U+20E3.
        return scalars.contains { $0.value == 0x20E3 }
    }

    /// A piece of text: a URL or the text between URLs.
    struct Piece {
        var text: Substring
        var isURL: Bool
    }

    /// Splits text into URLs (`http://…`, `https://…`, `www.…`, up to the next white space) and the rest.
    static func splitURLs(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var rest = text[...]
        while let start = firstURLStart(in: rest) {
            if start > rest.startIndex { pieces.append(Piece(text: rest[rest.startIndex..<start], isURL: false)) }
            var end = start
            while end < rest.endIndex, !rest[end].isWhitespace { end = rest.index(after: end) }
            // Trailing punctuation belongs to the sentence, not the URL (as twitter-text decides).
            while end > start, let last = rest[..<end].last, ".,;:!?)\"'»".contains(last) { end = rest.index(before: end) }
            pieces.append(Piece(text: rest[start..<end], isURL: true))
            rest = rest[end...]
        }
        if !rest.isEmpty { pieces.append(Piece(text: rest, isURL: false)) }
        return pieces
    }

    private static func firstURLStart(in text: Substring) -> String.Index? {
        var searchFrom = text.startIndex
        while searchFrom < text.endIndex {
            let candidates = ["https://", "http://", "www."].compactMap { text[searchFrom...].range(of: $0, options: .caseInsensitive)?.lowerBound }
            guard let start = candidates.min() else { return nil }
            let atWordStart = start == text.startIndex || text[text.index(before: start)].isWhitespace
                || "([\"'«".contains(text[text.index(before: start)])
            if atWordStart {
                var end = start
                while end < text.endIndex, !text[end].isWhitespace { end = text.index(after: end) }
                let body = text[start..<end]
                let host = body.lowercased().replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
                if host.contains(".") && host.count > 4 { return start }
            }
            searchFrom = text.index(after: start)
        }
        return nil
    }
}
