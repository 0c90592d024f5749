import Foundation
import Testing
import TestSupport
@testable import ChorusCore

/// Senders' rest days (`restDays` in participants.json5): Israel's Foreign Ministry and its missions post no
/// statement, thanks or gesture post on Shabbat or a festival, only consular lines.
struct RestDaysTests {
    static let jerusalem = RestDays(observes: [.shabbat, .festivals], location: Event.Location(lat: 31.778, lon: 35.235),
                                    exceptPhases: ["consular"])
    static let israel = TimeZone(identifier: "Asia/Jerusalem")!

    static func date(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    /// Yom Kippur 2019 (Halle, 9 October): from candle-lighting on the eve to nightfall, Jerusalem's times.
    @Test func yomKippurRunsFromTheEveToNightfall() throws {
        let periods = Self.jerusalem.periods(from: try Self.date("2019-10-09T10:01:00Z"), to: try Self.date("2019-10-09T12:00:00Z"),
                                             timeZone: Self.israel)
        let period = try #require(periods.first)
        #expect(periods.count == 1)
        #expect(period.reasons == ["yom_kippur"])
        #expect(period.contains(try Self.date("2019-10-09T10:01:00Z")))
        // Sunset in Jerusalem on 8 October 2019 was 18:16 IDT; on the 9th the sun was 8.5° below the horizon at
        // 18:51 (NOAA's algorithm, as the Python package astral computes it): candle-lighting 18 minutes before
        // sunset the day before, 17:58, nightfall 18:51 — 14:58 and 15:51 UTC, to a couple of minutes.
        #expect(abs(period.start.timeIntervalSince(try Self.date("2019-10-08T14:58:00Z"))) <= 120)
        #expect(abs(period.end.timeIntervalSince(try Self.date("2019-10-09T15:51:00Z"))) <= 120)
    }

    /// Rosh Hashanah 5785 (3–4 October 2024) ran into a Shabbat: one period from Wednesday evening to
    /// Saturday night.
    @Test func daysThatFollowOneAnotherAreOnePeriod() throws {
        let periods = Self.jerusalem.periods(from: try Self.date("2024-10-02T18:00:00Z"), to: try Self.date("2024-10-06T00:00:00Z"),
                                             timeZone: Self.israel)
        let period = try #require(periods.first)
        #expect(periods.count == 1, "\(periods)")
        #expect(period.reasons == ["rosh_hashanah", "shabbat"])
        #expect(period.contains(try Self.date("2024-10-03T12:00:00Z")))
        #expect(period.contains(try Self.date("2024-10-05T12:00:00Z")))
        #expect(!period.contains(try Self.date("2024-10-05T18:00:00Z")), "Saturday night is over")
        #expect(!period.contains(try Self.date("2024-10-02T13:00:00Z")), "Wednesday afternoon is a working day")
    }

    /// A Shabbat is kept by the sender's own sunset: the embassy in Berlin ends it later in summer.
    @Test func eachSenderKeepsItsOwnSunset() throws {
        let berlin = RestDays(observes: [.shabbat], location: Event.Location(lat: 52.52, lon: 13.405))
        let zone = TimeZone(identifier: "Europe/Berlin")!
        // Saturday 23 July 2016 (Munich): nightfall (the sun 8.5° down) in Berlin at 22:20 CEST, over an hour after
        // its sunset; in Jerusalem at 20:22 IDT, 41 minutes after its sunset (astral).
        let saturday = try Self.date("2016-07-23T12:00:00Z")
        let inBerlin = try #require(berlin.periods(from: saturday, to: saturday.addingTimeInterval(60), timeZone: zone).first)
        let inJerusalem = try #require(Self.jerusalem.periods(from: saturday, to: saturday.addingTimeInterval(60), timeZone: Self.israel).first)
        #expect(abs(inBerlin.end.timeIntervalSince(try Self.date("2016-07-23T20:21:00Z"))) <= 120)
        #expect(abs(inJerusalem.end.timeIntervalSince(try Self.date("2016-07-23T17:22:00Z"))) <= 120)
        // A Tuesday is no rest day.
        let tuesday = try Self.date("2016-07-26T12:00:00Z")
        #expect(berlin.periods(from: tuesday, to: tuesday.addingTimeInterval(3600), timeZone: zone).isEmpty)
    }

    /// The festivals follow the Hebrew calendar, in leap years too (5784 had two Adars).
    @Test func theFestivalsFollowTheHebrewCalendar() throws {
        let festivals = RestDays(observes: [.festivals], location: Self.jerusalem.location)
        let cases = [("2024-04-23T09:00:00Z", "passover"), ("2024-06-12T09:00:00Z", "shavuot"), ("2023-04-12T09:00:00Z", "passover"),
                     ("2024-10-24T09:00:00Z", "shemini_atzeret"), ("2024-10-17T09:00:00Z", "sukkot")]
        for (day, festival) in cases {
            let at = try Self.date(day)
            let period = festivals.periods(from: at, to: at.addingTimeInterval(60), timeZone: Self.israel).first
            #expect(period?.reasons == [festival], "\(day)")
        }
        // Purim (24 March 2024) and a plain Saturday are not festival rest days; Shabbat is not observed here.
        for day in ["2024-03-24T09:00:00Z", "2024-03-30T09:00:00Z"] {
            let at = try Self.date(day)
            #expect(festivals.periods(from: at, to: at.addingTimeInterval(60), timeZone: Self.israel).isEmpty, "\(day)")
        }
    }

    /// The shipped library: the Halle statements of Israel's senders wait for the end of Yom Kippur, their
    /// consular lines do not; the bundle's expiry does not count the rest time; a gesture post held from
    /// Friday evening to Saturday night names Friday evening.
    @Test func theShippedLibraryHoldsIsraelsPostsOverYomKippurAndShabbat() throws {
        let set = try RepositoryPaths.shipped()
        let rule = try #require(set.rule(id: "attack"))
        let occurred = try Self.date("2019-10-09T10:01:00Z")
        let halle = Event(id: "halle", kind: "terror_attack", occurredAt: occurred, countries: ["DE"], place: "Halle",
                          certainty: .observed, fatalities: 2, injured: 2, tags: ["target:synagogue", "motive:antisemitic", "day:yom_kippur"])
        let plan = BundlePlanner.plan(event: halle, rule: rule, ruleSet: set, now: occurred)
        let ministry = plan.drafts.filter { $0.participant == "il-foreign-ministry" && $0.phase == nil }
        #expect(!ministry.isEmpty)
        for draft in ministry {
            let until = try #require(draft.notBefore)
            #expect(abs(until.timeIntervalSince(try Self.date("2019-10-09T15:51:00Z"))) <= 120)
            #expect(draft.restPeriods?.first?.reasons == ["yom_kippur"])
        }
        let embassy = try #require(plan.drafts.first { $0.participant == "il-embassy-germany" && $0.phase == nil })
        #expect(try #require(embassy.notBefore) > (ministry.first?.notBefore ?? .distantFuture), "Berlin's sunset is later")
        #expect(plan.drafts.filter { !$0.participant.hasPrefix("il-") }.allSatisfy { $0.restPeriods == nil && $0.notBefore == nil || $0.phase != nil })
        // Without rest days the rule's 36 hours of review would run from the drafting; they run longer by the
        // part of Yom Kippur (and the Shabbat after it, none here) that falls within them.
        #expect(plan.release.expiresAt > occurred.addingTimeInterval(36 * 3600))
        let untouched = BundlePlanner.plan(event: halle, rule: rule, ruleSet: set.withoutRestDays, now: occurred)
        #expect(untouched.release.expiresAt == occurred.addingTimeInterval(36 * 3600))
        #expect(untouched.drafts.allSatisfy { $0.restPeriods == nil })

        // Nice, Thursday 14 July 2016: Tel Aviv lit its City Hall on the Friday evening; the ministry's post
        // about it waits for Saturday night and names the evening it was lit (not "last night": a post
        // released after midnight would make it false).
        let nice = Event(id: "nice", kind: "terror_attack", occurredAt: try Self.date("2016-07-14T20:30:00Z"), countries: ["FR"], place: "Nice",
                         certainty: .observed, fatalities: 84, injured: 202)
        let gestures = BundlePlanner.plan(event: nice, rule: rule, ruleSet: set, now: try Self.date("2016-07-14T21:30:00Z"))
        let post = try #require(gestures.drafts.first { $0.participant == "il-foreign-ministry" && $0.phase == "gesture" && $0.language == "he" })
        #expect(post.text.hasPrefix("ביום שישי בערב הואר"), "\(post.text)")
        let english = try #require(gestures.drafts.first { $0.participant == "il-foreign-ministry" && $0.phase == "gesture" && $0.language == "en" })
        #expect(english.text.contains("on Friday evening, Tel Aviv City Hall was lit"), "\(english.text)")
        let arabic = try #require(gestures.drafts.first { $0.participant == "il-foreign-ministry" && $0.phase == "gesture" && $0.language == "ar" })
        #expect(arabic.text.contains("مساء يوم الجمعة"), "\(arabic.text)")
        #expect(try #require(post.notBefore) > (try Self.date("2016-07-16T16:00:00Z")))
        // An attack in Germany on a Friday morning in December: Tel Aviv's City Hall is lit in Germany's colours at
        // dusk, after Shabbat has begun in Berlin (its sun sets earlier in winter), and the embassy there, held to
        // Saturday night, names the evening in both its languages.
        let berlin = Event(id: "berlin-friday", kind: "terror_attack", occurredAt: try Self.date("2024-12-13T06:00:00Z"), countries: ["DE"],
                           place: "Berlin", certainty: .observed, fatalities: 4, injured: 10)
        let friday = BundlePlanner.plan(event: berlin, rule: rule, ruleSet: set, now: try Self.date("2024-12-13T06:30:00Z"))
        let lit = try #require(friday.actionItems.first { $0.landmark == "tel-aviv-city-hall" })
        #expect(lit.localTime.hasPrefix("2024-12-13T17:"), "\(lit.localTime)")
        let posts = friday.drafts.filter { $0.participant == "il-embassy-germany" && $0.phase == "gesture" }
        #expect(posts.count == 3, "\(posts.map(\Draft.text))")
        // As the German desk (round 6) would sign it: a report of the lighting, the solidarity its own sentence.
        #expect(posts.first { $0.language == "de" }?.text == "Am Freitagabend leuchtete das Rathaus von Tel Aviv in den Farben Deutschlands – "
                    + "im Gedenken an die Opfer des Anschlags in Berlin. Israel steht fest an der Seite Deutschlands.", "\(posts.map(\Draft.text))")
        #expect(posts.first { $0.language == "he" }?.text.contains("הואר ביום שישי בערב בצבעי דגל גרמניה") == true, "\(posts.map(\Draft.text))")
        #expect(posts.allSatisfy { ($0.notBefore ?? .distantPast) > lit.at.addingTimeInterval(20 * 3600) }, "held to Saturday night")
        let french = try #require(gestures.drafts.first { $0.participant == "il-foreign-ministry" && $0.phase == "consular" })
        #expect(french.restPeriods == nil, "consular lines go out at any hour")
        // The ministry keeps Jerusalem's candle-lighting, 40 minutes before sunset (participants.json5).
        #expect(set.participants["il-foreign-ministry"]?.restDays?.candleLightingMinutes == 40)

        // A gesture on the eve of Rosh Hashanah 5785 (Wednesday 2 October 2024), whose post would wait for the
        // end of the Shabbat after it, three nights later: stale news — the desk decides.
        let paris = Event(id: "paris", kind: "terror_attack", occurredAt: try Self.date("2024-10-02T06:00:00Z"), countries: ["FR"], place: "Paris",
                          certainty: .observed, fatalities: 5, injured: 10)
        let eve = BundlePlanner.plan(event: paris, rule: rule, ruleSet: set, now: try Self.date("2024-10-02T06:30:00Z"))
        let stale = try #require(eve.drafts.first { $0.participant == "il-foreign-ministry" && $0.phase == "gesture" })
        #expect(stale.state == .needsEdit)
        #expect(stale.problem?.contains("held 3 nights past its gesture") == true, "\(stale.problem ?? "")")
    }

