import ChorusCore
import Foundation

/// The country a point lies in, from Natural Earth's 1:110m country outlines (public domain; the table in
/// `CoarseCountryBoundaries+Data.swift`, written by `docs/generators/generate-country-boundaries.py`).
///
/// Coarse on purpose: good for "which country is this georss point in", not for borders. At 1:110m a
/// coastline can be kilometres off, so a point outside every outline but within 25 km of exactly one
/// country's is taken to be in it; a point near several, or far from all, is in none (a ship at sea, a
/// border river). Small states that the 1:110m outlines leave out (Singapore, Malta, Bahrain, Andorra,
/// Monaco, …) are circles of their own, looked at first.
public struct CoarseCountryBoundaries: Sendable {
    struct Ring: Sendable {
        var country: String
        var minLat: Double, maxLat: Double, minLon: Double, maxLon: Double
        /// Longitude, latitude pairs.
        var points: [(lon: Double, lat: Double)]
    }

    let rings: [Ring]

    /// The table, read once.
    public static let shared = CoarseCountryBoundaries(table: table)

    /// How far outside every outline a point may be and still be given the nearest country, in degrees.
    static let coastSlack = 0.25

    init(table: String) {
        var rings: [Ring] = []
        for line in table.split(separator: "\n") {
            let entry = line.trimmingCharacters(in: .whitespaces)
            guard let colon = entry.firstIndex(of: ":"),
                  let country = CountryNames.alpha2(forAlpha3: String(entry[..<colon])) else { continue }
            for ringText in entry[entry.index(after: colon)...].split(separator: "|") {
                var points: [(lon: Double, lat: Double)] = []
                for pair in ringText.split(separator: " ") {
                    let parts = pair.split(separator: ",")
                    guard parts.count == 2, let lon = Int(parts[0]), let lat = Int(parts[1]) else { continue }
                    points.append((Double(lon) / 100, Double(lat) / 100))
                }
                guard points.count >= 3 else { continue }
                rings.append(Ring(country: country, minLat: points.map(\.lat).min() ?? 0, maxLat: points.map(\.lat).max() ?? 0,
                                  minLon: points.map(\.lon).min() ?? 0, maxLon: points.map(\.lon).max() ?? 0, points: points))
            }
        }
        self.rings = rings
    }

    /// The ISO alpha-2 country at `location`, `nil` when the table cannot tell.
    public func country(at location: Event.Location) -> String? {
        let lat = location.lat
        let lon = location.lon
        let scale = cos(lat * .pi / 180)
        for state in Self.smallStates where abs(lat - state.lat) <= state.radius
            && hypot(lat - state.lat, (lon - state.lon) * scale) <= state.radius {
            return state.country
        }
        // Small arrays, not dictionaries: a point lies in the boxes of a few rings (one classification each).
        var inside: [(country: String, rings: Int)] = []
        for ring in rings where lat >= ring.minLat && lat <= ring.maxLat && lon >= ring.minLon && lon <= ring.maxLon {
            guard Self.contains(ring.points, lat: lat, lon: lon) else { continue }
            if let index = inside.firstIndex(where: { $0.country == ring.country }) {
                inside[index].rings += 1
            } else {
                inside.append((ring.country, 1))
            }
        }
        // Even-odd over a country's rings: a hole (a lake, an enclave) counts twice.
        if let country = inside.filter({ $0.rings % 2 == 1 }).map(\.country).min() { return country }
        var nearest: [String] = []
        let slack = Self.coastSlack
        for ring in rings where lat >= ring.minLat - slack && lat <= ring.maxLat + slack
            && lon >= ring.minLon - slack && lon <= ring.maxLon + slack && !nearest.contains(ring.country) {
            if Self.distance(ring.points, lat: lat, lon: lon) <= slack { nearest.append(ring.country) }
        }
        return nearest.count == 1 ? nearest.first : nil
    }

    private static func contains(_ points: [(lon: Double, lat: Double)], lat: Double, lon: Double) -> Bool {
        var inside = false
        var previous = points[points.count - 1]
        for point in points {
            if (point.lat > lat) != (previous.lat > lat) {
                let crossing = (previous.lon - point.lon) * (lat - point.lat) / (previous.lat - point.lat) + point.lon
                if lon < crossing { inside.toggle() }
            }
            previous = point
        }
        return inside
    }

    /// The distance in degrees (longitude scaled by the latitude) from the point to the ring's edges.
    private static func distance(_ points: [(lon: Double, lat: Double)], lat: Double, lon: Double) -> Double {
        let scale = cos(lat * .pi / 180)
        var best = Double.infinity  // squared
        var previous = points[points.count - 1]
        for point in points {
            let ax = previous.lon * scale, ay = previous.lat, bx = point.lon * scale, by = point.lat
            let px = lon * scale, py = lat
            let dx = bx - ax, dy = by - ay
            let length = dx * dx + dy * dy
            let t = length > 0 ? max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / length)) : 0
            let ex = px - (ax + t * dx), ey = py - (ay + t * dy)
            best = min(best, ex * ex + ey * ey)
            previous = point
        }
        return best.squareRoot()
    }

    /// States too small for 1:110m outlines: centre and radius in degrees.
    static let smallStates: [(country: String, lat: Double, lon: Double, radius: Double)] = [
        ("VA", 41.903, 12.453, 0.006), ("MC", 43.738, 7.424, 0.02), ("SM", 43.94, 12.46, 0.07), ("LI", 47.14, 9.55, 0.1),
        ("AD", 42.54, 1.57, 0.15), ("MT", 35.92, 14.41, 0.25), ("SG", 1.35, 103.82, 0.2), ("BH", 26.05, 50.55, 0.3),
        ("HK", 22.35, 114.15, 0.25), ("MO", 22.17, 113.55, 0.07), ("MV", 3.2, 73.22, 2.5), ("MU", -20.25, 57.55, 0.4),
        ("BB", 13.17, -59.55, 0.25), ("LC", 13.9, -60.97, 0.25), ("GD", 12.1, -61.68, 0.2), ("AG", 17.08, -61.8, 0.3),
        ("KN", 17.3, -62.73, 0.2), ("DM", 15.42, -61.35, 0.25), ("VC", 13.25, -61.2, 0.2), ("SC", -4.68, 55.49, 0.4),
        ("KM", -11.8, 43.3, 0.6), ("ST", 0.33, 6.73, 0.4), ("CV", 15.1, -23.6, 1.0), ("WS", -13.8, -172.1, 0.5),
        ("TO", -21.18, -175.2, 0.4), ("MH", 7.1, 171.2, 0.5), ("PW", 7.5, 134.6, 0.5), ("NR", -0.53, 166.93, 0.1),
        ("TV", -8.5, 179.2, 0.5), ("KI", 1.87, -157.4, 0.6), ("FM", 6.9, 158.2, 0.5), ("GI", 36.14, -5.35, 0.04),
    ]
}

