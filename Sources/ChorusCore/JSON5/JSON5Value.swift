/// A line and column in a text file, both counted from 1; columns count Unicode scalars.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The line, from 1.
    public var line: Int
    /// The column, from 1, in Unicode scalars.
    public var column: Int

    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A JSON5 value together with where it starts in its file, so that later checks can point at it.
public struct JSON5Node: Sendable {
    /// Where the value starts.
    public var position: SourcePosition
    /// The value.
    public var value: JSON5Value

    /// Creates a node.
    public init(_ value: JSON5Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

/// A member of a JSON5 object: its key, where the key is, and its value.
public struct JSON5Member: Sendable {
    /// The key.
    public var key: String
    /// Where the key starts.
    public var keyPosition: SourcePosition
    /// The value.
    public var node: JSON5Node
}

/// A parsed JSON5 value. Objects keep their members in file order (duplicates are a syntax error).
///
/// Not `indirect`: arrays and objects already live in their arrays' storage, and boxing every scalar too
/// cost one allocation per value of every rules file at start-up.
public enum JSON5Value: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number; `isInteger` when written without fraction or exponent.
    case number(Double, isInteger: Bool)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON5Node])
    /// An object, members in file order.
    case object([JSON5Member])

    /// A short name of the value's type for messages (`a string`, `an object`).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// The value as plain JSON, for handing to `JSONDecoder`.
    public func jsonText() -> String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value, let isInteger):
            if isInteger, abs(value) < 9.0e15 { return String(Int64(value)) }
            return value.isFinite ? "\(value)" : "null"
        case .string(let text): return JSONString.quoted(text)
        case .array(let items): return "[" + items.map { $0.value.jsonText() }.joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { JSONString.quoted($0.key) + ":" + $0.node.value.jsonText() }.joined(separator: ",") + "}"
        }
    }
}

/// The members of an object that ``NodeReader/object(_:_:allowed:required:)`` accepted, by key.
///
/// Looked up by comparing keys in file order: a rules file's objects have a few members each, for which
/// that is cheaper than building and hashing a dictionary per object (start-up reads thousands).
public struct JSON5Fields: Sendable {
    private var members: [JSON5Member] = []

    /// No members yet.
    public init() {}

    /// The value of `key`, if the object has it.
    public subscript(key: String) -> JSON5Node? {
        members.first { $0.key == key }?.node
    }

    /// Whether the object had no accepted member.
    public var isEmpty: Bool { members.isEmpty }

    mutating func append(_ member: JSON5Member) { members.append(member) }
}
