import Foundation

/// Everything one matched rule drafts for one event: the value the store persists as a bundle.
public struct BundlePlan: Sendable, Hashable, Codable {
    /// The rule that matched.
    public var ruleID: String
    /// The version (content hash) of the rule set that drafted it.
    public var ruleSetVersion: String
    /// The event's id.
    public var eventID: String
    /// Whether the event is new, updates or cancels an earlier one.
    public var msgType: Event.MessageType
    /// Ids of the earlier messages the event updates or cancels.
    public var references: [String]
    /// Whether this is a drill: every draft carries the drill marker and may never be released as real.
    public var isDrill: Bool
    /// The correlation key: reports and updates of one incident share it.
    public var incidentKey: String
    /// Which later bundles this one suppresses, and until when.
    public var suppression: SuppressionKey
    /// When the bundle may go out.
    public var release: ReleasePlan
    /// The drafts, in the rule's order of participants, then channel, then language.
    public var drafts: [Draft]
    /// Gestures to arrange.
    public var actionItems: [ActionItem]
    /// The time the plan was made for.
    public var draftedAt: Date
    /// What must report the incident before the bundle opens (the rule's `corroboration`); `nil`: it opens now.
    public var corroboration: CorroborationPolicy?

    /// Whether its drafts were left for later: a report its rule holds until corroborated, planned without
    /// drafts or gestures (``BundlePlanner/plans(event:ruleSet:now:feed:)``); whoever opens or redrafts the
    /// bundle with it plans it again in full.
    public var waitsForCorroboration: Bool {
        corroboration != nil && msgType != .cancel && drafts.isEmpty && actionItems.isEmpty
    }

    /// Creates a plan.
    public init(ruleID: String, ruleSetVersion: String, eventID: String, msgType: Event.MessageType, references: [String],
                isDrill: Bool, incidentKey: String, suppression: SuppressionKey, release: ReleasePlan, drafts: [Draft],
                actionItems: [ActionItem], draftedAt: Date, corroboration: CorroborationPolicy? = nil) {
        self.ruleID = ruleID
        self.ruleSetVersion = ruleSetVersion
        self.eventID = eventID
        self.msgType = msgType
        self.references = references
        self.isDrill = isDrill
        self.incidentKey = incidentKey
        self.suppression = suppression
        self.release = release
        self.drafts = drafts
        self.actionItems = actionItems
        self.draftedAt = draftedAt
        self.corroboration = corroboration
    }
}

/// One message: one participant, one channel, one language.
public struct Draft: Sendable, Hashable, Codable {
    /// The participant's id.
    public var participant: String
    /// The participant's name.
    public var participantName: String
    /// The country the participant speaks for (ISO 3166-1 alpha-2): release policy `perCountry` releases
    /// each government's drafts together.
    public var country: String
    /// The account's handle.
    public var handle: String
    /// The channel.
    public var channel: Channel
    /// The language tag.
    public var language: String
    /// The text, drill marker included; empty when it could not be rendered.
    public var text: String
    /// The text's length as the channel counts it.
    public var length: Int
    /// The channel's limit.
    public var limit: Int
    /// Whether a reviewer can approve it as is (``DraftState/pending``), or must edit it first
    /// (``DraftState/needsEdit``): a plan holds no other state.
    public var state: DraftState
    /// Why it needs an edit.
    public var problem: String?
    /// Whether it is a drill draft.
    public var isDrill: Bool
    /// The phase of the bundle the draft belongs to (the rule's name for it: `thanks`, `consular`,
    /// `gesture`, …); `nil` for the bundle's main statement.
    public var phase: String?
    /// Not released before this instant, whatever the bundle allows; `nil` means the bundle's not-before.
    public var notBefore: Date?
    /// The sender's rest days in the bundle's life (``RestDays``): the draft is not released inside them,
    /// whenever it is approved; `nil` when its sender keeps none or its phase is excepted.
    public var restPeriods: [RestPeriod]?

