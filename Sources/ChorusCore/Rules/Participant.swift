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
    /// Its IANA time zone (used for dates only when where an event happened is not known).
    public var timeZone: String
    /// Its accounts, one a channel and set of languages.
    public var accounts: [Account]
    /// For an embassy, the country it is accredited to: it speaks to that country's public.
    public var host: String?
    /// The voice (`Rules/voices/<voice>.json5`) whose texts it posts: its own id unless it shares a house
    /// style with other senders of its government (embassies that never speak about the same event).
    public var voice: String?
    /// The locale of each language it writes (`en` → `en_US`): date order, list style, digits. A language
    /// without one follows ``LanguageSupport/defaultLocale(for:)``.
    public var locales: [String: String]
    /// Its standing consular contact for citizens abroad (a 24-hour number, a crisis registration page):
    /// what `{{contact}}` shows.
    public var contact: Contact?
    /// The days it does not post on (Shabbat and the festivals for Israel's senders): its drafts, but those
    /// of the phases it excepts, are not released inside them.
    public var restDays: RestDays?

    /// Creates a participant.
    public init(id: String, name: String, country: String, languages: [String], timeZone: String, accounts: [Account],
                host: String? = nil, voice: String? = nil, locales: [String: String] = [:], contact: Contact? = nil,
                restDays: RestDays? = nil) {
        self.id = id
        self.host = host
        self.name = name
        self.country = country
        self.languages = languages
        self.timeZone = timeZone
        self.accounts = accounts
        self.voice = voice
        self.locales = locales
        self.contact = contact
        self.restDays = restDays
    }

    /// The voice whose texts it posts.
    public var voiceID: String { voice ?? id }

    /// The locale identifier of its drafts in `language`.
    public func locale(for language: String) -> String {
        locales[language] ?? LanguageSupport.defaultLocale(for: language)
    }

    /// A consular contact as a post prints it (`+44 20 7008 5000`, `https://krisenvorsorgeliste.diplo.de`).
    public struct Contact: Sendable, Hashable, Codable {
        /// The number or address, exactly as published.
        public var value: String
        /// Whether nobody on the team could confirm it (never guessed: marked, as an unverified handle is;
        /// `rules test` shows the drafts that give it as *(contact unverified)*).
        public var unverified: Bool

        /// Creates a contact.
        public init(value: String, unverified: Bool = false) {
            self.value = value
            self.unverified = unverified
        }
    }

    /// An account on one channel: its handle and the languages it posts in.
    public struct Account: Sendable, Hashable, Codable {
        /// The channel.
        public var channel: Channel
        /// The public handle (`@AuswaertigesAmt`).
        public var handle: String
        /// The languages posted from this account.
        public var languages: [String]
        /// Whether the handle is still to be confirmed with the sender's digital team (never guessed: a
        /// handle nobody could verify is marked, not invented).
        public var unverified: Bool

        /// Creates an account.
        public init(channel: Channel, handle: String, languages: [String], unverified: Bool = false) {
            self.channel = channel
            self.handle = handle
            self.languages = languages
            self.unverified = unverified
        }
    }
}
