/// Finds texts that would go out word for word under two different senders — what reads as a bot campaign
/// side by side, and erases the differences between governments (PRODUCT.md §10: no two senders post the
/// same text).
///
/// One function for every place that must notice: `rules check` runs it on each rule's texts, `rules test`
/// on the drafts it renders, and `review show` on a bundle's live drafts after reviewers' edits.
public enum IdenticalTexts {
    /// One text and who would post it.
    public struct Item: Sendable, Hashable {
        /// The sender (a participant's id).
        public var sender: String
        /// The text.
        public var text: String

        /// Creates an item.
        public init(sender: String, text: String) {
            self.sender = sender
            self.text = text
        }
    }

    /// The groups of items (their indices, in order) whose texts are the same once a leading drill marker
    /// and runs of white space are set aside, and that come from at least two different senders. Empty
    /// texts never count. Groups are in the order of their first item.
    public static func groups(_ items: [Item]) -> [[Int]] {
        var byText: [String: [Int]] = [:]
        var order: [String] = []
        for (index, item) in items.enumerated() {
            let key = normalized(item.text)
            guard !key.isEmpty else { continue }
            if byText[key] == nil { order.append(key) }
            byText[key, default: []].append(index)
        }
        return order.compactMap { key in
            guard let indices = byText[key], Set(indices.map { items[$0].sender }).count > 1 else { return nil }
            return indices
        }
    }

    /// The text as it reads: without a leading drill marker, with white space runs as one space, trimmed.
    public static func normalized(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            // ASCII is answered without the Unicode tables (most of every text; `rules test` asks for each draft).
            let isWhitespace = scalar.isASCII ? (scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)) : scalar.properties.isWhitespace
            if isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        var result = String(scalars)
        for marker in LanguageSupport.drillMarkers.values where result.hasPrefix(marker + " ") || result == marker {
            result.removeFirst(min(result.count, marker.count + 1))
            break
        }
        return result
    }
}
