import Foundation
import Glibc
import XCTest

enum TestClientError: Error {
    case timedOut
    case closed
    case malformed(String)
    case system(String, Int32)
}

struct TestResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as a JSON object; fails the test otherwise.
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try? JSONSerialization.jsonObject(with: Data(body))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
    }

    /// The OpenAI error object of an error response.
    func error(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let error = try json(file: file, line: line)["error"] as? [String: Any]
        let object = try XCTUnwrap(error, "no error object: \(text)", file: file, line: line)
        for key in ["message", "type", "param", "code"] {
            XCTAssertTrue(object.keys.contains(key), "error object lacks '\(key)': \(text)", file: file, line: line)
        }
        return object
    }
}

/// A blocking POSIX-socket HTTP/1.1 client with a receive timeout, so no test can hang.
final class TestHTTPClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer` shrinks the socket's receive buffer before connecting (a slow reader's small window).
    init(port: Int, timeout: Duration = .seconds(20), receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.system("socket", errno) }
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
            throw TestClientError.system("connect", error)
        }
        setTimeout(timeout)
    }

    deinit { Glibc.close(fd) }

    func setTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestClientError.system("send", errno) }
            offset += sent
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func sendRequest(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + (body ?? []))
    }

    func request(_ method: String, _ path: String, json: Any? = nil, rawBody: [UInt8]? = nil,
                 headers: [String: String] = [:]) throws -> TestResponse {
        let body = try rawBody ?? json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        try sendRequest(method, path, body: body, headers: headers)
        return try readResponse(isHead: method == "HEAD")
    }

    /// Closes with a reset, as a crashed client would.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RDWR))
    }

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
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = buffer[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
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

    func readHead() throws -> (status: Int, headers: [(name: String, value: String)]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw TestClientError.malformed(statusLine)
        }
        var headers: [(String, String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError.malformed(line) }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (status, headers)
    }

    /// The next chunk of a chunked body; nil after the last one.
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

    func readResponse(isHead: Bool = false) throws -> TestResponse {
        let (status, headers) = try readHead()
        let response = TestResponse(status: status, headers: headers, body: [])
        if isHead || status == 204 { return response }
        var body: [UInt8] = []
        if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            body = try readExactly(length)
        } else if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while let chunk = try readChunk() { body += chunk }
        } else {
            while try fill() {}
            body = buffer
            buffer.removeAll()
        }
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection within the receive timeout.
    func isClosedByServer() -> Bool {
        buffer.isEmpty && ((try? fill()) == false)
    }
}
