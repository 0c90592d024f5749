import CLibPQ
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connection to PostgreSQL through libpq: parameterized statements, transactions, LISTEN/NOTIFY,
/// `COPY` and batch writes.
///
/// Every call blocks its thread until the server answers, so a `Connection` belongs to one thread at a time
/// and never to Swift's cooperative thread pool: the CLI uses it on the main thread, long-running code
/// through ``PostgresClient``, which gives each connection a serial dispatch queue of its own.
///
/// A connection that breaks (the server restarted, the network dropped) fails the statement in flight with
/// ``PostgresError/Kind/connectionLost``; the next statement reconnects and re-issues the session's
/// `LISTEN`s. A transaction is never resumed on a new connection: its closure sees the error.
public final class Connection {
    private var handle: OpaquePointer?
    private let conninfo: String
    private var channels: Set<String> = []
    private var inTransaction = false
    /// The statements prepared on this session, by their text and parameter types.
    private var prepared: [String: String] = [:]

    /// Whether ``query(_:)`` runs each statement as a named prepared statement of this session — prepared on
    /// first use, executed by name after — so that the server parses it once per connection (and, once its
    /// generic plan is as good as a custom one, plans it once too). For long-lived connections that run the
    /// same few statements over and over (the review console's pool). At most 256 statements are kept; a
    /// reconnect starts afresh.
    public var preparesStatements = false

    /// How many times the connection was re-established after it broke. A listener that sees this grow
    /// may have missed notifications and should look at the tables again.
    public private(set) var reconnectCount = 0

