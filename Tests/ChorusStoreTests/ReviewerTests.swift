import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// Named reviewers and console sessions against a real server: the people functions refuse everything but
/// reviewers, passwords arrive as verifiers, the four-eyes rule holds for named people, and the console acts
/// for a reviewer only inside that reviewer's live session.
struct ReviewerTests {
    let fixture: ReviewFixture
    let people: ReviewerStore
    /// Names unique to this test (roles are the cluster's).
    let prefix = "t\(getpid())_\(UUID().uuidString.prefix(6).lowercased())_"

    init() throws {
        fixture = try ReviewFixture()
        people = ReviewerStore(connection: fixture.owner)
    }

    func name(_ person: String) -> String { prefix + person }

    func sqlState(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as ReviewError {
            return error.sqlState ?? error.kind.rawValue
        } catch let error as PostgresError {
            return error.sqlState
        } catch {
            return "?"
        }
    }

    @Test func deployRolesIsTheScriptChorusApplies() throws {
        let file = try String(contentsOf: Repository.root.appendingPathComponent("Deploy/roles.sql"), encoding: .utf8)
        #expect(file == DatabaseRoles.script.description + "\n", "Deploy/roles.sql and DatabaseRoles.script differ: keep them one text")
    }

    @Test func addChangeListRemove() throws {
        let alice = name("alice")
        ReviewFixture.rolesLock.lock()
        defer { ReviewFixture.rolesLock.unlock() }
        #expect(try people.add(alice, as: .reviewer, password: "correct horse battery") == .added)
        var listed = try #require(try people.list().first { $0.name == alice })
        #expect(listed.role == .reviewer)
        #expect(listed.hasPassword == true)
        #expect(try people.add(alice, as: .editor) == .changed)
        listed = try #require(try people.list().first { $0.name == alice })
        #expect(listed.role == .editor)
        // The verifier went to the server, never the password.
        let stored = try fixture.owner.query("SELECT rolpassword FROM pg_authid WHERE rolname = \(alice)").first?
            .decode("rolpassword", as: String?.self)
        #expect(stored?.hasPrefix("SCRAM-SHA-256$") == true)
        #expect(try fixture.owner.query("SELECT count(*) AS n FROM chorus.reviewer_changes WHERE reviewer = \(alice)")
            .first?.decode("n", as: Int.self) == 2)
        #expect(try people.remove(alice))
        #expect(try people.list().first { $0.name == alice } == nil)
        #expect(try !people.remove(alice))
    }

    @Test func onlyReviewersAreManaged() throws {
        ReviewFixture.rolesLock.lock()
        defer { ReviewFixture.rolesLock.unlock() }
        // Not the pipeline's role, not a superuser, not a group, not a reserved or malformed name.
        let service = name("svc")
        try fixture.owner.execute("CREATE ROLE \(identifier: service) LOGIN IN ROLE chorus_daemon")
        #expect(sqlState { try people.add(service, as: .admin) } == "42501")
        #expect(sqlState { try people.remove(service) } == "42501")
        #expect(sqlState { try people.add(ReviewFixture.daemon, as: .admin) } == "22023")
        #expect(sqlState { try people.add("chorus", as: .admin) } == "22023")
        #expect(sqlState { try people.add("chorus_console", as: .reviewer) } == "22023")
        #expect(sqlState { try people.add("Alice", as: .reviewer) } == "22023")
        #expect(sqlState { try people.add("pg_monitor", as: .reviewer) } == "22023")
        #expect(sqlState { try people.add("a\"b", as: .reviewer) } == "22023")
        // A plain-text password is refused before it could be stored or logged.
        #expect(sqlState { _ = try fixture.owner.query("SELECT chorus.add_reviewer(\(name("x")), 'reviewer', 'hunter2hunter2')") } == "22023")
    }

    @Test func anAdminGrantsButNeverBypassesTheWorkflow() throws {
        let dana = name("dana"), erin = name("erin")
        ReviewFixture.rolesLock.lock()
        try people.add(dana, as: .admin)
        ReviewFixture.rolesLock.unlock()
        let admin = try fixture.connect(as: dana)
        ReviewFixture.rolesLock.lock()
        #expect(try ReviewerStore(connection: admin).add(erin, as: .reviewer) == .added)
        // An admin cannot make herself the pipeline, nor anyone a superuser.
        #expect(sqlState { try admin.execute("GRANT chorus_daemon TO \(identifier: dana)") } == "42501")
        #expect(sqlState { try admin.execute("ALTER ROLE \(identifier: erin) SUPERUSER") } == "42501")
        ReviewFixture.rolesLock.unlock()
        // No table is hers to write; drafts move through the review functions only.
        let draft = try #require(try ReviewStore(connection: admin).drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        #expect(sqlState { try admin.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = \(draft.id)") } == "42501")
        #expect(sqlState { try admin.execute("INSERT INTO chorus.review_audit (bundle_id, action) VALUES (\(draft.bundleId), 'approved')") } == "42501")
        #expect(try fixture.owner.query("SELECT actor FROM chorus.reviewer_changes WHERE reviewer = \(erin)").first?
            .decode("actor", as: String.self) == dana)
    }

    @Test func aPlainReviewerCannotEdit() throws {
        let rita = name("rita")
        ReviewFixture.rolesLock.lock()
        try people.add(rita, as: .reviewer)
        ReviewFixture.rolesLock.unlock()
        let store = try fixture.store(as: rita)
        let draft = try #require(try store.drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        #expect(sqlState { try store.edit(draft: draft.id, expectedVersion: draft.version, text: draft.text + " edited") } == "42501")
        try store.approve(draft: draft.id, expectedVersion: draft.version, note: nil)
        #expect(try store.draft(draft.id).approvedBy == rita)
    }

    /// The console logs in as the reviewer with her password, opens a session, and acts for her only within it.
    @Test func theConsoleActsForAReviewerOnlyInsideHerSession() throws {
        let alice = name("alice"), bob = name("bob")
        ReviewFixture.rolesLock.lock()
        try people.add(alice, as: .editor, password: "alice's long password")
        try people.add(bob, as: .editor, password: "bob's long password!")
        ReviewFixture.rolesLock.unlock()

        // PostgreSQL checks the password.
        let login = try Connection(try TestPostgres.loginConninfo(user: alice, password: "alice's long password"))
        #expect(login.user == alice)
        #expect(throws: PostgresError.self) { try Connection(try TestPostgres.loginConninfo(user: alice, password: "wrong password")) }

        let console = try Connection(try TestPostgres.conninfo(database: fixture.conninfo, user: DatabaseRoles.consoleRole))
        let sessions = ConsoleSessionStore(connection: console)
        let aliceToken = String(repeating: "a", count: 40) + prefix
        let bobToken = String(repeating: "b", count: 40) + prefix
        try sessions.open(token: aliceToken, reviewer: alice, lifetime: .seconds(3600), idle: .seconds(600))
        try sessions.open(token: bobToken, reviewer: bob, lifetime: .seconds(3600), idle: .seconds(600))
        // Only reviewers get sessions.
        #expect(sqlState { try sessions.open(token: String(repeating: "c", count: 40), reviewer: ReviewFixture.daemon, lifetime: .seconds(60), idle: .seconds(60)) } == "42501")
        #expect(sqlState { try sessions.open(token: String(repeating: "c", count: 40), reviewer: "chorus", lifetime: .seconds(60), idle: .seconds(60)) } == "42501")
        let aliceSession = try #require(try sessions.resume(token: aliceToken))
        #expect(aliceSession.reviewer == alice)
        #expect(try sessions.resume(token: "no such token") == nil)

        // Alice edits as herself; her own edit she may not approve; Bob may.
        let draft = try #require(try ReviewStore(connection: fixture.owner).drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        let edited = try sessions.acting(as: aliceSession, token: aliceToken) {
            try ReviewStore(connection: $0).edit(draft: draft.id, expectedVersion: draft.version, text: draft.text + " #Solidarity")
        }
        #expect(edited.lastEditedBy == alice)
        #expect(sqlState {
            try sessions.acting(as: aliceSession, token: aliceToken) {
                try ReviewStore(connection: $0).approve(draft: draft.id, expectedVersion: edited.version, note: nil)
            }
        } == "CH003")
        let bobSession = try #require(try sessions.resume(token: bobToken))
        try sessions.acting(as: bobSession, token: bobToken) {
            try ReviewStore(connection: $0).approve(draft: draft.id, expectedVersion: edited.version, note: "four eyes")
        }
        let audit = try ReviewStore(connection: fixture.owner).audit(bundle: fixture.liveBundle).filter { $0.draftId == draft.id }
        #expect(audit.map(\.actor).suffix(2) == [alice, bob])
        #expect(try ReviewStore(connection: fixture.owner).draft(draft.id).approvedBy == bob)

        // Without her token — or with Bob's — the console cannot act as Alice.
        let other = try #require(try ReviewStore(connection: fixture.owner).drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        #expect(sqlState {
            try sessions.acting(as: aliceSession, token: bobToken) {
                try ReviewStore(connection: $0).approve(draft: other.id, expectedVersion: other.version, note: nil)
            }
        } == "42501")
        // Nor as itself: it holds none of the reviewers' privileges.
        #expect(sqlState { try ReviewStore(connection: console).approve(draft: other.id, expectedVersion: other.version, note: nil) } == "42501")
        #expect(sqlState { _ = try console.query("SELECT count(*) FROM chorus.drafts") } == "42501")
        #expect(sqlState { _ = try console.query("SELECT count(*) FROM chorus.console_sessions") } == "42501")
        // Reviewers cannot read the sessions either.
        #expect(sqlState { _ = try fixture.connect(as: bob).query("SELECT count(*) FROM chorus.console_sessions") } == "42501")

        // After logout the session is gone for every console instance.
        #expect(try sessions.close(token: aliceToken))
        #expect(try sessions.resume(token: aliceToken) == nil)
        #expect(sqlState {
            try sessions.acting(as: aliceSession, token: aliceToken) {
                try ReviewStore(connection: $0).reject(draft: other.id, expectedVersion: other.version, reason: "no")
            }
        } == "42501")
        // A removed reviewer's sessions end with her.
        ReviewFixture.rolesLock.lock()
        try people.remove(bob)
        ReviewFixture.rolesLock.unlock()
        #expect(try sessions.resume(token: bobToken) == nil)
    }

    @Test func aPageIsReadAsTheReviewerInOneTransactionThatResumesHerSession() throws {
        let rita = name("rita")
        ReviewFixture.rolesLock.lock()
        try people.add(rita, as: .reviewer)
        ReviewFixture.rolesLock.unlock()
        let console = try Connection(try TestPostgres.conninfo(database: fixture.conninfo, user: DatabaseRoles.consoleRole))
        let sessions = ConsoleSessionStore(connection: console)
        let token = String(repeating: "r", count: 40) + prefix
        let opened = try sessions.open(token: token, reviewer: rita, lifetime: .seconds(3600), idle: .seconds(600))

        // Her session, her role, her token and the generic plans, for the transaction only.
        let (seen, settings, drafts) = try sessions.reading(token: token) { session, connection in
            (session, try connection.query("""
                SELECT current_user::text AS me, current_setting('chorus.console_session') AS token,
                       current_setting('plan_cache_mode') AS plans
                """).first, try ReviewStore(connection: connection).drafts(bundle: fixture.liveBundle).count)
        }
        #expect(seen?.id == opened)
        #expect(seen?.reviewer == rita)
        #expect(try settings?.decode("me", as: String.self) == rita)
        #expect(try settings?.decode("token", as: String.self) == token)
        #expect(try settings?.decode("plans", as: String.self) == "force_generic_plan")
        #expect(drafts == (try ReviewStore(connection: fixture.owner).drafts(bundle: fixture.liveBundle).count))
        let after = try #require(try console.query("""
            SELECT current_user::text AS me, current_setting('plan_cache_mode') AS plans
            """).first)
        #expect(try after.decode("me", as: String.self) == DatabaseRoles.consoleRole)
        #expect(try after.decode("plans", as: String.self) == "auto")

        // Without a live session the body runs as the console, which reads nothing of the queue.
        let nobody = try sessions.reading(token: String(repeating: "x", count: 40) + prefix) { session, connection in
            (session, try connection.query("SELECT current_user::text AS me").first?.decode("me", as: String.self))
        }
        #expect(nobody.0 == nil)
        #expect(nobody.1 == DatabaseRoles.consoleRole)
        #expect(try sessions.close(token: token))
        #expect(try sessions.reading(token: token) { session, _ in session } == nil)
    }

    @Test func idleSessionsEnd() throws {
        let ivy = name("ivy")
        ReviewFixture.rolesLock.lock()
        try people.add(ivy, as: .reviewer)
        ReviewFixture.rolesLock.unlock()
        let console = ConsoleSessionStore(connection: try Connection(try TestPostgres.conninfo(database: fixture.conninfo, user: DatabaseRoles.consoleRole)))
        let token = String(repeating: "i", count: 40) + prefix
        try console.open(token: token, reviewer: ivy, lifetime: .seconds(3600), idle: .seconds(1))
        #expect(try console.resume(token: token) != nil)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try console.resume(token: token) == nil)
        let short = String(repeating: "j", count: 40) + prefix
        try console.open(token: short, reviewer: ivy, lifetime: .seconds(1), idle: .seconds(600))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try console.resume(token: short) == nil)
    }
}
