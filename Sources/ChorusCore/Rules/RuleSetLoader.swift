import Foundation
import Synchronization

/// Reads a rules directory (PRODUCT.md §5) into a ``RuleSet``, checking everything and collecting every
/// problem: syntax, unknown fields, references to nothing, impossible conditions, templates.
public enum RuleSetLoader {
    /// The kinds of PRODUCT.md §4, used when the directory has no `kinds.json5`.
    public static let defaultKinds: Set<String> = [
        "terror_attack", "shooting", "earthquake", "tsunami", "flood", "tropical_cyclone", "volcano", "wildfire",
        "drought", "storm", "epidemic", "diplomatic_expulsion", "other",
    ]

    /// Loads and checks `directory`: the rule set and every problem found, warnings included (the set is
    /// `nil` when any problem is an error).
    public static func load(directory: URL) -> (ruleSet: RuleSet?, diagnostics: [RuleDiagnostic]) {
        var state = LoaderState()
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            return (nil, [RuleDiagnostic(file: "", position: nil, path: "", message: "no such directory")])
        }
        guard isDirectory.boolValue else {
            return (nil, [RuleDiagnostic(file: "", position: nil, path: "", message: "not a directory")])
        }
        let base = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        func read(_ relative: String) -> Data? {
            guard let data = fileManager.contents(atPath: base + relative) else {
                state.diagnostics.append(RuleDiagnostic(file: relative, position: nil, path: "", message: "cannot read the file"))
                return nil
            }
            return data
        }
        func parse(_ relative: String, _ data: Data) -> JSON5Node? {
            do {
                return try JSON5Reader.parse(data)
            } catch {
                state.diagnostics.append(RuleDiagnostic(file: relative, position: error.position, path: "", message: "syntax error: \(error.message)"))
                return nil
            }
        }
        func listing(_ folder: String) -> [String] {
            let url = directory.appendingPathComponent(folder)
            guard let names = try? fileManager.contentsOfDirectory(atPath: url.path) else { return [] }
            return names.filter { $0.hasSuffix(".json5") && !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map { "\(folder)/\($0)" }
        }

        var hashed: [RuleSet.HashedFile] = []

        // The rule files are read and hashed on the workers while this thread reads everything they refer to
        // (kinds, participants, landmarks, places, voices); they are parsed and decoded below, once that is known.
        let files = listing("rules")
        let readRules = Mutex([ReadRuleFile?](repeating: nil, count: files.count))
        let reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) {
            DispatchQueue.concurrentPerform(iterations: files.count) { index in
                let file = ReadRuleFile(files[index], base: base)
                readRules.withLock { $0[index] = file }
            }
        }

        // Kinds: the feeds' vocabulary decides which kinds a rule may name.
        var kindMapping: KindMapping?
        if fileManager.fileExists(atPath: directory.appendingPathComponent("kinds.json5").path), let data = read("kinds.json5") {
            hashed.append(RuleSet.HashedFile(relative: "kinds.json5", data))
            do {
                kindMapping = try KindMapping(json5: data, file: "kinds.json5")
            } catch {
                state.diagnostics.append(RuleDiagnostic(file: "kinds.json5", position: error.position, path: error.path,
                                                        message: error.position == nil ? error.message : error.pathAndMessage))
            }
        }
        let kinds = kindMapping?.kinds ?? defaultKinds

        var participants: [String: Participant] = [:]
        // When a whole file cannot be read, references into it are not reported again, rule by rule.
        var participantsReadable = true
        var landmarksReadable = true
        if fileManager.fileExists(atPath: directory.appendingPathComponent("participants.json5").path) {
            if let data = read("participants.json5") {
                hashed.append(RuleSet.HashedFile(relative: "participants.json5", data))
                if let node = parse("participants.json5", data) { participants = state.participants(node) } else { participantsReadable = false }
            }
        } else {
            state.diagnostics.append(RuleDiagnostic(file: "participants.json5", position: nil, path: "", message: "missing: every rules directory needs its participants"))
        }

        var landmarks: [String: Landmark] = [:]
        if fileManager.fileExists(atPath: directory.appendingPathComponent("landmarks.json5").path) {
            if let data = read("landmarks.json5") {
                hashed.append(RuleSet.HashedFile(relative: "landmarks.json5", data))
                if let node = parse("landmarks.json5", data) { landmarks = state.landmarks(node) } else { landmarksReadable = false }
            }
        }

