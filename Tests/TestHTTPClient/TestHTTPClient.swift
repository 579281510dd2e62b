import Foundation
import Glibc
import HTTP

/// A blocking POSIX-socket HTTP/1.1 client for the HTTP and Server tests, with a receive timeout so no test
/// can hang. It speaks only what the tests need and checks framing strictly.
public final class TestHTTPClient {
    public enum Failure: Error {
        case timedOut
        case closed
        case malformed(String)
        case system(String, Int32)
    }

    public let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer` shrinks the socket's receive buffer before connecting (a slow reader's small window).
    public init(port: Int, timeout: Duration = .seconds(20), receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.system("socket", errno) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            throw Failure.system("connect", error)
        }
        setTimeout(timeout)
    }

    deinit { Glibc.close(fd) }

    public func setTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure.system("send", errno) }
            offset += sent
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func sendRequest(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + (body ?? []))
    }

    public func request(_ method: String, _ path: String, json: Any? = nil, rawBody: [UInt8]? = nil,
                        headers: [String: String] = [:]) throws -> TestResponse {
        let body = try rawBody ?? json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        try sendRequest(method, path, body: body, headers: headers)
        return try readResponse(isHead: method == "HEAD")
    }

    /// Closes the write side only (the server sees EOF).
    public func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes with a reset instead of a FIN, as a crashed client would.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Reads more bytes into the buffer; false on EOF or reset.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        if count == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.timedOut }
        if errno == ECONNRESET { return false }
        throw Failure.system("recv", errno)
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = buffer[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                buffer.removeSubrange(...newline)
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw Failure.closed }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw Failure.closed }
        }
        defer { buffer.removeSubrange(0..<count) }
        return Array(buffer[0..<count])
    }

    /// Status line and headers.
    public func readHead() throws -> (status: Int, headers: TestHeaders) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw Failure.malformed(statusLine)
        }
        var headers = TestHeaders()
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed(line) }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            headers.fields.append((String(line[..<colon]), value))
        }
        return (status, headers)
    }

    /// The data of the next chunk of a chunked body; nil for the last chunk (its trailer is consumed).
    public func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine, radix: 16) else { throw Failure.malformed(sizeLine) }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readExactly(size)
        guard try readLine().isEmpty else { throw Failure.malformed("chunk end") }
        return data
    }

    public func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// A whole response, framed by Content-Length, chunked coding or the connection's end (the shared
    /// `HTTPResponseParser`); interim 1xx responses are skipped. A HEAD response is its head alone.
    public func readResponse(isHead: Bool = false) throws -> TestResponse {
        if isHead {
            let (status, headers) = try readHead()
            return TestResponse(status: status, headers: headers, body: [])
        }
        var parser = HTTPResponseParser()
        var head: HTTPResponseHead?, body: [UInt8] = []
        var ended = false
        while !ended {
            if buffer.isEmpty, try !fill() {
                do { _ = try parser.parseEndOfStream() } catch { throw Failure.closed }
                break
            }
            let events: [HTTPResponseParser.Event]
            do {
                events = try buffer.withUnsafeBytes { try parser.parse($0) }
            } catch let error as HTTPResponseError {
                throw Failure.malformed(error.description)
            }
            buffer.removeSubrange(0..<parser.bytesUsed)
            for event in events {
                switch event {
                case .head(let h): head = h
                case .body(let bytes): body += bytes
                case .end: ended = true
                }
            }
        }
        guard let head else { throw Failure.closed }
        if (100..<200).contains(head.status) { return try readResponse() }
        return TestResponse(status: head.status, headers: TestHeaders(fields: head.headers), body: body)
    }

    /// Whether the server closed the connection (EOF or reset) within the receive timeout, with no bytes.
    public func isClosedByServer() -> Bool {
        buffer.isEmpty && ((try? fill()) == false)
    }
}

/// Response header fields in arrival order, looked up without regard to case.
public struct TestHeaders: Sendable {
    public var fields: [(name: String, value: String)] = []

    public subscript(name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

public struct TestResponse: Sendable {
    public var status: Int
    public var headers: TestHeaders
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers[name] }
}
