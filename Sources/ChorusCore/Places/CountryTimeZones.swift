import Foundation

/// Which clock a country keeps: its main zone, and for a country whose zones differ (the United States,
/// Russia, Australia, …), the zone whose principal city is nearest a point.
///
/// Drafts give an event's date and time as they were where it happened (PRODUCT.md §10): the Las Vegas
/// shooting was on 1 October, local time, although it was 2 October in UTC and in Europe.
public enum CountryTimeZones {
    /// A zone and the point of its principal city (zone.tab's coordinates).
    struct Zone: Sendable {
        let identifier: String
        let lat: Double
        let lon: Double

        init(_ identifier: String, _ lat: Double, _ lon: Double) {
            self.identifier = identifier
            self.lat = lat
            self.lon = lon
        }
    }

    /// The IANA zone of `country`'s capital or main region (`US` → `America/New_York`); `nil` for codes
    /// that are not places with a clock (`EU`, `UN`).
    public static func mainZone(of country: String) -> String? { main[country] }

    /// The zone of `country` for an event at `location`: the zone whose principal city is nearest when the
    /// country's zones differ and the point is known, else the country's main zone.
    public static func zone(of country: String, near location: Event.Location?) -> String? {
        guard let location, let zones = zonesOfCountry[country] else { return main[country] }
        return zones.min { distance($0, location) < distance($1, location) }?.identifier ?? main[country]
    }

    /// The great-circle angle between a zone's city and a point (the haversine formula), in radians.
    static func distance(_ zone: Zone, _ point: Event.Location) -> Double {
        let radians = Double.pi / 180
        let dLat = (point.lat - zone.lat) * radians, dLon = (point.lon - zone.lon) * radians
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(zone.lat * radians) * cos(point.lat * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }
}
