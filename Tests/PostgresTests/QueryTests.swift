import Foundation
import Testing
@testable import Postgres

/// How `Query` literals turn interpolations into placeholders: no database needed.
struct QueryTests {
    @Test func interpolatedValuesBecomeNumberedPlaceholders() {
        let name = "O'Brien"
        let limit = 5
        let query: Query = "SELECT * FROM t WHERE name = \(name) AND n < \(limit) AND note IS \(nil as String?)"
        #expect(query.sql == "SELECT * FROM t WHERE name = $1 AND n < $2 AND note IS $3")
        #expect(query.binds == [
            PostgresBind(text: "O'Brien", type: .text), PostgresBind(text: "5", type: .int8),
            PostgresBind(text: nil, type: .text),
        ])
    }

    @Test func descriptionShowsSQLButNeverValues() {
        let secret = "hunter2"
        let query: Query = "UPDATE users SET password = \(secret)"
        #expect(query.description == "UPDATE users SET password = $1")
        #expect(!String(describing: query).contains(secret))
    }

    @Test func identifiersAreQuoted() {
        let channel = "chorus\"; DROP TABLE x; --"
        let query: Query = "LISTEN \(identifier: channel)"
        #expect(query.sql == "LISTEN \"chorus\"\"; DROP TABLE x; --\"")
        #expect(query.binds.isEmpty)
    }

    @Test(arguments: [
        ([], "{}"),
        (["a"], "{\"a\"}"),
        (["with \"quotes\"", "back\\slash", "comma,brace{}", "NULL", ""],
         #"{"with \"quotes\"","back\\slash","comma,brace{}","NULL",""}"#),
        (["\"\\\"", "ends with \\", "ירושלים \"القدس\""], #"{"\"\\\"","ends with \\","ירושלים \"القدس\""}"#),
    ])
    func arrayLiteralsEscapeEverything(items: [String], literal: String) throws {
        #expect(items.postgresText == literal)
        #expect(PostgresArrayLiteral.parse(literal) == items.map { Optional($0) })
    }

    @Test func arrayLiteralParsingKeepsNullApartFromTheStringNULL() {
        #expect(PostgresArrayLiteral.parse(#"{NULL,"NULL",plain}"#) == [nil, "NULL", "plain"])
        #expect(PostgresArrayLiteral.parse("{a,") == nil)
        #expect(PostgresArrayLiteral.parse("a,b") == nil)
    }

    @Test func timestampsRoundTripThroughTheServerTextForm() throws {
        let date = Date(timeIntervalSince1970: 1_483_875_000.25)
        #expect(PostgresTimestamp.format(date) == "2017-01-08T11:30:00.250000Z")
        #expect(PostgresTimestamp.parse("2017-01-08 11:30:00.25+00") == date)
        #expect(PostgresTimestamp.parse("2017-01-08 13:30:00.25+02") == date)
        #expect(PostgresTimestamp.parse("2017-01-08 17:00:00.25+05:30") == date)
        #expect(PostgresTimestamp.parse("1969-12-31 23:59:59+00") == Date(timeIntervalSince1970: -1))
        #expect(PostgresTimestamp.parse("infinity") == nil)
    }
}
