import ChorusService
import Foundation
import Testing
import TestSupport

/// Where the state directory (and so the embedded cluster) is: the variables first, then root's and the
/// machine's, then the person's own.
@Suite struct StateDirectoryTests {
    let scratch: URL
    let home: URL
    let machine: URL

    init() throws {
        scratch = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-state")
        home = scratch.appendingPathComponent("home/alice", isDirectory: true)
        machine = scratch.appendingPathComponent("var/lib/chorus", isDirectory: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: machine, withIntermediateDirectories: true)
    }

    func resolve(_ environment: [String: String], isRoot: Bool = false) -> String {
        StateDirectory.resolve(environment: ["HOME": home.path].merging(environment) { $1 }, machine: machine, isRoot: isRoot).path
    }

    @Test func theVariablesComeFirst() {
        #expect(resolve(["STATE_DIRECTORY": "/srv/a:/srv/b"]) == "/srv/a")
        #expect(resolve(["XDG_STATE_HOME": "/srv/x"]) == "/srv/x/chorus")
        #expect(resolve(["STATE_DIRECTORY": "/srv/a"], isRoot: true) == "/srv/a")
        #expect(resolve([:], isRoot: true) == machine.path)
    }

    @Test func aPersonUsesTheMachinesClusterWhenTheyHaveNoneOfTheirOwn() throws {
        let own = home.appendingPathComponent(".local/state/chorus").path
        // No cluster on the machine: their own.
        #expect(resolve([:]) == own)
        // The service's cluster, reachable by people (its public socket directory): the machine's.
        try FileManager.default.createDirectory(at: machine.appendingPathComponent("postgres.sock"), withIntermediateDirectories: true)
        #expect(resolve([:]) == machine.path)
        // Someone who made a cluster of their own keeps it.
        try FileManager.default.createDirectory(atPath: own + "/postgres", withIntermediateDirectories: true)
        #expect(resolve([:]) == own)
        // And a variable still decides.
        #expect(resolve(["XDG_STATE_HOME": "/srv/x"]) == "/srv/x/chorus")
    }
}
