import ChorusCore
import CZlib
import Foundation
import Testing
import TestSupport
@testable import ChorusFeeds

/// Zipped GDELT exports (`*.export.CSV.zip`): the same events as the unzipped file, and garbage that costs
/// only its document, with a reason.
@Suite struct ZipArchiveTests {
    static let csvName = "gdelt2_events_2015-02-18_2020-03-18_100rows.export.CSV"

    /// Writes a one-or-more-member PKZIP archive the way streaming writers do (sizes and CRC in a data
    /// descriptor after the data, zero in the local header) or the way `zip` does (sizes in both).
    struct Writer {
        struct Entry {
            var name: String
            var data: [UInt8]
            var method: UInt16 = 8
            var flags: UInt16 = 0
            /// Overrides of what the directory declares, to write lying archives.
            var declaredSize: UInt32? = nil
            var declaredCRC: UInt32? = nil
        }

        static func deflate(_ input: [UInt8]) -> [UInt8] {
            var stream = z_stream()
            _ = deflateInit2_(&stream, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            defer { deflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
            var source = input
            let written = source.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_in = inBuffer.baseAddress
                    stream.avail_in = uInt(inBuffer.count)
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    _ = CZlib.deflate(&stream, Z_FINISH)
                    return outBuffer.count - Int(stream.avail_out)
                }
            }
            return Array(output.prefix(written))
        }

        static func crc(_ bytes: [UInt8]) -> UInt32 {
            bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        }

        static func archive(_ entries: [Entry], descriptor: Bool) -> Data {
            var out: [UInt8] = []
            var directory: [UInt8] = []
            func u16(_ value: UInt16, _ into: inout [UInt8]) { into += [UInt8(value & 0xFF), UInt8(value >> 8)] }
            func u32(_ value: UInt32, _ into: inout [UInt8]) { for shift in stride(from: 0, to: 32, by: 8) { into.append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
            for entry in entries {
                let body = entry.method == 8 ? deflate(entry.data) : entry.data
                let crc = entry.declaredCRC ?? crc(entry.data)
                let size = entry.declaredSize ?? UInt32(entry.data.count)
                let flags = entry.flags | (descriptor ? 8 : 0)
                let offset = UInt32(out.count)
                let name = Array(entry.name.utf8)
                u32(0x0403_4B50, &out); u16(20, &out); u16(flags, &out); u16(entry.method, &out); u16(0, &out); u16(0x5A21, &out)
                u32(descriptor ? 0 : crc, &out); u32(descriptor ? 0 : UInt32(body.count), &out); u32(descriptor ? 0 : size, &out)
                u16(UInt16(name.count), &out); u16(0, &out); out += name; out += body
                if descriptor { u32(0x0807_4B50, &out); u32(crc, &out); u32(UInt32(body.count), &out); u32(size, &out) }
                u32(0x0201_4B50, &directory); u16(0x031E, &directory); u16(20, &directory); u16(flags, &directory)
                u16(entry.method, &directory); u16(0, &directory); u16(0x5A21, &directory); u32(crc, &directory)
                u32(UInt32(body.count), &directory); u32(size, &directory); u16(UInt16(name.count), &directory)
                u16(0, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory); u32(0, &directory)
                u32(offset, &directory); directory += name
            }
            let start = UInt32(out.count)
            out += directory
            u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(UInt16(entries.count), &out); u16(UInt16(entries.count), &out)
            u32(UInt32(directory.count), &out); u32(start, &out); u16(0, &out)
            return Data(out)
        }
    }

    static func gdelt(_ data: Data, maximumBytes: Int = ParserOptions.defaultMaximumDocumentBytes) throws -> ParseResult {
        FeedParser(options: ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: maximumBytes)).parse(data)
    }

    /// What a test compares: the events as JSON lines, and the rejections.
    static func same(_ zipped: ParseResult, _ plain: ParseResult) throws {
        #expect(!plain.events.isEmpty)
        #expect(try zipped.events.map { try $0.jsonLine() } == plain.events.map { try $0.jsonLine() })
        #expect(zipped.rejections == plain.rejections)
        #expect(zipped.nonIncidents == plain.nonIncidents)
    }