        var gazetteer = Gazetteer.empty
        if fileManager.fileExists(atPath: directory.appendingPathComponent("gazetteer.json5").path), let data = read("gazetteer.json5") {
            hashed.append(RuleSet.HashedFile(relative: "gazetteer.json5", data))
            if let node = parse("gazetteer.json5", data) {
                var reader = NodeReader(file: "gazetteer.json5")
                gazetteer = GazetteerDecoder.decode(node, &reader)
                state.diagnostics += reader.diagnostics
            }
        }

        var names = EventNames.empty
        if fileManager.fileExists(atPath: directory.appendingPathComponent("names.json5").path), let data = read("names.json5") {
            hashed.append(RuleSet.HashedFile(relative: "names.json5", data))
            if let node = parse("names.json5", data) {
                var reader = NodeReader(file: "names.json5")
                names = EventNamesDecoder.decode(node, &reader)
                state.diagnostics += reader.diagnostics
            }
        }

        // Voices before rules: a rule's phases name their messages.
        var voices: [String: Voice] = [:]
        var voicesReadable = true
        var voiceNodes: [(relative: String, node: JSON5Node)] = []
        for relative in listing("voices") {
            guard let data = read(relative) else { voicesReadable = false; continue }
            hashed.append(RuleSet.HashedFile(relative: relative, data))
            if let node = parse(relative, data) { voiceNodes.append((relative, node)) } else { voicesReadable = false }
        }
        var brokenVoices: Set<String> = []
        state.diagnostics += VoiceDecoder(kinds: kinds, participants: participants, participantsReadable: participantsReadable)
            .decode(voiceNodes, into: &voices, broken: &brokenVoices)

        var rules: [Rule] = []
        var firstFileOfRule: [String: String] = [:]
        let messages = voices.values.reduce(into: Set<String>()) { $0.formUnion($1.messages.keys) }
        let context = LoaderContext(kinds: kinds, participants: participants, landmarks: landmarks, voices: voices, messages: messages,
                                    brokenVoices: brokenVoices, reportsUnknownParticipants: participantsReadable,
                                    reportsUnknownLandmarks: landmarksReadable, reportsUnknownMessages: voicesReadable && brokenVoices.isEmpty)
        // Rule files are independent until duplicates are checked: parse and decode them on every core
        // (start-up with 1,000 rules is mostly this), keeping only what the merge needs, then merge in file
        // order so the result is the same. The first iteration compares the voices' texts meanwhile.
        reading.wait()
        let readFiles = readRules.withLock { $0 }
        let loaded = Mutex([LoadedRuleFile?](repeating: nil, count: files.count))
        let sharedTexts = Mutex<[RuleDiagnostic]>([])
        let voicesToCompare = voices
        DispatchQueue.concurrentPerform(iterations: files.count + 1) { iteration in
            guard iteration > 0 else {
                let found = VoiceDecoder.copies(in: voicesToCompare)
                sharedTexts.withLock { $0 = found }
                return
            }
            guard let file = readFiles[iteration - 1] else { return }
            let decoded = LoadedRuleFile.load(file, context: context)
            loaded.withLock { $0[iteration - 1] = decoded }
        }
        state.diagnostics += sharedTexts.withLock { $0 }
        for file in loaded.withLock({ $0 }).compactMap({ $0 }) {
            if let digest = file.digest { hashed.append(digest) }
            state.diagnostics += file.diagnostics
            guard let rule = file.rule else { continue }
            if let earlier = firstFileOfRule[rule.id] {
                state.diagnostics.append(RuleDiagnostic(file: file.relative, position: file.idPosition, path: "id",
                                                        message: "duplicate rule id '\(rule.id)' (also in \(earlier))"))
                continue
            }
            firstFileOfRule[rule.id] = file.relative
            rules.append(rule)
        }

        var drills: [DrillScenario] = []
        var drillIDs: Set<String> = []
        for relative in listing("drills") {
            guard let data = read(relative) else { continue }
            guard let node = parse(relative, data) else { continue }
            var reader = NodeReader(file: relative)
            let drill = DrillScenario.decode(node, reader: &reader, kinds: kinds)
            state.diagnostics += reader.diagnostics
            if let drill {
                if drillIDs.insert(drill.id).inserted {
                    drills.append(drill)
                } else {
                    state.diagnostics.append(RuleDiagnostic(file: relative, position: nil, path: "id", message: "duplicate drill id '\(drill.id)'"))
                }
            }
        }

