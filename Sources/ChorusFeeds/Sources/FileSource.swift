import ChorusCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Follows a growing file like `tail -F`: one document a line (JSON Lines by default).
///
/// The cursor is the file's identity — device and inode, and fingerprints of its content: its first bytes
/// and the bytes just before the offset — with the byte offset after the last delivered line and that
/// line's number. Reading resumes at the offset only when the path still names that file *with that
/// content*; so a file truncated and refilled in place, even to more than was read, is read again from its
/// start rather than from the middle of a line (what was already queued is found by its unique keys).
/// When the path names another file, the old one is looked for beside it by its inode (`events.jsonl.1`
/// after a `mv`, as `tail -F` and log shippers do): its unread lines are read to its end first, then the
/// new file from its start. While running, the source checks the same before every read: a file that got
/// shorter than what was read, or whose bytes changed under the reader, was truncated or rewritten and is
/// read again from its start; a path that names another file once the open one is read to its end was
/// rotated (the old file is finished first, so no line is lost). Each of these is reported through
/// `notice` (the daemon logs it). A line is delivered only once complete (ended by a newline), except the
/// last line of a file that was rotated away. A line longer than the document limit is rejected and skipped.
///
/// A zip archive at the path (GDELT's `*.export.CSV.zip`, for a source of any format but JSON Lines) is no
/// stream of lines: it is read whole as one document (``FeedParser`` opens it), once — its cursor is its
/// identity, size and fingerprints, so it is read again only when another or changed archive is there.
public actor FileSource: Source {
    /// The feed's name from the configuration.
    public nonisolated let name: String
    let path: String
    let parser: FeedParser
    let format: FeedFormat
    let pollInterval: Duration
    let limits: LineReader.Limits
    let notice: @Sendable (String, [String: String]) -> Void

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
        /// A fingerprint of the file's first `min(offset, 1 KiB)` bytes, to tell the same file from one
        /// truncated and written again in place.
        var head: String?
        /// A fingerprint of the `min(offset, 1 KiB)` bytes before the offset.
        var tail: String?
    }

    /// - Parameters:
    ///   - cursor: the last committed cursor, `nil` to start at the beginning of the file.
    ///   - pollInterval: how often to look when inotify says nothing (a safety net; inotify wakes at once).
    ///   - notice: told about truncation, rewriting and rotation (a message and its fields), for the log.
    public init(
        name: String, path: String, parser: FeedParser, format: FeedFormat = .jsonl, cursor: SourceCursor? = nil,
        pollInterval: Duration = .seconds(1), maximumBatchLines: Int = 1000, maximumBatchBytes: Int = 1 << 20,
        notice: @escaping @Sendable (String, [String: String]) -> Void = { _, _ in }
    ) throws {
        self.name = name
        self.path = path
        self.parser = parser
        self.format = format
        self.pollInterval = pollInterval
        self.notice = notice
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
        if format != .jsonl {
            let current = position
            if let archive = try await io.run({ try Self.readArchive(path: path, position: current, maximumBytes: limits.lineBytes) }) {
                reader?.close()
                reader = nil
                switch archive {
                case .unchanged:
                    return nil
                case .document(let data, let size, let next):
                    position = next
                    let result = data.map { parser.parse($0, format: format) } ?? ParseResult(rejections: [Rejection(
                        reason: "the archive is \(size) bytes, more than the limit of \(limits.lineBytes)")])
                    return SourceDelivery(origin: path, document: data ?? Data(), result: result, cursor: try SourceCursor(encoding: next))
                }
            }
        }
        let start = Step(reader: reader, position: position)
        let step = try await io.run { () throws -> Step in
            var step = start
            if step.reader == nil {
                guard let opened = try LineReader.open(path: path, resumingAt: step.position) else { return step }
                step.reader = opened.reader
                step.position = opened.position
                step.notices = opened.notices
            }
            guard let active = step.reader else { return step }
            let batch = try active.readBatch(limits: limits, path: path, position: step.position)
            step.reader = batch.reader
            step.position = batch.position
            step.lines = batch.lines
            step.oversized = batch.oversized
            step.notices += batch.notices
            return step
        }
        reader = step.reader
        position = step.position
        for (message, fields) in step.notices { notice(message, fields) }
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

    /// A zip archive at the path: unchanged since the cursor, or its bytes (`nil` when over the limit).
    enum ArchiveRead: Sendable {
        case unchanged
        case document(Data?, size: Int64, position: Position)
    }

    /// The archive at `path`, or `nil` when the path names no file or one that is not a zip archive.
    static func readArchive(path: String, position: Position, maximumBytes: Int) throws -> ArchiveRead? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SourceError.io(source: "file", path: path, detail: String(cString: strerror(errno)))
        }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SourceError.io(source: "file", path: path, detail: String(cString: strerror(errno))) }
        // A short read (an I/O error, the file cut under the reader) gives a cut-off archive, refused as one.
        func read(at offset: Int64, count: Int) -> Data { LineReader.read(fd, at: offset, count: count) }
        let size = Int64(info.st_size)
        guard size >= 4, ZipArchive.isArchive(read(at: 0, count: 4)) else { return nil }
        let count = Int(min(Int64(LineReader.fingerprintBytes), size))
        let next = Position(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), offset: size, line: 0,
                            head: LineReader.fingerprint(read(at: 0, count: count)),
                            tail: LineReader.fingerprint(read(at: size - Int64(count), count: count)))
        if next == position { return .unchanged }
        guard size <= Int64(maximumBytes) else { return .document(nil, size: size, position: next) }
        return .document(read(at: 0, count: Int(size)), size: size, position: next)
    }

    /// What one trip to the I/O queue takes and brings back.
    private struct Step: @unchecked Sendable {
        // @unchecked: the reader is only used on the source's serial I/O queue.
        var reader: LineReader?
        var position: Position
        var lines: [LineReader.Line] = []
        var oversized: [Int] = []
        var notices: [LineReader.Notice] = []
    }
}