    /// Connects with a libpq conninfo string (`host=/run/chorus dbname=chorus`) or a `postgres://` URL; an
    /// empty string uses libpq's environment variables (`PGHOST`, `PGDATABASE`, …) and defaults.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/connectionFailed``.
    public init(_ conninfo: String = "") throws {
        self.conninfo = conninfo
        try open()
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Closes the connection; a later statement opens a new one.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// The server's version number (150018 for 15.18).
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// The process id of the server backend serving this connection.
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// The role the connection logged in as (libpq's `PQuser`): the session user the audit records, and the
    /// role an error about a missing privilege names.
    public var user: String { handle.flatMap { PQuser($0) }.map { String(cString: $0) } ?? "" }

    /// Whether the connection is currently established (it may still turn out broken at the next statement).
    public var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    // MARK: - Statements

    /// Runs `query` with its values bound as parameters and returns its rows.
    @discardableResult
    /// - Throws: ``PostgresError``; of kind ``PostgresError/Kind/unstorableValue``, without anything sent,
    ///   when a value holds U+0000, which PostgreSQL cannot store and libpq would silently cut off.
    public func query(_ query: Query) throws -> QueryResult {
        let handle = try connected()
        var name: String?
        let result = try query.binds.withLibpqParameters { types, values, count -> OpaquePointer? in
            name = preparesStatements ? statementName(query.sql, types: types, count: count, handle: handle) : nil
            if let name { return PQexecPrepared(handle, name, count, values, nil, nil, 0) }
            return PQexecParams(handle, query.sql, count, types, values, nil, nil, 0)
        }
        do {
            return try consume(result, query: query.sql)
        } catch let error as PostgresError where name != nil && ["0A000", "26000"].contains(error.sqlState ?? "") {
            // The plan went stale (a table's definition changed) or the statement is gone: prepare it anew next time.
            prepared = prepared.filter { $0.value != name }
            throw error
        }
    }

    /// The name of `sql`'s prepared statement for these parameter types, preparing it first when it is new;
    /// `nil` when it cannot be (too many kept already, or the server refused — then the statement runs
    /// unprepared and fails, if it does, with its own error).
    private func statementName(_ sql: String, types: UnsafePointer<Oid>?, count: Int32, handle: OpaquePointer) -> String? {
        var key = sql
        for index in 0..<Int(count) { key += ",\(types?[index] ?? 0)" }
        if let name = prepared[key] { return name }
        guard prepared.count < 256 else { return nil }
        let name = "chorus_\(prepared.count + 1)"
        guard let result = PQprepare(handle, name, sql, count, types) else { return nil }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { return nil }
        prepared[key] = name
        return name
    }

    /// Runs `queries` in one round trip (libpq's pipeline mode) and returns their results in the same order.
    ///
    /// Each statement is sent as ``query(_:)`` sends it (prepared by name when ``preparesStatements`` is on),
    /// followed by one sync; the results are read in order. For independent reads that would otherwise each
    /// cost a round trip (a console page). Without an open ``transaction(isolation:_:)`` the statements run
    /// in one implicit transaction of their own, as the statements of a simple-protocol script do: when one
    /// fails, the ones before it are rolled back and the ones after it are not run. Inside a transaction,
    /// a failure aborts that transaction, as a failing ``query(_:)`` does.
    ///
    /// Meant for a handful of statements: libpq sends in blocking mode, so a batch whose statements and
    /// results both outgrow the socket's buffers could stall.
    /// - Throws: the first failing statement's ``PostgresError``, mapped as ``query(_:)`` maps it (a server
    ///   error with its SQLSTATE and the statement's text, never its values; ``PostgresError/Kind/connectionLost``
    ///   when the connection broke, after which the next statement reconnects as it does after ``query(_:)``);
    ///   ``PostgresError/Kind/unstorableValue``, without anything sent, when a value of any statement holds
    ///   U+0000.
    public func pipeline(_ queries: [Query]) throws -> [QueryResult] {
        guard !queries.isEmpty else { return [] }
        for query in queries { try query.binds.checkStorable() }
        let handle = try connected()
        // PQprepare cannot run in pipeline mode: statements new to this session are prepared first.
        let names: [String?] = try queries.map { query in
            guard preparesStatements else { return nil }
            return try query.binds.withLibpqParameters { types, _, count in
                statementName(query.sql, types: types, count: count, handle: handle)
            }
        }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(.misuse, message: "libpq could not enter pipeline mode: \(Self.message(of: handle))")
        }
        for (query, name) in zip(queries, names) {
            let sent = try query.binds.withLibpqParameters { types, values, count -> Int32 in
                if let name { return PQsendQueryPrepared(handle, name, count, values, nil, nil, 0) }
                return PQsendQueryParams(handle, query.sql, count, types, values, nil, nil, 0)
            }
            // Sending fails only when the connection is gone (libpq checks everything else up front).
            if sent != 1 { try abandonPipeline(handle, query: query.sql) }
        }
        if PQpipelineSync(handle) != 1 { try abandonPipeline(handle, query: queries.last?.sql) }

        var results: [QueryResult] = []
        var firstError: PostgresError?
        for (query, name) in zip(queries, names) {
            var value = QueryResult(columns: [], rows: [], affectedRows: 0)
            // A statement's results end with a NULL; one not run because an earlier one failed is
            // PGRES_PIPELINE_ABORTED.
            while let result = PQgetResult(handle) {
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    continue
                }
                do {
                    value = try consume(result, query: query.sql)
                } catch let error as PostgresError {
                    if name != nil, ["0A000", "26000"].contains(error.sqlState ?? "") {
                        prepared = prepared.filter { $0.value != name }
                    }
                    firstError = firstError ?? error
                }
            }
            // As in `query`: a statement whose connection broke fails as a lost connection (a backend that
            // was terminated sends its FATAL error before the socket closes).
            if PQstatus(handle) != CONNECTION_OK { throw lost(Self.message(of: handle), query: query.sql) }
            results.append(value)
        }
        let sync = PQgetResult(handle)
        let synced = sync.map { PQresultStatus($0) == PGRES_PIPELINE_SYNC } ?? false
        if let sync { PQclear(sync) }
        guard synced, PQexitPipelineMode(handle) == 1 else {
            if PQstatus(handle) != CONNECTION_OK { throw lost(Self.message(of: handle), query: queries.last?.sql) }
            throw PostgresError(.misuse, message: "the pipeline did not end in step with its statements: \(Self.message(of: handle))")
        }
        if let firstError { throw firstError }
        return results
    }

    /// After a send failed: the connection is gone (libpq leaves pipeline mode when the next statement
    /// reconnects), or — should libpq refuse for another reason — the statements sent so far are synced,
    /// drained and dropped so that the session stays usable.
    private func abandonPipeline(_ handle: OpaquePointer, query: String?) throws -> Never {
        let message = Self.message(of: handle)
        if PQstatus(handle) != CONNECTION_OK { throw lost(message, query: query) }
        if PQpipelineSync(handle) == 1 {
            while PQstatus(handle) == CONNECTION_OK {
                guard let result = PQgetResult(handle) else { continue }
                let synced = PQresultStatus(result) == PGRES_PIPELINE_SYNC
                PQclear(result)
                if synced { break }
            }
        }
        _ = PQexitPipelineMode(handle)
        if PQstatus(handle) != CONNECTION_OK { throw lost(message, query: query) }
        throw PostgresError(.misuse, message: "libpq refused a statement of the pipeline: \(message)", query: query)
    }

    /// Runs `query` and returns the number of rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ query: Query) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Runs several statements of constant SQL in one round trip (the simple query protocol).
    ///
    /// For schema migrations and session setup only: the text is a `StaticString`, so it cannot hold a value.
    public func executeScript(_ sql: StaticString) throws {
        let handle = try connected()
        let text = sql.description
        try consume(PQexec(handle, text), query: text)
    }

    /// The SCRAM-SHA-256 verifier of `password` for the role `user`, computed here by libpq
    /// (`PQencryptPasswordConn`), so that `ALTER ROLE … PASSWORD` receives the verifier and the plain
    /// text never reaches the server, its logs or its statistics.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/misuse`` when libpq cannot make one.
    public func passwordVerifier(_ password: String, user: String) throws -> String {
        let handle = try connected()
        guard let verifier = PQencryptPasswordConn(handle, password, user, "scram-sha-256") else {
            throw PostgresError(.misuse, message: "libpq could not compute a SCRAM-SHA-256 verifier: \(Self.message(of: handle))")
        }
        defer { PQfreemem(verifier) }
        return String(cString: verifier)
    }

    // MARK: - Transactions

    /// The isolation level of a transaction.
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    /// - Throws: what `body` threw, or the failure of `BEGIN`/`COMMIT`; ``PostgresError/Kind/misuse`` when
    ///   called inside another transaction.
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted, _ body: (Connection) throws -> T
    ) throws -> T {
        guard !inTransaction else {
            throw PostgresError(.misuse, message: "a transaction is already open on this connection")
        }
        try endLeftoverTransaction()
        switch isolation {
        case .readCommitted: try executeScript("BEGIN")
        case .repeatableRead: try executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ")
        case .serializable: try executeScript("BEGIN ISOLATION LEVEL SERIALIZABLE")
        }
        inTransaction = true
        defer { inTransaction = false }
        let value: T
        do {
            value = try body(self)
        } catch {
            if isConnected { try? executeScript("ROLLBACK") }
            throw error
        }
        try executeScript("COMMIT")
        return value
    }

    /// A session still inside a transaction that no `transaction` call owns — its ROLLBACK was cancelled
    /// (57014) or timed out — would refuse every later statement with 25P02 ("current transaction is
    /// aborted") for the rest of the connection's life. Roll it back before the next BEGIN.
    private func endLeftoverTransaction() throws {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        switch PQtransactionStatus(handle) {
        case PQTRANS_INTRANS, PQTRANS_INERROR: try executeScript("ROLLBACK")
        default: return
        }
    }

    // MARK: - LISTEN / NOTIFY

    /// Subscribes to `channel`; after a reconnect the subscription is renewed automatically.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(identifier: channel)")
        channels.insert(channel)
    }

    /// Ends the subscription to `channel`.
    public func unlisten(_ channel: String) throws {
        try execute("UNLISTEN \(identifier: channel)")
        channels.remove(channel)
    }

    /// Sends a notification (delivered when the surrounding transaction commits).
    public func notify(_ channel: String, payload: String = "") throws {
        try execute("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Waits until at least one notification arrives or `timeout` passes, by `poll()` on the connection's
    /// socket — no sleeping, no polling the server.
    /// - Returns: the notifications received (empty when the time passed without any).
    /// - Throws: ``PostgresError/Kind/connectionLost`` when the connection broke while waiting.
    public func waitForNotifications(timeout: Duration) throws -> [Notification] {
        let handle = try connected()
        var received = try drainNotifications(handle)
        if !received.isEmpty { return received }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while received.isEmpty {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return [] }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard descriptor.fd >= 0 else { throw lost("the connection has no socket") }
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw lost("poll() failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { continue }
            received = try drainNotifications(handle)
        }
        return received
    }

    private func drainNotifications(_ handle: OpaquePointer) throws -> [Notification] {
        if PQconsumeInput(handle) == 0 {
            throw lost(Self.message(of: handle))
        }
        var received: [Notification] = []
        while let notice = PQnotifies(handle) {
            received.append(Notification(
                channel: String(cString: notice.pointee.relname),
                payload: String(cString: notice.pointee.extra),
                senderPID: notice.pointee.be_pid))
            PQfreemem(notice)
        }
        return received
    }

    // MARK: - COPY

    /// Streams `rows` into a `COPY … FROM STDIN` statement (text format) and returns the number of rows copied.
    ///
    /// `statement` is constant SQL such as `COPY chorus.events (source, event_id) FROM STDIN`; each row holds
    /// one value per column in text form, `nil` for NULL.
    @discardableResult
    public func copyIn(_ statement: StaticString, rows: some Sequence<[String?]>) throws -> Int {
        let handle = try connected()
        let sql = statement.description
        guard let start = PQexec(handle, sql) else { throw lost(Self.message(of: handle)) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            return try consume(start, query: sql).affectedRows
        }
        PQclear(start)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var failure: String?
        func flush() {
            guard failure == nil, !buffer.isEmpty else { return }
            let sent = buffer.withUnsafeBufferPointer { bytes in
                bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    PQputCopyData(handle, $0, Int32(bytes.count))
                }
            }
            if sent != 1 { failure = Self.message(of: handle) }
            buffer.removeAll(keepingCapacity: true)
        }
        for row in rows {
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.append(9) }
                if let value { CopyText.append(value, to: &buffer) } else { buffer.append(contentsOf: [92, 78]) }
            }
            buffer.append(10)
            if buffer.count >= 1 << 16 { flush() }
        }
        flush()
        if PQputCopyEnd(handle, failure) != 1 { failure = failure ?? Self.message(of: handle) }
        var copied = 0
        var firstError: (any Error)?
        while let result = PQgetResult(handle) {
            do {
                copied = try consume(result, query: sql).affectedRows
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        if let failure { throw PostgresError(.server, message: failure, query: sql) }
        return copied
    }

    // MARK: - Connecting

    private func open() throws {
        let keywords = ["dbname", "fallback_application_name", "client_encoding"]
        let values = [conninfo, "chorus", "UTF8"]
        let connection = keywords.withCStrings { keywordPointers in
            values.withCStrings { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = ConnectionString.redact(message: Self.message(of: connection), conninfo: conninfo)
            PQfinish(connection)
            throw PostgresError(.connectionFailed, message: message)
        }
        // libpq prints server notices on stderr by default; chorus reports what matters through its own errors.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
        prepared = [:]
        try configureSession()
    }

    /// Timestamps travel as ISO text in UTC, whatever the server's defaults.
    private func configureSession() throws {
        try executeScript("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'")
        for channel in channels.sorted() {
            try execute("LISTEN \(identifier: channel)")
        }
    }

    private func connected() throws -> OpaquePointer {
        guard let handle else {
            try open()
            return try connected()
        }
        if PQstatus(handle) == CONNECTION_OK { return handle }
        if inTransaction {
            throw lost("the connection broke inside a transaction")
        }
        PQreset(handle)
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(.connectionFailed, message: ConnectionString.redact(message: Self.message(of: handle), conninfo: conninfo))
        }
        reconnectCount += 1
        prepared = [:]
        try configureSession()
        return handle
    }

    @discardableResult
    private func consume(_ result: OpaquePointer?, query: String) throws -> QueryResult {
        guard let result else {
            throw lost(handle.map(Self.message(of:)) ?? "no connection", query: query)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(columns: [], rows: [], affectedRows: Self.affectedRows(result))
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return Self.copyRows(result)
        default:
            if let handle, PQstatus(handle) != CONNECTION_OK {
                throw lost(Self.message(of: handle), query: query)
            }
            func field(_ code: UInt8) -> String? {
                guard let value = PQresultErrorField(result, Int32(code)) else { return nil }
                return String(cString: value)
            }
            // PG_DIAG_* are character macros Swift cannot import: 'C' SQLSTATE, 'M' message, 'H' hint, 'W' context,
            // 's' schema, 't' table, 'c' column, 'd' data type, 'n' constraint. 'D' (detail) is never read: it
            // quotes rows and keys.
            let message = field(UInt8(ascii: "M")) ?? "the server reported an error without a message"
            throw PostgresError(server: .init(
                sqlState: field(UInt8(ascii: "C")), message: message.trimmingCharacters(in: .whitespacesAndNewlines),
                hint: field(UInt8(ascii: "H")), context: field(UInt8(ascii: "W")), schema: field(UInt8(ascii: "s")),
                table: field(UInt8(ascii: "t")), column: field(UInt8(ascii: "c")), dataType: field(UInt8(ascii: "d")),
                constraint: field(UInt8(ascii: "n"))), query: query)
        }
    }

    private static func copyRows(_ result: OpaquePointer) -> QueryResult {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        var columns: [QueryResult.Column] = []
        columns.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount {
            columns.append(QueryResult.Column(
                name: String(cString: PQfname(result, column)), type: PostgresType(oid: PQftype(result, column))))
        }
        let layout = ColumnLayout(columns: columns)
        var rows: [Row] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: length)
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(Row(layout: layout, values: values))
        }
        return QueryResult(columns: columns, rows: rows, affectedRows: affectedRows(result))
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private static func message(of handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "the server closed the connection" : message
    }

    private func lost(_ message: String, query: String? = nil) -> PostgresError {
        PostgresError(.connectionLost, message: message, query: query)
    }
}

