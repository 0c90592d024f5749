import Foundation

/// Turns an event and a rule it matched into a ``BundlePlan``: for every phase of the rule, drafts for
/// each sender who speaks in it × channel × language, in that sender's own words chosen by the facts;
/// gestures as action items; the release plan; the suppression and incident keys.
public enum BundlePlanner {
    /// Plans the bundle `rule` drafts for `event`, as of `now`.
    ///
    /// A cancel drafts nothing: its plan only carries the keys the store needs to withdraw the bundle.
    ///
    /// Never throws: a draft whose template cannot be rendered, or that is over its channel's limit, is
    /// part of the plan in state ``DraftState/needsEdit`` with the reason (naming rule, phase, language and
    /// channel).
    ///
    /// `previous`, for an update: the facts the bundle stood on before it (the update itself already
    /// merged over them, ``Correlation/merged(_:over:)``), so that texts can say how the figures changed.
    public static func plan(event: Event, rule: Rule, ruleSet: RuleSet, now: Date, previous: Event? = nil) -> BundlePlan {
        plan(event: event, rule: rule, ruleSet: ruleSet, now: now, drafting: true, previous: previous)
    }

    /// The plan, without drafts and gestures when `drafting` is false (``BundlePlan/waitsForCorroboration``).
    static func plan(event: Event, rule: Rule, ruleSet: RuleSet, now: Date, drafting: Bool, previous: Event? = nil) -> BundlePlan {
        let isCancel = event.msgType == .cancel
        let items = isCancel || !drafting ? [] : actionItems(event: event, rule: rule, ruleSet: ruleSet, now: now)
        var drafts: [Draft] = []
        if !isCancel && drafting {
            let facts = DraftFacts(event: event, gazetteer: ruleSet.gazetteer, names: ruleSet.names, previous: previous)
            let speakers = Speakers(event: event, rule: rule, ruleSet: ruleSet)
            let happened = event.occurredAt ?? event.sentAt ?? now
            let releaseFrom = now.addingTimeInterval(rule.release.notBefore.timeInterval)
            var rests = RestHolds(now: now, expiresAt: now.addingTimeInterval(rule.release.expiry.timeInterval))
            var locales: [String: Locale] = [:]
            for phase in rule.phases {
                if let conditions = phase.conditions, !conditions.matches(event) { continue }
                for speaker in speakers.of(phase, actionItems: items) {
                    guard let notBefore = timing(phase, happened: happened, gestureAt: speaker.gestureAt) else { continue }
                    let landmark = speaker.landmark.flatMap { ruleSet.landmarks[$0] }
                    let participant = speaker.participant
                    let senderZone = TimeZone(identifier: participant.timeZone) ?? TimeZone(secondsFromGMT: 0) ?? .current
                    let hold = rests.hold(participant, phase: phase.name, from: max(notBefore ?? releaseFrom, releaseFrom), timeZone: senderZone)
                    for (account, language) in accountLanguages(participant, speaker.sender) {
                        let localeID = participant.locale(for: language)
                        let locale = locales[localeID] ?? Locale(identifier: localeID)
                        locales[localeID] = locale
                        var values = TemplateValues(facts: facts, language: language, locale: locale, senderTimeZone: senderZone,
                                                    landmark: landmark, host: participant.host, contact: participant.contact,
                                                    senderCountry: participant.country)
                        values.heldOver = (hold?.nights ?? 0) > 0
                        if landmark != nil { values.gestureAt = speaker.gestureAt }
                        var drafted = draft(values, rule: rule, phase: phase, participant: participant, account: account, ruleSet: ruleSet,
                                            notBefore: hold?.until ?? notBefore)
                        drafted.restPeriods = hold.map { _ in rests.periods[participant.id] ?? [] }
                        // A post about a gesture held over more than one night (Rosh Hashanah into Shabbat) is stale
                        // news, however it names the evening: the desk decides.
                        if let nights = hold?.nights, nights > 1, phase.afterGesture != nil, drafted.state == .pending {
                            drafted.state = .needsEdit
                            drafted.problem = "held \(nights) nights past its gesture by the sender's rest days: decide whether to post it, and when"
                        }
                        drafts.append(drafted)
                    }
                }
            }
        }
        let incident = incidentKey(of: event)
        var keyParts = [rule.id]
        for field in rule.suppression.fields {
            let value: String
            switch field {
            case .kind: value = event.kind
            case .countries: value = event.countries.sorted().joined(separator: ",")
            case .place: value = event.place?.lowercased() ?? ""
            case .incident: value = incident
            case .source: value = event.source ?? ""
            case .alertLevel: value = event.alertLevel?.rawValue ?? ""
            }
            keyParts.append("\(field.rawValue)=\(value)")
        }
        let window = Int(rule.suppression.window.components.seconds)
        var release = ReleasePlan(policy: rule.release.policy, notBefore: now.addingTimeInterval(rule.release.notBefore.timeInterval),
                                  expiresAt: now.addingTimeInterval(rule.release.expiry.timeInterval), deskOfficer: rule.release.deskOfficer)
        RestHolds.extendExpiry(of: &release, drafts: &drafts, now: now)
        return BundlePlan(
            ruleID: rule.id, ruleSetVersion: ruleSet.version, eventID: event.id, msgType: event.msgType,
            references: event.references, isDrill: event.isDrill, incidentKey: incident,
            suppression: SuppressionKey(key: keyParts.joined(separator: "|"), windowSeconds: window, until: now.addingTimeInterval(Double(window))),
            release: release, drafts: drafts, actionItems: items, draftedAt: now, corroboration: rule.corroboration)
    }

