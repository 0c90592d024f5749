/// The document formats Chorus reads (`chorus ingest --format`).
public enum FeedFormat: String, Sendable, CaseIterable {
    /// Detect the format from the document's content, never from its file name.
    case auto
    /// Native JSON Lines: one normalized event (PRODUCT.md §4) a line.
    case jsonl
    /// CAP 1.1 or 1.2 XML: a single alert, or an Atom/RSS feed that embeds alerts.
    case cap
    /// GDACS RSS.
    case gdacs
    /// USGS earthquake GeoJSON.
    case geojson
    /// News: RSS 2.0, RSS 1.0 (RDF), Atom, EMM NewsBrief; items are classified into events.
    case news
    /// GDELT 2.0 event exports: tab-separated, 61 columns, no header.
    case gdelt
}
