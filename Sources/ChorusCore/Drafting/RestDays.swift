import Foundation

/// The days a sender does not post on (`restDays` in `Rules/participants.json5`): Israel's Foreign Ministry
/// and its missions put out no statement, thanks or gesture post on Shabbat or a festival — a condolence
/// posted on Yom Kippur would itself be the story —, while consular safety lines go out at any hour.
///
/// A rest day runs, as the Jewish day does, from the evening before to nightfall: from candle-lighting
/// (18 minutes before sunset on the eve; Jerusalem's custom is 40) to nightfall on the day, when the sun is
/// 8.5° below the horizon (three stars: about 36 minutes after sunset in Jerusalem, over an hour in Berlin in
/// summer), at the sender's own place (Jerusalem for the ministry, Berlin for the embassy there) and in its
/// time zone. Days that follow one another (Rosh Hashanah's two days and a Shabbat after them) make one
/// period.
public struct RestDays: Sendable, Hashable, Codable {
    /// What the sender keeps.
    public var observes: Set<Observance>
    /// Where its sunsets are taken.
    public var location: Event.Location
    /// The phases that go out all the same (`consular`).
    public var exceptPhases: Set<String>
    /// How long before sunset on the eve a rest day begins.
    public var candleLightingMinutes: Int

    /// The sun's altitude at nightfall, when a rest day ends.
    static let nightfallAltitude = -8.5

    /// Creates rest days.
    public init(observes: Set<Observance>, location: Event.Location, exceptPhases: Set<String> = [], candleLightingMinutes: Int = 18) {
        self.observes = observes
        self.location = location
        self.exceptPhases = exceptPhases
        self.candleLightingMinutes = candleLightingMinutes
    }

    /// A kind of rest day.
    public enum Observance: String, Sendable, Hashable, Codable, CaseIterable {
        /// Every Saturday.
        case shabbat
        /// The festival days on which work is not done, as kept in Israel (one day each, Rosh Hashanah two):
        /// Rosh Hashanah, Yom Kippur, the first day of Sukkot, Shemini Atzeret, the first and the seventh day
        /// of Pesach, Shavuot.
        case festivals
    }

    /// Whether a phase's drafts wait for the end of a rest day.
    public func holds(phase: String) -> Bool { !exceptPhases.contains(phase) }

    /// The rest periods that overlap `start ..< end`, in order, in `timeZone` (the sender's).
    public func periods(from start: Date, to end: Date, timeZone: TimeZone) -> [RestPeriod] {
        guard start < end else { return [] }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        var hebrew = Calendar(identifier: .hebrew)
        hebrew.timeZone = timeZone
        var periods: [RestPeriod] = []
        // From the day before `start` (a period that began on its eve) to the day after `end` (one whose eve
        // falls inside the span).
        guard var day = gregorian.date(byAdding: .day, value: -1, to: gregorian.startOfDay(for: start)) else { return [] }
        let last = gregorian.date(byAdding: .day, value: 2, to: end) ?? end
        while day < last {
            let noon = day.addingTimeInterval(12 * 3600)
            if let reason = reason(for: noon, gregorian: gregorian, hebrew: hebrew),
               let eve = gregorian.date(byAdding: .day, value: -1, to: noon),
               let sunsetBefore = SolarTime.sunset(on: eve, at: location, timeZone: timeZone),
               let nightfall = SolarTime.setting(altitude: Self.nightfallAltitude, on: noon, at: location, timeZone: timeZone) {
                let period = RestPeriod(start: Self.minute(sunsetBefore.addingTimeInterval(Double(-60 * candleLightingMinutes)), up: false),
                                        end: Self.minute(nightfall, up: true), reasons: [reason])
                if let previous = periods.last, previous.end >= period.start {
                    periods[periods.count - 1].end = max(previous.end, period.end)
                    if !previous.reasons.contains(reason) { periods[periods.count - 1].reasons.append(reason) }
                } else {
                    periods.append(period)
                }
            }
            guard let next = gregorian.date(byAdding: .day, value: 1, to: day) else { break }
            day = next
        }
        return periods.filter { $0.end > start && $0.start < end }
    }