        state.diagnostics += SkippedFiles.warnings(in: directory)
        let diagnostics = state.diagnostics.sorted()
        guard !diagnostics.contains(where: \.isError) else { return (nil, diagnostics) }
        let version = RuleSet.version(of: hashed)
        let set = RuleSet(rules: rules, participants: participants, landmarks: landmarks, kindMapping: kindMapping,
                          drills: drills, voices: voices, gazetteer: gazetteer, names: names, version: version)
        return (set, diagnostics)
    }
}

/// One rule file's bytes and digest, read on a worker before the files it refers to are known. Every rule
/// file's bytes are held until its decoding (some 4.5 MB for 1,000 rules of the shipped kind).
private struct ReadRuleFile: Sendable {
    var relative: String
    /// `nil` when the file cannot be read.
    var data: Data?
    var digest: RuleSet.HashedFile?

    init(_ relative: String, base: String) {
        self.relative = relative
        data = FileManager.default.contents(atPath: base + relative)
        digest = data.map { RuleSet.HashedFile(relative: relative, $0) }
    }
}

/// One rule file parsed and decoded on its own (``RuleSetLoader/load(directory:)`` does them in parallel).
/// The parsed tree is let go here, on the worker, not kept for the merge.
private struct LoadedRuleFile: Sendable {
    var relative: String
    var digest: RuleSet.HashedFile?
    var rule: Rule?
    /// Where the rule's `id` is, for a duplicate-id report.
    var idPosition: SourcePosition?
    var diagnostics: [RuleDiagnostic] = []

    static func load(_ read: ReadRuleFile, context: LoaderContext) -> LoadedRuleFile {
        let relative = read.relative
        var file = LoadedRuleFile(relative: relative, digest: read.digest)
        guard let data = read.data else {
            file.diagnostics.append(RuleDiagnostic(file: relative, position: nil, path: "", message: "cannot read the file"))
            return file
        }
        let node: JSON5Node
        do {
            node = try JSON5Reader.parse(data)
        } catch {
            file.diagnostics.append(RuleDiagnostic(file: relative, position: error.position, path: "", message: "syntax error: \(error.message)"))
            return file
        }
        var reader = NodeReader(file: relative)
        file.rule = RuleDecoder(context: context).decode(node, reader: &reader)
        if case .object(let members) = node.value { file.idPosition = members.first { $0.key == "id" }?.node.position }
        file.diagnostics = reader.diagnostics
        return file
    }
}

/// What rules may refer to.
struct LoaderContext: Sendable {
    var kinds: Set<String>
    var participants: [String: Participant]
    var landmarks: [String: Landmark]
    var voices: [String: Voice] = [:]
    /// Every message some voice has.
    var messages: Set<String> = []
    /// Voices whose files have errors (already reported there).
    var brokenVoices: Set<String> = []
    /// False when participants.json5 has a syntax error: that one problem is reported, not every reference.
    var reportsUnknownParticipants = true
    /// False when landmarks.json5 has a syntax error.
    var reportsUnknownLandmarks = true
    /// False when a voice file has a syntax error.
    var reportsUnknownMessages = true
    /// The phase checks of this load, done once for rules that share them.
    var phaseChecks = PhaseChecker.Cache()
}

struct LoaderState {
    var diagnostics: [RuleDiagnostic] = []

    static let participantFields = ["id", "name", "country", "host", "languages", "timeZone", "channels", "voice", "locales", "contact", "restDays"]
    static let requiredParticipantFields = ["id", "name", "country", "languages", "timeZone", "channels"]
    static let accountFields = ["channel", "handle", "languages", "unverified"]
    static let contactFields = ["value", "unverified"]
    static let restDayFields = ["observes", "location", "except", "candleLighting"]
    static let landmarkFields = ["id", "name", "city", "country", "timeZone", "owner", "location", "names", "hashtag", "display",
                                 "leadTime", "ownerAccount"]
    static let requiredLandmarkFields = ["id", "name", "city", "country", "timeZone", "owner", "location"]

