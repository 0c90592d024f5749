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

    /// Creates a landmark.
    public init(id: String, name: String, city: String, country: String, timeZone: String, owner: String, location: Event.Location,
                names: [String: String] = [:], hashtag: String? = nil) {
        self.id = id
        self.name = name
        self.city = city
        self.country = country
        self.timeZone = timeZone
        self.owner = owner
        self.location = location
        self.names = names
        self.hashtag = hashtag
    }
}
