import Foundation

/// ISO 3166-1 country codes.
public enum ISO3166 {
    /// Every assigned ISO 3166-1 alpha-2 code that ICU knows (from Foundation's region list).
    public static let alpha2: Set<String> = Set(
        Locale.Region.isoRegions.map(\.identifier).filter { code in
            code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }
        }
    )

    /// Whether `code` is an upper-case ISO 3166-1 alpha-2 code such as `IL` or `DE`.
    public static func isAlpha2(_ code: String) -> Bool { alpha2.contains(code) }
}