    mutating func participants(_ root: JSON5Node) -> [String: Participant] {
        var reader = NodeReader(file: "participants.json5")
        defer { diagnostics += reader.diagnostics }
        guard let top = reader.object(root, "", allowed: ["participants"], required: ["participants"]),
              let listNode = top["participants"], let items = reader.list(listNode, "participants") else { return [:] }
        var result: [String: Participant] = [:]
        for (index, item) in items.enumerated() {
            let path = "participants[\(index)]"
            guard let fields = reader.object(item, path, allowed: Self.participantFields, required: Self.requiredParticipantFields) else { continue }
            var ok = true
            let id = fields["id"].flatMap { reader.string($0, "\(path).id") }
            if let id, let idNode = fields["id"], result[id] != nil {
                reader.report(idNode, "\(path).id", "duplicate participant id '\(id)'")
                ok = false
            }
            let name = fields["name"].flatMap { reader.string($0, "\(path).name") }
            let country = fields["country"].flatMap { node in Self.country(node, "\(path).country", &reader) }
            let timeZone = fields["timeZone"].flatMap { node in Self.timeZone(node, "\(path).timeZone", &reader) }
            var host: String?
            if let node = fields["host"] {
                host = Self.country(node, "\(path).host", &reader)
                if host == nil { ok = false }
            }
            var languages: [String] = []
            if let node = fields["languages"], let values = reader.strings(node, "\(path).languages") {
                for (language, valueNode, valuePath) in values {
                    if LanguageSupport.isSupported(language) {
                        languages.append(language)
                    } else {
                        reader.report(valueNode, valuePath, "unknown language '\(language)' (supported: \(LanguageSupport.languages.sorted().joined(separator: ", ")))")
                        ok = false
                    }
                }
            }
            var accounts: [Participant.Account] = []
            var seenPairs: Set<String> = []
            if let node = fields["channels"], let channelItems = reader.list(node, "\(path).channels") {
                for (accountIndex, accountNode) in channelItems.enumerated() {
                    let accountPath = "\(path).channels[\(accountIndex)]"
                    guard let accountFields = reader.object(accountNode, accountPath, allowed: Self.accountFields, required: ["channel", "handle"]) else {
                        ok = false
                        continue
                    }
                    let channel = accountFields["channel"].flatMap { reader.enumeration($0, "\(accountPath).channel", Channel.self) }
                    let handle = accountFields["handle"].flatMap { reader.string($0, "\(accountPath).handle") }
                    var accountLanguages = languages
                    if let languagesNode = accountFields["languages"], let values = reader.strings(languagesNode, "\(accountPath).languages") {
                        accountLanguages = []
                        for (language, valueNode, valuePath) in values {
                            if languages.contains(language) {
                                accountLanguages.append(language)
                            } else {
                                reader.report(valueNode, valuePath, "language '\(language)' is not one of the participant's languages (\(languages.joined(separator: ", ")))")
                                ok = false
                            }
                        }
                    }
                    var unverified = false
                    if let flagNode = accountFields["unverified"], let flag = reader.bool(flagNode, "\(accountPath).unverified") { unverified = flag }
                    guard let channel, let handle else {
                        ok = false
                        continue
                    }
                    for language in accountLanguages where !seenPairs.insert("\(channel.rawValue)/\(language)").inserted {
                        reader.report(accountNode, accountPath, "a second \(channel.rawValue) account in '\(language)': a draft is kept per participant, channel and language")
                        ok = false
                    }
                    accounts.append(Participant.Account(channel: channel, handle: handle, languages: accountLanguages, unverified: unverified))
                }
            }
            var voice: String?
            if let node = fields["voice"], let text = reader.string(node, "\(path).voice") {
                if RuleDecoder.isIdentifier(text) { voice = text } else {
                    reader.report(node, "\(path).voice", "'\(text)' is not a voice id (lower-case letters, digits, '-' and '_')")
                    ok = false
                }
            }
            var locales: [String: String] = [:]
            if let node = fields["locales"] {
                if case .object(let members) = node.value {
                    for member in members {
                        let localePath = "\(path).locales.\(member.key)"
                        guard languages.contains(member.key) else {
                            reader.report(at: member.keyPosition, localePath, "'\(member.key)' is not one of the participant's languages (\(languages.joined(separator: ", ")))")
                            ok = false
                            continue
                        }
                        guard let identifier = reader.string(member.node, localePath) else { ok = false; continue }
                        guard LanguageSupport.isLocale(identifier, of: member.key) else {
                            reader.report(member.node, localePath, "'\(identifier)' is not a locale of '\(member.key)' (e.g. \(member.key)_\(country ?? "US"))")
                            ok = false
                            continue
                        }
                        locales[member.key] = identifier.replacingOccurrences(of: "-", with: "_")
                    }
                } else {
                    reader.report(node, "\(path).locales", "expected an object of languages to locales ({ en: \"en_GB\" }), found \(node.value.typeName)")
                    ok = false
                }
            }
            var contact: Participant.Contact?
            if let node = fields["contact"] {
                let contactPath = "\(path).contact"
                if let contactFields = reader.object(node, contactPath, allowed: Self.contactFields, required: ["value"]),
                   let value = contactFields["value"].flatMap({ reader.string($0, "\(contactPath).value") }) {
                    var unverified = false
                    if let flagNode = contactFields["unverified"], let flag = reader.bool(flagNode, "\(contactPath).unverified") { unverified = flag }
                    contact = Participant.Contact(value: value, unverified: unverified)
                } else {
                    ok = false
                }
            }
            var restDays: RestDays?
            if let node = fields["restDays"] {
                restDays = Self.restDays(node, "\(path).restDays", &reader)
                if restDays == nil { ok = false }
            }
            guard ok, let id, let name, let country, let timeZone, !languages.isEmpty else { continue }
            result[id] = Participant(id: id, name: name, country: country, languages: languages, timeZone: timeZone, accounts: accounts, host: host,
                                     voice: voice, locales: locales, contact: contact, restDays: restDays)
        }
        return result
    }

