/// Words of free text, the way news classification compares them with its vocabulary.
///
/// One fast pass over the Unicode scalars: lower case; Latin letters without their accents (`é` → `e`,
/// `ß` → `ss`); Hebrew without its points; Arabic without its vowel marks and tatweel, with the alef,
/// yeh and teh-marbuta variants written one way; Arabic-Indic digits as ASCII digits; a thousands
/// separator inside a number dropped (`1,200` and `1.200` → `1200`). Every other character separates
/// words. Vocabulary and text go through the same function, so they always meet.
public enum NewsText {
    /// The script of a word, for the clitics its language attaches in front of words.
    public enum Script: Sendable {
        case other, hebrew, arabic
    }

    /// The words of `text`, at most `limit` of them.
    ///
    /// Read as UTF-8 bytes: ASCII (most of every text) costs a byte compare and an append to a reused
    /// buffer; other scalars are decoded in place. No array of scalars, no `String` built scalar by scalar.
    public static func words(_ text: some StringProtocol, limit: Int = .max) -> [String] {
        var string = String(text)
        return string.withUTF8 { words(utf8: $0, limit: limit) }
    }

    /// The words of valid UTF-8 `bytes`, at most `limit` of them. A word's bytes are written to one scratch
    /// buffer (on the stack for most texts), so a byte costs a store, not an `Array` append.
    static func words(utf8 bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> [String] {
        // A folded scalar never takes more than four times the bytes it was read from (ASCII stays one byte).
        let capacity = bytes.count * 4 + 16
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { word -> [String] in
            var words: [String] = []
            var length = 0
            let count = bytes.count
            var index = 0
            func flush() {
                if length > 0 {
                    words.append(String(decoding: UnsafeBufferPointer(rebasing: word[0..<length]), as: UTF8.self))
                    length = 0
                }
            }
            func put(_ byte: UInt8) {
                word[length] = byte
                length += 1
            }
            func put(_ scalar: Unicode.Scalar) {
                for byte in scalar.utf8 { put(byte) }
            }
            while index < count, words.count < limit {
                let byte = bytes[index]
                if byte < 0x80 {
                    index += 1
                    switch byte {
                    case 0x30...0x39, 0x61...0x7A:
                        put(byte)
                    case 0x41...0x5A:
                        put(byte + 32)
                    case 0x2C, 0x2E:
                        // "1,200" / "1.200": a separator between a digit and exactly three digits joins them.
                        if length > 0, word[length - 1] >= 0x30, word[length - 1] <= 0x39, isThousandsGroup(bytes, at: index) {
                            continue
                        }
                        flush()
                    default:
                        flush()
                    }
                    continue
                }
                let (value, size) = decode(bytes, at: index)
                index += size
                switch value {
                case 0xC0...0x24F:
                    if let folded = latinFolded[Int(value - 0xC0)], length + folded.count <= capacity {
                        for byte in folded { put(byte) }
                    } else {
                        flush()
                    }
                case 0x591...0x5C7, 0x5F3, 0x5F4:
                    continue  // Hebrew points and cantillation; geresh and gershayim
                case 0x5D0...0x5EA:
                    for offset in index - size..<index { put(bytes[offset]) }
                case 0x64B...0x65F, 0x670, 0x640:
                    continue  // Arabic vowel marks, superscript alef, tatweel
                case 0x622, 0x623, 0x625, 0x671:
                    put(0xD8); put(0xA7)  // آ أ إ ٱ → ا
                case 0x649:
                    put(0xD9); put(0x8A)  // ى → ي
                case 0x629:
                    put(0xD9); put(0x87)  // ة → ه
                case 0x621...0x64A, 0x66E...0x6D3:
                    for offset in index - size..<index { put(bytes[offset]) }
                case 0x660...0x669:
                    put(UInt8(value - 0x660 + 0x30))
                case 0x6F0...0x6F9:
                    put(UInt8(value - 0x6F0 + 0x30))
                default:
                    if let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic {
                        let mapping = scalar.properties.lowercaseMapping.unicodeScalars
                        guard length + 4 * mapping.count <= capacity else { break }
                        for lower in mapping { put(lower) }
                    } else {
                        flush()
                    }
                }
            }
            flush()
            return words
        }
    }

    /// The scalar that starts at `index` of valid UTF-8 and how many bytes it takes.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (lead, 1) }
        if lead < 0xE0 { return ((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2) }
        if lead < 0xF0 {
            return ((lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F), 3)
        }
        return ((lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12 | UInt32(bytes[index + 2] & 0x3F) << 6
                | UInt32(bytes[index + 3] & 0x3F), 4)
    }

    /// The words as one string joined by spaces: how vocabulary entries are written down for comparison.
    public static func form(_ text: some StringProtocol) -> String {
        words(text).joined(separator: " ")
    }

    /// The script a word is written in, judged by its first scalar.
    public static func script(of word: String) -> Script {
        // Both ranges are two-byte UTF-8 (lead bytes D7 to DB): read the first two bytes, not a scalar view.
        let utf8 = word.utf8
        guard let lead = utf8.first, lead >= 0xD7, lead <= 0xDB, utf8.count >= 2 else { return .other }
        let first = UInt32(lead & 0x1F) << 6 | UInt32(utf8[utf8.index(after: utf8.startIndex)] & 0x3F)
        if (0x5D0...0x5EA).contains(first) { return .hebrew }
        if (0x621...0x6D3).contains(first) { return .arabic }
        return .other
    }

    /// Whether the UTF-8 `bytes[index...]` start with exactly three digits (ASCII or Arabic-Indic).
    private static func isThousandsGroup(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        var cursor = index
        for _ in 0..<3 {
            guard cursor < bytes.count else { return false }
            let (value, length) = decode(bytes, at: cursor)
            guard isDigit(value) else { return false }
            cursor += length
        }
        return cursor == bytes.count || !isDigit(decode(bytes, at: cursor).0)
    }

    private static func isDigit(_ value: UInt32) -> Bool {
        (0x30...0x39).contains(value) || (0x660...0x669).contains(value) || (0x6F0...0x6F9).contains(value)
    }

    /// ``latinFold(_:)`` of U+00C0…U+024F as UTF-8, computed once.
    private static let latinFolded: [[UInt8]?] = (0xC0...0x24F).map { latinFold(UInt32($0)).map { Array($0.utf8) } }

    /// Latin-1 Supplement and Latin Extended-A/B letters without accents, in lower case.
    private static func latinFold(_ value: UInt32) -> String? {
        if value == 0xD7 || value == 0xF7 { return nil }  // × ÷
        if let direct = latinTable[value] { return direct }
        guard let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic else { return nil }
        // Decompose and keep the base letter.
        let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
        guard let base = decomposed.first, base.isASCII else { return scalar.properties.lowercaseMapping }
        return String(base).lowercased()
    }

    private static let latinTable: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        let rows: [(String, String)] = [
            ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"), ("ÇçĆćĈĉĊċČč", "c"), ("ĎďĐđ", "d"), ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"),
            ("ĜĝĞğĠġĢģ", "g"), ("ĤĥĦħ", "h"), ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"), ("Ĵĵ", "j"), ("Ķķ", "k"),
            ("ĹĺĻļĽľĿŀŁł", "l"), ("ÑñŃńŅņŇň", "n"), ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"), ("ŔŕŖŗŘř", "r"),
            ("ŚśŜŝŞşŠš", "s"), ("ŢţŤťŦŧ", "t"), ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"), ("Ŵŵ", "w"), ("ÝýÿŶŷŸ", "y"),
            ("ŹźŻżŽž", "z"), ("ß", "ss"), ("Ææ", "ae"), ("Œœ", "oe"), ("Ðð", "d"), ("Þþ", "th"),
        ]
        for (letters, base) in rows {
            for scalar in letters.unicodeScalars { table[scalar.value] = base }
        }
        return table
    }()
}