    /// What makes the local day containing `noon` a rest day for this sender, if anything does.
    func reason(for noon: Date, gregorian: Calendar, hebrew: Calendar) -> String? {
        if observes.contains(.festivals) {
            let parts = hebrew.dateComponents([.month, .day], from: noon)
            // ICU's Hebrew months: 1 Tishrei … 7 Adar (II), 8 Nisan, 10 Sivan — the same numbers in leap years.
            if let month = parts.month, let day = parts.day, let festival = Self.festivals[month * 100 + day] { return festival }
        }
        if observes.contains(.shabbat), gregorian.component(.weekday, from: noon) == 7 { return "shabbat" }
        return nil
    }

    /// The festivals by Hebrew month × 100 + day.
    static let festivals: [Int: String] = [
        101: "rosh_hashanah", 102: "rosh_hashanah", 110: "yom_kippur", 115: "sukkot", 122: "shemini_atzeret",
        815: "passover", 821: "passover", 1006: "shavuot",
    ]

    static func minute(_ date: Date, up: Bool) -> Date {
        let minutes = date.timeIntervalSince1970 / 60
        return Date(timeIntervalSince1970: (up ? minutes.rounded(.up) : minutes.rounded(.down)) * 60)
    }
}

/// A time in which a sender posts nothing but what its rest days except: its drafts are not released inside
/// it, whenever they are approved.
public struct RestPeriod: Sendable, Hashable, Codable {
    /// Candle-lighting on the eve.
    public var start: Date
    /// Nightfall at its end.
    public var end: Date
    /// What it keeps: `shabbat`, `yom_kippur`, `rosh_hashanah`, … in order.
    public var reasons: [String]

    /// Creates a period.
    public init(start: Date, end: Date, reasons: [String]) {
        self.start = start
        self.end = end
        self.reasons = reasons
    }

    /// Whether `date` falls inside it.
    public func contains(_ date: Date) -> Bool { start <= date && date < end }
}

/// The planner's side of rest days: a draft whose earliest release falls inside one of its sender's rest
/// periods waits for its end; every draft of such a sender carries the periods in the bundle's life, so that
/// the store releases none inside them, however late it is approved; and the rest time within the bundle's
/// life does not count toward its expiry (a statement held over Rosh Hashanah and the Shabbat after it still
/// has the rule's time for review).
struct RestHolds {
    let now: Date
    let expiresAt: Date
    /// Each resting sender's periods from `now`, far enough beyond the expiry for the longest run of rest
    /// days (a two-day festival beside a Shabbat).
    private(set) var periods: [String: [RestPeriod]] = [:]

    init(now: Date, expiresAt: Date) {
        self.now = now
        self.expiresAt = expiresAt
    }

    /// How a draft of `participant` in `phase` whose earliest release is `earliest` is held: `nil` when its
    /// sender keeps no rest days or excepts the phase; else the end of the period `earliest` falls in
    /// (`until`, nil if none) and how many days later, in the sender's time, that is than the day it was
    /// meant for (`nights`: a gesture post held to Saturday night is one night late and names the evening it was lit).
    mutating func hold(_ participant: Participant, phase: String, from earliest: Date, timeZone: TimeZone) -> (until: Date?, nights: Int)? {
        guard let rest = participant.restDays, rest.holds(phase: phase) else { return nil }
        let own = periods[participant.id] ?? rest.periods(from: now, to: expiresAt.addingTimeInterval(4 * 86_400), timeZone: timeZone)
        periods[participant.id] = own
        guard let period = own.first(where: { $0.contains(earliest) }) else { return (nil, 0) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let nights = calendar.dateComponents([.day], from: calendar.startOfDay(for: earliest), to: calendar.startOfDay(for: period.end)).day ?? 0
        return (period.end, nights)
    }

    /// Moves the bundle's expiry later by the longest rest time of one of its senders within its life, and
    /// keeps on each draft only the periods that begin before the (new) expiry.
    static func extendExpiry(of release: inout ReleasePlan, drafts: inout [Draft], now: Date) {
        var restTime: TimeInterval = 0
        for draft in drafts {
            guard let periods = draft.restPeriods else { continue }
            restTime = max(restTime, periods.reduce(0) { total, period in
                total + max(0, min(period.end, release.expiresAt).timeIntervalSince(max(period.start, now)))
            })
        }
        guard drafts.contains(where: { $0.restPeriods != nil }) else { return }
        release.expiresAt = release.expiresAt.addingTimeInterval(restTime)
        for index in drafts.indices {
            guard let periods = drafts[index].restPeriods else { continue }
            let inLife = periods.filter { $0.start < release.expiresAt }
            drafts[index].restPeriods = inLife.isEmpty ? nil : inLife
        }
    }
}
