import Foundation

/// A Swift value that can be bound as a query parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter type the value is declared as.
    static var postgresType: PostgresType { get }
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

/// A Swift value that can be read from a result column.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value from PostgreSQL's text output of a column of type `type`.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when the type or text does not fit.
    static func decode(postgresText text: String, type: PostgresType) throws -> Self
    /// The value for SQL NULL; non-optional types throw.
    static func decodeNull() throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull() throws -> Self {
        throw PostgresError(.decoding, message: "is NULL but \(Self.self) was expected")
    }

    static func mismatch(_ type: PostgresType) -> PostgresError {
        PostgresError(.decoding, message: "holds \(type), which does not decode as \(Self.self)")
    }

    /// A value that does not decode; the value itself is not shown (errors never carry values).
    static func invalid() -> PostgresError {
        PostgresError(.decoding, message: "holds a value that is not a valid \(Self.self)")
    }
}

extension PostgresEncodable {
    /// The value as a bound parameter.
    public var postgresBind: PostgresBind { PostgresBind(text: postgresText, type: Self.postgresType) }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String, type: PostgresType) throws -> Self {
        try Wrapped.decode(postgresText: text, type: type)
    }

    public static func decodeNull() throws -> Self { nil }
}

// MARK: - Text

private let textTypes: Set<PostgresType> = [.text, .varchar, .bpchar, .name, .char, .unknown, .json, .jsonb]

extension String: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .text }
    public var postgresText: String { self }

    /// Reads text-like columns, and JSON columns as their JSON text.
    public static func decode(postgresText text: String, type: PostgresType) throws -> String {
        guard textTypes.contains(type) else { throw mismatch(type) }
        return text
    }
}

// MARK: - Numbers

private let integerTypes: Set<PostgresType> = [.int2, .int4, .int8, .oidType]

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .int8 }
    public var postgresText: String { String(self) }

    public static func decode(postgresText text: String, type: PostgresType) throws -> Int {
        guard integerTypes.contains(type) else { throw mismatch(type) }
        guard let value = Int(text) else { throw invalid() }
        return value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .int4 }
    public var postgresText: String { String(self) }

    public static func decode(postgresText text: String, type: PostgresType) throws -> Int32 {
        guard integerTypes.contains(type) else { throw mismatch(type) }
        guard let value = Int32(text) else { throw invalid() }
        return value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .int8 }
    public var postgresText: String { String(self) }

    public static func decode(postgresText text: String, type: PostgresType) throws -> Int64 {
        guard integerTypes.contains(type) else { throw mismatch(type) }
        guard let value = Int64(text) else { throw invalid() }
        return value
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .float8 }

    /// NaN and the infinities as PostgreSQL spells them; finite values round-trip exactly.
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }

    public static func decode(postgresText text: String, type: PostgresType) throws -> Double {
        guard type == .float8 || type == .float4 || type == .numeric || integerTypes.contains(type) else {
            throw mismatch(type)
        }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw invalid() }
            return value
        }
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .bool }
    public var postgresText: String { self ? "t" : "f" }

    public static func decode(postgresText text: String, type: PostgresType) throws -> Bool {
        guard type == .bool else { throw mismatch(type) }
        switch text {
        case "t": return true
        case "f": return false
        default: throw invalid()
        }
    }
}

// MARK: - Time, identity, bytes

extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .timestamptz }
    /// ISO 8601 in UTC with microseconds, which `timestamptz` input accepts whatever the session's settings.
    public var postgresText: String { PostgresTimestamp.format(self) }

    /// Reads `timestamptz` (and `timestamp`, taken as UTC) in the ISO output style the connection sets.
    public static func decode(postgresText text: String, type: PostgresType) throws -> Date {
        guard type == .timestamptz || type == .timestamp else { throw mismatch(type) }
        guard let date = PostgresTimestamp.parse(text) else { throw invalid() }
        return date
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .uuid }
    public var postgresText: String { uuidString.lowercased() }

    public static func decode(postgresText text: String, type: PostgresType) throws -> UUID {
        guard type == .uuid || textTypes.contains(type) else { throw mismatch(type) }
        guard let uuid = UUID(uuidString: text) else { throw invalid() }
        return uuid
    }
}

extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .bytea }

    /// The `\x…` hex form of `bytea`.
    public var postgresText: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: 2 + count * 2)
        bytes[0] = UInt8(ascii: "\\")
        bytes[1] = UInt8(ascii: "x")
        for (offset, byte) in enumerated() {
            bytes[2 + offset * 2] = digits[Int(byte >> 4)]
            bytes[3 + offset * 2] = digits[Int(byte & 0x0F)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func decode(postgresText text: String, type: PostgresType) throws -> Data {
        guard type == .bytea else { throw mismatch(type) }
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw invalid()
        }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 97...102: byte - 87
            case 65...70: byte - 55
            default: nil
            }
        }
        var data = Data(capacity: (utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { throw invalid() }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }
}

// MARK: - JSON

/// A value bound as, or read from, `jsonb`/`json` through `Codable`.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresEncodable, PostgresDecodable {
    /// The wrapped value.
    public var value: Value

    public init(_ value: Value) { self.value = value }

    public static var postgresType: PostgresType { .jsonb }

    /// The value as compact JSON with sorted keys; a value that cannot be encoded binds as JSON `null`.
    public var postgresText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(postgresText text: String, type: PostgresType) throws -> PostgresJSON<Value> {
        guard type == .jsonb || type == .json else { throw mismatch(type) }
        do {
            return PostgresJSON(try JSONDecoder().decode(Value.self, from: Data(text.utf8)))
        } catch {
            // The decoder's description may quote the value: only where it failed is said.
            let path = (error as? DecodingError).map(Self.codingPath) ?? ""
            throw PostgresError(.decoding, message: "JSON does not decode as \(Value.self)" + (path.isEmpty ? "" : " at \(path)"))
        }
    }
}

extension PostgresJSON {
    static func codingPath(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// JSON text that is already serialized, bound as `jsonb` without decoding and re-encoding it.
public struct PostgresJSONText: PostgresEncodable, Hashable {
    /// The JSON text.
    public var text: String

    public init(_ text: String) { self.text = text }

    public static var postgresType: PostgresType { .jsonb }
    public var postgresText: String { text }
}

// MARK: - Arrays

/// An element type that can stand in a one-dimensional PostgreSQL array parameter or column.
public protocol PostgresArrayElement: PostgresEncodable, PostgresDecodable {
    /// The array type of which `Self` is the element (`text[]` for `String`).
    static var postgresArrayType: PostgresType { get }
}

extension String: PostgresArrayElement { public static var postgresArrayType: PostgresType { .textArray } }
extension Int: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int4Array } }
extension Double: PostgresArrayElement { public static var postgresArrayType: PostgresType { .float8Array } }
extension Bool: PostgresArrayElement { public static var postgresArrayType: PostgresType { .boolArray } }
extension Date: PostgresArrayElement { public static var postgresArrayType: PostgresType { .timestamptzArray } }
extension UUID: PostgresArrayElement { public static var postgresArrayType: PostgresType { .uuidArray } }
extension Data: PostgresArrayElement { public static var postgresArrayType: PostgresType { .byteaArray } }
extension PostgresJSONText: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { .jsonbArray }
    public static func decode(postgresText text: String, type: PostgresType) throws -> PostgresJSONText {
        guard type == .jsonb || type == .json else { throw mismatch(type) }
        return PostgresJSONText(text)
    }
}

private let elementTypeOfArray: [PostgresType: PostgresType] = [
    .textArray: .text, .varcharArray: .varchar, .int8Array: .int8, .int4Array: .int4, .int2Array: .int2,
    .float8Array: .float8, .boolArray: .bool, .timestamptzArray: .timestamptz, .uuidArray: .uuid,
    .byteaArray: .bytea, .jsonbArray: .jsonb,
]

