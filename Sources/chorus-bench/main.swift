import ChorusStore
import Foundation
import Postgres

// chorus-bench: the figures of PRODUCT.md §9, each against a baseline measured in the same run.
//
//     swift run -c release chorus-bench [--quick] [--only matching,news,postgres,pipeline,daemon,backlog,release,console] [--rules DIR] [--news-documents DIR]
//         [--news-items N]
//
// `news` is two sections that can also be named alone: `news-speed` (classification and correlation in
// memory, one core) and `news-day` (a day of news through the daemon and PostgreSQL). `--news-items N`
// classifies N items once each instead (for callgrind's instruction counts, which need no repetitions), and
// sends N items through the daemon (a shorter day, for massif or smaps).
//
// Inputs are generated from fixed seeds; the database is a private cluster in a temporary directory,
// durable (fsync on) like a production one, stopped and removed at the end.

struct BenchOptions {
    var quick = false
    var sections: Set<String> = ["matching", "news-speed", "news-day", "postgres", "pipeline", "daemon", "backlog", "release", "console"]
    var rules = URL(fileURLWithPath: "Rules", isDirectory: true)
    /// Write the generated day of news as EMM documents here, and measure nothing.
    var newsDocuments: URL?
    /// Classify this many news items, once each (`news-speed`), and send this many through the daemon (`news-day`).
    var newsItems: Int?

    static let usage = "usage: chorus-bench [--quick] [--only matching,news,news-speed,news-day,postgres,pipeline,daemon,backlog,release,console] [--rules DIR] [--news-documents DIR] [--news-items N]"

    init(_ arguments: [String]) throws {
        var words = arguments[...]
        while let word = words.popFirst() {
            switch word {
            case "--quick": quick = true
            case "--only":
                guard let list = words.popFirst() else { throw BenchError("--only needs a list of sections") }
                sections = Set(list.split(separator: ",").flatMap { $0 == "news" ? ["news-speed", "news-day"] : [String($0)] })
            case "--rules":
                guard let path = words.popFirst() else { throw BenchError("--rules needs a directory") }
                rules = URL(fileURLWithPath: path, isDirectory: true)
            case "--news-documents":
                guard let path = words.popFirst() else { throw BenchError("--news-documents needs a directory") }
                newsDocuments = URL(fileURLWithPath: path, isDirectory: true)
            case "--news-items":
                guard let count = words.popFirst().flatMap({ Int($0) }), count > 0 else { throw BenchError("--news-items needs a positive count") }
                newsItems = count
            case "-h", "--help":
                print(Self.usage)
                exit(0)
            default: throw BenchError("unknown argument '\(word)'\n\(Self.usage)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func machineDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), "
        + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
}

func runBenchmarks(_ options: BenchOptions) throws {
    if let directory = options.newsDocuments {
        // The day of news as files, to feed `chorus ingest` or a spool by hand.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let day = NewsDay(count: options.quick ? 30_000 : 300_000).items
        for (index, start) in stride(from: 0, to: day.count, by: 1_000).enumerated() {
            try NewsDay.emmDocument(day[start..<min(start + 1_000, day.count)])
                .write(to: directory.appendingPathComponent(String(format: "emm-%05d.xml", index)))
        }
        print("wrote \(day.count) items to \(directory.path)")
        return
    }
    var table = ReportTable()
    var header = ["Machine: \(machineDescription())", "Mode: \(options.quick ? "--quick" : "full")"]
    if options.sections.contains("matching") {
        MatchingBench.run(quick: options.quick, into: &table)
    }
    if options.sections.contains("news-speed") {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-bench-news-\(getpid())", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        try NewsBench.run(rules: options.rules, workspace: workspace, quick: options.quick, items: options.newsItems, into: &table)
    }
    if !options.sections.isDisjoint(with: ["postgres", "pipeline", "daemon", "news-day", "backlog", "release", "console"]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-bench-\(getpid())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let cluster = try EmbeddedPostgres(directory: directory.appendingPathComponent("data"))
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: directory)
        }
        try cluster.ensureRunning()
        let connection = try Connection(cluster.conninfo())
        header.append("PostgreSQL: " + (try connection.query("SELECT current_setting('server_version') AS v").first?
            .decode("v", as: String.self) ?? "?") + " (embedded cluster, fsync on)")
        try Migrator().migrate(connection)
        if options.sections.contains("postgres") {
            try PostgresBatchBench.run(connection, quick: options.quick, into: &table)
        }
        if options.sections.contains("pipeline") {
            try PipelineBench.run(connection, rules: options.rules, quick: options.quick, into: &table)
        }
        if options.sections.contains("news-day") {
            // A day of news through the daemon, in a database of its own.
            try connection.execute("CREATE DATABASE chorus_news_bench")
            try Migrator().migrate(try Connection(cluster.conninfo(database: "chorus_news_bench")))
            let workspace = directory.appendingPathComponent("news", isDirectory: true)
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            try DaemonBench.newsMemory(chorus: try DaemonBench.executable(), conninfo: cluster.conninfo(database: "chorus_news_bench"),
                                       rules: options.rules.standardizedFileURL, workspace: workspace, quick: options.quick,
                                       items: options.newsItems, into: &table)
        }
        if options.sections.contains("daemon") {
            // The daemon gets a database of its own, so the figures above do not share tables with it.
            try connection.execute("CREATE DATABASE chorus_daemon_bench")
            try Migrator().migrate(try Connection(cluster.conninfo(database: "chorus_daemon_bench")))
            let workspace = directory.appendingPathComponent("daemon", isDirectory: true)
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            try DaemonBench.run(cluster: cluster, database: "chorus_daemon_bench", rules: options.rules.standardizedFileURL,
                                workspace: workspace, quick: options.quick, into: &table)
        }
        if options.sections.contains("backlog") {
            try connection.execute("CREATE DATABASE chorus_backlog_bench")
            try Migrator().migrate(try Connection(cluster.conninfo(database: "chorus_backlog_bench")))
            let workspace = directory.appendingPathComponent("backlog", isDirectory: true)
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            try DaemonBench.backlog(cluster: cluster, database: "chorus_backlog_bench", rules: options.rules.standardizedFileURL,
                                    workspace: workspace, quick: options.quick, into: &table)
        }
        if options.sections.contains("release") {
            try connection.execute("CREATE DATABASE chorus_release_bench")
            try Migrator().migrate(try Connection(cluster.conninfo(database: "chorus_release_bench")))
            let workspace = directory.appendingPathComponent("release", isDirectory: true)
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            try ReleaseBench.run(chorus: try DaemonBench.executable(), conninfo: cluster.conninfo(database: "chorus_release_bench"),
                                 rules: options.rules.standardizedFileURL, workspace: workspace, quick: options.quick, into: &table)
        }
        if options.sections.contains("console") {
            try connection.execute("CREATE DATABASE chorus_console_bench")
            try ConsoleBench.run(cluster: cluster, database: "chorus_console_bench", quick: options.quick, into: &table)
        }
    }
    print(header.joined(separator: "\n") + "\n")
    print(table.markdown, terminator: "")
}

do {
    try runBenchmarks(try BenchOptions(Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("chorus-bench: \(error)\n".utf8))
    exit(1)
}
