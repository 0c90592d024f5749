import Foundation
import Postgres
import Testing
import TestSupport

/// `chorus outbox`: released drafts in release order, and webhook delivery with retries and idempotency keys,
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
    func liveDrafts(_ participants: [String]) throws -> [Int] {
        let event = try #require(try connection.query("""
            INSERT INTO chorus.events (source, event_id, version, kind, status, msg_type, payload)
            VALUES ('test', 'live-1', '', 'terror_attack', 'actual', 'alert',
                    '{"id":"live-1","kind":"terror_attack","status":"actual","msgType":"alert","countries":["IL"],"severity":"severe","certainty":"observed","headline":{},"description":{},"references":[],"tags":[]}')
            RETURNING id
            """).first).decode("id", as: Int.self)
        let bundle = try #require(try connection.query("""
            INSERT INTO chorus.bundles (rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill, release_policy)
            VALUES ('deadly-attack', 'v1', \(event), 'k', 'k', false, 'each') RETURNING id
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
        let last = try #require(object["last"] as? Int)
        let after = try chorus(["outbox", "--json", "--after", String(last)])
        #expect(((try JSONSerialization.jsonObject(with: Data(after.standardOutput.utf8)) as? [String: Any])?["records"] as? [Any])?.count == 0)
        #expect(try JSONSchema.describe(outbox.standardOutput) == (try Golden.expected(
            try JSONSchema.describe(outbox.standardOutput), path: "outbox/outbox-schema.txt", testFile: #filePath)))
    }

    @Test func webhookDeliveryRetriesWithTheSameIdempotencyKeyAndDeliversOnce() throws {
        // The first two requests fail, then everything succeeds.
        let server = try OutboxWebhookServer { $0 < 2 ? 503 : 200 }
        defer { server.stop() }
        let draft = try #require(try liveDrafts(["il-mfa"]).first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        let delivered = try chorus(["outbox", "--json", "--deliver", "--webhook", "il-mfa=\(server.url)", "--retry-delay", "0.05"])
        #expect(delivered.status == 0, "\(delivered.standardError)")
        #expect(delivered.standardError.contains("delivered 1 record, 2 failed attempts"))
        let requests = server.requests
        #expect(requests.count == 3)
        let keys = Set(requests.compactMap { $0.headers["idempotency-key"] })
        #expect(keys.count == 1)
        #expect(keys.first?.hasPrefix("chorus-draft-\(draft)-r1") == true)
        #expect(requests.allSatisfy { $0.headers["content-type"] == "application/json" })
        let lastBody = try #require(requests.last?.body)
        let body = try #require(try JSONSerialization.jsonObject(with: lastBody) as? [String: Any])
        #expect(body["draftId"] as? Int == draft)
        #expect(body["text"] as? String == "אנו עומדים לצד ישראל #WeStandWithIsrael 2017")
        #expect(try attempts(draft).map(\.attempt) == [1, 2, 3])
        #expect(try attempts(draft).map(\.succeeded) == [false, false, true])

        // Delivered once: a second run (the webhook from the configuration file this time) sends nothing.
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-outbox")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("chorus.json5")
        try Data("{ webhooks: { 'il-mfa': '\(server.url)' }, }\n".utf8).write(to: config)
        let again = try chorus(["outbox", "--deliver", "--config", config.path])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(server.requests.count == 3)
    }

    @Test func aWebhookThatIsNotHTTPIsABadConfiguration() throws {
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-outbox")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("chorus.json5")
        try Data("{ webhooks: { 'il-mfa': 'file:///etc/passwd' } }\n".utf8).write(to: config)
        let outcome = try chorus(["outbox", "--deliver", "--config", config.path])
        #expect(outcome.status == 78)
        #expect(outcome.standardError == "Error: \(config.path):1:25: 'file:///etc/passwd' is not an http or https URL\n")
    }

    @Test func aDeliveryThatKeepsFailingIsGivenUpWithExit75() throws {
        let server = try OutboxWebhookServer { _ in 500 }
        defer { server.stop() }
        let draft = try #require(try liveDrafts(["il-mfa"]).first)
        #expect(try chorus(["review", "approve", "d\(draft)"]).status == 0)
        let outcome = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(server.url)", "--retry-delay", "0.05",
                                  "--max-attempts", "3"])
        #expect(outcome.status == 75)
        #expect(outcome.standardError.contains("gave up delivering d\(draft) after 3 attempts"))
        #expect(server.requests.count == 3)
        #expect(try attempts(draft).map(\.succeeded) == [false, false, false])
        // Given up: later rounds do not try again.
        _ = try chorus(["outbox", "--deliver", "--webhook", "il-mfa=\(server.url)", "--max-attempts", "3"])
        #expect(server.requests.count == 3)
    }
}
