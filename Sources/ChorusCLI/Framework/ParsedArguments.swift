/// The command line, split into options, flags and positional values according to a ``CommandSpec``.
///
/// Commands read their values here in `init(_:)` and validate them there, so that a wrong value is a
/// usage error (exit 64) before any work starts.
public struct ParsedArguments: Sendable {
    /// Values of options, by long name, in the order given.
    public private(set) var options: [String: [String]] = [:]
    /// Flags that were given, by long name.
    public private(set) var flags: Set<String> = []
    /// Positional values, by argument name (a repeating argument collects several).
    public private(set) var positionals: [String: [String]] = [:]

    /// The last value of an option, or `nil` when it was not given.
    public func value(_ name: String) -> String? { options[name]?.last }

    /// Every value of a repeating option.
    public func values(_ name: String) -> [String] { options[name] ?? [] }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The value of a single positional argument.
    public func argument(_ name: String) -> String? { positionals[name]?.first }

    /// The values of a repeating positional argument.
    public func arguments(_ name: String) -> [String] { positionals[name] ?? [] }

    /// An option's value converted by `convert`, or a usage error naming the option and the bad value.
    public func value<T>(_ name: String, as what: String, _ convert: (String) -> T?) throws -> T? {
        guard let text = value(name) else { return nil }
        guard let converted = convert(text) else {
            throw UsageError("invalid value '\(text)' for '--\(name) <\(what)>'")
        }
        return converted
    }

    /// Splits `words` by `spec`: `--name value`, `--name=value`, `-x value`, flags, `--` and positionals.
    static func parse(_ words: [String], spec: CommandSpec) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        var loose: [String] = []
        var index = 0
        var onlyPositionals = false
        func option(named name: String) throws -> OptionSpec {
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)'")
            }
            return option
        }
        func record(_ option: OptionSpec, inlineValue: String?, spelled: String) throws {
            if option.isFlag {
                if inlineValue != nil { throw UsageError("'\(spelled)' takes no value") }
                parsed.flags.insert(option.name)
                return
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                index += 1
                guard index < words.count, words[index] == "-" || !words[index].hasPrefix("-") || Self.isNumber(words[index]) else {
                    throw UsageError("missing value for '\(spelled) <\(option.valueName ?? "value")>'")
                }
                value = words[index]
            }
            if !option.isRepeating, parsed.options[option.name] != nil {
                throw UsageError("'--\(option.name)' was given more than once")
            }
            parsed.options[option.name, default: []].append(value)
        }
        while index < words.count {
            let word = words[index]
            if onlyPositionals || word == "-" || !word.hasPrefix("-") || Self.isNumber(word) {
                loose.append(word)
            } else if word == "--" {
                onlyPositionals = true
            } else if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    let name = String(body[..<equals])
                    try record(try option(named: name), inlineValue: String(body[body.index(after: equals)...]), spelled: "--\(name)")
                } else {
                    try record(try option(named: String(body)), inlineValue: nil, spelled: word)
                }
            } else {
                let letters = Array(word.dropFirst())
                guard letters.count == 1, let option = spec.options.first(where: { $0.short == letters[0] }) else {
                    throw UsageError("unknown option '\(word)'")
                }
                try record(option, inlineValue: nil, spelled: word)
            }
            index += 1
        }
        for option in spec.options where option.isRequired && parsed.options[option.name] == nil {
            throw UsageError("missing required option '--\(option.name) <\(option.valueName ?? "value")>'")
        }
        var remaining = loose[...]
        for argument in spec.arguments {
            if argument.isRepeating {
                if remaining.isEmpty && !argument.isOptional { throw UsageError("missing expected argument '<\(argument.name)>'") }
                parsed.positionals[argument.name] = Array(remaining)
                remaining = []
            } else if let first = remaining.first {
                parsed.positionals[argument.name] = [first]
                remaining = remaining.dropFirst()
            } else if !argument.isOptional {
                throw UsageError("missing expected argument '<\(argument.name)>'")
            }
        }
        if let unexpected = remaining.first {
            throw UsageError("unexpected argument '\(unexpected)'")
        }
        return parsed
    }

    private static func isNumber(_ word: String) -> Bool {
        word.count > 1 && word.hasPrefix("-") && Double(word) != nil
    }
}
