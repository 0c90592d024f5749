import Foundation

extension ChorusConfiguration {
    /// The configuration's webhooks (participant id → URL) for ``WebhookDelivery``.
    public var webhookURLs: [String: URL] {
        [:]
    }
}
