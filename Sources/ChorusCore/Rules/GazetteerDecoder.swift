import Foundation

/// Reads `gazetteer.json5`: `{ places: [ { id, country, location, names, in?, aliases?, within?, timeZone? } ] }`.
enum GazetteerDecoder {
    static let placeFields = ["id", "country", "timeZone", "location", "names", "in", "aliases", "within"]

    static func decode(_ root: JSON5Node, _ reader: inout NodeReader) -> Gazetteer {
        guard let top = reader.object(root, "", allowed: ["places"], required: ["places"]),
              let listNode = top["places"], let items = reader.list(listNode, "places") else { return .empty }
        var places: [Place] = []
        var ids: [String: JSON5Node] = [:]
        var parents: [(place: Int, parent: String, node: JSON5Node, path: String)] = []
        var explicitZone: Set<Int> = []
        for (index, item) in items.enumerated() {
            let path = "places[\(index)]"
            guard let fields = reader.object(item, path, allowed: placeFields, required: ["id", "country", "location", "names"]) else { continue }
            let before = reader.diagnostics.count
            var id: String?
            if let node = fields["id"], let text = reader.string(node, "\(path).id") {
                if !RuleDecoder.isIdentifier(text) {
                    reader.report(node, "\(path).id", "'\(text)' is not a place id (lower-case letters, digits, '-' and '_')")
                } else if ids[text] != nil {
                    reader.report(node, "\(path).id", "duplicate place id '\(text)'")
                } else {
                    id = text
                    ids[text] = node
                }
            }
            let country = fields["country"].flatMap { LoaderState.country($0, "\(path).country", &reader) }
            var timeZone: String?
            if let node = fields["timeZone"] { timeZone = LoaderState.timeZone(node, "\(path).timeZone", &reader) }
            let location = fields["location"].flatMap { LoaderState.location($0, "\(path).location", &reader) }
            let names = fields["names"].flatMap { LoaderState.names($0, "\(path).names", &reader) } ?? [:]
            if fields["names"] != nil && names.isEmpty { reader.report(fields["names"], "\(path).names", "a place needs its name in at least one language") }
            let locatives = fields["in"].flatMap { LoaderState.names($0, "\(path).in", &reader) } ?? [:]
            for language in locatives.keys.sorted() where names[language] == nil {
                reader.report(fields["in"], "\(path).in.\(language)", "a phrase for '\(language)' without a name in '\(language)'")
            }
            var aliases: [String] = []
            if let node = fields["aliases"], let values = reader.strings(node, "\(path).aliases") { aliases = values.map(\.0) }
            guard reader.diagnostics.count == before, let id, let country, let location else { continue }
            if timeZone != nil { explicitZone.insert(places.count) }
            if let node = fields["within"], let parent = reader.string(node, "\(path).within") {
                parents.append((places.count, parent, node, "\(path).within"))
            }
            let zone = timeZone ?? CountryTimeZones.zone(of: country, near: location) ?? "UTC"
            places.append(Place(id: id, country: country, timeZone: zone, location: location, names: names, locatives: locatives,
                                aliases: aliases, within: nil))
        }
        // A place within another keeps its parent's clock unless it names its own.
        let indexByID = Dictionary(places.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for (index, parent, node, path) in parents {
            guard let parentIndex = indexByID[parent] else {
                reader.report(node, path, "unknown place '\(parent)'")
                continue
            }
            places[index].within = parent
            if !explicitZone.contains(index) { places[index].timeZone = places[parentIndex].timeZone }
        }
        return Gazetteer(places: places)
    }
}

extension Gazetteer {
    /// Reads a `gazetteer.json5` on its own, for code that reads feeds without drafting (`ingest --dry-run`).
    /// - Throws: ``RuleSetError/invalid(_:)`` with the file's problems.
    public static func load(from url: URL) throws(RuleSetError) -> Gazetteer {
        let file = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .invalid([RuleDiagnostic(file: file, position: nil, path: "", message: "cannot read the file")])
        }
        let root: JSON5Node
        do {
            root = try JSON5Reader.parse(data)
        } catch {
            throw .invalid([RuleDiagnostic(file: file, position: error.position, path: "", message: "syntax error: \(error.message)")])
        }
        var reader = NodeReader(file: file)
        let gazetteer = GazetteerDecoder.decode(root, &reader)
        if reader.diagnostics.contains(where: { $0.severity == .error }) { throw .invalid(reader.diagnostics) }
        return gazetteer
    }
}
