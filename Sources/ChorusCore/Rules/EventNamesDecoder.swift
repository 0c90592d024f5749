/// Reads `names.json5`: `{ names: [ { name: "Helene", forms: { he: "הלן", ar: "هيلين" } } ] }` (``EventNames``).
///
/// Checked like the gazetteer, every problem at its line and column: a name is one line in Latin letters (the
/// table is looked up by the name as the agencies give it) and given once, case ignored; a form is for a
/// supported language not written in Latin letters (those keep the name as given), in that language's script.
enum EventNamesDecoder {
    static let entryFields = ["name", "forms"]

    static func decode(_ root: JSON5Node, _ reader: inout NodeReader) -> EventNames {
        guard let top = reader.object(root, "", allowed: ["names"], required: ["names"]),
              let listNode = top["names"], let items = reader.list(listNode, "names") else { return .empty }
        let scripted = LanguageSupport.languages.filter { LanguageSupport.script(of: $0) != .latin }.sorted()
        var entries: [EventNames.Entry] = []
        var seen: [String: String] = [:]
        for (index, item) in items.enumerated() {
            let path = "names[\(index)]"
            guard let fields = reader.object(item, path, allowed: entryFields, required: entryFields) else { continue }
            let before = reader.diagnostics.count
            var name: String?
            if let node = fields["name"], let text = reader.string(node, "\(path).name") {
                if let problem = lineProblem(text) {
                    reader.report(node, "\(path).name", problem)
                } else if !LanguageSupport.Script.latin.writes(text) {
                    reader.report(node, "\(path).name", "'\(text)' is not in Latin letters: the table is looked up by the name as the agencies give it (Helene)")
                } else if let earlier = seen[EventNames.key(text)] {
                    reader.report(node, "\(path).name", "duplicate name '\(text)' (also at \(earlier))")
                } else {
                    name = text
                    seen[EventNames.key(text)] = "line \(node.position.line)"
                }
            }
            var forms: [String: String] = [:]
            if let node = fields["forms"] {
                let formsPath = "\(path).forms"
                if case .object(let members) = node.value {
                    for member in members {
                        let language = member.key
                        let formPath = "\(formsPath).\(language)"
                        guard LanguageSupport.isSupported(language) else {
                            reader.report(at: member.keyPosition, formPath, "unknown language '\(language)' (forms are for \(scripted.joined(separator: ", ")))")
                            continue
                        }
                        let script = LanguageSupport.script(of: language)
                        guard script != .latin else {
                            reader.report(at: member.keyPosition, formPath,
                                          "'\(language)' is written in Latin letters and keeps the name as given: forms are for \(scripted.joined(separator: ", "))")
                            continue
                        }
                        guard let text = reader.string(member.node, formPath) else { continue }
                        if let problem = lineProblem(text) {
                            reader.report(member.node, formPath, problem)
                        } else if !script.writes(text) || !text.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) {
                            reader.report(member.node, formPath, "'\(text)' is not written in \(script.rawValue.capitalized) letters, as '\(language)' is")
                        } else {
                            forms[language] = text
                        }
                    }
                    if members.isEmpty { reader.report(node, formsPath, "a name needs its form in at least one of \(scripted.joined(separator: ", "))") }
                } else {
                    reader.report(node, formsPath, "expected an object of languages to forms ({ he: \"הלן\", ar: \"هيلين\" }), found \(node.value.typeName)")
                }
            }
            guard reader.diagnostics.count == before, let name else { continue }
            entries.append(EventNames.Entry(name: name, forms: forms))
        }
        return EventNames(entries: entries)
    }

    /// Why `text` cannot stand in a sentence as a name, if it cannot: a control character (a line break)
    /// or spaces around it.
    static func lineProblem(_ text: String) -> String? {
        if let control = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "contains the control character U+\(String(control.value, radix: 16, uppercase: true).leftPadded(to: 4)): a name is one line of text"
        }
        if text.trimmingSpaces() != text { return "'\(text)' has spaces at its start or end" }
        return nil
    }
}

private extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
