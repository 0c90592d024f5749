import Foundation
import Synchronization

/// Slows password guessing: after 5 failed logins for one name, or 20 from one address, within 10 minutes,
/// further attempts are refused until the window has passed. Per console instance (a guesser spread over
/// several instances still meets PostgreSQL's own authentication delay and the logs).
final class LoginThrottle: Sendable {
    static let window: TimeInterval = 600
    static let perName = 5
    static let perAddress = 20

    private let failures = Mutex<[String: [Date]]>([:])

    /// When `name` from `address` may try again, or `nil` when they may now.
    func blockedUntil(name: String, address: String, now: Date = Date()) -> Date? {
        failures.withLock { failures in
            let cutoff = now.addingTimeInterval(-Self.window)
            func recent(_ key: String) -> [Date] { (failures[key] ?? []).filter { $0 > cutoff } }
            let byName = recent("name:" + name), byAddress = recent("address:" + address)
            if byName.count >= Self.perName { return byName[byName.count - Self.perName].addingTimeInterval(Self.window) }
            if byAddress.count >= Self.perAddress { return byAddress[byAddress.count - Self.perAddress].addingTimeInterval(Self.window) }
            return nil
        }
    }

    func recordFailure(name: String, address: String, now: Date = Date()) {
        failures.withLock { failures in
            let cutoff = now.addingTimeInterval(-Self.window)
            for key in ["name:" + name, "address:" + address] {
                failures[key] = (failures[key] ?? []).filter { $0 > cutoff } + [now]
            }
            // Bounded: forget keys whose failures are all old.
            if failures.count > 10_000 { failures = failures.filter { $0.value.contains { $0 > cutoff } } }
        }
    }

    func recordSuccess(name: String) {
        _ = failures.withLock { $0.removeValue(forKey: "name:" + name) }
    }
}