    /// Creates a draft.
    public init(participant: String, participantName: String, country: String, handle: String, channel: Channel, language: String,
                text: String, length: Int, limit: Int, state: DraftState, problem: String?, isDrill: Bool,
                phase: String? = nil, notBefore: Date? = nil) {
        self.participant = participant
        self.participantName = participantName
        self.country = country
        self.handle = handle
        self.channel = channel
        self.language = language
        self.text = text
        self.length = length
        self.limit = limit
        self.state = state
        self.problem = problem
        self.isDrill = isDrill
        self.phase = phase
        self.notBefore = notBefore
    }
}

/// A gesture to arrange at a local time: light a landmark in the colours of a flag (`light_landmark`),
/// project the flag onto it (`project_flag`) or switch its lights off (`switch_off_landmark`), as its owner
/// can (``Landmark/Display``).
public struct ActionItem: Sendable, Hashable, Codable {
    /// What to do: `light_landmark`, `project_flag` or `switch_off_landmark`.
    public var action: String
    /// The landmark's id.
    public var landmark: String
    /// The landmark's name.
    public var landmarkName: String
    /// Its city.
    public var city: String
    /// Who decides about it.
    public var owner: String
    /// The country whose flag's colours to show.
    public var country: String
    /// The flag's colours, in English, when known.
    public var colours: [String]
    /// When, as an instant.
    public var at: Date
    /// When, in the landmark's local time, with its offset (`2017-01-09T17:05:00+01:00`).
    public var localTime: String
    /// The landmark's time zone.
    public var timeZone: String
    /// How the time was chosen: `dusk`, `sunset` or the fixed `HH:MM`.
    public var timing: String
    /// One line for the reviewer.
    public var summary: String
    /// `true` when the time the rule asked for had already passed when the bundle was drafted (a delayed
    /// report, a replayed scenario): `at` keeps that time, so that the bundle's phases keep their order, and
    /// the summary begins *LATE: … has passed: nothing is scheduled*. Left out otherwise.
    public var late: Bool?
    /// The account the landmark's owner posts the gesture from, for the partners to amplify.
    public var ownerAccount: String?

    /// Creates an action item.
    public init(action: String, landmark: String, landmarkName: String, city: String, owner: String, country: String,
                colours: [String], at: Date, localTime: String, timeZone: String, timing: String, summary: String,
                late: Bool? = nil, ownerAccount: String? = nil) {
        self.action = action
        self.landmark = landmark
        self.landmarkName = landmarkName
        self.city = city
        self.owner = owner
        self.country = country
        self.colours = colours
        self.at = at
        self.localTime = localTime
        self.timeZone = timeZone
        self.timing = timing
        self.summary = summary
        self.late = late
        self.ownerAccount = ownerAccount
    }
}

/// When a bundle may be released, and when its unreleased drafts expire.
public struct ReleasePlan: Sendable, Hashable, Codable {
    /// `all`: together once every draft is approved; `each`: each draft once approved; `perCountry`: each
    /// government's drafts together once that government's are approved.
    public var policy: ReleasePolicy
    /// Nothing goes out before this.
    public var notBefore: Date
    /// Unreleased drafts expire at this time.
    public var expiresAt: Date
    /// Whether a desk officer (the country desk) must approve the bundle before anything goes out.
    public var deskOfficer: Bool

    /// Creates a release plan.
    public init(policy: ReleasePolicy, notBefore: Date, expiresAt: Date, deskOfficer: Bool = false) {
        self.policy = policy
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.deskOfficer = deskOfficer
    }
}

/// A suppression key: while it holds, events with the same key fold into this bundle.
public struct SuppressionKey: Sendable, Hashable, Codable {
    /// The rule id and the key fields' values (`attack|incident=jerusalem-2017-01-08`).
    public var key: String
    /// The window, in seconds.
    public var windowSeconds: Int
    /// The end of the window.
    public var until: Date

    /// Creates a suppression key.
    public init(key: String, windowSeconds: Int, until: Date) {
        self.key = key
        self.windowSeconds = windowSeconds
        self.until = until
    }
}
