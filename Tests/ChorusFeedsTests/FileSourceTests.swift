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
