/// What changed between two texts, word by word (white space kept with its word), for the bundle page's
/// "what changed since approval" and the audit's edits. A longest-common-subsequence diff, bounded: texts of
/// more than ``wordLimit`` words are shown as replaced whole rather than compared.
enum TextDiff {
    /// One run of the diff.
    enum Piece: Equatable, Sendable {
        case same(String)
        case removed(String)
        case added(String)
    }

    static let wordLimit = 1500

    static func diff(_ before: String, _ after: String) -> [Piece] {
        let old = words(before), new = words(after)
        guard old.count <= wordLimit, new.count <= wordLimit else {
            return [.removed(before), .added(after)]
        }
        // lengths[i][j]: the LCS of old[i...] and new[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var pieces: [Piece] = []
        func append(_ piece: Piece) {
            switch (pieces.last, piece) {
            case (.same(let a)?, .same(let b)): pieces[pieces.count - 1] = .same(a + b)
            case (.removed(let a)?, .removed(let b)): pieces[pieces.count - 1] = .removed(a + b)
            case (.added(let a)?, .added(let b)): pieces[pieces.count - 1] = .added(a + b)
            default: pieces.append(piece)
            }
        }
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                append(.same(old[i])); i += 1; j += 1
            } else if j < new.count, i == old.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                append(.added(new[j])); j += 1
            } else {
                append(.removed(old[i])); i += 1
            }
        }
        return pieces
    }

    /// Words, each with the white space that follows it.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inSpace = false
        for character in text {
            if character.isWhitespace {
                inSpace = true
            } else if inSpace {
                words.append(current)
                current = ""
                inSpace = false
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The diff as HTML: `<del>` and `<ins>`.
    static func html(_ before: String, _ after: String) -> HTML {
        HTML.join(diff(before, after).map { piece -> HTML in
            switch piece {
            case .same(let text): "\(text)"
            case .removed(let text): "<del>\(text)</del>"
            case .added(let text): "<ins>\(text)</ins>"
            }
        })
    }
}