/// A set of phrases found in a text's words: the longest phrase starting at each word wins, and the words it
/// covers are not looked at again (so `counter-terror*` can hide the `terror*` inside it).
///
/// A phrase is written as words separated by spaces (``add(_:value:)`` puts them in ``NewsText`` form):
/// a word matches the same word of the text, a word ending in `*` any word it starts (`terror*` finds
/// `terrorists`), and `…` up to three words of any kind (`expel* … diplomat*` finds "expels 23 British
/// diplomats"). Hebrew and Arabic words are also tried without the one- or two-letter clitics those
/// languages write in front of a word (`ו`, `ה`, `ב`, `ל`, `מ`, `ש`, `כ`; `ال`, `و`, `ب`, `ل`, `ف`), so
/// `פיגוע*` finds `הפיגוע` and `قتلى` finds `القتلى`.
///
/// The first word of every phrase is looked up in a byte trie, so the cost per word of text does not grow
/// with the vocabulary. The trie's edges are an open-addressing table on (node, byte) with a multiplicative
/// hash, and each node's phrases are flagged in an array: a byte of text costs an array probe or two, not
/// a `Dictionary` lookup with its SipHash (classification reads every word of every item through here).
public struct PhraseMatcher: Sendable {
    /// A phrase found: which entry and where.
    public struct Hit: Sendable, Hashable {
        /// The value given for the phrase when it was added.
        public var value: Int
        /// The index of its first word in the text's words.
        public var position: Int
        /// How many words it covers.
        public var length: Int
    }

