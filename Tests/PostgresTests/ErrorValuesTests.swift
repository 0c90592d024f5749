import Foundation
import Postgres
import Testing
import TestSupport

/// Errors never carry values: a unique violation, a CHECK violation, a NOT NULL violation and malformed
/// input, each provoked with a recognisable value, keep what names the place of the failure and show the
/// value nowhere — neither in the message nor in the description that logs and exit messages print.
struct ErrorValuesTests {
    static let secret = "SECRET-4711-kind: 'terror"

    func failure(_ connection: Connection, _ body: (Connection) throws -> Void) throws -> PostgresError {
        do {
            try body(connection)
        } catch let error as PostgresError {
            return error
        }
        throw ExpectedFailure()
    }

    struct ExpectedFailure: Error {}

    func table() throws -> Connection {
        let connection = try TestPostgres.connect()
        try connection.executeScript("""
            CREATE TABLE people (id int PRIMARY KEY, name text UNIQUE, code text NOT NULL,
                                 CONSTRAINT name_is_not_forbidden CHECK (name NOT LIKE 'SECRET-%-forbidden'))
            """)
        try connection.execute("INSERT INTO people VALUES (1, \(Self.secret), 'a')")
        return connection
    }

    func expectNoValue(_ error: PostgresError, _ values: [String] = [ErrorValuesTests.secret, "4711"]) {
        for value in values {
            #expect(!error.description.contains(value), "\(error.description)")
            #expect(!error.message.contains(value))
            #expect(!(error.hint ?? "").contains(value))
        }
        #expect(!error.description.contains("DETAIL"))
        #expect(!error.description.contains("Failing row"))
        #expect(!error.description.contains("Key ("))
    }

    @Test func aUniqueViolationNamesItsConstraintAndNotTheKey() throws {
        let error = try failure(try table()) { try $0.execute("INSERT INTO people VALUES (2, \(Self.secret), 'b')") }
        #expect(error.sqlState == "23505")
        #expect(error.constraint == "people_name_key")
        #expect(error.table == "public.people")
        #expect(error.message == "unique violation on constraint \"people_name_key\" of table public.people")
        expectNoValue(error)
    }

    @Test func aCheckViolationNamesItsConstraintAndNotTheRow() throws {
        let error = try failure(try table()) { try $0.execute("INSERT INTO people VALUES (3, \("SECRET-4711-forbidden"), 'c')") }
        #expect(error.sqlState == "23514")
        #expect(error.constraint == "name_is_not_forbidden")
        expectNoValue(error, ["SECRET-4711-forbidden", "4711"])
    }

    @Test func aNotNullViolationNamesItsColumn() throws {
        let error = try failure(try table()) { try $0.execute("INSERT INTO people VALUES (\(4711), 'x', NULL)") }
        #expect(error.sqlState == "23502")
        #expect(error.column == "code")
        expectNoValue(error)
    }

    @Test func malformedInputIsNotEchoed() throws {
        let connection = try TestPostgres.connect()
        let array = try failure(connection) { try $0.query("SELECT \("{\"" + Self.secret)::text[] AS a") }
        #expect(array.sqlState == "22P02")
        #expect(array.message == "invalid text representation")
        expectNoValue(array)
        let number = try failure(connection) { try $0.query("SELECT \("4711x" + Self.secret)::integer AS n") }
        #expect(number.sqlState == "22P02")
        expectNoValue(number)
        let json = try failure(connection) { try $0.query("SELECT \(Self.secret)::jsonb AS j") }
        expectNoValue(json)
        let date = try failure(connection) { try $0.query("SELECT \("2017-47-11 " + Self.secret)::timestamptz AS t") }
        expectNoValue(date)
    }

    @Test func aValueThatDoesNotDecodeIsNotShown() throws {
        let connection = try TestPostgres.connect()
        let row = try #require(try connection.query("SELECT \(Self.secret)::text AS v").first)
        do {
            _ = try row.decode("v", as: Int.self)
            Issue.record("decoded text as an integer")
        } catch let error as PostgresError {
            #expect(error.kind == .decoding && error.column == "v")
            expectNoValue(error)
        }
    }

    @Test func messagesThatCannotHoldValuesAreKept() throws {
        let connection = try TestPostgres.connect()
        let missing = try failure(connection) { try $0.query("SELECT * FROM no_such_table") }
        #expect(missing.sqlState == "42P01")
        #expect(missing.message == "relation \"no_such_table\" does not exist")
        try connection.executeScript("""
            CREATE SCHEMA chorus;
            CREATE FUNCTION chorus.refuse(p text) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'draft % is withdrawn', 12 USING ERRCODE = 'CH002', HINT = 'show it again'; END $$;
            CREATE FUNCTION chorus.parse(p text) RETURNS integer LANGUAGE plpgsql AS $$
            BEGIN RETURN p::integer; END $$;
            """)
        let ours = try failure(connection) { try $0.query("SELECT chorus.refuse(\(Self.secret))") }
        #expect(ours.message == "draft 12 is withdrawn")
        #expect(ours.hint == "show it again")
        // A statement inside a function that fails on a value: replaced like any other.
        let inside = try failure(connection) { try $0.query("SELECT chorus.parse(\(Self.secret))") }
        #expect(inside.message == "invalid text representation")
        expectNoValue(inside)
    }
}