    @Test func anArchiveWrittenByZipGivesTheEventsOfTheUnzippedFile() throws {
        let zipped = try Fixtures.data(Self.csvName + ".zip")
        #expect(ZipArchive.isArchive(zipped))
        try Self.same(try Self.gdelt(zipped), try Self.gdelt(try Fixtures.data(Self.csvName)))
    }

    /// A 15-minute GDELT export is 1,000–4,000 rows (about 1 MB unzipped): 3,000 rows, each sample row again
    /// under a new GlobalEventID.
    static func realSizeExport() throws -> [UInt8] {
        let rows = String(decoding: try Fixtures.data(Self.csvName), as: UTF8.self).split(separator: "\n")
        var text = ""
        for copy in 0..<30 {
            for row in rows {
                let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
                text += "\(Int(fields[0]).map { $0 + copy * 10_000_000_000 } ?? 0)\t" + fields.dropFirst().joined(separator: "\t") + "\n"
            }
        }
        return Array(text.utf8)
    }

    @Test(arguments: [(UInt16(8), true), (UInt16(8), false), (UInt16(0), false)])
    func aRealSizeExportZippedStoredOrStreamed(_ method: UInt16, _ descriptor: Bool) throws {
        let csv = try Self.realSizeExport()
        #expect(csv.count > 1_000_000)
        let archive = Writer.archive([.init(name: "20240101120000.export.CSV", data: csv, method: method)], descriptor: descriptor)
        if method == 8 { #expect(archive.count < csv.count / 3) }
        let zipped = try Self.gdelt(archive)
        let plain = try Self.gdelt(Data(csv))
        try Self.same(zipped, plain)
        #expect(zipped.events.count >= 100)
    }

    @Test func aZipBombCostsOnlyItself() throws {
        let zeros = [UInt8](repeating: 0x30, count: 3_000_000)
        // Declared honestly: refused before inflating.
        let honest = Writer.archive([.init(name: "bomb.CSV", data: zeros)], descriptor: false)
        #expect(honest.count < 10_000)
        let first = try Self.gdelt(honest, maximumBytes: 1_000_000)
        #expect(first.events.isEmpty && first.rejections.count == 1)
        #expect(first.rejections.first?.reason.contains("inflates to 3000000 bytes, more than the limit of 1000000") == true,
                "\(first.rejections)")
        // Declared small: inflating stops at the limit.
        let lying = Writer.archive([.init(name: "bomb.CSV", data: zeros, declaredSize: 100)], descriptor: true)
        let second = try Self.gdelt(lying, maximumBytes: 1_000_000)
        #expect(second.rejections.first?.reason.contains("inflates to more than the limit of 1000000 bytes") == true,
                "\(second.rejections)")
    }

    @Test func garbageArchivesAreRefusedWithAReason() throws {
        let csv = Array(try Fixtures.data(Self.csvName))
        let good = Array(Writer.archive([.init(name: "a.CSV", data: csv)], descriptor: false))
        var flipped = good
        flipped[200] ^= 0x55  // inside the deflated data
        let badCRC = Writer.archive([.init(name: "a.CSV", data: csv, declaredCRC: 0x1234_5678)], descriptor: false)
        let cases: [(String, Data)] = [
            ("cut off", Data(good.prefix(good.count / 2))),
            ("no end-of-central-directory", Data(good.prefix(10))),
            ("'a.CSV'", Data(flipped)),  // does not inflate, or not to its length or CRC-32: each names the member
            ("CRC-32", badCRC),
            ("holds 2 files", Writer.archive([.init(name: "a.CSV", data: csv), .init(name: "b.CSV", data: csv)], descriptor: false)),
            ("holds no file", Writer.archive([], descriptor: false)),
            ("encrypted", Writer.archive([.init(name: "a.CSV", data: csv, flags: 1)], descriptor: false)),
            ("method 12", Writer.archive([.init(name: "a.CSV", data: csv, method: 12)], descriptor: false)),
            ("not the 5", Writer.archive([.init(name: "a.CSV", data: Array(csv.prefix(10)), method: 0, declaredSize: 5)], descriptor: false)),
            ("another archive", Writer.archive([.init(name: "inner.zip", data: good)], descriptor: false)),
            ("cut off", Data([0x50, 0x4B, 3, 4] + [UInt8](repeating: 0xEE, count: 300))),
        ]
        for (expected, data) in cases {
            let result = try Self.gdelt(data)
            #expect(result.events.isEmpty, "\(expected)")
            #expect(result.rejections.count == 1, "\(expected): \(result.rejections)")
            let reason = result.rejections.first?.reason ?? ""
            #expect(reason.hasPrefix("the zip archive"), "\(expected): \(reason)")
            #expect(reason.contains(expected), "\(expected): \(reason)")
        }
    }

