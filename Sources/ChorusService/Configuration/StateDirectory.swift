import Foundation

/// Where chorus keeps what it owns on disk: the embedded PostgreSQL cluster and the cursors of one-shot
/// commands (PRODUCT.md §3).
public enum StateDirectory {
    /// The machine's state directory: the shipped unit's `StateDirectory=chorus`, and root's.
    public static let machine = URL(fileURLWithPath: "/var/lib/chorus", isDirectory: true)

    /// `$STATE_DIRECTORY` when systemd sets it (the first entry if it lists several), else
    /// `$XDG_STATE_HOME/chorus`, else `~/.local/state/chorus`.
    ///
    /// For root with neither variable set, `/var/lib/chorus`: root's home is closed to the unprivileged
    /// user that runs the embedded server, and `/var/lib/chorus` is what systemd's `StateDirectory=chorus`
    /// gives a system service anyway.
    ///
    /// For anyone else with neither variable set and no embedded cluster of their own, the machine's
    /// (`/var/lib/chorus`) when it has one that people can reach (its public socket directory,
    /// `postgres.sock`, exists): the people at the terminals of a machine that runs the service review on
    /// the service's queue, each as their own role, with no setup.
    public static func resolve(environment: [String: String], machine: URL = machine, isRoot: Bool = geteuid() == 0) -> URL {
        if let systemd = environment["STATE_DIRECTORY"], let first = systemd.split(separator: ":").first, !first.isEmpty {
            return URL(fileURLWithPath: String(first), isDirectory: true)
        }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("chorus", isDirectory: true)
        }
        if isRoot {
            return machine
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let own = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".local/state/chorus", isDirectory: true)
        let fileManager = FileManager.default
        // `postgres.sock`: the public socket directory beside the cluster `postgres` (EmbeddedPostgres).
        if !fileManager.fileExists(atPath: own.appendingPathComponent("postgres").path),
           fileManager.fileExists(atPath: machine.appendingPathComponent("postgres.sock").path) {
            return machine
        }
        return own
    }
}