/// The open file of a ``FileSource`` and the bytes read past the last complete line. Used only on the
/// source's serial I/O queue.
///
/// Besides the bytes not yet delivered, it keeps the file's first bytes and the last bytes it read (up to
/// ``fingerprintBytes`` each): before every read they must still be there, or the file was truncated or
/// written again under it.
final class LineReader: @unchecked Sendable {
    // @unchecked: confined to the owning source's serial BlockingQueue.
    private var descriptor: Int32
    let device: UInt64
    let inode: UInt64
    /// The name the file had when it was opened (the path, or the rotated file's name beside it).
    let openedAs: String
    /// Bytes read but not yet part of a delivered line.
    private var pending = Data()
    /// The file offset just after `pending`.
    private var readOffset: Int64
    /// An over-long line is being skipped until its newline.
    private var skipping = false
    /// The file's first bytes, up to ``fingerprintBytes``.
    private var head = Data()
    /// The last bytes read, just before `readOffset`, up to ``fingerprintBytes``.
    private var readTail = RecentBytes(limit: LineReader.fingerprintBytes)
    /// The last bytes consumed (delivered or skipped), just before the position's offset.
    private var consumedTail = RecentBytes(limit: LineReader.fingerprintBytes)

    /// How many bytes the content fingerprints cover, at the start of the file and before the offset.
    static let fingerprintBytes = 1024

