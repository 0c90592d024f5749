import ChorusCore
import Foundation

/// Session tokens and the CSRF tokens derived from them.
enum Tokens {
    /// 32 random bytes from the system's generator, base64url without padding (43 characters).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return base64URL(bytes)
    }

    /// The CSRF token of a session: a hash of its secret token, so that only a page the console served to
    /// that browser can carry it — and no instance needs to store it.
    static func csrf(for sessionToken: String) -> String {
        var hash = SHA256()
        hash.update("chorus-console-csrf:\(sessionToken)")
        return base64URL(hash.finalize())
    }

    /// Compares without stopping at the first difference.
    static func equal(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let url = Data(bytes).base64EncodedData().compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }
        return String(decoding: url, as: UTF8.self)
    }
}
