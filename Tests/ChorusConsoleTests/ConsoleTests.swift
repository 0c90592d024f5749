import ChorusConsole
import ChorusCore
import ChorusHTTP
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// The console over HTTP without a browser: who gets in, what every answer carries, and what is refused —
/// a change without its CSRF token or from another origin, another site's Host, a stale approval, a
/// session that ended.
@Suite struct ConsoleTests {
    let fixture: ConsoleFixture
    init() throws { fixture = try ConsoleFixture() }

    @Test func healthzAnswers() throws {
        let answer = try ConsoleClient(base: fixture.base).get("/healthz")
        #expect(answer.status == 200)
        #expect(answer.body == "ok")
    }

    @Test func pagesNeedASessionAndGoToTheLoginThroughOneSameSiteHop() throws {
        let client = ConsoleClient(base: fixture.base)
        let first = try client.get("/bundles/\(fixture.review.liveBundle)")
        #expect(first.status == 200)
        #expect(first.body.contains("http-equiv=\"refresh\" content=\"0;url=/bundles/\(fixture.review.liveBundle)?hop=1\""))
        let second = try client.get("/bundles/\(fixture.review.liveBundle)?hop=1")
        #expect(second.status == 303)
        #expect(second.headers["location"] == "/login?next=%2Fbundles%2F\(fixture.review.liveBundle)")
        #expect(try client.post("/bundles/\(fixture.review.liveBundle)/approve", form: [("draft", "1"), ("version", "1")]).status == 403)
    }

    @Test func loginChecksThePasswordWithPostgreSQL() throws {
        let client = ConsoleClient(base: fixture.base)
        let wrong = try client.login(fixture.alice, "not her password")
        #expect(wrong.status == 401)
        #expect(wrong.body.contains("The name or the password was not accepted."))
        let unknown = try client.login("nobody_at_all", "whatever it is")
        #expect(unknown.status == 401)
        #expect(unknown.body.contains("The name or the password was not accepted."))
        let right = try client.login(fixture.alice, ConsoleFixture.alicePassword)
        #expect(right.status == 303)
        let cookie = right.headers["set-cookie"] ?? ""
        #expect(cookie.contains("chorus-session="))
        #expect(cookie.contains("HttpOnly"))
        #expect(cookie.contains("SameSite=Strict"))
        let queue = try client.get("/")
        #expect(queue.status == 200)
        #expect(queue.body.contains("<span class=\"who\" title=\"You act as this PostgreSQL role\">\(fixture.alice)</span>"))
        #expect(queue.body.contains("id=\"b\(fixture.review.liveBundle)\""))
        #expect(queue.body.contains("id=\"b\(fixture.review.drillBundle)\""))
    }

