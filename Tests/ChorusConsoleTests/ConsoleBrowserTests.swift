import ChorusConsole
import ChorusCore
import ChorusStore
import Foundation
import Testing
import TestSupport

/// The console in a real browser — headless Chromium over WebDriver: two reviewers log in, see the queue,
/// one approves and the other's open page shows it at once (server-sent events), a stale approval is
/// refused with what changed, a POST without the CSRF token is refused. Also makes the screenshots of
/// docs/REVIEW.md when `CHORUS_UPDATE_SCREENSHOTS=1`.
@Suite(.serialized) struct ConsoleBrowserTests {
    /// A missing browser is a failure, never a skip: these tests are the console's proof.
    static func requireBrowser() throws -> Bool {
        if WebDriver.isAvailable { return true }
        throw WebDriverError("chromium and chromedriver are needed (apt-get install chromium chromium-driver; "
                             + "or set CHROMIUM and CHROMEDRIVER to their paths)")
    }

    /// Logs `name` in through the login page the console sends an unknown visitor to.
    func login(_ browser: BrowserSession, _ fixture: ConsoleFixture, _ name: String, _ password: String, at path: String) throws {
        try browser.open(fixture.base + path)
        #expect(browser.wait(until: "return document.querySelector('form[action=\"/login\"]') !== null"))
        try browser.type("input[name=name]", name)
        try browser.type("input[name=password]", password)
        try browser.click("form[action=\"/login\"] button")
        let arrived = browser.wait(until: "return location.pathname === '\(path)' && document.body.dataset.connected === '1'")
        let page = ((try? browser.run("return location.href + ' ' + document.body.innerText")) as? String ?? "").prefix(400)
        #expect(arrived, "\(name) did not arrive at \(path) with live updates: \(page)")
    }

    @Test func twoReviewersLiveStaleAndCSRF() throws {
        guard try Self.requireBrowser() else { return }
        let fixture = try ConsoleFixture()
        let driver = try WebDriver()
        let alice = try driver.session(), bob = try driver.session()
        let bundle = fixture.review.liveBundle

        // Alice logs in and sees the queue: the live bundle and the drill, apart.
        try login(alice, fixture, fixture.alice, ConsoleFixture.alicePassword, at: "/")
        #expect(try alice.text("#h-live").hasPrefix("Live"))
        #expect(try alice.run("return document.querySelector('.queue-section:not(.drills) #b\(bundle)') !== null") as? Bool == true)
        #expect(try alice.run("return document.querySelector('.drills #b\(fixture.review.drillBundle)') !== null") as? Bool == true)
        try alice.click("#b\(bundle) a")
        #expect(alice.wait(until: "return location.pathname === '/bundles/\(bundle)' && document.body.dataset.connected === '1'"))

        // Bob opens the same bundle.
        try login(bob, fixture, fixture.bob, ConsoleFixture.bobPassword, at: "/bundles/\(bundle)")
        let draft = try fixture.pendingDraft()
        #expect(try bob.text("#d\(draft.id) .badge").contains("pending"))

        // Alice approves; Bob's page shows it without a reload.
        let marker = try bob.run("return (document.body.dataset.updated || '')") as? String ?? ""
        try alice.click("#d\(draft.id) form.approve button")
        #expect(alice.wait(until: "return document.querySelector('.notice.done') !== null"))
        #expect(try fixture.draft(draft.id).approvedBy == fixture.alice)
        #expect(bob.wait(until: """
            return (document.body.dataset.updated || '') !== '\(marker)'
                && document.querySelector('#d\(draft.id) .badge').textContent.includes('approved')
            """), "Bob's page did not update")

        // A stale approval: Bob keeps the page of another draft while Alice edits it; Bob, busy typing in
        // another draft's editor (so his page waits), approves what he was shown — refused, with what changed.
        let other = try fixture.pendingDraft(skipping: [draft.id])
        let third = try fixture.pendingDraft(skipping: [draft.id, other.id])
        try bob.run("document.querySelector('#d\(third.id) details.edit').open = true")
        try bob.type("#d\(third.id) textarea[name=text]", " ")
        _ = try ReviewStore(connection: try fixture.review.connect(as: fixture.alice))
            .edit(draft: other.id, expectedVersion: other.version, text: other.text + " #NeverAgain")
        Thread.sleep(forTimeInterval: 0.5)
        try bob.click("#d\(other.id) form.approve button")
        #expect(bob.wait(until: "return document.querySelector('.notice.stale') !== null"))
        let notice = try bob.text(".notice.stale")
        #expect(notice.contains("changed since it was shown"), "\(notice)")
        #expect(notice.contains(fixture.alice) && notice.contains("edited"), "\(notice)")
        #expect(try bob.text("#d\(other.id) .preview .text").hasSuffix("#NeverAgain"))
        #expect(try fixture.draft(other.id).state == .pending)

        // A POST without the CSRF token, from the page itself: refused, nothing done.
        let status = try bob.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch('/bundles/\(bundle)/approve', { method: 'POST', credentials: 'same-origin',
                body: new URLSearchParams({ draft: '\(third.id)', version: '\(third.version)' }) })
              .then((answer) => done(answer.status), () => done(-1));
            """) as? Int
        #expect(status == 403)
        #expect(try fixture.draft(third.id).state == .pending)
    }

    @Test func theLengthCountFollowsTheText() throws {
        guard try Self.requireBrowser() else { return }
        let fixture = try ConsoleFixture()
        let driver = try WebDriver()
        let browser = try driver.session()
        let draft = try fixture.pendingDraft()
        try login(browser, fixture, fixture.alice, ConsoleFixture.alicePassword, at: "/bundles/\(draft.bundleId)")
        try browser.run("document.querySelector('#d\(draft.id) details.edit').open = true")
        try browser.type("#d\(draft.id) textarea[name=text]", " 漢字")
        let expected = draft.channel.length(of: draft.text + " 漢字")
        #expect(browser.wait(until: "return document.querySelector('#d\(draft.id) .live-count').dataset.length === '\(expected)'"))
    }

    /// The pictures of docs/REVIEW.md: the queue, and a bundle page with its right-to-left drafts.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHORUS_UPDATE_SCREENSHOTS"] == "1",
                   "makes docs/images/console-*.png; run with CHORUS_UPDATE_SCREENSHOTS=1"))
    func screenshots() throws {
        guard try Self.requireBrowser() else { return }
        let fixture = try ConsoleFixture()
        let driver = try WebDriver()
        let browser = try driver.session(width: 412, height: 1400)
        try login(browser, fixture, fixture.alice, ConsoleFixture.alicePassword, at: "/")
        let images = Repository.root.appendingPathComponent("docs/images", isDirectory: true)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try browser.screenshot().write(to: images.appendingPathComponent("console-queue.png"))
        try browser.open(fixture.base + "/bundles/\(fixture.review.liveBundle)")
        #expect(browser.wait(until: "return document.body.dataset.connected === '1'"))
        try browser.screenshot().write(to: images.appendingPathComponent("console-bundle.png"))
        // The Hebrew drafts, right to left; the sticky header would cover their top in an element's picture.
        try browser.run("document.querySelector('header.top').style.position = 'static'")
        try browser.screenshot("section.language[lang=he]").write(to: images.appendingPathComponent("console-bundle-rtl.png"))
    }
}
