/// A JSON5 syntax error and where it is.
public struct JSON5SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the reader stopped.
    public var position: SourcePosition
    /// What it expected or found.
    public var message: String

    public var description: String { "\(position): \(message)" }
}

/// A position-aware JSON5 reader (https://spec.json5.org): comments, trailing commas, unquoted keys,
/// single-quoted strings, hexadecimal numbers, `Infinity`/`NaN`, line continuations.
///
/// Written for `Rules/` because `JSONDecoder.allowsJSON5` reports no line and column for the problems
/// the rule checker finds after parsing (an unknown field, a reference to nothing).
public struct JSON5Reader {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1

    /// The deepest nesting accepted, so that a hostile file cannot exhaust the stack.
    public static let maximumDepth = 128

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one JSON5 document.
    /// - Throws: ``JSON5SyntaxError`` with the line and column of the first problem.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSON5SyntaxError) -> JSON5Node {
        var reader = JSON5Reader(Array(bytes))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        try reader.skipSpace()
        let node = try reader.value(depth: 0)
        try reader.skipSpace()
        if reader.index < reader.bytes.count { throw reader.error("unexpected \(reader.describeCurrent()) after the end of the document") }
        return node
    }

    /// Parses one JSON5 document from text.
    public static func parse(_ text: String) throws(JSON5SyntaxError) -> JSON5Node { try parse(Array(text.utf8)) }

    private var position: SourcePosition { SourcePosition(line: line, column: column) }

    private func error(_ message: String) -> JSON5SyntaxError { JSON5SyntaxError(position: position, message: message) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7f { return "'\(Character(Unicode.Scalar(byte)))'" }
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
    }

    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == 0x0A {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private mutating func skipSpace() throws(JSON5SyntaxError) {
        while let byte = current {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                advance()
            case 0x2F where index + 1 < bytes.count && bytes[index + 1] == 0x2F:
                while let next = current, next != 0x0A { advance() }
            case 0x2F where index + 1 < bytes.count && bytes[index + 1] == 0x2A:
                let start = position
                advance(); advance()
                var closed = false
                while index < bytes.count {
                    if bytes[index] == 0x2A, index + 1 < bytes.count, bytes[index + 1] == 0x2F {
                        advance(); advance()
                        closed = true
                        break
                    }
                    advance()
                }
                if !closed { throw JSON5SyntaxError(position: start, message: "unterminated block comment") }
            case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0xA0:
                advance(); advance()
            case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBB && bytes[index + 2] == 0xBF:
                advance(); advance(); advance()
            case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                advance(); advance(); advance()
            default:
                return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSON5SyntaxError) -> JSON5Node {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        let start = position
        guard let byte = current else { throw error("unexpected end of file, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return JSON5Node(try object(depth: depth), at: start)
        case UInt8(ascii: "["): return JSON5Node(try array(depth: depth), at: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return JSON5Node(.string(try string()), at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSON5Node(try number(), at: start)
        default:
            let word = identifierWord()
            switch word {
            case "true": return JSON5Node(.bool(true), at: start)
            case "false": return JSON5Node(.bool(false), at: start)
            case "null": return JSON5Node(.null, at: start)
            case "Infinity": return JSON5Node(.number(.infinity, isInteger: false), at: start)
            case "NaN": return JSON5Node(.number(.nan, isInteger: false), at: start)
            case "": throw error("unexpected \(describeCurrent()), expected a value")
            default: throw JSON5SyntaxError(position: start, message: "unexpected '\(word)', expected a value (strings need quotes)")
            }
        }
    }

    private mutating func identifierWord() -> String {
        let start = index
        while let byte = current, byte == 0x5F || byte == 0x24 || byte >= 0x80
            || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) {
            advance()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func object(depth: Int) throws(JSON5SyntaxError) -> JSON5Value {
        let open = position
        advance()
        var members: [JSON5Member] = []
        // Duplicate keys: rules' objects have a handful of members, for which comparing with each is cheaper
        // than hashing every key; a set takes over for large objects (a hostile file cannot make it quadratic).
        var seen: Set<String>?
        while true {
            try skipSpace()
            guard let byte = current else { throw JSON5SyntaxError(position: open, message: "unterminated object (missing '}')") }
            if byte == UInt8(ascii: "}") {
                advance()
                return .object(members)
            }
            let keyPosition = position
            let key: String
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                key = try string()
            } else {
                if byte >= 0x30 && byte <= 0x39 { throw error("unexpected \(describeCurrent()), expected a key") }
                key = identifierWord()
                if key.isEmpty { throw error("unexpected \(describeCurrent()), expected a key or '}'") }
            }
            try skipSpace()
            guard current == UInt8(ascii: ":") else { throw error("unexpected \(describeCurrent()), expected ':' after key '\(key)'") }
            advance()
            try skipSpace()
            let node = try value(depth: depth + 1)
            if Self.isDuplicate(key, in: members, &seen) { throw JSON5SyntaxError(position: keyPosition, message: "duplicate key '\(key)'") }
            members.append(JSON5Member(key: key, keyPosition: keyPosition, node: node))
            try skipSpace()
            if current == UInt8(ascii: ",") {
                advance()
            } else if current != UInt8(ascii: "}") {
                throw error("unexpected \(describeCurrent()), expected ',' or '}'")
            }
        }
    }

    /// Whether `key` is already among `members`; from 16 members on, through `seen` (built on first use).
    private static func isDuplicate(_ key: String, in members: [JSON5Member], _ seen: inout Set<String>?) -> Bool {
        if members.count < 16 { return members.contains { $0.key == key } }
        if seen == nil { seen = Set(members.map(\.key)) }
        return seen?.insert(key).inserted == false
    }

    private mutating func array(depth: Int) throws(JSON5SyntaxError) -> JSON5Value {
        let open = position
        advance()
        var items: [JSON5Node] = []
        while true {
            try skipSpace()
            guard let byte = current else { throw JSON5SyntaxError(position: open, message: "unterminated list (missing ']')") }
            if byte == UInt8(ascii: "]") {
                advance()
                return .array(items)
            }
            items.append(try value(depth: depth + 1))
            try skipSpace()
            if current == UInt8(ascii: ",") {
                advance()
            } else if current != UInt8(ascii: "]") {
                throw error("unexpected \(describeCurrent()), expected ',' or ']'")
            }
        }
    }

    private mutating func string() throws(JSON5SyntaxError) -> String {
        let start = position
        let quote = bytes[index]
        advance()
        // Most strings have no escape: take their bytes in one piece (no line break inside, so only the
        // column moves).
        let contentStart = index
        var scan = index
        var scalars = 0
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == quote || byte == UInt8(ascii: "\\") || byte == 0x0A || byte == 0x0D { break }
            if byte & 0xC0 != 0x80 { scalars += 1 }
            scan += 1
        }
        index = scan
        column += scalars
        if scan < bytes.count && bytes[scan] == quote {
            advance()
            return String(decoding: bytes[contentStart..<scan], as: UTF8.self)
        }
        var out = Array(bytes[contentStart..<scan])
        while true {
            guard let byte = current else { throw JSON5SyntaxError(position: start, message: "unterminated string") }
            if byte == quote {
                advance()
                break
            }
            if byte == 0x0A || byte == 0x0D { throw error("line break inside a string (use \\n)") }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                advance()
                continue
            }
            advance()
            guard let escaped = current else { throw JSON5SyntaxError(position: start, message: "unterminated string") }
            advance()
            switch escaped {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0"): out.append(0x00)
            case 0x0A: break
            case 0x0D: if current == 0x0A { advance() }
            case UInt8(ascii: "x"):
                let value = try hexDigits(2)
                out.append(contentsOf: Array(String(Unicode.Scalar(UInt8(value))).utf8))
            case UInt8(ascii: "u"):
                var value = try hexDigits(4)
                if (0xD800..<0xDC00).contains(value), current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                    advance(); advance()
                    let low = try hexDigits(4)
                    guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(scalar).utf8))
            default:
                out.append(escaped)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hexDigits(_ count: Int) throws(JSON5SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let byte = current, let digit = Self.hexValue(byte) else { throw error("expected a hexadecimal digit") }
            value = value * 16 + UInt32(digit)
            advance()
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    private mutating func number() throws(JSON5SyntaxError) -> JSON5Value {
        let start = index
        var negative = false
        if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") {
            negative = current == UInt8(ascii: "-")
            advance()
        }
        if current == UInt8(ascii: "I") || current == UInt8(ascii: "N") {
            let word = identifierWord()
            if word == "Infinity" { return .number(negative ? -.infinity : .infinity, isInteger: false) }
            if word == "NaN" { return .number(.nan, isInteger: false) }
            throw error("invalid number")
        }
        if current == UInt8(ascii: "0"), index + 1 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            advance(); advance()
            var value: Double = 0
            var digits = 0
            while let byte = current, let digit = Self.hexValue(byte) {
                value = value * 16 + Double(digit)
                digits += 1
                advance()
            }
            if digits == 0 { throw error("expected hexadecimal digits") }
            return .number(negative ? -value : value, isInteger: true)
        }
        var isInteger = true
        var sawDigit = false
        while let byte = current, byte >= 0x30 && byte <= 0x39 { sawDigit = true; advance() }
        if current == UInt8(ascii: ".") {
            isInteger = false
            advance()
            while let byte = current, byte >= 0x30 && byte <= 0x39 { sawDigit = true; advance() }
        }
        if !sawDigit { throw error("invalid number") }
        if let byte = current, byte | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            advance()
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
            var exponentDigits = 0
            while let byte = current, byte >= 0x30 && byte <= 0x39 { exponentDigits += 1; advance() }
            if exponentDigits == 0 { throw error("invalid number exponent") }
        }
        if let byte = current, byte == 0x5F || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) {
            throw error("unexpected \(describeCurrent()) in a number")
        }
        var text = String(decoding: bytes[start..<index], as: UTF8.self)
        if text.hasPrefix("+") { text.removeFirst() }
        if text.hasPrefix(".") { text = "0" + text } else if text.hasPrefix("-.") { text = "-0" + text.dropFirst() }
        if text.hasSuffix(".") { text += "0" }
        guard let value = Double(text) else { throw error("invalid number '\(text)'") }
        return .number(value, isInteger: isInteger)
    }
}
