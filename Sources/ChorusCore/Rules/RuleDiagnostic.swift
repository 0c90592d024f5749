/// One problem in a rules directory, reported as `FILE:LINE:COL: message` or `FILE: json.path: message`.
public struct RuleDiagnostic: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file, relative to the rules directory (`rules/deadly-attack.json5`).
    public var file: String
    /// Where in the file, when the problem is at a value that exists.
    public var position: SourcePosition?
    /// The JSON path of the problem (`participants[2].channels`), for values that are missing.
    public var path: String
    /// What is wrong, and where possible what to do.
    public var message: String

    /// Creates a diagnostic.
    public init(file: String, position: SourcePosition?, path: String, message: String) {
        self.file = file
        self.position = position
        self.path = path
        self.message = message
    }

    /// The line with `directory` (as the user wrote it) in front of the file name.
    public func formatted(directory: String?) -> String {
        var name = file
        if let directory, !directory.isEmpty {
            name = file.isEmpty ? directory : directory.hasSuffix("/") ? directory + file : directory + "/" + file
        }
        if let position { return "\(name):\(position.line):\(position.column): \(message)" }
        return path.isEmpty ? "\(name): \(message)" : "\(name): \(path): \(message)"
    }

    public var description: String { formatted(directory: nil) }

    public static func < (lhs: RuleDiagnostic, rhs: RuleDiagnostic) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        let left = lhs.position ?? SourcePosition(line: Int.max, column: 0)
        let right = rhs.position ?? SourcePosition(line: Int.max, column: 0)
        if left != right { return left < right }
        return (lhs.path, lhs.message) < (rhs.path, rhs.message)
    }
}

/// A rules directory that cannot be used.
public enum RuleSetError: Error, Sendable, CustomStringConvertible {
    /// The directory has problems; every one of them is listed.
    case invalid([RuleDiagnostic])

    /// The problems.
    public var diagnostics: [RuleDiagnostic] {
        switch self {
        case .invalid(let diagnostics): return diagnostics
        }
    }

    public var description: String {
        let list = diagnostics
        return "the rules have \(list.count) problem\(list.count == 1 ? "" : "s"):\n" + list.map(\.description).joined(separator: "\n")
    }
}
