import Foundation

/// Sunset and civil dusk at a point on the earth (NOAA's solar position algorithm, accurate to a
/// minute or two away from the polar circles).
public enum SolarTime {
    /// The sun's altitude at sunset: the upper limb at the horizon, with standard refraction.
    static let sunsetAltitude = -0.833
    /// The sun's altitude at civil dusk.
    static let duskAltitude = -6.0

    /// Sunset on the local calendar day containing `day` (in `timeZone`) at `location`; `nil` in polar day or night.
    public static func sunset(on day: Date, at location: Event.Location, timeZone: TimeZone) -> Date? {
        setting(altitude: sunsetAltitude, on: day, at: location, timeZone: timeZone)
    }

    /// Civil dusk (the sun 6° below the horizon) on the local day containing `day`.
    public static func dusk(on day: Date, at location: Event.Location, timeZone: TimeZone) -> Date? {
        setting(altitude: duskAltitude, on: day, at: location, timeZone: timeZone)
    }

    static func setting(altitude: Double, on day: Date, at location: Event.Location, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        guard let year = parts.year, let month = parts.month, let dayOfMonth = parts.day else { return nil }
        // Start at local noon, then refine twice with the sun's position at the estimate.
        let noonUTC = Double(RFC3339.daysSinceEpoch(year: year, month: month, day: dayOfMonth)) * 86_400 + 43_200
        var estimate = noonUTC - location.lon / 360 * 86_400
        for _ in 0..<3 {
            guard let next = settingEstimate(altitude: altitude, around: estimate, location: location) else { return nil }
            estimate = next
        }
        return Date(timeIntervalSince1970: estimate)
    }

    private static func settingEstimate(altitude: Double, around time: Double, location: Event.Location) -> Double? {
        let radians = Double.pi / 180
        let julianDay = time / 86_400 + 2_440_587.5
        let t = (julianDay - 2_451_545) / 36_525
        let meanLongitude = (280.46646 + t * (36_000.76983 + t * 0.0003032)).truncatingRemainder(dividingBy: 360)
        let meanAnomaly = 357.52911 + t * (35_999.05029 - 0.0001537 * t)
        let eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
        let m = meanAnomaly * radians
        let center = sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t)) + sin(2 * m) * (0.019993 - 0.000101 * t) + sin(3 * m) * 0.000289
        let trueLongitude = meanLongitude + center
        let omega = 125.04 - 1934.136 * t
        let apparentLongitude = trueLongitude - 0.00569 - 0.00478 * sin(omega * radians)
        let meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
        let obliquity = meanObliquity + 0.00256 * cos(omega * radians)
        let declination = asin(sin(obliquity * radians) * sin(apparentLongitude * radians))
        let y = pow(tan(obliquity * radians / 2), 2)
        let l0 = meanLongitude * radians
        let equationOfTime = 4 / radians * (y * sin(2 * l0) - 2 * eccentricity * sin(m) + 4 * eccentricity * y * sin(m) * cos(2 * l0)
            - 0.5 * y * y * sin(4 * l0) - 1.25 * eccentricity * eccentricity * sin(2 * m))
        let latitude = location.lat * radians
        let cosHourAngle = (sin(altitude * radians) - sin(latitude) * sin(declination)) / (cos(latitude) * cos(declination))
        guard (-1...1).contains(cosHourAngle) else { return nil }
        let hourAngle = acos(cosHourAngle) / radians
        let dayStart = (time / 86_400).rounded(.down) * 86_400
        // Minutes after 00:00 UTC of the same UTC day as the estimate.
        let minutes = 720 - 4 * location.lon - equationOfTime + 4 * hourAngle
        var result = dayStart + minutes * 60
        // Keep the answer within half a day of the estimate (for far east or west longitudes).
        if result - time > 43_200 { result -= 86_400 } else if time - result > 43_200 { result += 86_400 }
        return result
    }
}
