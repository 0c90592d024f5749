import CZlib
import Foundation

/// The one member of a PKZIP archive, as GDELT publishes its exports (`*.export.CSV.zip`).
///
/// Read from the archive's own structures, nothing else: the end-of-central-directory record (found from
/// the end, behind a comment of up to 64 KiB), the central directory entry of the member (its method, sizes
/// and CRC-32, which the local header may leave to a data descriptor), and the member's local header (where
/// its data starts). Members are stored (method 0) or deflated (method 8, raw inflate through zlib's
/// `inflateInit2` with −15 window bits). What costs only the document, with a reason:
/// - an archive of more than one member (directories aside), an encrypted member, ZIP64, another method;
/// - a member that inflates to more than `maximumBytes` — declared so, or found so while inflating (a zip
///   bomb stops at the limit; its declared size is not believed);
/// - a member whose bytes do not inflate, whose length is not the declared one, or whose CRC-32 differs.
public enum ZipArchive {
    /// Why an archive cannot be read.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
        init(_ reason: String) { self.reason = reason }
    }

    /// Whether `data` begins like a PKZIP archive (a local file header, or the record of an empty one).
    public static func isArchive(_ data: Data) -> Bool {
        data.count >= 4 && data.starts(with: [0x50, 0x4B]) && (data.dropFirst(2).starts(with: [3, 4]) || data.dropFirst(2).starts(with: [5, 6]))
    }

    /// The bytes of the archive's only member, at most `maximumBytes` of them.
    public static func onlyMember(of data: Data, maximumBytes: Int) throws(Failure) -> (name: String, data: Data) {
        let bytes = [UInt8](data)
        let directory = try centralDirectory(bytes)
        var members: [Member] = []
        var offset = directory.offset
        for index in 0..<directory.entries {
            guard offset + 46 <= bytes.count, read32(bytes, offset) == 0x0201_4B50 else {
                throw Failure("central directory entry \(index + 1) is damaged")
            }
            let nameLength = Int(read16(bytes, offset + 28))
            let extraLength = Int(read16(bytes, offset + 30))
            let commentLength = Int(read16(bytes, offset + 32))
            guard offset + 46 + nameLength <= bytes.count else { throw Failure("central directory entry \(index + 1) is cut off") }
            let name = String(decoding: bytes[offset + 46 ..< offset + 46 + nameLength], as: UTF8.self)
            let member = Member(
                name: name, flags: read16(bytes, offset + 8), method: read16(bytes, offset + 10), crc: read32(bytes, offset + 16),
                compressedSize: read32(bytes, offset + 20), size: read32(bytes, offset + 24),
                localHeader: read32(bytes, offset + 42))
            if !name.hasSuffix("/") { members.append(member) }
            offset += 46 + nameLength + extraLength + commentLength
        }
        guard let member = members.first else { throw Failure("the archive holds no file") }
        guard members.count == 1 else {
            throw Failure("the archive holds \(members.count) files; a feed archive holds one")
        }
        if member.flags & 1 != 0 { throw Failure("\(quoted(member.name)) is encrypted") }
        if member.size == 0xFFFF_FFFF || member.compressedSize == 0xFFFF_FFFF || member.localHeader == 0xFFFF_FFFF {
            throw Failure("\(quoted(member.name)) is a ZIP64 member, which is not read")
        }
        if Int(member.size) > maximumBytes {
            throw Failure("\(quoted(member.name)) inflates to \(member.size) bytes, more than the limit of \(maximumBytes)")
        }
        let local = Int(member.localHeader)
        guard local + 30 <= bytes.count, read32(bytes, local) == 0x0403_4B50 else {
            throw Failure("the local header of \(quoted(member.name)) is missing")
        }
        let start = local + 30 + Int(read16(bytes, local + 26)) + Int(read16(bytes, local + 28))
        let end = start + Int(member.compressedSize)
        guard end <= bytes.count else { throw Failure("\(quoted(member.name)) is cut off: the archive ends inside it") }
        let content: [UInt8]
        switch member.method {
        case 0:
            content = Array(bytes[start..<end])
        case 8:
            content = try inflate(bytes[start..<end], maximumBytes: maximumBytes, name: member.name)
        default:
            throw Failure("\(quoted(member.name)) is compressed with method \(member.method); only stored (0) and deflate (8) are read")
        }
        guard content.count == Int(member.size) else {
            throw Failure("\(quoted(member.name)) holds \(content.count) bytes, not the \(member.size) its archive declares")
        }
        let crc = content.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == member.crc else {
            throw Failure("\(quoted(member.name)) fails its CRC-32 check (damaged in transit?)")
        }
        return (member.name, Data(content))
    }

    private struct Member {
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc: UInt32
        var compressedSize: UInt32
        var size: UInt32
        var localHeader: UInt32
    }

    /// The end-of-central-directory record: where the directory starts and how many entries it has.
    private static func centralDirectory(_ bytes: [UInt8]) throws(Failure) -> (offset: Int, entries: Int) {
        guard bytes.count >= 22 else { throw Failure("the archive is cut off: no end-of-central-directory record") }
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while position >= lowest {
            if read32(bytes, position) == 0x0605_4B50, position + 22 + Int(read16(bytes, position + 20)) == bytes.count {
                let entries = read16(bytes, position + 10)
                let offset = read32(bytes, position + 16)
                if entries == 0xFFFF || offset == 0xFFFF_FFFF { throw Failure("ZIP64 archives are not read") }
                guard Int(offset) <= position else { throw Failure("the end-of-central-directory record points outside the archive") }
                return (Int(offset), Int(entries))
            }
            position -= 1
        }
        throw Failure("the archive is cut off: no end-of-central-directory record")
    }

    /// Raw deflate, stopping as soon as the output would pass `maximumBytes`.
    private static func inflate(_ input: ArraySlice<UInt8>, maximumBytes: Int, name: String) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure("zlib cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var copy = Array(input)
        copy.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: buffer[0 ..< buffer.count - Int(stream.avail_out)])
                }
            } while status == Z_OK && output.count <= maximumBytes && !(stream.avail_in == 0 && stream.avail_out != 0)
        }
        if output.count > maximumBytes {
            throw Failure("\(quoted(name)) inflates to more than the limit of \(maximumBytes) bytes")
        }
        guard status == Z_STREAM_END else {
            throw Failure("\(quoted(name)) does not inflate: " + (status == Z_OK || status == Z_BUF_ERROR
                ? "its compressed data ends early" : "its compressed data is damaged"))
        }
        return output
    }

    private static func read16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    private static func quoted(_ name: String) -> String { "'\(name.prefix(100))'" }
}