    /// The bundles of every rule `event` matches.
    ///
    /// With `feed` (the source that delivered the event), a report that a rule holds until corroborated —
    /// not authoritative under its `corroboration` — is planned without drafts: most such reports are held,
    /// and the store plans the one that opens the bundle again, drafts and all (``RulePlanner``).
    public static func plans(event: Event, ruleSet: RuleSet, now: Date, feed: String? = nil) -> [BundlePlan] {
        ruleSet.match(event).map { match in
            let waits = feed.map { feed in match.rule.corroboration.map { !$0.isAuthoritative(event, feed: feed) } ?? false } ?? false
            return plan(event: event, rule: match.rule, ruleSet: ruleSet, now: now, drafting: !waits)
        }
    }

    /// The correlation key: the feed's incident, else the message an update refers to, else the event's id.
    public static func incidentKey(of event: Event) -> String {
        event.incident ?? event.references.first ?? event.id
    }

    /// The (account, language) pairs a sender drafts for, in the participant's order.
    static func accountLanguages(_ participant: Participant, _ sender: RuleSender) -> [(Participant.Account, String)] {
        var pairs: [(Participant.Account, String)] = []
        for account in participant.accounts where sender.channels.isEmpty || sender.channels.contains(account.channel) {
            for language in account.languages where sender.languages.isEmpty || sender.languages.contains(language) {
                pairs.append((account, language))
            }
        }
        return pairs
    }

    /// When a phase's drafts may go out: `.some(nil)` for the bundle's own time, `nil` when the phase
    /// follows a gesture that is not planned and has no time of its own.
    static func timing(_ phase: Phase, happened: Date, gestureAt: Date?) -> Date?? {
        if let afterGesture = phase.afterGesture {
            if let gestureAt { return .some(gestureAt.addingTimeInterval(afterGesture.timeInterval)) }
            guard let after = phase.after else { return nil }
            return .some(happened.addingTimeInterval(after.timeInterval))
        }
        if let after = phase.after { return .some(happened.addingTimeInterval(after.timeInterval)) }
        return .some(nil)
    }

    static func draft(_ values: TemplateValues, rule: Rule, phase: Phase, participant: Participant, account: Participant.Account,
                      ruleSet: RuleSet, notBefore: Date?) -> Draft {
        let channel = account.channel
        let language = values.language
        let event = values.facts.event
        var text = ""
        var problem: String?
        let choice: TextChoice?
        switch phase.text {
        case .templates(let byLanguage): choice = byLanguage[language]?.choice(for: channel)
        case .message(let message): choice = ruleSet.voices[participant.voiceID]?.text(message, language: language, channel: channel)
        }
        let origin = "rule \(rule.id)" + (phase.id.map { ", phase \($0)" } ?? "") + ", language \(language), channel \(channel.rawValue)"
        if let template = choice?.template(for: event) {
            do {
                text = try template.render(values)
                if event.isDrill { text = LanguageSupport.drillMarker(for: language) + " " + text }
            } catch {
                problem = "\(origin): \(error.description)"
            }
        } else {
            problem = "\(origin): no template"
        }
        let length = channel.length(of: text)
        if problem == nil, length > channel.limit {
            problem = "over the \(channel.rawValue) limit: \(length) of \(channel.limit)"
        }
        return Draft(participant: participant.id, participantName: participant.name, country: participant.country,
                     handle: account.handle, channel: channel,
                     language: language, text: text, length: length, limit: channel.limit,
                     state: problem == nil ? .pending : .needsEdit, problem: problem, isDrill: event.isDrill,
                     phase: phase.id, notBefore: notBefore)
    }

