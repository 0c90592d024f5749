/// A symbolic gesture: light a landmark in the colours of the affected country's flag.
public struct Gesture: Sendable, Hashable {
    /// The landmark's identifier.
    public var landmark: String
    /// The gesture applies only when an affected country is one of these; `nil` means always.
    public var countries: Set<String>?
    /// When, in the landmark's local time.
    public var time: GestureTime
    /// The least time between the event and the gesture, so that the owner can arrange it.
    public var preparation: Duration
    /// The gesture is planned only when these hold (a landmark is lit in mourning when people died).
    public var conditions: RuleConditions?

    /// Creates a gesture.
    public init(landmark: String, countries: Set<String>? = nil, time: GestureTime = .dusk, preparation: Duration = .seconds(3 * 3600),
                conditions: RuleConditions? = nil) {
        self.landmark = landmark
        self.countries = countries
        self.time = time
        self.preparation = preparation
        self.conditions = conditions
    }
}

/// When a gesture takes place, local to its landmark.
public enum GestureTime: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Sunset (upper limb at the horizon, with refraction) at the landmark's coordinates.
    case sunset
    /// Civil dusk: the sun 6° below the horizon, when floodlights show.
    case dusk
    /// A fixed local clock time.
    case localTime(hour: Int, minute: Int)

    public var description: String {
        switch self {
        case .sunset: return "sunset"
        case .dusk: return "dusk"
        case .localTime(let hour, let minute):
            return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
    }
}
