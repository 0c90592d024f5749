/// A sender: a ministry or an embassy, with the accounts it speaks through (`Rules/participants.json5`).
public struct Participant: Sendable, Hashable, Codable {
    /// The stable identifier rules refer to (`de-foreign-office`).
    public var id: String
    /// The sender's name for reviewers (`Federal Foreign Office`).
    public var name: String
    /// The country it speaks for, ISO 3166-1 alpha-2.
    public var country: String
    /// The languages it writes in.
    public var languages: [String]
    /// Its IANA time zone; dates in its drafts are shown in it.
    public var timeZone: String
    /// Its accounts, one a channel and set of languages.
    public var accounts: [Account]
    /// For an embassy, the country it is accredited to: it speaks only about events there.
    public var host: String?

    /// Creates a participant.
    public init(id: String, name: String, country: String, languages: [String], timeZone: String, accounts: [Account], host: String? = nil) {
        self.id = id
        self.host = host
        self.name = name
        self.country = country
        self.languages = languages
        self.timeZone = timeZone
        self.accounts = accounts
    }

    /// An account on one channel: its handle and the languages it posts in.
    public struct Account: Sendable, Hashable, Codable {
        /// The channel.
        public var channel: Channel
        /// The public handle (`@AuswaertigesAmt`).
        public var handle: String
        /// The languages posted from this account.
        public var languages: [String]

        /// Creates an account.
        public init(channel: Channel, handle: String, languages: [String]) {
            self.channel = channel
            self.handle = handle
            self.languages = languages
        }
    }
}