    /// `restDays: { observes: ["shabbat", "festivals"], location: { lat: 31.78, lon: 35.22 }, except: ["consular"] }`.
    static func restDays(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> RestDays? {
        guard let fields = reader.object(node, path, allowed: restDayFields, required: ["observes", "location"]) else { return nil }
        var observes: Set<RestDays.Observance> = []
        var ok = true
        if let node = fields["observes"], let values = reader.strings(node, "\(path).observes") {
            for (value, valueNode, valuePath) in values {
                if let observance = RestDays.Observance(rawValue: value) { observes.insert(observance) } else {
                    reader.report(valueNode, valuePath, "unknown rest day '\(value)' (allowed: "
                                  + RestDays.Observance.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    ok = false
                }
            }
        } else {
            ok = false
        }
        // Nightfall (the sun 8.5° down) comes every day only within ±58°.
        let location = fields["location"].flatMap {
            Self.location($0, "\(path).location", latitudes: -58...58, outside: "is not a point with a nightfall every day (latitude within ±58°)", &reader)
        }
        var except: Set<String> = []
        if let node = fields["except"], let values = reader.strings(node, "\(path).except") {
            for (value, valueNode, valuePath) in values {
                if RuleDecoder.isIdentifier(value) { except.insert(value) } else {
                    reader.report(valueNode, valuePath, "'\(value)' is not a phase name (lower-case letters, digits, '-' and '_')")
                    ok = false
                }
            }
        }
        var candleLighting = 18
        if let node = fields["candleLighting"], let minutes = reader.duration(node, "\(path).candleLighting") {
            let seconds = minutes.components.seconds
            if seconds % 60 == 0, (0...3600).contains(seconds) { candleLighting = Int(seconds / 60) } else {
                reader.report(node, "\(path).candleLighting", "candle-lighting is whole minutes before sunset, at most an hour (\"18m\", \"40m\")")
                ok = false
            }
        } else if fields["candleLighting"] != nil {
            ok = false
        }
        guard ok, let location, !observes.isEmpty else { return nil }
        return RestDays(observes: observes, location: location, exceptPhases: except, candleLightingMinutes: candleLighting)
    }

    mutating func landmarks(_ root: JSON5Node) -> [String: Landmark] {
        var reader = NodeReader(file: "landmarks.json5")
        defer { diagnostics += reader.diagnostics }
        guard let top = reader.object(root, "", allowed: ["landmarks"], required: ["landmarks"]),
              let listNode = top["landmarks"], let items = reader.list(listNode, "landmarks") else { return [:] }
        var result: [String: Landmark] = [:]
        for (index, item) in items.enumerated() {
            let path = "landmarks[\(index)]"
            guard let fields = reader.object(item, path, allowed: Self.landmarkFields, required: Self.requiredLandmarkFields) else { continue }
            let id = fields["id"].flatMap { reader.string($0, "\(path).id") }
            if let id, let idNode = fields["id"], result[id] != nil {
                reader.report(idNode, "\(path).id", "duplicate landmark id '\(id)'")
                continue
            }
            let name = fields["name"].flatMap { reader.string($0, "\(path).name") }
            let city = fields["city"].flatMap { reader.string($0, "\(path).city") }
            let owner = fields["owner"].flatMap { reader.string($0, "\(path).owner") }
            let country = fields["country"].flatMap { node in Self.country(node, "\(path).country", &reader) }
            let timeZone = fields["timeZone"].flatMap { node in Self.timeZone(node, "\(path).timeZone", &reader) }
            let location = fields["location"].flatMap { Self.location($0, "\(path).location", &reader) }
            let names = fields["names"].flatMap { Self.names($0, "\(path).names", &reader) } ?? [:]
            var hashtag: String?
            if let node = fields["hashtag"], let text = reader.string(node, "\(path).hashtag") {
                if text.hasPrefix("#") && !text.contains(" ") { hashtag = text } else {
                    reader.report(node, "\(path).hashtag", "'\(text)' is not a hashtag (# and a word)")
                }
            }
            var display = Landmark.Display.colours
            if let node = fields["display"] {
                guard let value = reader.enumeration(node, "\(path).display", Landmark.Display.self) else { continue }
                display = value
            }
            var leadTime = Duration.zero
            if let node = fields["leadTime"] {
                guard let value = reader.duration(node, "\(path).leadTime") else { continue }
                leadTime = value
            }
            var ownerAccount: Landmark.OwnerAccount?
            if let node = fields["ownerAccount"] {
                let accountPath = "\(path).ownerAccount"
                guard let account = reader.object(node, accountPath, allowed: ["channel", "handle", "unverified"], required: ["channel", "handle"]),
                      let channel = account["channel"].flatMap({ reader.enumeration($0, "\(accountPath).channel", Channel.self) }),
                      let handle = account["handle"].flatMap({ reader.string($0, "\(accountPath).handle") }) else { continue }
                var unverified = false
                if let flagNode = account["unverified"] {
                    guard let flag = reader.bool(flagNode, "\(accountPath).unverified") else { continue }
                    unverified = flag
                }
                ownerAccount = Landmark.OwnerAccount(channel: channel, handle: handle, unverified: unverified)
            }
            guard let id, let name, let city, let owner, let country, let timeZone, let location else { continue }
            result[id] = Landmark(id: id, name: name, city: city, country: country, timeZone: timeZone, owner: owner, location: location,
                                  names: names, hashtag: hashtag, display: display, leadTime: leadTime, ownerAccount: ownerAccount)
        }
        return result
    }

    /// An object of supported languages to non-empty texts.
    static func names(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> [String: String]? {
        guard case .object(let members) = node.value else {
            reader.report(node, path, "expected an object of languages to names, found \(node.value.typeName)")
            return nil
        }
        var names: [String: String] = [:]
        for member in members {
            guard LanguageSupport.isSupported(member.key) else {
                reader.report(at: member.keyPosition, "\(path).\(member.key)", "unknown language '\(member.key)' (supported: \(LanguageSupport.languages.sorted().joined(separator: ", ")))")
                continue
            }
            if let text = reader.string(member.node, "\(path).\(member.key)") { names[member.key] = text }
        }
        return names
    }

    static func country(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> String? {
        guard let code = reader.string(node, path) else { return nil }
        guard ISO3166.isAlpha2(code) else {
            reader.report(node, path, "'\(code)' is not an ISO 3166-1 alpha-2 country code")
            return nil
        }
        return code
    }

    /// `{ lat: 31.778, lon: 35.235 }`: a point whose latitude is within `latitudes`, else a problem at it
    /// ("31.8, 200.0 is not a point on the earth").
    static func location(_ node: JSON5Node, _ path: String, latitudes: ClosedRange<Double> = -90...90,
                         outside: String = "is not a point on the earth", _ reader: inout NodeReader) -> Event.Location? {
        guard let point = reader.object(node, path, allowed: ["lat", "lon"], required: ["lat", "lon"]),
              let lat = point["lat"].flatMap({ reader.number($0, "\(path).lat") }),
              let lon = point["lon"].flatMap({ reader.number($0, "\(path).lon") }) else { return nil }
        guard latitudes.contains(lat) && (-180...180).contains(lon) else {
            reader.report(node, path, "\(lat), \(lon) \(outside)")
            return nil
        }
        return Event.Location(lat: lat, lon: lon)
    }

    static func timeZone(_ node: JSON5Node, _ path: String, _ reader: inout NodeReader) -> String? {
        guard let name = reader.string(node, path) else { return nil }
        guard TimeZone(identifier: name) != nil, name.contains("/") || name == "UTC" else {
            reader.report(node, path, "'\(name)' is not an IANA time zone (e.g. Europe/Berlin)")
            return nil
        }
        return name
    }
}
