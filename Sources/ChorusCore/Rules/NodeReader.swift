/// Reads typed values out of a parsed JSON5 file, collecting every problem as a ``RuleDiagnostic``
/// instead of stopping at the first one.
///
/// The one reader of JSON5 files with positions: the rules directory, and the configuration file
/// (`ChorusService`), so that every file's problems read alike (`FILE:LINE:COL: message`).
public struct NodeReader {
    /// The file the problems are reported in.
    public let file: String
    /// Every problem found so far, in the order found.
    public private(set) var diagnostics: [RuleDiagnostic] = []

    /// A reader for `file` (as the problems should name it).
    public init(file: String) { self.file = file }

    /// Records a problem at `node` (or, without a node, at `path`).
    public mutating func report(_ node: JSON5Node?, _ path: String, _ message: String) {
        diagnostics.append(RuleDiagnostic(file: file, position: node?.position, path: path, message: message))
    }

    /// Records a problem at `position` (or, without one, at `path`).
    public mutating func report(at position: SourcePosition?, _ path: String, _ message: String) {
        diagnostics.append(RuleDiagnostic(file: file, position: position, path: path, message: message))
    }

    /// Records a warning at `node`: something the author should look at that does not stop the rules.
    public mutating func warn(_ node: JSON5Node?, _ path: String, _ message: String) {
        diagnostics.append(RuleDiagnostic(file: file, position: node?.position, path: path, message: message, severity: .warning))
    }

    /// The message for a key that is not one of `allowed`, with the likeliest meant key: the one wording of
    /// an unknown field in every file chorus reads.
    public static func unknownField(_ key: String, allowed: [String]) -> String {
        let suggestion = closest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
        return "unknown field '\(key)'\(suggestion); allowed: \(allowed.joined(separator: ", "))"
    }

    /// The members of an object; unknown keys and missing required keys are reported.
    ///
    /// Paths are taken as autoclosures here and below: they are only built for a problem, and building
    /// "participants[3].channels" for every field of every rule file was a large part of start-up.
    public mutating func object(_ node: JSON5Node, _ path: @autoclosure () -> String, allowed: [String], required: [String] = []) -> JSON5Fields? {
        guard case .object(let members) = node.value else {
            report(node, path(), "expected an object, found \(node.value.typeName)")
            return nil
        }
        var result = JSON5Fields()
        var suggested: Set<String> = []
        for member in members {
            if allowed.contains(member.key) {
                result.append(member)
            } else {
                if let closest = Self.closest(to: member.key, in: allowed) { suggested.insert(closest) }
                report(at: member.keyPosition, Self.join(path(), member.key), Self.unknownField(member.key, allowed: allowed))
            }
        }
        // A misspelt required field is reported once, as the unknown field with its suggestion.
        for key in required where result[key] == nil && !suggested.contains(key) {
            report(at: nil, Self.join(path(), key), "missing required field '\(key)'")
        }
        return result
    }

    public mutating func string(_ node: JSON5Node, _ path: @autoclosure () -> String) -> String? {
        guard case .string(let text) = node.value else {
            report(node, path(), "expected a string, found \(node.value.typeName)")
            return nil
        }
        // Only spaces and tabs, as `trimmingSpaces()` removes, without building the trimmed copy of every text.
        if text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            report(node, path(), "must not be empty")
            return nil
        }
        return text
    }

    public mutating func bool(_ node: JSON5Node, _ path: @autoclosure () -> String) -> Bool? {
        guard case .bool(let value) = node.value else {
            report(node, path(), "expected true or false, found \(node.value.typeName)")
            return nil
        }
        return value
    }

    public mutating func number(_ node: JSON5Node, _ path: @autoclosure () -> String) -> Double? {
        guard case .number(let value, _) = node.value, value.isFinite else {
            report(node, path(), "expected a number, found \(node.value.typeName)")
            return nil
        }
        return value
    }

    public mutating func list(_ node: JSON5Node, _ path: @autoclosure () -> String) -> [JSON5Node]? {
        guard case .array(let items) = node.value else {
            report(node, path(), "expected a list, found \(node.value.typeName)")
            return nil
        }
        return items
    }

    /// A string or a list of strings (`"IL"` is `["IL"]`), each with its node; an empty list is an error.
    public mutating func strings(_ node: JSON5Node, _ path: @autoclosure () -> String) -> [(String, JSON5Node, String)]? {
        let base = path()
        if case .string = node.value {
            return string(node, base).map { [($0, node, base)] }
        }
        guard let items = list(node, base) else { return nil }
        if items.isEmpty {
            report(node, base, "an empty list never matches; leave the field out instead")
            return nil
        }
        var result: [(String, JSON5Node, String)] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(base)[\(index)]"
            if let text = string(item, itemPath) { result.append((text, item, itemPath)) }
        }
        return result
    }

    public mutating func duration(_ node: JSON5Node, _ path: @autoclosure () -> String) -> Duration? {
        guard let text = string(node, path()) else { return nil }
        guard let duration = RuleDuration.parse(text) else {
            report(node, path(), "'\(text)' is not a duration (examples: 90s, 30m, 6h, 2d, 1h30m)")
            return nil
        }
        return duration
    }

    /// A value out of a closed set: `"exercise"` for a `Status`.
    public mutating func enumeration<E: RawRepresentable & CaseIterable>(_ node: JSON5Node, _ path: @autoclosure () -> String, _ type: E.Type) -> E?
    where E.RawValue == String {
        guard let text = string(node, path()) else { return nil }
        guard let value = E(rawValue: text) else {
            report(node, path(), "'\(text)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// `path.key`, or `key` at the top.
    public static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The allowed key a typo most likely meant (Levenshtein distance at most 2, or a third of the length).
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let left = Array(a), right = Array(b)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var previous = Array(0...right.count)
        for i in 1...left.count {
            var row = [i] + Array(repeating: 0, count: right.count)
            for j in 1...right.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[right.count]
    }
}
