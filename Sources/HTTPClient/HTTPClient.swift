import CCurl
import Foundation
import Synchronization

/// Chorus's one HTTP client: a request on a libcurl easy handle of its own, performed on a thread of its
/// own — never the cooperative pool — with hard bounds.
///
/// Why libcurl directly: swift-corelibs-foundation's URLSession keeps the write-readiness source of a
/// request's socket registered while the answer arrives, so a trickling server woke its multi loop without
/// pause (a core spent until the deadline) and its total timeout never fired. Here one easy handle blocks
/// in `curl_easy_perform`, which waits in `poll()`.
///
/// Every request has a total deadline (`CURLOPT_TIMEOUT_MS`), a connect deadline, a floor on the speed
/// (`CURLOPT_LOW_SPEED_LIMIT/TIME`), and a size limit on the body as it is decoded: a `Content-Length`
/// above it is refused before a byte is read, and a body that grows past it is dropped the moment it does
/// (the write callback stops the transfer; nothing is buffered past the limit, a gzip bomb included).
/// Only http and https are spoken, redirects included. Cancellation is seen within a second (the progress
/// callback checks a flag). Errors are described in Chorus's words and libcurl's fixed texts, never with
/// the URL, so a password or token in it is never shown.
public enum HTTPClient {
    /// Performs `request` on a new thread and waits for it without blocking the caller's thread; a
    /// cancelled task, or `cancellation`, cancels the transfer.
    public static func perform(
        _ request: HTTPClientRequest, cancellation: HTTPCancellation = HTTPCancellation()
    ) async throws(HTTPClientError) -> HTTPClientResponse {
        let result: Result<HTTPClientResponse, HTTPClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: performBlocking(request, cancellation: cancellation))
                }
                thread.name = "chorus-http"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    /// Performs `request` on the calling thread (which it blocks: never call it from the cooperative pool).
    public static func performBlocking(
        _ request: HTTPClientRequest, cancellation: HTTPCancellation? = nil
    ) -> Result<HTTPClientResponse, HTTPClientError> {
        guard initialized else { return .failure(.transport("libcurl could not be initialised")) }
        guard let handle = curl_easy_init() else { return .failure(.transport("libcurl could not be initialised")) }
        defer { curl_easy_cleanup(handle) }
        let transfer = Transfer(limit: request.maximumBodyBytes, cancellation: cancellation ?? HTTPCancellation())
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            // A value with a line break would smuggle a header of its own.
            guard !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else {
                return .failure(.invalidRequest("the header \(name) holds a line break"))
            }
            headers = curl_slist_append(headers, "\(name): \(value)")
        }
        // No `Expect: 100-continue` wait before a body.
        headers = curl_slist_append(headers, "Expect:")

        let milliseconds = max(1, Self.milliseconds(request.timeout))
        var failed = CURLE_OK
        func set(_ code: CURLcode) { if failed == CURLE_OK, code != CURLE_OK { failed = code } }
        set(chorus_curl_set_string(handle, CURLOPT_URL, request.url.absoluteString))
        set(chorus_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(chorus_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(chorus_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        set(chorus_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, request.followsRedirects ? 1 : 0))
        set(chorus_curl_set_long(handle, CURLOPT_MAXREDIRS, 5))
        set(chorus_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds))
        set(chorus_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000)))
        set(chorus_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, Self.lowSpeedBytesPerSecond))
        set(chorus_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, Self.lowSpeedSeconds))
        set(chorus_curl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maximumBodyBytes)))
        set(chorus_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "gzip"))
        set(chorus_curl_set_string(handle, CURLOPT_USERAGENT, "chorus"))
        set(chorus_curl_set_list(handle, CURLOPT_HTTPHEADER, headers))
        set(chorus_curl_set_data_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.receivedBody(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }))
        set(chorus_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
        set(chorus_curl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.receivedHeader(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }))
        set(chorus_curl_set_pointer(handle, CURLOPT_HEADERDATA, context))
        set(chorus_curl_set_long(handle, CURLOPT_NOPROGRESS, 0))
        set(chorus_curl_set_progress_callback(handle, { context, _, _, _, _ in
            guard let context else { return 1 }
            return Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
        }))
        set(chorus_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context))
        switch request.method {
        case .get:
            set(chorus_curl_set_long(handle, CURLOPT_HTTPGET, 1))
        case .post:
            set(chorus_curl_set_long(handle, CURLOPT_POST, 1))
            set(chorus_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            if request.body.isEmpty {
                set(chorus_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                // COPYPOSTFIELDS copies the body: it need not outlive this call.
                request.body.withUnsafeBytes { bytes in
                    set(chorus_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
                }
            }
        }
        guard failed == CURLE_OK else { return .failure(.transport(Self.text(failed))) }

        let code = withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        if transfer.cancellation.isCancelled { return .failure(.cancelled) }
        if transfer.exceededLimit || code == CURLE_FILESIZE_EXCEEDED { return .failure(.tooLarge(limit: request.maximumBodyBytes)) }
        switch code {
        case CURLE_OK:
            var status = 0
            _ = chorus_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPClientResponse(status: status, headers: transfer.headers, body: transfer.body))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(transfer.elapsed < Self.seconds(request.timeout) * 0.95 ? .tooSlow : .timedOut(request.timeout))
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return .failure(.unreachable(Self.text(code)))
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            return .failure(.tls(Self.text(code)))
        case CURLE_TOO_MANY_REDIRECTS:
            return .failure(.redirect("more than 5 redirects"))
        case CURLE_UNSUPPORTED_PROTOCOL:
            return .failure(.redirect("a redirect to something other than http or https, which is never followed"))
        case CURLE_WRITE_ERROR where transfer.headersTooLarge:
            return .failure(.invalidResponse("the response's headers are larger than \(Transfer.headerLimit) bytes"))
        default:
            return .failure(.transport(Self.text(code)))
        }
    }

    /// Below this speed (bytes a second) for ``lowSpeedSeconds`` a transfer is given up, whatever its deadline.
    static let lowSpeedBytesPerSecond = 1
    static let lowSpeedSeconds = 30

    /// `curl_global_init` once, before the first handle (FoundationNetworking's own call is counted by
    /// libcurl, so the two live in one process).
    private static let initialized: Bool = curl_global_init(3 /* CURL_GLOBAL_ALL */) == CURLE_OK

    /// libcurl's fixed text for `code` (it never holds the URL).
    static func text(_ code: CURLcode) -> String {
        curl_easy_strerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)"
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Cancels a transfer in flight: its progress callback, called at least once a second, sees the flag.
public final class HTTPCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// One transfer's state, handed to libcurl's callbacks as their context.
private final class Transfer {
    // Used by the transfer's thread alone: libcurl calls the callbacks from inside `curl_easy_perform`.
    static let headerLimit = 256 * 1024
    let limit: Int
    let cancellation: HTTPCancellation
    private let started = ContinuousClock.now
    private(set) var body = Data()
    private(set) var headers: [String: String] = [:]
    private(set) var exceededLimit = false
    private(set) var headersTooLarge = false
    private var headerBytes = 0

    init(limit: Int, cancellation: HTTPCancellation) {
        self.limit = limit
        self.cancellation = cancellation
    }

    var elapsed: Double { HTTPClient.seconds(ContinuousClock.now - started) }

    /// Keeps `bytes`; false (stop) once the body would pass the limit, and what came before is dropped.
    func receivedBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            body = Data()
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One header line (or a status line, which starts a new response: after a redirect or a 100 Continue
    /// only the last response's headers count).
    func receivedHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        headerBytes += bytes.count
        guard headerBytes <= Self.headerLimit else {
            headersTooLarge = true
            return false
        }
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
        return true
    }
}
