import ChorusCore
import ChorusHTTP
import ChorusStore
import Foundation
import Postgres

/// One request to the console: checks the host, finds the session, checks the CSRF token and origin of
/// every change, runs the reviewer's work as the reviewer, and renders the answer with the security
/// headers every response carries.
struct ConsoleHandler {
    let console: Console
    var settings: ConsoleSettings { console.settings }

    /// The cookie that carries the session token (`__Host-` when served over TLS: Secure, whole site, no
    /// Domain).
    var sessionCookie: String { console.isSecure ? "__Host-chorus-session" : "chorus-session" }
    /// The cookie that carries the login form's CSRF token (before there is a session).
    var loginCookie: String { console.isSecure ? "__Host-chorus-login" : "chorus-login" }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        var response = route(request)
        secure(&response)
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        guard let host = request.headers["Host"]?.lowercased(), console.acceptedHosts.contains(host) else {
            // DNS rebinding, or a proxy that forwards another site's requests here.
            return .text("unknown host", status: .badRequest)
        }
        let method = request.method == "HEAD" ? "GET" : request.method
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let known: Bool
        switch (parts.count, parts.first) {
        case (0, _), (1, "healthz"), (1, "login"), (1, "logout"), (1, "measure"), (1, "events"), (2, "assets"), (2, "bundles"), (3, "bundles"):
            known = true
        default:
            known = false
        }
        guard known else { return notFound() }
        if method == "GET" {
            switch (parts.count, parts.first) {
            case (0, _): return withVisit(request) { queue($0) }
            case (1, "healthz"): return health()
            case (1, "login"): return loginPage(request)
            case (1, "events"): return withVisit(request) { _ in HTTPResponse(body: .eventStream(console.live)) }
            case (2, "assets"): return Assets.response(parts[1], request: request)
            case (2, "bundles"):
                guard let id = Int(parts[1]), id > 0 else { return notFound() }
                return withVisit(request) { bundle(id, visit: $0, status: .ok, notice: nil) }
            default: break
            }
        } else if method == "POST" {
            switch (parts.count, parts.first) {
            case (1, "login"): return login(request)
            case (1, "logout"): return withVisit(request, change: true) { logout($0) }
            case (1, "measure"): return withVisit(request, change: true) { measure($0) }
            case (3, "bundles"):
                guard let id = Int(parts[1]), id > 0 else { return notFound() }
                return withVisit(request, change: true) { act(parts[2], bundle: id, visit: $0) }
            default: break
            }
        }
        let allowed = ["login", "logout", "measure"].contains(parts.first ?? "") || parts.count == 3 ? "POST" : "GET, HEAD"
        return HTTPResponse(status: .methodNotAllowed, headers: ["Allow": allowed], body: .bytes(Array("method not allowed\n".utf8)))
    }

    // MARK: Sessions

    /// A request with a live session, and the pooled connection lent to it for its whole time (one
    /// hand-over a request, not one per statement group).
    struct Visit {
        let request: HTTPRequest
        let session: ConsoleSession
        let token: String
        let connection: Connection
        /// Whether the whole visit runs in one transaction as the reviewer already
        /// (``ConsoleSessionStore/reading(token:_:)``: a page), or each piece of work opens its own
        /// (``ConsoleSessionStore/acting(as:token:_:)``: a change, whose refusal is shown in a second one).
        let isReading: Bool
        /// The session's CSRF token (every form of a page carries it: computed once a request).
        let csrf: String
        /// A form's value (only after ``ConsoleHandler/withVisit(_:change:_:)`` read the form).
        var form: HTTPForm?

        init(request: HTTPRequest, session: ConsoleSession, token: String, connection: Connection, isReading: Bool) {
            self.request = request
            self.session = session
            self.token = token
            self.connection = connection
            self.isReading = isReading
            self.csrf = Tokens.csrf(for: token)
        }
    }

    /// Runs `body` for a request with a live session; without one, a page goes to the login (through one
    /// same-site hop first: a link from a chat app is a cross-site navigation, which SameSite=Strict keeps
    /// the cookie from), and a change is refused. A change (`change: true`) must come from the console's
    /// own origin and carry the session's CSRF token. A page is read in one transaction that resumes the
    /// session and takes the reviewer's role in its first statement.
    func withVisit(_ request: HTTPRequest, change: Bool = false, _ body: (Visit) -> HTTPResponse) -> HTTPResponse {
        guard let token = request.cookies[sessionCookie], !token.isEmpty, token.count <= 128 else {
            return change ? refuse(.forbidden, "Your session has ended. Log in again.") : toLogin(request)
        }
        do {
            return try console.pool.withConnection { connection in
                let sessions = ConsoleSessionStore(connection: connection)
                guard change else {
                    return try sessions.reading(token: token) { session, connection in
                        guard let session else { return toLogin(request) }
                        return body(Visit(request: request, session: session, token: token, connection: connection, isReading: true))
                    }
                }
                guard let session = try sessions.resume(token: token) else {
                    return refuse(.forbidden, "Your session has ended. Log in again.")
                }
                return visiting(Visit(request: request, session: session, token: token, connection: connection, isReading: false), body)
            }
        } catch {
            return failure(error)
        }
    }

    /// The rest of ``withVisit(_:change:_:)`` for a change, with the session found.
    private func visiting(_ visit: Visit, _ body: (Visit) -> HTTPResponse) -> HTTPResponse {
        let request = visit.request, session = visit.session
        var visit = visit
        guard sameOrigin(request) else { return refuse(.forbidden, "This form did not come from the console.") }
        let form: HTTPForm
        do {
            form = try request.form()
        } catch {
            return refuse(.badRequest, "The form could not be read.")
        }
        let sent = form["csrf"] ?? request.headers["X-CSRF-Token"] ?? ""
        guard Tokens.equal(sent, visit.csrf) else {
            console.log("console refused a change without its CSRF token", [("reviewer", session.reviewer), ("path", request.path)])
            return refuse(.forbidden, "This form is out of date or did not come from the console: reload the page and try again.")
        }
        visit.form = form
        return body(visit)
    }

    /// Whether a change comes from the console's own pages: `Sec-Fetch-Site` and `Origin`, when the
    /// browser sends them, must say so (the CSRF token is checked as well).
    func sameOrigin(_ request: HTTPRequest) -> Bool {
        if let site = request.headers["Sec-Fetch-Site"], !["same-origin", "none"].contains(site.lowercased()) { return false }
        guard let origin = request.headers["Origin"] else { return true }
        if origin == console.publicOrigin { return true }
        // Reached directly (a test, a tunnel to the loopback): the origin of the Host it used.
        return request.headers["Host"].map { origin == "http://\($0)" || origin == "https://\($0)" } ?? false
    }

    /// To the login page — after one same-site hop, so that a Strict cookie the first request lacked
    /// (it came from another site) is sent on the second.
    func toLogin(_ request: HTTPRequest) -> HTTPResponse {
        let here = Self.target(of: request)
        if request.queryValue("hop") == nil {
            let again = here + (here.contains("?") ? "&" : "?") + "hop=1"
            return page(Pages.hop(to: again), status: .ok)
        }
        return .redirect(to: "/login?next=" + HTTPForm.encode(Self.removingHop(here)))
    }

    // MARK: Login

    func loginPage(_ request: HTTPRequest, status: HTTPStatus = .ok, problem: String? = nil) -> HTTPResponse {
        let token = Tokens.random()
        var response = page(Pages.login(csrf: token, next: Self.safeNext(request.queryValue("next")), problem: problem,
                                        name: nil), status: status)
        response.headers.add("Set-Cookie", cookie(loginCookie, token, maxAge: 3600))
        return response
    }

    func login(_ request: HTTPRequest) -> HTTPResponse {
        guard sameOrigin(request), let form = try? request.form() else {
            return refuse(.forbidden, "This form did not come from the console.")
        }
        let next = Self.safeNext(form["next"])
        guard let expected = request.cookies[loginCookie], Tokens.equal(form["csrf"] ?? "", expected) else {
            return loginPage(request, status: .forbidden, problem: "The login form was out of date. Please try again.")
        }
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        guard !name.isEmpty, name.count <= 63, !password.isEmpty, password.utf8.count <= 1024 else {
            return loginPage(request, status: .unauthorized, problem: "Give your name and your password.")
        }
        let address = Self.clientAddress(request)
        if let until = console.throttle.blockedUntil(name: name, address: address) {
            let minutes = max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up)))
            return loginPage(request, status: .tooManyRequests,
                             problem: "Too many failed logins. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").")
        }
        // PostgreSQL checks the password: a login as the reviewer, closed at once.
        do {
            let checked = try Connection(try console.loginConninfo(name, password))
            let user = checked.user
            checked.close()
            guard user == name else { throw ConsoleError("logged in as another role") }
        } catch {
            console.throttle.recordFailure(name: name, address: address)
            console.log("console login refused", [("reviewer", name), ("client", request.remoteAddress)])
            return loginPage(request, status: .unauthorized, problem: "The name or the password was not accepted.")
        }
        console.throttle.recordSuccess(name: name)
        let token = Tokens.random()
        do {
            _ = try console.pool.withConnection {
                try ConsoleSessionStore(connection: $0).open(token: token, reviewer: name, lifetime: settings.sessionLifetime,
                                                             idle: settings.idleTimeout)
            }
        } catch let error as ReviewError where error.kind == .notPermitted {
            return loginPage(request, status: .forbidden, problem: "\(name) is no reviewer: an admin adds reviewers with "
                             + "'chorus reviewers add'.")
        } catch {
            return failure(error)
        }
        console.log("console login", [("reviewer", name), ("client", request.remoteAddress)])
        var response = HTTPResponse.redirect(to: next)
        response.headers.add("Set-Cookie", cookie(sessionCookie, token, maxAge: Int(settings.sessionLifetime.components.seconds)))
        response.headers.add("Set-Cookie", cookie(loginCookie, "", maxAge: 0))
        return response
    }

    func logout(_ visit: Visit) -> HTTPResponse {
        _ = try? ConsoleSessionStore(connection: visit.connection).close(token: visit.token)
        console.log("console logout", [("reviewer", visit.session.reviewer)])
        var response = HTTPResponse.redirect(to: "/login")
        response.headers.add("Set-Cookie", cookie(sessionCookie, "", maxAge: 0))
        return response
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (console.isSecure ? "; Secure" : "")
    }

    // MARK: Pages

    func health() -> HTTPResponse {
        do {
            try console.pool.withConnection { _ = try $0.query("SELECT 1 AS ok") }
            return .text("ok")
        } catch {
            return .text("database unavailable", status: .serviceUnavailable)
        }
    }

    /// Runs `body` as the visit's reviewer: in the page's transaction, or in one of its own for a change.
    func asReviewer<T>(_ visit: Visit, _ body: (ReviewStore) throws -> T) throws -> T {
        if visit.isReading { return try body(ReviewStore(connection: visit.connection)) }
        return try ConsoleSessionStore(connection: visit.connection).acting(as: visit.session, token: visit.token) {
            try body(ReviewStore(connection: $0))
        }
    }

    func queue(_ visit: Visit) -> HTTPResponse {
        let filter = QueueFilter(visit.request)
        do {
            let (bundles, choices) = try asReviewer(visit) { try $0.queue(filter.reviewFilter) }
            return page(Pages.queue(bundles: bundles, filter: filter, choices: choices, visit: visit), status: .ok)
        } catch {
            return failure(error)
        }
    }

    func bundle(_ id: Int, visit: Visit, status: HTTPStatus, notice: Pages.Notice?) -> HTTPResponse {
        do {
            let detail = try asReviewer(visit) { try $0.bundle(id) }
            let done = visit.request.queryValue("done").map { Pages.Notice(kind: .done, text: $0, changes: []) }
            return page(Pages.bundle(detail, visit: visit, notice: notice ?? done), status: status)
        } catch {
            return failure(error)
        }
    }

    // MARK: Actions

    func act(_ action: String, bundle id: Int, visit: Visit) -> HTTPResponse {
        let form = visit.form ?? HTTPForm()
        let shownAt = form["shown"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        func draftAndVersion() -> (Int, Int)? {
            guard let draft = form["draft"].flatMap(Int.init), let version = form["version"].flatMap(Int.init) else { return nil }
            return (draft, version)
        }
        let note = form["note"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        do {
            let done: String
            switch action {
            case "approve":
                guard let (draft, version) = draftAndVersion() else { return refuse(.badRequest, "Which draft?") }
                try asReviewer(visit) { store in
                    try Self.requireDraft(draft, of: id, store)
                    try store.approve(draft: draft, expectedVersion: version, note: note)
                }
                done = "Approved d\(draft)."
            case "reject":
                guard let (draft, version) = draftAndVersion() else { return refuse(.badRequest, "Which draft?") }
                guard let reason = note else {
                    return bundle(id, visit: visit, status: .unprocessableContent,
                                  notice: .init(kind: .refused, text: "A rejection needs a reason.", changes: []))
                }
                try asReviewer(visit) { store in
                    try Self.requireDraft(draft, of: id, store)
                    try store.reject(draft: draft, expectedVersion: version, reason: reason)
                }
                done = "Rejected d\(draft)."
            case "edit":
                guard let (draft, version) = draftAndVersion() else { return refuse(.badRequest, "Which draft?") }
                let text = (form["text"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
                let edited = try asReviewer(visit) { store -> DraftRecord in
                    try Self.requireDraft(draft, of: id, store)
                    return try store.edit(draft: draft, expectedVersion: version, text: text, note: note)
                }
                done = edited.state == .needsEdit
                    ? "Saved revision \(edited.revision) of d\(draft): \(edited.problem ?? "it is over its limit")."
                    : "Saved revision \(edited.revision) of d\(draft); another reviewer must approve it."
            case "approve-sender":
                let pairs = (form["drafts"] ?? "").split(separator: ",").compactMap { pair -> (Int, Int)? in
                    let parts = pair.split(separator: "@")
                    guard parts.count == 2, let draft = Int(parts[0]), let version = Int(parts[1]) else { return nil }
                    return (draft, version)
                }
                guard !pairs.isEmpty, pairs.count <= 200 else { return refuse(.badRequest, "Which drafts?") }
                try asReviewer(visit) { store in
                    for (draft, version) in pairs {
                        try Self.requireDraft(draft, of: id, store)
                        try store.approve(draft: draft, expectedVersion: version, note: note)
                    }
                }
                done = "Approved \(pairs.count) draft\(pairs.count == 1 ? "" : "s"): " + pairs.map { "d\($0.0)" }.joined(separator: " ") + "."
            default:
                return notFound()
            }
            console.log("console \(action)", [("reviewer", visit.session.reviewer), ("bundle", String(id))])
            return .redirect(to: "/bundles/\(id)?done=" + HTTPForm.encode(done))
        } catch let error as ReviewError {
            switch error.kind {
            case .changedSinceShown, .factsChanged:
                // Like exit 75: nothing was done; the page shows the draft as it is now, and who changed what.
                let changes = (try? asReviewer(visit) { try $0.audit(bundle: id) })?
                    .filter { row in shownAt.map { row.at > $0 } ?? true }.suffix(8) ?? []
                return bundle(id, visit: visit, status: .conflict, notice: .init(
                    kind: .stale, text: error.message + ". Nothing was done: here is what it says now — decide on that.",
                    changes: Array(changes)))
            case .notPermitted:
                return bundle(id, visit: visit, status: .forbidden, notice: .init(kind: .refused, text: error.message, changes: []))
            case .notFound:
                return notFound()
            case .notAllowedInState, .selfApproval, .drillRelease, .invalid:
                return bundle(id, visit: visit, status: .unprocessableContent, notice: .init(kind: .refused, text: error.message, changes: []))
            }
        } catch {
            return failure(error)
        }
    }

    /// A draft posted to one bundle's page must belong to that bundle.
    static func requireDraft(_ draft: Int, of bundle: Int, _ store: ReviewStore) throws {
        guard try store.draft(draft).bundleId == bundle else { throw ReviewError(.notFound, "there is no draft \(draft) in bundle \(bundle)") }
    }

    /// `POST /measure`: the draft's length as its channel counts it (ChorusCore's measure: the one the
    /// database is given on save), for the live count while editing.
    func measure(_ visit: Visit) -> HTTPResponse {
        guard let channel = visit.form?["channel"].flatMap(Channel.init(rawValue:)) else {
            return .text("unknown channel", status: .badRequest)
        }
        let text = (visit.form?["text"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let length = channel.length(of: text)
        return HTTPResponse(contentType: "application/json", text: "{\"length\":\(length),\"limit\":\(channel.limit)}")
    }

    // MARK: Answers

    func page(_ html: HTML, status: HTTPStatus) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", bytes: html.bytes)
    }

    func refuse(_ status: HTTPStatus, _ text: String) -> HTTPResponse {
        page(Pages.message(title: status.reason, text: text), status: status)
    }

    func notFound() -> HTTPResponse {
        page(Pages.message(title: "Not found", text: "There is nothing here. The queue is at /."), status: .notFound)
    }

    /// An error that is not the reviewer's: a plain page, details in the log only.
    func failure(_ error: any Error) -> HTTPResponse {
        if error is ConsolePool.Exhausted {
            return page(Pages.message(title: "Busy", text: "The console is busy. Try again in a moment."), status: .serviceUnavailable)
        }
        if let error = error as? PostgresError, [.connectionFailed, .connectionLost, .timeout].contains(error.kind) {
            console.log("console lost the database", [("error", error.description)])
            return page(Pages.message(title: "Database unavailable",
                                      text: "The console cannot reach the database. Nothing was done; try again shortly."),
                        status: .serviceUnavailable)
        }
        if let error = error as? ReviewError, error.kind == .notFound {
            return notFound()
        }
        console.log("console request failed", [("error", String(describing: error))])
        return page(Pages.message(title: "Something went wrong", text: "Nothing was done. The details are in the console's log."),
                    status: .internalServerError)
    }

    /// The headers every answer carries (``Console/securityHeaders``), and `Cache-Control: no-store` unless the
    /// answer says otherwise.
    func secure(_ response: inout HTTPResponse) {
        response.fixedHeaders = console.securityHeaders
        if response.headers["Cache-Control"] == nil { response.headers.add("Cache-Control", "no-store") }
    }

    // MARK: Helpers

    /// The path and query a request asked for.
    static func target(of request: HTTPRequest) -> String {
        let query = request.query.map { "\(HTTPForm.encode($0.name))=\(HTTPForm.encode($0.value))" }.joined(separator: "&")
        return request.path + (query.isEmpty ? "" : "?" + query)
    }

    static func removingHop(_ target: String) -> String {
        target.replacingOccurrences(of: "?hop=1&", with: "?").replacingOccurrences(of: "&hop=1", with: "")
            .replacingOccurrences(of: "?hop=1", with: "")
    }

    /// Who sent a request: the socket's peer — or, when that is a reverse proxy on this machine, the last
    /// address it put in `X-Forwarded-For` (so that one guesser does not lock everyone out).
    static func clientAddress(_ request: HTTPRequest) -> String {
        let peer = request.remoteAddress
        guard peer == "::1" || peer.hasPrefix("127.") || peer.hasPrefix("::ffff:127."),
              let forwarded = request.headers["X-Forwarded-For"]?.split(separator: ",").last else { return peer }
        let address = forwarded.trimmingCharacters(in: .whitespaces)
        return address.isEmpty || address.count > 64 ? peer : address
    }

    /// Where to go after login: a path of this console only (never `//host` or another site).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count < 512,
              !next.contains(where: { $0.isNewline }) else { return "/" }
        return removingHop(next)
    }
}

