import ChorusCore

/// The configuration is missing, unreadable or wrong (exit 78).
///
/// Problems in the file read as the rules' do: `FILE:LINE:COL: message` where the value is, or
/// `FILE: json.path: message` for a value that is missing.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// One thing that is wrong, and where.
    public struct Problem: Sendable, Equatable {
        /// Where in the file, when the problem is at a value that exists.
        public var position: SourcePosition?
        /// The JSON path (`sources[1].location`), for a value that is missing.
        public var path: String
        /// What is wrong, naming the field or the value.
        public var message: String

        public init(position: SourcePosition?, path: String, message: String) {
            self.position = position
            self.path = path
            self.message = message
        }
    }

    /// The file the problems are in, if they are in a file.
    public var file: String?
    /// Every problem found, in the order of the file.
    public var problems: [Problem]

    /// One problem that is not at a place in a file (a file that does not exist, cannot be read).
    public init(file: String?, _ message: String) {
        self.file = file
        problems = [Problem(position: nil, path: "", message: message)]
    }

    public init(file: String?, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        problems.map { problem in
            let place = [file, problem.position.map { "\($0.line):\($0.column)" }].compactMap { $0 }.joined(separator: ":")
            let path = problem.position == nil && !problem.path.isEmpty ? "\(problem.path): " : ""
            return (place.isEmpty ? "" : place + ": ") + path + problem.message
        }.joined(separator: "\n")
    }
}
