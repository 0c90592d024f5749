import ChorusConsole
import ChorusCore
import ChorusHTTP
import ChorusStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Postgres
import TestSupport

/// A review fixture (the jerusalem-2017 scenario, live and as a drill) with two named reviewers who have
/// console passwords, and a console serving it on a free loopback port.
final class ConsoleFixture: @unchecked Sendable {
    // @unchecked: everything is set in `init`; the console is Sendable itself.
    let review: ReviewFixture
    let console: Console
    let alice: String
    let bob: String
    static let alicePassword = "alice: a long pass phrase"
    static let bobPassword = "bob: another long phrase"

    init(settings: ConsoleSettings = ConsoleSettings(listen: ListenAddress(host: "127.0.0.1", port: 0))) throws {
        review = try ReviewFixture()
        let prefix = "t\(getpid())_\(UUID().uuidString.prefix(6).lowercased())_"
        alice = prefix + "alice"
        bob = prefix + "bob"
        TestPostgres.rolesLock.lock()
        defer { TestPostgres.rolesLock.unlock() }
        let people = ReviewerStore(connection: review.owner)
        try people.add(alice, as: .editor, password: Self.alicePassword)
        try people.add(bob, as: .editor, password: Self.bobPassword)
        let conninfo = try TestPostgres.conninfo(database: review.conninfo, user: DatabaseRoles.consoleRole)
        console = try Console(settings: settings, conninfo: conninfo,
                              loginConninfo: { user, password in try TestPostgres.loginConninfo(user: user, password: password) })
        try console.checkDatabase()
        console.start()
    }

    deinit {
        console.stop()
        console.waitUntilStopped()
    }

    var base: String { "http://\(console.address)" }

    /// A pending live draft, as the database has it now.
    func pendingDraft(in bundle: Int? = nil, skipping: Set<Int> = []) throws -> DraftRecord {
        let drafts = try ReviewStore(connection: review.owner).drafts(bundle: bundle ?? review.liveBundle)
        guard let draft = drafts.first(where: { $0.state == .pending && !skipping.contains($0.id) }) else {
            throw FixtureError("no pending draft")
        }
        return draft
    }

    func draft(_ id: Int) throws -> DraftRecord { try ReviewStore(connection: review.owner).draft(id) }
}

/// A client for the console without a browser: its own cookie jar, no redirects followed.
final class ConsoleClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // @unchecked: a client is used by one test thread; `jar` changes only between its requests.
    let base: String
    /// The cookies the console set (name → value).
    private(set) var jar: [String: String] = [:]
    private var session: URLSession?

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    init(base: String) {
        self.base = base
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func get(_ path: String, headers: [String: String] = [:]) throws -> Answer { try send("GET", path, headers: headers) }

    func post(_ path: String, form: [(String, String)], headers: [String: String] = [:]) throws -> Answer {
        let body = form.map { "\(HTTPForm.encode($0.0))=\(HTTPForm.encode($0.1))" }.joined(separator: "&")
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return try send("POST", path, body: Data(body.utf8), headers: headers)
    }

    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) throws -> Answer {
        guard let url = URL(string: base + path) else { throw FixtureError("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if !jar.isEmpty { request.setValue(jar.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        guard let session else { throw FixtureError("no session") }
        let done = DispatchSemaphore(value: 0)
        let box = WebDriver.Box<Result<Answer, any Error>>()
        session.dataTask(with: request) { data, response, error in
            if let error {
                box.value = .failure(error)
            } else {
                let http = response as? HTTPURLResponse
                var fields: [String: String] = [:]
                for (key, value) in http?.allHeaderFields ?? [:] { fields[String(describing: key).lowercased()] = String(describing: value) }
                box.value = .success(Answer(status: http?.statusCode ?? 0, headers: fields,
                                            body: String(decoding: data ?? Data(), as: UTF8.self)))
            }
            done.signal()
        }.resume()
        done.wait()
        guard let value = box.value else { throw FixtureError("no answer") }
        let answer = try value.get()
        // Several Set-Cookie headers arrive joined by ", " (the console's cookies have no Expires date).
        for cookie in (answer.headers["set-cookie"] ?? "").components(separatedBy: ", ") where cookie.contains("=") {
            let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if cookie.contains("Max-Age=0") { jar[pair[0]] = nil } else { jar[pair[0]] = pair[1] }
        }
        return answer
    }

    /// Logs in through the form, as a browser would; returns the answer to the POST.
    @discardableResult
    func login(_ name: String, _ password: String) throws -> Answer {
        let page = try get("/login")
        let csrf = Self.value(of: "csrf", in: page.body) ?? ""
        return try post("/login", form: [("csrf", csrf), ("name", name), ("password", password), ("next", "/")])
    }

    /// The value of the first hidden field `name` in `html`.
    static func value(of name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// The session's CSRF token, from a page.
    func csrf() throws -> String {
        Self.value(of: "csrf", in: try get("/").body) ?? ""
    }
}
