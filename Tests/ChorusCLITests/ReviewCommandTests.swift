import ChorusCLI
import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// `chorus drill` and `chorus review` as a user runs them: the real binary against a fresh database.
struct ReviewCommandTests {
    static let repository = Repository.root
    static let rules = repository.appendingPathComponent("Rules").path

    let database: String

    init() throws {
        database = try TestPostgres.makeDatabase()
        let migrated = try ChorusProcess.run(["migrate", "--database", database])
        try #require(migrated.status == 0, "\(migrated.standardError)")
    }

    func chorus(_ arguments: [String], as role: String? = nil) throws -> ChorusProcess.Outcome {
        let conninfo = role.map { database + " user=\($0)" } ?? database
        return try ChorusProcess.run(arguments + ["--database", conninfo], environment: ["NO_COLOR": "1"])
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Runs the drill and returns its bundles.
    func drill() throws -> [Int] {
        let outcome = try chorus(["drill", "jerusalem-2017", "--rules", Self.rules, "--json"])
        try #require(outcome.status == 0, "\(outcome.standardError)")
        let line = try #require(outcome.standardOutput.split(separator: "\n").last.map(String.init))
        return try #require(try json(line)["bundles"] as? [Int])
    }

    /// The pending drafts of a bundle as `review show --json` has them: (id, version, channel).
    func pendingDrafts(_ bundle: Int) throws -> [(id: Int, version: Int, channel: String)] {
        let shown = try chorus(["review", "show", String(bundle), "--json"])
        try #require(shown.status == 0, "\(shown.standardError)")
        let drafts = try #require(try json(shown.standardOutput)["drafts"] as? [[String: Any]])
        return drafts.compactMap { draft in
            guard draft["state"] as? String == "pending", let id = draft["id"] as? Int, let version = draft["version"] as? Int,
                  let channel = draft["channel"] as? String else { return nil }
            return (id, version, channel)
        }
    }

    @Test func aDrillIsListedApartAndItsJSONSchemasArePinned() throws {
        let bundles = try drill()
        #expect(!bundles.isEmpty)
        let again = try drill()
        #expect(Set(again).isDisjoint(with: bundles), "a second run of a drill opens bundles of its own")

        let list = try chorus(["review", "list", "--drill", "--json"])
        #expect(list.status == 0, "\(list.standardError)")
        let listed = try #require(try json(list.standardOutput)["bundles"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? Int }) == Set(bundles + again))
        #expect(listed.allSatisfy { $0["isDrill"] as? Bool == true })
        #expect(try json(try chorus(["review", "list", "--no-drill", "--json"]).standardOutput)["bundles"] as? [Any] != nil)
        #expect(try JSONSchema.describe(list.standardOutput) == (try Golden.expected(
            try JSONSchema.describe(list.standardOutput), path: "review/list-schema.txt", testFile: #filePath)))

        let show = try chorus(["review", "show", String(bundles[0]), "--json"])
        #expect(show.status == 0, "\(show.standardError)")
        #expect(try JSONSchema.describe(show.standardOutput) == (try Golden.expected(
            try JSONSchema.describe(show.standardOutput), path: "review/show-schema.txt", testFile: #filePath)))
        let detail = try json(show.standardOutput)
        let drafts = try #require(detail["drafts"] as? [[String: Any]])
        let languages = Set(drafts.compactMap { $0["language"] as? String })
        #expect(languages.isSuperset(of: ["de", "he", "en", "ar"]))
        for (language, marker) in [("de", "[ÜBUNG]"), ("he", "[תרגיל]"), ("en", "[DRILL]"), ("ar", "[تمرين]")] {
            #expect(drafts.filter { $0["language"] as? String == language }
                .allSatisfy { ($0["text"] as? String)?.hasPrefix(marker) == true }, "\(language)")
        }
        let actions = try #require(detail["actionItems"] as? [[String: Any]])
        #expect(actions.contains { ($0["summary"] as? String)?.contains("Brandenburg Gate") == true })

        // The text form: bundles grouped, RTL drafts isolated, lengths against limits.
        let text = try chorus(["review", "show", String(bundles[0])])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("\u{2067}[תרגיל]"))
        #expect(text.standardOutput.contains("/280"))
        #expect(text.standardOutput.contains("Audit trail"))
        #expect(!text.standardOutput.contains("\u{1B}["), "no colour when not on a terminal")
        let textList = try chorus(["review", "list"])
        #expect(textList.standardOutput.contains("Drills — exercises, never released"))

