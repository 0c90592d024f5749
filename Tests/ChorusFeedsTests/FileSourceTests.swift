import ChorusCore
import Foundation
import Testing
import TestSupport
@testable import ChorusFeeds

@Suite struct FileSourceTests {
    static func line(_ id: String) -> String { "{\"id\":\"\(id)\",\"kind\":\"flood\",\"countries\":[\"DE\"]}\n" }

    final class Scratch: @unchecked Sendable {
        let directory: URL
        let file: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-file-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            file = directory.appendingPathComponent("events.jsonl")
        }
        func append(_ text: String, to url: URL? = nil) throws {
            let target = url ?? file
            if !FileManager.default.fileExists(atPath: target.path) {
                _ = FileManager.default.createFile(atPath: target.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: target)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func source(_ scratch: Scratch, cursor: SourceCursor? = nil, poll: Duration = .milliseconds(50)) throws -> FileSource {
        try FileSource(name: "desk", path: scratch.file.path, parser: try Fixtures.parser(), cursor: cursor, pollInterval: poll)
    }

    static func next(_ source: FileSource) async throws -> SourceDelivery {
        let delivery = try await withTimeout(120) { try await source.next() }
        return try #require(delivery)
    }

    @Test func completeLinesOnlyThenResumeFromCursor() async throws {
        let scratch = try Scratch()
        try scratch.append(Self.line("a") + Self.line("b") + "{\"id\":\"c\",")
        let source = try Self.source(scratch)
        let first = try await Self.next(source)
        #expect(first.result.events.map(\.id) == ["a", "b"])
        #expect(first.origin == "\(scratch.file.path):1-2")
        let status = await source.status()
        #expect(status.backlog == "{\"id\":\"c\",".utf8.count && status.backlogUnit == "bytes")
        #expect(status.lastError == nil && status.lastSuccess != nil)

        try scratch.append("\"kind\":\"storm\"}\n")
        let second = try await Self.next(source)
        #expect(second.result.events.map(\.id) == ["c"])
        await source.close()

        // A restart from the committed cursor reads only what came after.
        try scratch.append(Self.line("d") + "not json\n")
        let restarted = try Self.source(scratch, cursor: second.cursor)
        let third = try await Self.next(restarted)
        #expect(third.result.events.map(\.id) == ["d"])
        #expect(third.result.rejections.map(\.item) == ["line:5"])
        await restarted.close()
    }

    @Test func rotationLosesNothing() async throws {
        let scratch = try Scratch()
        try scratch.append(Self.line("a"))
        let source = try Self.source(scratch)
        #expect(try await Self.next(source).result.events.map(\.id) == ["a"])

        // More lines land in the old file, then it is rotated, its last line unterminated.
        try scratch.append(Self.line("b") + "{\"id\":\"c\"}")
        let rotated = scratch.directory.appendingPathComponent("events.jsonl.1")
        try FileManager.default.moveItem(at: scratch.file, to: rotated)
        try scratch.append(Self.line("d"))

        var ids: [String] = []
        var cursor: SourceCursor?
        while ids.count < 3 {
            let delivery = try await Self.next(source)
            ids += delivery.result.events.map(\.id)
            cursor = delivery.cursor
        }
        #expect(ids == ["b", "c", "d"])
        let position = try #require(cursor).decode(FileSource.Position.self, source: "t")
        #expect(position.line == 1)
        #expect(position.offset == Int64(Self.line("d").utf8.count))
        await source.close()
    }

    @Test func truncationStartsOver() async throws {
        let scratch = try Scratch()
        try scratch.append(Self.line("a") + Self.line("b"))
        let source = try Self.source(scratch)
        #expect(try await Self.next(source).result.events.map(\.id) == ["a", "b"])
        // copytruncate-style rotation: the same inode, now empty, then written again.
        let handle = try FileHandle(forWritingTo: scratch.file)
        try handle.truncate(atOffset: 0)
        try handle.close()
        try? await Task.sleep(for: .milliseconds(120))
        try scratch.append(Self.line("c"))
        let delivery = try await Self.next(source)
        #expect(delivery.result.events.map(\.id) == ["c"])
        #expect(delivery.origin.hasSuffix(":1-1"))
        await source.close()
    }

    @Test func restartAfterRotationWhileDown() async throws {
        let scratch = try Scratch()
        try scratch.append(Self.line("a"))
        let source = try Self.source(scratch)
        let cursor = try await Self.next(source).cursor
        await source.close()
        try FileManager.default.moveItem(at: scratch.file, to: scratch.directory.appendingPathComponent("old"))
        try scratch.append(Self.line("x") + Self.line("y"))
        let restarted = try Self.source(scratch, cursor: cursor)
        #expect(try await Self.next(restarted).result.events.map(\.id) == ["x", "y"])
        await restarted.close()
    }

    @Test func inotifyWakesWithoutPolling() async throws {
        let scratch = try Scratch()
        try scratch.append("")
        // A poll interval far longer than the test's time limit: only inotify can deliver in time.
        let source = try Self.source(scratch, poll: .seconds(3600))
        let waiting = Task { try await source.next() }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        try scratch.append(Self.line("late"))
        let delivery = try await withTimeout(120) { try await waiting.value }
        #expect(delivery?.result.events.map(\.id) == ["late"])
        // Far below the poll interval, with room for a machine busy with other tests.
        #expect(ContinuousClock.now - started < .seconds(600))
        await source.close()
    }

    @Test func waitsForTheFileToAppearAndStopsOnCancel() async throws {
        let scratch = try Scratch()
        let source = try Self.source(scratch)
        let waiting = Task { try await source.next() }
        try await Task.sleep(for: .milliseconds(150))
        waiting.cancel()
        let result = try await withTimeout(120) { try await waiting.value }
        #expect(result == nil)
        await source.close()
    }

    @Test func overlongLineIsRejectedAndSkipped() async throws {
        let scratch = try Scratch()
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 100)
        try scratch.append(Self.line("a") + "{\"id\":\"" + String(repeating: "x", count: 150_000) + "\"}\n" + Self.line("b"))
        let source = try FileSource(name: "s", path: scratch.file.path, parser: FeedParser(options: options),
                                    pollInterval: .milliseconds(50))
        var events: [String] = []
        var rejections: [Rejection] = []
        while events.count < 2 {
            let delivery = try await Self.next(source)
            events += delivery.result.events.map(\.id)
            rejections += delivery.result.rejections
        }
        #expect(events == ["a", "b"])
        #expect(rejections == [Rejection(item: "line:2", reason: "the line is longer than 100 bytes")])
        await source.close()
    }

    @Test func hugeLineIsSkippedWithoutWaiting() async throws {
        let scratch = try Scratch()
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 100)
        try scratch.append(String(repeating: "y", count: 3_000_000) + "\n" + Self.line("b"))
        // Small batches and a poll interval longer than the test: skipping must not wait between chunks.
        let source = try FileSource(name: "s", path: scratch.file.path, parser: FeedParser(options: options),
                                    pollInterval: .seconds(3600), maximumBatchBytes: 1024)
        var events: [String] = []
        while events.isEmpty {
            events += try await Self.next(source).result.events.map(\.id)
        }
        #expect(events == ["b"])
        await source.close()
    }

