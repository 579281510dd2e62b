import Glibc
import XCTest

@testable import HTTP

enum TestClientError: Error {
    case timedOut
    case closed
    case malformed(String)
    case system(String, Int32)
}

struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var bodyString: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking POSIX-socket HTTP client for the tests, with a receive timeout so no test can hang.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeout: Duration = .seconds(3)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.system("socket", errno) }
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
            throw TestClientError.system("connect", error)
        }
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        Glibc.close(fd)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestClientError.system("send", errno) }
            offset += sent
        }
    }

    /// Closes the write side only (the server sees EOF).
    func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes with a reset instead of a FIN, as a crashed client would.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Reads more bytes into the buffer; false on EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        if count == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw TestClientError.timedOut }
        if errno == ECONNRESET { return false }
        throw TestClientError.system("recv", errno)
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: ASCII.lf) {
                var line = buffer[..<newline]
                if line.last == ASCII.cr { line = line.dropLast() }
                buffer.removeSubrange(...newline)
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw TestClientError.closed }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw TestClientError.closed }
        }
        defer { buffer.removeSubrange(0..<count) }
        return Array(buffer[0..<count])
    }

    /// Status line and headers.
    func readHead() throws -> (status: Int, headers: HTTPHeaders) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw TestClientError.malformed(statusLine)
        }
        var headers = HTTPHeaders()
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError.malformed(line) }
            headers.add(name: String(line[..<colon]), value: String(line[line.index(after: colon)...].trimmingOWS()))
        }
        return (status, headers)
    }

    /// The data of the next chunk of a chunked body; nil for the last chunk (its trailer is consumed).
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine, radix: 16) else { throw TestClientError.malformed(sizeLine) }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readExactly(size)
        guard try readLine().isEmpty else { throw TestClientError.malformed("chunk end") }
        return data
    }

    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// A whole response, framed by Content-Length, chunked coding or the connection's end.
    func readResponse(isHead: Bool = false) throws -> TestResponse {
        let (status, headers) = try readHead()
        if status == 100 { return try readResponse(isHead: isHead) }
        var body: [UInt8] = []
        if isHead || status == 204 || status == 304 {
        } else if let length = headers["Content-Length"].flatMap({ Int($0) }) {
            body = try readExactly(length)
        } else if headers.containsToken("chunked", inField: "Transfer-Encoding") {
            while let chunk = try readChunk() { body += chunk }
        } else {
            body = try readToEnd()
        }
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (EOF or reset) within the receive timeout, with no bytes.
    func isClosedByServer() -> Bool {
        buffer.isEmpty && ((try? fill()) == false)
    }
}

/// Runs `body` against a started server, then stops it and checks that it shut down in time.
func withServer(
    configure: (inout HTTPServer.Configuration) -> Void = { _ in },
    hooks: HTTPServer.Hooks = HTTPServer.Hooks(),
    handler: @escaping HTTPHandler,
    file: StaticString = #filePath, line: UInt = #line,
    _ body: (HTTPServer) throws -> Void
) throws {
    var configuration = HTTPServer.Configuration()
    configuration.handlesSignals = false
    configuration.keepAliveTimeout = .seconds(2)
    configuration.requestReadTimeout = .seconds(2)
    configuration.lingerTimeout = .milliseconds(200)
    configuration.drainTimeout = .seconds(2)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, hooks: hooks, handler: handler)
    try server.start()
    XCTAssertGreaterThan(server.port, 0, file: file, line: line)
    defer {
        server.stop()
        XCTAssertTrue(server.wait(timeout: .seconds(5)), "server did not stop", file: file, line: line)
    }
    try body(server)
}

let echoHandler: HTTPHandler = { request, responder in
    var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Path": request.path]
    if let query = request.query { headers.add(name: "X-Query", value: query) }
    responder.respond(status: .ok, headers: headers, body: request.body)
}
