import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// Two people on one machine are two reviewers with no setup (issue 14): the operator's embedded cluster,
/// and two real operating-system users who run the real `chorus review …` as themselves. Each one's
/// connection is their own PostgreSQL role (peer authentication through the cluster's public socket), so
/// the audit tells them apart and four-eyes holds between them.
@Suite(.serialized) struct TwoReviewersTests {
    @Test(.enabled(if: geteuid() == 0, "needs root: it creates two operating-system users (useradd) and runs chorus as each (setpriv)"))
    func aliceEditsAliceCannotApproveBobCan() throws {
        let alice = try SystemUser.create("alice"), bob = try SystemUser.create("bob")
        defer {
            alice.remove()
            bob.remove()
        }
        // The operator's cluster: root's chorus creates it (run by the unprivileged server account), as a
        // service's would be under /var/lib/chorus.
        let state = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-people").appendingPathComponent("state")
        // As the shipped unit makes /var/lib/chorus: others may pass through it, not list it.
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o751])
        let environment = ["STATE_DIRECTORY": state.path, "NO_COLOR": "1"]
        func chorus(_ arguments: [String], as user: SystemUser? = nil) throws -> ChorusProcess.Outcome {
            try ChorusProcess.run(arguments, environment: environment, directory: Repository.root, as: user)
        }
        defer { _ = try? chorus(["embedded", "stop"]) }

        let drill = try chorus(["drill", "jerusalem-2017", "--json", "--rules", Repository.rules.path])
        try #require(drill.status == 0, "\(drill.standardError)")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(drill.standardOutput.utf8)) as? [String: Any])
        let bundle = try #require((run["bundles"] as? [Int])?.first)
        for person in [alice, bob] {
            let added = try chorus(["reviewers", "add", person.name, "--role", "editor"])
            try #require(added.status == 0, "\(added.standardError)")
        }

        // Each of them reads the queue as themselves, from the operator's cluster.
        let shown = try chorus(["review", "show", String(bundle), "--json"], as: alice)
        try #require(shown.status == 0, "alice: \(shown.standardError)")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])
        let draft = try #require((detail["drafts"] as? [[String: Any]])?.first { ($0["state"] as? String) == "pending" })
        let id = try #require(draft["id"] as? Int), version = try #require(draft["version"] as? Int)
        let text = try #require(draft["text"] as? String)

        // alice edits; she cannot approve her own edit; bob can.
        let edited = try chorus(["review", "edit", "d\(id)@\(version)", "--text", text + " (edited by alice)", "--force"], as: alice)
        #expect(edited.status == 0, "alice's edit: \(edited.standardError)")
        let own = try chorus(["review", "approve", "d\(id)"], as: alice)
        #expect(own.status == 65, "alice approving her own edit: \(own.standardOutput)\(own.standardError)")
        #expect(own.standardError.contains("last edited by you"), "\(own.standardError)")
        let approved = try chorus(["review", "approve", "d\(id)"], as: bob)
        #expect(approved.status == 0, "bob's approval: \(approved.standardError)")

        // The audit names each of them, as their own role — never the superuser everybody could be.
        let trail = try chorus(["review", "show", "d\(id)", "--json"])
        try #require(trail.status == 0, "\(trail.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(trail.standardOutput.utf8)) as? [String: Any])
        let audit = try #require(object["audit"] as? [[String: Any]])
        let decisions = audit.compactMap { row -> String? in
            // The reviewers' decisions (the pipeline's own rows — drafted, flagged by the drill's update — aside).
            guard let action = row["action"] as? String, ["edited", "approved", "rejected"].contains(action),
                  let actor = row["actor"] as? String else { return nil }
            return "\(action) by \(actor)"
        }
        #expect(decisions == ["edited by \(alice.name)", "approved by \(bob.name)"])
        let after = try #require((object["drafts"] as? [[String: Any]])?.first)
        #expect(after["lastEditedBy"] as? String == alice.name)
        #expect(after["approvedBy"] as? String == bob.name)
        #expect(after["state"] as? String == "approved")
    }
}