    static func actionItems(event: Event, rule: Rule, ruleSet: RuleSet, now: Date) -> [ActionItem] {
        var items: [ActionItem] = []
        for gesture in rule.gestures where gesture.conditions?.matches(event) ?? true {
            let affected = event.countries.first { gesture.countries?.contains($0) ?? true }
            guard let country = affected, let landmark = ruleSet.landmarks[gesture.landmark],
                  let timeZone = TimeZone(identifier: landmark.timeZone) else { continue }
            let earliest = (event.occurredAt ?? event.sentAt ?? now).addingTimeInterval(gesture.preparation.timeInterval)
            // The owner is asked when the first report is drafted and needs its lead time (an update keeps
            // the time already asked for): a time too soon for it moves to the next possible one. A time that
            // has already passed (a delayed report, a replayed scenario) is flagged and left as it was, so that
            // the bundle's phases keep their order: nothing is scheduled for it.
            let askable = event.msgType == .update ? now : now.addingTimeInterval(landmark.leadTime.timeInterval)
            guard let intended = moment(of: gesture.time, notBefore: earliest, landmark: landmark, timeZone: timeZone) else { continue }
            let late = intended < now
            let planned = intended < askable && !late
                ? moment(of: gesture.time, notBefore: max(earliest, askable), landmark: landmark, timeZone: timeZone) : intended
            guard let at = planned else { continue }
            let colours = landmark.display == .dark ? [] : FlagColours.colours[country] ?? []
            let countryName = CountryPhrases.phrase(country, language: "en", form: .name)
            let local = localTimestamp(at, timeZone: timeZone)
            let when = at.formatted(Date.FormatStyle(date: .complete, time: .shortened, locale: Locale(identifier: "en_GB"),
                                                      calendar: Calendar(identifier: .gregorian), timeZone: timeZone))
            let named = landmark.names["en"] ?? "the \(landmark.name)"
            let flag = "the flag of \(countryName)" + (colours.isEmpty ? "" : " (\(colours.joined(separator: ", ")))")
            let action: String
            var summary: String
            switch landmark.display {
            case .colours:
                action = "light_landmark"
                summary = "Light \(named) (\(landmark.city)) in the colours of \(flag)"
            case .flag:
                action = "project_flag"
                summary = "Project \(flag) onto \(named) (\(landmark.city))"
            case .dark:
                action = "switch_off_landmark"
                summary = "Switch off the lights of \(named) (\(landmark.city)) in mourning for the victims in \(countryName)"
            }
            summary += " at \(gesture.time) on \(when) local time; ask \(landmark.owner)"
            if landmark.leadTime > .zero { summary += ", who needs \(Self.notice(landmark.leadTime)) notice" }
            summary += "."
            let account = landmark.ownerAccount.map { $0.handle + ($0.unverified ? " (handle unverified)" : "") }
            if let account { summary += " Amplify its own post: \(account)." }
            if late {
                let missed = intended.formatted(Date.FormatStyle(date: .complete, time: .shortened, locale: Locale(identifier: "en_GB"),
                                                                 calendar: Calendar(identifier: .gregorian), timeZone: timeZone))
                summary = "LATE: \(missed) has passed: nothing is scheduled; decide whether a gesture still makes sense. " + summary
            }
            if event.isDrill { summary = LanguageSupport.drillMarker(for: "en") + " " + summary }
            items.append(ActionItem(action: action, landmark: landmark.id, landmarkName: landmark.name, city: landmark.city,
                                    owner: landmark.owner, country: country, colours: colours, at: at, localTime: local,
                                    timeZone: landmark.timeZone, timing: gesture.time.description, summary: summary,
                                    late: late ? true : nil, ownerAccount: account))
        }
        return items
    }

    /// A lead time for a reviewer: *12 hours’*, *1 hour’s*, *1d12h*.
    static func notice(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        guard seconds % 3600 == 0 else { return RuleDuration.format(duration) }
        return seconds == 3600 ? "1 hour’s" : "\(seconds / 3600) hours’"
    }

    /// The first dusk, sunset or clock time at the landmark that is not before `notBefore`, to the minute.
    static func moment(of time: GestureTime, notBefore: Date, landmark: Landmark, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        for dayOffset in 0..<3 {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: notBefore) else { continue }
            let candidate: Date?
            switch time {
            case .dusk: candidate = SolarTime.dusk(on: day, at: landmark.location, timeZone: timeZone)
            case .sunset: candidate = SolarTime.sunset(on: day, at: landmark.location, timeZone: timeZone)
            case .localTime(let hour, let minute):
                candidate = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)
            }
            guard let candidate else { continue }
            let rounded = Date(timeIntervalSince1970: (candidate.timeIntervalSince1970 / 60).rounded() * 60)
            if rounded >= notBefore { return rounded }
        }
        return nil
    }

    /// `2017-01-09T17:05:00+01:00`.
    static func localTimestamp(_ date: Date, timeZone: TimeZone) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let shifted = RFC3339.format(date.addingTimeInterval(Double(offset)))
        let sign = offset < 0 ? "-" : "+"
        let hours = abs(offset) / 3600, minutes = abs(offset) / 60 % 60
        let zone = sign + (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
        return String(shifted.dropLast()) + zone
    }
}
