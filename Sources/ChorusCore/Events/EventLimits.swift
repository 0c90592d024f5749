/// The one table of limits every normalized event is held to, whatever format it came in: JSON Lines, CAP,
/// GDACS, GeoJSON and the news formats all reach ``Event/validate()``, which applies it, so a parser only
/// bounds what it reads and never keeps limits of its own for these fields.
///
/// | field | limit |
/// |---|---|
/// | `id`, `source`, `kind`, `incident`, `origin`, `name`, each of `references` and `tags` | ``identifierBytes`` (UTF-8) |
/// | `place`, each `headline` and `description` | ``textBytes`` (UTF-8) |
/// | `link` | ``linkBytes`` (UTF-8) |
/// | `references` | ``references`` entries |
/// | `countries`, `actors` | ``countries`` entries each |
/// | `tags` | ``tags`` entries |
/// | `headline`, `description` | ``languages`` language tags each |
///
/// Every text field also refuses U+0000, which PostgreSQL cannot store in `text` or `jsonb`: an event
/// holding one is rejected alone, with the field named, before it can cost the items beside it.
public enum EventLimits {
    /// The longest identifier, kind, reference, tag or event name, in UTF-8 bytes.
    public static let identifierBytes = 512
    /// The longest place, headline or description, in UTF-8 bytes.
    public static let textBytes = 64 * 1024
    /// The longest link, in UTF-8 bytes.
    public static let linkBytes = 4096
    /// The most references one message may name.
    public static let references = 100
    /// The most countries (and, separately, actors) one event may name: there are 249 alpha-2 codes.
    public static let countries = 250
    /// The most tags one event may carry.
    public static let tags = 256
    /// The most languages one headline or description may come in.
    public static let languages = 64
}
