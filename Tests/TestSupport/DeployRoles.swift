import Foundation
import Postgres

/// `Deploy/roles.sql`, as the tests run it: statement by statement on a connection of the owner's.
public enum DeployRoles {
    /// Runs Deploy/roles.sql on `connection`, one test at a time (roles are the cluster's, and concurrent
    /// GRANTs on one role can fail with "tuple concurrently updated").
    public static func install(on connection: Connection) throws {
        let script = try String(contentsOf: Repository.root.appendingPathComponent("Deploy/roles.sql"), encoding: .utf8)
        try TestPostgres.rolesLock.withLock {
            for statement in statements(of: script) {
                try connection.execute("\(unescaped: statement)")
            }
        }
    }

    /// Creates the login role `role` in `group` unless it exists (another test of the run made it).
    public static func createLogin(_ role: String, in group: String, on connection: Connection) throws {
        do {
            try connection.execute("CREATE ROLE \(identifier: role) LOGIN IN ROLE \(identifier: group)")
        } catch let error as PostgresError where error.sqlState == "42710" || error.sqlState == "23505" {
            // Created by another test of this run.
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
}