/// Escaping for `COPY`'s text format: backslash, tab, newline and carriage return.
enum CopyText {
    static func append(_ value: String, to buffer: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case 92: buffer.append(contentsOf: [92, 92])
            case 9: buffer.append(contentsOf: [92, 116])
            case 10: buffer.append(contentsOf: [92, 110])
            case 13: buffer.append(contentsOf: [92, 114])
            default: buffer.append(byte)
            }
        }
    }
}

extension Array where Element == PostgresBind {
    /// Whether every value can be stored.
    /// - Throws: ``PostgresError/Kind/unstorableValue`` when a value holds U+0000: as a C string it would end
    ///   there, and the server would store less than was asked without a word.
    func checkStorable() throws {
        for (index, bind) in enumerated() where bind.text?.utf8.contains(0) == true {
            throw PostgresError(.unstorableValue, message: "parameter $\(index + 1) holds U+0000 (NUL), which PostgreSQL cannot store")
        }
    }

    /// Calls `body` with the parameter types and NUL-terminated values as libpq wants them; the C strings
    /// live only for the call.
    /// - Throws: ``PostgresError/Kind/unstorableValue`` when a value holds U+0000 (``checkStorable()``).
    func withLibpqParameters<R>(
        _ body: (UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, Int32) -> R
    ) throws -> R {
        try checkStorable()
        let types = map { Oid($0.type.oid) }
        let strings: [UnsafeMutablePointer<CChar>?] = map { bind in bind.text.map { strdup($0) } }
        defer { strings.forEach { free($0) } }
        let values = strings.map { UnsafePointer($0) }
        return types.withUnsafeBufferPointer { typePointer in
            values.withUnsafeBufferPointer { valuePointer in
                body(typePointer.baseAddress, valuePointer.baseAddress, Int32(count))
            }
        }
    }
}

extension Array where Element == String {
    /// Calls `body` with a NULL-terminated array of C strings.
    func withCStrings<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let strings = map { strdup($0) }
        defer { strings.forEach { free($0) } }
        let pointers = strings.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