/// Arrays bind as one array parameter — the fast way to write many rows at once:
/// `INSERT … SELECT * FROM unnest(\(ids), \(names))`.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.postgresArrayType }
    public var postgresText: String { PostgresArrayLiteral.encode(map { Optional($0.postgresText) }) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public static func decode(postgresText text: String, type: PostgresType) throws -> [Element] {
        guard let elementType = elementTypeOfArray[type] else { throw mismatch(type) }
        guard let items = PostgresArrayLiteral.parse(text) else { throw invalid() }
        return try items.map { item in
            guard let item else { return try Element.decodeNull() }
            return try Element.decode(postgresText: item, type: elementType)
        }
    }
}

/// An array whose elements may be NULL, bound as one array parameter (`unnest` gives NULL rows).
public struct PostgresNullableArray<Element: PostgresArrayElement>: PostgresEncodable {
    /// The elements; `nil` is NULL.
    public var elements: [Element?]

    public init(_ elements: [Element?]) { self.elements = elements }

    public static var postgresType: PostgresType { Element.postgresArrayType }
    public var postgresText: String { PostgresArrayLiteral.encode(elements.map { $0?.postgresText }) }
}

extension PostgresNullableArray: PostgresDecodable {
    public static func decode(postgresText text: String, type: PostgresType) throws -> PostgresNullableArray {
        guard let elementType = elementTypeOfArray[type] else { throw mismatch(type) }
        guard let items = PostgresArrayLiteral.parse(text) else { throw invalid() }
        return PostgresNullableArray(try items.map { item in
            try item.map { try Element.decode(postgresText: $0, type: elementType) }
        })
    }
}

/// The text form of one-dimensional arrays: `{"a","b c",NULL}`.
enum PostgresArrayLiteral {
    static func encode(_ items: [String?]) -> String {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(items.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard var item else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(quote)
            // Copied in runs between the bytes that need a backslash: most values have none.
            item.withUTF8 { utf8 in
                var runStart = 0
                for position in utf8.indices where utf8[position] == quote || utf8[position] == backslash {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
                    bytes.append(backslash)
                    runStart = position
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
            bytes.append(quote)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The elements of a one-dimensional array literal; `nil` when `text` is not one.
    static func parse(_ text: String) -> [String?]? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var items: [String?] = []
        var index = 1
        let end = bytes.count - 1
        if index == end { return [] }
        while index < end {
            var element: [UInt8] = []
            var quoted = false
            if bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "{") { return nil }
                    element.append(bytes[index])
                    index += 1
                }
            }
            let string = String(decoding: element, as: UTF8.self)
            items.append(!quoted && string == "NULL" ? nil : string)
            if index < end {
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
                if index == end { return nil }
            }
        }
        return items
    }
}

/// The `timestamptz` text forms exchanged with the server (the connection sets `DateStyle=ISO` and
/// `TimeZone=UTC`, so output reads `2017-01-08 11:30:00.25+00`).
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = Int(micros / 1_000_000)
        var fraction = Int(micros) - seconds * 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondsOfDay = seconds % 86_400
        if secondsOfDay < 0 {
            secondsOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3600, 2)):"
            + "\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2)).\(pad(fraction, 6))Z"
    }

    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
                index += 1
            }
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), skip(45), let month = number(2), skip(45), let day = number(2),
              skip(32) || skip(84), let hour = number(2), skip(58), let minute = number(2), skip(58),
              let second = number(2) else { return nil }
        var fraction = 0.0
        if skip(46) {
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 {
            let sign = bytes[index] == 45 ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            var minutes = 0
            var secondsPart = 0
            if skip(58) { guard let value = number(2) else { return nil }; minutes = value }
            if skip(58) { guard let value = number(2) else { return nil }; secondsPart = value }
            offset = sign * (hours * 3600 + minutes * 60 + secondsPart)
        } else if skip(90) {
            offset = 0
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
              second < 61 else { return nil }
        let seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    // Howard Hinnant's civil-date algorithms (proleptic Gregorian).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        return era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
