/// A NOTIFY received on a channel the connection LISTENs to.
public struct Notification: Sendable, Hashable {
    /// The channel name.
    public let channel: String
    /// The payload (a short hint; may be empty).
    public let payload: String
    /// The process id of the notifying backend.
    public let senderPID: Int32
}
