import ChorusCore
import Foundation

/// GDELT event exports: 2.0 (61 tab-separated columns, the 15-minute `*.export.CSV` files) and 1.0 (58
/// columns daily, 57 historical), no header, no quoting — one event a line.
///
/// - kind: the CAMEO `EventCode` through `gdelt.cameo` of `kinds.json5` (kept as a string: "043"); a code
///   that maps to no kind is not an incident and is only counted, like a news item about nothing.
/// - countries: `ActionGeo_CountryCode`, which is FIPS 10-4, not ISO (IS is Israel, not Iceland); for an
///   expulsion the target actor's country (`Actor2CountryCode`, CAMEO's three letters) is the affected
///   country and the source actor's the `actors`.
/// - place and location: `ActionGeo_FullName` and its point when GDELT placed the event below country level.
/// - occurredAt: `SQLDATE` (the day it happened; noon UTC, so the day is the same wherever it is shown);
///   sentAt: `DATEADDED`; origin: the domain of `SOURCEURL`; certainty `possible` (machine-coded from one
///   article); `NumMentions`, `NumSources`, `NumArticles` as tags (`sources:3`), the evidence GDELT saw.
///
/// GDELT's other tables — mentions (16 columns) and GKG (27) — are refused with their name.
struct GDELTParser {
    let options: ParserOptions

    /// Column positions of one export layout.
    struct Layout {
        var columns: Int
        var actionType: Int, actionName: Int, actionCountry: Int, actionLat: Int, actionLon: Int
        var dateAdded: Int
        var sourceURL: Int?

        static let v2 = Layout(columns: 61, actionType: 51, actionName: 52, actionCountry: 53, actionLat: 56, actionLon: 57,
                               dateAdded: 59, sourceURL: 60)
        static let v1Daily = Layout(columns: 58, actionType: 49, actionName: 50, actionCountry: 51, actionLat: 53, actionLon: 54,
                                    dateAdded: 56, sourceURL: 57)
        static let v1Historical = Layout(columns: 57, actionType: 49, actionName: 50, actionCountry: 51, actionLat: 53,
                                         actionLon: 54, dateAdded: 56, sourceURL: nil)

        static func forColumns(_ count: Int) -> Layout? {
            [v2, v1Daily, v1Historical].first { $0.columns == count }
        }
    }