    // MARK: Through the sources

    final class Scratch: @unchecked Sendable {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-zip-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func aFileSourceReadsAZippedExportWholeAndOnce() async throws {
        let scratch = try Scratch()
        let path = scratch.directory.appendingPathComponent("20150218230000.export.CSV.zip")
        let zipped = try Fixtures.data(Self.csvName + ".zip")
        try zipped.write(to: path)
        let source = try FileSource(name: "gdelt", path: path.path, parser: try Fixtures.parser(), format: .gdelt,
                                    pollInterval: .milliseconds(50))
        let first = try #require(try await withTimeout(120) { try await source.next() })
        try Self.same(first.result, try Self.gdelt(try Fixtures.data(Self.csvName)))
        #expect(first.document == zipped)
        // Read once: the cursor names this archive; a source resuming from it finds nothing new.
        let resumed = try FileSource(name: "gdelt", path: path.path, parser: try Fixtures.parser(), format: .gdelt,
                                     cursor: first.cursor, pollInterval: .milliseconds(50))
        let nothing = Task { try await resumed.next() }
        try await Task.sleep(for: .milliseconds(300))
        nothing.cancel()
        #expect(try await nothing.value == nil)
        await resumed.close()
        // The next export under the same name (written and renamed into place) is read.
        let next = Writer.archive([.init(name: "20150218231500.export.CSV", data: Array(try Fixtures.data(Self.csvName).prefix(4000)))],
                                  descriptor: true)
        try next.write(to: scratch.directory.appendingPathComponent("next.tmp"))
        #expect(rename(scratch.directory.appendingPathComponent("next.tmp").path, path.path) == 0)
        let second = try #require(try await withTimeout(120) { try await source.next() })
        #expect(second.document == next)
        #expect(!second.result.events.isEmpty || !second.result.rejections.isEmpty)
        await source.close()
    }

    @Test func aSpoolSourceReadsAZippedExport() async throws {
        let scratch = try Scratch()
        try Fixtures.data(Self.csvName + ".zip").write(to: scratch.directory.appendingPathComponent("20150218230000.export.CSV.zip"))
        let source = try SpoolSource(name: "spool", directory: scratch.directory, parser: try Fixtures.parser(),
                                     pollInterval: .milliseconds(50))
        let delivery = try #require(try await withTimeout(120) { try await source.next() })
        try Self.same(delivery.result, try Self.gdelt(try Fixtures.data(Self.csvName)))
    }

    @Test func anHTTPSourceReadsAZippedExport() async throws {
        let server = try TestHTTPServer(script: [
            .respond(status: 200, headers: ["Content-Type": "application/zip"], body: try Fixtures.data(Self.csvName + ".zip")),
        ])
        defer { server.stop() }
        let source = try HTTPSource(
            name: "gdelt", configuration: .init(url: server.url, interval: .milliseconds(50), timeout: .seconds(5)),
            parser: try Fixtures.parser())
        let delivery = try #require(try await withTimeout(120) { try await source.next() })
        try Self.same(delivery.result, try Self.gdelt(try Fixtures.data(Self.csvName)))
    }
}
