#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// The one HTTP/1.1 client connection: connect, send, read a response through `HTTPResponseParser`, every
/// wait bounded by `timeout`. `distillery admin`, the soak's side traffic and the tests use it; the load
/// generator drives the same `ClientSocket` calls from its own poll loop.
package final class HTTPClientConnection {
    package struct Response: Sendable {
        package var status: Int
        package var headers: [(name: String, value: String)]
        package var body: [UInt8]
        package var text: String { String(decoding: body, as: UTF8.self) }
    }

    package enum Failure: Error, CustomStringConvertible {
        case connect(SocketError)
        case timedOut
        /// The server closed the connection before a response ended.
        case closed
        case io(SocketError)
        case malformed(String)

        package var description: String {
            switch self {
            case .connect(let error): "cannot \(error)"
            case .timedOut: "timed out"
            case .closed: "the server closed the connection without a complete response"
            case .io(let error): "connection failed: \(error)"
            case .malformed(let reason): "malformed response: \(reason)"
            }
        }
    }

    package let fd: Int32
    /// How long any one wait (connect, a send, a read) may take, as SO_RCVTIMEO would bound it.
    package var timeout: Duration
    /// Bytes read and not yet consumed: a kept-alive connection's next response may have begun in them.
    package private(set) var buffered: [UInt8] = []
    private var isClosed = false

    /// Connects to the first of `addresses` that accepts.
    package init(to addresses: [SocketAddress], timeout: Duration, receiveBuffer: Int32? = nil) throws(Failure) {
        self.timeout = timeout
        var lastError = SocketError(operation: "connect", reason: "no address")
        for address in addresses {
            let fd: Int32
            do { fd = try ClientSocket.connect(to: address, receiveBuffer: receiveBuffer) } catch {
                lastError = error
                continue
            }
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard Self.poll(&entry, timeout: timeout) else {
                Glibc.close(fd)
                throw .timedOut
            }
            do { try ClientSocket.connectResult(fd) } catch {
                Glibc.close(fd)
                lastError = SocketError(operation: "connect to \(address)", reason: error.reason)
                continue
            }
            self.fd = fd
            return
        }
        throw .connect(lastError)
    }

    deinit { close() }

    package func send(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            try wait(for: Int16(POLLOUT))
            let result = bytes.withUnsafeBytes { bytes in
                Result { () throws(SocketError) in try ClientSocket.send(fd, UnsafeRawBufferPointer(rebasing: bytes[sent...])) }
            }
            switch result {
            case .success(let count): sent += count
            case .failure(let error): throw .io(error)
            }
        }
    }

    /// Reads more bytes into `buffered`; false at the end of the stream (a reset included).
    package func fill() throws(Failure) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try wait(for: Int16(POLLIN))
            let result = chunk.withUnsafeMutableBytes { bytes in
                Result { () throws(SocketError) in try ClientSocket.receive(fd, into: bytes) }
            }
            switch result {
            case .failure(let error) where error.code == ECONNRESET: return false
            case .failure(let error): throw .io(error)
            case .success(.bytes(let count)):
                buffered += chunk[..<count]
                return true
            case .success(.endOfStream): return false
            case .success(.wouldBlock): continue
            }
        }
    }

    /// Drops the first `count` buffered bytes, once the caller has used them.
    package func consume(_ count: Int) {
        buffered.removeFirst(count)
    }

    /// The next whole response (interim 1xx ones skipped); with `firstBodyBytesOnly`, returns as soon as any
    /// body arrived (the body then holds what was read so far), which is how a client walks away mid-stream.
    package func readResponse(firstBodyBytesOnly: Bool = false) throws(Failure) -> Response {
        var parser = HTTPResponseParser()
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        while true {
            if buffered.isEmpty, try !fill() {
                do { _ = try parser.parseEndOfStream() } catch { throw head == nil ? .closed : .malformed(error.description) }
                break
            }
            let parsed = buffered.withUnsafeBytes { bytes in
                Result { () throws(HTTPResponseError) in try parser.parse(bytes) }
            }
            let events: [HTTPResponseParser.Event]
            switch parsed {
            case .success(let parsedEvents): events = parsedEvents
            case .failure(let error): throw .malformed(error.description)
            }
            consume(parser.bytesUsed)
            var ended = false
            for event in events {
                switch event {
                case .head(let h): head = h
                case .body(let bytes): body += bytes
                case .end: ended = true
                }
            }
            if ended { break }
            if firstBodyBytesOnly, head != nil, !body.isEmpty { break }
        }
        guard let head else { throw .closed }
        if (100..<200).contains(head.status) { return try readResponse(firstBodyBytesOnly: firstBodyBytesOnly) }
        return Response(status: head.status, headers: head.headers, body: body)
    }

    /// Closes the write side only: the server sees the end of the request stream.
    package func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes with a reset instead of a FIN, as a crashed client would.
    package func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    package func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    private func wait(for events: Int16) throws(Failure) {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        guard Self.poll(&entry, timeout: timeout) else { throw .timedOut }
    }

    /// Whether `entry` became ready within `timeout`.
    private static func poll(_ entry: inout pollfd, timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let deadline = MonotonicClock.now() + UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { return false }
            let ready = Glibc.poll(&entry, 1, Int32(min((deadline - now) / 1_000_000 + 1, 1000)))
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return false }
        }
    }
}
