import Foundation

/// Who reported a news item, as corroboration counts reporters: the publisher's registrable domain
/// (`theguardian.com`, `bbc.co.uk`), or — when the item carries an agency's byline — the agency's
/// (`apnews.com` for "LONDON (AP) —"), so that a hundred papers printing one wire story count once.
public enum NewsOrigin {
    /// The origin of an item published at `link` (else `sourceURL`, else `publisher`) with these texts
    /// (title, lead, authors), and the outlet that carried it when that is not the origin.
    public static func origin(link: String?, sourceURL: String?, publisher: String?, texts: [String], authors: [String])
        -> (origin: String?, outlet: String?) {
        let outlet = (link ?? sourceURL).flatMap(domain(ofURL:)) ?? publisher.map(registrableDomain)
        if let agency = agency(texts: texts, authors: authors) {
            return (agency, outlet == agency ? nil : outlet)
        }
        return (outlet, nil)
    }

    /// The registrable domain of a URL's host.
    public static func domain(ofURL text: String) -> String? {
        guard let host = plainHost(text) ?? URL(string: text)?.host?.lowercased(), !host.isEmpty else { return nil }
        return registrableDomain(host)
    }

    /// The host of an `http(s)://host[:port][/…]` address whose host is plain ASCII letters, digits, `-` and
    /// `.` (every feed's links but a few), without Foundation's URL parser: one is read per news item.
    /// `nil` for anything else (user info, IPv6, non-ASCII), which `URL` reads.
    static func plainHost(_ text: String) -> String? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        for expected in "http".utf8 {
            guard index != utf8.endIndex, utf8[index] | 0x20 == expected else { return nil }
            index = utf8.index(after: index)
        }
        if index != utf8.endIndex, utf8[index] | 0x20 == UInt8(ascii: "s") { index = utf8.index(after: index) }
        for expected in "://".utf8 {
            guard index != utf8.endIndex, utf8[index] == expected else { return nil }
            index = utf8.index(after: index)
        }
        var host: [UInt8] = []
        while index != utf8.endIndex {
            let byte = utf8[index]
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                host.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                host.append(byte | 0x20)
            case UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                return host.isEmpty ? nil : String(decoding: host, as: UTF8.self)
            default:
                return nil
            }
            index = utf8.index(after: index)
        }
        return host.isEmpty ? nil : String(decoding: host, as: UTF8.self)
    }

    /// `www.feeds.bbc.co.uk` → `bbc.co.uk`: the last two labels, or three under a country code's registry
    /// category (`co.uk`, `com.au`, `gov.il`).
    public static func registrableDomain(_ host: String) -> String {
        let labels = host.lowercased().split(separator: ".").map(String.init)
        guard labels.count > 2 else { return labels.joined(separator: ".") }
        let secondLast = labels[labels.count - 2]
        let keep = genericSecondLevel.contains(secondLast) && labels.last?.count == 2 ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }

    /// The agency whose byline the item carries, as its domain.
    static func agency(texts: [String], authors: [String]) -> String? {
        for author in authors {
            let key = author.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
            if let agency = agencyNames[key] { return agency }
            for (name, agency) in agencyNames where key.hasPrefix(name + " ") || key.hasSuffix(" " + name) || key.hasSuffix("/" + name) {
                return agency
            }
        }
        for text in texts {
            // Datelines and credits: "LONDON (AP) —", "(Reuters) -", "BERLIN (dpa) -", "… | AFP" — near the
            // start, compared as bytes in one pass (Foundation's substring search cost a quarter of
            // classification; one pass per mark, a tenth).
            var text = text
            if let agency = text.withUTF8({ agencyMark(in: UnsafeBufferPointer(rebasing: $0.prefix(480))) }) { return agency }
        }
        return nil
    }

    /// The agency of the first of ``agencyMarks`` (in their order) that `bytes` contain: one pass over the
    /// bytes, trying only the marks that start with the byte at hand.
    private static func agencyMark(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var best = Int.max
        for index in bytes.indices where markStarts[Int(bytes[index])] {
            for mark in marksByFirstByte[Int(bytes[index])] where mark < best {
                let pattern = agencyMarkBytes[mark].0
                if index + pattern.count <= bytes.count, zip(pattern, bytes[index...]).allSatisfy({ $0 == $1 }) { best = mark }
            }
        }
        return best == Int.max ? nil : agencyMarkBytes[best].1
    }

    private static let agencyNames: [String: String] = [
        "associated press": "apnews.com", "the associated press": "apnews.com", "ap": "apnews.com",
        "reuters": "reuters.com", "thomson reuters": "reuters.com", "reuters staff": "reuters.com",
        "afp": "afp.com", "agence france-presse": "afp.com", "agence france presse": "afp.com",
        "dpa": "dpa.com", "deutsche presse-agentur": "dpa.com", "efe": "efe.com", "agencia efe": "efe.com",
        "ansa": "ansa.it", "xinhua": "xinhuanet.com", "anadolu agency": "aa.com.tr", "kyodo": "kyodonews.net",
        "yonhap": "yna.co.kr", "tass": "tass.com", "pti": "ptinews.com", "apa": "apa.at", "kna": "kna.de",
    ]

    private static let agencyMarks: [(String, String)] = [
        ("(AP)", "apnews.com"), ("(AP) ", "apnews.com"), ("(Reuters)", "reuters.com"), ("(AFP)", "afp.com"),
        ("(dpa)", "dpa.com"), ("(DPA)", "dpa.com"), ("(EFE)", "efe.com"), ("(ANSA)", "ansa.it"), ("(Xinhua)", "xinhuanet.com"),
        ("(AA)", "aa.com.tr"), ("(TASS)", "tass.com"), ("(PTI)", "ptinews.com"), ("(Yonhap)", "yna.co.kr"),
        ("(Kyodo)", "kyodonews.net"), ("(APA)", "apa.at"), ("(KNA)", "kna.de"),
        ("| AFP", "afp.com"), ("| Reuters", "reuters.com"), ("Agence France-Presse", "afp.com"),
    ]
    private static let agencyMarkBytes: [([UInt8], String)] = agencyMarks.map { (Array($0.0.utf8), $0.1) }
    /// Byte → the indices of the marks that start with it.
    private static let marksByFirstByte: [[Int]] = {
        var table = [[Int]](repeating: [], count: 256)
        for (index, mark) in agencyMarkBytes.enumerated() { if let first = mark.0.first { table[Int(first)].append(index) } }
        return table
    }()
    private static let markStarts: [Bool] = marksByFirstByte.map { !$0.isEmpty }

    /// Second-level labels that are registry categories under a country code (`com.xx`, `co.xx`, `gov.xx`).
    private static let genericSecondLevel: Set<String> = ["co", "com", "org", "net", "gov", "ac", "edu", "or", "go", "gob", "gouv"]
}
