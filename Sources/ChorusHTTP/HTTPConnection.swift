import Foundation

/// One client connection, on its own thread: reads requests within the limits, answers them in order,
/// keeps the connection alive as HTTP/1.1 allows, and holds event streams open.
struct HTTPConnection {
    let server: HTTPServer
    let socket: Socket
    let remote: String

    private static let readSize = 16 * 1024

    func serve() {
        let limits = server.limits
        socket.configure(writeTimeout: limits.writeTimeout)
        var buffer: [UInt8] = []
        var start = 0
        var served = 0
        while true {
            // Wait for the next request's first byte: an idle connection is closed quietly.
            if start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
                let wait = served == 0 ? limits.headTimeout : limits.idleTimeout
                guard case .readable = socket.waitReadable(timeout: wait, stop: server.stopDescriptor),
                      socket.read(into: &buffer, capacity: Self.readSize) > 0 else { return }
            }
            let request: HTTPRequest
            do {
                let (read, next) = try read(&buffer, from: start)
                request = read
                start = next
            } catch {
                if let status = error.status {
                    _ = socket.writeAll(HTTPServer.errorResponse(status, error.description))
                }
                server.note("request refused", [("status", error.status.map { String($0.code) } ?? "-"),
                                                ("reason", error.description), ("client", remote)])
                return
            }
            if start > 64 * 1024 {
                buffer.removeFirst(start)
                start = 0
            }
            served += 1
            let response = server.respond(to: request)
            let keepAlive = request.keepAlive && !server.isStopping && served < limits.requestsPerConnection
            switch response.body {
            case .bytes(let body):
                let head = response.head(keepAlive: keepAlive, isHead: request.method == "HEAD")
                guard socket.writeAll(head, request.method == "HEAD" ? [] : body), keepAlive else { return }
            case .eventStream(let source):
                guard socket.writeAll(response.head(keepAlive: false, isHead: false)) else { return }
                stream(source, request: request)
                return
            }
        }
    }

    /// Reads one whole request from `buffer` at `start`, reading more from the socket within the deadlines;
    /// returns it and where the next one starts.
    private func read(_ buffer: inout [UInt8], from start: Int) throws(HTTPError) -> (HTTPRequest, Int) {
        let limits = server.limits
        let headDeadline = ContinuousClock.now.advanced(by: limits.headTimeout)
        var end: Int?
        while true {
            end = try HTTPRequestHead.end(in: buffer, from: start, limits: limits)
            if end != nil { break }
            try more(&buffer, until: headDeadline)
        }
        guard let end else { throw .truncated }
        let head = try HTTPRequestHead(buffer[start..<end], limits: limits)
        var next = end
        let bodyDeadline = ContinuousClock.now.advanced(by: limits.bodyTimeout)
        let body: [UInt8]
        switch head.framing {
        case .length(let length):
            if head.expectsContinue, length > 0, buffer.count - next < length { sendContinue() }
            while buffer.count - next < length { try more(&buffer, until: bodyDeadline) }
            body = Array(buffer[next..<(next + length)])
            next += length
        case .chunked:
            if head.expectsContinue, buffer.count == next { sendContinue() }
            var decoder = ChunkedDecoder(limits: limits)
            while true {
                next = try decoder.consume(buffer, from: next)
                if decoder.isDone { break }
                try more(&buffer, until: bodyDeadline)
            }
            body = decoder.body
        }
        let request = HTTPRequest(method: head.method, path: head.path, query: head.query, version: head.version,
                                  headers: head.headers, body: body, remoteAddress: remote)
        return (request, next)
    }

    private func sendContinue() {
        _ = socket.writeAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    /// Reads more bytes before `deadline`.
    private func more(_ buffer: inout [UInt8], until deadline: ContinuousClock.Instant) throws(HTTPError) {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { throw .timedOut }
        switch socket.waitReadable(timeout: remaining, stop: server.stopDescriptor) {
        case .timedOut: throw .timedOut
        case .stopping: throw .truncated
        case .readable:
            guard socket.read(into: &buffer, capacity: Self.readSize) > 0 else { throw .truncated }
        }
    }

    /// Holds an event stream open: heartbeats while idle; ends when the client closes or sends more than a
    /// little, a write fails, or the server stops.
    private func stream(_ source: any EventStreamSource, request: HTTPRequest) {
        let stream = EventStream(socket: socket, id: server.nextStreamID(), request: request)
        source.attach(stream)
        defer {
            source.detach(stream)
            stream.close()
        }
        var ignored: [UInt8] = []
        while stream.isOpen {
            switch socket.waitReadable(timeout: server.heartbeat, stop: server.stopDescriptor) {
            case .stopping:
                return
            case .timedOut:
                guard stream.sendComment() else { return }
            case .readable:
                // A client of an event stream sends nothing; end of stream or an error ends it.
                guard socket.read(into: &ignored, capacity: 1024) > 0, ignored.count < 16 * 1024 else { return }
            }
        }
    }
}
