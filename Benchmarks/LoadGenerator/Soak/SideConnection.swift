#if canImport(Glibc)
import Glibc
#endif
import HTTP

/// One connection of the soak's side traffic, used one step at a time (connect, send, read) with a deadline:
/// the side traffic runs one exchange after another on its own thread, next to `LoadRunner`'s poll loop.
final class SideConnection {
    struct Response {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32
    private let deadlineNs: UInt64
    private var parser = HTTPResponseParser()
    private var isClosed = false

    init(to address: ServerAddress, timeoutSeconds: Double) throws {
        deadlineNs = MonotonicClock.now() + UInt64(timeoutSeconds * 1e9)
        fd = try ClientSocket.connect(to: address)
        do {
            try wait(for: Int16(POLLOUT))
            try ClientSocket.connectResult(fd)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            try wait(for: Int16(POLLOUT))
            sent += try bytes.withUnsafeBytes { try ClientSocket.send(fd, UnsafeRawBufferPointer(rebasing: $0[sent...])) }
        }
    }

    /// Reads the whole response; with `firstBodyBytesOnly`, returns as soon as any body arrived (the body
    /// then holds what was read so far), which is how a client walks away mid-stream.
    func readResponse(firstBodyBytesOnly: Bool = false) throws -> Response {
        var status: Int?
        var body: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try wait(for: Int16(POLLIN))
            let result = try buffer.withUnsafeMutableBytes { try ClientSocket.receive(fd, into: $0) }
            let events: [HTTPResponseParser.Event]
            switch result {
            case .wouldBlock:
                continue
            case .endOfStream:
                events = [try parser.parseEndOfStream()]
            case .bytes(let count):
                events = try buffer.withUnsafeBytes { try parser.parse(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            }
            for event in events {
                switch event {
                case .head(let head): status = head.status
                case .body(let bytes): body += bytes
                case .end:
                    guard let status else { throw Failure(description: "response ended without a head") }
                    return Response(status: status, body: body)
                }
            }
            if firstBodyBytesOnly, let status, !body.isEmpty { return Response(status: status, body: body) }
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    private func wait(for events: Int16) throws {
        while true {
            let now = MonotonicClock.now()
            guard now < deadlineNs else { throw Failure(description: "timed out") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min((deadlineNs - now) / 1_000_000 + 1, 1000)))
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw Failure(description: "poll failed (errno \(errno))") }
        }
    }
}
