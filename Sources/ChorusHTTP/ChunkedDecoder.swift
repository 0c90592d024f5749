/// Decodes a `Transfer-Encoding: chunked` body incrementally (RFC 9112 §7.1): size lines in hex with
/// optional extensions (ignored), data, CRLF after each chunk, a last chunk of size 0, trailer fields
/// (bounded like headers, then dropped), and the blank line. Every line must end in CRLF.
public struct ChunkedDecoder: Sendable {
    private enum State: Sendable, Equatable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers(count: Int)
        case done
    }

    private var state = State.size
    private let limits: HTTPLimits
    /// The decoded body so far.
    public private(set) var body: [UInt8] = []

    /// A decoder bounded by `limits` (`bodyBytes`, `chunkLineBytes`, and the header limits for trailers).
    public init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Whether the whole body has been read.
    public var isDone: Bool { state == .done }

    /// Consumes what it can of `buffer` from `start`; returns the index of the first byte not consumed
    /// (after the body when ``isDone``).
    /// - Throws: ``HTTPError/badChunk`` for broken syntax, ``HTTPError/bodyTooLarge`` past the limit,
    ///   ``HTTPError/headersTooLarge`` for too many or too long trailers.
    public mutating func consume(_ buffer: [UInt8], from start: Int) throws(HTTPError) -> Int {
        var index = start
        while index < buffer.count, state != .done {
            switch state {
            case .size:
                guard let end = try line(in: buffer, from: index, limit: limits.chunkLineBytes, error: .badChunk) else { return index }
                let size = try Self.size(buffer[index..<end])
                guard size <= limits.bodyBytes - body.count else { throw .bodyTooLarge }
                index = end + 2
                state = size == 0 ? .trailers(count: 0) : .data(remaining: size)
            case .data(let remaining):
                let available = min(remaining, buffer.count - index)
                body.append(contentsOf: buffer[index..<(index + available)])
                index += available
                state = remaining == available ? .dataEnd : .data(remaining: remaining - available)
            case .dataEnd:
                guard buffer.count - index >= 2 else { return index }
                guard buffer[index] == 13, buffer[index + 1] == 10 else { throw .badChunk }
                index += 2
                state = .size
            case .trailers(let count):
                guard let end = try line(in: buffer, from: index, limit: limits.headerLineBytes, error: .headersTooLarge) else { return index }
                if end == index {
                    index += 2
                    state = .done
                } else {
                    guard count < limits.headerCount else { throw .headersTooLarge }
                    do {
                        _ = try HTTPRequestHead.field(buffer[index..<end])
                    } catch {
                        throw .badChunk
                    }
                    index = end + 2
                    state = .trailers(count: count + 1)
                }
            case .done:
                break
            }
        }
        return index
    }

    /// The index of the CR of the CRLF that ends the line at `start`, or `nil` when it has not arrived; a
    /// bare CR or LF is a broken chunk, a line longer than `limit` is `error`.
    private func line(in buffer: [UInt8], from start: Int, limit: Int, error: HTTPError) throws(HTTPError) -> Int? {
        var index = start
        while index < buffer.count {
            switch buffer[index] {
            case 13:
                guard index + 1 < buffer.count else { return nil }
                guard buffer[index + 1] == 10 else { throw .badChunk }
                return index
            case 10:
                throw .badChunk
            default:
                if index - start >= limit { throw error }
            }
            index += 1
        }
        if index - start > limit { throw error }
        return nil
    }

    /// `1a3f` or `1a3f;name=value`: the size in hex (at most 15 digits), extensions ignored.
    static func size(_ line: ArraySlice<UInt8>) throws(HTTPError) -> Int {
        let digits = line.prefix { HTTPForm.hexValue($0) != nil }
        guard !digits.isEmpty, digits.count <= 15 else { throw .badChunk }
        let rest = line[digits.endIndex...].drop { $0 == 32 || $0 == 9 }
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw .badChunk }
        guard rest.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else { throw .badChunk }
        return digits.reduce(0) { $0 << 4 | Int(HTTPForm.hexValue($1) ?? 0) }
    }
}
