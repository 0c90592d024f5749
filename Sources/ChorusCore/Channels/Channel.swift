/// A social channel a draft is written for, with its length limit (PRODUCT.md §6).
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// X (Twitter): 280, weighted as twitter-text v3 counts.
    case x
    /// Facebook: 63,206 characters.
    case facebook
    /// Instagram captions: 2,200 characters.
    case instagram
    /// LinkedIn posts: 3,000 characters.
    case linkedin
    /// Threads: 500 characters.
    case threads
    /// Bluesky: 300 graphemes.
    case bluesky
    /// Mastodon: 500 characters, URLs count 23.
    case mastodon
    /// Telegram messages: 4,096 characters.
    case telegram

    /// The most a post may measure, in the channel's own unit (see ``TextMeasure``).
    public var limit: Int {
        switch self {
        case .x: return 280
        case .facebook: return 63_206
        case .instagram: return 2_200
        case .linkedin: return 3_000
        case .threads: return 500
        case .bluesky: return 300
        case .mastodon: return 500
        case .telegram: return 4_096
        }
    }

    /// How the channel counts a post's length.
    public var measure: TextMeasure {
        switch self {
        case .x: return .twitterWeighted
        case .mastodon: return .charactersWithShortURLs
        default: return .graphemes
        }
    }

    /// The length of `text` as this channel counts it.
    public func length(of text: String) -> Int { measure.length(of: text) }

    public static func < (lhs: Channel, rhs: Channel) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
