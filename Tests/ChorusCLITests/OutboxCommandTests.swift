import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// `chorus outbox`: released drafts in release order, read-only; and `--deliver`, the one-shot delivery
/// for operators without a daemon — retries with one idempotency key, exactly once even with two
/// deliverers at once, a redirect a failure, never followed, and the webhook's secrets stored nowhere —
/// against a local HTTP server.
struct OutboxCommandTests {
    let database: String
    let connection: Connection

    init() throws {
        database = try TestPostgres.makeDatabase()
        let migrated = try ChorusProcess.run(["migrate", "--database", database])
        try #require(migrated.status == 0, "\(migrated.standardError)")
        connection = try Connection(database)
    }

    func chorus(_ arguments: [String]) throws -> ChorusProcess.Outcome {
        try ChorusProcess.run(arguments + ["--database", database], environment: ["NO_COLOR": "1"])
    }

    /// A live bundle (policy 'each') with one pending draft per participant; returns the drafts' ids.
    func liveDrafts(_ participants: [String], notBefore: String = "now() - interval '1 minute'") throws -> [Int] {
        let event = try #require(try connection.query("""
            INSERT INTO chorus.events (source, event_id, version, kind, status, msg_type, payload)
            VALUES ('test', 'live-1', '', 'terror_attack', 'actual', 'alert',
                    '{"id":"live-1","kind":"terror_attack","status":"actual","msgType":"alert","countries":["IL"],"severity":"severe","certainty":"observed","headline":{},"description":{},"references":[],"tags":[]}')
            RETURNING id
            """).first).decode("id", as: Int.self)
        let bundle = try #require(try connection.query("""
            INSERT INTO chorus.bundles (rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill, release_policy,
                                        not_before)
            VALUES ('deadly-attack', 'v1', \(event), 'k', 'k', false, 'each', \(unescaped: notBefore)) RETURNING id
            """).first).decode("id", as: Int.self)
        return try participants.map { participant in
            try #require(try connection.query("""
                INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, weighted_length,
                                           length_limit, is_drill, ruleset_version, handle, country)
                VALUES (\(bundle), \(event), \(participant), 'x', 'he', 'אנו עומדים לצד ישראל #WeStandWithIsrael 2017', 44, 280, false, 'v1',
                        '@IsraelinGermany', 'IL')
                RETURNING id
                """).first).decode("id", as: Int.self)
        }
    }

    func attempts(_ draft: Int) throws -> [(attempt: Int, succeeded: Bool, key: String)] {
        try connection.query("""
            SELECT attempt, succeeded, idempotency_key FROM chorus.outbox_deliveries WHERE draft_id = \(draft) ORDER BY id
            """).rows.map { (try $0.decode("attempt"), try $0.decode("succeeded"), try $0.decode("idempotency_key")) }
    }

    @Test func approvedLiveDraftsAreListedInReleaseOrder() throws {
        let drafts = try liveDrafts(["il-mfa", "de-foreign-office"])
        for draft in drafts.reversed() {
            let approved = try chorus(["review", "approve", "d\(draft)"])
            #expect(approved.status == 0, "\(approved.standardError)")
            #expect(approved.standardOutput.contains("released to the outbox"))
        }
        let outbox = try chorus(["outbox", "--json"])
        #expect(outbox.status == 0, "\(outbox.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outbox.standardOutput.utf8)) as? [String: Any])
        let records = try #require(object["records"] as? [[String: Any]])
        #expect(records.compactMap { $0["draftId"] as? Int } == drafts.reversed())
        #expect(records.first?["direction"] as? String == "rtl")
        #expect(records.first?["handle"] as? String == "@IsraelinGermany")
        let last = try #require(object["last"] as? Int)
        let after = try chorus(["outbox", "--json", "--after", String(last)])
        #expect(((try JSONSerialization.jsonObject(with: Data(after.standardOutput.utf8)) as? [String: Any])?["records"] as? [Any])?.count == 0)
        #expect(try JSONSchema.describe(outbox.standardOutput) == (try Golden.expected(
            try JSONSchema.describe(outbox.standardOutput), path: "outbox/outbox-schema.txt", testFile: #filePath)))
    }

    @Test func theOutboxOnlyReadsAndDeliverReleasesWhatIsDue() throws {
        let server = try TestHTTPServer(fallback: .status(200))
        defer { server.stop() }
        // Approved while its not-before was still ahead: nothing released yet.
        let draft = try #require(try liveDrafts(["il-mfa"], notBefore: "now() + interval '1 hour'").first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        try connection.execute("UPDATE chorus.bundles SET not_before = now() - interval '1 second'")
        let listed = try chorus(["outbox", "--json"])
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.contains("\"records\" : [\n\n  ]") || !listed.standardOutput.contains("draftId"))
        #expect(try connection.query("SELECT state FROM chorus.drafts WHERE id = \(draft)").first?.decode("state", as: String.self) == "approved",
                "listing the outbox released nothing")
        let delivered = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(server.url(path: "/hook"))"])
        #expect(delivered.status == 0, "\(delivered.standardError)")
        #expect(delivered.standardError.contains("delivered 1 record"))
        #expect(try connection.query("SELECT state FROM chorus.drafts WHERE id = \(draft)").first?.decode("state", as: String.self) == "released")
        #expect(server.receivedRequests.count == 1)
    }

    @Test func webhookDeliveryRetriesWithTheSameIdempotencyKeyAndDeliversOnce() throws {
        // The first two requests fail, then everything succeeds.
        let server = try TestHTTPServer(status: { $0 < 2 ? 503 : 200 })
        defer { server.stop() }
        let hook = server.url(path: "/hook")
        let draft = try #require(try liveDrafts(["il-mfa"]).first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        let delivered = try chorus(["outbox", "--json", "--deliver", "--webhook", "il-mfa=\(hook)", "--retry-delay", "0.05"])
        #expect(delivered.status == 0, "\(delivered.standardError)")
        #expect(delivered.standardError.contains("delivered 1 record, 2 failed attempts"))
        let requests = server.receivedRequests
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0.line.hasPrefix("POST /hook ") })
        let keys = Set(requests.compactMap { $0.headers["idempotency-key"] })
        #expect(keys == ["chorus-draft-\(draft)-r1"])
        #expect(requests.allSatisfy { $0.headers["content-type"] == "application/json" })
        let lastBody = try #require(requests.last?.body)
        let body = try #require(try JSONSerialization.jsonObject(with: lastBody) as? [String: Any])
        #expect(body["draftId"] as? Int == draft)
        #expect(body["text"] as? String == "אנו עומדים לצד ישראל #WeStandWithIsrael 2017")
        #expect(body["handle"] as? String == "@IsraelinGermany")
        #expect(try attempts(draft).map(\.attempt) == [1, 2, 3])
        #expect(try attempts(draft).map(\.succeeded) == [false, false, true])

        // Delivered once: a second run (the webhook from the configuration file this time) sends nothing.
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-outbox")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("chorus.json5")
        try Data("{ webhooks: { 'il-mfa': '\(hook)' }, }\n".utf8).write(to: config)
        let again = try chorus(["outbox", "--deliver", "--config", config.path])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(server.receivedRequests.count == 3)
    }

    @Test func twoDeliverersAtOnceDeliverEveryRecordOnce() throws {
        // A slow receiver, so that the two runs overlap.
        let server = try TestHTTPServer(fallback: .status(200), latency: 0.05)
        defer { server.stop() }
        let participants = (1...12).map { "participant-\($0)" }
        let drafts = try liveDrafts(participants)
        for draft in drafts { #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0) }
        let webhooks = participants.flatMap { ["--webhook", "\($0)=\(server.url(path: "/hook"))"] }
        let outcomes = Mutex<[ChorusProcess.Outcome]>([])
        let arguments = ["outbox", "--deliver"] + webhooks + ["--database", database]
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if let outcome = try? ChorusProcess.run(arguments, environment: ["NO_COLOR": "1"]) {
                outcomes.withLock { $0.append(outcome) }
            }
        }
        let results = outcomes.withLock { $0 }
        #expect(results.count == 2 && results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardError))")
        let keys = server.receivedRequests.compactMap { $0.headers["idempotency-key"] }
        #expect(keys.count == drafts.count, "every record POSTed once, not twice")
        #expect(Set(keys).count == drafts.count)
        #expect(try connection.query("SELECT count(*) AS n FROM chorus.outbox_deliveries WHERE succeeded").first?
            .decode("n", as: Int.self) == drafts.count)
        #expect(try connection.query("SELECT count(*) AS n FROM chorus.deliveries WHERE state = 'delivered'").first?
            .decode("n", as: Int.self) == drafts.count)
    }

    @Test func aRedirectIsAFailureAndNeverFollowed() throws {
        let elsewhere = try TestHTTPServer(fallback: .status(200))
        defer { elsewhere.stop() }
        let redirecting = try TestHTTPServer(fallback: .status(302, headers: ["Location": elsewhere.url(path: "/stolen").absoluteString]))
        defer { redirecting.stop() }
        let draft = try #require(try liveDrafts(["il-mfa"]).first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        let outcome = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(redirecting.url(path: "/hook"))", "--max-attempts", "2",
                                  "--retry-delay", "0.05"])
        #expect(outcome.status == 75, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("HTTP 302"))
        #expect(redirecting.receivedRequests.count == 2)
        #expect(elsewhere.receivedRequests.isEmpty, "the redirect was followed")
        let recorded = try connection.query("SELECT status_code, succeeded FROM chorus.outbox_deliveries WHERE draft_id = \(draft)").rows
        #expect(try recorded.map { try $0.decode("status_code", as: Int.self) } == [302, 302])
        #expect(try recorded.allSatisfy { try !$0.decode("succeeded", as: Bool.self) })
    }

    @Test func aWebhooksSecretsAreStoredNowhereReviewersRead() throws {
        let server = try TestHTTPServer(fallback: .status(200))
        defer { server.stop() }
        let secretURL = "http://publisher:hunter2@127.0.0.1:\(server.port)/hooks/T0/s3cr3tPath?token=t0k3n"
        let draft = try #require(try liveDrafts(["il-mfa"]).first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        let outcome = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(secretURL)"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        // The receiver got the whole URL: the path, the query, the credentials.
        let request = try #require(server.receivedRequests.first)
        #expect(request.line.hasPrefix("POST /hooks/T0/s3cr3tPath?token=t0k3n "))
        // The tables reviewers can read hold the scheme and host only.
        let stored = try connection.query("""
            SELECT (SELECT string_agg(url, ' ') FROM chorus.outbox_deliveries) || ' ' ||
                   (SELECT string_agg(destination || ' ' || coalesce(last_error, ''), ' ') FROM chorus.deliveries) AS everything
            """).first?.decode("everything", as: String.self) ?? ""
        #expect(stored.contains("http://127.0.0.1:\(server.port)"))
        for secret in ["hunter2", "s3cr3tPath", "t0k3n", "publisher:"] {
            #expect(!stored.contains(secret), "\(secret) stored")
            #expect(!outcome.standardError.contains(secret) && !outcome.standardOutput.contains(secret))
        }
        // Nor does a bad webhook echo its URL.
        let bad = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=ftp://user:hunter2@example"])
        #expect(bad.status == 64)
        #expect(!bad.standardError.contains("hunter2"))
    }

    @Test func aWebhookThatIsNotHTTPIsABadConfiguration() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-outbox")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("chorus.json5")
        try Data("{ webhooks: { 'il-mfa': 'file:///etc/passwd' } }\n".utf8).write(to: config)
        let outcome = try chorus(["outbox", "--deliver", "--config", config.path])
        #expect(outcome.status == 78)
        // Named with its place in the file; the value is not repeated (a webhook URL may hold a secret).
        #expect(outcome.standardError == "Error: \(config.path):1:25: not an http or https URL with a host\n")
        #expect(!outcome.standardError.contains("/etc/passwd"))
    }

    @Test func aDeliveryThatKeepsFailingIsGivenUpWithExit75() throws {
        let server = try TestHTTPServer(fallback: .status(500))
        defer { server.stop() }
        let hook = server.url(path: "/hook")
        let draft = try #require(try liveDrafts(["il-mfa"]).first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        let outcome = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(hook)", "--retry-delay", "0.05",
                                  "--max-attempts", "3"])
        #expect(outcome.status == 75)
        #expect(outcome.standardError.contains("gave up delivering d\(draft) after 3 attempts"))
        #expect(server.receivedRequests.count == 3)
        #expect(try attempts(draft).map(\.succeeded) == [false, false, false])
        // Given up: later rounds do not try again.
        _ = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(hook)", "--max-attempts", "3"])
        #expect(server.receivedRequests.count == 3)
    }
}
