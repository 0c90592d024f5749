import Foundation

/// A drill (`Rules/drills/*.json5`): one exercise event or a sequence of them, each at an offset from the
/// scenario's start (the alert, then an update with revised figures, …).
public struct DrillScenario: Sendable, Hashable {
    /// The scenario's identifier (`jerusalem-2017`).
    public var id: String
    /// What it rehearses.
    public var description: String
    /// When the scenario starts, unless `chorus drill` replays it from now.
    public var start: Date
    /// The events in order, each with its offset from the start.
    public var steps: [Step]
    /// The file, relative to the rules directory.
    public var file: String

    /// One event of a scenario.
    public struct Step: Sendable, Hashable {
        /// How long after the start it arrives.
        public var offset: Duration
        /// The event, status `exercise`; `sentAt` defaults to start + offset.
        public var event: Event
    }

    /// The scenario's events as if it started at `start`: times shifted by the same amount.
    public func events(startingAt newStart: Date? = nil) -> [Event] {
        let shift = newStart.map { $0.timeIntervalSince(start) } ?? 0
        return steps.map { step in
            var event = step.event
            event.sentAt = event.sentAt?.addingTimeInterval(shift)
            event.occurredAt = event.occurredAt?.addingTimeInterval(shift)
            return event
        }
    }

    /// Reads a drill scenario file outside a rules directory (`chorus rules test`, `chorus drill --event`).
    /// - Returns: the scenario, or every problem found (with `file` as the diagnostics' file name).
    public static func parse(_ data: Data, file: String, kinds: Set<String>) -> Result<DrillScenario, RuleSetError> {
        let node: JSON5Node
        do {
            node = try JSON5Reader.parse(data)
        } catch {
            return .failure(.invalid([RuleDiagnostic(file: file, position: error.position, path: "", message: "syntax error: \(error.message)")]))
        }
        var reader = NodeReader(file: file)
        guard let drill = decode(node, reader: &reader, kinds: kinds), reader.diagnostics.isEmpty else {
            return .failure(.invalid(reader.diagnostics.sorted()))
        }
        return .success(drill)
    }

    static func decode(_ root: JSON5Node, reader: inout NodeReader, kinds: Set<String>) -> DrillScenario? {
        guard let fields = reader.object(root, "", allowed: ["id", "description", "start", "steps"], required: ["id", "description", "start", "steps"]) else { return nil }
        let id = fields["id"].flatMap { reader.string($0, "id") }
        let description = fields["description"].flatMap { reader.string($0, "description") }
        var start: Date?
        if let node = fields["start"], let text = reader.string(node, "start") {
            start = RFC3339.parse(text)
            if start == nil { reader.report(node, "start", "'\(text)' is not an RFC 3339 date-time") }
        }
        var steps: [Step] = []
        if let node = fields["steps"], let items = reader.list(node, "steps") {
            if items.isEmpty { reader.report(node, "steps", "a drill needs at least one event") }
            for (index, item) in items.enumerated() {
                let path = "steps[\(index)]"
                guard let stepFields = reader.object(item, path, allowed: ["after", "event"], required: ["after", "event"]),
                      let afterNode = stepFields["after"], let offset = reader.duration(afterNode, "\(path).after"),
                      let eventNode = stepFields["event"] else { continue }
                guard case .object(var members) = eventNode.value else {
                    reader.report(eventNode, "\(path).event", "expected an event object, found \(eventNode.value.typeName)")
                    continue
                }
                if let status = members.first(where: { $0.key == "status" }) {
                    if case .string(let text) = status.node.value, text == "exercise" {} else {
                        reader.report(status.node, "\(path).event.status", "a drill event has status 'exercise' (or leave it out)")
                        continue
                    }
                } else {
                    members.append(JSON5Member(key: "status", keyPosition: eventNode.position, node: JSON5Node(.string("exercise"), at: eventNode.position)))
                }
                if let start, !members.contains(where: { $0.key == "sentAt" }) {
                    let sent = RFC3339.format(start.addingTimeInterval(offset.timeInterval))
                    members.append(JSON5Member(key: "sentAt", keyPosition: eventNode.position, node: JSON5Node(.string(sent), at: eventNode.position)))
                }
                do {
                    let event = try JSONDecoder().decode(Event.self, from: Data(JSON5Value.object(members).jsonText().utf8))
                    if !kinds.contains(event.kind) {
                        let kindNode = members.first { $0.key == "kind" }?.node
                        reader.report(kindNode ?? eventNode, "\(path).event.kind", "unknown kind '\(event.kind)'")
                        continue
                    }
                    steps.append(Step(offset: offset, event: event))
                } catch let error as EventError {
                    let fieldNode = members.first { $0.key == error.field.split(separator: ".").first.map(String.init) }?.node
                    reader.report(fieldNode ?? eventNode, "\(path).event.\(error.field)", error.message)
                } catch {
                    reader.report(eventNode, "\(path).event", "not an event: \(error)")
                }
            }
        }
        guard reader.diagnostics.isEmpty, let id, let description, let start else { return nil }
        return DrillScenario(id: id, description: description, start: start, steps: steps, file: reader.file)
    }
}