    /// Candle-lighting is whole minutes before sunset, at most an hour; an empty list of rest days and a
    /// latitude that is not a number are reported where they are written, and each costs only its participant.
    @Test func aBadCandleLightingOrAnEmptyListIsReported() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rest-days-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        { participants: [
          { id: "a", name: "A", country: "IL", languages: ["en"], timeZone: "Asia/Jerusalem", channels: [{ channel: "x", handle: "@a" }],
            restDays: { observes: ["shabbat"], location: { lat: 31.8, lon: 35.2 }, candleLighting: "2h" } },
          { id: "b", name: "B", country: "IL", languages: ["en"], timeZone: "Asia/Jerusalem", channels: [{ channel: "x", handle: "@b" }],
            restDays: { observes: [], location: { lat: 31.8, lon: 35.2 } } },
          { id: "c", name: "C", country: "IL", languages: ["en"], timeZone: "Asia/Jerusalem", channels: [{ channel: "x", handle: "@c" }],
            restDays: { observes: ["shabbat"], location: { lat: "north", lon: 35.2 } } } ] }
        """.write(to: directory.appendingPathComponent("participants.json5"), atomically: true, encoding: .utf8)
        let messages = RuleSet.check(directory: directory).map(\.description)
        #expect(messages.contains { $0.hasPrefix("participants.json5:3:92: candle-lighting is whole minutes before sunset, at most an hour") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("participants.json5:5:27: an empty list never matches") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("participants.json5:7:57: expected a number, found a string") }, "\(messages)")
        #expect(messages.count == 3, "\(messages)")
    }

    @Test func aMistypedRestDayIsReportedWithItsPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rest-days-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        { participants: [ { id: "il-mfa", name: "MFA", country: "IL", languages: ["en"], timeZone: "Asia/Jerusalem",
            channels: [{ channel: "x", handle: "@m" }],
            restDays: { observes: ["shabat"], location: { lat: 95, lon: 35 }, except: ["Consular line"] } } ] }
        """.write(to: directory.appendingPathComponent("participants.json5"), atomically: true, encoding: .utf8)
        let messages = RuleSet.check(directory: directory).map(\.description)
        #expect(messages.contains { $0.hasPrefix("participants.json5:3:28: unknown rest day 'shabat' (allowed: shabbat, festivals)") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("participants.json5:3:49: 95.0, 35.0 is not a point with a nightfall every day") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("participants.json5:3:80: 'Consular line' is not a phase name") }, "\(messages)")
    }
}

