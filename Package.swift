// swift-tools-version:6.0
// Chorus: an event-driven crisis solidarity notifier.
// No package dependencies: the toolchain's own libraries, libpq (through `CLibPQ`), libcurl (through `CCurl`) and
// zlib (through `CZlib`) only.
import PackageDescription

let package = Package(
    name: "Chorus",
    products: [
        .executable(name: "chorus", targets: ["chorus"]),
    ],
    targets: [
        // C: libpq, visible to `Postgres` alone.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // C: libcurl, visible to `HTTPClient` alone.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Chorus's one HTTP client (feeds' polls, webhooks): a libcurl easy handle a request, on a thread
        // of its own, with a total deadline, a size limit and cancellation.
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        // C: zlib, visible to `ChorusFeeds` alone (zipped GDELT exports: raw inflate, CRC-32).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The safe libpq layer: connections, parameterized queries, rows, transactions,
        // LISTEN/NOTIFY, batch writes, and an embedded PostgreSQL cluster.
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        // An HTTP/1.1 server on the system's sockets, with hard limits everywhere: the review console's.
        .target(name: "ChorusHTTP"),
        // The pure domain: events, rules, templates, channel limits, bundles. Foundation only, no I/O.
        .target(name: "ChorusCore"),
        // Parsers for feed formats and the sources that deliver documents.
        .target(name: "ChorusFeeds", dependencies: ["ChorusCore", "ChorusStore", "Postgres", "CZlib", "HTTPClient"]),
        // Migrations and the queue: pipeline writes, review operations, audit.
        .target(name: "ChorusStore", dependencies: ["ChorusCore", "Postgres"]),
        // The review console: pages, sessions and live updates, on ChorusHTTP.
        .target(name: "ChorusConsole", dependencies: ["ChorusHTTP", "ChorusStore", "ChorusCore", "Postgres"]),
        // The daemon: configuration, services, signals, sd_notify, logging.
        .target(name: "ChorusService", dependencies: ["ChorusCore", "ChorusFeeds", "ChorusStore", "ChorusHTTP", "HTTPClient", "Postgres"]),
        // The command tree.
        .target(name: "ChorusCLI", dependencies: ["ChorusService", "ChorusConsole", "ChorusHTTP", "ChorusStore", "ChorusFeeds", "ChorusCore", "Postgres"],
                resources: [.copy("Resources")]),
        .executableTarget(name: "chorus", dependencies: ["ChorusCLI"]),
        // The benchmark of PRODUCT.md §9 (run it in release mode).
        // It measures the real `chorus` process too, so it depends on the `chorus` executable being built.
        .executableTarget(
            name: "chorus-bench",
            // TestSupport's HTTP server is the webhook receiver of the release latency figure; its review
            // fixture is the console figures' queue.
            dependencies: ["chorus", "ChorusCore", "ChorusFeeds", "ChorusStore", "ChorusService", "ChorusConsole", "ChorusHTTP", "Postgres", "TestSupport"]
        ),

        // Shared by the test targets: a throwaway PostgreSQL cluster, fixtures, running the built binary.
        .target(name: "TestSupport", dependencies: ["Postgres", "ChorusStore", "ChorusCore"], path: "Tests/TestSupport"),
        .testTarget(name: "ChorusHTTPTests", dependencies: ["ChorusHTTP"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestSupport"]),
        .testTarget(name: "ChorusConsoleTests", dependencies: ["ChorusConsole", "ChorusHTTP", "ChorusStore", "ChorusCore", "Postgres", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ChorusCoreTests", dependencies: ["ChorusCore", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChorusFeedsTests", dependencies: ["ChorusFeeds", "ChorusCore", "ChorusStore", "TestSupport", "CZlib"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChorusStoreTests", dependencies: ["ChorusStore", "ChorusCore", "Postgres", "TestSupport"]),
        .testTarget(name: "ChorusServiceTests", dependencies: ["ChorusService", "ChorusStore", "ChorusFeeds", "ChorusCore", "Postgres", "TestSupport"]),
        .testTarget(name: "ChorusCLITests", dependencies: ["ChorusCLI", "Postgres", "TestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
