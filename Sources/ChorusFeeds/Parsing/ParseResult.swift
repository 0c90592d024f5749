import ChorusCore
import Foundation

/// What parsing one document produced: the events accepted and the items refused, in document order.
///
/// One bad item never costs the others: a document with a broken line or alert still yields every good one.
public struct ParseResult: Sendable, Hashable {
    /// Normalized, validated events.
    public var events: [Event]
    /// Items (or the whole document) that were refused, each with its reason.
    public var rejections: [Rejection]
    /// Problems noticed and worked around, each costing nothing (a mislabelled encoding, a bad date in an
    /// item that was kept without it): for the log and `ingest`'s standard error, not the rejected inputs.
    public var notes: [ParseNote]
    /// Items read that are not about an incident (news that reports no crisis, GDELT rows of statements and
    /// meetings): they give no event and no rejection, only this count.
    public var nonIncidents: Int

    public init(events: [Event] = [], rejections: [Rejection] = [], notes: [ParseNote] = [], nonIncidents: Int = 0) {
        self.events = events
        self.rejections = rejections
        self.notes = notes
        self.nonIncidents = nonIncidents
    }

    /// Whether everything in the document was accepted.
    public var isClean: Bool { rejections.isEmpty }

    /// Whether the document as a whole was refused: nothing was accepted and something was rejected.
    public var isRejectedEntirely: Bool { events.isEmpty && !rejections.isEmpty }

    mutating func append(_ other: ParseResult) {
        events += other.events
        rejections += other.rejections
        notes += other.notes
        nonIncidents += other.nonIncidents
    }
}

/// A problem a parser noticed and worked around: the item (or document) was kept.
public struct ParseNote: Sendable, Hashable, CustomStringConvertible {
    /// Which item, as in ``Rejection/item``; `nil` for the whole document.
    public var item: String?
    /// What was noticed, naming the field (`pubDate: 'yesterday' is not an RFC 822 date; kept without it`).
    public var message: String

    public init(item: String? = nil, message: String) {
        self.item = item
        self.message = message
    }

    public var description: String { item.map { "\($0): \(message)" } ?? message }
}

/// An item Chorus refused, and why.
public struct Rejection: Sendable, Hashable, CustomStringConvertible {
    /// Which item: `line:3` (JSON Lines), `item:2` or `feature:5` (by position, from 1), the feed's own
    /// identifier when the item has one, or `nil` for the whole document.
    public var item: String?
    /// What is wrong, naming the field where one is at fault (`sent: '…' is not a date-time`).
    public var reason: String
    /// The rejected item's own bytes when the parser can cut them out (a JSON Lines line); `nil` means
    /// the whole document is the evidence. Not part of a rejection's identity.
    public var raw: Data?

    public init(item: String? = nil, reason: String, raw: Data? = nil) {
        self.item = item
        self.reason = reason
        self.raw = raw
    }

    public var description: String { item.map { "\($0): \(reason)" } ?? reason }

    public static func == (lhs: Rejection, rhs: Rejection) -> Bool { lhs.item == rhs.item && lhs.reason == rhs.reason }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(item)
        hasher.combine(reason)
    }
}

/// Why an item or a document is refused; thrown inside the parsers and turned into a ``Rejection``.
struct ParseFailure: Error, CustomStringConvertible {
    var reason: String

    init(_ reason: String) { self.reason = reason }

    /// A problem with a named field: `field: message`.
    init(field: String, _ message: String) { self.reason = "\(field): \(message)" }

    var description: String { reason }
}
