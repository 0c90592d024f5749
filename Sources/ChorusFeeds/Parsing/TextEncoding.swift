import ChorusCore
import Foundation

/// Brings an XML feed's bytes to UTF-8 before the XML reader sees them, the way feeds in the wild need it.
///
/// - UTF-8 (declared or not) that is valid stays as it is.
/// - ISO-8859-1, Latin-1, ISO-8859-15 and Windows-1252 are decoded as Windows-1252 (what browsers do with
///   all of them, WHATWG Encoding §4.1) and re-encoded as UTF-8, with the declaration rewritten to say so.
/// - A document that declares one of those but whose bytes are valid UTF-8 with multi-byte sequences is
///   *mislabelled* (a CMS writing UTF-8 under a stale header): it is read as UTF-8 and a note says so —
///   decoding it as declared would turn every "ü" into "Ã¼".
/// - Undeclared bytes that are not valid UTF-8 are read as Windows-1252, with a note.
/// - Any other declared encoding (UTF-16, Shift_JIS, KOI8-R, …) is refused with its name.
enum TextEncoding {
    /// The document as UTF-8 and what was noticed on the way.
    struct Converted {
        var data: Data
        var note: String?
    }

    static let latinNames: Set<String> = [
        "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "iso-8859-15", "iso8859-15", "latin9",
        "windows-1252", "cp1252", "x-cp1252",
    ]

    /// - Throws: ``ParseFailure`` for an encoding Chorus does not read.
    static func utf8Document(_ data: Data) throws -> Converted {
        var converted = try convert(data)
        // U+FFFD (EF BF BD) in the bytes: characters someone lost before the feed reached Chorus.
        var lost = 0
        var index = converted.data.startIndex
        while let found = ByteSearch.firstIndex(of: "\u{FFFD}", in: converted.data[index...]) {
            lost += 1
            index = found + 3
        }
        if lost > 0 {
            let note = "\(lost) character\(lost == 1 ? " was" : "s were") already lost (U+FFFD replacement characters) before Chorus read the document"
            converted.note = converted.note.map { $0 + "; " + note } ?? note
        }
        return converted
    }

    private static func convert(_ data: Data) throws -> Converted {
        let bytes = XMLDocumentReader.stripBOM(data)
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.first == 0 {
            throw ParseFailure("only UTF-8 and Latin-1/Windows-1252 XML is accepted (the document looks like UTF-16)")
        }
        let declared = XMLDocumentReader.declaredEncoding(bytes)
        let name = declared?.lowercased()
        let isValidUTF8 = String(validating: bytes, as: UTF8.self) != nil
        switch name {
        case nil, "utf-8", "utf8", "us-ascii", "ascii":
            if isValidUTF8 { return Converted(data: Data(bytes)) }
            return Converted(data: rewriteDeclaration(windows1252ToUTF8(bytes)),
                             note: "the document is not valid UTF-8\(declared == nil ? "" : " as declared"); read as Windows-1252")
        case let latin? where latinNames.contains(latin):
            if isValidUTF8 {
                guard bytes.contains(where: { $0 >= 0x80 }) else { return Converted(data: rewriteDeclaration(Data(bytes))) }
                return Converted(data: rewriteDeclaration(Data(bytes)),
                                 note: "the document declares encoding \(quoted(declared ?? "")) but its bytes are UTF-8; read as UTF-8")
            }
            return Converted(data: rewriteDeclaration(windows1252ToUTF8(bytes)))
        default:
            throw ParseFailure("the document declares encoding \(quoted(declared ?? "")); only UTF-8 and ISO-8859-1/Windows-1252 are read")
        }
    }

    /// Windows-1252 bytes as UTF-8 (ISO-8859-1 with printable characters in 0x80–0x9F).
    static func windows1252ToUTF8(_ bytes: Data) -> Data {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte >= 0x80, byte <= 0x9F, let mapped = cp1252High[Int(byte) - 0x80] {
                scalars.append(mapped)
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return Data(String(scalars).utf8)
    }

    /// The same document with its XML declaration naming UTF-8 (or without an encoding at all).
    private static func rewriteDeclaration(_ data: Data) -> Data {
        guard data.starts(with: Array("<?xml".utf8)), let end = ByteSearch.firstIndex(of: "?>", in: data.prefix(200)) else {
            return data
        }
        var result = Data("<?xml version=\"1.0\" encoding=\"UTF-8\"".utf8)
        result.append(data[end...])
        return result
    }

    private static let cp1252High: [Unicode.Scalar?] = [
        "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
        nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
    ]
}
