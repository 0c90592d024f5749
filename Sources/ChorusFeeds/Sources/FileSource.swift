import ChorusCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Follows a growing file like `tail -F`: one document a line (JSON Lines by default).
///
/// The cursor is the file's identity (device and inode), the byte offset after the last delivered line and
/// that line's number. After a restart the source seeks to the offset when the path still names the same
/// file and it is at least that long; another inode means the file was rotated meanwhile and a shorter file
/// means it was truncated — either way reading starts at the beginning of what the path names now.
/// While running it notices rotation (the path names another inode once the open file is read to its end:
/// the old file is finished first, so no line is lost) and truncation (the file became shorter than what
/// was read). A line is delivered only once complete (ended by a newline), except the last line of a
/// file that was rotated away. A line longer than the document limit is rejected and skipped.
public actor FileSource: Source {
    /// The feed's name from the configuration.
    public nonisolated let name: String
    let path: String
    let parser: FeedParser
    let format: FeedFormat
    let pollInterval: Duration
    let limits: LineReader.Limits

    private let io: BlockingQueue
    private let doorbell = Doorbell()
    private var watcher: DirectoryWatcher?
    private var reader: LineReader?
    private var position: Position
    private var lastError: String?
    private var lastSuccess: Date?

    /// Where the source stands; the JSON of its cursor.
    struct Position: Codable, Sendable, Hashable {
        var device: UInt64?
        var inode: UInt64?
        var offset: Int64
        var line: Int
        /// The offset is inside an over-long line that was rejected: skip to its newline on resuming.
        var skipping: Bool?
    }

    /// - Parameters:
    ///   - cursor: the last committed cursor, `nil` to start at the beginning of the file.
    ///   - pollInterval: how often to look when inotify says nothing (a safety net; inotify wakes at once).
    public init(
        name: String, path: String, parser: FeedParser, format: FeedFormat = .jsonl, cursor: SourceCursor? = nil,
        pollInterval: Duration = .seconds(1), maximumBatchLines: Int = 1000, maximumBatchBytes: Int = 1 << 20
    ) throws {
        self.name = name
        self.path = path
        self.parser = parser
        self.format = format
        self.pollInterval = pollInterval
        self.limits = LineReader.Limits(
            lines: max(1, maximumBatchLines), bytes: max(1024, maximumBatchBytes),
            lineBytes: parser.options.maximumDocumentBytes)
        self.io = BlockingQueue(label: "chorus.source.file.\(name)")
        self.position = try cursor?.decode(Position.self, source: name) ?? Position(offset: 0, line: 0)
    }

    /// The next batch of complete lines, waiting (inotify, else the poll interval) until there is one.
    public func next() async throws -> SourceDelivery? {
        if watcher == nil {
            let directory = (path as NSString).deletingLastPathComponent
            watcher = DirectoryWatcher(directory: directory.isEmpty ? "." : directory, doorbell: doorbell)
        }
        while !Task.isCancelled {
            let before = position
            do {
                if let delivery = try await readBatch() {
                    lastError = nil
                    lastSuccess = Date()
                    return delivery
                }
            } catch {
                lastError = "\(error)"
                throw error
            }
            // Progress without a line (the rest of an over-long line skipped, a switch to a rotated-in
            // file): there may be more to read right away.
            if position != before { continue }
            await doorbell.wait(timeout: pollInterval)
        }
        return nil
    }

    /// Nothing to do: the cursor alone records progress in a file.
    public func acknowledge(_ delivery: SourceDelivery) async throws {}

    /// Bytes between the cursor and the end of the file the path names now.
    public func status() async -> SourceStatus {
        let path = self.path
        let position = self.position
        let size: Int64? = try? await io.run { () -> Int64? in
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            let same = position.inode == nil || (UInt64(info.st_ino) == position.inode && UInt64(info.st_dev) == position.device)
            return same ? max(0, Int64(info.st_size) - position.offset) : Int64(info.st_size)
        }
        return SourceStatus(backlog: size.flatMap { $0 }.map { Int($0) }, backlogUnit: "bytes", lastError: lastError,
                            lastSuccess: lastSuccess)
    }

    /// Stops watching and closes the file.
    public func close() {
        watcher?.stop()
        watcher = nil
        reader?.close()
        reader = nil
    }

    /// A batch of complete lines, or `nil` when there is nothing new yet.
    private func readBatch() async throws -> SourceDelivery? {
        let path = self.path
        let limits = self.limits
        let start = Step(reader: reader, position: position)
        let step = try await io.run { () throws -> Step in
            var step = start
            if step.reader == nil {
                guard let (opened, resumed) = try LineReader.open(path: path, resumingAt: step.position) else { return step }
                step.reader = opened
                step.position = resumed
            }
            guard let active = step.reader else { return step }
            let batch = try active.readBatch(limits: limits, path: path, position: step.position)
            step.reader = batch.reader
            step.position = batch.position
            step.lines = batch.lines
            step.oversized = batch.oversized
            return step
        }
        reader = step.reader
        position = step.position
        if step.lines.isEmpty && step.oversized.isEmpty { return nil }

        var result = ParseResult()
        var document = Data()
        for line in step.lines {
            document.append(line.bytes)
            document.append(0x0A)
            if format == .jsonl {
                JSONLinesParser(options: parser.options).parseLine(line.bytes, number: line.number, into: &result)
            } else {
                let parsed = parser.parse(line.bytes, format: format)
                result.events += parsed.events
                result.rejections += parsed.rejections.map {
                    Rejection(item: "line:\(line.number)" + ($0.item.map { "/\($0)" } ?? ""), reason: $0.reason)
                }
                result.notes += parsed.notes
                result.nonIncidents += parsed.nonIncidents
            }
        }
        for number in step.oversized {
            result.rejections.append(Rejection(item: "line:\(number)", reason: "the line is longer than \(limits.lineBytes) bytes"))
        }
        let numbers = step.lines.map(\.number) + step.oversized
        return SourceDelivery(
            origin: "\(path):\(numbers.min() ?? 0)-\(numbers.max() ?? 0)", document: document, result: result,
            cursor: try SourceCursor(encoding: step.position))
    }

    /// What one trip to the I/O queue takes and brings back.
    private struct Step: @unchecked Sendable {
        // @unchecked: the reader is only used on the source's serial I/O queue.
        var reader: LineReader?
        var position: Position
        var lines: [LineReader.Line] = []
        var oversized: [Int] = []
    }
}

