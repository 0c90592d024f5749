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
        try self.init(conninfo: try TestPostgres.makeDatabase())
    }

    /// The fixture in the empty database at `conninfo`, whose user is a superuser (the benchmark's cluster).
    public init(conninfo: String) throws {
        self.conninfo = conninfo
        owner = try Connection(conninfo)
        try Migrator().migrate(owner)
        try Self.installRoles(on: owner)
        // The workflow tests release at whatever hour they run: the senders' rest days, which hold Israel's
        // drafts from Friday evening to Saturday night, are left out here and tested on their own
        // (RestDaysTests, LifecycleTests).
        let ruleSet = try RuleSet.load(from: Self.repository.appendingPathComponent("Rules")).withoutRestDays
        self.ruleSet = ruleSet
        guard let scenario = ruleSet.drill(id: "jerusalem-2017") else { throw FixtureError("no jerusalem-2017 drill") }
        let drill = scenario.events()[0]
        var live = drill
        live.id = "live-jerusalem-2017-01"
        live.status = .actual
        live.incident = "live-jerusalem"
        // Planned ten minutes ago, so that the rule's not-before delay has passed.
        let planned = Date().addingTimeInterval(-600)
        // Reviewed as a coordinated statement (policy 'all'), whatever policy the shipped rule has: the
        // workflow tests set 'each' or 'perCountry' themselves where they test those.
        let batch = QueueBatch(source: "test", events: [drill, live].map { event in
            PlannedEvent(event: event, plans: BundlePlanner.plans(event: event, ruleSet: ruleSet, now: planned).map { plan in
                var plan = plan
                plan.release.policy = .all
                return plan
            })
        })
        let summary = try QueueWriter().write([batch], on: owner)
        let bundles = try ReviewStore(connection: owner).summaries(of: summary.bundlesOpened)
        guard let drillBundle = bundles.first(where: { $0.isDrill && $0.ruleId == "attack" })?.id,
              let liveBundle = bundles.first(where: { !$0.isDrill && $0.ruleId == "attack" })?.id else {
            throw FixtureError("the scenario did not open an attack bundle")
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

    /// Runs Deploy/roles.sql, then creates the test's login roles (editors: they write new revisions too).
    public static func installRoles(on connection: Connection) throws {
        try DeployRoles.install(on: connection)
        try rolesLock.withLock {
            for (role, group) in reviewers.map({ ($0, "chorus_editor") }) + [(daemon, "chorus_daemon")] {
                try DeployRoles.createLogin(role, in: group, on: connection)
            }
        }
    }

    public func count(_ query: Query) throws -> Int {
        try owner.query(query).first?.decode(0, as: Int.self) ?? -1
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension RuleSet {
    /// The same rules with no sender keeping rest days.
    public var withoutRestDays: RuleSet {
        RuleSet(rules: rules, participants: participants.mapValues { participant in
            var participant = participant
            participant.restDays = nil
            return participant
        }, landmarks: landmarks, kindMapping: kindMapping, drills: drills, voices: voices, gazetteer: gazetteer, version: version)
    }
}
