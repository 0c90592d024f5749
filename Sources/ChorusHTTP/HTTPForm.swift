/// Fields of an `application/x-www-form-urlencoded` body or query string: `+` is a space, `%XX` a byte,
/// and the decoded bytes must be UTF-8 without control characters other than tab, CR and LF (text areas).
public struct HTTPForm: Sendable {
    /// Why a form could not be read.
    public enum Error: Swift.Error, Sendable, Equatable {
        /// A `%` not followed by two hex digits.
        case badEscape
        /// The decoded bytes are not UTF-8, or hold a control character.
        case notText
    }

    /// The fields in order.
    public var fields: [(name: String, value: String)]

    /// A form without fields.
    public init() { fields = [] }

    /// Reads an encoded body.
    public init(encoded: [UInt8]) throws(Error) {
        fields = []
        guard !encoded.isEmpty else { return }
        for pair in encoded.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], plusIsSpace: true, allowLineBreaks: false)
            let value = parts.count > 1 ? try Self.decode(parts[1], plusIsSpace: true, allowLineBreaks: true) : ""
            fields.append((name: name, value: value))
        }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every value of `name`.
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// Percent-decodes `bytes` (and `+` as a space when `plusIsSpace`) into UTF-8 text.
    static func decode(_ bytes: some Collection<UInt8>, plusIsSpace: Bool, allowLineBreaks: Bool) throws(Error) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .badEscape
                }
                decoded.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                decoded.append(UInt8(ascii: " "))
            default:
                decoded.append(byte)
            }
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { throw .notText }
        for scalar in text.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
            guard allowLineBreaks, scalar == "\n" || scalar == "\r" || scalar == "\t" else { throw .notText }
        }
        return text
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `text` encoded for a query string or a form body (unreserved characters as they are, the rest `%XX`).
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
            }
        }
        return out
    }
}
