/// A landmark that can be lit (`Rules/landmarks.json5`).
public struct Landmark: Sendable, Hashable, Codable {
    /// The stable identifier rules refer to (`brandenburg-gate`).
    public var id: String
    /// Its name for reviewers (`Brandenburg Gate`).
    public var name: String
    /// Its city.
    public var city: String
    /// Its country, ISO 3166-1 alpha-2.
    public var country: String
    /// Its IANA time zone.
    public var timeZone: String
    /// Who decides about its lighting (`Senate of Berlin`).
    public var owner: String
    /// Where it stands; dusk and sunset are computed for this point.
    public var location: Event.Location
    /// Its name in a sentence, per language, with the article the language needs (*the Brandenburg Gate*,
    /// *das Brandenburger Tor*, *la porte de Brandebourg*, *שער ברנדנבורג*): what posts about it say.
    public var names: [String: String]
    /// The hashtag its owners use (`#BrandenburgerTor`).
    public var hashtag: String?
    /// What its owner can do: coloured light, a projected flag, or switching its lights off.
    public var display: Display
    /// The notice its owner needs: a gesture is never planned sooner than this after it is asked for.
    public var leadTime: Duration
    /// The account its owner posts the gesture from (the partners amplify it), when known.
    public var ownerAccount: OwnerAccount?

    /// What a landmark's owner can do to show solidarity.
    public enum Display: String, Sendable, Hashable, Codable, CaseIterable {
        /// Floodlights in the colours of the flag (the Brandenburg Gate, the Empire State Building).
        case colours
        /// The flag itself projected onto it (Tel Aviv City Hall).
        case flag
        /// Its lights switched off in mourning (the Eiffel Tower is switched off rather than lit).
        case dark
    }

    /// Where a landmark's owner posts about it.
    public struct OwnerAccount: Sendable, Hashable, Codable {
        /// The account's channel.
        public var channel: Channel
        /// The handle (`@RegBerlin`).
        public var handle: String
        /// Nobody on the team could confirm the handle.
        public var unverified: Bool

        /// Creates an owner's account.
        public init(channel: Channel, handle: String, unverified: Bool = false) {
            self.channel = channel
            self.handle = handle
            self.unverified = unverified
        }
    }

    /// Creates a landmark.
    public init(id: String, name: String, city: String, country: String, timeZone: String, owner: String, location: Event.Location,
                names: [String: String] = [:], hashtag: String? = nil, display: Display = .colours, leadTime: Duration = .zero,
                ownerAccount: OwnerAccount? = nil) {
        self.id = id
        self.name = name
        self.city = city
        self.country = country
        self.timeZone = timeZone
        self.owner = owner
        self.location = location
        self.names = names
        self.hashtag = hashtag
        self.display = display
        self.leadTime = leadTime
        self.ownerAccount = ownerAccount
    }
}
