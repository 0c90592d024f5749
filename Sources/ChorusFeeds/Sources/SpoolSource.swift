import ChorusCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A spool directory: every new file is one document, taken in name order.
///
/// A file is moved to `processed/` (or to `failed/` when the whole document was rejected) only when the
/// consumer acknowledges it, after the transaction that recorded it committed. The cursor names the files
/// delivered but not yet acknowledged, with their outcome; after a crash between the commit and the move,
/// the restarted source finds them in the cursor and moves them without delivering them again.
///
/// Writers should create files under a name starting with `.` or ending in `.tmp` or `.part` and rename
/// them when complete: such names are ignored, as are directories.
public actor SpoolSource: Source {
    /// The feed's name from the configuration.
    public nonisolated let name: String
    let directory: URL
    let parser: FeedParser
    let format: FeedFormat
    let pollInterval: Duration

    private let io: BlockingQueue
    private let doorbell = Doorbell()
    private var watcher: DirectoryWatcher?
    private var inFlight: [Entry] = []
    private var recovered: [Entry]
    private var lastError: String?
    private var lastSuccess: Date?

    /// A delivered, unacknowledged file; the cursor is the list of them.
    struct Entry: Codable, Sendable, Hashable {
        var file: String
        var failed: Bool
    }

    struct State: Codable, Sendable, Hashable {
        var inFlight: [Entry]
    }

    /// The folder acknowledged documents move to.
    public nonisolated var processedDirectory: URL { directory.appendingPathComponent("processed", isDirectory: true) }
    /// The folder documents that were rejected entirely move to.
    public nonisolated var failedDirectory: URL { directory.appendingPathComponent("failed", isDirectory: true) }

    public init(
        name: String, directory: URL, parser: FeedParser, format: FeedFormat = .auto, cursor: SourceCursor? = nil,
        pollInterval: Duration = .seconds(1)
    ) throws {
        self.name = name
        self.directory = directory
        self.parser = parser
        self.format = format
        self.pollInterval = pollInterval
        self.io = BlockingQueue(label: "chorus.source.spool.\(name)")
        self.recovered = try cursor?.decode(State.self, source: name).inFlight ?? []
    }

    /// The next file in name order, waiting (inotify, else the poll interval) until there is one.
    public func next() async throws -> SourceDelivery? {
        if watcher == nil {
            try await prepare()
            watcher = DirectoryWatcher(directory: directory.path, doorbell: doorbell)
        }
        while !Task.isCancelled {
            do {
                if let delivery = try await take() {
                    lastError = nil
                    lastSuccess = Date()
                    return delivery
                }
            } catch {
                lastError = "\(error)"
                throw error
            }
            await doorbell.wait(timeout: pollInterval)
        }
        return nil
    }

    /// Moves the delivered file to `processed/` or `failed/`; call after the transaction committed.
    public func acknowledge(_ delivery: SourceDelivery) async throws {
        guard let entry = inFlight.first(where: { $0.file == delivery.origin }) else { return }
        try await move(entry)
        inFlight.removeAll { $0 == entry }
    }

    /// Files waiting in the spool (not counting those delivered and not yet acknowledged).
    public func status() async -> SourceStatus {
        let directory = self.directory
        let skip = Set(inFlight.map(\.file))
        let count: Int? = try? await io.run {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            return names.filter { Self.isDocumentName($0) && !skip.contains($0) }.count { name in
                var info = stat()
                return stat(directory.appendingPathComponent(name).path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
            }
        }
        return SourceStatus(backlog: count, backlogUnit: "files", lastError: lastError, lastSuccess: lastSuccess)
    }

    /// Stops watching the directory.
    public func close() {
        watcher?.stop()
        watcher = nil
    }

    /// Creates the folders and finishes the moves a crash interrupted.
    private func prepare() async throws {
        let directory = self.directory
        let name = self.name
        let folders = [processedDirectory, failedDirectory]
        try await io.run {
            for folder in folders {
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                } catch {
                    throw SourceError.io(source: name, path: folder.path, detail: error.localizedDescription)
                }
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SourceError.io(source: name, path: directory.path, detail: "is not a directory")
            }
        }
        for entry in recovered { try await move(entry) }
        recovered = []
    }

    private func take() async throws -> SourceDelivery? {
        let directory = self.directory
        let skip = Set(inFlight.map(\.file))
        let limit = parser.options.maximumDocumentBytes
        let name = self.name
        let found: (file: String, data: Data?, problem: String?)? = try await io.run {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            } catch {
                throw SourceError.io(source: name, path: directory.path, detail: error.localizedDescription)
            }
            for file in names.sorted() where !skip.contains(file) && Self.isDocumentName(file) {
                let path = directory.appendingPathComponent(file).path
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                if Int(info.st_size) > limit {
                    return (file, nil, "the document is \(info.st_size) bytes, more than the limit of \(limit)")
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    return (file, nil, "cannot read the file: \(String(cString: strerror(errno)))")
                }
                return (file, data, nil)
            }
            return nil
        }
        guard let found else { return nil }
        let result = found.data.map { parser.parse($0, format: format) }
            ?? ParseResult(rejections: [Rejection(reason: found.problem ?? "cannot read the file")])
        inFlight.append(Entry(file: found.file, failed: result.isRejectedEntirely))
        return SourceDelivery(
            origin: found.file, document: found.data ?? Data(), result: result,
            cursor: try SourceCursor(encoding: State(inFlight: inFlight)))
    }

    static func isDocumentName(_ file: String) -> Bool {
        !file.hasPrefix(".") && !file.hasSuffix(".tmp") && !file.hasSuffix(".part")
            && file != "processed" && file != "failed"
    }

    private func move(_ entry: Entry) async throws {
        let source = directory.appendingPathComponent(entry.file)
        let folder = entry.failed ? failedDirectory : processedDirectory
        let name = self.name
        try await io.run {
            guard FileManager.default.fileExists(atPath: source.path) else { return }  // moved already
            var target = folder.appendingPathComponent(entry.file)
            var attempt = 1
            while FileManager.default.fileExists(atPath: target.path) {
                attempt += 1
                target = folder.appendingPathComponent("\(entry.file).\(attempt)")
            }
            guard rename(source.path, target.path) == 0 else {
                throw SourceError.io(source: name, path: source.path, detail: String(cString: strerror(errno)))
            }
        }
    }
}
