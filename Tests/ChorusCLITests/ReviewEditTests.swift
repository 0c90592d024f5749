import Foundation
import Testing
import TestSupport

/// `chorus review edit` keeps what must stay: a drill's marker, the draft's script (unless --force), and
/// opens $EDITOR on a file that says what is being edited.
struct ReviewEditTests {
    let database: String
    let scratch: URL

    init() throws {
        database = try TestPostgres.makeDatabase()
        scratch = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-edit")
        let migrated = try ChorusProcess.run(["migrate", "--database", database])
        try #require(migrated.status == 0, "\(migrated.standardError)")
    }

    func chorus(_ arguments: [String], environment: [String: String] = [:]) throws -> ChorusProcess.Outcome {
        try ChorusProcess.run(arguments + ["--database", database], environment: ["NO_COLOR": "1"].merging(environment) { $1 })
    }

    /// The drafts of the bundle a drill (or a live event) opened: id → (participant, language, channel, text, version).
    func drafts(live: Bool) throws -> [Int: (participant: String, language: String, channel: String, text: String, version: Int)] {
        let event = #"{"id":"edit-1","kind":"terror_attack","status":"actual","msgType":"alert","countries":["IL"],"place":"Jerusalem","severity":"severe","certainty":"observed","fatalities":4,"injured":17,"occurredAt":"2017-01-08T11:30:00Z","sentAt":"2017-01-08T11:45:00Z"}"#
        let file = scratch.appendingPathComponent("event.jsonl")
        try Data((event + "\n").utf8).write(to: file)
        let queued = live
            ? try chorus(["ingest", file.path, "--rules", Repository.rules.path])
            : try chorus(["drill", "--event", file.path, "--rules", Repository.rules.path])
        try #require(queued.status == 0, "\(queued.standardError)")
        let list = try chorus(["review", "list", "--json", "--status", "all"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [String: Any])
        let bundle = try #require((object["bundles"] as? [[String: Any]])?.first { ($0["isDrill"] as? Bool) == !live }?["id"] as? Int)
        let shown = try chorus(["review", "show", String(bundle), "--json"])
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])
        var result: [Int: (String, String, String, String, Int)] = [:]
        for draft in try #require(detail["drafts"] as? [[String: Any]]) {
            guard let id = draft["id"] as? Int, let participant = draft["participant"] as? String, let language = draft["language"] as? String, let channel = draft["channel"] as? String,
                  let text = draft["text"] as? String, let version = draft["version"] as? Int else { continue }
            result[id] = (participant, language, channel, text, version)
        }
        return result
    }

    func text(of draft: Int) throws -> String {
        let shown = try chorus(["review", "show", "d\(draft)", "--json"])
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])
        return try #require((detail["drafts"] as? [[String: Any]])?.first?["text"] as? String)
    }

    /// An editor that keeps a copy of what it was shown and saves `saved` instead.
    func editor(saving saved: String) throws -> (script: String, shown: URL) {
        let shown = scratch.appendingPathComponent("shown-\(UUID().uuidString.prefix(6)).txt")
        let content = scratch.appendingPathComponent("saved-\(UUID().uuidString.prefix(6)).txt")
        try Data(saved.utf8).write(to: content)
        let script = scratch.appendingPathComponent("editor-\(UUID().uuidString.prefix(6)).sh")
        try Data("#!/bin/sh\ncp \"$1\" '\(shown.path)'\ncp '\(content.path)' \"$1\"\n".utf8).write(to: script)
        chmod(script.path, 0o755)
        return (script.path, shown)
    }

    @Test func theEditorFileNamesTheDraftAndItsHeaderIsStrippedOnSave() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let drafts = try drafts(live: true)
        // The Foreign Office's own statement: the bundle also holds its gesture post and Israel's embassy's thanks in German.
        let (id, draft) = try #require(drafts.first {
            $0.value.participant == "de-foreign-office" && $0.value.language == "de" && $0.value.channel == "x" && $0.value.text.contains("verurteilen")
        })
        // The saved file keeps the header lines and starts the text with a hashtag line: only the header goes.
        let (script, shown) = try editor(saving: "# Editing something\n# Limit: whatever\n#Jerusalem\nWir stehen an der Seite Israels.\n")
        let edited = try chorus(["review", "edit", "d\(id)"], environment: ["EDITOR": script])
        #expect(edited.status == 0, "\(edited.standardError)")
        let header = try String(contentsOf: shown, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(header.first == "# Editing d\(id)@\(draft.version) (revision 1, pending) of bundle \(try bundleOf(id))")
        // Several senders have a German X draft (whichever the dictionary gives first): the header names its own.
        #expect(header.contains { $0.hasPrefix("# Sender: ") && $0.contains(" (@") && $0.hasSuffix(") · channel: x · language: de") },
                "\(header)")
        #expect(header.contains { $0.hasPrefix("# Limit: 280 (as x counts: a URL 23, CJK and emoji 2); the text below measures ") })
        #expect(header.contains("# These lines starting with '# ' are removed when you save; an empty text changes nothing."))
        #expect(header.last == draft.text)
        #expect(try text(of: id) == "#Jerusalem\nWir stehen an der Seite Israels.")

        // An empty save changes nothing.
        let (empty, _) = try editor(saving: "# Editing d\(id)\n\n")
        let cancelled = try chorus(["review", "edit", "d\(id)"], environment: ["EDITOR": empty])
        #expect(cancelled.status == 65)
        #expect(cancelled.standardError == "Error: the new text of d\(id) is empty; nothing changed\n")
        #expect(try text(of: id) == "#Jerusalem\nWir stehen an der Seite Israels.")
        // The same text again is no new revision.
        let same = try chorus(["review", "edit", "d\(id)", "--text", "#Jerusalem\nWir stehen an der Seite Israels."])
        #expect(same.status == 0)
        #expect(same.standardOutput.hasSuffix(": the text is unchanged; nothing to do\n"), "\(same.standardOutput)")
    }

    func bundleOf(_ draft: Int) throws -> Int {
        let shown = try chorus(["review", "show", "d\(draft)", "--json"])
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])
        return try #require((detail["drafts"] as? [[String: Any]])?.first?["bundleId"] as? Int)
    }

    @Test func aDrillDraftKeepsItsMarker() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (id, _) = try #require(try drafts(live: false).first { $0.value.language == "he" })
        let edited = try chorus(["review", "edit", "d\(id)", "--text", "אנו עומדים לצד ישראל"])
        #expect(edited.status == 0, "\(edited.standardError)")
        #expect(edited.standardError == "chorus: put the drill marker [תרגיל] back at the start of d\(id): a drill draft keeps it\n")
        #expect(try text(of: id) == "[תרגיל] אנו עומדים לצד ישראל")
        // Kept where it is when the edit has it.
        #expect(try chorus(["review", "edit", "d\(id)", "--text", "[תרגיל] אנו עומדים לצד ישראל היום"]).standardError.isEmpty)
    }

    @Test func aTextInAnotherScriptNeedsForce() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (id, draft) = try #require(try drafts(live: true).first { $0.value.language == "he" })
        let refused = try chorus(["review", "edit", "d\(id)", "--text", "We stand with Israel today."])
        #expect(refused.status == 65)
        #expect(refused.standardError == "Error: d\(id) is a he draft (Hebrew script), but the new text is written mostly in Latin "
                + "script: is it the right draft? Nothing changed; pass --force to store it\n")
        #expect(try text(of: id) == draft.text)
        // Hashtags and links in another script are fine.
        #expect(try chorus(["review", "edit", "d\(id)", "--text", "אנו עומדים לצד ישראל #WeStandWithIsrael"]).status == 0)
        let forced = try chorus(["review", "edit", "d\(id)", "--text", "We stand with Israel today.", "--force"])
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(try text(of: id) == "We stand with Israel today.")
    }
}