        let draft = try #require(drafts.first?["id"] as? Int)
        let one = try chorus(["review", "show", "d\(draft)", "--json"])
        #expect(try json(one.standardOutput)["draftId"] as? Int == draft)

        let cleared = try chorus(["drill", "--clear", "--older-than", "1h"])
        #expect(cleared.standardOutput.contains("Removed 0 drill bundles"))
        let clearedJSON = try chorus(["drill", "--clear", "--older-than", "1h", "--json"])
        #expect(try json(clearedJSON.standardOutput)["removedBundles"] as? Int == 0, "\(clearedJSON.standardOutput)")
        let all = try chorus(["drill", "--clear", "--json"])
        #expect(all.status == 0, "\(all.standardError)")
        #expect(try json(all.standardOutput)["removedBundles"] as? Int == bundles.count + again.count, "\(all.standardOutput)")
    }

    @Test func drillListShowsTheScenarios() throws {
        let outcome = try ChorusProcess.run(["drill", "--list", "--rules", Self.rules])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("jerusalem-2017"))
        // --json is honoured, not ignored: one document, each scenario with its steps' offsets.
        let listed = try ChorusProcess.run(["drill", "--list", "--json", "--rules", Self.rules])
        #expect(listed.status == 0, "\(listed.standardError)")
        let drills = try #require(try json(listed.standardOutput)["drills"] as? [[String: Any]], "\(listed.standardOutput)")
        let jerusalem = try #require(drills.first { $0["id"] as? String == "jerusalem-2017" })
        #expect(jerusalem["stepOffsetsSeconds"] as? [Int] == [900, 14400])
        #expect((jerusalem["description"] as? String)?.contains("Jerusalem") == true)
        // An option that means nothing here is refused, not silently dropped.
        let realTime = try ChorusProcess.run(["drill", "--list", "--real-time", "--rules", Self.rules])
        #expect(realTime.status == 64 && realTime.standardError.contains("--real-time goes with a scenario or --event"), "\(realTime.standardError)")
        #expect(try ChorusProcess.run(["drill", "nope", "--rules", Self.rules, "--database", database]).status == 65)
        #expect(try ChorusProcess.run(["drill"]).status == 64)
    }

    @Test func twoReviewersApprovingTheSameDraftAtOnceOneGetsExit75() throws {
        let bundle = try #require(try drill().first)
        let draft = try #require(try pendingDrafts(bundle).first)
        let outcomes = Mutex<[ChorusProcess.Outcome]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if let outcome = try? chorus(["review", "approve", "d\(draft.id)@\(draft.version)"]) {
                outcomes.withLock { $0.append(outcome) }
            }
        }
        let results = outcomes.withLock { $0 }
        #expect(results.map(\.status).sorted() == [0, 75], "\(results.map(\.standardError))")
        let loser = try #require(results.first { $0.status == 75 })
        #expect(loser.standardError.contains("Error: draft \(draft.id)"))
        #expect(loser.standardError.contains("show it again"))
    }

    /// Edits can make two senders' drafts one text: `review show` says so before anything goes out.
    @Test func showWarnsWhenEditsMakeTwoSendersDraftsTheSame() throws {
        let bundle = try #require(try drill().first)
        let shown = try chorus(["review", "show", String(bundle), "--json"])
        let drafts = try #require(try json(shown.standardOutput)["drafts"] as? [[String: Any]])
        let english = drafts.filter { $0["language"] as? String == "en" && $0["state"] as? String == "pending" && $0["channel"] as? String == "x" }
        let first = try #require(english.first)
        let second = try #require(english.first { $0["participant"] as? String != first["participant"] as? String })
        let before = try chorus(["review", "show", String(bundle)])
        #expect(!before.standardOutput.contains("the same text under several senders"), "the shipped texts are all different")
        let text = try #require(first["text"] as? String)
        let id = try #require(second["id"] as? Int)
        let edited = try chorus(["review", "edit", "d\(id)", "--text", text])
        #expect(edited.status == 0, "\(edited.standardError)")
        let after = try chorus(["review", "show", String(bundle)])
        let firstID = try #require(first["id"] as? Int)
        #expect(after.standardOutput.contains("⚠ the same text under several senders: d\(firstID) \(first["participant"] as? String ?? ""), d\(id) \(second["participant"] as? String ?? "")"),
                "\(after.standardOutput)")
    }

    @Test func editsApprovalsAndRefusals() throws {
        let bundle = try #require(try drill().first)
        let drafts = try pendingDrafts(bundle)
        let shown = try #require(drafts.first { $0.channel == "x" })

        // Over the limit: needs an edit, and cannot be approved.
        let long = String(repeating: "Solidarität ", count: 40)
        let edited = try chorus(["review", "edit", "d\(shown.id)@\(shown.version)", "--text", long, "--note", "too long on purpose"])
        #expect(edited.status == 0, "\(edited.standardError)")
        #expect(edited.standardOutput.contains("needs_edit"))
        #expect(try chorus(["review", "approve", "d\(shown.id)"]).status == 65)

        // Whoever edited last cannot approve; a stale version is exit 75.
        let fixed = try chorus(["review", "edit", "d\(shown.id)", "--text", "[ÜBUNG] Wir stehen an der Seite Israels."])
        #expect(fixed.standardOutput.contains("pending"), "\(fixed.standardError)")
        let selfApproval = try chorus(["review", "approve", "d\(shown.id)"])
        #expect(selfApproval.status == 65)
        #expect(selfApproval.standardError.contains("another reviewer must approve it"))
        let stale = try chorus(["review", "approve", "d\(shown.id)@\(shown.version)"])
        #expect(stale.status == 75)
        #expect(stale.standardError.contains("changed since it was shown"))

        // Reject needs a reason; a rejected draft cannot be approved.
        let other = try #require(drafts.last)
        #expect(try chorus(["review", "reject", "d\(other.id)"]).status == 64)
        #expect(try chorus(["review", "reject", "d\(other.id)", "--reason", "wrong tone"]).status == 0)
        #expect(try chorus(["review", "approve", "d\(other.id)"]).status == 65)

        // Approving the bundle approves every pending draft; a drill is never released.
        let approved = try chorus(["review", "approve", String(bundle), "--note", "looks right"])
        #expect(approved.status == 0, "\(approved.standardError)")
        #expect(approved.standardOutput.contains("bundle \(bundle): approved"))
        #expect(approved.standardOutput.contains("d\(shown.id): you edited, another reviewer must approve"))
        let outbox = try chorus(["outbox", "--json"])
        #expect(outbox.status == 0, "\(outbox.standardError)")
        #expect((try json(outbox.standardOutput)["records"] as? [Any])?.isEmpty == true)

        // The audit trail shows who did what.
        let show = try chorus(["review", "show", "d\(shown.id)", "--json"])
        let audit = try #require(try json(show.standardOutput)["audit"] as? [[String: Any]])
        // The drill's update revised the injured: the pending draft was flagged, standing on the new facts.
        #expect(audit.compactMap { $0["action"] as? String } == ["drafted", "flagged", "edited", "edited"])
        // A drill draft keeps its marker: the edit without it got it back.
        #expect((audit.last?["beforeText"] as? String)?.hasSuffix(long) == true)
        #expect((audit.last?["beforeText"] as? String)?.hasPrefix("[") == true)
    }

    @Test(arguments: [
        (["review", "--help"], "help/review.txt"),
        (["review", "list", "--help"], "help/review-list.txt"),
        (["review", "show", "--help"], "help/review-show.txt"),
        (["review", "approve", "--help"], "help/review-approve.txt"),
        (["review", "reject", "--help"], "help/review-reject.txt"),
        (["review", "edit", "--help"], "help/review-edit.txt"),
        (["review", "watch", "--help"], "help/review-watch.txt"),
        (["drill", "--help"], "help/drill.txt"),
        (["outbox", "--help"], "help/outbox.txt"),
        (["demo", "--help"], "help/demo.txt"),
    ])
    func helpMatchesItsExpectedText(arguments: [String], file: String) throws {
        let (code, output, errors) = CommandLineTests.run(arguments)
        #expect(code == .success)
        #expect(errors.isEmpty)
        #expect(output == (try Golden.expected(output, path: file, testFile: #filePath)))
        #expect(CommandLineTests.run(["help"] + arguments.dropLast()).1 == output)
    }

    @Test func watchShowsChangedBundlesAsTheyHappen() throws {
        let bundle = try #require(try drill().first)
        let result = Mutex<ChorusProcess.Outcome?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let arguments = ["review", "watch", "--json", "--exit-after", "1", "--database", database]
        Thread.detachNewThread {
            let outcome = try? ChorusProcess.run(arguments, timeout: 60)
            result.withLock { $0 = outcome }
            finished.signal()
        }
        // The watcher may not be listening yet: approve once, then keep nudging until it has seen a change.
        let draft = try #require(try pendingDrafts(bundle).first)
        #expect(try chorus(["review", "approve", "d\(draft.id)"]).status == 0)
        let nudger = try Connection(database)
        while finished.wait(timeout: .now() + 0.3) == .timedOut {
            _ = try nudger.query("SELECT pg_notify('chorus_review', \(String(bundle)))")
        }
        let outcome = try #require(result.withLock { $0 })
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == #"{"listening":true}"#)
        let shown = try json(try #require(lines.last))
        #expect(shown["id"] as? Int == bundle)
        #expect((shown["draftStates"] as? [String: Int])?["approved"] == 1)
    }

    @Test func editOpensTheEditorAndDrillTakesAnEventFile() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-review")
        defer { try? FileManager.default.removeItem(at: directory) }
        // An event file (native JSON Lines, status actual): the drill makes it an exercise.
        let event = #"{"id":"evt-1","kind":"terror_attack","status":"actual","msgType":"alert","countries":["IL"],"place":"Jerusalem","severity":"severe","certainty":"observed","fatalities":4,"injured":17,"occurredAt":"2017-01-08T11:30:00Z","sentAt":"2017-01-08T11:45:00Z"}"#
        let file = directory.appendingPathComponent("event.jsonl")
        try Data((event + "\n").utf8).write(to: file)
        let drilled = try chorus(["drill", "--event", file.path, "--rules", Self.rules, "--json"])
        #expect(drilled.status == 0, "\(drilled.standardError)")
        let line = try #require(drilled.standardOutput.split(separator: "\n").last.map(String.init))
        let bundle = try #require((try json(line)["bundles"] as? [Int])?.first)
        let listed = try json(try chorus(["review", "list", "--drill", "--json"]).standardOutput)["bundles"] as? [[String: Any]]
        #expect(listed?.contains { $0["id"] as? Int == bundle } == true)

        // $EDITOR edits the file it is given; the new text is measured again.
        let draft = try #require(try pendingDrafts(bundle).first)
        let script = directory.appendingPathComponent("editor.sh")
        try Data("#!/bin/sh\nprintf '%s\\n' 'Edited in an editor: solidarity.' > \"$1\"\n".utf8).write(to: script)
        chmod(script.path, 0o755)
        let edited = try ChorusProcess.run(["review", "edit", "d\(draft.id)", "--database", database],
                                           environment: ["EDITOR": script.path, "NO_COLOR": "1"])
        #expect(edited.status == 0, "\(edited.standardError)")
        #expect(edited.standardOutput.contains("revision 2, pending, "))
        #expect(edited.standardError.contains("put the drill marker"), "\(edited.standardError)")
        let shown = try json(try chorus(["review", "show", "d\(draft.id)", "--json"]).standardOutput)
        let saved = try #require((shown["drafts"] as? [[String: Any]])?.first?["text"] as? String)
        #expect(saved.hasPrefix("[") && saved.hasSuffix("] Edited in an editor: solidarity."), "\(saved)")
    }

    @Test func badIDsAreUsageErrors() throws {
        #expect(try ChorusProcess.run(["review", "show", "x12"]).status == 64)
        #expect(try ChorusProcess.run(["review", "edit", "12", "--text", "t"]).status == 64)
        #expect(try ChorusProcess.run(["review", "list", "--status", "nope"]).status == 64)
        #expect(try chorus(["review", "show", "999999"]).status == 65)
    }
}

