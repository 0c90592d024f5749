import ChorusCore
import ChorusStore
import Foundation
import Postgres

/// A migrated database with the roles of Deploy/roles.sql, the jerusalem-2017 scenario queued as a drill
/// and as a live incident, and connections acting as reviewers and as the daemon.
public struct ReviewFixture {
    public static let repository = Repository.root
    public static let reviewers = ["chorus_test_alice", "chorus_test_bob"]
    public static let daemon = "chorus_test_daemon"

    public let conninfo: String
    /// The owner's (superuser's) connection.
    public let owner: Connection
    public let ruleSet: RuleSet
    public let drillBundle: Int
    public let liveBundle: Int

    public init() throws {
        conninfo = try TestPostgres.makeDatabase()
        owner = try Connection(conninfo)
        try Migrator().migrate(owner)
        try Self.installRoles(on: owner)
        let ruleSet = try RuleSet.load(from: Self.repository.appendingPathComponent("Rules"))
        self.ruleSet = ruleSet
        guard let scenario = ruleSet.drill(id: "jerusalem-2017") else { throw FixtureError("no jerusalem-2017 drill") }
        let drill = scenario.events()[0]
        var live = drill
        live.id = "live-jerusalem-2017-01"
        live.status = .actual
        live.incident = "live-jerusalem"
        // Planned ten minutes ago, so that the rule's not-before delay has passed.
        let planned = Date().addingTimeInterval(-600)
        let batch = QueueBatch(source: "test", events: [drill, live].map {
            PlannedEvent(event: $0, plans: BundlePlanner.plans(event: $0, ruleSet: ruleSet, now: planned))
        })
        let summary = try QueueWriter().write([batch], on: owner)
        let bundles = try ReviewStore(connection: owner).summaries(of: summary.bundlesOpened)
        guard let drillBundle = bundles.first(where: { $0.isDrill && $0.ruleId == "deadly-attack" })?.id,
              let liveBundle = bundles.first(where: { !$0.isDrill && $0.ruleId == "deadly-attack" })?.id else {
            throw FixtureError("the scenario did not open a deadly-attack bundle")
        }
        self.drillBundle = drillBundle
        self.liveBundle = liveBundle
    }

    /// A connection whose session user is `role` (the audit's actor).
    public func connect(as role: String) throws -> Connection {
        try Self.connect(conninfo, as: role)
    }

    /// A connection to `conninfo` whose session user is `role`.
    public static func connect(_ conninfo: String, as role: String) throws -> Connection {
        let connection = try Connection(conninfo)
        try connection.execute("SET SESSION AUTHORIZATION \(identifier: role)")
        return connection
    }

    public func store(as role: String) throws -> ReviewStore { ReviewStore(connection: try connect(as: role)) }

    /// Roles are the cluster's: one test at a time changes them.
    public static var rolesLock: NSLock { TestPostgres.rolesLock }

    /// Runs Deploy/roles.sql statement by statement, then creates the test's login roles (editors: they
    /// write new revisions too).
    public static func installRoles(on connection: Connection) throws {
        rolesLock.lock()
        defer { rolesLock.unlock() }
        let script = try String(contentsOf: repository.appendingPathComponent("Deploy/roles.sql"), encoding: .utf8)
        for statement in statements(of: script) {
            try connection.execute("\(unescaped: statement)")
        }
        for (role, group) in reviewers.map({ ($0, "chorus_editor") }) + [(daemon, "chorus_daemon")] {
            do {
                try connection.execute("CREATE ROLE \(identifier: role) LOGIN IN ROLE \(identifier: group)")
            } catch let error as PostgresError where error.sqlState == "42710" || error.sqlState == "23505" {
                // Created by another test of this run.
            }
        }
    }

    /// Splits a SQL script at the semicolons that end a line outside dollar quotes; drops comment lines.
    public static func statements(of script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inDollarQuote = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !inDollarQuote && (trimmed.isEmpty || trimmed.hasPrefix("--")) { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inDollarQuote.toggle() }
            if !inDollarQuote && trimmed.hasSuffix(";") {
                statements.append(current)
                current = ""
            }
        }
        return statements
    }

    public func count(_ query: Query) throws -> Int {
        try owner.query(query).first?.decode(0, as: Int.self) ?? -1
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
