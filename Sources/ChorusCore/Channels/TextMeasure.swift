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
            let scalars = Array(text.unicodeScalars)
            return Self.pieces(scalars).reduce(0) { total, piece in
                total + (piece.isURL ? Self.urlWeight : Self.string(scalars[piece.range]).count)
            }
        case .twitterWeighted:
            let scalars = Array(Self.needsNormalization(text) ? text.precomposedStringWithCanonicalMapping.unicodeScalars : text.unicodeScalars)
            return Self.pieces(scalars).reduce(0) { total, piece in
                total + (piece.isURL ? Self.urlWeight : Self.twitterWeight(of: scalars[piece.range]))
            }
        }
    }

    /// A run of scalars: a URL or the text between URLs.
    struct Piece {
        var range: Range<Int>
        var isURL: Bool
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Whether NFC could change the weight of `text`: only when it has a combining mark that composes,
    /// Hangul jamo, or one of the few other scalars that compose with what precedes them. Most drafts have
    /// none, and skip the work.
    static func needsNormalization(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let value = scalar.value
            if value < 0x300 { return false }
            if isReorderedOnly(value) { return false }
            if (0x1100...0x11FF).contains(value) || (0xAC00...0xD7A3).contains(value) { return true }
            if [0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
                0x0DCF, 0x0DDF, 0x102E, 0x1B35].contains(value) { return true }
            return scalar.properties.canonicalCombiningClass != .notReordered
        }
    }

    /// Hebrew points and cantillation marks and Arabic harakat (all but the hamza and madda above and
    /// below, U+0653–U+0655): NFC may reorder them but never composes or decomposes them, so they leave
    /// the weight alone. `TextMeasureTests` checks every one against Foundation's NFC.
    static func isReorderedOnly(_ value: UInt32) -> Bool {
        (0x0591...0x05C7).contains(value) || (0x0610...0x061A).contains(value) || (0x064B...0x0652).contains(value)
            || (0x0656...0x065F).contains(value) || value == 0x0670 || (0x06D6...0x06ED).contains(value)
    }

    /// Unicode's White_Space property, written out: it is small and fixed, and looking the property up
    /// costs more than measuring the rest of a post.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// twitter-text v3 weight of text without URLs.
    static func twitterWeight(of scalars: ArraySlice<Unicode.Scalar>) -> Int {
        // Emoji need grapheme clusters. A cluster can only be an emoji (see `isEmoji`) with a scalar from
        // U+231A up, a variation selector, a zero-width joiner or a keycap: without any, weigh scalar by scalar.
        guard scalars.contains(where: { $0.value >= 0x231A || $0.value == 0xFE0F || $0.value == 0x200D || $0.value == 0x20E3 }) else {
            return scalars.reduce(0) { $0 + scalarWeight($1) }
        }
        return twitterWeightByClusters(of: scalars)
    }

    /// twitter-text v3 weight of text without URLs, grapheme cluster by grapheme cluster.
    static func twitterWeightByClusters(of scalars: ArraySlice<Unicode.Scalar>) -> Int {
        var total = 0
        for character in string(scalars) {
            if isEmoji(character) {
                total += 2
                continue
            }
            for scalar in character.unicodeScalars { total += scalarWeight(scalar) }
        }
        return total
    }

    /// A code point's weight outside emoji: 1 for 0–4351, 8192–8205, 8208–8223 and 8242–8247, else 2.
    static func scalarWeight(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        let light = value <= 4351 || (8192...8205).contains(value) || (8208...8223).contains(value) || (8242...8247).contains(value)
        return light ? 1 : 2
    }

    /// Whether a grapheme cluster is an emoji as twitter-text's emoji parser sees one.
    static func isEmoji(_ character: Character) -> Bool {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return false }
        // A lone scalar below U+231A (the first emoji-presentation code point) is never an emoji here:
        // Hebrew, Arabic, isolates and typographic quotes skip the property look-ups.
        if first.value < 0x231A, scalars.index(after: scalars.startIndex) == scalars.endIndex { return false }
        if (0x1F1E6...0x1F1FF).contains(first.value) { return true }
        if first.properties.isEmojiPresentation { return true }
        if first.properties.isEmoji && first.value > 0xFF {
            return scalars.contains { $0.value == 0xFE0F || $0.value == 0x200D || (0x1F3FB...0x1F3FF).contains($0.value) }
                || scalars.count == 1 && first.value >= 0x1F000
        }
        // Keycaps: a digit, # or * followed by U+FE0F U+20E3.
        return scalars.contains { $0.value == 0x20E3 }
    }

    /// Splits scalars into URLs (`http://…`, `https://…`, `www.…` at the start of a word, up to the next
    /// white space, without trailing punctuation, with a dot in the host) and the text between them.
    static func pieces(_ scalars: [Unicode.Scalar]) -> [Piece] {
        var pieces: [Piece] = []
        var textStart = 0
        var index = 0
        func opensWord(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x28, 0x5B, 0x22, 0x27, 0xAB: return true  // ( [ " ' «
            default: return false
            }
        }
        func closesSentence(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x29, 0x22, 0x27, 0xBB: return true  // . , ; : ! ? ) " ' »
            default: return false
            }
        }
        func lower(_ scalar: Unicode.Scalar) -> UInt32 {
            (65...90).contains(scalar.value) ? scalar.value + 32 : scalar.value
        }
        func hasPrefix(_ prefix: String, at position: Int) -> Bool {
            var offset = position
            for scalar in prefix.unicodeScalars {
                guard offset < scalars.count, lower(scalars[offset]) == scalar.value else { return false }
                offset += 1
            }
            return true
        }
        while index < scalars.count {
            let value = lower(scalars[index])
            let atWordStart = index == 0 || isWhitespace(scalars[index - 1]) || opensWord(scalars[index - 1])
            guard atWordStart, value == 0x68 || value == 0x77 else {
                index += 1
                continue
            }
            var hostStart: Int?
            for prefix in ["https://", "http://", "www."] where hasPrefix(prefix, at: index) {
                hostStart = index + (prefix == "www." ? 0 : prefix.unicodeScalars.count)
                break
            }
            guard let hostStart else {
                index += 1
                continue
            }
            var end = index
            while end < scalars.count, !isWhitespace(scalars[end]) { end += 1 }
            while end > index, closesSentence(scalars[end - 1]) { end -= 1 }
            let host = scalars[hostStart..<end]
            guard host.count > 4, host.contains(".") else {
                index += 1
                continue
            }
            if index > textStart { pieces.append(Piece(range: textStart..<index, isURL: false)) }
            pieces.append(Piece(range: index..<end, isURL: true))
            textStart = end
            index = end
        }
        if textStart < scalars.count { pieces.append(Piece(range: textStart..<scalars.count, isURL: false)) }
        return pieces
    }
}
