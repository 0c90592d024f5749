import Foundation

/// Where chorus keeps what it owns on disk: the embedded PostgreSQL cluster and the cursors of one-shot
/// commands (PRODUCT.md §3).
public enum StateDirectory {
    /// `$STATE_DIRECTORY` when systemd sets it (the first entry if it lists several), else
    /// `$XDG_STATE_HOME/chorus`, else `~/.local/state/chorus`.
    ///
    /// For root with neither variable set, `/var/lib/chorus`: root's home is closed to the unprivileged
    /// user that runs the embedded server, and `/var/lib/chorus` is what systemd's `StateDirectory=chorus`
    /// gives a system service anyway.
    public static func resolve(environment: [String: String]) -> URL {
        if let systemd = environment["STATE_DIRECTORY"], let first = systemd.split(separator: ":").first, !first.isEmpty {
            return URL(fileURLWithPath: String(first), isDirectory: true)
        }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("chorus", isDirectory: true)
        }
        if geteuid() == 0 {
            return URL(fileURLWithPath: "/var/lib/chorus", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true)
            .appendingPathComponent(".local/state/chorus", isDirectory: true)
    }
}