    /// One element of a written phrase.
    enum Element: Sendable, Hashable {
        case word(String, isPrefix: Bool)
        case gap
    }

    private struct Phrase: Sendable {
        var rest: [Element]
        var value: Int
    }

    /// The longest run of words one `…` may skip.
    static let gapWords = 3

    /// Trie edges: (node << 8 | byte) → node.
    private var edges = EdgeTable()
    /// Phrases whose first word ends at a node: `prefix` ones match any word continuing from there.
    private var prefixPhrases: [Int32: [Phrase]] = [:]
    private var wholePhrases: [Int32: [Phrase]] = [:]
    /// Per node: bit 0 it has prefix phrases, bit 1 whole ones (so that most nodes cost no lookup).
    private var nodeFlags: [UInt8] = [0]
    private var nodeCount: Int32 = 1

    /// (node, byte) → node, open addressing with linear probing; keys are never removed.
    struct EdgeTable: Sendable {
        private var keys: [Int] = Array(repeating: -1, count: 64)
        private var values: [Int32] = Array(repeating: 0, count: 64)
        private var count = 0
        private var shift = 64 - 6

        private func slot(_ key: Int) -> Int { Int(truncatingIfNeeded: UInt(bitPattern: key &* -7_046_029_254_386_353_131) >> UInt(shift)) }

        subscript(key: Int) -> Int32? {
            var index = slot(key)
            let mask = keys.count - 1
            while true {
                let found = keys[index]
                if found == key { return values[index] }
                if found == -1 { return nil }
                index = (index + 1) & mask
            }
        }

        mutating func insert(_ key: Int, _ value: Int32) {
            if (count + 1) * 2 > keys.count { grow() }
            var index = slot(key)
            let mask = keys.count - 1
            while keys[index] != -1 && keys[index] != key { index = (index + 1) & mask }
            if keys[index] == -1 { count += 1 }
            keys[index] = key
            values[index] = value
        }

        private mutating func grow() {
            let oldKeys = keys
            let oldValues = values
            keys = Array(repeating: -1, count: oldKeys.count * 2)
            values = Array(repeating: 0, count: oldKeys.count * 2)
            shift -= 1
            count = 0
            for (index, key) in oldKeys.enumerated() where key != -1 { insert(key, oldValues[index]) }
        }
    }

    /// An empty matcher.
    public init() {}

    /// Whether no phrase was added.
    public var isEmpty: Bool { nodeCount == 1 }

    /// The elements of a written phrase; empty when it holds no word (or starts with `…`).
    static func elements(of phrase: String) -> [Element] {
        var elements: [Element] = []
        for token in phrase.split(whereSeparator: { $0 == " " }) {
            if token == "…" || token == "..." {
                if case .word? = elements.last { elements.append(.gap) }
                continue
            }
            let isPrefix = token.hasSuffix("*")
            let words = NewsText.words(isPrefix ? token.dropLast() : token)
            for (index, word) in words.enumerated() {
                elements.append(.word(word, isPrefix: isPrefix && index == words.count - 1))
            }
        }
        while case .gap? = elements.last { elements.removeLast() }
        guard case .word? = elements.first else { return [] }
        return elements
    }

    /// Adds a written phrase; returns `false` when it holds no word.
    @discardableResult
    public mutating func add(_ phrase: String, value: Int) -> Bool {
        let elements = Self.elements(of: phrase)
        guard case .word(let first, let isPrefix)? = elements.first else { return false }
        var node: Int32 = 0
        for byte in first.utf8 {
            let key = Int(node) << 8 | Int(byte)
            if let next = edges[key] {
                node = next
            } else {
                edges.insert(key, nodeCount)
                node = nodeCount
                nodeCount += 1
                nodeFlags.append(0)
            }
        }
        let entry = Phrase(rest: Array(elements.dropFirst()), value: value)
        if isPrefix {
            prefixPhrases[node, default: []].append(entry)
            nodeFlags[Int(node)] |= 1
        } else {
            wholePhrases[node, default: []].append(entry)
            nodeFlags[Int(node)] |= 2
        }
        return true
    }

