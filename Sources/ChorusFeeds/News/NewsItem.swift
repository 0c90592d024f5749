import ChorusCore
import Foundation

/// One item of a news feed (RSS 2.0, RSS 1.0/RDF, Atom, EMM NewsBrief), whatever the format: what the
/// classifier reads to decide whether it reports an incident and which.
///
/// Texts are plain (HTML removed). Nothing here is the outlet's *location*: a feed's own `geo:` point or
/// EMM's `source@country` say where the outlet is, not where anything happened, and are not kept.
public struct NewsItem: Sendable, Hashable {
    /// The feed's identifier: `guid`, Atom `id`, RDF `about`, else the link.
    public var id: String
    public var title: String?
    /// The lead: `description`, Atom `summary`, else the start of `content:encoded` / `content`.
    public var summary: String?
    /// The article's address (`feedburner:origLink` when the link goes through FeedBurner).
    public var link: String?
    /// BCP 47 tag: the item's own (`iso:language`, `xml:lang`, `dc:language`), else the feed's.
    public var language: String?
    public var published: Date?
    /// `category` texts (RSS, EMM category ids), Atom `category@term`/`@label`, `dc:subject`.
    public var categories: [String]
    /// `dc:creator`, `author`, Atom `author/name`: where agency bylines are often written.
    public var authors: [String]
    /// The outlet's name as the item gives it (`source`), when it is a syndicating feed like EMM.
    public var sourceName: String?
    /// The outlet's own address (`source@url`), when the item gives it.
    public var sourceURL: String?
    /// Points the item is about: `georss:point`, `geo:lat`/`geo:long` of the item, EMM's geotags.
    public var points: [Event.Location]
    /// Places a geotagger named with their country (EMM `emm:georss name/iso`), in the item's order.
    public var taggedPlaces: [TaggedPlace]
    /// Named entities (EMM `emm:entity@name`).
    public var entities: [String]

    /// A place a geotagger found, with the country it is in when the tagger says.
    public struct TaggedPlace: Sendable, Hashable {
        public var name: String?
        public var country: String?
        public var location: Event.Location?

        public init(name: String?, country: String?, location: Event.Location?) {
            self.name = name
            self.country = country
            self.location = location
        }
    }

    public init(
        id: String, title: String? = nil, summary: String? = nil, link: String? = nil, language: String? = nil,
        published: Date? = nil, categories: [String] = [], authors: [String] = [], sourceName: String? = nil,
        sourceURL: String? = nil, points: [Event.Location] = [], taggedPlaces: [TaggedPlace] = [], entities: [String] = []
    ) {
        self.id = id
        self.title = title
        self.summary = summary
        self.link = link
        self.language = language
        self.published = published
        self.categories = categories
        self.authors = authors
        self.sourceName = sourceName
        self.sourceURL = sourceURL
        self.points = points
        self.taggedPlaces = taggedPlaces
        self.entities = entities
    }
}