    /// The console decodes an event once per stored text, never once per id: a row that changes — whoever
    /// changes it — shows as it is now on the next page, on the queue as on the bundle's page.
    @Test func aChangedEventShowsAsItIsNow() throws {
        let client = ConsoleClient(base: fixture.base)
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        let bundle = fixture.review.liveBundle
        for path in ["/", "/bundles/\(bundle)"] { #expect(try client.get(path).status == 200) }
        let changed = try fixture.review.owner.execute("""
            UPDATE chorus.events SET payload = jsonb_set(payload, '{headline}', jsonb_build_object('en', 'Set by hand <now> & again'))
            WHERE id = (SELECT event_id FROM chorus.bundles WHERE id = \(bundle))
            """)
        #expect(changed == 1)
        for path in ["/", "/bundles/\(bundle)"] {
            #expect(try client.get(path).body.contains("Set by hand &lt;now&gt; &amp; again"), "\(path)")
        }
    }

    @Test func everyAnswerCarriesAStrictPolicy() throws {
        let client = ConsoleClient(base: fixture.base)
        for path in ["/login", "/healthz", "/nowhere", "/assets/console.css"] {
            let answer = try client.get(path)
            #expect(answer.headers["content-security-policy"]?.hasPrefix("default-src 'none'; script-src 'self'") == true, "\(path)")
            #expect(answer.headers["x-content-type-options"] == "nosniff")
            #expect(answer.headers["x-frame-options"] == "DENY")
            #expect(answer.headers["referrer-policy"] == "same-origin")
        }
        // Nothing on any page comes from another host, and no page holds a script or style of its own.
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        for path in ["/", "/bundles/\(fixture.review.liveBundle)", "/bundles/\(fixture.review.drillBundle)"] {
            let page = try client.get(path).body
            #expect(page.contains("<script src=\"/assets/console.js"), "\(path)")
            for pattern in [#"src="(?!/)"#, #"<link[^>]*href="(?!/)"#, #"<script(?! src="/assets/)"#, #"\sstyle="#, #"<style"#,
                            #"\son[a-z]+="#, #"action="(?!/)"#] {
                #expect(page.range(of: pattern, options: .regularExpression) == nil, "\(path) matches \(pattern)")
            }
        }
    }

    @Test func aChangeWithoutItsCSRFTokenIsRefused() throws {
        let client = ConsoleClient(base: fixture.base)
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        let draft = try fixture.pendingDraft()
        let path = "/bundles/\(draft.bundleId)/approve"
        let form = [("draft", String(draft.id)), ("version", String(draft.version))]
        #expect(try client.post(path, form: form).status == 403)
        #expect(try client.post(path, form: form + [("csrf", "forged")]).status == 403)
        #expect(try fixture.draft(draft.id).state == .pending)
        // The right token from another origin is refused too.
        let csrf = try client.csrf()
        #expect(try client.post(path, form: form + [("csrf", csrf)], headers: ["Origin": "https://evil.example"]).status == 403)
        #expect(try client.post(path, form: form + [("csrf", csrf)], headers: ["Sec-Fetch-Site": "cross-site"]).status == 403)
        #expect(try fixture.draft(draft.id).state == .pending)
        // With it, from the console's own origin: approved, as alice.
        let done = try client.post(path, form: form + [("csrf", csrf)], headers: ["Origin": fixture.base])
        #expect(done.status == 303)
        #expect(try fixture.draft(draft.id).approvedBy == fixture.alice)
    }

    @Test func anotherSitesHostIsRefused() throws {
        let answer = try ConsoleClient(base: fixture.base).get("/login", headers: ["Host": "attacker.example:80"])
        #expect(answer.status == 400)
    }

    @Test func aStaleApprovalAnswersLikeExit75() throws {
        let alice = ConsoleClient(base: fixture.base), bob = ConsoleClient(base: fixture.base)
        try alice.login(fixture.alice, ConsoleFixture.alicePassword)
        try bob.login(fixture.bob, ConsoleFixture.bobPassword)
        let shown = try fixture.pendingDraft()
        let page = try alice.get("/bundles/\(shown.bundleId)")
        let csrf = ConsoleClient.value(of: "csrf", in: page.body) ?? ""
        // Bob edits it meanwhile.
        let bobCSRF = try bob.csrf()
        let edit = try bob.post("/bundles/\(shown.bundleId)/edit", form: [
            ("csrf", bobCSRF), ("draft", String(shown.id)), ("version", String(shown.version)),
            ("text", shown.text + " #WeStandTogether"), ("note", "added the hashtag"), ("shown", "0"),
        ])
        #expect(edit.status == 303)
        let stale = try alice.post("/bundles/\(shown.bundleId)/approve", form: [
            ("csrf", csrf), ("draft", String(shown.id)), ("version", String(shown.version)),
            ("shown", String(Int(Date().timeIntervalSince1970) - 60)),
        ])
        #expect(stale.status == 409)
        #expect(stale.body.contains("changed since it was shown"))
        #expect(stale.body.contains("<b>\(fixture.bob)</b> edited <a href=\"#d\(shown.id)\">d\(shown.id)</a>"))
        #expect(stale.body.contains("#WeStandTogether"))
        let now = try fixture.draft(shown.id)
        #expect(now.state == .pending && now.lastEditedBy == fixture.bob)
        // Alice approves what it says now; Bob, who edited it, could not have.
        let approved = try alice.post("/bundles/\(shown.bundleId)/approve", form: [
            ("csrf", csrf), ("draft", String(shown.id)), ("version", String(now.version)),
        ])
        #expect(approved.status == 303)
        #expect(try fixture.draft(shown.id).approvedBy == fixture.alice)
    }

    @Test func fourEyesAndReasons() throws {
        let alice = ConsoleClient(base: fixture.base)
        try alice.login(fixture.alice, ConsoleFixture.alicePassword)
        let csrf = try alice.csrf()
        let draft = try fixture.pendingDraft()
        let bundle = "/bundles/\(draft.bundleId)"
        #expect(try alice.post(bundle + "/edit", form: [("csrf", csrf), ("draft", String(draft.id)), ("version", String(draft.version)),
                                                      ("text", draft.text + " 🕯")]).status == 303)
        let edited = try fixture.draft(draft.id)
        let own = try alice.post(bundle + "/approve", form: [("csrf", csrf), ("draft", String(draft.id)), ("version", String(edited.version))])
        #expect(own.status == 422)
        #expect(own.body.contains("another reviewer must approve it"))
        let noReason = try alice.post(bundle + "/reject", form: [("csrf", csrf), ("draft", String(draft.id)), ("version", String(edited.version)), ("note", "  ")])
        #expect(noReason.status == 422)
        #expect(try fixture.draft(draft.id).state == .pending)
    }

    @Test func drillEditsKeepTheDrillMarker() throws {
        let alice = ConsoleClient(base: fixture.base)
        try alice.login(fixture.alice, ConsoleFixture.alicePassword)
        let draft = try fixture.pendingDraft(in: fixture.review.drillBundle)
        let marker = LanguageSupport.drillMarker(for: draft.language)
        #expect(draft.text.hasPrefix(marker))
        let answer = try alice.post("/bundles/\(draft.bundleId)/edit", form: [
            ("csrf", try alice.csrf()), ("draft", String(draft.id)), ("version", String(draft.version)),
            ("text", "A new text without the marker."),
        ])
        #expect(answer.status == 303)
        #expect(try fixture.draft(draft.id).text == "\(marker) A new text without the marker.")
    }

    @Test func bulkApprovalOfASendersDrafts() throws {
        let bob = ConsoleClient(base: fixture.base)
        try bob.login(fixture.bob, ConsoleFixture.bobPassword)
        let drafts = try ReviewStore(connection: fixture.review.owner).drafts(bundle: fixture.review.liveBundle)
        let participant = try #require(Dictionary(grouping: drafts.filter { $0.state == .pending }, by: \.participant)
            .first { $0.value.count > 1 })
        let page = try bob.get("/bundles/\(fixture.review.liveBundle)").body
        #expect(page.contains("Approve all \(participant.value.count) pending drafts of \(participant.key)"))
        let pairs = participant.value.map { "\($0.id)@\($0.version)" }.joined(separator: ",")
        let answer = try bob.post("/bundles/\(fixture.review.liveBundle)/approve-sender", form: [("csrf", try bob.csrf()), ("drafts", pairs)])
        #expect(answer.status == 303)
        for draft in participant.value { #expect(try fixture.draft(draft.id).approvedBy == fixture.bob) }
    }

    @Test func logoutEndsTheSessionForEveryConsole() throws {
        let client = ConsoleClient(base: fixture.base)
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        let token = try #require(client.jar["chorus-session"])
        #expect(try client.post("/logout", form: [("csrf", try client.csrf())]).status == 303)
        // The same cookie, sent again (another console instance would see the same database): refused.
        let replay = ConsoleClient(base: fixture.base)
        let answer = try replay.get("/?hop=1", headers: ["Cookie": "chorus-session=\(token)"])
        #expect(answer.status == 303)
        #expect(answer.headers["location"]?.hasPrefix("/login") == true)
    }

    @Test func theLengthCountIsTheChannelsOwn() throws {
        let client = ConsoleClient(base: fixture.base)
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        let text = "漢字 https://example.org/a/very/long/path"
        let answer = try client.post("/measure", form: [("csrf", try client.csrf()), ("channel", "x"), ("text", text)])
        #expect(answer.body == "{\"length\":\(Channel.x.length(of: text)),\"limit\":280}")
    }

    @Test func repeatedFailedLoginsAreThrottled() throws {
        let client = ConsoleClient(base: fixture.base)
        for _ in 0..<5 { #expect(try client.login(fixture.bob, "wrong password").status == 401) }
        let blocked = try client.login(fixture.bob, ConsoleFixture.bobPassword)
        #expect(blocked.status == 429)
    }

    /// The bundle page: each language laid out in its own direction, a warning when two senders carry the
    /// same text, and what changed since a draft was approved.
    @Test func theBundlePageShowsDirectionSameTextAndChangesSinceApproval() throws {
        let live = fixture.review.liveBundle
        let aliceStore = ReviewStore(connection: try fixture.review.connect(as: fixture.alice))
        let bobStore = ReviewStore(connection: try fixture.review.connect(as: fixture.bob))
        let drafts = try ReviewStore(connection: fixture.review.owner).drafts(bundle: live).filter { $0.state == .pending }
        // Two senders' English drafts edited to one text; a third approved by Bob, then edited by Alice.
        let english = drafts.filter { $0.language == "en" && $0.channel == .x }
        let first = try #require(english.first)
        let second = try #require(english.first { $0.participant != first.participant })
        let words = "The same words under two flags."
        _ = try aliceStore.edit(draft: first.id, expectedVersion: first.version, text: words)
        _ = try aliceStore.edit(draft: second.id, expectedVersion: second.version, text: words)
        let third = try #require(drafts.first { $0.id != first.id && $0.id != second.id && $0.language == "de" })
        try bobStore.approve(draft: third.id, expectedVersion: third.version, note: nil)
        let approved = try fixture.draft(third.id)
        _ = try aliceStore.edit(draft: third.id, expectedVersion: approved.version, text: approved.text + " Heute.")

        let client = ConsoleClient(base: fixture.base)
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        let page = try client.get("/bundles/\(live)").body
        #expect(page.contains("<section class=\"language\" lang=\"he\" dir=\"rtl\""))
        #expect(page.contains("<section class=\"language\" lang=\"ar\" dir=\"rtl\""))
        #expect(page.contains("<section class=\"language\" lang=\"de\" dir=\"ltr\""))
        let warning = try #require(page.components(separatedBy: "Two senders carry the same text.").dropFirst().first?
            .components(separatedBy: "</section>").first)
        #expect(warning.contains("href=\"#d\(first.id)\"") && warning.contains("href=\"#d\(second.id)\""), "\(warning)")
        let card = try #require(page.components(separatedBy: "id=\"d\(third.id)\"").dropFirst().first?
            .components(separatedBy: "</article>").first)
        #expect(card.contains("Changed since it was approved"))
        #expect(card.contains("Heute.</ins>"), "\(card)")
    }

    /// The queue's filters narrow it: by sender, language, rule and state.
    @Test func theQueueFilters() throws {
        let client = ConsoleClient(base: fixture.base)
        try client.login(fixture.alice, ConsoleFixture.alicePassword)
        let live = "id=\"b\(fixture.review.liveBundle)\"", drill = "id=\"b\(fixture.review.drillBundle)\""
        for (query, shown) in [("", true), ("?participant=de-foreign-office", true), ("?participant=nobody-at-all", false),
                               ("?language=he", true), ("?language=xx", false), ("?rule=attack", true),
                               ("?rule=no-such-rule", false), ("?state=released", false)] {
            let page = try client.get("/" + query)
            #expect(page.status == 200)
            #expect(page.body.contains(live) == shown && page.body.contains(drill) == shown, "\(query)")
        }
    }

    /// Behind TLS (an https public address), the session cookie is Secure and answers carry HSTS.
    @Test func behindTLSCookiesAreSecure() throws {
        let secure = try ConsoleFixture(settings: ConsoleSettings(listen: ListenAddress(host: "127.0.0.1", port: 0),
                                                                  publicURL: URL(string: "https://chorus.example.org")))
        let client = ConsoleClient(base: secure.base)
        let answer = try client.login(secure.alice, ConsoleFixture.alicePassword)
        #expect(answer.status == 303)
        #expect(answer.headers["set-cookie"]?.contains("; Secure") == true)
        #expect(answer.headers["strict-transport-security"] == "max-age=31536000")
        // A form from another origin is refused before it is read.
        let foreign = try client.post("/logout", form: [("csrf", "x")], headers: ["Origin": "https://evil.example"])
        #expect(foreign.status == 403)
    }
}
