/// Joins the items of a list as each supported language does: *A, B and C* (*A, B, and C* in American
/// English), *A, B und C*, *A, B et C*, *A, B y C* (*e* before an *i* sound: *Siria e Irak*),
/// *A, B וC* (the conjunction joins the word), *A وB وC*.
///
/// ICU's list formatting is not used: it puts directional isolates and a hyphen around Hebrew items
/// (*ו-⁨…⁩*), which a Hebrew reader would never write.
public enum ListJoining {
    /// `items` joined in `language` (a primary tag: `en`, `de`, …).
    public static func join(_ items: [String], language: String, serialComma: Bool = false) -> String {
        guard let last = items.last else { return "" }
        guard items.count > 1 else { return last }
        let head = items.dropLast()
        switch language {
        case "ar":
            return items.dropFirst().reduce(items[0]) { $0 + " و" + $1 }
        case "he":
            return head.joined(separator: ", ") + " ו" + last
        case "de":
            return head.joined(separator: ", ") + " und " + last
        case "fr":
            return head.joined(separator: ", ") + " et " + last
        case "es":
            return head.joined(separator: ", ") + (startsWithISound(last) ? " e " : " y ") + last
        default:
            return head.joined(separator: ", ") + (serialComma && items.count > 2 ? ", and " : " and ") + last
        }
    }

    /// Whether a Spanish word begins with the vowel *i* (*Irak*, *Israel*, *Hispania*), where *y* becomes
    /// *e*; not before a diphthong (*hierro*, *Hialeah*).
    static func startsWithISound(_ text: String) -> Bool {
        let lower = text.lowercased()
        let word = lower.hasPrefix("h") ? lower.dropFirst() : Substring(lower)
        guard let first = word.first, first == "i" || first == "í" else { return false }
        guard lower.hasPrefix("h"), let second = word.dropFirst().first else { return true }
        return !"aeiouáéó".contains(second)
    }
}
