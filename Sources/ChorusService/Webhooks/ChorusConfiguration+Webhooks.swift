import Foundation

extension ChorusConfiguration {
    /// The configuration's webhooks (participant id → URL) for ``WebhookDelivery``; the decoder has checked
    /// that each is an http or https URL.
    public var webhookURLs: [String: URL] {
        webhooks.compactMapValues { URL(string: $0) }
    }
}