    @Test func restartInsideARejectedOverlongLineSkipsItsRest() async throws {
        let scratch = try Scratch()
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 100)
        // The long line is still being written: its rejection is delivered before its newline exists.
        try scratch.append(Self.line("a") + "{\"id\":\"" + String(repeating: "x", count: 100_000))
        let source = try FileSource(name: "s", path: scratch.file.path, parser: FeedParser(options: options),
                                    pollInterval: .milliseconds(50))
        var cursor: SourceCursor?
        var rejected = false
        while !rejected {
            let delivery = try await Self.next(source)
            rejected = !delivery.result.rejections.isEmpty
            cursor = delivery.cursor
        }
        await source.close()
        try scratch.append(String(repeating: "x", count: 10) + "\"}\n" + Self.line("b"))
        let restarted = try FileSource(name: "s", path: scratch.file.path, parser: FeedParser(options: options),
                                       cursor: cursor, pollInterval: .milliseconds(50))
        let delivery = try await Self.next(restarted)
        #expect(delivery.result.events.map(\.id) == ["b"])
        #expect(delivery.result.rejections.isEmpty)
        #expect(delivery.origin.hasSuffix(":3-3"))
        await restarted.close()
    }
}

/// Truncation, rewriting and rotation that used to skip lines or start mid-line (issue 17, finding 3).
@Suite struct FileSourceRewriteTests {
    typealias Scratch = FileSourceTests.Scratch
    static func lines(_ prefix: String, _ range: Range<Int>) -> String { range.map { FileSourceTests.line("\(prefix)-\($0)") }.joined() }

