/// One problem in a rules directory, reported as `FILE:LINE:COL: message` or `FILE: json.path: message`.
public struct RuleDiagnostic: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file, relative to the rules directory (`rules/attack.json5`).
    public var file: String
    /// Where in the file, when the problem is at a value that exists.
    public var position: SourcePosition?
    /// The JSON path of the problem (`participants[2].channels`), for values that are missing.
    public var path: String
    /// What is wrong, and where possible what to do.
    public var message: String
    /// Whether the set cannot be used (an error) or can, but something is probably not what was meant
    /// (a warning: a file the loader does not read).
    public var severity: Severity

    /// How bad a problem is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The rules cannot be used.
        case error
        /// The rules can be used; the author should look.
        case warning
    }

    /// Creates a diagnostic.
    public init(file: String, position: SourcePosition?, path: String, message: String, severity: Severity = .error) {
        self.file = file
        self.position = position
        self.path = path
        self.message = message
        self.severity = severity
    }

    /// Whether it is an error.
    public var isError: Bool { severity == .error }

    /// The line with `directory` (as the user wrote it) in front of the file name.
    public func formatted(directory: String?) -> String {
        var name = file
        if let directory, !directory.isEmpty {
            name = file.isEmpty ? directory : directory.hasSuffix("/") ? directory + file : directory + "/" + file
        }
        let text = severity == .warning ? "warning: \(message)" : message
        if let position { return "\(name):\(position.line):\(position.column): \(text)" }
        return path.isEmpty ? "\(name): \(text)" : "\(name): \(path): \(text)"
    }

    public var description: String { formatted(directory: nil) }

    public static func < (lhs: RuleDiagnostic, rhs: RuleDiagnostic) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        let left = lhs.position ?? SourcePosition(line: Int.max, column: 0)
        let right = rhs.position ?? SourcePosition(line: Int.max, column: 0)
        if left != right { return left < right }
        return (lhs.path, lhs.message, lhs.severity.rawValue) < (rhs.path, rhs.message, rhs.severity.rawValue)
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
