import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// Migration 6 against a real server with real roles: the daemon cannot forge review actions, a schema
/// owner with the triggers disabled can neither rewrite the audit nor release a drill as real, a reviewer
/// cannot store a length that cannot be true, and Deploy/roles.sql runs for an owner without CREATEROLE.
struct GuaranteesTests {
    /// The first draft of `bundle` and its bundle id, as the owner sees them.
    static func aDraft(_ fixture: ReviewFixture, bundle: Int) throws -> (draft: Int, bundle: Int) {
        let id = try #require(try fixture.owner.query("SELECT min(id) AS id FROM chorus.drafts WHERE bundle_id = \(bundle)")
            .first?.decode("id", as: Int.self))
        return (id, bundle)
    }

    @Test func theDaemonRoleCannotForgeAReviewAction() throws {
        let fixture = try ReviewFixture()
        let (draft, bundle) = try Self.aDraft(fixture, bundle: fixture.liveBundle)
        let daemon = try fixture.connect(as: ReviewFixture.daemon)
        for action in ["approved", "released", "rejected", "edited", "expired", "returned"] {
            #expect {
                try daemon.execute("""
                    INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note) VALUES (\(bundle), \(draft), \(action), 'forged')
                    """)
            } throws: { error in (error as? PostgresError)?.sqlState == "42501" }
        }
        // Its own actions it appends, under its own name.
        try daemon.execute("INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note) VALUES (\(bundle), \(draft), 'flagged', 'x')")
        #expect(try fixture.count("SELECT count(*) FROM chorus.review_audit WHERE note = 'forged'") == 0)
        #expect(try fixture.count("""
            SELECT count(*) FROM chorus.review_audit WHERE note = 'x' AND actor = \(ReviewFixture.daemon)
            """) == 1)
        // And review show prints no forged approval.
        let audit = try ReviewStore(connection: fixture.owner).audit(bundle: bundle)
        #expect(!audit.contains { $0.note == "forged" })
    }

    /// A schema owner that is not a superuser, with every user trigger disabled.
    @Test func anOwnerWithTheTriggersDisabledCannotRewriteTheAuditNorReleaseADrill() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let admin = try Connection(conninfo)
        let owner = "chorus_test_owner_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE ROLE \(identifier: owner) LOGIN")
        let database = try #require(try admin.query("SELECT current_database() AS d").first?.decode("d", as: String.self))
        try admin.execute("ALTER DATABASE \(identifier: database) OWNER TO \(identifier: owner)")
        let connection = try ReviewFixture.connect(conninfo, as: owner)
        try Migrator().migrate(connection)
        let ruleSet = try RuleSet.load(from: ReviewFixture.repository.appendingPathComponent("Rules"))
        let drill = try #require(ruleSet.drill(id: "jerusalem-2017")?.events().first)
        let batch = QueueBatch(source: "t", events: [PlannedEvent(event: drill, plans: BundlePlanner.plans(event: drill, ruleSet: ruleSet, now: Date()))])
        _ = try QueueWriter().write([batch], on: connection)
        let audited = try #require(try connection.query("SELECT count(*) AS n FROM chorus.review_audit").first?.decode("n", as: Int.self))
        #expect(audited > 0)

        try connection.execute("ALTER TABLE chorus.review_audit DISABLE TRIGGER USER")
        try connection.execute("ALTER TABLE chorus.drafts DISABLE TRIGGER USER")
        try connection.execute("ALTER TABLE chorus.bundles DISABLE TRIGGER USER")
        // The foreign key's own triggers are the system's: only a superuser may disable them.
        #expect { try connection.execute("ALTER TABLE chorus.drafts DISABLE TRIGGER ALL") }
            throws: { error in (error as? PostgresError)?.sqlState == "42501" }
        // The audit: no row can be changed or removed, none added under another's name.
        #expect(try connection.execute("UPDATE chorus.review_audit SET actor = 'someone-else', action = 'approved'") == 0)
        #expect(try connection.execute("DELETE FROM chorus.review_audit WHERE action = 'drafted' AND bundle_id NOT IN (SELECT id FROM chorus.bundles WHERE is_drill)") == 0)
        let bundle = try #require(try connection.query("SELECT min(bundle_id) AS b FROM chorus.review_audit").first?.decode("b", as: Int.self))
        #expect { try connection.execute("INSERT INTO chorus.review_audit (bundle_id, action, actor) VALUES (\(bundle), 'approved', 'alice')") }
            throws: { error in (error as? PostgresError)?.sqlState == "42501" }
        #expect(try admin.query("SELECT count(*) AS n FROM chorus.review_audit WHERE actor <> \(owner) OR action <> 'drafted'")
            .first?.decode("n", as: Int.self) == 0)
        #expect(try admin.query("SELECT count(*) AS n FROM chorus.review_audit").first?.decode("n", as: Int.self) == audited)
        // The drill: its drafts stay drills, and a drill draft is never released.
        #expect { try connection.execute("UPDATE chorus.drafts SET is_drill = false WHERE is_drill") }
            throws: { error in (error as? PostgresError)?.sqlState == "23503" }
        #expect { try connection.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE is_drill") }
            throws: { error in (error as? PostgresError)?.sqlState == "23514" }
        #expect { try connection.execute("UPDATE chorus.bundles SET is_drill = false WHERE is_drill") }
            throws: { error in (error as? PostgresError)?.sqlState == "23503" }
        #expect(try admin.query("SELECT count(*) AS n FROM chorus.drafts WHERE state = 'released'").first?.decode("n", as: Int.self) == 0)
    }

    @Test func anEditWithAControlCharacterOrAnImpossibleLengthIsRefused() throws {
        let fixture = try ReviewFixture()
        let alice = try fixture.connect(as: ReviewFixture.reviewers[0])
        let x = try #require(try fixture.owner.query("""
            SELECT min(id) AS id FROM chorus.drafts WHERE bundle_id = \(fixture.liveBundle) AND channel = 'x' AND state = 'pending'
            """).first?.decode("id", as: Int.self))
        let long = Array(repeating: "solidarity", count: 1000).joined(separator: " ")
        for (text, length) in [(long, 1), (long, 280), ("bell \u{7} here", 12), ("escape \u{1B}[31m red", 20), ("c1 \u{85}\u{9B} here", 10)] {
            #expect {
                try alice.execute("SELECT chorus.edit_draft(\(x), NULL::integer, \(text), \(length)::integer, NULL)")
            } throws: { error in (error as? PostgresError)?.sqlState == "22023" }
        }
        #expect(try fixture.count("SELECT count(*) FROM chorus.drafts WHERE id = \(x) AND revision > 1") == 0)
        // Through the store: a NUL is refused before anything is sent, with a message, not cut off.
        #expect(throws: ReviewError.self) {
            try ReviewStore(connection: alice).edit(draft: x, expectedVersion: nil, text: "cut\u{0}here")
        }
        // The true length is taken, and over the limit the draft needs an edit.
        let edited = try ReviewStore(connection: alice).edit(draft: x, expectedVersion: nil, text: long)
        #expect(edited.weightedLength == Channel.x.length(of: long))
        #expect(edited.state == .needsEdit)
    }

    /// The bound is never above what ChorusCore measures, whatever the text: 2,000 random texts of words,
    /// URLs, Hebrew and Arabic (with prepended marks), emoji sequences, keycaps, combining marks, CR LF
    /// and exotic spaces, on every channel.
    @Test func theLowerBoundIsNeverAboveTheTrueLength() throws {
        let connection = try TestPostgres.connect()
        try Migrator().migrate(connection)
        var random = SeededGenerator(seed: 2017)
        let pieces = ["hello", "Jérusalem", "https://example.org/a/very/long/path?with=query&and=more", "www.gov.il", "(https://t.co/x).",
                      "ירושלים", "القدس", "\u{0600}12", "\u{0600} ", "👨‍👩‍👧‍👦", "🇮🇱", "1️⃣", "#️⃣", "e\u{301}", "a\u{301}\u{302}\u{303}",
                      "\r\n", "\n", "\t", "\u{A0}", "\u{3000}", "\u{2009}", " ", "  ", "x.y", "a.b.c", "ﬁ", "𝔘𝔫𝔦", "中文字", "\u{200D}",
                      "\u{FE0F}", "\u{20E3}", "Z\u{0335}\u{0336}\u{0337}", ".", "...", "#WeStandWithIsrael", "@handle"]
        var texts: [String] = []
        for _ in 0..<2000 {
            let count = 1 + Int(random.next() % 12)
            texts.append((0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined())
        }
        for channel in Channel.allCases {
            let bounds = try connection.query("""
                SELECT t.position, chorus.length_lower_bound(t.text, \(channel.rawValue)) AS bound
                FROM unnest(\(texts)) WITH ORDINALITY AS t(text, position) ORDER BY t.position
                """).rows.map { try $0.decode("bound", as: Int.self) }
            for (text, bound) in zip(texts, bounds) {
                #expect(bound <= channel.length(of: text), "\(channel): \(text.debugDescription) bound \(bound) > \(channel.length(of: text))")
            }
            // And it is not a bound of nothing: plain sentences come close to their length.
            let plain = "We stand with the people of Jerusalem tonight."
            let bound = try #require(try connection.query("SELECT chorus.length_lower_bound(\(plain), \(channel.rawValue)) AS b").first?.decode("b", as: Int.self))
            #expect(bound == channel.length(of: plain))
        }
    }

    /// An owner who may not create roles runs Deploy/roles.sql after every migrate: the roles exist already.
    @Test func rolesSQLRunsForAnOwnerWithoutCreateRole() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let admin = try Connection(conninfo)
        // What roles.sql asks an administrator to create first (the test cluster may hold them already).
        for (role, attributes) in [("chorus_daemon", "NOLOGIN"), ("chorus_reviewer", "NOLOGIN"), ("chorus_editor", "NOLOGIN"),
                                   ("chorus_admin", "NOLOGIN"), ("chorus_console", "LOGIN NOINHERIT")] {
            do {
                try admin.execute("CREATE ROLE \(identifier: role) \(unescaped: attributes)")
            } catch let error as PostgresError where error.sqlState == "42710" || error.sqlState == "23505" {}
        }
        try admin.execute("GRANT chorus_reviewer TO chorus_editor")
        try admin.execute("GRANT chorus_editor TO chorus_admin")
        let owner = "chorus_test_nocreaterole_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE ROLE \(identifier: owner) LOGIN NOCREATEROLE")
        let database = try #require(try admin.query("SELECT current_database() AS d").first?.decode("d", as: String.self))
        try admin.execute("ALTER DATABASE \(identifier: database) OWNER TO \(identifier: owner)")
        let connection = try ReviewFixture.connect(conninfo, as: owner)
        try Migrator().migrate(connection)
        try DeployRoles.install(on: connection)
        #expect(try admin.query("SELECT has_table_privilege('chorus_daemon', 'chorus.events', 'INSERT') AS ok").first?.decode("ok", as: Bool.self) == true)
    }
}
