import Foundation

/// A checked, indexed set of rules with the participants, voices, landmarks and places they refer to.
///
/// Load it with ``load(from:)``; match events with ``match(_:)``; draft with ``BundlePlanner``.
/// Its ``version`` is the SHA-256 of the files it was read from, recorded in every bundle.
public struct RuleSet: Sendable {
    /// The content hash of the files (64 hex digits): the rule-set version drafts record.
    public let version: String
    /// The rules, sorted by id.
    public let rules: [Rule]
    /// The participants by id.
    public let participants: [String: Participant]
    /// The landmarks by id.
    public let landmarks: [String: Landmark]
    /// The kinds rules may name: those of `kinds.json5`, or ``RuleSetLoader/defaultKinds`` without one.
    public let kinds: Set<String>
    /// The feeds' kind tables from `kinds.json5`; `nil` when the directory has none.
    public let kindMapping: KindMapping?
    /// The drill scenarios, sorted by id.
    public let drills: [DrillScenario]
    /// The senders' voices by id: each government's own texts.
    public let voices: [String: Voice]
    /// The places drafts can name (`gazetteer.json5`); empty without one.
    public let gazetteer: Gazetteer
    /// The forms of events' names in the languages not written in Latin letters (`names.json5`); empty without one.
    public let names: EventNames
    let index: RuleIndex

    /// Builds a set from values (tests, tools); ``load(from:)`` is the checked way from files.
    public init(rules: [Rule], participants: [String: Participant], landmarks: [String: Landmark],
                kindMapping: KindMapping? = nil, drills: [DrillScenario] = [], voices: [String: Voice] = [:],
                gazetteer: Gazetteer = .empty, names: EventNames = .empty, version: String = "") {
        self.rules = rules.sorted { $0.id < $1.id }
        self.participants = participants
        self.landmarks = landmarks
        self.kinds = kindMapping?.kinds ?? RuleSetLoader.defaultKinds
        self.kindMapping = kindMapping
        self.drills = drills.sorted { $0.id < $1.id }
        self.voices = voices
        self.gazetteer = gazetteer
        self.names = names
        self.version = version
        self.index = RuleIndex(self.rules)
    }

    /// Loads and checks a rules directory; warnings (files the loader skips) do not stop it.
    /// - Throws: ``RuleSetError/invalid(_:)`` with every problem found when one is an error.
    public static func load(from directory: URL) throws(RuleSetError) -> RuleSet {
        let (set, diagnostics) = RuleSetLoader.load(directory: directory)
        guard let set else { throw .invalid(diagnostics) }
        return set
    }

    /// Every problem of a rules directory, warnings included, sorted by file and position; empty when it is fine.
    public static func check(directory: URL) -> [RuleDiagnostic] {
        RuleSetLoader.load(directory: directory).diagnostics
    }

    /// The kind tables, which reading feeds needs; a rules directory used only for drafting may leave
    /// `kinds.json5` out.
    /// - Throws: ``RuleSetError/invalid(_:)`` naming the missing file.
    public func feedKindMapping() throws(RuleSetError) -> KindMapping {
        guard let kindMapping else {
            throw .invalid([RuleDiagnostic(file: "kinds.json5", position: nil, path: "",
                                           message: "missing: reading feeds needs the table of their words to kinds")])
        }
        return kindMapping
    }

    /// The rule with `id`.
    public func rule(id: String) -> Rule? { rules.first { $0.id == id } }

    /// The drill scenario with `id`.
    public func drill(id: String) -> DrillScenario? { drills.first { $0.id == id } }

    /// The rules `event` matches, in rule-id order, through the index: rules that cannot match cost nothing.
    public func match(_ event: Event) -> [RuleMatch] {
        index.match(event, rules: rules)
    }

    /// The same answer as ``match(_:)`` by checking every rule: the reference the index is tested against.
    public func matchWithoutIndex(_ event: Event) -> [RuleMatch] {
        rules.compactMap { rule in
            rule.conditions.firstIndex { $0.matches(event) }.map { RuleMatch(rule: rule, alternative: $0) }
        }
    }

    /// A file that counts for the version: its relative path, its size and its own SHA-256, computed
    /// where the file is read (on the loader's worker threads for rule files).
    struct HashedFile: Sendable {
        var relative: String
        var size: Int
        var digest: [UInt8]

        init(relative: String, _ data: Data) {
            self.relative = relative
            size = data.count
            var hash = SHA256()
            hash.update(data)
            digest = hash.finalize()
        }
    }

    /// The version of a set of files: SHA-256 over each file's relative path, a NUL, its size in decimal,
    /// a NUL and the 32 bytes of the file's own SHA-256, in the order participants, landmarks, kinds,
    /// gazetteer, names, then `rules/` and `voices/` by path.
    static func version(of files: [HashedFile]) -> String {
        let order = ["participants.json5": 0, "landmarks.json5": 1, "kinds.json5": 2, "gazetteer.json5": 3, "names.json5": 4]
        let sorted = files.sorted { left, right in
            let l = order[left.relative] ?? 5, r = order[right.relative] ?? 5
            return l != r ? l < r : left.relative.utf8.lexicographicallyPrecedes(right.relative.utf8)
        }
        var hash = SHA256()
        for file in sorted {
            hash.update(file.relative)
            hash.update([0])
            hash.update(String(file.size))
            hash.update([0])
            hash.update(file.digest)
        }
        return hash.hexDigest()
    }
}

/// A rule an event matched, and which of its alternatives held.
public struct RuleMatch: Sendable {
    /// The rule.
    public var rule: Rule
    /// The index of the first alternative of `when` that held.
    public var alternative: Int

    /// Why the rule matched `event`: one line a condition of the alternative that held.
    public func reasons(for event: Event) -> [String] {
        rule.conditions[alternative].explain(event) ?? []
    }
}
