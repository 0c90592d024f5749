import ChorusService
import ChorusStore
import Foundation
import Postgres

/// `chorus reviewers add|list|remove`: the people who review, as PostgreSQL login roles (PRODUCT.md §3).
struct ReviewersCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "reviewers",
        abstract: "Named reviewers: PostgreSQL login roles in the reviewers' groups.",
        discussion: """
        Every reviewer is a login role of their own, so that the audit names them and the four-eyes rule \
        holds: whoever edited a draft last may not approve it. Groups (Deploy/roles.sql): reviewer (approve, \
        reject), editor (also edit), admin (also add, change and remove reviewers — and nothing more: an admin \
        never bypasses the review functions). On the embedded database every local user acts as the role of \
        their own name (peer authentication), so 'chorus reviewers add alice --role editor' is all alice \
        needs to review in a terminal; a password (--password-stdin) lets her log in to the review console.
        """,
        subcommands: [ReviewersAddCommand.self, ReviewersListCommand.self, ReviewersRemoveCommand.self]
    )
}

struct ReviewersAddCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "add",
        abstract: "Add a reviewer, or change an existing reviewer's group (and password).",
        discussion: """
        Creates the login role NAME in the group of --role (or moves an existing reviewer there). With \
        --password-stdin, the first line of standard input becomes the password of the console's login \
        (at least 10 characters); libpq turns it into a SCRAM-SHA-256 verifier here, so the plain text never \
        reaches the server. Run it as an admin or as the schema's owner (on the embedded database: the user \
        who owns the cluster).
        """,
        arguments: [ArgumentSpec("name", help: "The reviewer's role: their login name on this machine, lower case.")],
        options: [
            .option("role", value: "reviewer|editor|admin", help: "Their group.", required: true),
            .flag("password-stdin", help: "Read a password for the console's login from standard input."),
        ] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let name: String
    let group: DatabaseRoles.Group
    let readsPassword: Bool

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        name = arguments.argument("name") ?? ""
        group = try arguments.value("role", as: "reviewer|editor|admin", DatabaseRoles.Group.init(rawValue:)) ?? .reviewer
        readsPassword = arguments.flag("password-stdin")
    }

    func run(_ context: CommandContext) throws {
        var password: String?
        if readsPassword {
            let text = String(decoding: try context.readStandardInput(), as: UTF8.self)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.hasSuffix("\r") ? String(line.dropLast()) : line
            guard trimmed.count >= 10 else { throw UsageError("the password on standard input must have at least 10 characters") }
            guard trimmed != name else { throw UsageError("the password must not be the reviewer's name") }
            password = trimmed
        }
        let people = ReviewerStore(connection: try database.connect(context))
        let outcome = try ReviewersCommand.managing {
            if try !people.rolesInstalled() { try people.installRoles() }
            return try people.add(name, as: group, password: password)
        }
        let login = password == nil ? "no console password" : "a console password"
        switch outcome {
        case .added: context.print("Added reviewer \(name) (\(group), \(login)).")
        case .changed: context.print("Changed reviewer \(name): now \(group)\(password == nil ? "" : ", with a new console password").")
        }
    }
}

struct ReviewersListCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "list",
        abstract: "The reviewers, their groups and their live console sessions.",
        options: [.json] + ReviewDatabase.options
    )

    let database: ReviewDatabase
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        json = arguments.flag("json")
    }

    func run(_ context: CommandContext) throws {
        let people = ReviewerStore(connection: try database.connect(context))
        let reviewers = try ReviewersCommand.managing { try people.list() }
        if json {
            context.print(try ReviewJSON.text(["reviewers": reviewers], pretty: false))
            return
        }
        guard !reviewers.isEmpty else {
            context.print("No reviewers yet: 'chorus reviewers add NAME --role editor' adds one (two are needed: "
                          + "whoever edits a draft may not approve it).")
            return
        }
        let width = max(4, reviewers.map(\.name.count).max() ?? 4)
        context.print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  ROLE      PASSWORD  SESSIONS")
        for reviewer in reviewers {
            let password = reviewer.hasPassword.map { $0 ? "yes" : "no" } ?? "?"
            context.print(reviewer.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                          + reviewer.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                          + password.padding(toLength: 8, withPad: " ", startingAt: 0) + "  \(reviewer.liveSessions)")
        }
    }
}

struct ReviewersRemoveCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "remove",
        abstract: "Remove a reviewer: their role goes, and their console sessions end.",
        discussion: "The audit keeps their name on everything they did.",
        arguments: [ArgumentSpec("name", help: "The reviewer's role.")],
        options: ReviewDatabase.options
    )

    let database: ReviewDatabase
    let name: String

    init(_ arguments: ParsedArguments) throws {
        database = ReviewDatabase(arguments)
        name = arguments.argument("name") ?? ""
    }

    func run(_ context: CommandContext) throws {
        let people = ReviewerStore(connection: try database.connect(context))
        guard try ReviewersCommand.managing({ try people.remove(name) }) else {
            throw CommandError(.dataError, "there is no reviewer \(name)")
        }
        context.print("Removed reviewer \(name); the audit keeps their name on what they did.")
    }
}

extension ReviewersCommand {
    /// Runs `body`, saying who may manage reviewers when the database refuses.
    static func managing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ReviewError where error.kind == .notPermitted {
            throw CommandError(.configuration, "\(error.message) — reviewers are managed by an admin (chorus_admin) "
                               + "or the schema's owner, and the owner needs CREATEROLE: see Deploy/roles.sql")
        } catch let error as PostgresError where error.sqlState == "42704" || error.sqlState == "42501" {
            throw CommandError(.configuration, "\(error.message) — run Deploy/roles.sql as the schema's owner (it creates "
                               + "the reviewers' groups), and give the owner CREATEROLE")
        }
    }
}
