import Foundation
import Postgres
import Testing

/// Passwords never shown, whatever the spelling: connection strings are read by libpq and rebuilt, and
/// libpq's own error messages are redacted the same way.
struct ConnectionStringTests {
    @Test(arguments: [
        ("host=db user=chorus password=s3cret dbname=q", "host=db dbname=q user=chorus password=***"),
        ("password = 'it\\'s s3cret' host=x", "host=x password=***"),
        // libpq takes a tab before the '=' (a pattern looking for "password=" or "password =" does not).
        ("password\t=tabs3cret host=x", "host=x password=***"),
        // An escaped space is part of the value: all of it is the password.
        ("password=Esc\\ S3cret host=y", "host=y password=***"),
        ("postgres://chorus:s3cret@db:5432/q?sslmode=require", "host=db port=5432 dbname=q user=chorus password=*** sslmode=require"),
        ("postgresql://db/q?user=a&password=s3cret", "host=db dbname=q user=a password=***"),
        ("postgresql://u:p%40ss@db/q", "host=db dbname=q user=u password=***"),
        // An unencoded '@' in a URL's password: libpq puts the rest of it into the host.
        ("postgres://u:p@ss3cret@db/q", "host=***@db dbname=q user=u password=***"),
        // An unencoded '/': libpq reads the password as the port and its rest as the database name.
        ("postgres://u:pa/ss3cret@db/q", "host=u port=*** dbname=***@db/q"),
        ("host=/run/chorus dbname=q", "host=/run/chorus dbname=q"),
        ("dbname='a name with spaces'", "dbname='a name with spaces'"),
    ])
    func connectionStringsAreRebuiltWithoutSecrets(conninfo: String, shown: String) {
        let redacted = ConnectionString.redacted(conninfo)
        #expect(redacted == shown)
        for secret in ["s3cret", "S3cret", "ss3cret", "pa"] where conninfo.contains(secret) && !shown.contains(secret) {
            #expect(!redacted.contains(secret), "\(redacted)")
        }
    }

    @Test(arguments: [
        ("not a conninfo", #"missing "=" after "not" in connection info string"#),
        // The piece libpq quotes may be half a password: not shown when the string holds one.
        ("host=a password=s3cret word", #"missing "=" after "***" in connection info string"#),
        ("postgres://u:p%zzs3cret@h/d", #"invalid percent-encoded token: "***""#),
    ])
    func unreadableStringsShowLibpqsReasonRedacted(conninfo: String, message: String) {
        #expect(throws: ConnectionString.ParseError.self) { try ConnectionString.parse(conninfo) }
        #expect(ConnectionString.redacted(conninfo) == "(libpq cannot read the connection string: \(message))")
        #expect(!ConnectionString.redacted(conninfo).contains("s3cret"))
    }

    /// libpq's own message about a failed connection names the host it could not find: with an '@' in a
    /// URL's password, that "host" is the rest of the password.
    @Test func libpqsConnectionErrorsAreRedacted() throws {
        for conninfo in ["postgres://u:p@ss3cret@db.invalid/q?connect_timeout=2",
                         "postgres://us@er:pw@ss3cret.invalid/q?connect_timeout=2",
                         "postgres://u:pa/ss3cret@db.invalid/q?connect_timeout=2"] {
            do {
                _ = try Connection(conninfo)
                Issue.record("connected to \(conninfo)")
            } catch let error as PostgresError {
                #expect(error.kind == .connectionFailed)
                #expect(!"\(error)".contains("ss3cret"), "\(error)")
                #expect(!"\(error)".contains("pw@"), "\(error)")
            }
        }
    }
}
