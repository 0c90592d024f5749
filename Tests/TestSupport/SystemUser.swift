import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway operating-system user for tests that run as root: created with `useradd --system
/// --no-create-home` (no home, no login shell), removed with ``remove()`` — and, should a test crash before
/// that, by the next run (``removeAbandoned()``: every user of this prefix whose creating process is gone).
public struct SystemUser: Sendable {
    public let name: String
    public let uid: uid_t
    public let gid: gid_t

    /// Names start with this (and the creating process's pid), so that leftovers can be found.
    static let prefix = "tu"

    /// Creates a user named `tu<pid>x<role>` (a name chorus accepts for a reviewer: lower case, not `chorus…`).
    public static func create(_ role: String) throws -> SystemUser {
        removeAbandoned()
        let name = "\(prefix)\(getpid())x\(role)"
        let result = try run(["/usr/sbin/useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                              "--shell", "/usr/sbin/nologin", "--user-group", name])
        guard result.status == 0, let entry = getpwnam(name) else {
            throw FixtureError("useradd \(name) failed (\(result.status)): \(result.output)")
        }
        return SystemUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// Removes the user (and its group).
    public func remove() {
        _ = try? Self.run(["/usr/sbin/userdel", name])
    }

    /// `command` run as this user: `setpriv` with its uid and gid and no supplementary groups.
    public func wrapping(_ command: [String]) -> [String] {
        ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"] + command
    }

    /// Users left by test processes that ended without removing them.
    static func removeAbandoned() {
        guard let text = try? String(contentsOfFile: "/etc/passwd", encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let name = String(line.prefix { $0 != ":" })
            guard name.hasPrefix(prefix), let x = name.firstIndex(of: "x"),
                  let pid = Int32(name[name.index(name.startIndex, offsetBy: prefix.count)..<x]),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? run(["/usr/sbin/userdel", name])
        }
    }

    private static func run(_ command: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
