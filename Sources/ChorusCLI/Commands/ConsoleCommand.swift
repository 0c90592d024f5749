import ChorusConsole
import ChorusHTTP
import ChorusService
import Foundation
import Synchronization

/// `chorus console [--listen ADDR:PORT]`: the review console, in the foreground (PRODUCT.md §3, §8).
struct ConsoleCommand: ChorusCommand {
    static let spec = CommandSpec(
        name: "console",
        abstract: "Serve the review console: reviewers in a browser, logged in as their PostgreSQL roles.",
        discussion: """
        An HTTP server (default 127.0.0.1:8480; put a TLS reverse proxy in front, see Deploy/) with the review \
        queue and each bundle's drafts side by side, live: pages update when anyone acts (server-sent events \
        from LISTEN/NOTIFY). Reviewers log in with their PostgreSQL role and password — PostgreSQL checks it — \
        and everything they do runs as that role, so the review functions, privileges and audit apply as in a \
        terminal. Sessions live in the database: several consoles can share them. The console connects as \
        chorus_console (Deploy/roles.sql). GET /healthz answers 200 while the database answers. \
        SIGTERM or SIGINT stops it gracefully (exit 0).
        """,
        options: [
            .option("listen", value: "addr:port", help: "Where to listen (default: the configuration's console.listen, else 127.0.0.1:8480)."),
            .config, .database,
        ]
    )

    let global: GlobalOptions
    let listen: ListenAddress?

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        listen = try arguments.value("listen", as: "addr:port", ListenAddress.init)
    }

    func run(_ context: CommandContext) throws {
        let logger = Logger(sink: .standardError(environment: context.environment))
        let configuration = try global.configuration(context)
        let location = try global.databaseLocation(context)
        var settings = ConsoleSettings()
        if let address = listen ?? configuration.console.listen.flatMap(ListenAddress.init) {
            settings = ConsoleSettings(listen: address)
        }
        if let text = configuration.console.publicURL { settings.publicURL = URL(string: text) ?? settings.publicURL }
        if let lifetime = configuration.console.sessionLifetime { settings.sessionLifetime = lifetime }
        if let idle = configuration.console.idleTimeout { settings.idleTimeout = idle }
        if !settings.listen.isLoopback && !settings.isSecure {
            logger.warning("the console serves plain HTTP beyond this machine: put it behind a TLS reverse proxy "
                           + "(Deploy/nginx-console.conf) and set console.publicURL to its https address",
                           ["listen": settings.listen.description])
        }
        // The schema (and, on the embedded cluster, the roles) must be ready before the console's role can work.
        _ = try global.openDatabase(context)
        let conninfo = try configuration.console.database ?? location.consoleConninfo()
        let console = try Console(settings: settings, conninfo: conninfo,
                                  loginConninfo: { user, password in try location.loginConninfo(user: user, password: password) },
                                  log: { message, fields in
                                      logger.log(.info, message, pairs: fields)
                                  })
        try console.checkDatabase()

        let stop = DispatchSemaphore(value: 0)
        let stopping = Atomic<Bool>(false)
        let handlers = SignalHandlers.install([SIGTERM, SIGINT]) { signal in
            guard !stopping.exchange(true, ordering: .relaxed) else { return }
            logger.notice("stopping", ["signal": signal == SIGINT ? "SIGINT" : "SIGTERM"])
            stop.signal()
        }
        defer { withExtendedLifetime(handlers) {} }
        console.start()
        logger.notice("console listening", ["listen": console.address.description, "public": settings.publicURL.absoluteString,
                                            "database": location.summary])
        stop.wait()
        console.stop()
        console.waitUntilStopped()
        logger.notice("console stopped")
    }
}