    /// Something worth a log line: a message and its fields.
    typealias Notice = (String, [String: String])

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
        var notices: [Notice] = []
    }

    struct Opened {
        var reader: LineReader
        var position: FileSource.Position
        var notices: [Notice]
    }

    private init(descriptor: Int32, device: UInt64, inode: UInt64, offset: Int64, openedAs: String) {
        self.descriptor = descriptor
        self.device = device
        self.inode = inode
        self.readOffset = offset
        self.openedAs = openedAs
    }

    /// Opens the file for `position`: the path, at the offset when it is the same file with the same content;
    /// the rotated file beside the path when the path names another one (its rest is read first); else the
    /// path from its start. `nil` when the path does not exist (yet) and no rotated file is left to finish.
    static func open(path: String, resumingAt position: FileSource.Position) throws -> Opened? {
        var notices: [Notice] = []
        if let current = try openFile(path) {
            let sameFile = position.inode == nil || (position.device == current.device && position.inode == current.inode)
            if sameFile {
                if position.offset == 0 || current.contentMatches(position) {
                    return Opened(reader: current, position: try current.resume(at: position), notices: [])
                }
                notices.append(("the file was truncated or written again in place; reading it from its start",
                                ["path": path, "offset": "\(position.offset)", "line": "\(position.line)"]))
                return Opened(reader: current, position: try current.resume(at: FileSource.Position(offset: 0, line: 0)),
                              notices: notices)
            }
            if let rotated = try findRotated(beside: path, position: position) {
                notices.append(("the file was rotated; reading the rest of the old one first",
                                ["path": path, "rotated": rotated.openedAs, "offset": "\(position.offset)"]))
                return Opened(reader: rotated, position: try rotated.resume(at: position), notices: notices)
            }
            if position.offset > 0 {
                notices.append(("the file was replaced and the old one is not beside it any more; reading the new one from its start",
                                ["path": path, "offset": "\(position.offset)", "line": "\(position.line)"]))
            }
            return Opened(reader: current, position: try current.resume(at: FileSource.Position(offset: 0, line: 0)), notices: notices)
        }
        // The path is gone (rotated, the new file not created yet): finish the old one if it is still there.
        guard position.inode != nil, let rotated = try findRotated(beside: path, position: position) else { return nil }
        return Opened(reader: rotated, position: try rotated.resume(at: position), notices: [
            ("the file was rotated; reading the rest of the old one first", ["path": path, "rotated": rotated.openedAs]),
        ])
    }

    /// The file at `path`, open at its start; `nil` when it does not exist.
    private static func openFile(_ path: String) throws -> LineReader? {
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
        return LineReader(descriptor: fd, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), offset: 0, openedAs: path)
    }

    /// The file beside `path` (in its directory) that is the one `position` was in, with the content it
    /// had: a rotated file still to be finished.
    private static func findRotated(beside path: String, position: FileSource.Position) throws -> LineReader? {
        guard let device = position.device, let inode = position.inode else { return nil }
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        for name in names.sorted() {
            let candidate = (folder as NSString).appendingPathComponent(name)
            var info = stat()
            guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  UInt64(info.st_ino) == inode, UInt64(info.st_dev) == device,
                  let reader = try openFile(candidate) else { continue }
            if reader.contentMatches(position) { return reader }
            reader.close()
        }
        return nil
    }

    /// Whether the file still has, at `position`, the content the position was taken on: at least as long,
    /// the same first bytes and the same bytes before the offset (a cursor without fingerprints: a newline
    /// just before the offset, so that reading never starts in the middle of a line).
    func contentMatches(_ position: FileSource.Position) -> Bool {
        guard position.offset > 0 else { return true }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int64(info.st_size) >= position.offset else { return false }
        let count = Int(min(Int64(Self.fingerprintBytes), position.offset))
        if let head = position.head, Self.fingerprint(read(at: 0, count: count)) != head { return false }
        if let tail = position.tail {
            return Self.fingerprint(read(at: position.offset - Int64(count), count: count)) == tail
        }
        return position.skipping == true || read(at: position.offset - 1, count: 1) == Data([0x0A])
    }

    /// Positions the reader at `position` (already checked), loading the fingerprints' bytes.
    private func resume(at position: FileSource.Position) throws -> FileSource.Position {
        var resumed = FileSource.Position(device: device, inode: inode, offset: position.offset, line: position.line,
                                          skipping: position.skipping)
        guard lseek(descriptor, off_t(position.offset), SEEK_SET) >= 0 else {
            throw SourceError.io(source: "file", path: openedAs, detail: String(cString: strerror(errno)))
        }
        readOffset = position.offset
        skipping = position.skipping ?? false
        let count = Int(min(Int64(Self.fingerprintBytes), position.offset))
        head = read(at: 0, count: count)
        readTail.replace(with: read(at: position.offset - Int64(count), count: count))
        consumedTail = readTail
        resumed.head = position.offset > 0 ? Self.fingerprint(head) : nil
        resumed.tail = position.offset > 0 ? Self.fingerprint(consumedTail.bytes) : nil
        return resumed
    }

    /// What the fingerprint tails hold in storage, in bytes: bounded, however much was read.
    var tailCapacity: Int { readTail.capacity + consumedTail.capacity }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }

    /// Reads complete lines up to the limits, switching to the new file after a rotation and starting over
    /// after a truncation or a rewrite. The returned position is just after the last line returned.
    func readBatch(limits: Limits, path: String, position start: FileSource.Position) throws -> Batch {
        var batch = Batch(position: start, reader: self)
        var active = self
        var consumed = 0
        while batch.lines.count < limits.lines && consumed < limits.bytes {
            if let newline = active.pending.firstIndex(of: 0x0A) {
                let length = newline - active.pending.startIndex + 1
                let line = Data(active.pending[active.pending.startIndex..<newline])
                active.consume(active.pending[active.pending.startIndex...newline])
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
                active.consume(active.pending)
                active.pending.removeAll()
            }
            // Truncated or written again since the last read? Then what is pending is not in the file any
            // more: deliver what was read before, and start over.
            if !active.isUnchanged() {
                guard batch.lines.isEmpty && batch.oversized.isEmpty else { break }
                batch.notices.append(("the file was truncated or written again in place; reading it from its start",
                                      ["path": active.openedAs, "offset": "\(batch.position.offset)", "line": "\(batch.position.line)"]))
                batch.position = try active.resume(at: FileSource.Position(offset: 0, line: 0))
                active.pending.removeAll()
                continue
            }
            if try active.readMore() > 0 { continue }

            // At the end of the open file. Rotated? Only once everything so far is delivered, so the cursor
            // never spans two files.
            var pathInfo = stat()
            let rotated = stat(path, &pathInfo) == 0
                && (UInt64(pathInfo.st_ino) != active.inode || UInt64(pathInfo.st_dev) != active.device)
            guard rotated, batch.lines.isEmpty, batch.oversized.isEmpty else { break }
            if !active.pending.isEmpty && !active.skipping {
                // The old file's last line, without a newline: nobody will finish it now.
                batch.position.line += 1
                batch.position.offset += Int64(active.pending.count)
                active.consume(active.pending)
                batch.lines.append(Line(number: batch.position.line, bytes: active.pending))
                active.pending.removeAll()
                break
            }
            guard let next = try LineReader.openFile(path) else { break }
            batch.notices.append(("the file was rotated; the old one is read to its end, the new one from its start",
                                  ["path": path, "lines": "\(batch.position.line)"]))
            active.close()
            active = next
            batch.reader = next
            batch.position = try next.resume(at: FileSource.Position(offset: 0, line: 0))
        }
        if batch.position.offset > 0 {
            let count = min(Self.fingerprintBytes, Int(batch.position.offset))
            batch.position.head = Self.fingerprint(active.head.prefix(count))
            batch.position.tail = Self.fingerprint(active.consumedTail.bytes.suffix(count))
        }
        return batch
    }

    /// Records bytes consumed at the position's offset (for the tail fingerprint) and, at the start of the
    /// file, for the head.
    private func consume(_ bytes: Data) {
        consumedTail.append(bytes)
    }

    /// Whether the file is still at least as long as what was read, with the same first and last-read bytes.
    private func isUnchanged() -> Bool {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return true }  // a read error will say more
        if Int64(info.st_size) < readOffset { return false }
        if !head.isEmpty, read(at: 0, count: head.count) != head { return false }
        if !readTail.bytes.isEmpty,
           !read(at: readOffset - Int64(readTail.bytes.count), count: readTail.bytes.count).elementsEqual(readTail.bytes) { return false }
        return true
    }

    /// Up to `count` bytes at `offset`, without moving the file position.
    private func read(at offset: Int64, count: Int) -> Data { Self.read(descriptor, at: offset, count: count) }

    /// Up to `count` bytes of the open file `descriptor` at `offset` (fewer at its end or on an error).
    static func read(_ descriptor: Int32, at offset: Int64, count: Int) -> Data {
        guard count > 0, offset >= 0 else { return Data() }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress?.advanced(by: filled), count - filled, off_t(offset) + off_t(filled))
            }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            filled += got
        }
        return Data(buffer[0..<filled])
    }

    /// Reads up to 64 KiB more at the end of `pending`; returns how many bytes came.
    private func readMore() throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError.io(source: "file", path: openedAs, detail: String(cString: strerror(errno)))
            }
            if count > 0 {
                pending.append(contentsOf: buffer[0..<count])
                if head.count < Self.fingerprintBytes, readOffset == Int64(head.count) {
                    head.append(contentsOf: buffer[0..<min(count, Self.fingerprintBytes - head.count)])
                }
                readTail.append(buffer[0..<count])
                readOffset += Int64(count)
            }
            return count
        }
    }

    /// A short fingerprint of some bytes (the first 16 hex digits of their SHA-256).
    static func fingerprint(_ bytes: some Collection<UInt8>) -> String {
        String(SHA256.hex(bytes).prefix(16))
    }
}

/// The last `limit` bytes of everything appended, in storage that never grows past twice the limit.
///
/// Not `Data`: its `removeFirst(_:)` only moves the start of a slice over the same storage, which the next
/// `append` then grows — a tail kept that way holds every byte ever appended to it (a followed file's
/// fingerprint tails held a kilobyte of every line read: 335 MB after streaming 1 GB).
struct RecentBytes: Sendable, Equatable {
    let limit: Int
    /// At most `limit` bytes: the last ones appended.
    private(set) var bytes: [UInt8] = []

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Keeps the last `limit` bytes of what is kept and `more`.
    mutating func append(_ more: some Collection<UInt8>) {
        if more.count >= limit {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: more.suffix(limit))
            return
        }
        bytes.append(contentsOf: more)
        if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
    }

    /// Keeps the last `limit` bytes of `other` only.
    mutating func replace(with other: some Collection<UInt8>) {
        bytes.removeAll(keepingCapacity: true)
        append(other)
    }

    /// How many bytes the storage can hold without growing: what the tail costs in memory.
    var capacity: Int { bytes.capacity }
}
