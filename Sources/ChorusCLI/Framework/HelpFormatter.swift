/// Renders `--help` in the argument-parser layout: OVERVIEW / USAGE / ARGUMENTS / OPTIONS / SUBCOMMANDS.
enum HelpFormatter {
    static let width = 80
    static let labelColumn = 26

    /// The usage line's tail for `command`, reached through `path` (`["chorus", "review"]`).
    static func usage(of command: any ChorusCommand.Type, path: [String]) -> String {
        let spec = command.spec
        let prefix = path.joined(separator: " ")
        if let usage = spec.usage { return usage.split(separator: "\n").map { "\(prefix) \($0)" }.joined(separator: "\n       ") }
        if !spec.subcommands.isEmpty { return "\(prefix) <subcommand>" }
        var parts = [prefix]
        for option in spec.options {
            let body = option.isFlag ? "--\(option.name)" : "--\(option.name) <\(option.valueName ?? "value")>"
            let shown = option.isRepeating ? "\(body) ..." : body
            parts.append(option.isRequired ? shown : "[\(shown)]")
        }
        for argument in spec.arguments {
            var body = "<\(argument.name)>"
            if argument.isRepeating { body += " ..." }
            parts.append(argument.isOptional ? "[\(body)]" : body)
        }
        return parts.joined(separator: " ")
    }

    static func help(for command: any ChorusCommand.Type, path: [String], isRoot: Bool) -> String {
        let spec = command.spec
        var out = "OVERVIEW: \(spec.abstract)\n"
        if let discussion = spec.discussion {
            out += "\n" + discussion.split(separator: "\n", omittingEmptySubsequences: false)
                .map { wrap(String($0), indent: 0) }.joined(separator: "\n") + "\n"
        }
        out += "\nUSAGE: \(usage(of: command, path: path))\n"
        if !spec.arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for argument in spec.arguments {
                out += row("<\(argument.name)>" + (argument.isRepeating ? " ..." : ""), argument.help)
            }
        }
        out += "\nOPTIONS:\n"
        for option in spec.options {
            var label = option.short.map { "-\($0), " } ?? ""
            label += "--\(option.name)"
            if let value = option.valueName { label += " <\(value)>" }
            out += row(label, option.help)
        }
        if isRoot { out += row("--version", "Show the version.") }
        out += row("-h, --help", "Show help information.")
        if !spec.subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            for child in spec.subcommands { out += row(child.spec.name, child.spec.abstract) }
            out += "\n  See '\((path + ["help"]).joined(separator: " ")) <subcommand>' for detailed help.\n"
        }
        return out
    }

    private static func row(_ label: String, _ text: String) -> String {
        let indented = "  " + label
        let body = wrap(text, indent: labelColumn)
        let bodyFirstLine = body.dropFirst(labelColumn)
        if indented.count + 2 <= labelColumn {
            return indented.padding(to: labelColumn) + bodyFirstLine + "\n"
        }
        return indented + "\n" + body + "\n"
    }

    /// Wraps `text` to ``width`` columns, every line indented by `indent` spaces.
    static func wrap(_ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty, indent + line.count + 1 + word.count > width {
                lines.append(pad + line)
                line = String(word)
            } else {
                line += line.isEmpty ? String(word) : " " + word
            }
        }
        lines.append(pad + line)
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
