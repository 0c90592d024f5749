/// Durations in rule files: `90s`, `30m`, `6h`, `2d`, combined as `1h30m`; `0` for none.
enum RuleDuration {
    static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (product, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, product < 1_000_000_000 else { return nil }
                number = product + Int64(digit)
                continue
            }
            guard let value = number else { return nil }
            let scale: Int64
            switch character {
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default: return nil
            }
            total += value * scale
            number = nil
            sawUnit = true
        }
        guard number == nil, sawUnit else { return nil }
        return .seconds(total)
    }

    static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        if seconds == 0 { return "0" }
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            out += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return out
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    public var timeInterval: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