/// A JSON document's shape, one line a path: `bundles[].drafts[].text: string`. Pins what `--json` promises
/// without pinning the values (ids, times, texts) that change from run to run.
enum JSONSchema {
    static func describe(_ text: String) throws -> String {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        var types: [String: Set<String>] = [:]
        walk(value, path: "", into: &types)
        return types.keys.sorted().map { "\($0.isEmpty ? "." : $0): \(types[$0, default: []].sorted().joined(separator: "|"))" }
            .joined(separator: "\n") + "\n"
    }

    private static func walk(_ value: JSONValue, path: String, into types: inout [String: Set<String>]) {
        switch value {
        case .object(let object):
            types[path, default: []].insert("object")
            // Maps keyed by data (draft states, languages) are described by their values only.
            let isMap = ["draftStates", "headline", "description"].contains { path.hasSuffix($0) }
            for (key, child) in object { walk(child, path: isMap ? path + ".*" : (path.isEmpty ? key : path + "." + key), into: &types) }
        case .array(let array):
            types[path, default: []].insert("array")
            for child in array { walk(child, path: path + "[]", into: &types) }
        case .null: types[path, default: []].insert("null")
        case .bool: types[path, default: []].insert("bool")
        case .number: types[path, default: []].insert("number")
        case .string: types[path, default: []].insert("string")
        }
    }

    indirect enum JSONValue: Decodable {
        case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
            else { self = .object(try container.decode([String: JSONValue].self)) }
        }
    }
}
