/// The colours of flags, in English, for action items (what a landmark's owner is asked to show).
enum FlagColours {
    static let colours: [String: [String]] = [
        "IL": ["blue", "white"], "DE": ["black", "red", "gold"], "FR": ["blue", "white", "red"],
        "GB": ["red", "white", "blue"], "US": ["red", "white", "blue"], "UA": ["blue", "yellow"],
        "IT": ["green", "white", "red"], "ES": ["red", "yellow"], "TR": ["red", "white"], "JP": ["white", "red"],
        "NL": ["red", "white", "blue"], "BE": ["black", "yellow", "red"], "AT": ["red", "white"],
        "MA": ["red", "green"], "NP": ["crimson", "blue", "white"], "MX": ["green", "white", "red"],
        "GR": ["blue", "white"], "SY": ["red", "white", "black", "green"],
    ]
}
