import ChorusCore
import Foundation

/// Native JSON Lines: one normalized event (PRODUCT.md §4) a line; blank lines are skipped.
///
/// A bad line is rejected as `line:N` and the others go on.
struct JSONLinesParser {
    let options: ParserOptions

    func parse(_ data: Data) -> ParseResult {
        var result = ParseResult()
        var lineNumber = 0
        var start = data.startIndex
        let body = XMLDocumentReader.stripBOM(data)
        start = body.startIndex
        while start < body.endIndex {
            let end = body[start...].firstIndex(of: 0x0A) ?? body.endIndex
            lineNumber += 1
            parseLine(body[start..<end], number: lineNumber, into: &result)
            if result.events.count + result.rejections.count > options.maximumItems {
                result.rejections.append(Rejection(
                    item: "line:\(lineNumber)", reason: "more than \(options.maximumItems) lines; the rest is not read"))
                break
            }
            start = end < body.endIndex ? body.index(after: end) : end
        }
        return result
    }

    /// Parses one line (without its newline) into `result`.
    func parseLine(_ line: Data, number: Int, into result: inout ParseResult) {
        let item = "line:\(number)"
        var trimmed = line[...]
        while let last = trimmed.last, last == 0x0D || last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
        while let first = trimmed.first, first == 0x20 || first == 0x09 { trimmed = trimmed.dropFirst() }
        if trimmed.isEmpty { return }
        do {
            if String(validating: trimmed, as: UTF8.self) == nil { throw ParseFailure("the line is not valid UTF-8") }
            if JSONValue.nestingDepth(of: trimmed) > options.maximumDepth {
                throw ParseFailure("JSON is nested deeper than \(options.maximumDepth) levels")
            }
            let event = try JSONDecoder().decode(Event.self, from: Data(trimmed))
            let before = result.rejections.count
            options.finish(event, item: item, into: &result)
            if result.rejections.count > before { result.rejections[before].raw = Data(trimmed) }
        } catch let error as EventError {
            result.rejections.append(Rejection(item: item, reason: error.description, raw: Data(trimmed)))
        } catch let error as ParseFailure {
            result.rejections.append(Rejection(item: item, reason: error.reason, raw: Data(trimmed)))
        } catch is DecodingError {
            result.rejections.append(Rejection(item: item, reason: Self.explain(Data(trimmed)), raw: Data(trimmed)))
        } catch {
            result.rejections.append(Rejection(item: item, reason: "\(error)", raw: Data(trimmed)))
        }
    }

    /// Why Foundation's decoder refused a line, in Chorus's words rather than Foundation's internal ones
    /// (`expectedLowSurrogateUTF8SequenceAfterHighSurrogate`, `numberIsNotRepresentableInSwift`): the
    /// line is read again by ``JSONValue``, which names what is wrong and where. Only refused lines pay.
    static func explain(_ line: Data) -> String {
        let value: JSONValue
        do {
            value = try JSONValue.decode(line, maximumDepth: 64)
        } catch {
            return "not a JSON object: \(error)"
        }
        guard case .object(let members) = value else { return "not a JSON object: the line holds \(value.typeName)" }
        for (key, member) in members.sorted(by: { $0.key < $1.key }) where member.holdsUnrepresentableNumber {
            return "\(escaped(key)): the number is out of range"
        }
        return "not a JSON object Chorus can read"
    }
}
