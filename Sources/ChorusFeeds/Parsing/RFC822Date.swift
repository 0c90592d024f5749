import Foundation

/// RFC 822 / RFC 1123 dates as RSS writes them: `Sun, 29 Dec 2019 12:00:00 GMT`, `29 Dec 2019 12:00 +0100`.
enum RFC822Date {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "gmt": 0, "ut": 0, "utc": 0, "z": 0,
        "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    ]

    /// Parses an RFC 822 date; `nil` when `text` is not one (or names an impossible day or time).
    static func parse(_ text: String) -> Date? {
        var words = text.replacingOccurrences(of: ",", with: " ").split(separator: " ").map { $0.lowercased() }
        guard words.count >= 4 else { return nil }
        if let first = words.first, first.first?.isLetter == true { words.removeFirst() }  // weekday
        guard words.count >= 4, words[0].count <= 2, let day = Int(words[0]),
              let monthIndex = months.firstIndex(of: String(words[1].prefix(3))), words[2].count == 4 || words[2].count == 2,
              var year = Int(words[2]) else { return nil }
        if words[2].count == 2 { year += year < 50 ? 2000 : 1900 }
        let time = words[3].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 2 || time.count == 3, time.allSatisfy({ $0.count == 2 }),
              let hour = Int(time[0]), let minute = Int(time[1]) else { return nil }
        let second = time.count == 3 ? Int(time[2]) : 0
        guard let second else { return nil }
        var offsetSeconds = 0
        if words.count >= 5 {
            let zone = words[4]
            if let hours = zones[zone] {
                offsetSeconds = hours * 3600
            } else if zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
                      let value = Int(zone.dropFirst()), value >= 0 {
                let minutes = value / 100 * 60 + value % 100
                guard value % 100 < 60, value / 100 < 24 else { return nil }
                offsetSeconds = (sign == "-" ? -1 : 1) * minutes * 60
            } else {
                return nil
            }
        }
        let month = monthIndex + 1
        guard (1...31).contains(day), day <= daysIn(month: month, year: year), (0..<24).contains(hour),
              (0..<60).contains(minute), (0..<61).contains(second), (1900...9999).contains(year) else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = min(second, 59)
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        return calendar.date(from: components).map { $0.addingTimeInterval(Double(-offsetSeconds)) }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
