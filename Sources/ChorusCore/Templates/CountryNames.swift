import Foundation

/// Country names for drafts: the name from Foundation (ICU/CLDR), and the prepositional phrases whose
/// grammar a bare name cannot give (`in the United States`, `au Royaume-Uni`, `mit den Vereinigten Staaten`).
///
/// The phrases of the partner countries are written out; other countries get the language's preposition
/// before the CLDR name, which is right for most names and reads acceptably for the rest.
enum CountryNames {
    static func name(_ code: String, language: String) -> String {
        Locale(identifier: language).localizedString(forRegionCode: code) ?? code
    }

    static func phrase(_ code: String, language: String, filter: TemplateFilter?) -> String {
        switch filter {
        case .hashtag?: return hashtag(name(code, language: language))
        case .in?: return locatives[language]?[code] ?? withPreposition(name(code, language: language), language: language, filter: .in)
        case .with?: return comitatives[language]?[code] ?? withPreposition(name(code, language: language), language: language, filter: .with)
        default: return name(code, language: language)
        }
    }

    static func withPreposition(_ name: String, language: String, filter: TemplateFilter?) -> String {
        switch filter {
        case .in?:
            switch language {
            case "he": return "ב" + name
            case "ar": return "في " + name
            case "fr", "es": return "en " + name
            default: return "in " + name
            }
        case .with?:
            switch language {
            case "he": return "עם " + name
            case "ar": return "مع " + name
            case "fr": return "avec " + name
            case "es": return "con " + name
            case "de": return "mit " + name
            default: return "with " + name
            }
        default:
            return name
        }
    }

    /// `#` and the words run together: `Tel Aviv` → `#TelAviv`, `Royaume-Uni` → `#RoyaumeUni`.
    static func hashtag(_ text: String) -> String {
        "#" + String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" }))
    }

    private static let locatives: [String: [String: String]] = [
        "en": ["US": "in the United States", "GB": "in the United Kingdom", "NL": "in the Netherlands", "AE": "in the United Arab Emirates"],
        "de": ["US": "in den Vereinigten Staaten", "GB": "im Vereinigten Königreich", "NL": "in den Niederlanden", "TR": "in der Türkei",
               "CH": "in der Schweiz", "UA": "in der Ukraine", "AE": "in den Vereinigten Arabischen Emiraten"],
        "fr": ["US": "aux États-Unis", "GB": "au Royaume-Uni", "IL": "en Israël", "DE": "en Allemagne", "FR": "en France",
               "MA": "au Maroc", "JP": "au Japon", "CA": "au Canada", "NL": "aux Pays-Bas", "AE": "aux Émirats arabes unis"],
        "es": ["US": "en Estados Unidos", "GB": "en el Reino Unido", "NL": "en los Países Bajos", "AE": "en los Emiratos Árabes Unidos"],
        "he": ["US": "בארצות הברית", "GB": "בבריטניה"],
        "ar": ["US": "في الولايات المتحدة", "GB": "في المملكة المتحدة"],
    ]

    private static let comitatives: [String: [String: String]] = [
        "en": ["US": "with the United States", "GB": "with the United Kingdom", "NL": "with the Netherlands", "AE": "with the United Arab Emirates"],
        "de": ["US": "mit den Vereinigten Staaten", "GB": "mit dem Vereinigten Königreich", "NL": "mit den Niederlanden",
               "TR": "mit der Türkei", "CH": "mit der Schweiz", "UA": "mit der Ukraine", "AE": "mit den Vereinigten Arabischen Emiraten"],
        "fr": ["US": "avec les États-Unis", "GB": "avec le Royaume-Uni", "IL": "avec Israël", "DE": "avec l’Allemagne",
               "FR": "avec la France", "MA": "avec le Maroc", "JP": "avec le Japon", "NL": "avec les Pays-Bas", "UA": "avec l’Ukraine"],
        "es": ["US": "con Estados Unidos", "GB": "con el Reino Unido", "NL": "con los Países Bajos"],
        "he": ["US": "עם ארצות הברית", "GB": "עם בריטניה"],
        "ar": ["US": "مع الولايات المتحدة", "GB": "مع المملكة المتحدة"],
    ]

    /// The colours of a few flags, in English, for action items.
    static let flagColours: [String: [String]] = [
        "IL": ["blue", "white"], "DE": ["black", "red", "gold"], "FR": ["blue", "white", "red"],
        "GB": ["red", "white", "blue"], "US": ["red", "white", "blue"], "UA": ["blue", "yellow"],
        "IT": ["green", "white", "red"], "ES": ["red", "yellow"], "TR": ["red", "white"], "JP": ["white", "red"],
        "NL": ["red", "white", "blue"], "BE": ["black", "yellow", "red"], "AT": ["red", "white"],
        "MA": ["red", "green"], "NP": ["crimson", "blue", "white"], "MX": ["green", "white", "red"],
    ]
}