    /// The phrases in `words`, left to right; at each position the longest (then the one added first) wins.
    public func hits(in words: [String]) -> [Hit] {
        guard !isEmpty else { return [] }
        var hits: [Hit] = []
        var index = 0
        while index < words.count {
            if let hit = longest(at: index, in: words) {
                hits.append(hit)
                index += hit.length
            } else {
                index += 1
            }
        }
        return hits
    }

    /// How many words `rest` covers from `start`, or `nil` when it does not match there.
    private static func match(_ rest: ArraySlice<Element>, _ words: [String], from start: Int) -> Int? {
        guard let element = rest.first else { return 0 }
        switch element {
        case .word(let word, let isPrefix):
            guard start < words.count else { return nil }
            let text = words[start]
            guard isPrefix ? text.hasPrefix(word) : text == word else { return nil }
            return match(rest.dropFirst(), words, from: start + 1).map { $0 + 1 }
        case .gap:
            for skip in 0...gapWords {
                if let covered = match(rest.dropFirst(), words, from: start + skip) { return covered + skip }
            }
            return nil
        }
    }

    private func longest(at index: Int, in words: [String]) -> Hit? {
        var best: Hit?
        var bestDepth = 0
        // Longer phrases win, then a longer first word (`terrorwarnung*` over `terror*`), then the first added.
        func consider(_ phrase: Phrase, depth: Int) {
            guard let covered = Self.match(phrase.rest[...], words, from: index + 1) else { return }
            let length = 1 + covered
            if let current = best {
                if current.length != length {
                    if current.length > length { return }
                } else if bestDepth != depth {
                    if bestDepth > depth { return }
                } else if current.value <= phrase.value {
                    return
                }
            }
            best = Hit(value: phrase.value, position: index, length: length)
            bestDepth = depth
        }
        var word = words[index]
        let script = NewsText.script(of: word)
        word.withUTF8 { bytes in
            func walk(from start: Int) {
                var node: Int32 = 0
                var depth = 0
                for offset in start..<bytes.count {
                    guard let next = edges[Int(node) << 8 | Int(bytes[offset])] else { break }
                    node = next
                    depth += 1
                    let flags = nodeFlags[Int(next)]
                    if flags == 0 { continue }
                    if flags & 1 != 0, let phrases = prefixPhrases[node] { for phrase in phrases { consider(phrase, depth: depth) } }
                    if offset == bytes.count - 1, flags & 2 != 0, let phrases = wholePhrases[node] {
                        for phrase in phrases { consider(phrase, depth: depth + 1) }
                    }
                }
            }
            walk(from: 0)
            // Hebrew and Arabic: again after each clitic the word may start with (two bytes a letter).
            guard script != .other else { return }
            // Scalars, not bytes, count the letters left (a word may carry digits).
            let scalars = bytes.reduce(0) { $1 & 0xC0 != 0x80 ? $0 + 1 : $0 }
            switch script {
            case .other:
                break
            case .hebrew:
                // Up to two prefix letters, leaving at least two letters.
                var taken = 0
                while taken < 2, taken + 2 < scalars, Self.hebrewPrefixes.contains(Self.letter(bytes, at: 2 * taken)) {
                    taken += 1
                    walk(from: 2 * taken)
                }
            case .arabic:
                for clitic in Self.arabicPrefixes where clitic.count / 2 + 2 <= scalars
                    && clitic.indices.allSatisfy({ clitic[$0] == bytes[$0] }) {
                    walk(from: clitic.count)
                }
            }
        }
        return best
    }

    /// The two-byte letter at `offset` of a Hebrew or Arabic word, as its scalar value.
    private static func letter(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
        UInt32(bytes[offset] & 0x1F) << 6 | UInt32(bytes[offset + 1] & 0x3F)
    }

    private static let hebrewPrefixes: Set<UInt32> = [0x5D5, 0x5D4, 0x5D1, 0x5DC, 0x5DE, 0x5E9, 0x5DB]  // ו ה ב ל מ ש כ
    /// Arabic clitics as UTF-8 (two bytes a letter).
    private static let arabicPrefixes: [[UInt8]] = ["ال", "وال", "بال", "لل", "فال", "و", "ب", "ل", "ف"].map { Array($0.utf8) }
}