    /// Whether the document's first line is a tab-separated GDELT row: a number, then enough tabs.
    static func looksLikeGDELT(_ data: Data) -> Bool {
        let line = data.prefix(64 * 1024).prefix { $0 != 0x0A }
        let tabs = line.reduce(0) { $0 + ($1 == 0x09 ? 1 : 0) }
        guard let firstTab = line.firstIndex(of: 0x09), firstTab > line.startIndex else { return false }
        return tabs >= 15 && line[line.startIndex..<firstTab].allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 0x2D }
    }

    func parse(_ data: Data) -> ParseResult {
        guard let text = String(validating: data, as: UTF8.self) else {
            return .refused("a GDELT export must be UTF-8 text")
        }
        var result = ParseResult()
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let row = line.hasSuffix("\r") ? line.dropLast() : line
            if row.isEmpty { continue }
            if result.events.count + result.nonIncidents + result.rejections.count >= options.maximumItems {
                result.rejections.append(Rejection(reason: "more than \(options.maximumItems) rows; the rest is not read"))
                break
            }
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            guard let layout = Layout.forColumns(fields.count) else {
                if lineNumber == 1, fields.count == 16 || fields.count == 27 {
                    return .refused("a GDELT \(fields.count == 16 ? "mentions" : "GKG") table (\(fields.count) columns), not an event export; Chorus reads GDELT event exports")
                }
                result.rejections.append(Rejection(item: "line:\(lineNumber)",
                    reason: "\(fields.count) tab-separated columns; a GDELT event export has 61 (GDELT 2.0) or 57/58 (1.0)",
                    raw: Data(row.prefix(4096).utf8)))
                continue
            }
            do {
                guard let event = try event(from: fields, layout: layout) else {
                    result.nonIncidents += 1
                    continue
                }
                options.finish(event, item: event.id, into: &result)
            } catch {
                result.rejections.append(Rejection(item: "line:\(lineNumber)", reason: "\(error)", raw: Data(row.prefix(4096).utf8)))
            }
        }
        return result
    }

    private func event(from fields: [Substring], layout: Layout) throws -> Event? {
        func field(_ index: Int) -> String { fields[index].trimmingCharacters(in: .whitespaces) }
        let globalID = field(0)
        guard !globalID.isEmpty, globalID.count <= 20, globalID.allSatisfy(\.isNumber) else {
            throw ParseFailure(field: "GlobalEventID", "\(quoted(globalID)) is not a number")
        }
        let code = field(26)
        guard !code.isEmpty, code.count <= 4, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ParseFailure(field: "EventCode", "\(quoted(code)) is not a CAMEO code")
        }
        guard let kind = options.kinds.cameoKind(eventCode: code) else { return nil }

        var event = Event(id: "gdelt-\(globalID)", source: "gdelt", kind: kind)
        event.certainty = .possible
        let day = field(1)
        guard day.count == 8, let occurred = Self.date(day) else {
            throw ParseFailure(field: "SQLDATE", "\(quoted(day)) is not a date YYYYMMDD")
        }
        event.occurredAt = occurred.addingTimeInterval(12 * 3600)
        let added = field(layout.dateAdded)
        event.sentAt = Self.date(added)

        let actionCountry = Self.fipsToISO[field(layout.actionCountry).uppercased()]
        let actor1 = CountryNames.alpha2(forAlpha3: field(7))
        let actor2 = CountryNames.alpha2(forAlpha3: field(17))
        if kind == "diplomatic_expulsion" {
            event.countries = [actor2 ?? actionCountry].compactMap { $0 }
            event.actors = [actor1].compactMap { $0 }.filter { !event.countries.contains($0) }
        } else {
            event.countries = [actionCountry].compactMap { $0 }
        }
        let geoType = Int(field(layout.actionType)) ?? 0
        if geoType >= 2 {
            let name = field(layout.actionName)
            if !name.isEmpty { event.place = String(name.prefix(300)) }
            if let lat = Double(field(layout.actionLat)), let lon = Double(field(layout.actionLon)),
               lat.isFinite, lon.isFinite, (-90...90).contains(lat), (-180...180).contains(lon) {
                event.location = Event.Location(lat: lat, lon: lon)
            }
        }
        if let index = layout.sourceURL {
            let url = field(index)
            if let link = NewsFeedParser.httpURL(url) {
                event.link = link
                event.origin = NewsOrigin.domain(ofURL: link)
            } else if !url.isEmpty {
                event.origin = String(url.prefix(200))  // a citation-only source ("BBC Monitoring")
            }
        }
        event.tags = ["gdelt", "cameo:\(code)"]
        for (name, index) in [("mentions", 31), ("sources", 32), ("articles", 33)] {
            if let count = Int(field(index)), count >= 0 { event.tags.append("\(name):\(count)") }
        }
        let actors = [field(6), field(16)].filter { !$0.isEmpty }.joined(separator: " → ")
        var headline = "GDELT: CAMEO \(code) (\(kind.replacingOccurrences(of: "_", with: " ")))"
        if !actors.isEmpty { headline += ", \(actors)" }
        if let place = event.place ?? (field(layout.actionName).isEmpty ? nil : field(layout.actionName)) { headline += ", \(place)" }
        event.headline["en"] = String(headline.prefix(500))
        return event
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// `YYYYMMDD` or `YYYYMMDDHHMMSS` in UTC; `nil` for anything else or an impossible date.
    private static func date(_ text: String) -> Date? {
        guard text.count == 8 || text.count == 14, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let digits = Array(text.utf8).map { Int($0) - 48 }
        func number(_ from: Int, _ count: Int) -> Int { digits[from..<(from + count)].reduce(0) { $0 * 10 + $1 } }
        var components = DateComponents(year: number(0, 4), month: number(4, 2), day: number(6, 2))
        if text.count == 14 {
            components.hour = number(8, 2)
            components.minute = number(10, 2)
            components.second = number(12, 2)
        }
        guard let year = components.year, (1900...2200).contains(year), let month = components.month, (1...12).contains(month),
              let day = components.day, (1...31).contains(day), (components.hour ?? 0) < 24, (components.minute ?? 0) < 60,
              (components.second ?? 0) < 61, let date = utc.date(from: components),
              utc.component(.day, from: date) == day else { return nil }
        return date
    }

    /// FIPS 10-4 country codes (GDELT's geography) → ISO 3166-1 alpha-2. Codes without an ISO country
    /// (Kosovo's KV, the dissolved Netherlands Antilles) are left out.
    static let fipsToISO: [String: String] = [
        "AA": "AW", "AC": "AG", "AE": "AE", "AF": "AF", "AG": "DZ", "AJ": "AZ", "AL": "AL", "AM": "AM", "AN": "AD",
        "AO": "AO", "AQ": "AS", "AR": "AR", "AS": "AU", "AT": "AU", "AU": "AT", "AV": "AI", "AY": "AQ", "BA": "BH",
        "BB": "BB", "BC": "BW", "BD": "BM", "BE": "BE", "BF": "BS", "BG": "BD", "BH": "BZ", "BK": "BA", "BL": "BO",
        "BM": "MM", "BN": "BJ", "BO": "BY", "BP": "SB", "BR": "BR", "BT": "BT", "BU": "BG", "BV": "BV", "BX": "BN",
        "BY": "BI", "CA": "CA", "CB": "KH", "CD": "TD", "CE": "LK", "CF": "CG", "CG": "CD", "CH": "CN", "CI": "CL",
        "CJ": "KY", "CK": "CC", "CM": "CM", "CN": "KM", "CO": "CO", "CQ": "MP", "CS": "CR", "CT": "CF", "CU": "CU",
        "CV": "CV", "CW": "CK", "CY": "CY", "DA": "DK", "DJ": "DJ", "DO": "DM", "DR": "DO", "EC": "EC", "EG": "EG",
        "EI": "IE", "EK": "GQ", "EN": "EE", "ER": "ER", "ES": "SV", "ET": "ET", "EZ": "CZ", "FG": "GF", "FI": "FI",
        "FJ": "FJ", "FK": "FK", "FM": "FM", "FO": "FO", "FP": "PF", "FR": "FR", "FS": "TF", "GA": "GM", "GB": "GA",
        "GG": "GE", "GH": "GH", "GI": "GI", "GJ": "GD", "GK": "GG", "GL": "GL", "GM": "DE", "GP": "GP", "GQ": "GU",
        "GR": "GR", "GT": "GT", "GV": "GN", "GY": "GY", "GZ": "PS", "HA": "HT", "HK": "HK", "HM": "HM", "HO": "HN",
        "HR": "HR", "HU": "HU", "IC": "IS", "ID": "ID", "IM": "IM", "IN": "IN", "IO": "IO", "IR": "IR", "IS": "IL",
        "IT": "IT", "IV": "CI", "IZ": "IQ", "JA": "JP", "JE": "JE", "JM": "JM", "JO": "JO", "KE": "KE", "KG": "KG",
        "KN": "KP", "KR": "KI", "KS": "KR", "KT": "CX", "KU": "KW", "KZ": "KZ", "LA": "LA", "LE": "LB", "LG": "LV",
        "LH": "LT", "LI": "LR", "LO": "SK", "LS": "LI", "LT": "LS", "LU": "LU", "LY": "LY", "MA": "MG", "MB": "MQ",
        "MC": "MO", "MD": "MD", "MF": "YT", "MG": "MN", "MH": "MS", "MI": "MW", "MJ": "ME", "MK": "MK", "ML": "ML",
        "MN": "MC", "MO": "MA", "MP": "MU", "MR": "MR", "MT": "MT", "MU": "OM", "MV": "MV", "MX": "MX", "MY": "MY",
        "MZ": "MZ", "NC": "NC", "NE": "NU", "NF": "NF", "NG": "NE", "NH": "VU", "NI": "NG", "NL": "NL", "NN": "SX",
        "NO": "NO", "NP": "NP", "NR": "NR", "NS": "SR", "NU": "NI", "NZ": "NZ", "OD": "SS", "PA": "PY", "PC": "PN",
        "PE": "PE", "PK": "PK", "PL": "PL", "PM": "PA", "PO": "PT", "PP": "PG", "PS": "PW", "PU": "GW", "QA": "QA",
        "RE": "RE", "RI": "RS", "RM": "MH", "RN": "MF", "RO": "RO", "RP": "PH", "RQ": "PR", "RS": "RU", "RW": "RW",
        "SA": "SA", "SB": "PM", "SC": "KN", "SE": "SC", "SF": "ZA", "SG": "SN", "SH": "SH", "SI": "SI", "SL": "SL",
        "SM": "SM", "SN": "SG", "SO": "SO", "SP": "ES", "ST": "LC", "SU": "SD", "SV": "SJ", "SW": "SE", "SX": "GS",
        "SY": "SY", "SZ": "CH", "TB": "BL", "TD": "TT", "TH": "TH", "TI": "TJ", "TK": "TC", "TL": "TK", "TN": "TO",
        "TO": "TG", "TP": "ST", "TS": "TN", "TT": "TL", "TU": "TR", "TV": "TV", "TW": "TW", "TX": "TM", "TZ": "TZ",
        "UC": "CW", "UG": "UG", "UK": "GB", "UP": "UA", "US": "US", "UV": "BF", "UY": "UY", "UZ": "UZ", "VC": "VC",
        "VE": "VE", "VI": "VG", "VM": "VN", "VQ": "VI", "VT": "VA", "WA": "NA", "WE": "PS", "WF": "WF", "WI": "EH",
        "WS": "WS", "WZ": "SZ", "YM": "YE", "ZA": "ZM", "ZI": "ZW",
    ]
}
