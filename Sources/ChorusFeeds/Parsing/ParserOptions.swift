import ChorusCore

/// What a parser needs beyond the document: where it came from, the kind tables and the limits.
public struct ParserOptions: Sendable {
    /// The feed's name from the configuration (`--source`); when set it is every event's `source`,
    /// otherwise the document's sender is.
    public var source: String?
    /// Countries for events whose document names none (a national feed's own country), ISO alpha-2.
    public var defaultCountries: [String]
    /// How feed vocabularies map to kinds (`Rules/kinds.json5`).
    public var kinds: KindMapping
    /// The places and countries news texts name: the gazetteer's (`Rules/gazetteer.json5`) with the
    /// country names, or the country names alone without a gazetteer.
    public var places: any PlaceLookup
    /// The largest document accepted, in bytes.
    public var maximumDocumentBytes: Int
    /// The largest free-text field a parser takes from a document (a headline, a description, an area),
    /// in bytes: by default ``EventLimits/textBytes``, the limit every event is held to. A longer field
    /// costs its item only.
    public var maximumFieldBytes: Int
    /// The deepest nesting of XML elements or JSON containers accepted.
    public var maximumDepth: Int
    /// The most items (alerts, feed items, features, lines) one document may hold.
    public var maximumItems: Int
    /// The most XML elements or JSON values one document may hold: bounds the memory a document can take.
    public var maximumElements: Int

    /// The default largest document: 10 MB.
    public static let defaultMaximumDocumentBytes = 10 * 1024 * 1024

    public init(
        kinds: KindMapping, gazetteer: Gazetteer = .empty, source: String? = nil, defaultCountries: [String] = [],
        maximumDocumentBytes: Int = ParserOptions.defaultMaximumDocumentBytes,
        maximumFieldBytes: Int = EventLimits.textBytes, maximumDepth: Int = 64, maximumItems: Int = 100_000,
        maximumElements: Int = 500_000
    ) {
        self.kinds = kinds
        self.places = gazetteer.places.isEmpty ? CountryNameLookup.shared : GazetteerPlaceLookup(gazetteer: gazetteer)
        self.source = source
        self.defaultCountries = defaultCountries
        self.maximumDocumentBytes = maximumDocumentBytes
        self.maximumFieldBytes = maximumFieldBytes
        self.maximumDepth = maximumDepth
        self.maximumItems = maximumItems
        self.maximumElements = maximumElements
    }
}