    /// What a source noticed, for the tests.
    final class Notices: @unchecked Sendable {
        // @unchecked: `messages` is only touched under `lock`.
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }

    static func source(_ scratch: Scratch, cursor: SourceCursor? = nil, notices: Notices) throws -> FileSource {
        try FileSource(name: "desk", path: scratch.file.path, parser: try Fixtures.parser(), cursor: cursor,
                       pollInterval: .milliseconds(50), notice: { message, _ in notices.add(message) })
    }

    /// Everything the source delivers until `count` events came, with the rejections on the way.
    static func drain(_ source: FileSource, events count: Int) async throws -> (ids: [String], rejections: [Rejection], cursor: SourceCursor?) {
        var ids: [String] = []
        var rejections: [Rejection] = []
        var cursor: SourceCursor?
        while ids.count < count {
            let delivery = try await FileSourceTests.next(source)
            ids += delivery.result.events.map(\.id)
            rejections += delivery.result.rejections
            cursor = delivery.cursor
        }
        return (ids, rejections, cursor)
    }

    static func rewrite(_ file: URL, with text: String) throws {
        // Truncated and refilled in place, the same inode, in one go (as `cat new > file` does).
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func truncatedAndRefilledWithMoreWhileRunning() async throws {
        let scratch = try Scratch()
        let notices = Notices()
        try scratch.append(Self.lines("old", 0..<200))
        let source = try Self.source(scratch, notices: notices)
        #expect(try await Self.drain(source, events: 200).ids.count == 200)
        // Refilled with more than was read before the source looks again.
        try Self.rewrite(scratch.file, with: Self.lines("new", 0..<1000))
        let (ids, rejections, cursor) = try await Self.drain(source, events: 1000)
        #expect(ids == (0..<1000).map { "new-\($0)" })
        #expect(rejections.isEmpty, "\(rejections)")
        #expect(try #require(cursor).decode(FileSource.Position.self, source: "t").line == 1000)
        #expect(notices.all.contains { $0.hasPrefix("the file was truncated or written again") }, "\(notices.all)")
        await source.close()
    }

    @Test func truncatedAndRefilledWithMoreWhileDown() async throws {
        let scratch = try Scratch()
        let notices = Notices()
        try scratch.append(Self.lines("old", 0..<200))
        let first = try Self.source(scratch, notices: notices)
        let cursor = try await Self.drain(first, events: 200).cursor
        await first.close()
        try Self.rewrite(scratch.file, with: Self.lines("new", 0..<300))
        let restarted = try Self.source(scratch, cursor: cursor, notices: notices)
        let (ids, rejections, _) = try await Self.drain(restarted, events: 300)
        #expect(ids == (0..<300).map { "new-\($0)" })
        #expect(rejections.isEmpty, "\(rejections)")
        #expect(notices.all.contains { $0.hasPrefix("the file was truncated or written again") }, "\(notices.all)")
        await restarted.close()
    }

    @Test func rotatedWhileDownTheUnreadLinesOfTheOldFileComeFirst() async throws {
        let scratch = try Scratch()
        let notices = Notices()
        try scratch.append(Self.lines("a", 0..<10))
        let first = try Self.source(scratch, notices: notices)
        let cursor = try await Self.drain(first, events: 10).cursor
        await first.close()
        // While down: 100 more lines, then rotated (mv) and a new file started.
        try scratch.append(Self.lines("a", 10..<110))
        try FileManager.default.moveItem(at: scratch.file, to: scratch.directory.appendingPathComponent("events.jsonl.1"))
        try scratch.append(Self.lines("b", 0..<50))
        let restarted = try Self.source(scratch, cursor: cursor, notices: notices)
        let (ids, rejections, _) = try await Self.drain(restarted, events: 150)
        #expect(ids == (10..<110).map { "a-\($0)" } + (0..<50).map { "b-\($0)" })
        #expect(rejections.isEmpty)
        #expect(notices.all.contains { $0.hasPrefix("the file was rotated") }, "\(notices.all)")
        // The cursor now points into the new file: a restart reads nothing again.
        await restarted.close()
    }

    @Test func rotatedAndGoneWhileDownIsSaid() async throws {
        let scratch = try Scratch()
        let notices = Notices()
        try scratch.append(Self.lines("a", 0..<10))
        let first = try Self.source(scratch, notices: notices)
        let cursor = try await Self.drain(first, events: 10).cursor
        await first.close()
        try FileManager.default.removeItem(at: scratch.file)
        try scratch.append(Self.lines("b", 0..<5))
        let restarted = try Self.source(scratch, cursor: cursor, notices: notices)
        #expect(try await Self.drain(restarted, events: 5).ids == (0..<5).map { "b-\($0)" })
        // Said either way: the old inode gone, or reused by the new file (its content tells them apart).
        #expect(notices.all.contains { $0.hasPrefix("the file was replaced and the old one is not beside it")
            || $0.hasPrefix("the file was truncated or written again") }, "\(notices.all)")
        await restarted.close()
    }

    /// A cursor of an older Chorus (no fingerprints) over a file rewritten in place: never mid-line.
    @Test func anOldCursorNeverResumesMidLine() async throws {
        let scratch = try Scratch()
        let notices = Notices()
        try scratch.append(Self.lines("new", 0..<40))
        let old = #"{"device":\#(try Self.identity(scratch.file).device),"inode":\#(try Self.identity(scratch.file).inode),"line":3,"offset":101}"#
        let source = try Self.source(scratch, cursor: SourceCursor(json: old), notices: notices)
        let (ids, rejections, _) = try await Self.drain(source, events: 40)
        #expect(ids == (0..<40).map { "new-\($0)" })
        #expect(rejections.isEmpty)
        await source.close()
    }

    static func identity(_ file: URL) throws -> (device: UInt64, inode: UInt64) {
        var info = stat()
        guard stat(file.path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}

/// A followed file is streamed, not kept: what the reader holds besides the lines it hands out stays a few
/// kilobytes however many lines it reads (its fingerprint tails once kept a kilobyte of every line).
@Suite struct LineReaderMemoryTests {
    @Test func fingerprintTailsStayBoundedOverManyLines() throws {
        let scratch = try FileSourceTests.Scratch()
        let padding = String(repeating: "x", count: 1_500)
        var text = ""
        for index in 0..<6_000 { text += "{\"id\":\"m-\(index)\",\"note\":\"\(padding)\"}\n" }
        try scratch.append(text)
        let opened = try #require(try LineReader.open(path: scratch.file.path, resumingAt: FileSource.Position(offset: 0, line: 0)))
        var reader = opened.reader
        var position = opened.position
        var lines = 0
        var largest = 0
        while true {
            let batch = try reader.readBatch(limits: .init(lines: 100, bytes: 1 << 20, lineBytes: 1 << 20),
                                             path: scratch.file.path, position: position)
            if batch.lines.isEmpty { break }
            lines += batch.lines.count
            reader = batch.reader
            position = batch.position
            largest = max(largest, reader.tailCapacity)
        }
        #expect(lines == 6_000)
        // Two tails of 1 KiB each, with room to append before trimming: never megabytes.
        #expect(largest <= 8 * LineReader.fingerprintBytes, "the tails hold \(largest) bytes after \(lines) lines")
        reader.close()
    }

    @Test func recentBytesKeepsTheLastBytesInBoundedStorage() {
        var recent = RecentBytes(limit: 16)
        var everything: [UInt8] = []
        var capacities: [Int] = []
        for round in 0..<10_000 {
            let chunk = (0..<(round % 23)).map { UInt8(truncatingIfNeeded: round &+ $0) }
            recent.append(chunk)
            everything += chunk
            capacities.append(recent.capacity)
        }
        #expect(recent.bytes == Array(everything.suffix(16)))
        #expect((capacities.max() ?? 0) <= 4 * 16)
        recent.replace(with: [1, 2, 3])
        #expect(recent.bytes == [1, 2, 3])
    }
}