/// The open file of a ``FileSource`` and the bytes read past the last complete line. Used only on the
/// source's serial I/O queue.
final class LineReader: @unchecked Sendable {
    // @unchecked: confined to the owning source's serial BlockingQueue.
    private var descriptor: Int32
    let device: UInt64
    let inode: UInt64
    /// Bytes read but not yet part of a delivered line.
    private var pending = Data()
    /// The file offset just after `pending`.
    private var readOffset: Int64
    /// An over-long line is being skipped until its newline.
    private var skipping = false

    struct Limits: Sendable {
        var lines: Int
        var bytes: Int
        var lineBytes: Int
    }

    struct Line: Sendable {
        var number: Int
        var bytes: Data
    }

    struct Batch {
        var lines: [Line] = []
        var oversized: [Int] = []
        var position: FileSource.Position
        var reader: LineReader
    }

    private init(descriptor: Int32, device: UInt64, inode: UInt64, offset: Int64) {
        self.descriptor = descriptor
        self.device = device
        self.inode = inode
        self.readOffset = offset
    }

    /// Opens `path` positioned for `position`: at its offset when it is the same file and long enough,
    /// else at the start. `nil` when the file does not exist (yet).
    static func open(path: String, resumingAt position: FileSource.Position) throws -> (LineReader, FileSource.Position)? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SourceError.io(source: "file", path: path, detail: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let detail = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SourceError.io(source: "file", path: path, detail: detail)
        }
        let device = UInt64(info.st_dev)
        let inode = UInt64(info.st_ino)
        var resumed = FileSource.Position(device: device, inode: inode, offset: 0, line: 0)
        let sameFile = position.inode == nil || (position.device == device && position.inode == inode)
        if sameFile && Int64(info.st_size) >= position.offset {
            resumed.offset = position.offset
            resumed.line = position.line
            resumed.skipping = position.skipping
        }
        guard lseek(fd, off_t(resumed.offset), SEEK_SET) >= 0 else {
            let detail = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SourceError.io(source: "file", path: path, detail: detail)
        }
        let reader = LineReader(descriptor: fd, device: device, inode: inode, offset: resumed.offset)
        reader.skipping = resumed.skipping ?? false
        return (reader, resumed)
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }

    /// Reads complete lines up to the limits, switching to the new file after a rotation and starting over
    /// after a truncation. The returned position is just after the last line returned.
    func readBatch(limits: Limits, path: String, position start: FileSource.Position) throws -> Batch {
        var batch = Batch(position: start, reader: self)
        var active = self
        var consumed = 0
        while batch.lines.count < limits.lines && consumed < limits.bytes {
            if let newline = active.pending.firstIndex(of: 0x0A) {
                let length = newline - active.pending.startIndex + 1
                let line = Data(active.pending[active.pending.startIndex..<newline])
                active.pending.removeSubrange(active.pending.startIndex...newline)
                batch.position.offset += Int64(length)
                batch.position.line += 1
                consumed += length
                if active.skipping {
                    active.skipping = false
                    batch.position.skipping = nil
                } else {
                    batch.lines.append(Line(number: batch.position.line, bytes: line))
                }
                continue
            }
            if active.pending.count > limits.lineBytes {
                // Too long to ever be a document: reject it once and skip to its newline.
                if !active.skipping { batch.oversized.append(batch.position.line + 1) }
                active.skipping = true
                batch.position.skipping = true
                batch.position.offset += Int64(active.pending.count)
                consumed += active.pending.count
                active.pending.removeAll()
            }
            if try active.readMore() > 0 { continue }

            // At the end of the open file. Truncated?
            var info = stat()
            if fstat(active.descriptor, &info) == 0, Int64(info.st_size) < active.readOffset {
                guard batch.lines.isEmpty && batch.oversized.isEmpty else { break }
                active.restartAtBeginning()
                batch.position = FileSource.Position(device: active.device, inode: active.inode, offset: 0, line: 0)
                continue
            }
            // Rotated? Only once everything so far is delivered, so the cursor never spans two files.
            var pathInfo = stat()
            let rotated = stat(path, &pathInfo) == 0
                && (UInt64(pathInfo.st_ino) != active.inode || UInt64(pathInfo.st_dev) != active.device)
            guard rotated, batch.lines.isEmpty, batch.oversized.isEmpty else { break }
            if !active.pending.isEmpty && !active.skipping {
                // The old file's last line, without a newline: nobody will finish it now.
                batch.position.line += 1
                batch.position.offset += Int64(active.pending.count)
                batch.lines.append(Line(number: batch.position.line, bytes: active.pending))
                active.pending.removeAll()
                break
            }
            let fresh = FileSource.Position(offset: 0, line: 0)
            guard let (next, position) = try LineReader.open(path: path, resumingAt: fresh) else { break }
            active.close()
            active = next
            batch.reader = next
            batch.position = position
        }
        return batch
    }

    private func restartAtBeginning() {
        lseek(descriptor, 0, SEEK_SET)
        readOffset = 0
        pending.removeAll()
        skipping = false
    }

    /// Reads up to 64 KiB more at the end of `pending`; returns how many bytes came.
    private func readMore() throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError.io(source: "file", path: "descriptor \(descriptor)", detail: String(cString: strerror(errno)))
            }
            if count > 0 {
                pending.append(contentsOf: buffer[0..<count])
                readOffset += Int64(count)
            }
            return count
        }
    }
}
